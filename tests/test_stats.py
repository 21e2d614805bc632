"""Station/base statistics and the yearly evaluation on a hand-made fixture with known dates."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from matcher.config import Settings
from matcher.domain.records import Demand, Expert, MatchStatus, Site
from matcher.operations.flow import ProjectFlow
from matcher.operations.station_eval import EvaluationConfig, evaluate_stations
from matcher.operations.stats import Period, StatsCalculator
from matcher.store import MatchEvent, Store
from pipelines.cli.main import app as cli_app
from pipelines.reports.xlsx import write_stats_xlsx

S = MatchStatus
# (demand, expert, status, when) — the whole match history of the fixture
HISTORY = [
    ("D1", "E1", S.RECOMMENDED, "2025-01-12"),
    ("D1", "E1", S.CONTACTED, "2025-01-20"),  # 10 days after posting
    ("D1", "E1", S.NEGOTIATING, "2025-02-01"),
    ("D1", "E1", S.SIGNED, "2025-03-01"),
    ("D2", "E2", S.RECOMMENDED, "2025-02-03"),
    ("D2", "E2", S.CONTACTED, "2025-02-05"),  # 4 days: D2's first contact
    ("D2", "E2", S.DECLINED, "2025-02-10"),
    ("D2", "E3", S.RECOMMENDED, "2025-02-04"),
    ("D2", "E3", S.CONTACTED, "2025-02-11"),
    ("D2", "E3", S.NEGOTIATING, "2025-02-20"),
    ("D3", "E1", S.RECOMMENDED, "2025-03-02"),
    ("D4", "E4", S.RECOMMENDED, "2024-12-21"),
    ("D4", "E4", S.CONTACTED, "2025-01-05"),  # 16 days (D4 is a 2024 demand)
    ("D4", "E4", S.NEGOTIATING, "2025-01-10"),
    ("D4", "E4", S.SIGNED, "2025-01-15"),
    ("D5", "E2", S.RECOMMENDED, "2025-05-02"),
    ("D5", "E2", S.CONTACTED, "2025-05-31"),  # 30 days
    ("D8", "E3", S.RECOMMENDED, "2025-07-02"),
    ("D8", "E3", S.CONTACTED, "2025-07-03"),  # 2 days, no station
]
POSTED = {
    "D1": ("S1", "2025-01-10"),
    "D2": ("S1", "2025-02-01"),
    "D3": ("S1", "2025-03-01"),
    "D4": ("S1", "2024-12-20"),
    "D5": ("S2", "2025-05-01"),
    "D6": ("S2", "2025-06-01"),
    "D7": ("S3", "2024-06-01"),
    "D8": (None, "2025-07-01"),
}


@pytest.fixture()
def store(tmp_path: Path) -> Store:
    """Bases B1 (stations S1, S2) and B2 (station S3), 8 demands, 4 experts, history, 2 cooperations."""
    store = Store(Settings(data_dir=tmp_path).resolved_database_url)
    store.create_schema()
    store.records.upsert(
        "sites",
        [
            Site(id="B1", name="一号基地", kind="base"),
            Site(id="B2", name="二号基地", kind="offshore_base"),
            Site(id="S1", name="一站", kind="station", parent_id="B1"),
            Site(id="S2", name="二站", kind="station", parent_id="B1"),
            Site(id="S3", name="三站", kind="station", parent_id="B2"),
        ],
    )
    store.records.upsert("experts", [Expert(id=f"E{i}", name=f"专家{i}", country="US") for i in range(1, 5)])
    store.records.upsert(
        "demands",
        [
            Demand(id=d, station_id=station, title=f"需求{d}", posted_at=date.fromisoformat(day))
            for d, (station, day) in POSTED.items()
        ],
    )
    store.flow.import_match_history(
        [
            MatchEvent(d, e, None, status, "", "import", datetime.fromisoformat(day))
            for d, e, status, day in HISTORY
        ]
    )
    flow = ProjectFlow(store)
    flow.record_cooperation("D1", "E1", mode="project", start_date=date(2025, 3, 15), contract_amount_wan=50)
    flow.record_cooperation("D4", "E4", mode="flexible", start_date=date(2025, 1, 20), contract_amount_wan=30)
    return store


def by_id(rows: list) -> dict:
    return {r.scope_id: r for r in rows}


def test_station_base_and_overall_figures_for_2025(store: Store) -> None:
    report = StatsCalculator(store).report(Period.year(2025))
    stations, bases = by_id(report.stations), by_id(report.bases)
    s1 = stations["S1"].as_dict()
    assert s1 == {
        "scope_id": "S1",
        "name": "一站",
        "kind": "station",
        "base_id": "B1",
        "demands_posted": 3,
        "recommended": 3,
        "contacted": 2,
        "negotiating": 2,
        "signed": 1,
        "docking_rate": 0.6667,
        "signing_rate": 0.3333,
        "experts_introduced": 2,  # E1 (D1) and E4 (D4, a 2024 demand signed in 2025)
        "projects_introduced": 2,
        "contract_amount_wan": 80.0,
        "median_days_to_first_contact": 7.0,  # median of 10 and 4
    }
    s2 = stations["S2"]
    assert (s2.demands_posted, s2.recommended, s2.contacted, s2.negotiating, s2.signed) == (2, 1, 1, 0, 0)
    assert (s2.docking_rate, s2.signing_rate, s2.median_days_to_first_contact) == (0.5, 0.0, 30.0)
    assert (s2.projects_introduced, s2.contract_amount_wan) == (0, 0.0)
    s3 = stations["S3"]
    assert (s3.demands_posted, s3.docking_rate, s3.median_days_to_first_contact) == (0, 0.0, None)
    b1 = bases["B1"]
    assert (b1.demands_posted, b1.recommended, b1.contacted, b1.negotiating, b1.signed) == (5, 4, 3, 2, 1)
    assert b1.median_days_to_first_contact == 10.0  # median of 10, 4, 30 — not a median of medians
    assert (b1.experts_introduced, b1.projects_introduced, b1.contract_amount_wan) == (2, 2, 80.0)
    assert bases["B2"].demands_posted == 0
    overall = report.overall
    assert (overall.demands_posted, overall.recommended, overall.contacted, overall.signed) == (6, 5, 4, 1)
    assert overall.median_days_to_first_contact == 7.0  # 2, 4, 10, 30


def test_stats_frame_has_one_unrounded_row_per_scope(store: Store) -> None:
    report = StatsCalculator(store).report(Period.year(2025))
    frame = report.to_frame()
    assert list(frame.columns) == list(report.overall.as_dict())
    assert frame["scope_id"].tolist() == ["S1", "S2", "S3", "B1", "B2", "all"]
    # pandas marks a missing base or median as NaN; back to None, every row is the scope's own figures
    records = frame.astype(object).where(frame.notna(), None).to_dict("records")
    assert records == [scope.row() for scope in report.scopes]
    s1 = frame.set_index("scope_id").loc["S1"]
    assert s1["docking_rate"] == 2 / 3 and s1["signing_rate"] == 1 / 3  # as_dict shows 0.6667 / 0.3333
    assert frame["median_days_to_first_contact"].dtype == float
    assert frame["median_days_to_first_contact"].isna().tolist() == [False, False, True, False, True, False]


def test_all_time_and_as_of_follow_the_history(store: Store) -> None:
    s1 = by_id(StatsCalculator(store).report().stations)["S1"]
    assert (s1.demands_posted, s1.contacted, s1.signed, s1.median_days_to_first_contact) == (4, 3, 2, 10.0)
    early = by_id(StatsCalculator(store).report(Period.year(2025), as_of=datetime(2025, 2, 15)).stations)[
        "S1"
    ]
    assert (early.contacted, early.negotiating, early.signed) == (2, 1, 0)


def test_yearly_evaluation_scores_ranks_and_flags(store: Store) -> None:
    ranked = evaluate_stations(StatsCalculator(store).report(Period.year(2025)))
    assert [(e.rank, e.stats.scope_id, e.score, e.flagged) for e in ranked] == [
        (1, "S1", 56.72, False),  # 100·(.3·2/3 + .25·1/3 + .1·(1−7/90) + .15·.3 + .1·2/3 + .1·.8)
        (2, "S2", 24.67, True),  # 100·(.3·.5 + .1·(1−30/90) + .15·.2)
        (3, "S3", 0.0, True),
    ]
    assert ranked[2].reasons[0].startswith("no demands posted")
    custom = EvaluationConfig.from_dict({"weights": {"docking_rate": 1}, "review_threshold": 60})
    rescored = evaluate_stations(StatsCalculator(store).report(Period.year(2025)), custom)
    assert [(e.stats.scope_id, e.score, e.flagged) for e in rescored] == [
        ("S1", 66.67, False),
        ("S2", 50.0, True),
        ("S3", 0.0, True),
    ]


@pytest.mark.parametrize(
    "bad",
    [{"weights": {"speed": -1}}, {"weights": {"charm": 1}}, {"weights": {"speed": 0}}, {"colour": 1}],
)
def test_bad_evaluation_config_is_rejected_with_its_key(bad: dict) -> None:
    with pytest.raises(ValueError, match="station evaluation"):
        EvaluationConfig.from_dict(bad)


def test_imported_history_sets_match_status_and_keeps_timestamps(store: Store) -> None:
    assert store.matches.get("D2", "E2").status is S.DECLINED  # type: ignore[union-attr]
    history = store.matches.history("D2", "E3")
    assert [(e.from_status, e.to_status, e.at.date().isoformat()) for e in history] == [
        (None, S.RECOMMENDED, "2025-02-04"),
        (S.RECOMMENDED, S.CONTACTED, "2025-02-11"),
        (S.CONTACTED, S.NEGOTIATING, "2025-02-20"),
    ]


def test_xlsx_export_and_cli(store: Store, tmp_path: Path) -> None:
    report = StatsCalculator(store).report(Period.year(2025))
    path = write_stats_xlsx(tmp_path / "stats.xlsx", report, evaluate_stations(report))
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["evaluation", "stations", "bases", "overall"]
    sheet = workbook["evaluation"]
    header = [c.value for c in sheet[1]]
    first = dict(zip(header, [c.value for c in sheet[2]], strict=True))
    assert (first["scope_id"], first["score"], first["median_days_to_first_contact"]) == ("S1", 56.72, 7)
    weights = tmp_path / "weights.json"
    weights.write_text(json.dumps({"weights": {"docking_rate": 1}, "review_threshold": 60}), encoding="utf-8")
    runner = CliRunner(env={"HAIZHI_STATION_EVALUATION": str(weights)})
    result = runner.invoke(cli_app, ["stats", "--year", "2025", "--json", "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert [(e["scope_id"], e["score"], e["flagged"]) for e in body["evaluation"]][:2] == [
        ("S1", 66.67, False),
        ("S2", 50.0, True),
    ]
    assert body["overall"]["median_days_to_first_contact"] == 7.0
