"""Vectorised map between caller ids (int64) and internal positions (0..n-1) of an index.

Faiss indexes and the BM25 matrix address rows by position; callers use their own ids. The lookup
structure (a dense table when ids are small non-negative integers, as database keys are; otherwise
sorted arrays + binary search) is rebuilt lazily after changes, so a query maps thousands of ids with
one numpy call.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

T = TypeVar("T")

__all__ = ["AllowedMemo", "AllowedPositions", "PositionMap", "as_id_array", "frozen"]

_DENSE_SLACK = 65_536  # a dense table may be this much larger than 4x the number of ids


def as_id_array(ids: object, what: str = "ids") -> np.ndarray:
    """Convert to a 1-D int64 array, rejecting floats with fractions and other non-integers.

    Raises:
        ValueError: If the values are not integers or not 1-D.
    """
    array = np.asarray(ids)
    if array.ndim == 0:
        array = array.reshape(1)
    if array.ndim != 1:
        raise ValueError(f"{what} must be a 1-D array of integers, got shape {array.shape}")
    if array.size == 0:
        return np.zeros(0, dtype=np.int64)
    if array.dtype.kind not in "iu":
        if array.dtype.kind == "f" and np.all(np.mod(array, 1) == 0):
            return array.astype(np.int64)
        raise ValueError(f"{what} must be integers, got dtype {array.dtype}")
    return np.ascontiguousarray(array, dtype=np.int64)


def frozen(array: np.ndarray) -> np.ndarray:
    """Mark ``array`` read-only: a promise that it never changes, so its conversions may be memoised."""
    array.flags.writeable = False
    return array


class AllowedMemo:
    """The last conversion of a read-only ``allowed`` array (to positions, a bitmap …) for one map.

    The same hard filters repeat across queries (by default "active experts only", ~all of the pool),
    and converting a million allowed ids costs more than the search. Callers that reuse a filter pass
    the same read-only array (`frozen`); writable arrays are converted every time, as before.
    """

    def __init__(self) -> None:
        self._key: np.ndarray | None = None  # held, so its id cannot be reused by another array
        self._value: object = None

    def get(self, allowed: np.ndarray, convert: Callable[[np.ndarray], T]) -> T:
        """``convert(allowed)``, from the memo when ``allowed`` is the same read-only array as last time."""
        if isinstance(allowed, np.ndarray) and not allowed.flags.writeable:
            if self._key is allowed:
                return self._value  # type: ignore[return-value]  # stored by the same convert
            value = convert(allowed)
            self._key, self._value = allowed, value
            return value
        return convert(allowed)

    def clear(self) -> None:
        """Forget the memo (the index changed)."""
        self._key, self._value = None, None


@dataclass
class AllowedPositions:
    """An ``allowed`` filter converted for one map: the positions of its indexed ids, and their bitmap."""

    positions: np.ndarray
    capacity: int
    _mask: np.ndarray | None = None
    _bitmap: np.ndarray | None = None

    @property
    def mask(self) -> np.ndarray:
        """Boolean over all positions (True = allowed), built on first use; read-only."""
        if self._mask is None:
            mask = np.zeros(self.capacity, dtype=bool)
            mask[self.positions] = True
            mask.flags.writeable = False
            self._mask = mask
        return self._mask

    @property
    def bitmap(self) -> np.ndarray:
        """Little-endian bitmap over all positions (``faiss.IDSelectorBitmap``), built on first use."""
        if self._bitmap is None:
            self._bitmap = np.packbits(self.mask, bitorder="little")
        return self._bitmap


class PositionMap:
    """Positions → ids (``labels``, -1 for a free slot) and the inverse lookup."""

    def __init__(self, labels: np.ndarray | None = None) -> None:
        self.labels = np.zeros(0, dtype=np.int64) if labels is None else as_id_array(labels, "labels")
        self._table: np.ndarray | None = None
        self._sorted_ids: np.ndarray | None = None
        self._sorted_positions: np.ndarray | None = None
        self._live = -1
        self.memo = AllowedMemo()  # conversions of a reused filter; valid until the map changes

    def _invalidate(self) -> None:
        self.memo.clear()
        self._table = None
        self._sorted_ids = None
        self._sorted_positions = None
        self._live = -1

    def __len__(self) -> int:
        """Number of live (non-free) positions."""
        if self._live < 0:
            self._live = int(np.count_nonzero(self.labels >= 0))
        return self._live

    @property
    def capacity(self) -> int:
        """Number of positions including free ones."""
        return int(self.labels.size)

    def _build(self) -> None:
        live_positions = np.flatnonzero(self.labels >= 0)
        live_ids = self.labels[live_positions]
        if live_ids.size and int(live_ids.max()) < 4 * live_ids.size + _DENSE_SLACK:
            table = np.full(int(live_ids.max()) + 1, -1, dtype=np.int64)
            table[live_ids] = live_positions
            self._table = table
        else:
            order = np.argsort(live_ids, kind="stable")
            self._sorted_ids = live_ids[order]
            self._sorted_positions = live_positions[order]
            self._table = None

    def positions(self, ids: np.ndarray) -> np.ndarray:
        """Positions of ``ids`` (int64), -1 for ids not present."""
        if self._table is None and self._sorted_ids is None:
            self._build()
        ids = np.asarray(ids, dtype=np.int64)
        if self._table is not None:
            table = self._table
            inside = (ids >= 0) & (ids < table.size)
            out = np.full(ids.shape, -1, dtype=np.int64)
            out[inside] = table[ids[inside]]
            return out
        assert self._sorted_ids is not None and self._sorted_positions is not None
        sorted_ids = self._sorted_ids
        if sorted_ids.size == 0:
            return np.full(ids.shape, -1, dtype=np.int64)
        slots = np.searchsorted(sorted_ids, ids)
        slots[slots == sorted_ids.size] = 0
        found = sorted_ids[slots] == ids
        return np.where(found, self._sorted_positions[slots], -1)

    def known_positions(self, ids: np.ndarray) -> np.ndarray:
        """Positions of ``ids``, all of which must be present.

        Raises:
            KeyError: naming up to five ids that are not.
        """
        keys = as_id_array(ids)
        positions = self.positions(keys)
        if (positions < 0).any():
            raise KeyError(f"ids not in the index: {keys[positions < 0][:5].tolist()}")
        return positions

    def allowed(self, allowed: np.ndarray) -> AllowedPositions:
        """Positions of the indexed ids among ``allowed`` (memoised for a reused read-only array)."""
        return self.memo.get(allowed, self._allowed_positions)

    def _allowed_positions(self, allowed: np.ndarray) -> AllowedPositions:
        keys = as_id_array(allowed, "allowed")
        if keys.size > 1 and not (keys[1:] > keys[:-1]).all():
            keys = np.unique(keys)  # duplicates would be returned twice
        positions = self.positions(keys)
        return AllowedPositions(positions[positions >= 0], self.capacity)

    def ids_at(self, positions: np.ndarray) -> np.ndarray:
        """Ids at ``positions``; -1 stays -1 (faiss padding)."""
        positions = np.asarray(positions, dtype=np.int64)
        if self.labels.size == 0:
            return np.full(positions.shape, -1, dtype=np.int64)
        return np.where(positions >= 0, self.labels[np.maximum(positions, 0)], -1)

    def live_ids(self) -> np.ndarray:
        """All live ids, ascending."""
        return np.sort(self.labels[self.labels >= 0])

    def append(self, ids: np.ndarray) -> np.ndarray:
        """Give ``ids`` new positions at the end; returns them."""
        start = self.labels.size
        self.labels = np.concatenate([self.labels, np.asarray(ids, dtype=np.int64)])
        self._invalidate()
        return np.arange(start, self.labels.size, dtype=np.int64)

    def free(self, positions: np.ndarray) -> None:
        """Mark positions free (tombstones) without shifting others."""
        self.labels[np.asarray(positions, dtype=np.int64)] = -1
        self._invalidate()

    def delete(self, positions: np.ndarray) -> None:
        """Delete positions, shifting later ones down (mirrors compaction in the index)."""
        self.labels = np.delete(self.labels, np.asarray(positions, dtype=np.int64))
        self._invalidate()

    def live_bitmap(self, positions: np.ndarray | None = None) -> np.ndarray:
        """Little-endian bitmap over positions (for ``faiss.IDSelectorBitmap``).

        Args:
            positions: Positions to set; default all live ones.
        """
        mask = np.zeros(self.labels.size, dtype=bool)
        if positions is None:
            mask[self.labels >= 0] = True
        else:
            mask[positions] = True
        return np.packbits(mask, bitorder="little")
