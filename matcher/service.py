"""The `Matcher` facade: one object the CLI, API, batch and notebooks use for matching.

Flow: text → analyse (normalise, tokenise, glossary, catalogue) → encode → hybrid retrieval under hard
filters → pair features → ranker → explanation.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from threadpoolctl import threadpool_limits

from embeddings.cache.store import EmbeddingCache
from embeddings.encoders import create_encoder
from embeddings.encoders.base import Encoder
from embeddings.index.factory import set_search_threads
from matcher.batch import BatchMixin
from matcher.catalogue.tagging import load_catalogue
from matcher.config import Settings
from matcher.domain.records import Demand, Expert
from matcher.ranking.explain import Explainer, Explanation
from matcher.ranking.features import FEATURE_NAMES, PairFeatureBuilder
from matcher.ranking.rankers import Ranker, serving_ranker
from matcher.retrieval.collection import Collection
from matcher.retrieval.corpus import CorpusEntry, Filters
from matcher.retrieval.hybrid import Candidates, HybridRetriever, RetrievalMode
from matcher.retrieval.maintenance import IndexingMixin
from matcher.retrieval.prepared import PreparingMixin
from matcher.retrieval.profiles import Analysis, Analyzer, expert_block, expert_items
from matcher.store import Store


@dataclass
class Recommendation:
    """One recommended expert (or demand, for expert → demand search)."""

    id: str
    rank: int
    score: float
    features: dict[str, float]
    explanation: Explanation | None = None
    record: Expert | Demand | None = None


class Matcher(BatchMixin, IndexingMixin, PreparingMixin):
    """Recommend experts for needs, and demands for experts.

    Args:
        settings: data locations and matching configuration.
        store: an open store (created from the settings when omitted).
        encoder: the text encoder (created from ``settings.encoder`` when omitted).
        ranker: a fitted ranker (from ``settings.ranker_params`` or the defaults when omitted).
        analyzer: text analyser (bundled glossary and catalogue when omitted).
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        store: Store | None = None,
        encoder: Encoder | None = None,
        ranker: Ranker | None = None,
        analyzer: Analyzer | None = None,
    ) -> None:
        self.settings = settings or Settings()
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.store = store or Store(self.settings.resolved_database_url)
        self.store.create_schema()
        self._encoder = encoder
        self._analyzer = analyzer
        self.ranker: Ranker = serving_ranker(ranker, self.settings.ranker_params)
        self.features = PairFeatureBuilder()
        self.retriever = HybridRetriever(
            fusion=self.settings.fusion,
            rrf_k=self.settings.rrf_k,
            dense_weight=self.settings.dense_weight,
            lexical_weight=self.settings.lexical_weight,
            dense_candidates=self.settings.dense_candidates,
            lexical_candidates=self.settings.lexical_candidates,
            item_weight=self.settings.item_weight,
            item_decay=self.settings.item_decay,
            lexical_item_weight=self.settings.lexical_item_weight,
            lexical_item_decay=self.settings.lexical_item_decay,
        )
        self.cache = EmbeddingCache(self.settings.cache_dir)
        # single queries are fastest on one BLAS/OpenMP thread; batch work sets its own. The BLAS
        # limit matters most: exact re-scoring of ~1000 candidates on two contended BLAS threads
        # cost several times the single-threaded mat-vec.
        set_search_threads(self.settings.search_threads)
        threadpool_limits(limits=self.settings.search_threads, user_api="blas")
        self._collections: dict[str, Collection] = {}
        self._loads: tuple[float, dict[str, int]] = (-1e18, {})
        self._unsaved: set[str] = set()

    def after_fork(self) -> None:
        """Call first in a process forked from this matcher's: own database connections, one thread.

        The child shares the loaded indexes with its parent (copy-on-write); it must not share their
        connections, and its searches run single-threaded beside its siblings (an OpenMP pool
        inherited through fork is unusable).
        """
        self.store.after_fork()
        set_search_threads(1)
        threadpool_limits(limits=1)

    @property
    def encoder(self) -> Encoder:
        """The encoder, created on first use (model weights load lazily)."""
        if self._encoder is None:
            self._encoder = create_encoder(self.settings.encoder, threads=self.settings.encoder_threads)
        return self._encoder

    @property
    def analyzer(self) -> Analyzer:
        """The text analyser, created on first use."""
        if self._analyzer is None:
            # the data directory's edited guidance catalogue wins over the bundled one
            self._analyzer = Analyzer(catalogue=load_catalogue(self.settings.data_dir))
        return self._analyzer

    @cached_property
    def explainer(self) -> Explainer:
        """Explanation builder sharing the analyser's glossary and catalogue."""
        return Explainer(self.analyzer.glossary, self.analyzer.catalogue)

    # ---- indexes -------------------------------------------------------------------------------
    # ---- recommendation ------------------------------------------------------------------------
    def recommend(
        self,
        text: str | None = None,
        *,
        demand_id: str | None = None,
        k: int = 10,
        filters: Filters | None = None,
        explain: bool = True,
        mode: RetrievalMode = "hybrid",
        rank: bool = True,
    ) -> list[Recommendation]:
        """Top-``k`` experts for a free-text need or a stored demand.

        Args:
            text: a need in Chinese or English (traditional Chinese is fine).
            demand_id: a stored demand to match instead of ``text``.
            k: number of experts.
            filters: hard filters (industry, field, country, region, cooperation mode, language …).
            explain: attach explanations and expert records.
            mode: ``hybrid`` (default), or ``dense`` / ``lexical`` baselines.
            rank: apply the ranker; when False the fused retrieval order is returned.

        Raises:
            ValueError: when neither or both of ``text`` and ``demand_id`` are given, or the demand
                is unknown.
        """
        analysis = self._query_analysis(text, demand_id)
        vector = self.encoder.encode_queries([analysis.text])[0]
        return self.recommend_analysis(
            analysis, vector, k=k, filters=filters, explain=explain, mode=mode, rank=rank
        )

    def _query_analysis(self, text: str | None, demand_id: str | None) -> Analysis:
        if (text is None) == (demand_id is None):
            raise ValueError("give either a need text or a demand id")
        if demand_id is not None:
            demand = self.store.records.get("demands", demand_id)
            if not isinstance(demand, Demand):
                raise ValueError(f"unknown demand {demand_id!r}")
            return self.analyzer.analyze_demand(demand)
        assert text is not None
        if not text.strip():
            raise ValueError("the need text is empty")
        return self.analyzer.analyze_text(text)

    def recommend_analysis(
        self,
        analysis: Analysis,
        vector: np.ndarray,
        *,
        k: int = 10,
        filters: Filters | None = None,
        explain: bool = True,
        mode: RetrievalMode = "hybrid",
        rank: bool = True,
        dense_result: tuple[np.ndarray, np.ndarray] | None = None,
        allowed: np.ndarray | None = None,
    ) -> list[Recommendation]:
        """Recommend for an already analysed and encoded query (batch and evaluation paths).

        ``dense_result`` and ``allowed`` come from a batched search over the same filters.
        """
        experts = self.collection("experts")
        if dense_result is None:
            allowed = experts.corpus.allowed_pks(filters or Filters())
        retriever = self.retriever if mode == "hybrid" else _with_mode(self.retriever, mode)
        return self._match(experts, analysis, vector, retriever, allowed, k, explain, rank, dense_result)

    def _match(
        self,
        collection: Collection,
        analysis: Analysis,
        vector: np.ndarray,
        retriever: HybridRetriever,
        allowed: np.ndarray | None,
        k: int,
        explain: bool,
        rank: bool,
        dense_result: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> list[Recommendation]:
        """Retrieve, score and (optionally) explain the top ``k`` of one collection for one query."""
        query_terms = self.analyzer.query_weights(analysis)
        candidates = retriever.retrieve(
            vector,
            query_terms,
            dense_index=collection.dense,
            lexical_index=collection.lexical,
            corpus=collection.corpus,
            allowed=allowed,
            limit=max(self.settings.rerank_depth, k),
            dense_result=dense_result,
            items=collection.items,
            item_lexical=collection.item_lexical,
            query_language=analysis.language,
        )
        if len(candidates) == 0:
            return []
        loads = self._engagement_loads() if collection.kind == "experts" else {}
        features = self.features.build(analysis, candidates, collection.corpus, loads)
        scores = self.ranker.predict(features) if rank else candidates.fused
        order = np.argsort(-scores, kind="stable")[:k]
        entries = [collection.corpus.get(int(candidates.pks[i])) for i in order]
        explanations: list[Explanation | None] = [None] * len(entries)
        records: dict[str, Expert | Demand] = {}
        if explain:
            found = self.store.records.get_many(collection.kind, [e.id for e in entries])
            records = {r.id: r for r in found if isinstance(r, Expert | Demand)}
            explanations = self._explain(
                collection, analysis, query_terms, candidates, features, order, entries, records
            )
        return [
            Recommendation(
                id=entry.id,
                rank=position,
                score=round(float(scores[i]), 6),
                features={n: float(v) for n, v in zip(FEATURE_NAMES, features[i], strict=True)},
                explanation=explanation,
                record=records.get(entry.id),
            )
            for position, (i, entry, explanation) in enumerate(
                zip(order, entries, explanations, strict=True), start=1
            )
        ]

    def _explain(
        self,
        collection: Collection,
        analysis: Analysis,
        query_terms: Mapping[str, float],
        candidates: Candidates,
        features: np.ndarray,
        order: np.ndarray,
        entries: Sequence[CorpusEntry],
        records: Mapping[str, Expert | Demand],
    ) -> list[Explanation | None]:
        """Explanations of the returned candidates only (``order``), with their best work when known."""
        contributions = self.ranker.contributions(features[order])
        matched_words = collection.lexical.matched_terms_many(
            query_terms, [int(candidates.pks[i]) for i in order]
        )
        return [
            self.explainer.explain(
                analysis,
                entry,
                features[i],
                contributions[n],
                matched_words[n],
                best_work=_item_text(records.get(entry.id), int(candidates.best_item[i])),
            )
            for n, (i, entry) in enumerate(zip(order, entries, strict=True))
        ]

    def _engagement_loads(self) -> dict[str, int]:
        """Open engagements per expert, re-read at most every ``load_cache_seconds`` (a soft feature)."""
        read_at, loads = self._loads
        if time.monotonic() - read_at > self.settings.load_cache_seconds:
            loads = self.store.matches.open_engagements()
            self._loads = (time.monotonic(), loads)
        return loads

    def demands_for_expert(
        self, expert_id: str, *, k: int = 10, only_open: bool = True, explain: bool = True
    ) -> list[Recommendation]:
        """Demands an expert could solve, for outreach (expert → demands)."""
        expert = self.store.records.get("experts", expert_id)
        if not isinstance(expert, Expert):
            raise ValueError(f"unknown expert {expert_id!r}")
        analysis = self.analyzer.analyze_expert(expert)
        vector = self.cache.encode(self.encoder, [analysis.text], kind="document")[0]
        demands = self.collection("demands")
        allowed = demands.corpus.allowed_pks(Filters(active_only=only_open))
        return self._match(demands, analysis, vector, self.retriever, allowed, k, explain, True)


def _item_text(record: object, position: int) -> str | None:
    """The publication at item ``position`` of an expert (None for the profile block or no item)."""
    if not isinstance(record, Expert) or position < 0 or (position == 0 and expert_block(record)):
        return None
    items = expert_items(record)
    return items[position] if position < len(items) else None


def _with_mode(retriever: HybridRetriever, mode: RetrievalMode) -> HybridRetriever:
    return dataclasses.replace(retriever, mode=mode)
