"""Fit the linear ranker's default weights on the public suite, with demand-grouped CV.

The pairs are collected from each task's real retrieval path (the fusion and item settings in force),
so the fitted weights re-rank exactly the candidates the service ranks. The objective is the macro
nDCG@10 of the public tasks; every task (the demo too) is floored by its own fused order, and the demo
also by `DEMO_FLOOR`, so no task may pay for another's gain (`matcher.ranking.weight_fit`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from matcher.evaluation.metrics import bootstrap_ci
from matcher.ranking.features import FEATURE_NAMES
from matcher.ranking.rankers import LinearRanker, save_params
from matcher.ranking.weight_fit import POLICY_FEATURES, RankingGrid, cross_validated, fit_with_floors
from pipelines.quality.runner import SuiteRunner
from pipelines.quality.tasks import QualityTask

DEMO_FLOOR = 0.935  # the demo's final nDCG@10 before experts became sets of texts (docs/quality.md)


@dataclass
class FitResult:
    """Weights fitted on every task, and what held-out needs score with fold-fitted weights.

    Attributes:
        weights: feature → weight fitted on all needs of all tasks.
        start: the weights the ascent started from.
        start_ndcg: task → (mean, low, high) nDCG@10 with the start weights.
        held_out: task → (mean, low, high) nDCG@10 of held-out needs (5 demand folds).
        fitted_ndcg: task → mean nDCG@10 with the final weights (in-sample).
    """

    weights: dict[str, float]
    start: dict[str, float]
    start_ndcg: dict[str, tuple[float, float, float]]
    held_out: dict[str, tuple[float, float, float]]
    fitted_ndcg: dict[str, float]


def task_grids(runner: SuiteRunner, tasks: Sequence[QualityTask]) -> dict[str, RankingGrid]:
    """Each task's candidate pairs (at the rerank depth the service ranks) as a `RankingGrid`."""
    return {task.name: RankingGrid.from_pairs(runner.pairs(task), task.gold) for task in tasks}


def fit_suite(
    runner: SuiteRunner,
    tasks: Sequence[QualityTask],
    *,
    start: LinearRanker | None = None,
    folds: int = 5,
    demo_floor: float | None = DEMO_FLOOR,
) -> FitResult:
    """Cross-validate, then fit on all needs (macro nDCG@10 of the non-demo tasks, floors on all).

    The ascent starts from ``start`` or, by default, from the fusion order alone (``hybrid`` = 1, every
    other relevance weight 0, the `POLICY_FEATURES` at their defaults), so each weight it adds has to
    improve on fused retrieval without breaking a floor.
    """
    if start is None:
        policy = LinearRanker().get_params()
        start_weights = {
            name: float(policy[name]) if name in POLICY_FEATURES else float(name == "hybrid")
            for name in FEATURE_NAMES
        }
    else:
        start_weights = {name: float(value) for name, value in start.get_params().items()}
    grids = task_grids(runner, tasks)
    objective = [name for name in grids if name != "demo"]
    fixed = {"demo": demo_floor} if demo_floor is not None and "demo" in grids else {}
    start_vector = np.array([start_weights[n] for n in FEATURE_NAMES])
    held = cross_validated(grids, start_weights, objective=objective, fixed_floors=fixed, n_splits=folds)
    weights = fit_with_floors(grids, start_weights, objective=objective, fixed_floors=fixed)
    vector = np.array([weights[n] for n in FEATURE_NAMES])
    return FitResult(
        weights=weights,
        start=start_weights,
        start_ndcg={name: bootstrap_ci(grid.ndcg(start_vector)) for name, grid in grids.items()},
        held_out={name: bootstrap_ci(values) for name, values in held.items()},
        fitted_ndcg={name: float(grid.ndcg(vector).mean()) for name, grid in grids.items()},
    )


def format_fit(result: FitResult) -> str:
    """Markdown: weights before/after and per-task nDCG@10 (start, held-out CV, in-sample)."""
    lines = ["| feature | start | fitted |", "|---|---|---|"]
    lines += [f"| {n} | {result.start[n]:.3f} | {result.weights[n]:.3f} |" for n in FEATURE_NAMES]
    lines += [
        "",
        "| task | start weights | held-out (5 demand folds) | fitted, in-sample |",
        "|---|---|---|---|",
    ]
    for name, (mean, low, high) in result.held_out.items():
        s_mean, s_low, s_high = result.start_ndcg[name]
        lines.append(
            f"| {name} | {s_mean:.3f} [{s_low:.3f}, {s_high:.3f}] | {mean:.3f} [{low:.3f}, {high:.3f}] "
            f"| {result.fitted_ndcg[name]:.3f} |"
        )
    return "\n".join(lines) + "\n"


def save_fitted(result: FitResult, path: Path) -> LinearRanker:
    """Write the fitted weights as `LinearRanker` params JSON (loadable by ``HAIZHI_RANKER_PARAMS``).

    Returns:
        The ranker with those weights, fitted (ready to `predict`).
    """
    ranker = LinearRanker(**result.weights).fitted()
    save_params(ranker, path)
    return ranker
