"""Metrics, intervals, paired tests, the IR evaluator and lifecycle gold."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from embeddings.encoders.base import Encoder
from matcher.config import Settings
from matcher.domain.records import Demand, MatchStatus
from matcher.evaluation.ir_evaluator import RankingEvaluator, matcher_system
from matcher.evaluation.metrics import (
    average_precision,
    bootstrap_ci,
    concentration,
    coverage,
    gini,
    ndcg_at_k,
    paired_test,
    precision_at_k,
)
from matcher.evaluation.offline import evaluate_matcher, format_table, metric_frame, read_gold
from matcher.evaluation.outcomes import gold_from_lifecycle, simulate_outcomes, simulate_path
from matcher.service import Matcher

DEMO_GOLD = Path(__file__).resolve().parents[1] / "pipelines" / "demo" / "data" / "gold.csv"


def test_metric_values_on_hand_computed_lists() -> None:
    grades = {"a": 3, "b": 2, "c": 0}
    assert ndcg_at_k(["a", "b", "c"], grades, 3) == pytest.approx(1.0)
    assert ndcg_at_k(["c", "b", "a"], grades, 3) < 0.8
    assert average_precision(["x", "a", "y", "b"], {"a", "b"}) == pytest.approx((1 / 2 + 2 / 4) / 2)
    assert precision_at_k(["a", "x", "b", "y"], {"a", "b"}, 4) == 0.5
    assert ndcg_at_k(["a"], {"a": -1, "b": 2}, 2) == 0.0  # declined (negative) earns no gain


def test_exposure_statistics() -> None:
    assert gini([5, 5, 5, 5]) == pytest.approx(0.0)
    assert gini([0, 0, 0, 20]) == pytest.approx(0.75)
    same = [["e1", "e2"], ["e1", "e3"], ["e1", "e2"]]
    assert coverage(same, pool_size=10, k=2) == pytest.approx(0.3)
    spread = concentration(same, pool_size=10, k=2)
    assert spread.max_share == 1.0 and spread.top1_share == pytest.approx(3 / 6)


def test_bootstrap_interval_brackets_the_mean_and_paired_test_detects_a_shift() -> None:
    rng = np.random.default_rng(0)
    values = rng.uniform(0.5, 1.0, 200)
    mean, low, high = bootstrap_ci(values, seed=1)
    assert low < mean < high and high - low < 0.1
    a = {f"q{i}": float(v) for i, v in enumerate(values)}
    better = {q: v + 0.02 + float(rng.normal(0, 0.01)) for q, v in a.items()}
    noise = {q: v + float(rng.normal(0, 0.01)) for q, v in a.items()}
    assert paired_test(a, better).significant and paired_test(a, better).ci_low > 0
    assert paired_test(a, noise).p_value > 0.01
    with pytest.raises(ValueError, match="no common query"):
        paired_test({"x": 1.0}, {"y": 1.0})


def test_read_gold_reports_the_bad_row(tmp_path: Path) -> None:
    bad = tmp_path / "gold.csv"
    bad.write_text("demand_id,expert_id,grade\nD1,E1,2\nD1,E2,high\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"gold.csv:3:grade"):
        read_gold(bad)


def test_evaluator_scores_any_system_and_compares(demo_matcher: Matcher) -> None:
    gold = {q: g for q, g in list(read_gold(DEMO_GOLD).items())[:15]}
    evaluator = RankingEvaluator.from_matcher(demo_matcher, gold, bootstrap=200)
    ranked = evaluator(matcher_system(demo_matcher), name="fused+ranker")
    bm25 = evaluator(matcher_system(demo_matcher, mode="lexical", rank=False), name="bm25")
    perfect = evaluator(lambda q, _text: sorted(gold[q], key=lambda e: -gold[q][e]), name="oracle")
    assert perfect.summary["ndcg"][0] == pytest.approx(1.0)
    assert ranked.summary["ndcg"][1] <= ranked.summary["ndcg"][0] <= ranked.summary["ndcg"][2]
    assert ranked.summary["ndcg"][0] > bm25.summary["ndcg"][0]
    assert evaluator.compare(bm25, ranked).delta > 0
    assert set(ranked.groups) <= {
        d.industry for d in demo_matcher.store.records.list("demands") if isinstance(d, Demand)
    }
    assert 0 < ranked.coverage <= 1 and 0 <= ranked.gini < 1


def test_evaluate_matcher_intervals_and_industry_slices(demo_matcher: Matcher) -> None:
    gold = read_gold(DEMO_GOLD)
    demands = [d for d in demo_matcher.store.records.list("demands") if isinstance(d, Demand)][:40]
    rows = evaluate_matcher(
        demo_matcher, demands, gold, systems=["fused+ranker"], by_industry=True, bootstrap=200
    )
    overall = next(r for r in rows if r.pair == "all")
    assert overall.queries == 40 and overall.ci["ndcg"][0] <= overall.ndcg <= overall.ci["ndcg"][1]
    assert any(r.pair.startswith("industry:") for r in rows)
    assert "[" in format_table(rows, exposure=True)


def test_evaluation_result_frame_is_its_rows(demo_matcher: Matcher) -> None:
    gold = {q: g for q, g in list(read_gold(DEMO_GOLD).items())[:10]}
    evaluator = RankingEvaluator.from_matcher(demo_matcher, gold, bootstrap=50)
    result = evaluator(matcher_system(demo_matcher, mode="lexical", rank=False), name="bm25")
    frame = result.to_frame()
    assert list(frame.columns) == ["system", "metric", "mean", "ci_low", "ci_high"]
    assert frame.to_dict("records") == result.rows() and len(frame) == len(result.summary)
    assert frame.set_index("metric").loc["ndcg", "mean"] == result.summary["ndcg"][0]


METRIC_COLUMNS = ["system", "pair", "queries", "ndcg", "recall", "mrr", "map", "precision", "coverage",
                  "gini", "top1_share"]  # fmt: skip


def test_metric_frame_has_a_column_per_field_and_interval_bound(demo_matcher: Matcher) -> None:
    gold = read_gold(DEMO_GOLD)
    demands = [d for d in demo_matcher.store.records.list("demands") if isinstance(d, Demand)][:20]
    pairs = ("all", "zh→en")
    plain = evaluate_matcher(demo_matcher, demands, gold, systems=["bm25", "dense"], pairs=pairs)
    frame = metric_frame(plain)
    assert list(frame.columns) == METRIC_COLUMNS
    assert frame.to_dict("records") == [{c: getattr(r, c) for c in METRIC_COLUMNS} for r in plain]
    with_ci = evaluate_matcher(demo_matcher, demands, gold, systems=["dense"], pairs=pairs, bootstrap=50)
    frame = metric_frame(with_ci)
    bounds = [f"{m}_{end}" for m in ("ndcg", "map", "mrr", "recall", "precision") for end in ("low", "high")]
    assert list(frame.columns) == METRIC_COLUMNS + bounds
    for i, row in enumerate(with_ci):
        assert [frame.loc[i, c] for c in METRIC_COLUMNS] == [getattr(row, c) for c in METRIC_COLUMNS]
        assert (frame.loc[i, "ndcg_low"], frame.loc[i, "ndcg_high"]) == row.ci["ndcg"]
        assert (frame.loc[i, "precision_low"], frame.loc[i, "precision_high"]) == row.ci["precision"]
    assert list(metric_frame([]).columns) == METRIC_COLUMNS


def test_lifecycle_gold_orders_stages_and_simulation_writes_events(
    demo_data_dir: Path, tmp_path: Path, use_encoder: Encoder
) -> None:
    rng = np.random.default_rng(0)
    finals = [simulate_path(3, rng)[-1] for _ in range(300)] + [simulate_path(0, rng)[-1] for _ in range(300)]
    assert finals[:300].count(MatchStatus.SIGNED) > 5 * max(finals[300:].count(MatchStatus.SIGNED), 1)

    data_dir = tmp_path / "data"
    shutil.copytree(demo_data_dir, data_dir)
    matcher = Matcher(Settings(data_dir=data_dir), encoder=use_encoder)
    demands = [d for d in matcher.store.records.list("demands") if isinstance(d, Demand)][:6]
    report = simulate_outcomes(matcher, read_gold(DEMO_GOLD), demands=demands, k=4, seed=3)
    assert report.pairs == 24 and sum(report.statuses.values()) == 24
    lifecycle = gold_from_lifecycle(matcher.store)
    assert set(lifecycle) == {d.id for d in demands}
    assert all(len(g) == 4 and set(g.values()) <= {-1, 0, 1, 2, 3} for g in lifecycle.values())
    history = matcher.store.matches.history(demands[0].id, next(iter(lifecycle[demands[0].id])))
    assert history[0].to_status is MatchStatus.RECOMMENDED and history[0].actor == "simulation"
    again = simulate_outcomes(matcher, read_gold(DEMO_GOLD), demands=demands, k=4, seed=3)
    assert again.pairs == 0 and again.skipped_existing == 24  # real history is never overwritten
