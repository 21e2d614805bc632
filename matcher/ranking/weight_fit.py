"""Fit the linear ranker's weights to nDCG@10 on several tasks at once, with demand-grouped CV.

Each task's candidate pairs (from the real retrieval path, `matcher.ranking.pairs.collect_pairs`) are laid out
as a padded (needs × depth) grid so a weight vector is scored on every need in a few array operations.
Weights are found by coordinate ascent on the macro mean nDCG@10 of the *objective* tasks (every task
counts once, whatever its size), starting from the current weights, keeping each weight within its sign
(a feature cannot turn against its meaning) and leaving features that do not vary at their start value.

Floors make "never worse than what we had" part of the fit: each task may carry a floor (e.g. the
nDCG@10 of its fused retrieval order, or a task's earlier figure), and every point a task falls below
its floor costs `FLOOR_PENALTY` points of objective, so a weight vector that wins on average by losing
one task is not chosen.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from matcher.ranking.features import FEATURE_NAMES
from matcher.ranking.pairs import Gold, PairData, demand_folds

DEFAULT_GRID: tuple[float, ...] = (
    *(0.0, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.75),
    *(1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0),
)
NEGATIVE_FEATURES = ("load",)  # busier experts rank lower: this weight is never positive
# Product policy, not relevance: evaluation data carries no engagements or profile dates, so these
# weights keep their start values instead of being fitted to noise.
POLICY_FEATURES = ("freshness", "load")
SCALE_FEATURE = "hybrid"  # keeps its start weight: the others (policy ones too) are relative to it
FLOOR_PENALTY = 100.0  # objective points lost per point of nDCG a task falls below its floor


@dataclass
class RankingGrid:
    """One task's candidates as padded matrices.

    Attributes:
        X: (needs, depth, features) feature values (0 in padding).
        gains: (needs, depth) 2^grade − 1 of each candidate (0 in padding).
        valid: (needs, depth) which cells hold a candidate.
        ideal: (needs,) ideal DCG@k from all the need's gold (misses count against the ranker).
        demands: need id of each row.
    """

    X: np.ndarray
    gains: np.ndarray
    valid: np.ndarray
    ideal: np.ndarray
    demands: list[str]

    @classmethod
    def from_pairs(cls, data: PairData, gold: Gold, *, k: int = 10, min_grade: int = 2) -> RankingGrid:
        """Grid of the needs that have at least one relevant expert."""
        groups = {
            d: rows
            for d, rows in data.group_rows().items()
            if any(g >= min_grade for g in gold.get(d, {}).values())
        }
        depth = max((len(rows) for rows in groups.values()), default=0)
        n, f = len(groups), data.X.shape[1]
        X = np.zeros((n, depth, f), dtype=np.float64)
        gains = np.zeros((n, depth), dtype=np.float64)
        valid = np.zeros((n, depth), dtype=bool)
        ideal = np.zeros(n, dtype=np.float64)
        discounts = 1.0 / np.log2(np.arange(2, k + 2))
        hybrid = FEATURE_NAMES.index("hybrid")
        for row, (demand, pair_rows) in enumerate(groups.items()):
            # fused order first, so ties (and all-zero weights) fall back to the fused retrieval order
            rows = pair_rows[np.argsort(-data.X[pair_rows, hybrid], kind="stable")]
            grades = gold.get(demand, {})
            X[row, : len(rows)] = data.X[rows]
            expert_grades = [max(grades.get(str(e), 0), 0) for e in data.expert_ids[rows]]
            gains[row, : len(rows)] = np.exp2(expert_grades) - 1
            valid[row, : len(rows)] = True
            best = sorted((2.0 ** max(g, 0) - 1 for g in grades.values()), reverse=True)[:k]
            ideal[row] = float(np.dot(best, discounts[: len(best)]))
        return cls(X, gains, valid, ideal, list(groups))

    def subset(self, demands: Sequence[str]) -> RankingGrid:
        """Rows of the given needs."""
        wanted = set(demands)
        rows = np.array([i for i, d in enumerate(self.demands) if d in wanted], dtype=np.int64)
        demands = [self.demands[i] for i in rows]
        return RankingGrid(self.X[rows], self.gains[rows], self.valid[rows], self.ideal[rows], demands)

    def ndcg(self, weights: np.ndarray, k: int = 10) -> np.ndarray:
        """nDCG@k of each need when candidates are ordered by ``X @ weights`` (ties: fused order)."""
        if not len(self.demands):
            return np.zeros(0)
        scores = np.where(self.valid, self.X @ weights, -np.inf)
        order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
        top = np.take_along_axis(self.gains, order, axis=1)
        discounts = 1.0 / np.log2(np.arange(2, top.shape[1] + 2))
        return (top @ discounts) / np.where(self.ideal > 0, self.ideal, 1.0)


def fitting_score(
    grids: Mapping[str, RankingGrid],
    weights: np.ndarray,
    objective: Sequence[str],
    floors: Mapping[str, float] | None = None,
) -> float:
    """Macro mean nDCG@10 over the ``objective`` tasks, less `FLOOR_PENALTY` × every floor shortfall."""
    means = {name: float(grid.ndcg(weights).mean()) for name, grid in grids.items() if grid.demands}
    score = float(np.mean([means[name] for name in objective if name in means]))
    for name, floor in (floors or {}).items():
        if name in means:
            score -= FLOOR_PENALTY * max(0.0, floor - means[name])
    return score


def fused_floors(grids: Mapping[str, RankingGrid]) -> dict[str, float]:
    """Each task's nDCG@10 in fused retrieval order (the ``hybrid`` feature alone orders it so)."""
    fused_only = np.array([1.0 if name == "hybrid" else 0.0 for name in FEATURE_NAMES])
    return {name: float(grid.ndcg(fused_only).mean()) for name, grid in grids.items() if grid.demands}


def _varies(grids: Sequence[RankingGrid]) -> np.ndarray:
    """Features whose value changes within some need's candidates (others cannot affect order)."""
    varies = np.zeros(len(FEATURE_NAMES), dtype=bool)
    for grid in grids:
        if not grid.demands:
            continue
        masked = np.where(grid.valid[..., None], grid.X, np.nan)
        spread = np.nanmax(masked, axis=1) - np.nanmin(masked, axis=1)
        varies |= np.nanmax(spread, axis=0) > 1e-9
    return varies


def fit_weights(
    grids: Mapping[str, RankingGrid],
    start: Mapping[str, float],
    *,
    objective: Sequence[str] | None = None,
    floors: Mapping[str, float] | None = None,
    grid_values: Sequence[float] = DEFAULT_GRID,
    rounds: int = 6,
) -> dict[str, float]:
    """Coordinate ascent on `fitting_score` from ``start`` (feature → weight).

    Args:
        grids: task → its `RankingGrid` (training needs only).
        start: the starting weights (e.g. the current defaults).
        objective: tasks whose macro nDCG@10 is maximised (default: all of ``grids``); the others
            only constrain through their floors.
        floors: task → nDCG@10 it should not fall below (see the module docstring).
        grid_values: magnitudes tried for each free weight (negated for `NEGATIVE_FEATURES`).
        rounds: passes over the free weights (stops early when a pass improves nothing).
    """
    names = list(objective if objective is not None else grids)
    weights = np.array([start[name] for name in FEATURE_NAMES], dtype=np.float64)
    varies = _varies(list(grids.values()))
    fixed = {*POLICY_FEATURES, SCALE_FEATURE}
    free = [i for i, name in enumerate(FEATURE_NAMES) if varies[i] and name not in fixed]
    best = fitting_score(grids, weights, names, floors)
    for _ in range(rounds):
        improved = False
        for i in free:
            sign = -1.0 if FEATURE_NAMES[i] in NEGATIVE_FEATURES else 1.0
            for value in grid_values:
                trial = weights.copy()
                trial[i] = sign * value
                score = fitting_score(grids, trial, names, floors)
                if score > best + 1e-9:
                    best, weights, improved = score, trial, True
        if not improved:
            break
    return {name: float(w) for name, w in zip(FEATURE_NAMES, weights, strict=True)}


def cross_validated(
    grids: Mapping[str, RankingGrid],
    start: Mapping[str, float],
    *,
    objective: Sequence[str] | None = None,
    fixed_floors: Mapping[str, float] | None = None,
    n_splits: int = 5,
    rounds: int = 6,
) -> dict[str, np.ndarray]:
    """Held-out nDCG@10 per task: each fold is fitted on the other folds' needs of every task.

    Every task's floor in a fold is its fused order's nDCG@10 on that fold's training needs, raised to
    ``fixed_floors[task]`` where given (e.g. an earlier figure the task must keep).

    Returns:
        task → nDCG@10 of each of its needs (in grid order), each scored by weights that never saw it.
    """
    folds = {name: demand_folds(grid.demands, n_splits) for name, grid in grids.items()}
    held_out = {name: np.zeros(len(grid.demands)) for name, grid in grids.items()}
    for fold in range(n_splits):
        train = {name: grids[name].subset(folds[name][fold][0]) for name in grids}
        floors = _floors(train, fixed_floors)
        weights = fit_weights(train, start, objective=objective, floors=floors, rounds=rounds)
        vector = np.array([weights[n] for n in FEATURE_NAMES])
        for name, grid in grids.items():
            test_ids = set(folds[name][fold][1])
            rows = np.array([i for i, d in enumerate(grid.demands) if d in test_ids], dtype=np.int64)
            held_out[name][rows] = grid.subset(folds[name][fold][1]).ndcg(vector)
    return held_out


def _floors(grids: Mapping[str, RankingGrid], fixed: Mapping[str, float] | None) -> dict[str, float]:
    floors = fused_floors(grids)
    for name, value in (fixed or {}).items():
        floors[name] = max(floors.get(name, 0.0), value)
    return floors


def fit_with_floors(
    grids: Mapping[str, RankingGrid],
    start: Mapping[str, float],
    *,
    objective: Sequence[str] | None = None,
    fixed_floors: Mapping[str, float] | None = None,
    rounds: int = 6,
) -> dict[str, float]:
    """`fit_weights` on all needs, each task floored by its fused order (and ``fixed_floors``)."""
    floors = _floors(grids, fixed_floors)
    return fit_weights(grids, start, objective=objective, floors=floors, rounds=rounds)
