"""Which values each corpus entry has (concepts, fields, modes …), as CSR arrays for vectorised features.

Pair features ask, for every candidate of a query, how many of the query's values an entry shares
(``|Q ∩ E|``). Answering that from per-entry Python sets costs a loop over candidates; here the values
of all entries sit in one CSR layout (``indptr`` over entry positions, ``indices`` into a value
vocabulary), so a query's candidates are answered with a gather, a table lookup and a ``bincount``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Incidence:
    """Distinct values of each entry, entry by entry in corpus position order.

    Attributes:
        indptr: ``indices[indptr[p]:indptr[p + 1]]`` are the value ids of the entry at position ``p``.
        indices: value ids (int32), each entry's values distinct.
        vocabulary: value → value id.
    """

    indptr: np.ndarray
    indices: np.ndarray
    vocabulary: dict[str, int]

    @classmethod
    def of(cls, values_per_entry: Sequence[Iterable[str]]) -> Incidence:
        """The incidence of the given value lists (one per entry, duplicates within a list dropped)."""
        vocabulary: dict[str, int] = {}
        indices: list[int] = []
        indptr = np.zeros(len(values_per_entry) + 1, dtype=np.int64)
        for position, values in enumerate(values_per_entry):
            for value in dict.fromkeys(values):
                indices.append(vocabulary.setdefault(value, len(vocabulary)))
            indptr[position + 1] = len(indices)
        return cls(indptr, np.array(indices, dtype=np.int32), vocabulary)

    def lengths(self, positions: np.ndarray) -> np.ndarray:
        """Number of distinct values of the entries at ``positions``."""
        positions = np.asarray(positions, dtype=np.int64)
        return (self.indptr[positions + 1] - self.indptr[positions]).astype(np.int64)

    def count_in(self, positions: np.ndarray, wanted: Iterable[str]) -> np.ndarray:
        """How many of the ``wanted`` values each entry at ``positions`` has (int64, one per position)."""
        positions = np.asarray(positions, dtype=np.int64)
        ids = [self.vocabulary[v] for v in set(wanted) if v in self.vocabulary]
        if not ids or positions.size == 0:
            return np.zeros(positions.size, dtype=np.int64)
        table = np.zeros(len(self.vocabulary), dtype=bool)
        table[ids] = True
        starts = self.indptr[positions]
        counts = self.indptr[positions + 1] - starts
        total = int(counts.sum())
        if total == 0:
            return np.zeros(positions.size, dtype=np.int64)
        first = np.cumsum(counts) - counts  # where each entry's values start in the gathered run
        gathered = np.arange(total, dtype=np.int64) - np.repeat(first - starts, counts)
        owner = np.repeat(np.arange(positions.size), counts)
        return np.bincount(owner[table[self.indices[gathered]]], minlength=positions.size).astype(np.int64)
