"""Hybrid candidate retrieval: dense FAISS top-N ∪ BM25 top-N under hard filters, fused language-aware.

Both retrievers search the *filtered* collection independently; BM25 never pre-filters the dense search
(that would drop every cross-lingual match, which BM25 cannot see). BM25 scores are only comparable
within one profile language — a Chinese need scores Chinese profiles on every shared word but English
profiles only on glossary concepts — so lexical ranks and normalised scores are computed per profile
language before fusion.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
from sklearn.base import BaseEstimator

from embeddings.index.base import VectorIndex
from embeddings.lexical import BM25Index
from matcher.corpus import Corpus

RetrievalMode = Literal["hybrid", "dense", "lexical"]


@dataclass
class Candidates:
    """Candidate experts (or demands) for one query, with the retrieval signals of each.

    Attributes:
        pks: candidate keys, best fused first.
        dense: cosine similarity between query and candidate.
        lexical: raw BM25 score.
        lexical_norm: BM25 divided by the best BM25 among candidates of the same profile language.
        fused: the fusion score that ordered the candidates.
    """

    pks: np.ndarray
    dense: np.ndarray
    lexical: np.ndarray
    lexical_norm: np.ndarray
    fused: np.ndarray

    def __len__(self) -> int:
        return len(self.pks)

    def take(self, order: np.ndarray) -> Candidates:
        """Candidates reordered/subset by positional indices."""
        return Candidates(
            self.pks[order],
            self.dense[order],
            self.lexical[order],
            self.lexical_norm[order],
            self.fused[order],
        )


class HybridRetriever(BaseEstimator):
    """Retrieves and fuses candidates from a dense and a lexical index.

    Args:
        mode: ``hybrid`` (both), ``dense`` or ``lexical`` only — the single modes are baselines.
        fusion: ``rrf`` (reciprocal rank fusion) or ``weighted`` (normalised score sum).
        rrf_k: the RRF constant; larger flattens the rank curve.
        dense_candidates: how many dense neighbours to fetch.
        lexical_candidates: how many BM25 hits to keep per profile language.
        dense_weight: weight of the dense list in fusion.
        lexical_weight: weight of the lexical list in fusion.
        language_aware: rank and normalise BM25 within each profile language (recommended).
    """

    def __init__(
        self,
        mode: RetrievalMode = "hybrid",
        fusion: Literal["rrf", "weighted"] = "rrf",
        rrf_k: int = 60,
        dense_candidates: int = 200,
        lexical_candidates: int = 200,
        dense_weight: float = 1.0,
        lexical_weight: float = 1.0,
        language_aware: bool = True,
    ) -> None:
        self.mode = mode
        self.fusion = fusion
        self.rrf_k = rrf_k
        self.dense_candidates = dense_candidates
        self.lexical_candidates = lexical_candidates
        self.dense_weight = dense_weight
        self.lexical_weight = lexical_weight
        self.language_aware = language_aware

    def retrieve(
        self,
        query_vector: np.ndarray,
        query_terms: Mapping[str, float],
        *,
        dense_index: VectorIndex,
        lexical_index: BM25Index,
        corpus: Corpus,
        allowed: np.ndarray | None = None,
        limit: int = 100,
        dense_result: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> Candidates:
        """Candidates for one query, best fused first, at most ``limit``.

        ``dense_result`` (scores, ids) of this query from a batched `dense_search` skips the dense search.
        """
        dense_hits: dict[int, float] = {}
        if self.mode in ("hybrid", "dense") and len(dense_index):
            scores, ids = dense_result or self.dense_search(dense_index, query_vector, allowed=allowed)
            scores, ids = scores.reshape(-1), ids.reshape(-1)
            dense_hits = {int(i): float(s) for i, s in zip(ids, scores, strict=True) if i >= 0}
        lexical_hits: dict[int, float] = {}
        if self.mode in ("hybrid", "lexical") and query_terms and len(lexical_index):
            # over-fetch so profiles in every language survive the cut before per-language ranking
            depth = self.lexical_candidates * (3 if self.language_aware else 1)
            scores, ids = lexical_index.search(query_terms, depth, allowed=allowed)
            lexical_hits = {int(i): float(s) for i, s in zip(ids, scores, strict=True)}
        pks = np.array(sorted(set(dense_hits) | set(lexical_hits)), dtype=np.int64)
        if len(pks) == 0:
            empty = np.zeros(0, dtype=np.float32)
            return Candidates(np.zeros(0, dtype=np.int64), empty, empty, empty, empty)
        dense = self._dense_scores(pks, dense_hits, query_vector, dense_index)
        lexical = np.array([lexical_hits.get(int(p), np.nan) for p in pks], dtype=np.float32)
        missing = np.isnan(lexical)
        if missing.any() and query_terms:
            lexical[missing] = lexical_index.score(query_terms, pks[missing])
        lexical = np.nan_to_num(lexical, nan=0.0)
        groups = self._language_groups(pks, corpus)
        lexical_norm = _normalise_by_group(lexical, groups)
        lexical_ranks = self._lexical_ranks(pks, lexical_hits, groups)
        dense_ranks = _ranks_of(pks, dense_hits)
        fused = self._fuse(dense, lexical, lexical_norm, dense_ranks, lexical_ranks)
        order = np.argsort(-fused, kind="stable")[:limit]
        return Candidates(pks, dense, lexical, lexical_norm, fused).take(order)

    def dense_search(
        self, dense_index: VectorIndex, query_vectors: np.ndarray, *, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Dense top-N for one or many queries at once (rows of scores and ids)."""
        queries = np.ascontiguousarray(query_vectors.reshape(-1, dense_index.dim), dtype=np.float32)
        return dense_index.search(queries, min(self.dense_candidates, len(dense_index)), allowed=allowed)

    def _dense_scores(
        self, pks: np.ndarray, hits: dict[int, float], query_vector: np.ndarray, index: VectorIndex
    ) -> np.ndarray:
        dense = np.array([hits.get(int(p), np.nan) for p in pks], dtype=np.float32)
        missing = np.isnan(dense)
        if missing.any() and len(index):
            vectors = index.reconstruct(pks[missing])
            dense[missing] = vectors @ query_vector.reshape(-1).astype(np.float32)
        return np.nan_to_num(dense, nan=0.0)

    def _language_groups(self, pks: np.ndarray, corpus: Corpus) -> np.ndarray:
        if not self.language_aware:
            return np.zeros(len(pks), dtype=object)
        return np.array([corpus.get(int(p)).language for p in pks], dtype=object)

    def _lexical_ranks(self, pks: np.ndarray, hits: dict[int, float], groups: np.ndarray) -> np.ndarray:
        """1-based rank of each candidate in the BM25 list of its own profile language (0 = absent)."""
        ranks = np.zeros(len(pks), dtype=np.int64)
        position = {int(p): i for i, p in enumerate(pks)}
        counters: dict[object, int] = {}
        for pk, _ in sorted(hits.items(), key=lambda item: -item[1]):
            i = position[pk]
            group = groups[i]
            counters[group] = counters.get(group, 0) + 1
            if counters[group] <= self.lexical_candidates:
                ranks[i] = counters[group]
        return ranks

    def _fuse(
        self,
        dense: np.ndarray,
        lexical: np.ndarray,
        lexical_norm: np.ndarray,
        dense_ranks: np.ndarray,
        lexical_ranks: np.ndarray,
    ) -> np.ndarray:
        if self.mode == "dense":
            return dense.astype(np.float64)
        if self.mode == "lexical":
            return lexical.astype(np.float64)  # plain BM25: the single-retriever baseline
        if self.fusion == "rrf":
            fused = np.zeros(len(dense), dtype=np.float64)
            has_dense = dense_ranks > 0
            fused[has_dense] += self.dense_weight / (self.rrf_k + dense_ranks[has_dense])
            has_lexical = lexical_ranks > 0
            fused[has_lexical] += self.lexical_weight / (self.rrf_k + lexical_ranks[has_lexical])
            return fused
        span = float(dense.max() - dense.min()) or 1.0
        dense_scaled = (dense - dense.min()) / span
        return self.dense_weight * dense_scaled + self.lexical_weight * lexical_norm


def _ranks_of(pks: np.ndarray, hits: dict[int, float]) -> np.ndarray:
    ranks = np.zeros(len(pks), dtype=np.int64)
    order = {pk: rank for rank, (pk, _) in enumerate(sorted(hits.items(), key=lambda i: -i[1]), start=1)}
    for i, pk in enumerate(pks):
        ranks[i] = order.get(int(pk), 0)
    return ranks


def _normalise_by_group(scores: np.ndarray, groups: np.ndarray) -> np.ndarray:
    normalised = np.zeros_like(scores, dtype=np.float32)
    for group in set(groups.tolist()):
        mask = groups == group
        top = float(scores[mask].max()) if mask.any() else 0.0
        if top > 0:
            normalised[mask] = scores[mask] / top
    return normalised
