"""BM25 postings (column-compressed tf-saturation weights) and a term-at-a-time search over them.

`Postings.accumulate` adds ``factor · weight`` of every posting of the query's columns into one
score per document. Each column goes through scipy's compiled sparse mat-vec kernel on that column's
slice, so no temporary array as long as the postings is made: at a million profiles a need's ~50
terms hold ~1.7M postings, summed in 5.1 ms this way against 25.5 ms with numpy's gather, add and
scatter (docs/benchmarks.md). `Postings.contenders` then picks the rows that can be in the top
``depth`` without sorting a million scores.

Reading only the best-weighted heads of long lists (impact-ordered pruning) was measured at 1M and
dropped: with ~50 terms per need, a head long enough to keep the exact top 10 costs more than
reading every posting.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

# compiled kernels behind scipy.sparse's own mat-vec (stable since scipy 0.x); the tests compare
# `accumulate` with a plain numpy sum, so a change of signature fails them, not a query
from scipy.sparse import _sparsetools

__all__ = ["ROW_ENTRY_COST", "Postings"]

# time of one entry of a document's row in `Okapi.row_scores` over one posting summed here (18.3
# against 2.3 ns at 1M profiles): a filter allowing fewer rows than postings / (row length · this)
# is scored from its rows instead
ROW_ENTRY_COST = 8.0


@dataclass(frozen=True)
class Postings:
    """Column-compressed BM25 weights: for each term, the documents holding it and their weights.

    Attributes:
        indptr: int64 start of each column's postings (length = columns + 1).
        rows: matrix row of each posting (ascending within a column).
        weights: float32 tf-saturation weight of each posting.
        n_rows: rows of the matrix (documents).
    """

    indptr: np.ndarray
    rows: np.ndarray
    weights: np.ndarray
    n_rows: int

    @classmethod
    def from_matrix(cls, matrix: sp.csc_matrix) -> Postings:
        """The postings of a column-compressed float32 matrix (shared, not copied)."""
        weights = np.asarray(matrix.data, dtype=np.float32)
        return cls(np.asarray(matrix.indptr, dtype=np.int64), matrix.indices, weights, int(matrix.shape[0]))

    def lengths(self, columns: np.ndarray) -> np.ndarray:
        """Postings per column of ``columns``."""
        return self.indptr[columns + 1] - self.indptr[columns]

    def accumulate(self, columns: np.ndarray, factors: np.ndarray) -> np.ndarray:
        """float32 per row: the sum of ``factor · weight`` over the postings of ``columns``."""
        scores = np.zeros(self.n_rows, dtype=np.float32)
        pointer = np.zeros(2, dtype=self.rows.dtype)
        factor = np.zeros(1, dtype=np.float32)
        for column, value in zip(columns.tolist(), factors.tolist(), strict=True):
            start, stop = int(self.indptr[column]), int(self.indptr[column + 1])
            pointer[1], factor[0] = stop - start, value
            # one column of length stop - start: scores[rows] += value * weights, in one C loop
            _sparsetools.csc_matvec(
                self.n_rows, 1, pointer, self.rows[start:stop], self.weights[start:stop], factor, scores
            )
        return scores

    def contenders(
        self, scores: np.ndarray, columns: np.ndarray, depth: int, allowed: np.ndarray | None = None
    ) -> np.ndarray:
        """Rows (allowed by the boolean ``allowed``) whose positive score reaches the ``depth``-th best.

        The floor is the ``depth``-th best score of a sample: the first postings of each query column,
        more of them under a filter that allows fewer rows. The sample's ``depth``-th best is at most
        the overall one, so no row of the top ``depth`` is lost, and the floor is high enough that only
        a few times ``depth`` rows pass instead of every document with a matching term.
        """
        floor = float(np.finfo(np.float32).tiny)  # no usable sample: every positive row
        if columns.size:
            share = 1.0 if allowed is None else max(int(np.count_nonzero(allowed)), 1) / allowed.size
            per_column = max(8, int(4 * depth / share) // columns.size)
            starts = self.indptr[columns]
            stops = np.minimum(self.indptr[columns + 1], starts + per_column)
            sample = np.unique(np.concatenate([self.rows[a:b] for a, b in zip(starts, stops, strict=True)]))
            if allowed is not None:
                sample = sample[allowed[sample]]
            values = scores[sample]
            if values.size >= depth:
                floor = max(floor, float(np.partition(values, values.size - depth)[values.size - depth]))
        hit = scores >= floor
        if allowed is not None:
            hit &= allowed
        return np.flatnonzero(hit)
