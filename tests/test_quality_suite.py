"""The public quality suite through the real engine in CI, with floors a little below the figures
measured when the current ranking landed (docs/quality.md), so a quality regression fails the build.

Every need of every task is ranked: the needs are few (63 at most per task) and cheap; the cost is
importing, embedding (publications one by one) and indexing the pools, exactly as
`haizhi evaluate --suite public` does.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from embeddings.encoders.base import Encoder
from matcher.config import Settings
from matcher.ranking.features import FEATURE_NAMES
from pipelines.cli.quality import suite_tasks
from pipelines.quality.report import format_markdown
from pipelines.quality.runner import SINGLE_RETRIEVERS, SuiteRunner, TaskResult
from pipelines.quality.tasks import EvalDataMissing, eval_data_dir

try:
    eval_data_dir()
except EvalDataMissing:
    pytest.skip(
        "public eval data not found: set HAIZHI_EVAL_DATA to the eval-data folder", allow_module_level=True
    )

pytestmark = pytest.mark.filterwarnings("ignore:Please import `csr_matrix`:DeprecationWarning")

# nDCG@10 of the final system measured when the ranking landed, less 0.02–0.03
# (measured: 0.419, 0.538, 0.513, 0.495, 0.411, 0.368, 0.940).
FLOORS = {
    "dblp-en": 0.40,
    "csl-zh-full": 0.51,
    "csl-zh-short": 0.49,
    "csl-zh-tw-short": 0.47,
    "mixed-zh-en-full": 0.39,
    "mixed-zh-en-short": 0.34,
    "demo": 0.91,
}


@pytest.fixture(scope="module")
def runner(tmp_path_factory: pytest.TempPathFactory, use_encoder: Encoder) -> SuiteRunner:
    return SuiteRunner(tmp_path_factory.mktemp("quality"), Settings(), encoder=use_encoder, bootstrap=200)


@pytest.fixture(scope="module")
def results(runner: SuiteRunner) -> dict[str, TaskResult]:
    return {r.task: r for r in runner.run(suite_tasks(None, None))}


def test_every_task_and_need_is_ranked(results: dict[str, TaskResult]) -> None:
    assert set(results) == set(FLOORS)
    assert [r.queries for r in results.values()] == [114, 63, 63, 63, 56, 56, 160]


@pytest.mark.parametrize("task", list(FLOORS))
def test_final_keeps_its_floor(results: dict[str, TaskResult], task: str) -> None:
    assert results[task].mean("final") >= FLOORS[task], format_markdown([results[task]])


@pytest.mark.parametrize("task", list(FLOORS))
def test_final_is_at_least_the_best_single_retriever(results: dict[str, TaskResult], task: str) -> None:
    result = results[task]
    best = max(result.mean(system) for system in SINGLE_RETRIEVERS)
    assert result.mean("final") >= best, format_markdown([result])


def test_a_language_bm25_cannot_read_is_not_buried(results: dict[str, TaskResult]) -> None:
    # Chinese needs, English relevant experts among 1,114 Chinese profiles: BM25 sees none of the relevant
    # ones, and fusion must keep what dense retrieval found.
    for task in ("mixed-zh-en-full", "mixed-zh-en-short"):
        result = results[task]
        assert result.mean("bm25") < 0.05
        assert result.mean("fused") >= result.mean("dense") - 0.005, format_markdown([result])


def test_report_names_every_system(results: dict[str, TaskResult], tmp_path: Path) -> None:
    from pipelines.quality.report import write_reports

    path = write_reports(list(results.values()), tmp_path, name="slice")
    text = path.read_text(encoding="utf-8")
    assert all(f"| {system} |" in text for system in ("bm25", "dense", "fused", "fused+ranker", "final"))
    assert path.with_suffix(".json").exists()


def test_learned_ranker_gate_compares_every_task_with_its_best_retriever(
    runner: SuiteRunner, results: dict[str, TaskResult]
) -> None:
    from pipelines.quality.learned_gate import format_gate, gate_learned

    tasks = suite_tasks("dblp-en,mixed-zh-en-short", None)
    gate, model = gate_learned(runner, tasks, {"model": "logistic"}, folds=3)
    for task in tasks:
        retriever, best = gate.best_single[task.name]
        assert best == pytest.approx(results[task.name].mean(retriever))
        assert best == pytest.approx(max(results[task.name].mean(s) for s in SINGLE_RETRIEVERS))
        assert gate.current[task.name] == pytest.approx(results[task.name].mean("final"))
        assert (task.name in gate.failing) == (gate.held_out[task.name] < best)
    assert gate.passed == (not gate.failing and not gate.regresses)
    assert model.predict(np.zeros((2, len(FEATURE_NAMES)))).shape == (2,)
    table = format_gate(gate, "logistic")
    assert ("install: yes" in table) == gate.passed and "| dblp-en |" in table
