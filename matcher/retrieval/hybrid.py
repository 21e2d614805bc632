"""Hybrid candidate retrieval: dense FAISS top-N ∪ BM25 top-N under hard filters, fused language-aware.

Both retrievers search the *filtered* collection independently; BM25 never pre-filters the dense search
(that would drop every cross-lingual match, which BM25 cannot see). Dense candidates come from the
whole-profile index and from the item index (each publication on its own). An expert is a set of texts:
its dense score mixes the whole-profile cosine with the decayed sum of its item cosines, and its fused
lexical score mixes profile BM25 with the decayed sum of per-item BM25 (`matcher.retrieval.item_scores`). BM25
only reads the need's own language, so other-language candidates get an imputed lexical value
(`matcher.retrieval.fusion`) instead of a zero that would bury them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Literal

import numpy as np

from embeddings.index.base import VectorIndex
from embeddings.lexical.base import LexicalIndex
from matcher.retrieval import fusion as fuse
from matcher.retrieval.corpus import Corpus
from matcher.retrieval.item_scores import (
    CandidateItems,
    ItemScores,
    dense_item_scores,
    lexical_item_scores,
    search_item_owners,
)

RetrievalMode = Literal["hybrid", "dense", "lexical"]
RETRIEVAL_MODES: tuple[str, ...] = ("hybrid", "dense", "lexical")


@dataclass
class Candidates:
    """Candidate experts (or demands) for one query, with the retrieval signals of each.

    Attributes:
        pks: candidate keys, best fused first.
        dense: the dense score (profile cosine mixed with the decayed item cosines).
        dense_profile: cosine with the whole-profile vector.
        item_max: the best item (publication) cosine; the profile cosine where there are no items.
        item_decayed: the decayed sum of the best item cosines (`matcher.retrieval.item_scores`); likewise.
        lexical: raw profile BM25 score.
        lexical_norm: profile BM25 over the best visible one; imputed for other-language candidates.
        works_lexical: decayed per-item BM25 over the best visible one; imputed likewise.
        fused: the fusion score that ordered the candidates.
        best_item: position of the best-matching item of each candidate (-1 when none).
    """

    pks: np.ndarray
    dense: np.ndarray
    dense_profile: np.ndarray
    item_max: np.ndarray
    item_decayed: np.ndarray
    lexical: np.ndarray
    lexical_norm: np.ndarray
    works_lexical: np.ndarray
    fused: np.ndarray
    best_item: np.ndarray

    def __len__(self) -> int:
        return len(self.pks)

    def take(self, order: np.ndarray) -> Candidates:
        """Candidates reordered/subset by positional indices."""
        return Candidates(*(getattr(self, f.name)[order] for f in fields(self)))

    @classmethod
    def empty(cls) -> Candidates:
        """No candidates."""
        arrays = {
            f.name: np.zeros(0, dtype=np.int64 if f.name in ("pks", "best_item") else np.float32)
            for f in fields(cls)
        }
        return cls(**arrays)


@dataclass(frozen=True, kw_only=True)
class HybridRetriever:
    """Retrieves and fuses candidates from the dense, item and lexical indexes.

    A plain frozen settings object, not a scikit-learn estimator: it learns nothing from data (there is
    no ``fit``) and works on indexes and a corpus rather than a feature matrix. Settings are checked at
    construction; `dataclasses.replace` gives a checked copy with other settings.

    Args:
        mode: ``hybrid`` (both), ``dense`` or ``lexical`` only — the single modes are baselines
            (``lexical`` is plain profile BM25, the keyword search a station would otherwise use).
        fusion: ``zscore`` (standardised dense + standardised lexical, the default chosen on the public
            suite), ``rrf`` (reciprocal rank fusion) or ``weighted`` (min-max dense + lexical).
        rrf_k: the RRF constant; larger flattens the rank curve.
        dense_candidates: how many dense neighbours to fetch (profiles, and again experts by items).
        lexical_candidates: how many BM25 hits to fetch.
        dense_weight: weight of the dense signal in fusion.
        lexical_weight: weight of the lexical signal in fusion.
        language_aware: treat other-language candidates as unseen by BM25 and impute their lexical
            value from dense (recommended); False normalises BM25 over all candidates alike.
        item_weight: share of the decayed item cosine in the dense score (0: profile vector only).
        item_decay: decay of the further items' cosine excess in the dense sum (0: best item only).
        lexical_item_weight: share of the decayed per-item BM25 in the fused lexical signal.
        lexical_item_decay: decay of the per-item BM25 sum.
        item_fanout: item neighbours fetched per dense candidate wanted (several items per expert).

    Raises:
        ValueError: on an unknown ``mode`` or ``fusion``, naming the allowed values.
    """

    mode: RetrievalMode = "hybrid"
    fusion: fuse.FusionMethod = "zscore"
    rrf_k: int = 60
    dense_candidates: int = 200
    lexical_candidates: int = 200
    dense_weight: float = 1.0
    lexical_weight: float = 1.0
    language_aware: bool = True
    item_weight: float = 1.0
    item_decay: float = 0.7
    lexical_item_weight: float = 1.0
    lexical_item_decay: float = 0.85
    item_fanout: int = 3

    def __post_init__(self) -> None:
        """Refuse unknown settings, at construction and on every `dataclasses.replace`."""
        if self.mode not in RETRIEVAL_MODES:
            raise ValueError(
                f"unknown retrieval mode {self.mode!r} (use one of {', '.join(RETRIEVAL_MODES)})"
            )
        fuse.check_method(self.fusion)

    def retrieve(
        self,
        query_vector: np.ndarray,
        query_terms: Mapping[str, float],
        *,
        dense_index: VectorIndex,
        lexical_index: LexicalIndex,
        corpus: Corpus,
        allowed: np.ndarray | None = None,
        limit: int = 100,
        dense_result: tuple[np.ndarray, np.ndarray] | None = None,
        items: VectorIndex | None = None,
        item_lexical: LexicalIndex | None = None,
        query_language: str = "",
    ) -> Candidates:
        """Candidates for one query, best fused first, at most ``limit``.

        ``dense_result`` (scores, ids) of this query from a batched `dense_search` skips the profile
        search; ``items`` and ``item_lexical`` are the item indexes (None: whole profiles only);
        ``query_language`` is the need's language (``zh``, ``zh-tw``, ``en``, ``bi``) that decides which
        profiles BM25 can read.
        """
        dense_found = np.zeros(0, dtype=np.int64)
        if self.mode in ("hybrid", "dense") and len(dense_index):
            _, ids = dense_result or self.dense_search(dense_index, query_vector, allowed=allowed)
            dense_found = ids.reshape(-1)[ids.reshape(-1) >= 0]
            if items is not None and len(items) and self.item_weight > 0:
                depth = self.dense_candidates * self.item_fanout
                owners = search_item_owners(query_vector, items, corpus, depth, allowed=allowed)
                dense_found = np.concatenate([dense_found, owners])
        dense_found = np.unique(dense_found)
        hit_scores, hit_ids = np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
        dense_bm25 = np.zeros(len(dense_found), dtype=np.float32)
        if query_terms and len(lexical_index):
            if self.mode in ("hybrid", "lexical"):
                # over-fetch so profiles in every language survive the cut
                depth = self.lexical_candidates * (3 if self.language_aware else 1)
                hit_scores, hit_ids, dense_bm25 = lexical_index.search_scoring(
                    query_terms, depth, dense_found, allowed=allowed
                )
            elif len(dense_found):
                dense_bm25 = lexical_index.score(query_terms, dense_found)
        pks = np.union1d(dense_found, hit_ids)
        if len(pks) == 0:
            return Candidates.empty()
        owned = CandidateItems.of(pks, corpus)
        profile, cosines = self._dense_parts(pks, query_vector, dense_index, items, owned)
        item_max = _or(cosines.max, profile)
        item_decayed = _or(cosines.decayed, profile)
        dense = ((1.0 - self.item_weight) * profile + self.item_weight * item_decayed).astype(np.float32)
        lexical = np.zeros(len(pks), dtype=np.float32)  # pks is sorted and holds both id sets
        lexical[np.searchsorted(pks, dense_found)] = dense_bm25
        lexical[np.searchsorted(pks, hit_ids)] = hit_scores
        works = self._lexical_items(query_terms, owned, item_lexical, lexical)
        blind = self._blind(pks, corpus, query_language)
        lexical_norm = fuse.impute_blind(dense, fuse.normalise_visible(lexical, blind), blind, lexical)
        works_lexical = fuse.impute_blind(dense, fuse.normalise_visible(works, blind), blind, works)
        signal = (1.0 - self.lexical_item_weight) * lexical_norm + self.lexical_item_weight * works_lexical
        dense_ranks = fuse.ranks_by(dense, np.isin(pks, dense_found, assume_unique=True))
        dense_ranks[dense_ranks > self.dense_candidates] = 0
        lexical_ranks = fuse.ranks_by(signal, (lexical > 0) | blind, tiebreak=dense)
        fused = self._fuse(dense, lexical, signal, dense_ranks, lexical_ranks)
        order = np.argsort(-fused, kind="stable")[:limit]
        return Candidates(
            pks,
            dense,
            profile,
            item_max,
            item_decayed,
            lexical,
            lexical_norm,
            works_lexical,
            fused.astype(np.float32),
            cosines.best,
        ).take(order)

    def dense_search(
        self, dense_index: VectorIndex, query_vectors: np.ndarray, *, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Dense top-N for one or many queries at once (rows of scores and ids)."""
        queries = np.ascontiguousarray(query_vectors.reshape(-1, dense_index.dim), dtype=np.float32)
        return dense_index.search(queries, min(self.dense_candidates, len(dense_index)), allowed=allowed)

    def _dense_parts(
        self,
        pks: np.ndarray,
        query_vector: np.ndarray,
        index: VectorIndex,
        items: VectorIndex | None,
        owned: CandidateItems,
    ) -> tuple[np.ndarray, ItemScores]:
        """Exact whole-profile cosine of every candidate and its aggregated item cosines."""
        query = query_vector.reshape(-1).astype(np.float32)
        profile = index.inner_products(query, pks) if len(index) else np.zeros(len(pks), dtype=np.float32)
        if items is None or len(items) == 0:
            return profile.astype(np.float32), ItemScores.none(len(pks))
        return profile.astype(np.float32), dense_item_scores(query, owned, items, decay=self.item_decay)

    def _lexical_items(
        self,
        query_terms: Mapping[str, float],
        owned: CandidateItems,
        item_lexical: LexicalIndex | None,
        profile_bm25: np.ndarray,
    ) -> np.ndarray:
        """Decayed per-item BM25 of each candidate (profile BM25 where there is no item index)."""
        if not query_terms or item_lexical is None or len(item_lexical) == 0:
            return profile_bm25
        scored = lexical_item_scores(query_terms, owned, item_lexical, decay=self.lexical_item_decay)
        return _or(scored.decayed, profile_bm25)

    def _blind(self, pks: np.ndarray, corpus: Corpus, query_language: str) -> np.ndarray:
        """Candidates the need's BM25 cannot read (none when fusion is not language-aware)."""
        if not self.language_aware:
            return np.zeros(len(pks), dtype=bool)
        return fuse.blind_mask_coded(query_language, *corpus.language_codes(pks))

    def _fuse(
        self,
        dense: np.ndarray,
        lexical: np.ndarray,
        signal: np.ndarray,
        dense_ranks: np.ndarray,
        lexical_ranks: np.ndarray,
    ) -> np.ndarray:
        if self.mode == "dense":
            return dense.astype(np.float64)
        if self.mode == "lexical":
            return lexical.astype(np.float64)  # plain BM25: the single-retriever baseline
        if self.fusion == "rrf":
            return fuse.rrf(
                [dense_ranks, lexical_ranks], [self.dense_weight, self.lexical_weight], self.rrf_k
            )
        if self.fusion == "zscore":
            return self.dense_weight * fuse.zscore(dense) + self.lexical_weight * fuse.zscore(signal)
        if self.fusion == "weighted":
            return self.dense_weight * fuse.minmax(dense) + self.lexical_weight * signal
        raise fuse.unknown_method(self.fusion)  # refused at construction already; never a silent default


def _or(values: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """``values`` with NaN (no item) replaced by ``fallback``, as float32."""
    return np.where(np.isnan(values), fallback, values).astype(np.float32)
