"""Catalogue gaps on the demo data and on a hand-made pool with a real gap; auto-tagging quality."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from embeddings.encoders.base import Encoder
from matcher.catalogue.tagging import AutoTagger, industry_tagging_quality
from matcher.config import Settings
from matcher.domain.records import Demand, Expert, Site
from matcher.ingest.importer import read_records
from matcher.operations.gaps import REASONS, GapAnalyzer
from matcher.service import Matcher
from pipelines.cli.main import app as cli_app
from pipelines.reports.chart import gap_chart
from pipelines.reports.xlsx import write_gaps_xlsx

DEMO_DIR = Path(__file__).resolve().parents[1] / "pipelines" / "demo" / "data"


@pytest.fixture(scope="module")
def demo_gaps(demo_matcher: Matcher):  # type: ignore[no-untyped-def]
    return GapAnalyzer(demo_matcher).report()


def test_demo_gap_report_covers_every_open_demand(demo_gaps, demo_matcher: Matcher) -> None:  # type: ignore[no-untyped-def]
    open_ids = {
        d.id
        for d in demo_matcher.store.records.list("demands")
        if d.status.value in ("open", "matching", "negotiating")
    }  # type: ignore[attr-defined]
    assert {g.demand_id for g in demo_gaps.demands} == open_ids and len(open_ids) == 131
    assert sum(r.open_demands for r in demo_gaps.overall) == 131
    assert sum(r.open_demands for rows in demo_gaps.by_base.values() for r in rows) == 131
    weak = [g for g in demo_gaps.demands if g.weak]
    assert all(g.top_dense < 0.6 or "no_field_expert" in g.reasons for g in weak)
    assert sum(r.weak_demands for r in demo_gaps.overall) == len(weak)
    scores = [r.gap_score for r in demo_gaps.overall]
    assert scores == sorted(scores, reverse=True)
    top = demo_gaps.overall[0]
    assert top.weak_demands >= 1 and top.gap_score == round(top.weak_demands / (1 + top.supply), 4)
    assert set(demo_gaps.by_base) <= {s.id for s in demo_matcher.store.records.list("sites")} | {"(none)"}


def test_gap_frame_holds_every_row_unrounded(demo_gaps) -> None:  # type: ignore[no-untyped-def]
    rows = [*demo_gaps.overall, *(r for base_rows in demo_gaps.by_base.values() for r in base_rows)]
    frame = demo_gaps.to_frame()
    common = ["scope", "field", "label_zh", "label_en", "industry", "open_demands", "weak_demands",
              "weak_share", "supply_experts", "gap_score", "mean_top_dense"]  # fmt: skip
    assert list(frame.columns) == [*common, "no_expert", "low_similarity", "no_field_expert"]
    assert list(rows[0].as_dict()) == [*common, "reasons"]  # the JSON/xlsx shape is unchanged
    assert frame.to_dict("records") == [r.row() for r in rows]
    assert frame["mean_top_dense"].tolist() == [r.mean_top_dense for r in rows]  # not the 4-place copy
    assert frame[list(REASONS)].to_numpy().sum() == sum(sum(r.reasons.values()) for r in rows)
    overall = frame[frame["scope"] == "overall"]
    assert overall["weak_demands"].sum() == sum(g.weak for g in demo_gaps.demands)


def test_gap_xlsx_and_chart(demo_gaps, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    workbook = openpyxl.load_workbook(write_gaps_xlsx(tmp_path / "gaps.xlsx", demo_gaps))
    assert workbook.sheetnames == ["overall", "by_base", "demands", "settings"]
    assert workbook["demands"].max_row == 1 + 131
    header = [c.value for c in workbook["overall"][1]]
    assert header[:4] == ["scope", "field", "label_zh", "label_en"] and "gap_score" in header
    png = gap_chart(demo_gaps.overall, tmp_path / "gaps.png", top=10)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_field_without_experts_is_the_top_gap(tmp_path: Path, use_encoder: Encoder) -> None:
    matcher = Matcher(Settings(data_dir=tmp_path), encoder=use_encoder)
    matcher.store.records.upsert(
        "sites",
        [Site(id="B1", name="基地", kind="base"), Site(id="S1", name="站", kind="station", parent_id="B1")],
    )
    matcher.store.records.upsert(
        "experts",
        [
            Expert(id="E1", name="王磊", country="US", bio="固态电池电解质与锂金属负极界面研究。"),
            Expert(
                id="E2",
                name="Anna Berg",
                country="DE",
                bio="Lithium-ion battery cathode materials and solid electrolytes.",
            ),
        ],
    )
    matcher.store.records.upsert(
        "demands",
        [
            Demand(
                id="D1", station_id="S1", title="固态电池电解质界面阻抗", description="需要固态电池电解质专家"
            ),
            Demand(
                id="D2",
                station_id="S1",
                title="水稻育种与基因编辑",
                description="需要作物分子育种、基因编辑专家",
            ),
            Demand(id="D3", station_id="S1", title="水稻抗病育种", description="分子标记辅助育种，抗稻瘟病"),
        ],
    )
    matcher.build_index()
    report = GapAnalyzer(matcher, dense_threshold=0.6, k=2).report()
    reasons = {g.demand_id: g.reasons for g in report.demands}
    assert reasons["D1"] == ()
    assert "no_field_expert" in reasons["D2"] and "no_field_expert" in reasons["D3"]
    top = report.overall[0]
    assert top.field.startswith("agriculture.") and (top.weak_demands, top.supply) == (2, 0)
    assert report.by_base["B1"][0].field == top.field
    runner = CliRunner()
    result = runner.invoke(
        cli_app, ["catalogue", "gaps", "--data-dir", str(tmp_path), "--threshold", "0.6", "-k", "2"]
    )
    assert result.exit_code == 0, result.output
    assert "2 of 3 open demands are weak" in result.output and top.field in result.output


def test_auto_tagging_precision_and_recall_on_demo_gold() -> None:
    """Gold: demands' ``industry`` and experts' ``industries`` columns; the tagger sees only text."""
    tagger = AutoTagger()
    demands = read_records(DEMO_DIR / "demands.csv", "demands")
    experts = read_records(DEMO_DIR / "experts.csv", "experts")
    on_demands = industry_tagging_quality(tagger, demands)  # type: ignore[arg-type]
    on_experts = industry_tagging_quality(tagger, experts)  # type: ignore[arg-type]
    assert (on_demands.records, on_experts.records) == (160, 656)
    # measured: demands P 0.925 R 1.000, experts P 0.969 R 0.909
    assert on_demands.precision >= 0.90 and on_demands.recall >= 0.97
    assert on_experts.precision >= 0.94 and on_experts.recall >= 0.88


def test_fill_industries_only_touches_empty_ones() -> None:
    tagger = AutoTagger()
    demand = Demand(id="D1", title="固态电池界面阻抗", description="硫化物固态电解质与锂金属负极")
    tagged = Demand(id="D2", title="固态电池", industry="materials")
    expert = Expert(id="E1", name="A", country="US", bio="Computer vision and object detection for robots.")
    filled = tagger.fill_industries([demand, tagged, expert])
    assert [(r.id, getattr(r, "industry", None) or getattr(r, "industries", None)) for r in filled] == [
        ("D1", "new_energy"),
        ("E1", ["ai"]),
    ]
