"""Records analysed and embedded before their write, so the write lock covers only the quick part.

Analysing and embedding is the slow part of indexing a write (a 20,000-character need: ~0.5 s; every
field at its limit: seconds). `PreparingMixin.prepare_index` does it first, with readers still served;
`index_prepared`, under the app's write lock, indexes what the store then holds from those analyses and
the cached vectors, analysing afresh only a record that differs from its prepared version.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from embeddings.cache.store import EmbeddingCache
from embeddings.encoders.base import Encoder
from matcher.domain.records import Demand, Expert, Record, record_hash
from matcher.retrieval.collection import CollectionKind
from matcher.retrieval.profiles import Analysis, Analyzer


@dataclass(frozen=True)
class PreparedIndex:
    """Records analysed and embedded ahead of their write (`PreparingMixin.prepare_index`)."""

    kind: CollectionKind
    analyses: Mapping[str, Analysis]  # by record content hash (`record_hash`)


class PreparedAnalyzer(Analyzer):
    """An analyser that answers records analysed beforehand from their analyses (by content hash)."""

    def __init__(self, analyzer: Analyzer, analyses: Mapping[str, Analysis]) -> None:
        # shares the analyser's parts: building a new one would load another jieba dictionary
        self.glossary, self.catalogue = analyzer.glossary, analyzer.catalogue
        self.max_tags, self.tokenizer = analyzer.max_tags, analyzer.tokenizer
        self._prepared = dict(analyses)

    def analyze_expert(self, expert: Expert) -> Analysis:
        """The prepared analysis of ``expert``, or a new one if it was not prepared."""
        return self._prepared.get(record_hash(expert)) or super().analyze_expert(expert)

    def analyze_demand(self, demand: Demand) -> Analysis:
        """The prepared analysis of ``demand``, or a new one if it was not prepared."""
        return self._prepared.get(record_hash(demand)) or super().analyze_demand(demand)


class PreparingMixin:
    """`Matcher` methods that take the analysis and embedding of a write out of the write lock."""

    cache: EmbeddingCache

    if TYPE_CHECKING:  # provided by Matcher and IndexingMixin in the assembled class

        @property
        def encoder(self) -> Encoder: ...

        @property
        def analyzer(self) -> Analyzer: ...

        def index_records(
            self,
            kind: CollectionKind,
            ids: Sequence[str],
            *,
            save: bool = True,
            analyzer: Analyzer | None = None,
        ) -> None: ...

    def prepare_index(self, kind: CollectionKind, records: Sequence[Record]) -> PreparedIndex:
        """Analyse and embed records about to be written (no lock needed: the cache is thread-safe)."""
        analyses = {record_hash(r): self._analyze(r) for r in records}
        texts = [text for analysis in analyses.values() for text in (analysis.text, *analysis.items)]
        # the collections embed experts as documents and demands as queries
        self.cache.encode(self.encoder, texts, kind="document" if kind == "experts" else "query")
        return PreparedIndex(kind, analyses)

    def index_prepared(self, prepared: PreparedIndex, ids: Sequence[str], *, save: bool = True) -> None:
        """`index_records` for prepared records: the stored versions are indexed from their analyses."""
        analyzer = PreparedAnalyzer(self.analyzer, prepared.analyses)
        self.index_records(prepared.kind, ids, save=save, analyzer=analyzer)

    def _analyze(self, record: Record) -> Analysis:
        if isinstance(record, Expert):
            return self.analyzer.analyze_expert(record)
        if isinstance(record, Demand):
            return self.analyzer.analyze_demand(record)
        raise TypeError(f"cannot index {type(record).__name__}: only experts and demands are indexed")
