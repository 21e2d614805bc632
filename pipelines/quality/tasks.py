"""What a quality task is: a pool of experts, a set of needs and graded gold labels.

A task is built by code from the raw public files (see the builders in this package); the suite runner
imports the pool into a fresh store, indexes it with the product's own pipeline and ranks every need.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from matcher.domain.records import Demand, Expert

RELEVANT = 2  # grade of a relevant expert (metrics count grade >= 2 as relevant)


class EvalDataMissing(FileNotFoundError):
    """The raw public evaluation files are not where the suite looks for them."""


def eval_data_dir() -> Path:
    """Folder of the raw public evaluation data.

    ``HAIZHI_EVAL_DATA`` when set, else ``../shared/eval-data`` beside the project checkout.

    Raises:
        EvalDataMissing: when the folder does not exist.
    """
    configured = os.environ.get("HAIZHI_EVAL_DATA")
    root = Path(__file__).resolve().parents[2]
    directory = Path(configured) if configured else root.parent / "shared" / "eval-data"
    if not directory.is_dir():
        raise EvalDataMissing(
            f"public evaluation data not found at {directory}: set HAIZHI_EVAL_DATA to the folder "
            "holding SOURCES.md, dblp_expert_finding/ and fewclue_csl/"
        )
    return directory


@dataclass
class Pool:
    """Experts indexed together; tasks sharing a pool share one index build.

    Attributes:
        name: short id, e.g. ``dblp-labelled``.
        experts: the expert records (profiles) to import.
    """

    name: str
    experts: list[Expert]


@dataclass
class QualityTask:
    """One evaluation task.

    Attributes:
        name: short id shown in reports, e.g. ``dblp-en``.
        pair: the language pair of its needs and relevant experts (``en→en``, ``zh→zh``, ``zh→en``).
        description: how the task is built, one or two sentences for the report.
        pool: the experts the needs are matched against.
        demands: the needs (queries).
        gold: demand id → expert id → grade (`RELEVANT` for relevant experts).
        notes: caveats shown in the report (e.g. unjudged experts counted as non-relevant).
    """

    name: str
    pair: str
    description: str
    pool: Pool
    demands: list[Demand]
    gold: dict[str, dict[str, int]]
    notes: list[str] = field(default_factory=list)

    def subset(self, max_demands: int) -> QualityTask:
        """The same task with its first ``max_demands`` needs (the fast CI slice)."""
        kept = self.demands[:max_demands]
        ids = {d.id for d in kept}
        gold = {d: g for d, g in self.gold.items() if d in ids}
        return QualityTask(self.name, self.pair, self.description, self.pool, kept, gold, list(self.notes))
