"""An expert is a set of texts: affinities aggregated over the expert's items.

Each item (the profile block and each publication) has its own vector in the item index and its own
row in the item BM25 index. Per-item scores of a candidate are aggregated the way reviewer-matching
and document-centric expert finding aggregate per-paper affinities:

- ``max``: the best single item (the 最相关成果 an explanation cites);
- ``decayed``: the best item plus a geometrically decayed sum of how far each further item rises above
  a floor, ``s1 + d·(s2 − f)⁺ + d²·(s3 − f)⁺ + …`` over at most `MAX_AGGREGATED` items. Several items on
  the need's topic count as more evidence than one, an expert with one text keeps exactly that text's
  score, and off-topic work (at or below the floor) adds nothing. Dense scores use the median cosine of
  the candidates' items as the floor; BM25 uses 0, since an item without the need's words scores 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from embeddings.index.base import VectorIndex
from embeddings.lexical.base import LexicalIndex, Query
from matcher.retrieval.corpus import Corpus, item_ids, item_owner

MAX_AGGREGATED = 10  # items of one expert that enter the decayed sum


@dataclass
class ItemScores:
    """Aggregated item scores of some experts (NaN where an expert has no items).

    Attributes:
        max: the best item score of each expert.
        decayed: each expert's best item score plus the decayed excess of its further items.
        best: position of each expert's best-scoring item (-1 where none).
    """

    max: np.ndarray
    decayed: np.ndarray
    best: np.ndarray

    @classmethod
    def none(cls, n: int) -> ItemScores:
        """Scores of ``n`` experts without items."""
        return cls(np.full(n, np.nan, np.float32), np.full(n, np.nan, np.float32), np.full(n, -1))


def aggregate_items(
    scores: np.ndarray, counts: np.ndarray, *, decay: float, floor: float = 0.0
) -> ItemScores:
    """Aggregate per-item scores, laid out expert by expert (``counts`` items each, in item order).

    Args:
        scores: score of each item, the experts' items one expert after another.
        counts: number of items of each expert.
        decay: factor applied per rank to the further items (0: the best item only).
        floor: what a further item must exceed to add anything.
    """
    n = len(counts)
    result = ItemScores.none(n)
    if n == 0 or int(counts.sum()) == 0:
        return result
    counts = np.asarray(counts, dtype=np.int64)
    owner = np.repeat(np.arange(n), counts)
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    position = np.arange(len(scores)) - starts
    order = np.lexsort((position, -scores, owner))  # per expert: best first, ties by item position
    ranked, owners = scores[order].astype(np.float64), owner[order]
    rank = np.arange(len(order)) - starts
    firsts = order[rank == 0]
    has = counts > 0
    result.max[has] = scores[firsts]
    result.best[has] = position[firsts]
    further = (rank > 0) & (rank < MAX_AGGREGATED)
    excess = np.maximum(ranked[further] - floor, 0.0) * decay ** rank[further].astype(np.float64)
    extra = np.zeros(n, dtype=np.float64)
    np.add.at(extra, owners[further], excess)
    result.decayed[has] = result.max[has] + extra[has]
    return result


@dataclass(frozen=True)
class CandidateItems:
    """The items of some candidate experts, looked up once per query for both dense and BM25 scoring.

    Attributes:
        counts: number of items of each candidate.
        ids: the item ids, candidate by candidate (`matcher.retrieval.corpus.item_ids`).
    """

    counts: np.ndarray
    ids: np.ndarray

    @classmethod
    def of(cls, pks: np.ndarray, corpus: Corpus) -> CandidateItems:
        """The items of ``pks`` (in that order)."""
        counts = corpus.item_counts(pks)
        return cls(counts, item_ids(pks, counts))


def dense_item_scores(
    query_vector: np.ndarray, candidates: CandidateItems, items: VectorIndex, *, decay: float
) -> ItemScores:
    """Exact aggregated item cosines of the candidates to one query vector.

    The floor of the decayed sum is the median cosine of all these items: the typical similarity of
    a candidate's text to this need, which a further item must beat to count as more evidence.
    """
    if candidates.ids.size == 0:
        return ItemScores.none(len(candidates.counts))
    cosines = items.inner_products(query_vector.reshape(-1).astype(np.float32), candidates.ids)
    return aggregate_items(cosines, candidates.counts, decay=decay, floor=float(np.median(cosines)))


def lexical_item_scores(
    query_terms: Query, candidates: CandidateItems, items: LexicalIndex, *, decay: float
) -> ItemScores:
    """Aggregated per-item BM25 scores of the candidates (document-centric expert finding)."""
    if candidates.ids.size == 0:
        return ItemScores.none(len(candidates.counts))
    return aggregate_items(items.score(query_terms, candidates.ids), candidates.counts, decay=decay)


def search_item_owners(
    query_vector: np.ndarray,
    items: VectorIndex,
    corpus: Corpus,
    depth: int,
    *,
    allowed: np.ndarray | None = None,
) -> np.ndarray:
    """Experts owning the ``depth`` items nearest to the query (filtered), best item first."""
    if len(items) == 0:
        return np.zeros(0, dtype=np.int64)
    allowed_items = corpus.allowed_item_ids(allowed)
    if allowed_items is not None and allowed_items.size == 0:
        return np.zeros(0, dtype=np.int64)
    query = np.ascontiguousarray(query_vector.reshape(1, -1), dtype=np.float32)
    _, ids = items.search(query, min(depth, len(items)), allowed=allowed_items)
    owners = item_owner(ids[0][ids[0] >= 0])
    _, first = np.unique(owners, return_index=True)
    return owners[np.sort(first)]
