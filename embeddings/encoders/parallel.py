"""Bulk embedding across worker processes.

The USE forward pass is numpy code that gains nothing from a second BLAS thread on two cores, but two
processes each on one thread nearly double index-build throughput. Workers are spawned (not forked:
the parent may already hold OpenMP/BLAS thread pools) and build their own encoder from the spec once.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np

from embeddings.encoders.base import Encoder, check_texts

__all__ = ["ParallelEncoder"]

_worker_encoder: Any = None


def _init_worker(spec: str, kwargs: dict[str, Any]) -> None:
    global _worker_encoder
    from embeddings.encoders import create_encoder

    _worker_encoder = create_encoder(spec, **kwargs)


def _encode_chunk(texts: list[str], role: str) -> np.ndarray:
    assert _worker_encoder is not None
    if role == "query":
        return np.asarray(_worker_encoder.encode_queries(texts))
    return np.asarray(_worker_encoder.encode_documents(texts))


class ParallelEncoder:
    """Wraps an encoder: small inputs run in-process, large ones are split over worker processes.

    Args:
        encoder: the in-process encoder (gives ``id`` and ``dim``, and serves small inputs).
        spec: the `create_encoder` spec that rebuilds the same encoder in a worker.
        workers: number of worker processes.
        min_parallel: inputs smaller than this are encoded in-process (workers cost ~2 s to start).
        chunk_size: texts per task sent to a worker.
        encoder_kwargs: keyword arguments for `create_encoder` in the workers.
    """

    def __init__(
        self,
        encoder: Encoder,
        spec: str,
        workers: int = 2,
        *,
        min_parallel: int = 2000,
        chunk_size: int = 256,
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

    @property
    def id(self) -> str:
        """The wrapped encoder's id (vectors are identical)."""
        return self.encoder.id

    @property
    def dim(self) -> int:
        """The wrapped encoder's dimension."""
        return self.encoder.dim

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
        if self.workers == 1 or len(items) < self.min_parallel:
            method = self.encoder.encode_queries if role == "query" else self.encoder.encode_documents
            return method(items, batch_size=batch_size, show_progress=show_progress)
        chunks = [items[i : i + self.chunk_size] for i in range(0, len(items), self.chunk_size)]
        out = np.empty((len(items), self.dim), dtype=np.float32)
        progress = None
        if show_progress:
            from tqdm.auto import tqdm

            progress = tqdm(total=len(items), desc=f"embeddings ×{self.workers}", unit="text")
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(
            self.workers,
            mp_context=context,
            initializer=_init_worker,
            initargs=(self.spec, self.encoder_kwargs),
        ) as pool:
            start = 0
            for chunk, vectors in zip(
                chunks, pool.map(_encode_chunk, chunks, [role] * len(chunks)), strict=True
            ):
                out[start : start + len(chunk)] = vectors
                start += len(chunk)
                if progress is not None:
                    progress.update(len(chunk))
        if progress is not None:
            progress.close()
        return out
