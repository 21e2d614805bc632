"""The dashboard endpoints through a real uvicorn server, figures cross-checked with the operations code.

The server runs over its own copy of the demo data with a seeded history (`tests.dashboard_seed`); every
expected figure is computed here by the same `matcher.operations` functions and ledger records the CLI
reports use, from the server's own database — nothing is hard-coded but the scoping rules.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from types import SimpleNamespace

import httpx
import pytest
from dashboard_seed import FAILED_BASE, SMTP_ERROR, seed

from embeddings.encoders.base import Encoder
from matcher.config import Settings
from matcher.domain.records import Expert
from matcher.operations.freshness import stale_experts
from matcher.operations.gaps import GapAnalyzer
from matcher.operations.station_eval import evaluate_stations
from matcher.operations.stats import Period, StatsCalculator
from matcher.service import Matcher
from matcher.store import Store
from pipelines.nightly.ledger import NightlyLedger

YEAR = date.today().year
ENDPOINTS = ["evaluation", "monthly", "gaps", "stale", "nightly", "index"]


@pytest.fixture(scope="module")
def server(api_server_factory: Callable[[], SimpleNamespace]) -> SimpleNamespace:
    started = api_server_factory()
    started.seeded = seed(started.data_dir)
    return started


@pytest.fixture()
def store(server: SimpleNamespace) -> Iterator[Store]:
    opened = Store(Settings(data_dir=server.data_dir).resolved_database_url)
    yield opened
    opened.close()


def get(server: SimpleNamespace, who: str, path: str, **params: str | int) -> httpx.Response:
    headers = {"X-API-Key": server.keys[who]}
    return httpx.get(f"{server.url}/v1/dashboard/{path}", headers=headers, params=params, timeout=120)


def ok(server: SimpleNamespace, who: str, path: str, **params: str | int) -> dict:
    response = get(server, who, path, **params)
    assert response.status_code == 200, response.text
    return response.json()


def base_sites(store: Store, base: str) -> set[str]:
    return {base, *store.search.child_site_ids(base)}


def test_seed_wrote_a_history(server: SimpleNamespace) -> None:
    assert server.seeded["events"] > 50 and server.seeded["cooperations"] > 5


def test_station_keys_are_refused_and_keys_are_needed(server: SimpleNamespace) -> None:
    for path in ENDPOINTS:
        refused = get(server, "station", path)
        assert refused.status_code == 403, path
        assert "/v1/stats/stations" in refused.json()["message"]
        assert httpx.get(f"{server.url}/v1/dashboard/{path}").status_code == 401


def test_evaluation_ranking_matches_the_station_evaluation(server: SimpleNamespace, store: Store) -> None:
    expected = evaluate_stations(StatsCalculator(store).report(Period.year(YEAR)))
    body = ok(server, "admin", "evaluation", year=YEAR)
    assert body["scope"] == {"role": "admin", "site_id": None, "station_ids": None, "can_write": True}
    got = [(s["rank"], s["station_id"], s["score"], s["flagged"]) for s in body["stations"]]
    assert got == [(e.rank, e.stats.scope_id, e.score, e.flagged) for e in expected]
    assert body["flagged"] == sum(e.flagged for e in expected) and 0 < body["flagged"] < len(expected)
    top = body["stations"][0]
    assert top["docking_rate"] == round(expected[0].stats.docking_rate, 4) and top["signed"] >= 1
    flagged = next(s for s in body["stations"] if s["flagged"])
    assert flagged["reasons"] and all("/" in r for r in flagged["reasons"])
    # the analyst reads the same ranking, without write rights
    analyst = ok(server, "analyst", "evaluation", year=YEAR)
    assert analyst["stations"] == body["stations"] and analyst["scope"]["can_write"] is False
    # a base sees its own stations only, in the plan-wide ranks
    mine = base_sites(store, "B-GZ")
    base = ok(server, "base", "evaluation", year=YEAR)
    assert base["scope"]["site_id"] == "B-GZ" and base["scope"]["can_write"] is False
    assert [s["station_id"] for s in base["stations"]] == [
        e.stats.scope_id for e in expected if e.stats.scope_id in mine
    ]
    assert base["stations"] and {s["base_id"] for s in base["stations"]} == {"B-GZ"}


def test_monthly_rates_are_the_stats_of_each_month(server: SimpleNamespace, store: Store) -> None:
    calculator = StatsCalculator(store)
    body = ok(server, "admin", "monthly", year=YEAR)
    assert body["scope_id"] == "all" and len(body["months"]) == 12
    for point in body["months"]:
        year, month = map(int, point["month"].split("-"))
        end = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
        overall = calculator.report(Period(date(year, month, 1), end)).overall
        assert (point["demands_posted"], point["contacted"], point["signed"]) == (
            overall.demands_posted,
            overall.contacted,
            overall.signed,
        ), point["month"]
        assert point["docking_rate"] == round(overall.docking_rate, 4)
        assert point["signing_rate"] == round(overall.signing_rate, 4)
    assert (
        sum(p["signed"] for p in body["months"]) > 0 and sum(p["demands_posted"] for p in body["months"]) > 0
    )
    # a base gets its own base by default, may ask for its stations, not for others or the whole plan
    base = ok(server, "base", "monthly", year=YEAR)
    assert base["scope_id"] == "B-GZ" and "all" not in base["scopes"]
    assert set(base["scopes"]) == base_sites(store, "B-GZ") & {s.id for s in store.records.list("sites")}
    march = calculator.report(Period(date(YEAR, 3, 1), date(YEAR, 3, 31)))
    gz = next(b for b in march.bases if b.scope_id == "B-GZ")
    assert base["months"][2]["demands_posted"] == gz.demands_posted
    station = ok(server, "base", "monthly", year=YEAR, scope="ST001")
    assert station["scope_id"] == "ST001"
    assert get(server, "base", "monthly", scope="B-SZ").status_code == 403
    assert get(server, "base", "monthly", scope="all").status_code == 403
    assert get(server, "admin", "monthly", scope="NOPE").status_code == 404
    assert ok(server, "analyst", "monthly", year=YEAR, scope="B-SZ")["scope_id"] == "B-SZ"


def test_gaps_are_the_catalogue_gap_report(
    server: SimpleNamespace, store: Store, use_encoder: Encoder
) -> None:
    matcher = Matcher(Settings(data_dir=server.data_dir), encoder=use_encoder)
    report = GapAnalyzer(matcher).report()
    body = ok(server, "admin", "gaps", top=10)
    assert body["scope_id"] == "overall" and body["dense_threshold"] == report.dense_threshold
    assert [(f["field"], f["weak_demands"], f["gap_score"]) for f in body["fields"]] == [
        (r.field, r.weak_demands, r.gap_score) for r in report.overall[:10]
    ]
    assert body["fields"][0]["label_zh"] and body["fields"][0]["label_en"]
    base = ok(server, "base", "gaps", top=10)
    assert base["scope_id"] == "B-GZ"
    assert [f["field"] for f in base["fields"]] == [r.field for r in report.by_base.get("B-GZ", [])[:10]]
    matcher.store.close()


def test_stale_profiles_are_the_freshness_report(server: SimpleNamespace, store: Store) -> None:
    months = Settings(data_dir=server.data_dir).stale_after_months
    expected = stale_experts(store, months=months)
    body = ok(server, "analyst", "stale", limit=20)
    assert body["months"] == months and body["total"] == len(expected) > 0
    assert [i["expert_id"] for i in body["items"]] == [r.expert_id for r in expected[:20]]
    assert sum(body["by_age"].values()) == body["total"]
    assert body["unknown_date"] == sum(r.updated_at is None for r in expected)
    assert "email" not in body["items"][0] and "phone" not in body["items"][0]
    fewer = ok(server, "analyst", "stale", months=36)
    assert fewer["total"] == len(stale_experts(store, months=36)) < body["total"]


def test_nightly_ledger_runs_deliveries_and_failed_bases(server: SimpleNamespace, store: Store) -> None:
    ledger = NightlyLedger(store)
    body = ok(server, "admin", "nightly")
    runs = ledger.runs(limit=10)
    assert [r["run_id"] for r in body["runs"]] == [r.run_id for r in runs]
    assert [r["status"] for r in body["runs"]][:2] == ["partial", "finished"]
    assert body["runs"][0]["smtp_check"] == "ok" and body["runs"][0]["demands"] == runs[0].counts["demands"]
    yesterday = date.today() - timedelta(days=1)
    delivered = ledger.deliveries(run_date=yesterday)
    assert {(d["base_id"], d["status"], d["pairs"]) for d in body["deliveries"]} == {
        (d.base_id, d.status, len(d.pairs)) for d in delivered
    }
    assert body["pairs_sent"] == sum(len(d.pairs) for d in delivered if d.status == "sent") > 0
    assert [(f["base_id"], f["error"]) for f in body["failed_bases"]] == [(FAILED_BASE, SMTP_ERROR)]
    assert ok(server, "analyst", "nightly")["failed_bases"] == body["failed_bases"]
    # a base sees what it was sent, not the other bases' failures or the plan-wide counts
    base = ok(server, "base", "nightly")
    assert {d["base_id"] for d in base["deliveries"]} == {"B-GZ"} and base["failed_bases"] == []
    assert all(r["demands"] is None for r in base["runs"])


def test_writes_are_refused_to_analysts_and_bases_admin_confirms_a_profile(
    server: SimpleNamespace, store: Store
) -> None:
    stale_id = next(r.expert_id for r in stale_experts(store) if r.updated_at is not None)
    today = date.today().isoformat()
    for who in ("analyst", "base"):
        refused = httpx.patch(
            f"{server.url}/v1/experts/{stale_id}",
            headers={"X-API-Key": server.keys[who]},
            json={"updated_at": today},
            timeout=60,
        )
        assert refused.status_code == 403, who
    done = httpx.patch(
        f"{server.url}/v1/experts/{stale_id}",
        headers={"X-API-Key": server.keys["admin"]},
        json={"updated_at": today},
        timeout=120,
    )
    assert done.status_code == 200, done.text
    assert stale_id not in {i["expert_id"] for i in ok(server, "admin", "stale", limit=1000)["items"]}


def test_index_freshness_reports_records_not_yet_indexed(server: SimpleNamespace, store: Store) -> None:
    before = ok(server, "admin", "index")
    assert before["behind"] is False and before["notice"] is None
    assert [c["kind"] for c in before["collections"]] == ["experts", "demands"]
    experts = before["collections"][0]
    assert experts["stored"] == store.records.count("experts") == experts["indexed"]
    assert experts["version"]
    # a write around the server (as `haizhi import` without --index): one expert changed, one new
    first = store.records.list("experts", limit=1)[0]
    assert isinstance(first, Expert)
    new = first.model_copy(update={"id": "EX-DASH-NEW"})
    store.records.upsert("experts", [first.model_copy(update={"bio": first.bio + " 更新"}), new])
    after = ok(server, "base", "index")
    got = after["collections"][0]
    # the server's own index (in memory) against the store: what GET /v1/health reports too
    assert (got["not_indexed"], got["changed"], got["deleted"], got["behind"]) == (1, 1, 0, 2)
    assert after["collections"][1]["behind"] == 0
    assert after["behind"] is True and "haizhi build-index" in after["notice"]
    health = httpx.get(f"{server.url}/v1/health", timeout=60).json()
    assert health["experts_behind"] == got["behind"] and health["index_notice"] == after["notice"]
