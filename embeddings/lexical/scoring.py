"""BM25 arithmetic shared by the index's two ways of scoring: query resolution, per-row scores, top k.

A query becomes matrix columns with weight·idf factors (`query_columns`). Documents are then scored
either term-at-a-time over postings (`embeddings.lexical.postings`) or document-at-a-time from their own
term-frequency rows (`row_scores`): for explanations, for dense candidates and for narrow filters.
Both use the same float32 weights.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from embeddings.lexical.base import Query

__all__ = ["Okapi", "QueryColumns", "query_columns", "top_rows"]


@dataclass(frozen=True)
class QueryColumns:
    """The query terms present in the index: matrix columns, weight·idf factors, terms (query order)."""

    columns: np.ndarray
    factors: np.ndarray
    terms: list[str]


def query_columns(
    query: Query, vocabulary: Mapping[str, int], document_frequency: np.ndarray, documents: int
) -> QueryColumns:
    """Resolve ``query`` against the vocabulary; idf in Lucene's form (`BM25Index.idf`)."""
    if isinstance(query, str):
        raise TypeError("query must be a term → weight mapping or a sequence of terms, not a str")
    weights: dict[str, float] = {}
    if isinstance(query, Mapping):
        weights = {str(term): float(weight) for term, weight in query.items()}
    else:
        for term in query:  # a repeated term counts once per occurrence
            weights[term] = weights.get(term, 0.0) + 1.0
    columns, term_weights, terms = [], [], []
    for term, weight in weights.items():
        column = vocabulary.get(term)
        if column is not None and weight != 0.0:
            columns.append(column)
            term_weights.append(weight)
            terms.append(term)
    column_array = np.array(columns, dtype=np.int64)
    frequency = document_frequency[column_array].astype(np.float64)
    present = frequency > 0
    # vectorised `idf`: this runs for every query and every explanation
    idf = np.log1p((documents - frequency + 0.5) / (frequency + 0.5))
    factors = (np.array(term_weights, dtype=np.float64) * idf)[present].astype(np.float32)
    kept_terms = [term for term, keep in zip(terms, present.tolist(), strict=True) if keep]
    return QueryColumns(column_array[present], factors, kept_terms)


@dataclass(frozen=True)
class Okapi:
    """The tf-saturation part of BM25 for one state of the index (k1, b and the average length)."""

    k1: float
    b: float
    average_length: float

    def weights(self, frequency: np.ndarray, length: np.ndarray) -> np.ndarray:
        """float32 ``tf·(k1+1) / (tf + k1·(1 − b + b·|d|/avgdl))``: the weights the postings hold."""
        norm = self.k1 * (1.0 - self.b + self.b * length / self.average_length)
        return (frequency * (self.k1 + 1.0) / (frequency + norm)).astype(np.float32)

    def row_scores(
        self, tf: sp.csr_matrix, lengths: np.ndarray, rows: np.ndarray, query: QueryColumns
    ) -> np.ndarray:
        """BM25 of the documents at ``rows`` of the term-frequency matrix ``tf`` (float32)."""
        starts = tf.indptr[rows]
        counts = tf.indptr[rows + 1] - starts
        first = np.cumsum(counts) - counts
        gathered = np.arange(int(counts.sum()), dtype=np.int64) - np.repeat(first - starts, counts)
        owner = np.repeat(np.arange(rows.size), counts)
        query_factor = np.zeros(tf.shape[1], dtype=np.float32)  # per call: queries run in parallel
        query_factor[query.columns] = query.factors
        term_factors = query_factor[tf.indices[gathered]]
        hit = np.flatnonzero(term_factors)
        owner, term_factors = owner[hit], term_factors[hit]
        weights = self.weights(tf.data[gathered[hit]], lengths[rows[owner]]) * term_factors
        return np.bincount(owner, weights=weights, minlength=rows.size).astype(np.float32)


def top_rows(rows: np.ndarray, scores: np.ndarray, k: int) -> np.ndarray:
    """The ``rows`` whose ``scores`` reach the ``k``-th best (ties at the cut kept, so the cut is stable)."""
    if rows.size <= k:
        return rows
    kth_best = scores[np.argpartition(-scores, k - 1)[k - 1]]
    return rows[scores >= kth_best]
