"""Tuning the linear ranker's weights and the hybrid fusion settings, with grouped CV over demands.

Honest numbers: picking the best of many settings on the same gold you report is optimistic. Every
search here is *nested* in demand folds — each fold picks its winner on the other folds' demands and is
scored on its own — and the held-out per-demand metrics are what `TuningResult.cv` reports. The final
``best`` is then picked on all demands and is what gets written for production.

Fusion is tuned first with the given ranker (it decides which candidates reach the ranker), then the
ranker's weights on the winning fusion's candidates; a joint search would cost far more retrievals.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from embeddings.atomic import write_text_atomic
from matcher.config import Settings
from matcher.domain.records import Demand
from matcher.ranking.pairs import PairData, PerQuery, collect_pairs, demand_folds, encode_demands, score_pairs
from matcher.ranking.rankers import LinearRanker, Ranker
from matcher.service import Matcher

Gold = Mapping[str, Mapping[str, int]]
WEIGHT_RANGES: dict[str, tuple[float, float]] = {
    "hybrid": (0.0, 1.5),
    "dense": (0.0, 1.0),
    "profile_similarity": (0.0, 1.0),
    "best_work_similarity": (0.0, 1.0),
    "works_similarity": (0.0, 1.5),
    "lexical": (0.0, 1.0),
    "works_lexical": (0.0, 1.5),
    "concept_overlap": (0.0, 1.0),
    "field_match": (0.0, 0.6),
    "industry_match": (0.0, 0.4),
    "cooperation_match": (0.0, 0.4),
    "language_fit": (0.0, 0.2),
    "freshness": (0.0, 0.2),
    "load": (-0.3, 0.0),
}
"""Search range of each LinearRanker weight (random search samples uniformly within it)."""

FUSION_GRID: tuple[dict[str, Any], ...] = (
    {"fusion": "zscore", "rrf_k": 60, "dense_weight": 1.0, "lexical_weight": 1.0},
    {"fusion": "zscore", "rrf_k": 60, "dense_weight": 1.0, "lexical_weight": 0.5},
    {"fusion": "zscore", "rrf_k": 60, "dense_weight": 1.0, "lexical_weight": 2.0},
    {"fusion": "rrf", "rrf_k": 60, "dense_weight": 1.0, "lexical_weight": 1.0},
    {"fusion": "rrf", "rrf_k": 20, "dense_weight": 1.0, "lexical_weight": 1.0},
    {"fusion": "rrf", "rrf_k": 60, "dense_weight": 1.0, "lexical_weight": 0.5},
    {"fusion": "rrf", "rrf_k": 60, "dense_weight": 1.0, "lexical_weight": 2.0},
    {"fusion": "weighted", "rrf_k": 60, "dense_weight": 1.0, "lexical_weight": 1.0},
    {"fusion": "weighted", "rrf_k": 60, "dense_weight": 1.0, "lexical_weight": 0.5},
)
"""Default fusion candidates (Settings keys); the first is the shipped default."""


@dataclass
class TuningResult:
    """Outcome of a nested, demand-grouped search.

    Attributes:
        best: the winning candidate on all demands (what production should load).
        cv: held-out per-demand metrics of the whole tuning procedure (each fold tuned without it).
        baseline: per-demand metrics of the first candidate (the defaults) on all demands.
        candidates: every candidate with its mean metric on all demands, best first.
        fold_winners: the candidate each fold picked.
    """

    best: dict[str, Any]
    cv: PerQuery
    baseline: PerQuery
    candidates: list[tuple[dict[str, Any], float]] = field(default_factory=list)
    fold_winners: list[dict[str, Any]] = field(default_factory=list)


def sample_weights(n: int, *, seed: int = 0) -> list[dict[str, float]]:
    """The default weights followed by ``n − 1`` random draws from `WEIGHT_RANGES`."""
    rng = np.random.default_rng(seed)
    draws = [LinearRanker().get_params()]
    for _ in range(max(n - 1, 0)):
        draws.append({name: round(float(rng.uniform(lo, hi)), 3) for name, (lo, hi) in WEIGHT_RANGES.items()})
    return draws


def nested_search(
    candidates: Sequence[dict[str, Any]],
    per_candidate: Sequence[PerQuery],
    *,
    n_splits: int = 5,
    metric: str = "ndcg",
) -> TuningResult:
    """Pick the best candidate per demand fold (on the training demands) and collect held-out metrics.

    Args:
        candidates: parameter sets; the first is the baseline.
        per_candidate: per-demand metrics of each candidate on every demand.
        n_splits: demand folds.
        metric: metric to maximise.
    """
    demands = sorted(set.intersection(*(set(p) for p in per_candidate)))
    table = np.array([[p[d][metric] for d in demands] for p in per_candidate])  # candidates × demands
    index = {d: i for i, d in enumerate(demands)}
    cv: PerQuery = {}
    winners = []
    for train, test in demand_folds(demands, n_splits):
        best = int(np.argmax(table[:, [index[d] for d in train]].mean(axis=1)))
        winners.append(dict(candidates[best]))
        cv.update({d: per_candidate[best][d] for d in test})
    means = table.mean(axis=1)
    order = np.argsort(-means, kind="stable")
    return TuningResult(
        best=dict(candidates[int(order[0])]),
        cv=cv,
        baseline={d: per_candidate[0][d] for d in demands},
        candidates=[(dict(candidates[int(i)]), float(means[i])) for i in order],
        fold_winners=winners,
    )


def tune_linear(
    data: PairData, gold: Gold, *, n_iter: int = 60, n_splits: int = 5, seed: int = 0, k: int = 10
) -> TuningResult:
    """Random search over `LinearRanker` weights on collected pairs, nested in demand folds."""
    candidates = sample_weights(n_iter, seed=seed)
    per_candidate = [
        score_pairs(data, LinearRanker(**c).fitted().predict(data.X), gold, k=k) for c in candidates
    ]
    return nested_search(candidates, per_candidate, n_splits=n_splits)


def with_fusion(matcher: Matcher, fusion: Mapping[str, Any]) -> Matcher:
    """A shallow copy of the matcher (shared indexes and store) retrieving with other fusion settings."""
    variant = copy.copy(matcher)
    variant.retriever = dataclasses.replace(matcher.retriever, **dict(fusion))
    return variant


def tune_fusion(
    matcher: Matcher,
    demands: Sequence[Demand],
    gold: Gold,
    *,
    grid: Sequence[dict[str, Any]] = FUSION_GRID,
    ranker: Ranker | None = None,
    n_splits: int = 5,
    k: int = 10,
) -> tuple[TuningResult, dict[str, PairData]]:
    """Grid search over fusion settings (re-retrieving each demand per setting), nested in demand folds.

    Returns:
        The result and each setting's collected pairs (keyed by its JSON), for tuning the ranker next.
    """
    encoded = encode_demands(matcher, demands)
    scorer = ranker or matcher.ranker
    per_candidate = []
    pairs: dict[str, PairData] = {}
    for setting in grid:
        data = collect_pairs(with_fusion(matcher, setting), demands, encoded=encoded)
        pairs[json.dumps(setting, sort_keys=True)] = data
        per_candidate.append(score_pairs(data, scorer.predict(data.X), gold, k=k))
    return nested_search(grid, per_candidate, n_splits=n_splits), pairs


FUSION_KEYS = ("fusion", "rrf_k", "dense_weight", "lexical_weight")


def save_fusion(settings: Mapping[str, Any], path: Path) -> None:
    """Write fusion settings as JSON with `Settings` field names (atomically).

    Raises:
        ValueError: on keys that are not fusion settings, or values `Settings` rejects.
    """
    unknown = set(settings) - set(FUSION_KEYS)
    if unknown:
        raise ValueError(f"not fusion settings: {sorted(unknown)} (allowed: {', '.join(FUSION_KEYS)})")
    Settings(**dict(settings))  # validate values before writing
    write_text_atomic(path, json.dumps(dict(settings), indent=2))


def settings_with_tuning(
    settings: Settings, *, fusion_path: Path | None = None, ranker_path: Path | None = None
) -> Settings:
    """Settings updated with a tuned fusion JSON and/or ranker params file (validated)."""
    update: dict[str, Any] = {}
    if fusion_path is not None:
        update.update(json.loads(fusion_path.read_text(encoding="utf-8")))
    if ranker_path is not None:
        update["ranker_params"] = ranker_path
    return Settings(**{**settings.model_dump(), **update})


def env_lines(fusion: Mapping[str, Any], ranker_path: Path | None = None) -> list[str]:
    """``HAIZHI_*=value`` lines for a ``.env`` file or the shell."""
    lines = [f"HAIZHI_{key.upper()}={fusion[key]}" for key in FUSION_KEYS if key in fusion]
    if ranker_path is not None:
        lines.append(f"HAIZHI_RANKER_PARAMS={ranker_path}")
    return lines
