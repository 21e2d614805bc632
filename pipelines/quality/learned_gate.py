"""A learned ranker trained on the public suite, installed only if it never loses to a simple retriever.

The model (`matcher.ranking.learned.LearnedRanker`: gradient-boosted trees on graded pairs, or a logistic
model) learns from every task's candidate pairs at once. Its held-out nDCG@10 comes from demand folds inside
each task (a need's pairs are never in its own training fold). The install rule: for *every* task the
held-out nDCG@10 must reach the best single retriever's (BM25 or dense) on that task — one task below
refuses the model, however well it does elsewhere — and its macro mean over the public tasks (the
synthetic demo excluded) must not be below the production ranker's, or installing it would be a step back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from matcher.ranking.learned import LearnedRanker
from matcher.ranking.pairs import PairData, demand_folds, mean_metric, score_pairs
from pipelines.quality.runner import SINGLE_RETRIEVERS, SuiteRunner
from pipelines.quality.tasks import QualityTask


@dataclass
class GateResult:
    """Held-out figures of a learned ranker against each task's simple retrievers.

    Attributes:
        held_out: task → held-out mean nDCG@10 of the learned model.
        current: task → mean nDCG@10 of the production ranker on the same candidates.
        best_single: task → (retriever, its mean nDCG@10), the stronger of BM25 and dense.
        failing: tasks where the learned model is below the best single retriever.
        regresses: True when its public macro mean is below the production ranker's.
    """

    held_out: dict[str, float]
    current: dict[str, float]
    best_single: dict[str, tuple[str, float]]
    failing: list[str] = field(default_factory=list)
    regresses: bool = False

    @property
    def passed(self) -> bool:
        """True when no task is below its best single retriever and the public macro does not drop."""
        return not self.failing and not self.regresses


def best_single_retriever(runner: SuiteRunner, task: QualityTask) -> tuple[str, float]:
    """The stronger of BM25 and dense on a task, by mean nDCG@10."""
    rankings = runner.rankings(task, systems=SINGLE_RETRIEVERS)
    means = {system: mean_metric(runner.score(ranked, task.gold)) for system, ranked in rankings.items()}
    best = max(means, key=lambda s: means[s])
    return best, means[best]


def _pooled(pairs: Mapping[str, PairData], golds: Mapping[str, Any], demands: Mapping[str, set[str]]) -> Any:
    """Feature rows and grades of the given demands of every task, stacked."""
    xs, ys = [], []
    for name, data in pairs.items():
        mask = np.isin(data.demand_ids, list(demands[name]))
        xs.append(data.X[mask])
        ys.append(data.labels(golds[name])[mask])
    return np.concatenate(xs), np.concatenate(ys)


def gate_learned(
    runner: SuiteRunner,
    tasks: Sequence[QualityTask],
    params: Mapping[str, Any],
    *,
    folds: int = 5,
) -> tuple[GateResult, LearnedRanker]:
    """Cross-validate a learned ranker on every task, then fit it on all pairs.

    Returns:
        The gate's figures, and the model fitted on every pair (install it only if the gate passed).
    """
    pairs = {task.name: runner.pairs(task) for task in tasks}
    golds = {task.name: task.gold for task in tasks}
    splits = {name: demand_folds(data.demands, folds) for name, data in pairs.items()}
    held: dict[str, dict[str, dict[str, float]]] = {name: {} for name in pairs}
    for fold in range(folds):
        train = {name: set(splits[name][fold][0]) for name in pairs}
        X, y = _pooled(pairs, golds, train)
        model = LearnedRanker(**params).fit(X, y)
        for name, data in pairs.items():
            test = data.for_demands(splits[name][fold][1])
            held[name].update(score_pairs(test, model.predict(test.X), golds[name]))
    everyone = {name: set(data.demands) for name, data in pairs.items()}
    final = LearnedRanker(**params).fit(*_pooled(pairs, golds, everyone))
    current = {}
    for task in tasks:
        matcher = runner.matcher_for(task.pool)
        data = pairs[task.name]
        current[task.name] = mean_metric(score_pairs(data, matcher.ranker.predict(data.X), task.gold))
    best = {task.name: best_single_retriever(runner, task) for task in tasks}
    held_out = {name: mean_metric(per_query) for name, per_query in held.items()}
    failing = [name for name, value in held_out.items() if value < best[name][1]]
    public = [name for name in held_out if name != "demo"]
    regresses = bool(public) and np.mean([held_out[n] for n in public]) < np.mean(
        [current[n] for n in public]
    )
    return GateResult(held_out, current, best, failing, bool(regresses)), final


def format_gate(result: GateResult, model: str) -> str:
    """Markdown table of the gate: learned (held-out) vs the production ranker and the best retriever."""
    lines = [
        f"| task | learned {model} (held-out) | production ranker | best single retriever | verdict |",
        "|---|---|---|---|---|",
    ]
    for name, value in result.held_out.items():
        retriever, best = result.best_single[name]
        verdict = "below" if name in result.failing else "ok"
        lines.append(
            f"| {name} | {value:.3f} | {result.current[name]:.3f} | {best:.3f} ({retriever}) | {verdict} |"
        )
    public = [name for name in result.held_out if name != "demo"]
    if public:
        learned = np.mean([result.held_out[n] for n in public])
        current = np.mean([result.current[n] for n in public])
        lines.append(f"| public macro mean | {learned:.3f} | {current:.3f} | | |")
    lines.append("")
    reasons = []
    if result.failing:
        reasons.append(f"below the best single retriever on {', '.join(result.failing)}")
    if result.regresses:
        reasons.append("public macro mean below the production ranker's")
    lines.append("install: yes" if result.passed else "install refused: " + "; ".join(reasons))
    return "\n".join(lines) + "\n"
