"""On-disk entries of one encoder in the embedding cache: a base file, checkpoint segments, merges.

Entries are records ``(key: 16-byte blake2b, vector: float32[dim])`` in ``.npy`` files that are
memory-mapped, so a 100k × 512 cache opens at once and pages in only the rows a call needs:
``entries.npy`` (the compacted base) and ``segment-<time ns>-<pid>.npy`` (checkpoints since).

Why segments: a checkpoint writes only the vectors inserted since the last one, never the whole cache,
so it costs O(new). When segments pile up they are merged (into one segment while they hold fewer rows
than the base, else into a new base), which keeps rewriting amortised O(n). Every file is written beside
its name and moved in with ``os.replace`` (`embeddings.atomic`), so no reader and no crash sees half a
file; a crash between a merge and the removal of its sources only leaves keys twice (same vectors),
merged again later. Unreadable files are skipped with a warning, and temporary files left by a killed
writer are removed once stale.

Not thread-safe by itself: `embeddings.cache.store.EmbeddingCache` holds its lock around every call.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from embeddings.atomic import atomic_path, write_text_atomic

__all__ = ["EncoderEntries"]

_BASE_FILE = "entries.npy"
_INFO_FILE = "encoder.json"
_MAX_SEGMENTS = 16
_MAX_MEMORY_BLOCKS = 64  # many single-query inserts are merged so lookups stay vectorised
_STALE_TEMPORARY_SECONDS = 3600.0  # a writer killed mid-write leaves its temporary file behind
_COPY_STEP = 65_536  # rows per copy while merging: bounded memory for a large cache
log = logging.getLogger("haizhi.cache")


def _record_dtype(dim: int) -> np.dtype:
    # V16, not S16: numpy strips trailing NUL bytes from S values, which would corrupt digests.
    return np.dtype([("key", "V16"), ("vector", np.float32, (dim,))])


def _remove_stale_temporaries(directory: Path) -> None:
    cutoff = time.time() - _STALE_TEMPORARY_SECONDS
    for leftover in [*directory.glob(".*.tmp"), *directory.glob(".tmp-*")]:
        try:
            if leftover.stat().st_mtime < cutoff:
                leftover.unlink()
        except OSError:
            pass  # another process removed it, or it is not ours to remove


def _open_records(path: Path, dim: int | None) -> np.ndarray | None:
    """The memory-mapped records of one file, or None (logged) when unreadable or of another shape.

    Skipping is safe (the cache only saves work) and keeps a damaged file from stopping a build.
    """
    try:
        records = np.load(path, mmap_mode="r")
        if records.dtype.names != ("key", "vector") or records.dtype["key"] != np.dtype("V16"):
            raise ValueError(f"records of type {records.dtype}")
        if dim is not None and records["vector"].shape[1] != dim:
            raise ValueError(f"{records['vector'].shape[1]}-d vectors in a {dim}-d cache")
    except (OSError, ValueError) as error:
        log.warning("embedding cache: ignoring unreadable %s (%s); delete it", path, error)
        return None
    return records


def _write_records(path: Path, dtype: np.dtype, length: int, fill: Callable[[np.ndarray], None]) -> None:
    """Atomically write ``length`` records that ``fill`` stores into a memory map, synced to disk."""
    with atomic_path(path) as temporary:
        records = np.lib.format.open_memmap(temporary, mode="w+", dtype=dtype, shape=(length,))
        fill(records)
        records.flush()
        del records  # unmap before the file is moved into place
        with temporary.open("rb+") as handle:
            os.fsync(handle.fileno())  # a checkpoint should survive a power cut, not only a kill


class EncoderEntries:
    """Entries of one encoder: memory-mapped files, then in-memory blocks not yet checkpointed.

    Rows are numbered across the blocks in order; a checkpoint turns the in-memory tail into one file
    without renumbering, a merge renumbers everything.

    Args:
        directory: This encoder's directory (created on the first checkpoint); its files load at once.
        encoder_id: Id of the encoder, named in errors and in ``encoder.json``.
    """

    def __init__(self, directory: Path, encoder_id: str) -> None:
        self.directory = directory
        self.encoder_id = encoder_id
        self.dim: int | None = None
        self._files: list[Path] = []  # file of each saved block, the base (if any) first
        self._blocks: list[np.ndarray] = []  # structured (key, vector) arrays: saved, then in memory
        self._starts: list[int] = []  # row number of each block's first record
        self._rows: dict[bytes, int] = {}
        self._pending_since: float | None = None
        if directory.is_dir():
            _remove_stale_temporaries(directory)
            self._open([directory / _BASE_FILE, *sorted(directory.glob("segment-*.npy"))])

    def __len__(self) -> int:
        """Distinct keys held, saved and not yet saved."""
        return len(self._rows)

    @property
    def pending(self) -> int:
        """Rows inserted since the last checkpoint."""
        return sum(len(block) for block in self._blocks[len(self._files) :])

    @property
    def pending_since(self) -> float | None:
        """`time.monotonic` of the oldest insert since the last checkpoint, None when nothing is pending."""
        return self._pending_since

    def lookup(self, keys: Sequence[bytes]) -> np.ndarray:
        """Row of each key, -1 when missing."""
        rows = self._rows
        return np.fromiter((rows.get(key, -1) for key in keys), dtype=np.int64, count=len(keys))

    def vectors(self, rows: np.ndarray) -> np.ndarray:
        """Vectors of existing ``rows``."""
        assert self.dim is not None
        out = np.empty((rows.size, self.dim), dtype=np.float32)
        which = np.searchsorted(np.asarray(self._starts), rows, side="right") - 1
        for block in np.unique(which).tolist():
            mask = which == block
            out[mask] = self._blocks[block]["vector"][rows[mask] - self._starts[block]]
        return out

    def insert(self, keys: Sequence[bytes], vectors: np.ndarray) -> None:
        """Add vectors of keys not yet known (another thread may have embedded some meanwhile).

        Raises:
            ValueError: The vectors' dimension differs from the cached ones.
        """
        dim = int(vectors.shape[1])
        if self.dim is not None and dim != self.dim:
            raise ValueError(
                f"encoder {self.encoder_id} returned {dim}-d vectors but its cache holds {self.dim}-d ones: "
                f"delete {self.directory} or give the changed model a new id"
            )
        self.dim = dim
        fresh: dict[bytes, int] = {}  # key → its first position among the vectors
        for position, key in enumerate(keys):
            if key not in self._rows:
                fresh.setdefault(key, position)
        if not fresh:
            return
        block = np.empty(len(fresh), dtype=_record_dtype(dim))
        block["key"] = np.frombuffer(b"".join(fresh), dtype="V16")
        block["vector"] = vectors[list(fresh.values())]
        self._append(block)
        if self._pending_since is None:
            self._pending_since = time.monotonic()
        if len(self._blocks) - len(self._files) > _MAX_MEMORY_BLOCKS:
            self._join_memory_blocks()

    def checkpoint(self) -> None:
        """Write the rows inserted since the last checkpoint as a new segment; merge when too many."""
        if not self.pending:
            return
        self._write_segment()
        if len(self._files) - bool(self._base_rows()) > _MAX_SEGMENTS:
            self.compact()

    def compact(self, keep: set[bytes] | None = None) -> None:
        """Merge the segments into one (while they hold fewer rows than the base) or all into the base.

        With ``keep``, everything is rewritten into the base with only those keys.
        """
        if self.pending:
            self._write_segment()
        base_rows = self._base_rows()
        into_base = keep is not None or self._total() - base_rows >= base_rows
        first = 0 if into_base else 1  # index of the first block merged
        since = self._starts[first] if first < len(self._starts) else self._total()
        keys = [key for key, row in self._rows.items() if row >= since and (keep is None or key in keep)]
        target = self.directory / _BASE_FILE if into_base else self._new_segment_path()
        self._write_merged(target, keys)
        merged = self._files[first:]
        self._open([*self._files[:first], target])
        for path in merged:
            if path != target:
                path.unlink(missing_ok=True)

    def _open(self, paths: Sequence[Path]) -> None:
        self._files, self._blocks, self._starts, self._rows = [], [], [], {}
        for path in paths:
            records = _open_records(path, self.dim) if path.is_file() else None
            if records is not None:
                self.dim = int(records["vector"].shape[1])
                self._files.append(path)
                self._append(records)

    def _append(self, block: np.ndarray) -> None:
        # A key already present (left twice by a crashed merge) maps to its last row, same vector.
        start = self._total()
        self._blocks.append(block)
        self._starts.append(start)
        self._rows.update(zip(block["key"].tolist(), range(start, start + len(block)), strict=True))

    def _join_memory_blocks(self) -> np.ndarray:
        saved = len(self._files)
        joined = np.concatenate(self._blocks[saved:])
        self._blocks[saved:] = [joined]
        self._starts[saved + 1 :] = []
        return joined

    def _total(self) -> int:
        return self._starts[-1] + len(self._blocks[-1]) if self._blocks else 0

    def _base_rows(self) -> int:
        return len(self._blocks[0]) if self._files and self._files[0].name == _BASE_FILE else 0

    def _write_segment(self) -> None:
        records = self._join_memory_blocks()
        path = self._new_segment_path()

        def fill(out: np.ndarray) -> None:
            out[...] = records

        self._write(path, len(records), fill)
        self._blocks[-1] = np.load(path, mmap_mode="r")  # same rows, now backed by the file
        self._files.append(path)
        self._pending_since = None

    def _write_merged(self, path: Path, keys: list[bytes]) -> None:
        order = np.fromiter((self._rows[key] for key in keys), dtype=np.int64, count=len(keys))

        def fill(out: np.ndarray) -> None:
            out["key"] = np.frombuffer(b"".join(keys), dtype="V16")
            for start in range(0, len(keys), _COPY_STEP):
                out["vector"][start : start + _COPY_STEP] = self.vectors(order[start : start + _COPY_STEP])

        self._write(path, len(keys), fill)

    def _write(self, path: Path, length: int, fill: Callable[[np.ndarray], None]) -> None:
        _write_records(path, _record_dtype(self.dim or 0), length, fill)
        info = self.directory / _INFO_FILE
        if not info.exists():  # for people looking at the directory; never read back
            write_text_atomic(info, json.dumps({"encoder_id": self.encoder_id, "dim": self.dim}))

    def _new_segment_path(self) -> Path:
        return self.directory / f"segment-{time.time_ns():020d}-{os.getpid()}.npy"
