"""Float32 vectors by position, appended in amortised O(1) and saved as one ``vectors.npy`` file.

The compressed index keeps only short codes in memory and re-scores its shortlist exactly from these
full vectors. A saved store is opened memory-mapped, read-only (``np.load(mmap_mode="r")``): its
pages are file-backed, shared between processes and evicted under pressure rather than counted as
the process's anonymous memory. Re-scoring touches a few hundred scattered rows per query, so the map
is advised ``MADV_RANDOM`` (no read-ahead of neighbouring pages on a fault), and a background thread
reads the whole file into the page cache once on open (`prefetch`) unless it is large next to the
machine's memory.
The first write after opening copies the rows into memory; rows are never changed in place.
"""

from __future__ import annotations

import mmap
import os
import threading
from pathlib import Path

import numpy as np

from embeddings.index.idmap import as_id_array
from embeddings.index.topk import empty_result, topk_of_scores

__all__ = ["VectorStore", "check_batch", "check_queries"]

_MIN_CAPACITY = 1024
_RESCORE_SCORES = 1 << 22  # candidate scores held per block of queries when re-scoring (16 MB)
_PREFETCH_CHUNK = 128 << 10  # bytes per readahead request: the default readahead window (read_ahead_kb)
_CHECK_ROWS = 65_536  # rows checked for NaN at a time: no bool copy of a million-row batch


def prefetch(path: Path) -> None:
    """Ask the kernel to read ``path`` into the page cache, a readahead window at a time.

    One ``WILLNEED`` over a whole file reads only the first window (Linux caps it at the device's
    readahead size), hence the chunks; ``posix_fadvise`` releases the GIL, so queries go on meanwhile.
    Best effort: a platform or file system without it is left as it is.
    """
    advise = getattr(os, "posix_fadvise", None)
    if advise is None:
        return
    try:
        with open(path, "rb") as file:
            size = os.fstat(file.fileno()).st_size
            for offset in range(0, size, _PREFETCH_CHUNK):
                advise(file.fileno(), offset, _PREFETCH_CHUNK, os.POSIX_FADV_WILLNEED)
    except OSError:
        return


def _prefetch_limit() -> int:
    """Largest file read ahead on open: a quarter of the machine's memory (the cache stays useful)."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 4
    except (ValueError, OSError):
        return 0


def check_batch(ids: object, vectors: np.ndarray, dim: int) -> tuple[np.ndarray, np.ndarray]:
    """Validate an ``add`` batch: unique ids >= 0 and finite float32 ``(len(ids), dim)`` vectors.

    Returns:
        ``(ids, vectors)`` as int64 and C-contiguous float32 arrays (no copy when they already are).

    Raises:
        ValueError: Naming what is wrong.
    """
    keys = as_id_array(ids)
    array = np.ascontiguousarray(vectors, dtype=np.float32)
    if array.ndim != 2 or array.shape != (keys.size, dim):
        raise ValueError(f"vectors must have shape ({keys.size}, {dim}), got {array.shape}")
    for start in range(0, keys.size, _CHECK_ROWS):
        if not np.isfinite(array[start : start + _CHECK_ROWS]).all():
            raise ValueError("vectors contain NaN or infinite values")
    if keys.size and keys.min() < 0:
        raise ValueError("ids must be >= 0 (-1 marks padding in search results)")
    if np.unique(keys).size != keys.size:
        raise ValueError("ids passed to add() contain duplicates")
    return keys, array


def check_queries(queries: np.ndarray, k: int, dim: int) -> np.ndarray:
    """Validate a search: ``k >= 1`` and float32 ``(n, dim)`` queries (one ``(dim,)`` vector is n=1).

    Raises:
        ValueError: Naming what is wrong.
    """
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    matrix = np.ascontiguousarray(queries, dtype=np.float32)
    if matrix.ndim == 1:
        matrix = matrix.reshape(1, -1)
    if matrix.ndim != 2 or matrix.shape[1] != dim:
        raise ValueError(f"queries must have shape (n, {dim}), got {np.shape(queries)}")
    return matrix


class VectorStore:
    """Rows ``0..len-1`` of float32 ``dim``-vectors; callers map their ids to these positions.

    Args:
        dim: Vector dimension.
    """

    def __init__(self, dim: int) -> None:
        if dim < 1:
            raise ValueError(f"dim must be >= 1, got {dim}")
        self.dim = int(dim)
        self._data = np.zeros((0, self.dim), dtype=np.float32)
        self._size = 0
        self.mapped = False  # rows are a read-only map of a file

    def __len__(self) -> int:
        return self._size

    def view(self) -> np.ndarray:
        """Zero-copy ``(len, dim)`` view of all rows; invalid after the next append or compaction."""
        return self._data[: self._size]

    def rows(self, positions: np.ndarray) -> np.ndarray:
        """Copy of the rows at ``positions`` (int64), in that order."""
        return np.asarray(self._data[np.asarray(positions, dtype=np.int64)], dtype=np.float32)

    def inner_products(self, queries: np.ndarray, positions: np.ndarray) -> np.ndarray:
        """``(n, width)`` inner products of each query (``(n, dim)``) with its rows at ``positions``."""
        from embeddings.index.kernels import inner_products_at  # loads faiss: only when scoring

        return inner_products_at(self.view(), queries, positions)

    def rescore(
        self, queries: np.ndarray, candidates: np.ndarray, labels: np.ndarray, k: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Exact top-``k`` of each query among its own candidate rows.

        Args:
            queries: Float32 ``(n, dim)``.
            candidates: Int64 ``(n, width)`` positions, ``-1`` for none.
            labels: Id of each position.
            k: Results per query.

        Returns:
            ``(scores, ids)`` of shape ``(n, k)``, best first, padded with ``-inf`` / ``-1``.
        """
        n, width = candidates.shape
        out_scores, out_ids = empty_result(n, k)
        step = max(1, _RESCORE_SCORES // max(1, width))
        for start in range(0, n, step):
            block = candidates[start : start + step]
            valid = block >= 0
            safe = np.where(valid, block, 0)
            scores = self.inner_products(queries[start : start + step], safe)
            scores[~valid] = -np.inf
            top, columns = topk_of_scores(scores, k)
            picked = np.take_along_axis(safe, np.maximum(columns, 0), axis=1)
            out_scores[start : start + step] = top
            out_ids[start : start + step] = np.where(columns >= 0, labels[picked], -1)
        return out_scores, out_ids

    def append(self, vectors: np.ndarray) -> np.ndarray:
        """Append float32 ``(n, dim)`` rows; returns their positions."""
        count = vectors.shape[0]
        needed = self._size + count
        if needed > self._data.shape[0] or self.mapped:
            # grow by a quarter: amortised O(1) appends without doubling a million-row store
            capacity = max(_MIN_CAPACITY, needed, self._size + self._size // 4)
            grown = np.empty((capacity, self.dim), dtype=np.float32)
            grown[: self._size] = self._data[: self._size]
            self._data = grown
            self.mapped = False
        self._data[self._size : needed] = vectors
        self._size = needed
        return np.arange(needed - count, needed, dtype=np.int64)

    def compact(self, keep: np.ndarray) -> None:
        """Keep only the rows at ``keep`` (ascending positions), renumbered ``0..len(keep)-1``."""
        self._data = np.ascontiguousarray(self._data[np.asarray(keep, dtype=np.int64)], dtype=np.float32)
        self._size = self._data.shape[0]
        self.mapped = False

    def write(self, path: Path) -> None:
        """Save the rows as a ``.npy`` file (the caller makes the directory write atomic)."""
        np.save(Path(path), self.view(), allow_pickle=False)

    @classmethod
    def open(cls, path: Path, dim: int) -> VectorStore:
        """Open a file written by :meth:`write`, memory-mapped read-only.

        Raises:
            FileNotFoundError: The file is missing.
            ValueError: It is not a float32 ``(n, dim)`` array.
        """
        store = cls(dim)
        data = np.load(Path(path), mmap_mode="r", allow_pickle=False)
        if data.dtype != np.float32 or data.ndim != 2 or data.shape[1] != dim:
            raise ValueError(
                f"vector file {path} holds {data.dtype} {data.shape}, expected float32 (n, {dim})"
            )
        raw = getattr(data, "_mmap", None)  # np.memmap keeps its mmap.mmap here (absent for 0 rows)
        if raw is not None and hasattr(mmap, "MADV_RANDOM"):
            raw.madvise(mmap.MADV_RANDOM)
            if len(raw) <= _prefetch_limit():
                # a freshly booted server's first queries otherwise wait on disk for every re-scored
                # row (1M experts: p95 363 ms cold against 45 ms warm); pages map only when touched
                threading.Thread(target=prefetch, args=(Path(path),), daemon=True).start()
        store._data = data
        store._size = int(data.shape[0])
        store.mapped = isinstance(data, np.memmap)
        return store
