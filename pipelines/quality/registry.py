"""The public quality tasks by name, each builder run at most once per call."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from pipelines.quality.csl import CslBuild, build_csl, csl_tasks, traditional_task
from pipelines.quality.dblp import DblpData, dblp_task, load_dblp
from pipelines.quality.mixed import mixed_tasks
from pipelines.quality.tasks import QualityTask, eval_data_dir

TASK_NAMES: tuple[str, ...] = (
    "dblp-en",
    "csl-zh-full",
    "csl-zh-short",
    "csl-zh-tw-short",
    "mixed-zh-en-full",
    "mixed-zh-en-short",
)


class _Builders:
    """Loads each source once and builds each task family once (shared pools stay shared)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._dblp: DblpData | None = None
        self._csl: CslBuild | None = None
        self._built: dict[str, QualityTask] = {}

    def dblp(self) -> DblpData:
        if self._dblp is None:
            self._dblp = load_dblp(self.directory)
        return self._dblp

    def csl(self) -> CslBuild:
        if self._csl is None:
            self._csl = build_csl(self.directory)
        return self._csl

    def task(self, name: str) -> QualityTask:
        if name not in self._built:
            families: dict[str, Callable[[], Sequence[QualityTask]]] = {
                "dblp-en": lambda: [dblp_task(data=self.dblp())],
                "csl-zh-full": lambda: csl_tasks(build=self.csl()),
                "csl-zh-short": lambda: csl_tasks(build=self.csl()),
                "csl-zh-tw-short": lambda: [traditional_task(self.csl())],
                "mixed-zh-en-full": lambda: mixed_tasks(csl=self.csl().pool, dblp=self.dblp()),
                "mixed-zh-en-short": lambda: mixed_tasks(csl=self.csl().pool, dblp=self.dblp()),
            }
            for task in families[name]():
                self._built[task.name] = task
        return self._built[name]


def public_tasks(names: Sequence[str] | None = None, directory: Path | None = None) -> list[QualityTask]:
    """Build the named public tasks (all of `TASK_NAMES` when ``names`` is None), in the order asked.

    Args:
        names: task names from `TASK_NAMES`.
        directory: the eval-data root; `eval_data_dir` when omitted.

    Raises:
        ValueError: when a name is not a known task.
        EvalDataMissing: when the raw data folder is missing.
    """
    wanted = list(TASK_NAMES if names is None else names)
    unknown = [n for n in wanted if n not in TASK_NAMES]
    if unknown:
        listed = ", ".join(repr(n) for n in unknown)
        raise ValueError(f"unknown quality task {listed}; valid tasks: {', '.join(TASK_NAMES)}")
    builders = _Builders(directory or eval_data_dir())
    return [builders.task(name) for name in wanted]
