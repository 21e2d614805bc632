"""Learned ranker, grouped CV, tuning, and tuned/learned params served by the Matcher."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from embeddings.encoders.base import Encoder
from matcher.config import Settings
from matcher.domain.records import Demand
from matcher.evaluation.offline import read_gold
from matcher.ranking.features import FEATURE_NAMES
from matcher.ranking.learned import LearnedRanker, load_learned, save_learned
from matcher.ranking.pairs import (
    PairData,
    collect_pairs,
    cross_validate,
    demand_folds,
    mean_metric,
    score_pairs,
)
from matcher.ranking.rankers import LinearRanker, load_ranker, save_params
from matcher.ranking.tuning import save_fusion, settings_with_tuning, tune_fusion, tune_linear
from matcher.service import Matcher

DEMO_GOLD = Path(__file__).resolve().parents[1] / "pipelines" / "demo" / "data" / "gold.csv"


@pytest.fixture(scope="module")
def gold() -> dict[str, dict[str, int]]:
    return read_gold(DEMO_GOLD)


@pytest.fixture(scope="module")
def pairs(demo_matcher: Matcher, gold: dict[str, dict[str, int]]) -> PairData:
    demands = [d for d in demo_matcher.store.records.list("demands") if isinstance(d, Demand)][:80]
    return collect_pairs(demo_matcher, demands)


def test_pairs_come_from_the_service_path(demo_matcher: Matcher, pairs: PairData) -> None:
    demand = pairs.demands[0]
    served = demo_matcher.recommend(demand_id=demand, k=10, explain=False)
    rescored = score_pairs(
        pairs.for_demands([demand]), LinearRanker().fitted().predict(pairs.for_demands([demand]).X), {}
    )
    assert rescored == {}  # no gold given → nothing scored
    rows = pairs.for_demands([demand])
    order = np.argsort(-LinearRanker().fitted().predict(rows.X), kind="stable")[:10]
    assert [str(e) for e in rows.expert_ids[order]] == [r.id for r in served]


def test_folds_never_share_a_demand(pairs: PairData) -> None:
    folds = demand_folds(pairs.demands, 5)
    tested = [d for _, test in folds for d in test]
    assert sorted(tested) == sorted(pairs.demands)
    assert all(not set(train) & set(test) for train, test in folds)
    with pytest.raises(ValueError, match="cannot be split"):
        demand_folds(["D1", "D2"], 5)


def test_learned_ranker_beats_linear_on_held_out_demands(pairs: PairData, gold: dict) -> None:
    linear = score_pairs(pairs, LinearRanker().fitted().predict(pairs.X), gold)
    learned = cross_validate(
        lambda d, y: LearnedRanker(max_iter=80).fit(d.X, y), pairs, gold, gold, n_splits=4
    )
    assert set(learned) == set(linear)
    assert mean_metric(learned) > mean_metric(linear)


def test_contributions_explain_the_learned_scores(pairs: PairData, gold: dict) -> None:
    trees = LearnedRanker(max_iter=40).fit(pairs.X, pairs.labels(gold))
    contributions = trees.contributions(pairs.X[:20])
    assert contributions.shape == (20, len(FEATURE_NAMES))
    # occlusion: setting the most helpful feature to the baseline lowers the score by that much
    row = pairs.X[:1].copy()
    j = int(np.argmax(contributions[0]))
    row[0, j] = trees.baseline_[j]
    assert trees.predict(pairs.X[:1])[0] - trees.predict(row)[0] == pytest.approx(contributions[0, j])
    logistic = LearnedRanker(model="logistic").fit(pairs.X, pairs.labels(gold))
    parts = logistic.contributions(pairs.X[:5])
    intercept = logistic.estimator_[-1].intercept_[0]
    assert np.allclose(parts.sum(axis=1) + intercept, logistic.predict(pairs.X[:5]))
    with pytest.raises(ValueError, match="needs labels"):
        LearnedRanker().fit(pairs.X)


def test_learned_model_round_trips_into_the_service(
    demo_data_dir: Path, pairs: PairData, gold: dict, tmp_path: Path, use_encoder: Encoder
) -> None:
    trained = LearnedRanker(max_iter=60).fit(pairs.X, pairs.labels(gold))
    manifest = save_learned(trained, tmp_path / "learned", info={"metrics": {"cv_ndcg@10": 0.99}})
    assert json.loads(manifest.read_text())["features"] == list(FEATURE_NAMES)
    served = Matcher(Settings(data_dir=demo_data_dir, ranker_params=manifest), encoder=use_encoder)
    assert isinstance(served.ranker, LearnedRanker)
    top = served.recommend(demand_id=pairs.demands[0], k=5)
    expected = trained.predict(np.array([[r.features[n] for n in FEATURE_NAMES] for r in top]))
    # the served features are exactly the model's inputs: the scores match to their 6 places
    assert [r.score for r in top] == [round(float(s), 6) for s in expected]
    assert top[0].explanation is not None and top[0].explanation.contributions
    (tmp_path / "learned" / "model.joblib").write_bytes(b"tampered")
    with pytest.raises(ValueError, match="checksum"):
        load_learned(manifest)


def test_tuned_params_round_trip_into_the_service_and_change_its_ranking(
    demo_data_dir: Path,
    demo_matcher: Matcher,
    pairs: PairData,
    gold: dict,
    tmp_path: Path,
    use_encoder: Encoder,
) -> None:
    result = tune_linear(pairs, gold, n_iter=30, n_splits=4)
    assert result.best != LinearRanker().get_params() and len(result.cv) == len(result.baseline)
    assert mean_metric(result.cv) > mean_metric(result.baseline)  # held-out gain, not just in-sample
    params = tmp_path / "tuning" / "ranker-params.json"
    save_params(LinearRanker(**result.best), params)
    save_fusion(
        {"fusion": "rrf", "rrf_k": 30, "dense_weight": 1.0, "lexical_weight": 0.5}, tmp_path / "fusion.json"
    )
    settings = settings_with_tuning(
        Settings(data_dir=demo_data_dir), fusion_path=tmp_path / "fusion.json", ranker_path=params
    )
    tuned = Matcher(settings, encoder=use_encoder)
    assert load_ranker(params).get_params() == tuned.ranker.get_params() == result.best
    assert tuned.retriever.rrf_k == 30 and tuned.retriever.lexical_weight == 0.5
    changed = 0
    for demand in pairs.demands[:10]:
        before = [r.id for r in demo_matcher.recommend(demand_id=demand, k=10, explain=False)]
        after = [r.id for r in tuned.recommend(demand_id=demand, k=10, explain=False)]
        changed += before != after
    assert changed > 0
    with pytest.raises(ValueError, match="not fusion settings"):
        save_fusion({"ranker": 1}, tmp_path / "bad.json")


def test_fusion_search_is_nested_and_returns_candidate_pairs(demo_matcher: Matcher, gold: dict) -> None:
    demands = [d for d in demo_matcher.store.records.list("demands") if isinstance(d, Demand)][:20]
    grid = ({"fusion": "rrf", "rrf_k": 60}, {"fusion": "weighted", "lexical_weight": 0.5})
    result, collected = tune_fusion(demo_matcher, demands, gold, grid=grid, n_splits=4)
    assert len(result.fold_winners) == 4 and len(result.cv) == 20 and len(collected) == 2
    assert result.best in [dict(g) for g in grid]


def test_train_ranker_cli_installs_only_a_winner(demo_data_dir: Path, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(demo_data_dir, data_dir)
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipelines.cli.main",
            "train-ranker",
            "--source",
            "gold",
            "--data-dir",
            str(data_dir),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "learned hgb from gold (CV)" in run.stdout and "p = " in run.stdout
    production = data_dir / "rankers" / "production" / "ranker.json"
    assert ("beats the current ranker" in run.stdout) == production.is_file()
    assert json.loads(production.read_text())["installed"] is True
    failing = subprocess.run(
        [sys.executable, "-m", "pipelines.cli.main", "train-ranker", "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
    )
    assert failing.returncode != 0 and "no lifecycle outcomes" in failing.stderr
