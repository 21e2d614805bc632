"""Stream texts through an encoder in chunks so worker processes never wait for the caller.

A bulk build alternates two kinds of work: the caller prepares texts (analysis, cache look-ups) and
the encoder embeds them. `EncodeStream` overlaps the two: `EncodeStream.put` queues full chunks on a
`ParallelEncoder`'s workers and returns at once, so the caller prepares the next batch while the
workers embed the current one. The queue is bounded (``depth`` chunks per worker): a caller that runs
ahead waits for the oldest chunk, which keeps memory flat and hands results back in submission order,
so what is checkpointed first is what was submitted first.

The pool starts only once ``min_parallel`` texts are waiting (or it already runs): a small refresh
is embedded in-process rather than paying for worker start-up. Any other encoder is called in-process,
one chunk at a time, with the same results.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from types import TracebackType
from typing import Any

import numpy as np

from embeddings.encoders.base import Encoder
from embeddings.encoders.parallel import ParallelEncoder

__all__ = ["EncodeStream"]

Done = Callable[[list[Any], np.ndarray], None]


class EncodeStream:
    """Embeds texts put in any number of calls, handing each chunk's vectors to ``done`` in order.

    Args:
        encoder: the encoder; a `ParallelEncoder` with several workers is fed asynchronously.
        role: ``"document"`` or ``"query"``.
        done: called as ``done(tags, vectors)`` once per chunk, in the order the texts were put.
        chunk_size: texts per encoder call (a worker task).
        depth: chunks queued per worker before `put` waits for the oldest.
    """

    def __init__(
        self, encoder: Encoder, role: str, done: Done, *, chunk_size: int = 64, depth: int = 6
    ) -> None:
        if role not in ("query", "document"):
            raise ValueError(f"role must be 'query' or 'document', got {role!r}")
        if chunk_size < 1 or depth < 1:
            raise ValueError(f"chunk_size and depth must be >= 1, got {chunk_size} and {depth}")
        self.encoder = encoder
        self.role = role
        self.done = done
        self.chunk_size = chunk_size
        self.parallel = encoder if isinstance(encoder, ParallelEncoder) and encoder.workers > 1 else None
        self.limit = depth * (self.parallel.workers if self.parallel is not None else 1)
        self._tags: list[Any] = []
        self._texts: list[str] = []
        self._queued: deque[tuple[list[Any], Future[np.ndarray]]] = deque()

    def __enter__(self) -> EncodeStream:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        if kind is None:
            self.flush()
        else:
            self.cancel()

    @property
    def waiting(self) -> int:
        """Texts put but not yet handed to ``done``."""
        return len(self._texts) + sum(len(tags) for tags, _ in self._queued)

    def put(self, tags: Sequence[Any], texts: Sequence[str]) -> None:
        """Queue texts (``tags`` name them for ``done``); returns once full chunks are on their way."""
        if len(tags) != len(texts):
            raise ValueError(f"{len(tags)} tags for {len(texts)} texts")
        self._tags.extend(tags)
        self._texts.extend(texts)
        if self._use_workers():
            self._submit_full_chunks()
        elif self.parallel is None:
            while len(self._texts) >= self.chunk_size:
                self._encode_here(self.chunk_size)

    def flush(self) -> None:
        """Embed everything still waiting and hand it to ``done``."""
        if self._use_workers():
            self._submit_full_chunks()
            if self._texts:
                self._submit(len(self._texts))
            while self._queued:
                self._finish_oldest()
        while self._texts:
            self._encode_here(self.chunk_size)

    def cancel(self) -> None:
        """Drop what is waiting (e.g. after an error); chunks already on a worker run to their end."""
        for _, future in self._queued:
            future.cancel()
        self._queued.clear()
        self._tags, self._texts = [], []

    def _use_workers(self) -> bool:
        if self.parallel is None:
            return False
        if self.parallel.running or self._queued:
            return True
        # until then texts wait: a small build is cheaper in-process than starting workers (~2 s)
        return len(self._texts) >= max(self.parallel.min_parallel, 1)

    def _submit_full_chunks(self) -> None:
        while len(self._texts) >= self.chunk_size:
            self._submit(self.chunk_size)

    def _submit(self, size: int) -> None:
        assert self.parallel is not None
        while len(self._queued) >= self.limit:
            self._finish_oldest()
        tags, texts = self._take(size)
        self._queued.append((tags, self.parallel.submit(texts, self.role)))

    def _finish_oldest(self) -> None:
        tags, future = self._queued.popleft()
        self.done(tags, np.ascontiguousarray(future.result(), dtype=np.float32))

    def _encode_here(self, size: int) -> None:
        tags, texts = self._take(size)
        inner = self.parallel.encoder if self.parallel is not None else self.encoder
        encode = inner.encode_queries if self.role == "query" else inner.encode_documents
        self.done(tags, np.ascontiguousarray(encode(texts), dtype=np.float32))

    def _take(self, size: int) -> tuple[list[Any], list[str]]:
        tags, texts = self._tags[:size], self._texts[:size]
        del self._tags[:size], self._texts[:size]
        return tags, texts
