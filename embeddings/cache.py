"""Persistent embedding cache: (encoder id, query/document, text hash) → vector.

Per encoder, entries live in one ``.npy`` file of records ``(key: 16-byte blake2b, vector: float32[dim])``
that is memory-mapped on first use, so a 100k × 512 cache opens instantly and pages in only the rows a
call needs. New vectors stay in memory until :meth:`EmbeddingCache.save`, which writes a complete new
file and swaps it in with ``os.replace`` (a crash leaves the old file intact).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from embeddings.encoders.base import Encoder, check_texts

__all__ = ["EmbeddingCache", "cache_key"]

_KINDS = ("query", "document")
_ENTRIES_FILE = "entries.npy"
_INFO_FILE = "encoder.json"


def cache_key(text: str, kind: str) -> bytes:
    """16-byte key of a text embedded as ``kind`` (``"query"`` or ``"document"``)."""
    return hashlib.blake2b(f"{kind}\0{text}".encode(), digest_size=16).digest()


def _directory_name(encoder_id: str) -> str:
    # Readable and filesystem-safe, with a hash so that distinct ids never share a directory.
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", encoder_id).strip("._")[:60] or "encoder"
    return f"{slug}-{hashlib.blake2b(encoder_id.encode(), digest_size=4).hexdigest()}"


class _EncoderEntries:
    """Entries of one encoder: memory-mapped saved records plus in-memory new vectors."""

    def __init__(self, directory: Path, encoder_id: str) -> None:
        self.directory = directory
        self.encoder_id = encoder_id
        self.saved: np.ndarray | None = None  # structured memmap (key, vector)
        self.rows: dict[bytes, int] = {}  # key → row; rows >= len(saved) index into `new`
        self.new: list[np.ndarray] = []
        self.dirty = False
        path = directory / _ENTRIES_FILE
        if path.is_file():
            self.saved = np.load(path, mmap_mode="r")
            keys = self.saved["key"]
            self.rows = dict(zip(keys.tolist(), range(len(keys)), strict=True))

    @property
    def saved_count(self) -> int:
        return 0 if self.saved is None else len(self.saved)

    def lookup(self, keys: Sequence[bytes]) -> np.ndarray:
        """Row of each key, -1 when missing."""
        rows = self.rows
        return np.fromiter((rows.get(key, -1) for key in keys), dtype=np.int64, count=len(keys))

    def vectors(self, rows: np.ndarray, dim: int) -> np.ndarray:
        out = np.empty((rows.size, dim), dtype=np.float32)
        in_saved = rows < self.saved_count
        if in_saved.any():
            assert self.saved is not None
            out[in_saved] = self.saved["vector"][rows[in_saved]]
        if (~in_saved).any():
            fresh = np.concatenate(self.new) if len(self.new) > 1 else self.new[0]
            self.new = [fresh]  # keep the concatenation for the next call
            out[~in_saved] = fresh[rows[~in_saved] - self.saved_count]
        return out

    def insert(self, keys: Sequence[bytes], vectors: np.ndarray) -> None:
        start = self.saved_count + sum(len(block) for block in self.new)
        for offset, key in enumerate(keys):
            self.rows[key] = start + offset
        self.new.append(np.ascontiguousarray(vectors, dtype=np.float32))
        self.dirty = True

    def save(self, dim: int, keep: set[bytes] | None = None) -> None:
        """Write all (or only ``keep``) entries to a new file and swap it in."""
        keys = list(self.rows) if keep is None else [key for key in self.rows if key in keep]
        order = np.fromiter((self.rows[key] for key in keys), dtype=np.int64, count=len(keys))
        self.directory.mkdir(parents=True, exist_ok=True)
        temporary = self.directory / f".tmp-{os.getpid()}-{_ENTRIES_FILE}"
        # V16, not S16: numpy strips trailing NUL bytes from S values, which would corrupt digests.
        dtype = np.dtype([("key", "V16"), ("vector", np.float32, (dim,))])
        records = np.lib.format.open_memmap(temporary, mode="w+", dtype=dtype, shape=(len(keys),))
        try:
            records["key"] = np.frombuffer(b"".join(keys), dtype="V16")
            step = 65_536  # bounded memory while copying a large cache
            for start in range(0, len(keys), step):
                records["vector"][start : start + step] = self.vectors(order[start : start + step], dim)
            records.flush()
            del records
            info = {"encoder_id": self.encoder_id, "dim": dim, "count": len(keys)}
            (self.directory / _INFO_FILE).write_text(json.dumps(info), encoding="utf-8")
            os.replace(temporary, self.directory / _ENTRIES_FILE)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        self.saved = np.load(self.directory / _ENTRIES_FILE, mmap_mode="r")
        self.rows = dict(zip(keys, range(len(keys)), strict=True))
        self.new = []
        self.dirty = False


class EmbeddingCache:
    """Cache of text embeddings per encoder, persisted under ``directory``.

    Args:
        directory: Cache root; one subdirectory per encoder id (created on save).

    Attributes:
        hits: Texts served from the cache so far.
        misses: Distinct texts that had to be embedded so far.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.hits = 0
        self.misses = 0
        self._entries: dict[str, _EncoderEntries] = {}
        self._dims: dict[str, int] = {}

    def _for(self, encoder_id: str) -> _EncoderEntries:
        entries = self._entries.get(encoder_id)
        if entries is None:  # lazy load on first use of this encoder
            entries = _EncoderEntries(self.directory / _directory_name(encoder_id), encoder_id)
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
        entries = self._for(encoder.id)
        if not items:
            return np.zeros((0, encoder.dim), dtype=np.float32)
        keys = [cache_key(text, kind) for text in items]
        rows = entries.lookup(keys)
        missing = np.flatnonzero(rows < 0)
        self.hits += len(items) - missing.size
        if missing.size:
            first_text: dict[bytes, str] = {}
            for position in missing.tolist():
                first_text.setdefault(keys[position], items[position])
            new_keys = list(first_text)
            encode = encoder.encode_queries if kind == "query" else encoder.encode_documents
            vectors = encode(list(first_text.values()), batch_size=batch_size, show_progress=show_progress)
            self._check_dim(encoder, vectors.shape[1])
            entries.insert(new_keys, vectors)
            self.misses += len(new_keys)
            rows = entries.lookup(keys)
        dim = self._dims.get(encoder.id) or (
            entries.saved["vector"].shape[1] if entries.saved is not None else encoder.dim
        )
        return entries.vectors(rows, dim)

    def _check_dim(self, encoder: Encoder, dim: int) -> None:
        entries = self._for(encoder.id)
        known = self._dims.setdefault(encoder.id, dim)
        saved_dim = entries.saved["vector"].shape[1] if entries.saved is not None else dim
        if dim != known or dim != saved_dim:
            raise ValueError(
                f"encoder {encoder.id} returned {dim}-d vectors but its cache holds {saved_dim}-d ones: "
                f"delete {entries.directory} or give the changed model a new id"
            )

    def __len__(self) -> int:
        """Entries of all encoders loaded so far."""
        return sum(len(entries.rows) for entries in self._entries.values())

    def save(self) -> None:
        """Persist new entries of every encoder (atomic per encoder; no-op when nothing changed)."""
        for encoder_id, entries in self._entries.items():
            if entries.dirty:
                entries.save(self._dims.get(encoder_id) or self._saved_dim(entries))

    @staticmethod
    def _saved_dim(entries: _EncoderEntries) -> int:
        assert entries.saved is not None
        return int(entries.saved["vector"].shape[1])

    def prune(self, encoder_id: str, keep_keys: Iterable[bytes]) -> int:
        """Drop entries of ``encoder_id`` whose key (see :func:`cache_key`) is not in ``keep_keys``; saves.

        Returns:
            How many entries were dropped.
        """
        entries = self._for(encoder_id)
        keep = set(keep_keys)
        before = len(entries.rows)
        if before == 0:
            return 0
        dim = self._dims.get(encoder_id) or self._saved_dim(entries)
        entries.save(dim, keep=keep)
        return before - len(entries.rows)
