"""Learning-to-rank data: pair features from the real retrieval path, re-ranking and grouped CV.

Pairs are collected with `Matcher.recommend_analysis(..., k=depth)` — the candidates and features the
service itself ranks — so re-scoring a demand's pairs with another ranker gives exactly the list the
service would return with that ranker (for the same fusion settings and depth). A row holds the served
features exactly as the ranker scores them — never rounded (rounding is for display): trees split
between nearby values, and a 4-decimal copy once moved a learned model's demo scores by up to 0.23
(tests/test_train_serve.py). Cross-validation splits by demand (`GroupKFold`): a demand's pairs are
never in both the training and the test fold.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.model_selection import GroupKFold

from matcher.domain.records import Demand
from matcher.evaluation.metrics import query_metrics
from matcher.ranking.features import FEATURE_NAMES
from matcher.retrieval.profiles import Analysis
from matcher.service import Matcher

Gold = Mapping[str, Mapping[str, int]]
PerQuery = dict[str, dict[str, float]]


@dataclass
class PairData:
    """Feature rows of (demand, candidate expert) pairs, in each demand's retrieval order.

    Attributes:
        X: (n_pairs, len(FEATURE_NAMES)) feature matrix.
        demand_ids: demand of each row (the CV group).
        expert_ids: candidate expert of each row.
    """

    X: np.ndarray
    demand_ids: np.ndarray
    expert_ids: np.ndarray

    def __len__(self) -> int:
        return len(self.demand_ids)

    @property
    def demands(self) -> list[str]:
        """Distinct demand ids in first-seen order."""
        return list(self.group_rows())

    def group_rows(self) -> dict[str, np.ndarray]:
        """demand id → its row indices (computed once; the arrays are not meant to be mutated)."""
        cached: dict[str, np.ndarray] | None = getattr(self, "_group_rows", None)
        if cached is None:
            rows: dict[str, list[int]] = {}
            for i, demand in enumerate(self.demand_ids.tolist()):
                rows.setdefault(demand, []).append(i)
            cached = {d: np.array(r, dtype=np.int64) for d, r in rows.items()}
            self._group_rows = cached
        return cached

    def labels(self, gold: Gold) -> np.ndarray:
        """Grade of each pair (0 when the pair is not in the gold)."""
        return np.array(
            [gold.get(d, {}).get(e, 0) for d, e in zip(self.demand_ids, self.expert_ids, strict=True)],
            dtype=np.float64,
        )

    def judged(self, gold: Gold) -> np.ndarray:
        """Mask of pairs that have a label (for lifecycle gold, where unseen pairs are unknown)."""
        return np.array(
            [e in gold.get(d, {}) for d, e in zip(self.demand_ids, self.expert_ids, strict=True)], dtype=bool
        )

    def subset(self, mask: np.ndarray) -> PairData:
        """Rows selected by a boolean mask."""
        return PairData(self.X[mask], self.demand_ids[mask], self.expert_ids[mask])

    def for_demands(self, demand_ids: Sequence[str]) -> PairData:
        """Rows of the given demands."""
        return self.subset(np.isin(self.demand_ids, list(demand_ids)))


def encode_demands(matcher: Matcher, demands: Sequence[Demand]) -> tuple[list[Analysis], np.ndarray]:
    """Analyses and query vectors of demands (compute once, reuse across retrieval settings)."""
    analyses = [matcher.analyzer.analyze_demand(d) for d in demands]
    if not analyses:
        return [], np.zeros((0, 1), dtype=np.float32)
    return analyses, matcher.encoder.encode_queries([a.text for a in analyses])


def collect_pairs(
    matcher: Matcher,
    demands: Sequence[Demand],
    *,
    depth: int | None = None,
    encoded: tuple[list[Analysis], np.ndarray] | None = None,
) -> PairData:
    """Pair features of each demand's retrieved candidates (``depth`` defaults to the rerank depth).

    ``encoded`` is `encode_demands`' result for the same demands, to skip re-encoding. The rows are the
    `Recommendation.features` floats unchanged (float64 holds the float32 features exactly).
    """
    depth = depth or matcher.settings.rerank_depth
    analyses, vectors = encoded or encode_demands(matcher, demands)
    rows: list[list[float]] = []
    demand_ids: list[str] = []
    expert_ids: list[str] = []
    for demand, analysis, vector in zip(demands, analyses, vectors, strict=True):
        for rec in matcher.recommend_analysis(analysis, vector, k=depth, explain=False):
            rows.append([rec.features[name] for name in FEATURE_NAMES])
            demand_ids.append(demand.id)
            expert_ids.append(rec.id)
    X = np.array(rows, dtype=np.float64).reshape(-1, len(FEATURE_NAMES))
    return PairData(X, np.array(demand_ids, dtype=object), np.array(expert_ids, dtype=object))


def rankings_from_scores(data: PairData, scores: np.ndarray) -> dict[str, list[str]]:
    """Each demand's candidates sorted by score (ties keep retrieval order)."""
    result: dict[str, list[str]] = {}
    for demand, rows in data.group_rows().items():
        order = rows[np.argsort(-scores[rows], kind="stable")]
        result[demand] = [str(e) for e in data.expert_ids[order]]
    return result


def score_pairs(
    data: PairData, scores: np.ndarray, gold: Gold, *, k: int = 10, min_grade: int = 2
) -> PerQuery:
    """Per-demand metrics of the re-ranked candidates (ideal DCG uses all gold, so misses count)."""
    result = {}
    for demand, ranking in rankings_from_scores(data, scores).items():
        grades = gold.get(demand, {})
        if any(g >= min_grade for g in grades.values()):
            result[demand] = query_metrics(ranking, grades, k=k, min_grade=min_grade)
    return result


def mean_metric(per_query: PerQuery, metric: str = "ndcg") -> float:
    """Mean of one metric over queries (0 when empty)."""
    return float(np.mean([m[metric] for m in per_query.values()])) if per_query else 0.0


def demand_folds(demands: Sequence[str], n_splits: int = 5) -> list[tuple[list[str], list[str]]]:
    """(train demands, test demands) per fold; GroupKFold so every demand is tested exactly once.

    Raises:
        ValueError: when there are fewer demands than folds.
    """
    if len(demands) < n_splits:
        raise ValueError(f"{len(demands)} demands cannot be split into {n_splits} folds")
    ids = np.array(list(demands), dtype=object)
    folds = []
    for train, test in GroupKFold(n_splits=n_splits).split(ids, groups=ids):
        folds.append(([str(d) for d in ids[train]], [str(d) for d in ids[test]]))
    return folds


Trainer = Callable[[PairData, np.ndarray], Any]
"""Fits a ranker on training pairs and their labels; returns an object with ``predict``."""


def cross_validate(
    train: Trainer,
    data: PairData,
    train_gold: Gold,
    eval_gold: Gold,
    *,
    n_splits: int = 5,
    judged_only: bool = False,
    k: int = 10,
    min_grade: int = 2,
) -> PerQuery:
    """Held-out per-demand metrics: each fold's ranker scores only demands it never saw.

    Args:
        train: builds a fitted ranker from training pairs and labels.
        data: pairs of every demand.
        train_gold: labels to learn from (a labelled file or lifecycle outcomes).
        eval_gold: labels to evaluate the held-out rankings against.
        n_splits: number of demand folds.
        judged_only: train only on labelled pairs (lifecycle gold: other pairs are unknown, not bad).
        k: metric cut-off.
        min_grade: relevance threshold.
    """
    held_out: PerQuery = {}
    labels = data.labels(train_gold)
    judged = data.judged(train_gold) if judged_only else np.ones(len(data), dtype=bool)
    for train_demands, test_demands in demand_folds(data.demands, n_splits):
        in_train = np.isin(data.demand_ids, train_demands) & judged
        ranker = train(data.subset(in_train), labels[in_train])
        test = data.for_demands(test_demands)
        held_out.update(score_pairs(test, ranker.predict(test.X), eval_gold, k=k, min_grade=min_grade))
    return held_out
