"""Run quality tasks through the real engine and score every system side by side.

Each pool is imported into its own SQLite store under the work directory and indexed by the product's
own pipeline (`Matcher.build_index`); embeddings go through one shared cache, so a second run embeds
nothing. Every need is analysed and encoded once, then ranked by each system:

- ``bm25``: lexical retrieval only (per-language BM25 with glossary concepts);
- ``dense``: dense retrieval only;
- ``fused``: the hybrid candidate list in fusion order;
- ``fused+ranker``: the hybrid candidates re-scored by the default `LinearRanker`;
- ``final``: the system as configured for production (settings, installed ranker).
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from embeddings.encoders.base import Encoder
from matcher.config import Settings
from matcher.evaluation.metrics import PairedTest, bootstrap_ci, paired_test, query_metrics
from matcher.ranking.pairs import PairData, collect_pairs, encode_demands
from matcher.ranking.rankers import LinearRanker, Ranker
from matcher.retrieval.hybrid import RetrievalMode
from matcher.retrieval.profiles import Analyzer
from matcher.service import Matcher
from pipelines.quality.tasks import Pool, QualityTask

SYSTEMS: tuple[str, ...] = ("bm25", "dense", "fused", "fused+ranker", "final")
SINGLE_RETRIEVERS: tuple[str, ...] = ("bm25", "dense")
REPORTED_METRICS: tuple[str, ...] = ("ndcg", "recall", "mrr")
_SYSTEM_MODES: dict[str, tuple[RetrievalMode, bool]] = {
    "bm25": ("lexical", False),
    "dense": ("dense", False),
    "fused": ("hybrid", False),
    "fused+ranker": ("hybrid", True),
    "final": ("hybrid", True),
}
PerQuery = dict[str, dict[str, float]]


@dataclass
class TaskResult:
    """Scores of every system on one task.

    Attributes:
        task: the task name.
        pair: its language pair.
        description: how the task was built.
        experts: pool size.
        queries: needs with at least one relevant expert.
        per_query: system → need id → metric → value.
        means: system → metric → (mean, low, high) with a 95 % bootstrap interval.
        best_single: the stronger of BM25 and dense on nDCG@10.
        final_vs_best: paired test of ``final`` against ``best_single`` (nDCG@10).
        notes: the task's caveats.
    """

    task: str
    pair: str
    description: str
    experts: int
    queries: int
    per_query: dict[str, PerQuery]
    means: dict[str, dict[str, tuple[float, float, float]]]
    best_single: str
    final_vs_best: PairedTest
    notes: list[str] = field(default_factory=list)

    def mean(self, system: str, metric: str = "ndcg") -> float:
        """Mean of one metric of one system."""
        return self.means[system][metric][0]


def pool_fingerprint(pool: Pool) -> str:
    """Identity of a pool's records: an index built from the same records is reused."""
    digest = hashlib.sha256(pool.name.encode())
    for expert in pool.experts:
        digest.update(expert.model_dump_json().encode("utf-8"))
    return digest.hexdigest()


class SuiteRunner:
    """Builds each pool once and ranks every task's needs with every system.

    Args:
        work_dir: where pool stores, indexes and the shared embedding cache live.
        settings: production settings (fusion, ranker …); data locations are replaced per pool.
        encoder: shared encoder (created from the settings when omitted).
        analyzer: shared analyser (bundled glossary and catalogue when omitted).
        depth: ranking depth scored (MRR looks this deep; nDCG/Recall at ``k``).
        k: metric cut-off.
        bootstrap: resamples for the intervals.
        progress: called with one line of progress text.
    """

    def __init__(
        self,
        work_dir: Path,
        settings: Settings | None = None,
        *,
        encoder: Encoder | None = None,
        analyzer: Analyzer | None = None,
        depth: int = 100,
        k: int = 10,
        bootstrap: int = 1000,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self.work_dir = work_dir
        self.settings = settings or Settings()
        self._encoder = encoder
        self.analyzer = analyzer or Analyzer()
        self.depth = depth
        self.k = k
        self.bootstrap = bootstrap
        self.progress = progress or (lambda _line: None)
        self._matchers: dict[str, Matcher] = {}

    def matcher_for(self, pool: Pool) -> Matcher:
        """A `Matcher` over the pool's own store and indexes (imported and indexed when new)."""
        if pool.name in self._matchers:
            return self._matchers[pool.name]
        data_dir = self.work_dir / "pools" / pool.name
        stamp = data_dir / "pool.sha256"
        fingerprint = pool_fingerprint(pool)
        fresh = not stamp.exists() or stamp.read_text(encoding="utf-8").strip() != fingerprint
        if fresh and data_dir.exists():
            shutil.rmtree(data_dir)
        settings = self.settings.model_copy(
            update={
                "data_dir": data_dir,
                "database_url": "",
                "embedding_cache_dir": self.work_dir / "cache",
            }
        )
        matcher = Matcher(settings, encoder=self._encoder, analyzer=self.analyzer)
        self._encoder = matcher.encoder
        if fresh:
            self.progress(f"{pool.name}: importing {len(pool.experts)} experts")
            matcher.store.records.upsert("experts", pool.experts)
        report = matcher.build_index(show_progress=False)
        if report.experts.changed:
            self.progress(
                f"{pool.name}: indexed {report.experts.added + report.experts.updated} experts "
                f"({report.cache_misses} texts embedded, {report.cache_hits} from the cache)"
            )
        stamp.write_text(fingerprint, encoding="utf-8")
        self._matchers[pool.name] = matcher
        return matcher

    def rankings(
        self, task: QualityTask, systems: Sequence[str] = SYSTEMS
    ) -> dict[str, dict[str, list[str]]]:
        """system → need id → ranked expert ids (``depth`` long)."""
        matcher = self.matcher_for(task.pool)
        analyses, vectors = encode_demands(matcher, task.demands)
        result: dict[str, dict[str, list[str]]] = {}
        for system in systems:
            mode, rank = _SYSTEM_MODES[system]
            ranker = matcher.ranker if system == "final" else LinearRanker().fitted()
            with _using_ranker(matcher, ranker):
                result[system] = {
                    demand.id: [
                        r.id
                        for r in matcher.recommend_analysis(
                            analysis, vector, k=self.depth, explain=False, mode=mode, rank=rank
                        )
                    ]
                    for demand, analysis, vector in zip(task.demands, analyses, vectors, strict=True)
                }
        return result

    def pairs(self, task: QualityTask) -> PairData:
        """The task's candidate pairs from the real retrieval path (rerank depth), for fitting rankers."""
        matcher = self.matcher_for(task.pool)
        return collect_pairs(matcher, task.demands, encoded=encode_demands(matcher, task.demands))

    def run_task(self, task: QualityTask) -> TaskResult:
        """Score every system on one task."""
        self.progress(f"{task.name}: ranking {len(task.demands)} needs")
        rankings = self.rankings(task)
        per_query = {system: self.score(ranked, task.gold) for system, ranked in rankings.items()}
        means = {
            system: {
                metric: bootstrap_ci([m[metric] for m in scores.values()], resamples=self.bootstrap)
                for metric in REPORTED_METRICS
            }
            for system, scores in per_query.items()
        }
        best = max(SINGLE_RETRIEVERS, key=lambda s: means[s]["ndcg"][0])
        test = paired_test(_metric(per_query[best]), _metric(per_query["final"]))
        return TaskResult(
            task=task.name,
            pair=task.pair,
            description=task.description,
            experts=len(task.pool.experts),
            queries=len(per_query["final"]),
            per_query=per_query,
            means=means,
            best_single=best,
            final_vs_best=test,
            notes=list(task.notes),
        )

    def run(self, tasks: Sequence[QualityTask]) -> list[TaskResult]:
        """Score every task (pools are built once each)."""
        return [self.run_task(task) for task in tasks]

    def score(self, rankings: dict[str, list[str]], gold: dict[str, dict[str, int]]) -> PerQuery:
        """Metrics of each ranked need that has a relevant expert (need id → metric → value)."""
        return {
            query: query_metrics(ranking, gold[query], k=self.k)
            for query, ranking in rankings.items()
            if any(grade >= 2 for grade in gold.get(query, {}).values())
        }


def _metric(per_query: PerQuery, metric: str = "ndcg") -> dict[str, float]:
    return {query: values[metric] for query, values in per_query.items()}


@contextmanager
def _using_ranker(matcher: Matcher, ranker: Ranker) -> Any:
    """Score with another ranker for the duration of the block."""
    saved = matcher.ranker
    matcher.ranker = ranker
    try:
        yield
    finally:
        matcher.ranker = saved


def summary(results: Sequence[TaskResult]) -> dict[str, float]:
    """Macro mean nDCG@10 of each system over the tasks (each task counts once)."""
    return {system: float(np.mean([r.mean(system) for r in results])) for system in SYSTEMS}
