"""No train/serve skew: the rows a ranker is fitted on are the features the service scores, to the bit.

A 4-decimal rounding of the training rows (while serving scored raw floats) once moved a learned
model's scores by up to 0.23 on the demo: tree splits fall between rounded values.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from embeddings.encoders.base import Encoder
from matcher.config import Settings
from matcher.domain.records import Demand
from matcher.evaluation.offline import read_gold
from matcher.ranking.features import FEATURE_NAMES
from matcher.ranking.learned import LearnedRanker
from matcher.ranking.pairs import PairData, collect_pairs
from matcher.ranking.rankers import LinearRanker, Ranker
from matcher.service import Matcher, Recommendation

DEMO_GOLD = Path(__file__).resolve().parents[1] / "pipelines" / "demo" / "data" / "gold.csv"
DEMANDS = 40  # enough pairs (4,000) to fit trees whose splits land between nearby feature values
CHECKED = 8  # demands whose served lists are compared pair by pair


@pytest.fixture(scope="module")
def pairs(demo_matcher: Matcher) -> PairData:
    """Training pairs as the fitting code collects them, from the query vectors `Matcher.recommend` uses.

    Each need is encoded alone, as a request is: a batched encode may differ in float32's last bit
    (~1.5e-7), which is the encoder's arithmetic, not a difference between training and serving code.
    """
    demands = [d for d in demo_matcher.store.records.list("demands") if isinstance(d, Demand)][:DEMANDS]
    analyses = [demo_matcher.analyzer.analyze_demand(d) for d in demands]
    vectors = np.vstack([demo_matcher.encoder.encode_queries([a.text]) for a in analyses])
    return collect_pairs(demo_matcher, demands, encoded=(analyses, vectors))


def served_rows(served: list[Recommendation]) -> np.ndarray:
    """The served features of each recommendation, as a row in FEATURE_NAMES order."""
    return np.array([[r.features[name] for name in FEATURE_NAMES] for r in served], dtype=np.float64)


def training_rows(pairs: PairData, demand: str, experts: list[str]) -> np.ndarray:
    """The training rows of (demand, expert) pairs, in the given expert order."""
    rows = pairs.for_demands([demand])
    position = {str(e): i for i, e in enumerate(rows.expert_ids)}
    return rows.X[[position[e] for e in experts]]


def test_fitting_rows_equal_the_served_features(demo_matcher: Matcher, pairs: PairData) -> None:
    depth = demo_matcher.settings.rerank_depth
    for demand in pairs.demands[:CHECKED]:
        served = demo_matcher.recommend(demand_id=demand, k=depth, explain=False)
        experts = [r.id for r in served]
        assert sorted(experts) == sorted(str(e) for e in pairs.for_demands([demand]).expert_ids)
        np.testing.assert_array_equal(training_rows(pairs, demand, experts), served_rows(served))


def assert_served_scores_are_its_predictions(matcher: Matcher, ranker: Ranker, pairs: PairData) -> None:
    """Each served score is the ranker's prediction on that pair's training row (at the score's 6 places)."""
    for demand in pairs.demands[:CHECKED]:
        served = matcher.recommend(demand_id=demand, k=matcher.settings.rerank_depth, explain=False)
        predicted = ranker.predict(training_rows(pairs, demand, [r.id for r in served]))
        assert [r.score for r in served] == [round(float(p), 6) for p in predicted], demand


def test_the_default_ranker_serves_what_it_scores_on_training_rows(
    demo_matcher: Matcher, pairs: PairData
) -> None:
    assert isinstance(demo_matcher.ranker, LinearRanker)
    assert_served_scores_are_its_predictions(demo_matcher, demo_matcher.ranker, pairs)


def test_a_learned_ranker_serves_what_it_was_fitted_on(
    demo_data_dir: Path, pairs: PairData, use_encoder: Encoder
) -> None:
    trained = LearnedRanker(max_iter=60).fit(pairs.X, pairs.labels(read_gold(DEMO_GOLD)))
    served = Matcher(Settings(data_dir=demo_data_dir), encoder=use_encoder, ranker=trained)
    assert_served_scores_are_its_predictions(served, trained, pairs)
