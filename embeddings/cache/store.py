"""Persistent embedding cache: (encoder id, query/document, text hash) → vector.

Per encoder, entries live in a directory of memory-mapped ``.npy`` files (`embeddings.cache.segments`:
a compacted base plus checkpoint segments, written atomically and merged as they pile up). A long build
checkpoints every ``checkpoint_every`` new vectors (and, on the next insert, once ``checkpoint_seconds``
have passed) by writing only those vectors, so a build killed at 90 % resumes with its vectors.

Thread-safe: one lock guards lookups, inserts, checkpoints and merges; the encoder runs outside it, so
a query encoded in a request thread never waits for a bulk embedding. Processes may share a directory
(nothing read is ever wrong), but two merging at once can drop the other's newest entries (re-embedded).
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from embeddings.cache.segments import EncoderEntries
from embeddings.encoders.base import Encoder, check_texts

__all__ = ["EmbeddingCache", "cache_key"]

_KINDS = ("query", "document")
_EMBED_BLOCK = 2048  # texts per encoder call: progress (and the checkpoint clock) advance per block


def cache_key(text: str, kind: str) -> bytes:
    """16-byte key of a text embedded as ``kind`` (``"query"`` or ``"document"``)."""
    return hashlib.blake2b(f"{kind}\0{text}".encode(), digest_size=16).digest()


def _directory_name(encoder_id: str) -> str:
    # Readable and filesystem-safe, with a hash so that distinct ids never share a directory.
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", encoder_id).strip("._")[:60] or "encoder"
    return f"{slug}-{hashlib.blake2b(encoder_id.encode(), digest_size=4).hexdigest()}"


class EmbeddingCache:
    """Cache of text embeddings per encoder, persisted under ``directory``; safe to share between threads.

    Args:
        directory: Cache root; one subdirectory per encoder id (created on the first checkpoint).
        checkpoint_every: New vectors per checkpoint, so a crash loses fewer than this many plus one
            encoder call's worth (missing texts are embedded `block_size` at a time).
        checkpoint_seconds: Also checkpoint on an insert once this long has passed since the oldest
            unsaved vector (a server's write-through inserts get persisted too); None: count only.

    Attributes:
        hits: Texts served from the cache so far.
        misses: Distinct texts that had to be embedded so far.
    """

    def __init__(
        self, directory: Path, *, checkpoint_every: int = 4096, checkpoint_seconds: float | None = 60.0
    ) -> None:
        if checkpoint_every < 1:
            raise ValueError(f"checkpoint_every must be >= 1, got {checkpoint_every}")
        self.directory = Path(directory)
        self.checkpoint_every = checkpoint_every
        self.checkpoint_seconds = checkpoint_seconds
        self.hits = 0
        self.misses = 0
        self._entries: dict[str, EncoderEntries] = {}
        self._lock = threading.RLock()

    @property
    def block_size(self) -> int:
        """Most texts `encode` passes to the encoder at once (a bulk encoder should not need more)."""
        return min(self.checkpoint_every, _EMBED_BLOCK)

    def _for(self, encoder_id: str) -> EncoderEntries:
        entries = self._entries.get(encoder_id)
        if entries is None:  # lazy load on first use of this encoder
            entries = EncoderEntries(self.directory / _directory_name(encoder_id), encoder_id)
            self._entries[encoder_id] = entries
        return entries

    def encode(
        self,
        encoder: Encoder,
        texts: Sequence[str],
        kind: str = "document",
        *,
        batch_size: int = 64,
        show_progress: bool = False,
    ) -> np.ndarray:
        """Vectors of ``texts``, embedding only those not cached (each distinct text once).

        Args:
            encoder: Encoder to use for missing texts; its ``id`` keys the cache.
            texts: Texts to embed.
            kind: ``"query"`` or ``"document"`` (asymmetric models embed them differently).
            batch_size: Encoder batch size for the missing texts.
            show_progress: Progress bar while embedding missing texts.

        Returns:
            Float32 ``(len(texts), encoder.dim)`` unit vectors.
        """
        if kind not in _KINDS:
            raise ValueError(f"kind must be one of {_KINDS}, got {kind!r}")
        items = check_texts(texts, "EmbeddingCache.encode")
        keys = [cache_key(text, kind) for text in items]
        with self._lock:
            entries = self._for(encoder.id)
            rows = entries.lookup(keys)
            found = rows >= 0
            cached = entries.vectors(rows[found]) if found.any() else None
            self.hits += int(found.sum())
        missing = np.flatnonzero(~found)
        first_text: dict[bytes, str] = {}
        for position in missing.tolist():
            first_text.setdefault(keys[position], items[position])
        fresh = self._embed(encoder, entries, first_text, kind, batch_size, show_progress)
        dim = cached.shape[1] if cached is not None else fresh.shape[1] if fresh.size else encoder.dim
        out = np.empty((len(items), dim), dtype=np.float32)
        if cached is not None:
            out[found] = cached
        if first_text:
            position_of = {key: n for n, key in enumerate(first_text)}
            out[missing] = fresh[[position_of[keys[i]] for i in missing.tolist()]]
        return out

    def _embed(
        self,
        encoder: Encoder,
        entries: EncoderEntries,
        first_text: dict[bytes, str],
        kind: str,
        batch_size: int,
        show_progress: bool,
    ) -> np.ndarray:
        """Embed the missing texts block by block, inserting (and checkpointing) after each block."""
        keys, texts = list(first_text), list(first_text.values())
        blocks: list[np.ndarray] = []
        progress = None
        if show_progress and texts:
            from tqdm.auto import tqdm  # imported only when a bar is wanted

            progress = tqdm(total=len(texts), desc=f"embeddings ({encoder.id})", unit="text")
        encode = encoder.encode_queries if kind == "query" else encoder.encode_documents
        try:
            for start in range(0, len(texts), self.block_size):
                block = slice(start, start + self.block_size)
                vectors = np.ascontiguousarray(encode(texts[block], batch_size=batch_size), dtype=np.float32)
                with self._lock:
                    entries.insert(keys[block], vectors)
                    self.misses += len(vectors)
                    if self._checkpoint_due(entries):
                        entries.checkpoint()
                blocks.append(vectors)
                if progress is not None:
                    progress.update(len(vectors))
        finally:
            if progress is not None:
                progress.close()
        return np.concatenate(blocks) if blocks else np.zeros((0, 0), dtype=np.float32)

    def lookup(self, encoder_id: str, keys: Sequence[bytes]) -> tuple[np.ndarray, np.ndarray | None]:
        """Which ``keys`` (see :func:`cache_key`) are cached, and their vectors; counts the hits.

        Returns:
            A boolean mask over ``keys`` and the vectors of the found ones in order (None if none).
        """
        with self._lock:
            entries = self._for(encoder_id)
            rows = entries.lookup(keys)
            found = rows >= 0
            self.hits += int(found.sum())
            return found, entries.vectors(rows[found]) if found.any() else None

    def insert(self, encoder_id: str, keys: Sequence[bytes], vectors: np.ndarray) -> None:
        """Add freshly embedded vectors (counted as misses) and checkpoint when one is due."""
        with self._lock:
            entries = self._for(encoder_id)
            entries.insert(keys, np.ascontiguousarray(vectors, dtype=np.float32))
            self.misses += len(keys)
            if self._checkpoint_due(entries):
                entries.checkpoint()

    def _checkpoint_due(self, entries: EncoderEntries) -> bool:
        if entries.pending >= self.checkpoint_every:
            return True
        since = entries.pending_since
        return (
            self.checkpoint_seconds is not None
            and since is not None
            and (time.monotonic() - since >= self.checkpoint_seconds)
        )

    def __len__(self) -> int:
        """Entries of all encoders loaded so far."""
        with self._lock:
            return sum(len(entries) for entries in self._entries.values())

    def count(self, encoder_id: str) -> int:
        """Entries cached for ``encoder_id`` (saved and not yet saved)."""
        with self._lock:
            return len(self._for(encoder_id))

    def save(self) -> None:
        """Persist new entries of every encoder as a checkpoint (no-op when nothing changed)."""
        with self._lock:
            for entries in self._entries.values():
                entries.checkpoint()

    def prune(self, encoder_id: str, keep_keys: Iterable[bytes]) -> int:
        """Drop entries of ``encoder_id`` whose key (see :func:`cache_key`) is not in ``keep_keys``; saves.

        Returns:
            How many entries were dropped.
        """
        keep = set(keep_keys)
        with self._lock:
            entries = self._for(encoder_id)
            before = len(entries)
            if before == 0:
                return 0
            entries.compact(keep=keep)
            return before - len(entries)
