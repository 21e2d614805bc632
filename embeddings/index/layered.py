"""A read-only, memory-mapped base index with a small writable layer on top.

Many server processes map the same saved index files (one copy in the page cache), yet each must
still index a write at once. `LayeredIndex` keeps the mapped base untouched and holds changes beside
it: new and replaced vectors in an in-memory flat *delta*, removed (and replaced) base ids in a
*tombstone* set. A search asks the base for ``k`` plus the number of tombstones (so ``k`` live hits
survive the filter), asks the delta for ``k``, and merges by score; for the exact flat kind the result
equals that of one plain index holding the same vectors.

Saving (``write_files``) writes one ordinary merged index: the base files read into memory with the
changes applied (no graph rebuild for HNSW), or rebuilt from the stored vectors when the base's files
are unknown. A save therefore compacts, and the next load maps the merged files again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Self

import numpy as np

from embeddings.index.base import IndexManifest, VectorIndex
from embeddings.index.factory import create_index, read_index
from embeddings.index.idmap import as_id_array
from embeddings.index.topk import empty_result
from embeddings.index.vectorstore import check_queries

__all__ = ["LayeredIndex"]

_BLOCK = 100_000  # vectors copied per step when a save rebuilds the merged index


class LayeredIndex(VectorIndex):
    """A read-only base index plus an in-memory flat delta and a tombstone set.

    Args:
        base: The mapped (read-only) index; never changed.
        files: The directory the base was read from; a save then applies the changes to a writable
            copy of those files instead of rebuilding the index.
    """

    def __init__(self, base: VectorIndex, files: Path | None = None) -> None:
        self.base = base
        self.files = Path(files) if files is not None else None
        self.encoder_id = base.encoder_id
        self.dim = base.dim
        self.kind = base.kind
        self.delta: VectorIndex = create_index("flat", dim=base.dim, encoder_id=base.encoder_id)
        self._base_ids = base.ids()  # ascending; the base never changes
        self._tombstones = np.zeros(0, dtype=np.int64)  # base ids hidden by a remove or a replace

    # ----- inspection -----
    @property
    def tombstones(self) -> np.ndarray:
        """Base ids removed or replaced since the base was saved (int64, ascending)."""
        return self._tombstones.copy()

    @property
    def changed(self) -> bool:
        """Whether anything was added, replaced or removed on top of the base."""
        return bool(len(self.delta) or self._tombstones.size)

    def _in_base(self, keys: np.ndarray) -> np.ndarray:
        """Bool mask: which ``keys`` are live in the base (present and not tombstoned)."""
        present = np.isin(keys, self._base_ids, assume_unique=False)
        return present & ~np.isin(keys, self._tombstones)

    def __len__(self) -> int:
        return len(self.base) - int(self._tombstones.size) + len(self.delta)

    def __contains__(self, item: object) -> bool:
        if isinstance(item, bool) or not isinstance(item, int | np.integer):
            return False
        return item in self.delta or bool(self._in_base(np.array([item], dtype=np.int64))[0])

    def ids(self) -> np.ndarray:
        live_base = np.setdiff1d(self._base_ids, self._tombstones, assume_unique=True)
        return np.union1d(live_base, self.delta.ids()).astype(np.int64)

    def _split(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Masks of ``keys`` answered by the delta and by the base; KeyError when any is in neither."""
        in_delta = np.isin(keys, self.delta.ids()) if len(self.delta) else np.zeros(keys.size, dtype=bool)
        in_base = ~in_delta & self._in_base(keys)
        if not (in_delta | in_base).all():
            raise KeyError(f"ids not in the index: {keys[~(in_delta | in_base)][:5].tolist()}")
        return in_delta, in_base

    def reconstruct(self, ids: np.ndarray) -> np.ndarray:
        keys = as_id_array(ids)
        out = np.zeros((keys.size, self.dim), dtype=np.float32)
        in_delta, in_base = self._split(keys)
        if in_delta.any():
            out[in_delta] = self.delta.reconstruct(keys[in_delta])
        if in_base.any():
            out[in_base] = self.base.reconstruct(keys[in_base])
        return out

    def inner_products(self, query: np.ndarray, ids: np.ndarray) -> np.ndarray:
        keys = as_id_array(ids)
        out = np.zeros(keys.size, dtype=np.float32)
        in_delta, in_base = self._split(keys)
        if in_delta.any():
            out[in_delta] = self.delta.inner_products(query, keys[in_delta])
        if in_base.any():
            out[in_base] = self.base.inner_products(query, keys[in_base])
        return out

    # ----- updates (the base stays untouched) -----
    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add or replace vectors: they go to the delta, and a replaced base id is tombstoned."""
        keys = as_id_array(ids)
        self.delta.add(keys, vectors)  # validates shapes, duplicates and negative ids first
        self._tombstone(keys)

    def remove(self, ids: np.ndarray) -> int:
        """Remove ids from the delta and tombstone them in the base; returns how many were live."""
        keys = np.unique(as_id_array(ids))
        live_in_base = self._in_base(keys)
        in_delta = np.array([int(key) in self.delta for key in keys], dtype=bool)
        self.delta.remove(keys[in_delta])
        self._tombstone(keys[live_in_base])
        return int((live_in_base | in_delta).sum())

    def _tombstone(self, keys: np.ndarray) -> None:
        hidden = keys[np.isin(keys, self._base_ids)]
        if hidden.size:
            self._tombstones = np.union1d(self._tombstones, hidden).astype(np.int64)

    # ----- search -----
    def search(
        self, queries: np.ndarray, k: int, *, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` over base and delta merged; see :meth:`VectorIndex.search`."""
        matrix = check_queries(queries, k, self.dim)
        n = matrix.shape[0]
        if not self.changed:
            return self.base.search(matrix, k, allowed=allowed)
        parts: list[tuple[np.ndarray, np.ndarray]] = []
        if len(self.base):
            if allowed is not None:
                # filter the tombstones out of the allowed set: no over-fetch needed
                keys = np.setdiff1d(as_id_array(allowed, "allowed"), self._tombstones)
                if keys.size:
                    parts.append(self.base.search(matrix, k, allowed=keys))
            else:
                depth = min(k + int(self._tombstones.size), len(self.base))
                scores, found = self.base.search(matrix, depth, allowed=None)
                dead = np.isin(found, self._tombstones)
                parts.append((np.where(dead, -np.inf, scores), np.where(dead, -1, found)))
        if len(self.delta):
            parts.append(self.delta.search(matrix, k, allowed=allowed))
        if not parts:
            return empty_result(n, k)
        return _merge(parts, k)

    # ----- persistence -----
    def write_files(self, directory: Path, checksum: str = "") -> IndexManifest:
        """Write one merged, ordinary index (a save compacts the delta and the tombstones)."""
        return self.merged().write_files(directory, checksum)

    def merged(self) -> VectorIndex:
        """A writable plain index holding exactly the live vectors (base changes applied)."""
        if self.files is not None and self.files.is_dir():
            # the base's own files, read writable: applying the changes keeps an HNSW graph as it is
            merged = read_index(self.files, self.encoder_id, expected_dim=self.dim, mmap=False)
            if self._tombstones.size:
                merged.remove(self._tombstones)
            delta_ids = self.delta.ids()
            if delta_ids.size:
                merged.add(delta_ids, self.delta.reconstruct(delta_ids))
            return merged
        # files unknown (or an old version already cleaned up): rebuild from the stored vectors
        params: dict[str, Any] = getattr(self.base, "params", dict)()
        merged = create_index(self.kind, dim=self.dim, encoder_id=self.encoder_id, **params)
        ids = self.ids()
        for start in range(0, ids.size, _BLOCK):
            block = ids[start : start + _BLOCK]
            merged.add(block, self.reconstruct(block))
        return merged

    @classmethod
    def read_files(
        cls,
        directory: Path,
        expected_encoder_id: str | None = None,
        *,
        expected_dim: int | None = None,
        mmap: bool = True,
    ) -> Self:
        """Map (``mmap``, the default) or read the index files of any backend as the base of a layer."""
        base = read_index(Path(directory), expected_encoder_id, expected_dim=expected_dim, mmap=mmap)
        return cls(base, files=Path(directory))

    def __repr__(self) -> str:
        return (
            f"LayeredIndex(base={self.base!r}, delta={len(self.delta)}, "
            f"tombstones={int(self._tombstones.size)})"
        )


def _merge(parts: list[tuple[np.ndarray, np.ndarray]], k: int) -> tuple[np.ndarray, np.ndarray]:
    """Best ``k`` per row of several ``(scores, ids)`` results (padding ``-inf`` / ``-1``)."""
    scores = np.concatenate([p[0] for p in parts], axis=1)
    ids = np.concatenate([p[1] for p in parts], axis=1)
    scores = np.where(ids >= 0, scores, -np.inf).astype(np.float32)
    order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    top_scores = np.take_along_axis(scores, order, axis=1)
    top_ids = np.where(np.isneginf(top_scores), -1, np.take_along_axis(ids, order, axis=1))
    if top_scores.shape[1] < k:
        out_scores, out_ids = empty_result(scores.shape[0], k)
        out_scores[:, : top_scores.shape[1]] = top_scores
        out_ids[:, : top_ids.shape[1]] = top_ids
        return out_scores, out_ids
    return top_scores, top_ids.astype(np.int64)
