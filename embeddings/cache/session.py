"""One bulk embedding job: every distinct text embedded once, through the cache, streamed to the encoder.

An `EmbedSession` takes texts batch by batch (an index build adds each batch of records' profile and
item texts as it analyses them). Each text is keyed by content (`embeddings.cache.store.cache_key`);
a text seen earlier in the session (a publication shared by co-authors, an unchanged profile) gets the
same slot, a text the cache holds is served from it, and only the rest goes to the encoder, streamed
(`embeddings.encoders.stream.EncodeStream`) so worker processes embed while the caller analyses the
next batch. Fresh vectors enter the cache as each chunk returns, and the cache checkpoints them every
``checkpoint_every`` vectors, so a build killed midway resumes with what was embedded.

Slots hold their vectors in fixed-size blocks, so growing never copies what is stored.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import TracebackType

import numpy as np

from embeddings.cache.store import EmbeddingCache, cache_key
from embeddings.encoders.base import Encoder, check_texts
from embeddings.encoders.stream import EncodeStream

__all__ = ["EmbedSession", "EmbedStats"]

_BLOCK_ROWS = 8192


@dataclass
class EmbedStats:
    """Counts of a session: texts added, distinct among them, served by the cache, embedded."""

    texts: int = 0
    distinct: int = 0
    cached: int = 0
    embedded: int = 0


class EmbedSession:
    """Embeds the texts of many batches, each distinct text once; use as a context manager.

    Args:
        encoder: the encoder (a `ParallelEncoder` is fed without waiting); its ``id`` keys the cache.
        kind: ``"document"`` or ``"query"``.
        cache: the embedding cache, or None to embed every distinct text.
        chunk_size: texts per encoder call.
        on_embedded: called with the number of texts each time a chunk comes back (progress).
    """

    def __init__(
        self,
        encoder: Encoder,
        kind: str = "document",
        cache: EmbeddingCache | None = None,
        *,
        chunk_size: int = 64,
        on_embedded: Callable[[int], None] | None = None,
    ) -> None:
        self.encoder = encoder
        self.kind = kind
        self.cache = cache
        self.on_embedded = on_embedded
        self.stats = EmbedStats()
        self._encoder_id = encoder.id
        self._dim = encoder.dim
        self._slots: dict[bytes, int] = {}
        self._blocks: list[np.ndarray] = []
        self._stream = EncodeStream(encoder, kind, self._embedded, chunk_size=chunk_size)

    def __enter__(self) -> EmbedSession:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        if kind is None:
            self.finish()
        else:
            self._stream.cancel()  # what came back is in the cache already

    @property
    def waiting(self) -> int:
        """Texts added whose vectors are not back yet."""
        return self._stream.waiting

    def add(self, texts: Sequence[str]) -> np.ndarray:
        """Add texts; returns their slots (int64), equal for equal texts. Vectors follow `finish`."""
        items = check_texts(texts, "EmbedSession.add")
        slots = np.empty(len(items), dtype=np.int64)
        fresh_keys: list[bytes] = []
        fresh_texts: list[str] = []
        known = self._slots
        for position, text in enumerate(items):
            key = cache_key(text, self.kind)
            slot = known.get(key)
            if slot is None:
                slot = known[key] = len(known)
                fresh_keys.append(key)
                fresh_texts.append(text)
            slots[position] = slot
        self.stats.texts += len(items)
        if not fresh_keys:
            return slots
        self.stats.distinct += len(fresh_keys)
        first = len(known) - len(fresh_keys)
        while len(self._blocks) * _BLOCK_ROWS < len(known):
            self._blocks.append(np.empty((_BLOCK_ROWS, self._dim), dtype=np.float32))
        fresh_slots = np.arange(first, len(known), dtype=np.int64)
        missing = np.ones(len(fresh_keys), dtype=bool)
        if self.cache is not None:
            found, vectors = self.cache.lookup(self._encoder_id, fresh_keys)
            if vectors is not None:
                self._store(fresh_slots[found], vectors)
                self.stats.cached += len(vectors)
            missing = ~found
        tags = [(int(fresh_slots[i]), fresh_keys[i]) for i in np.flatnonzero(missing).tolist()]
        self._stream.put(tags, [fresh_texts[i] for i in np.flatnonzero(missing).tolist()])
        return slots

    def finish(self) -> None:
        """Embed everything still waiting; afterwards `vectors` answers every slot."""
        self._stream.flush()

    def vectors(self, slots: np.ndarray) -> np.ndarray:
        """Float32 ``(len(slots), dim)`` vectors of slots returned by `add` (call `finish` first)."""
        slots = np.asarray(slots, dtype=np.int64)
        out = np.empty((len(slots), self._dim), dtype=np.float32)
        if not len(slots):
            return out
        if self._stream.waiting:
            raise RuntimeError("EmbedSession.vectors: call finish() first, texts are still being embedded")
        which, rows = np.divmod(slots, _BLOCK_ROWS)
        for block in np.unique(which).tolist():
            mask = which == block
            out[mask] = self._blocks[block][rows[mask]]
        return out

    def _store(self, slots: np.ndarray, vectors: np.ndarray) -> None:
        which, rows = np.divmod(slots, _BLOCK_ROWS)
        for block in np.unique(which).tolist():
            mask = which == block
            self._blocks[block][rows[mask]] = vectors[mask]

    def _embedded(self, tags: list[tuple[int, bytes]], vectors: np.ndarray) -> None:
        if vectors.shape != (len(tags), self._dim):
            raise ValueError(f"encoder {self._encoder_id} returned {vectors.shape} for {len(tags)} texts")
        self._store(np.fromiter((slot for slot, _ in tags), dtype=np.int64, count=len(tags)), vectors)
        if self.cache is not None:
            self.cache.insert(self._encoder_id, [key for _, key in tags], vectors)
        self.stats.embedded += len(tags)
        if self.on_embedded is not None:
            self.on_embedded(len(tags))
