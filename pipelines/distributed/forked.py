"""The fork engine: batch matching on every core of this machine, over the indexes loaded once.

The parent prepares the whole batch (`Matcher.prepare_batch`: analysis, one batched encode, one
batched dense search), then forks workers. A forked worker starts with the parent's memory, so the
loaded indexes (a million experts' BM25 matrix, corpus, mapped vector files) are shared copy-on-write
instead of loaded again per worker, as the Ray engine's actors must. Each worker ranks and explains
contiguous shards of the prepared batch (`Matcher.match_prepared`); results come back in input order,
so the lists are those of the in-process run. Everything that writes stays in the parent.

Linux and macOS only (``fork``); index builds embed with the matcher's own ``embed_workers``.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import AbstractContextManager

from embeddings.encoders.base import Encoder
from matcher.batch import PreparedBatch
from matcher.domain.records import Demand
from matcher.service import Matcher, Recommendation
from pipelines.distributed.base import Engine, R, T, apply_to_batch, batches

SHARDS_PER_WORKER = 4
"""Shards per worker: uneven shards still finish together."""

# what the forked workers inherit: set just before the fork, cleared after the pool is gone
_inherited: tuple[Matcher, PreparedBatch] | None = None


def _start_worker() -> None:
    assert _inherited is not None
    _inherited[0].after_fork()


def _match_shard(start: int, stop: int, k: int, explain: bool) -> list[list[Recommendation]]:
    assert _inherited is not None
    matcher, batch = _inherited
    return matcher.match_prepared(batch, range(start, stop), k=k, explain=explain)


class ForkEngine(Engine):
    """Runs batch matching in forked worker processes of this machine.

    Args:
        workers: worker processes (default: every core).
    """

    name = "fork"

    def __init__(self, workers: int | None = None) -> None:
        if workers is not None and workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        if "fork" not in multiprocessing.get_all_start_methods():
            raise RuntimeError("--engine fork needs fork(); use --engine local or ray on this system")
        self.workers = workers or os.cpu_count() or 1
        self._context = multiprocessing.get_context("fork")

    def map_batches(
        self, function: Callable[[list[T]], list[R]], items: Sequence[T], *, batch_size: int
    ) -> list[R]:
        """``function`` over the batches in forked workers; results in input order."""
        chunks = batches(items, batch_size)
        if len(chunks) <= 1:
            return [result for chunk in chunks for result in function(chunk)]
        with self._pool(len(chunks)) as pool:
            parts = list(pool.map(apply_to_batch, [function] * len(chunks), chunks))
        return [result for part in parts for result in part]

    def _pool(self, tasks: int, initializer: Callable[[], None] | None = None) -> ProcessPoolExecutor:
        # an executor, not multiprocessing.Pool: a worker killed (say by the OOM killer) fails the
        # call with BrokenProcessPool instead of leaving it waiting forever for the lost task
        workers = min(self.workers, tasks)
        return ProcessPoolExecutor(workers, mp_context=self._context, initializer=initializer)

    def bulk_encoder(self, matcher: Matcher) -> AbstractContextManager[Encoder] | None:
        """None: index builds embed with the matcher's own embed workers."""
        return None

    def recommend_many(
        self, matcher: Matcher, demands: Sequence[Demand], *, k: int, explain: bool = True
    ) -> list[list[Recommendation]]:
        """Prepare the batch here, rank its shards in forked workers."""
        global _inherited
        batch = matcher.prepare_batch(demands)
        if len(batch) == 0:
            return []
        # the first demand is matched here: that builds what the matcher builds lazily on a first
        # query (BM25 search matrices, explainer, loads) once, for every worker to inherit
        first = matcher.match_prepared(batch, range(1), k=k, explain=explain)
        rest = len(batch) - 1
        if rest == 0 or self.workers == 1:
            return first + matcher.match_prepared(batch, range(1, len(batch)), k=k, explain=explain)
        size = max(1, -(-rest // (self.workers * SHARDS_PER_WORKER)))
        starts = list(range(1, len(batch), size))
        stops = [min(start + size, len(batch)) for start in starts]
        _inherited = (matcher, batch)
        gc.freeze()  # the workers' collections then skip (and do not copy) the inherited objects
        try:
            with self._pool(len(starts), initializer=_start_worker) as pool:
                parts = list(
                    pool.map(_match_shard, starts, stops, [k] * len(starts), [explain] * len(starts))
                )
        finally:
            gc.unfreeze()
            _inherited = None
        return first + [ranked for part in parts for ranked in part]

    def close(self) -> None:
        """Nothing held between calls (each call's workers exit with it)."""
