"""Index maintenance for the `Matcher`: full and incremental builds, write-through indexing, saving."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from embeddings.cache import EmbeddingCache
from embeddings.encoders.base import Encoder
from embeddings.encoders.parallel import ParallelEncoder
from matcher.config import Settings
from matcher.indexes import Collection, CollectionKind, RefreshReport, refresh_collection
from matcher.profiles import Analyzer
from matcher.store import Store


@dataclass
class BuildReport:
    """Counts of a full or incremental index build."""

    experts: RefreshReport = field(default_factory=RefreshReport)
    demands: RefreshReport = field(default_factory=RefreshReport)
    cache_hits: int = 0
    cache_misses: int = 0


class IndexingMixin:
    """Builds, updates and persists the expert and demand collections (mixed into `Matcher`)."""

    settings: Settings
    store: Store
    cache: EmbeddingCache
    _collections: dict[str, Collection]
    _unsaved: set[str]

    @property
    def encoder(self) -> Encoder:  # provided by Matcher
        raise NotImplementedError

    @property
    def analyzer(self) -> Analyzer:  # provided by Matcher
        raise NotImplementedError

    def collection(self, kind: CollectionKind) -> Collection:
        """The loaded collection, loading it from disk on first use."""
        if kind not in self._collections:
            self._collections[kind] = Collection.load(kind, self.settings.index_dir / kind, self.encoder.id)
        return self._collections[kind]

    def build_index(self, *, full: bool = False, show_progress: bool = False) -> BuildReport:
        """Index experts and demands; incremental unless ``full`` (re-embeds only changed records)."""
        report = BuildReport()
        hits, misses = self.cache.hits, self.cache.misses
        for kind in ("experts", "demands"):
            collection = None if full else self._try_load(kind)
            if collection is not None and collection.analyzer_fingerprint != self.analyzer.fingerprint:
                collection = None  # glossary or catalogue changed: re-analyse all (vectors are cached)
                full = True
            if collection is None:
                collection = Collection.empty(kind, self.encoder, self._index_kind(kind))
                collection.analyzer_fingerprint = self.analyzer.fingerprint
            rows = self.store.rows(kind)
            refresh = refresh_collection(
                collection,
                rows,
                self.analyzer,
                self._bulk_encoder(),
                cache=self.cache,
                show_progress=show_progress,
            )
            setattr(report, kind, refresh)
            self._collections[kind] = collection
            if full or refresh.changed or kind in self._unsaved:
                collection.save(self.settings.index_dir / kind)
                self._unsaved.discard(kind)
        self.cache.save()
        report.cache_hits, report.cache_misses = self.cache.hits - hits, self.cache.misses - misses
        return report

    def _bulk_encoder(self) -> Encoder:
        """The encoder for index builds: spread over ``embed_workers`` processes when configured."""
        if self.settings.embed_workers <= 1:
            return self.encoder
        return ParallelEncoder(
            self.encoder,
            self.settings.encoder,
            self.settings.embed_workers,
            encoder_kwargs={"threads": self.settings.encoder_threads},
        )

    def _try_load(self, kind: CollectionKind) -> Collection | None:
        try:
            return self.collection(kind)
        except FileNotFoundError:
            return None

    def _index_kind(self, kind: CollectionKind) -> str:
        return self.settings.index_kind if kind == "experts" else "flat"

    def index_records(self, kind: CollectionKind, ids: Sequence[str], *, save: bool = True) -> None:
        """Index (or re-index) stored records right after a write, so they are matchable at once."""
        collection = self.collection(kind)
        pks = self.store.pk_of(kind, list(ids))
        records = self.store.get_many(kind, list(pks))
        rows = [(pks[r.id], r) for r in records]
        collection.upsert(rows, self.analyzer, self.encoder, cache=self.cache)
        missing = [i for i in ids if i not in pks]
        collection.remove(missing)
        if save:
            collection.save(self.settings.index_dir / kind)
            self._unsaved.discard(kind)
        else:
            self._unsaved.add(kind)

    def save_indexes(self) -> None:
        """Persist collections changed by unsaved `index_records` calls.

        A server indexes each write in memory and saves on shutdown; after a crash, the incremental
        `build_index` at the next start catches up from the store (only changed records re-embed).
        """
        for kind in sorted(self._unsaved):
            self._collections[kind].save(self.settings.index_dir / kind)
        self._unsaved.clear()
