"""Ranking metrics, exposure statistics, bootstrap intervals and paired significance tests.

All functions are pure: a *ranking* is a sequence of item ids (best first), *grades* map item ids to
graded relevance (0 = not relevant) and *relevant* is the set of ids at or above the relevance cut.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

METRIC_NAMES = ("ndcg", "map", "mrr", "recall", "precision")


def ndcg_at_k(ranking: Sequence[str], grades: Mapping[str, int], k: int) -> float:
    """Normalised discounted cumulative gain with gain 2^grade − 1 (ideal from all graded items)."""
    dcg = sum((2 ** max(grades.get(e, 0), 0) - 1) / math.log2(i + 2) for i, e in enumerate(ranking[:k]))
    ideal = sorted((max(g, 0) for g in grades.values()), reverse=True)[:k]
    idcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg > 0 else 0.0


def recall_at_k(ranking: Sequence[str], relevant: set[str], k: int) -> float:
    """Capped recall: relevant hits in the top k over min(k, |relevant|)."""
    if not relevant:
        return 0.0
    return len(relevant & set(ranking[:k])) / min(k, len(relevant))


def precision_at_k(ranking: Sequence[str], relevant: set[str], k: int) -> float:
    """Relevant hits in the top k over k."""
    return len(relevant & set(ranking[:k])) / k if k > 0 else 0.0


def reciprocal_rank(ranking: Sequence[str], relevant: set[str]) -> float:
    """1 / rank of the first relevant item (0 when none)."""
    return next((1.0 / (i + 1) for i, e in enumerate(ranking) if e in relevant), 0.0)


def average_precision(ranking: Sequence[str], relevant: set[str]) -> float:
    """Mean of the precision at each relevant hit, over |relevant| (unretrieved ones count as 0)."""
    if not relevant:
        return 0.0
    hits, total = 0, 0.0
    for i, e in enumerate(ranking):
        if e in relevant:
            hits += 1
            total += hits / (i + 1)
    return total / len(relevant)


def query_metrics(
    ranking: Sequence[str], grades: Mapping[str, int], *, k: int = 10, min_grade: int = 2
) -> dict[str, float]:
    """nDCG@k, MAP (over the whole ranking), MRR@k, Recall@k and P@k of one query."""
    relevant = {e for e, g in grades.items() if g >= min_grade}
    return {
        "ndcg": ndcg_at_k(ranking, grades, k),
        "map": average_precision(ranking, relevant),
        "mrr": reciprocal_rank(ranking[:k], relevant),
        "recall": recall_at_k(ranking, relevant, k),
        "precision": precision_at_k(ranking, relevant, k),
    }


def exposure_counts(rankings: Iterable[Sequence[str]], k: int) -> Counter[str]:
    """How many top-k lists each item appears in."""
    return Counter(e for ranking in rankings for e in dict.fromkeys(ranking[:k]))


def coverage(rankings: Iterable[Sequence[str]], pool_size: int, k: int = 10) -> float:
    """Share of the pool recommended at least once in a top-k list."""
    return len(exposure_counts(rankings, k)) / pool_size if pool_size else 0.0


def gini(counts: Sequence[float] | np.ndarray) -> float:
    """Gini coefficient of non-negative exposure counts (0 = evenly spread, → 1 = one item takes all)."""
    values = np.sort(np.asarray(counts, dtype=np.float64))
    n, total = len(values), float(values.sum())
    if n == 0 or total == 0:
        return 0.0
    cumulative = np.cumsum(values)
    return float((n + 1 - 2 * cumulative.sum() / total) / n)


@dataclass
class Concentration:
    """How concentrated recommendations are on a few experts.

    Attributes:
        gini: Gini coefficient of exposure over the whole pool (never-recommended experts count as 0).
        top1_share: share of all top-k slots taken by the 1% most-recommended experts of the pool.
        max_share: share of demands whose top-k contains the single most-recommended expert.
    """

    gini: float
    top1_share: float
    max_share: float


def concentration(rankings: Sequence[Sequence[str]], pool_size: int, k: int = 10) -> Concentration:
    """Exposure concentration of top-k lists over a pool of ``pool_size`` items."""
    counts = exposure_counts(rankings, k)
    slots = sum(counts.values())
    if not slots or not pool_size:
        return Concentration(0.0, 0.0, 0.0)
    exposure = sorted(counts.values(), reverse=True) + [0] * max(pool_size - len(counts), 0)
    top_n = max(1, math.ceil(pool_size * 0.01))
    return Concentration(
        gini=gini(exposure),
        top1_share=sum(exposure[:top_n]) / slots,
        max_share=exposure[0] / len(rankings),
    )


def bootstrap_ci(
    values: Sequence[float] | np.ndarray, *, resamples: int = 1000, alpha: float = 0.05, seed: int = 0
) -> tuple[float, float, float]:
    """Mean and percentile bootstrap interval over queries: (mean, low, high)."""
    data = np.asarray(values, dtype=np.float64)
    if data.size == 0:
        return 0.0, 0.0, 0.0
    rng = np.random.default_rng(seed)
    means = data[rng.integers(0, data.size, size=(resamples, data.size))].mean(axis=1)
    low, high = np.quantile(means, [alpha / 2, 1 - alpha / 2])
    return float(data.mean()), float(low), float(high)


@dataclass
class PairedTest:
    """Result of comparing system B against system A on the same queries.

    Attributes:
        mean_a: mean metric of A.
        mean_b: mean metric of B.
        delta: mean of B − A.
        ci_low: lower bound of the paired-bootstrap interval of ``delta``.
        ci_high: upper bound of that interval.
        p_value: two-sided randomization (sign-flip) test p-value of ``delta`` ≠ 0.
        queries: number of paired queries.
    """

    mean_a: float
    mean_b: float
    delta: float
    ci_low: float
    ci_high: float
    p_value: float
    queries: int

    @property
    def significant(self) -> bool:
        """True when p < 0.05."""
        return self.p_value < 0.05


def paired_test(
    a: Mapping[str, float], b: Mapping[str, float], *, resamples: int = 10000, seed: int = 0
) -> PairedTest:
    """Paired bootstrap interval and randomization test of B − A over the queries both scored.

    Raises:
        ValueError: when the two systems share no query.
    """
    shared = sorted(set(a) & set(b))
    if not shared:
        raise ValueError("paired test: the two systems were scored on no common query")
    x = np.array([a[q] for q in shared], dtype=np.float64)
    y = np.array([b[q] for q in shared], dtype=np.float64)
    diff = y - x
    _, low, high = bootstrap_ci(diff, resamples=resamples, seed=seed)
    rng = np.random.default_rng(seed + 1)
    signs = rng.choice([-1.0, 1.0], size=(resamples, diff.size))
    flipped = np.abs((signs * diff).mean(axis=1))
    observed = abs(float(diff.mean()))
    # +1 smoothing: the observed assignment is one of the permutations
    p_value = (int((flipped >= observed - 1e-12).sum()) + 1) / (resamples + 1)
    return PairedTest(float(x.mean()), float(y.mean()), float(diff.mean()), low, high, p_value, len(shared))
