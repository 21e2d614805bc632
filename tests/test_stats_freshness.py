"""Stale expert profiles and their engagement history."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import openpyxl
from typer.testing import CliRunner

from matcher.config import Settings
from matcher.domain.records import Demand, Expert, MatchStatus
from matcher.operations.freshness import add_months, expert_freshness, months_between, stale_experts
from matcher.store import MatchEvent, Store
from pipelines.cli.main import app as cli_app
from pipelines.reports.xlsx import write_stale_xlsx

AS_OF = date(2026, 7, 31)


def make_store(tmp_path: Path) -> Store:
    store = Store(Settings(data_dir=tmp_path).resolved_database_url)
    store.create_schema()
    store.records.upsert(
        "experts",
        [
            Expert(id="E1", name="新", country="US", updated_at=date(2026, 1, 1)),
            Expert(id="E2", name="刚满", country="US", updated_at=date(2025, 1, 31)),  # exactly 18 months
            Expert(id="E3", name="过期", country="DE", updated_at=date(2025, 1, 30)),  # 18 months + 1 day
            Expert(id="E4", name="无日期", country="JP"),
            Expert(id="E5", name="停用", country="FR", updated_at=date(2019, 1, 1), active=False),
        ],
    )
    store.records.upsert("demands", [Demand(id="D1", title="需求")])
    events = [
        MatchEvent("D1", "E3", None, MatchStatus.RECOMMENDED, "", "import", datetime(2026, 2, 1, 9)),
        MatchEvent("D1", "E3", None, MatchStatus.CONTACTED, "", "import", datetime(2026, 3, 5, 9)),
    ]
    store.flow.import_match_history(events)
    return store


def test_month_arithmetic() -> None:
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2025, 1, 31), 18) == date(2026, 7, 31)
    assert months_between(date(2025, 1, 31), date(2026, 7, 30)) == 17


def test_stale_profiles_with_engagement(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    rows = stale_experts(store, months=18, as_of=AS_OF)
    assert [(r.expert_id, r.months_since_update) for r in rows] == [("E4", None), ("E3", 18)]
    e3 = rows[1]
    assert (e3.matches, e3.open_engagements, e3.signed) == (1, 1, 0)
    assert e3.last_engagement_at == datetime(2026, 3, 5, 9)
    everyone = {r.expert_id: r for r in expert_freshness(store, months=18, as_of=AS_OF)}
    assert set(everyone) == {"E1", "E2", "E3", "E4"} and not everyone["E2"].stale
    six = [(r.expert_id, r.months_since_update) for r in stale_experts(store, months=6, as_of=AS_OF)]
    assert six == [("E4", None), ("E2", 18), ("E3", 18), ("E1", 6)]  # unknown first, then oldest
    assert {r.expert_id for r in stale_experts(store, months=6, as_of=AS_OF)} == {"E1", "E2", "E3", "E4"}


def test_stale_report_xlsx_and_cli(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    path = write_stale_xlsx(tmp_path / "stale.xlsx", stale_experts(store, months=18, as_of=AS_OF))
    sheet = openpyxl.load_workbook(path)["stale_experts"]
    assert [c.value for c in sheet["A"]] == ["expert_id", "E4", "E3"]
    result = CliRunner().invoke(cli_app, ["stale", "--months", "1", "--json", "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert {r["expert_id"] for r in json.loads(result.output)} == {"E1", "E2", "E3", "E4"}
