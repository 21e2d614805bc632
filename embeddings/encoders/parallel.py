"""Bulk embedding across worker processes that die with their parent.

The USE forward pass is numpy code that gains nothing from a second BLAS thread on two cores, but two
processes each on one thread nearly double index-build throughput. Workers are spawned (not forked:
the parent may already hold OpenMP/BLAS thread pools) and build their own encoder from the spec once.
The pool stays up across calls until `ParallelEncoder.close` (the embedding cache embeds a long build
in checkpoint-sized blocks; restarting workers for each block would cost seconds each time).

A worker must not outlive its parent: after a ``kill -9`` of the parent nobody would shut the pool
down, and each worker holds a model (~315 MB) and the write end of the multiprocessing resource
tracker's pipe, so the tracker (which ignores SIGINT and SIGTERM and exits only at EOF on that pipe,
after unlinking the pool's named semaphores) would stay as well. Each worker therefore asks Linux for
SIGKILL when its parent dies (``prctl(PR_SET_PDEATHSIG)``), or elsewhere polls ``os.getppid()`` from a
watchdog thread; once the workers are gone the tracker sees EOF, cleans up and exits. The tracker
itself is needed: spawned workers open the pool's queue semaphores by name, and it is what unlinks
them from /dev/shm after a crash.

Linux sends the death signal when the *thread* that started the worker ends, so a pool must be used
and closed by one long-lived thread (index builds run in the calling thread and close the pool).
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

import numpy as np

from embeddings.encoders.base import Encoder, EncoderWrapper, check_texts

__all__ = ["DEFAULT_MIN_PARALLEL", "ParallelEncoder", "die_with_parent"]

DEFAULT_MIN_PARALLEL = 2000  # workers cost ~2 s to start: below this many texts one process wins

_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
_WATCHDOG_SECONDS = 1.0
_worker_encoder: Any = None


def die_with_parent(parent_pid: int, *, use_prctl: bool = True) -> str:
    """Make this process exit when ``parent_pid`` (its parent) dies.

    Args:
        parent_pid: the parent's pid as the parent saw it (to catch a parent that died before this ran).
        use_prctl: try ``prctl(PR_SET_PDEATHSIG, SIGKILL)`` first (Linux); False: the watchdog only.

    Returns:
        ``"prctl"`` or ``"watchdog"``: the mechanism in place.
    """
    mechanism = "prctl" if use_prctl and _set_death_signal() else "watchdog"
    if os.getppid() != parent_pid:  # the parent died before the death signal was armed
        os._exit(1)
    if mechanism == "watchdog":
        threading.Thread(
            target=_watch_parent, args=(parent_pid,), name="parent-watchdog", daemon=True
        ).start()
    return mechanism


def _set_death_signal() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def _watch_parent(parent_pid: int) -> None:
    while os.getppid() == parent_pid:  # an orphan is re-parented (to init or a subreaper)
        time.sleep(_WATCHDOG_SECONDS)
    os._exit(1)


def _init_worker(spec: str, kwargs: dict[str, Any], parent_pid: int) -> None:
    global _worker_encoder
    die_with_parent(parent_pid)  # before loading the model, which takes seconds
    from embeddings.encoders import create_encoder

    _worker_encoder = create_encoder(spec, **kwargs)


def _ready() -> int:
    return os.getpid()  # runs after the initializer: the worker's model is loaded


def _encode_chunk(texts: list[str], role: str) -> np.ndarray:
    assert _worker_encoder is not None
    if role == "query":
        return np.asarray(_worker_encoder.encode_queries(texts))
    return np.asarray(_worker_encoder.encode_documents(texts))


class ParallelEncoder(EncoderWrapper):
    """Wraps an encoder: small inputs run in-process, large ones are split over worker processes.

    Use it as a context manager (or call `close`): the worker pool starts on the first large input and
    is reused until closed.

    Args:
        encoder: the in-process encoder (gives ``id`` and ``dim``, and serves small inputs).
        spec: the `create_encoder` spec that rebuilds the same encoder in a worker.
        workers: number of worker processes.
        min_parallel: inputs smaller than this are encoded in-process while no pool runs (workers cost
            ~2 s to start).
        chunk_size: texts per task sent to a worker (small, so both workers finish a call together:
            the embedding cache calls once per 2048 texts).
        encoder_kwargs: keyword arguments for `create_encoder` in the workers.
    """

    def __init__(
        self,
        encoder: Encoder,
        spec: str,
        workers: int = 2,
        *,
        min_parallel: int = DEFAULT_MIN_PARALLEL,
        chunk_size: int = 64,
        encoder_kwargs: dict[str, Any] | None = None,
    ) -> None:
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        self.encoder = encoder
        self.spec = spec
        self.workers = workers
        self.min_parallel = min_parallel
        self.chunk_size = chunk_size
        self.encoder_kwargs = encoder_kwargs or {}
        self._pool: ProcessPoolExecutor | None = None

    def close(self) -> None:
        """Stop the workers (queued chunks are cancelled); the next large input starts a new pool."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    @property
    def running(self) -> bool:
        """True while the worker pool is up (then even small inputs go to the workers)."""
        return self._pool is not None

    def start(self) -> None:
        """Start the workers now (each loads its model in the background) so the first chunk waits less."""
        if self._pool is None:
            pool = self._running_pool()
            for _ in range(self.workers):  # one task per worker spawns them all
                pool.submit(_ready)

    def submit(self, texts: Sequence[str], role: str = "document") -> Future[np.ndarray]:
        """Queue one chunk of texts on the workers (starting them) and return at once.

        `embeddings.encoders.stream` keeps several chunks queued so no worker waits for the caller.
        """
        if role not in ("query", "document"):
            raise ValueError(f"role must be 'query' or 'document', got {role!r}")
        self.start()
        return self._running_pool().submit(_encode_chunk, check_texts(texts, "ParallelEncoder"), role)

    def encode_queries(
        self, texts: Sequence[str], *, batch_size: int = 64, show_progress: bool = False
    ) -> np.ndarray:
        """Embed queries, in parallel when there are many."""
        return self._encode(texts, "query", batch_size, show_progress)

    def encode_documents(
        self, texts: Sequence[str], *, batch_size: int = 64, show_progress: bool = False
    ) -> np.ndarray:
        """Embed documents, in parallel when there are many."""
        return self._encode(texts, "document", batch_size, show_progress)

    def _encode(self, texts: Sequence[str], role: str, batch_size: int, show_progress: bool) -> np.ndarray:
        items = check_texts(texts, "ParallelEncoder")
        threshold = self.workers if self._pool is not None else self.min_parallel  # a running pool is free
        if self.workers == 1 or len(items) < max(threshold, 1):
            method = self.encoder.encode_queries if role == "query" else self.encoder.encode_documents
            return method(items, batch_size=batch_size, show_progress=show_progress)
        size = max(1, min(self.chunk_size, -(-len(items) // self.workers)))  # small inputs: every worker busy
        chunks = [items[i : i + size] for i in range(0, len(items), size)]
        out = np.empty((len(items), self.dim), dtype=np.float32)
        progress = None
        if show_progress:
            from tqdm.auto import tqdm

            progress = tqdm(total=len(items), desc=f"embeddings ×{self.workers}", unit="text")
        try:
            start = 0
            for chunk, vectors in zip(
                chunks, self._running_pool().map(_encode_chunk, chunks, [role] * len(chunks)), strict=True
            ):
                out[start : start + len(chunk)] = vectors
                start += len(chunk)
                if progress is not None:
                    progress.update(len(chunk))
        except BaseException:
            self.close()  # e.g. Ctrl-C: do not leave chunks running in the workers
            raise
        finally:
            if progress is not None:
                progress.close()
        return out

    def _running_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_worker,
                initargs=(self.spec, self.encoder_kwargs, os.getpid()),
            )
        return self._pool
