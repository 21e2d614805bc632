"""Batch matching in two steps: prepare the whole batch at once, then rank any part of it.

`BatchMixin.prepare_batch` analyses every demand, embeds their texts in one encoder call and runs one
batched dense search; `match_prepared` ranks and explains any subset of the prepared batch. The split
lets an engine prepare in one process and rank shards elsewhere (`pipelines.distributed.forked`),
with the lists `recommend_many` returns, since each demand's list depends only on its own inputs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from embeddings.cache.store import EmbeddingCache
from embeddings.encoders.base import Encoder
from matcher.domain.records import Demand
from matcher.retrieval.collection import Collection, CollectionKind
from matcher.retrieval.corpus import Filters
from matcher.retrieval.hybrid import HybridRetriever
from matcher.retrieval.profiles import Analysis, Analyzer

if TYPE_CHECKING:
    from matcher.service import Recommendation


@dataclass(frozen=True)
class PreparedBatch:
    """Demands analysed, embedded and dense-searched together (`BatchMixin.prepare_batch`).

    Attributes:
        analyses: one per demand, in input order.
        vectors: float32 query vectors, one row per demand.
        dense_scores: the batched dense search's scores, one row per demand.
        dense_ids: the matching expert positions of that search.
        allowed: expert ids the filters allow (None: every expert).
        filters: the hard filters the batch was prepared with.
    """

    analyses: list[Analysis]
    vectors: np.ndarray
    dense_scores: np.ndarray
    dense_ids: np.ndarray
    allowed: np.ndarray | None
    filters: Filters | None

    def __len__(self) -> int:
        return len(self.analyses)


class BatchMixin:
    """`Matcher` methods for matching many demands at once."""

    cache: EmbeddingCache
    retriever: HybridRetriever

    if TYPE_CHECKING:  # provided by Matcher in the assembled class

        @property
        def encoder(self) -> Encoder: ...

        @property
        def analyzer(self) -> Analyzer: ...

        def collection(self, kind: CollectionKind) -> Collection: ...

        def recommend_analysis(
            self,
            analysis: Analysis,
            vector: np.ndarray,
            *,
            k: int = 10,
            filters: Filters | None = None,
            explain: bool = True,
            dense_result: tuple[np.ndarray, np.ndarray] | None = None,
            allowed: np.ndarray | None = None,
        ) -> list[Recommendation]: ...

    def recommend_many(
        self, demands: Sequence[Demand], *, k: int = 10, filters: Filters | None = None, explain: bool = True
    ) -> list[list[Recommendation]]:
        """Recommendations for many demands: one batched encode and one batched dense search."""
        batch = self.prepare_batch(demands, filters=filters)
        return self.match_prepared(batch, range(len(batch)), k=k, explain=explain)

    def prepare_batch(self, demands: Sequence[Demand], *, filters: Filters | None = None) -> PreparedBatch:
        """Analyse, embed (through the cache) and dense-search ``demands`` in one pass each."""
        analyses = [self.analyzer.analyze_demand(d) for d in demands]
        vectors = self.cache.encode(self.encoder, [a.text for a in analyses], kind="query")
        experts = self.collection("experts")
        allowed = experts.corpus.allowed_pks(filters or Filters())
        scores, ids = self.retriever.dense_search(experts.dense, vectors, allowed=allowed)
        return PreparedBatch(analyses, vectors, scores, ids, allowed, filters)

    def match_prepared(
        self, batch: PreparedBatch, positions: Iterable[int], *, k: int = 10, explain: bool = True
    ) -> list[list[Recommendation]]:
        """The ranked lists of the demands at ``positions`` of ``batch``, in that order."""
        return [
            self.recommend_analysis(
                batch.analyses[i],
                batch.vectors[i],
                k=k,
                filters=batch.filters,
                explain=explain,
                dense_result=(batch.dense_scores[i], batch.dense_ids[i]),
                allowed=batch.allowed,
            )
            for i in positions
        ]
