"""Index maintenance for the `Matcher`: full and incremental builds, write-through indexing, saving.

Each build records in the collection's manifest the store state it indexed (`Store.change_stamp`:
highest pk and latest ``row_updated_at``, read before the rows). Freshness checks
(`IndexingMixin.index_freshness`) and incremental builds (`matcher.retrieval.changes.catch_up`) then
read only the rows added or updated since (an indexed search, no per-row work for unchanged rows) and
compare their content hashes with the indexed ones; a row count that does not add up (a deletion, or a
PostgreSQL insert committed out of pk order) makes them compare every hash. Builds re-read the last
minute before the stamp, so a writer that took its timestamp early and committed late is caught too.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field

from embeddings.cache.store import EmbeddingCache
from embeddings.encoders.base import Encoder
from embeddings.encoders.parallel import DEFAULT_MIN_PARALLEL, ParallelEncoder
from embeddings.index.factory import set_search_threads
from matcher.config import Settings
from matcher.retrieval.changes import catch_up
from matcher.retrieval.collection import Collection, CollectionKind, RefreshReport, refresh_collection
from matcher.retrieval.profiles import Analyzer
from matcher.store import ChangeStamp, Store

INDEXED_KINDS: tuple[CollectionKind, ...] = ("experts", "demands")


@dataclass
class BuildReport:
    """Counts of a full or incremental index build."""

    experts: RefreshReport = field(default_factory=RefreshReport)
    demands: RefreshReport = field(default_factory=RefreshReport)
    cache_hits: int = 0
    cache_misses: int = 0


@dataclass(frozen=True)
class CollectionFreshness:
    """How one collection compares with the store."""

    kind: CollectionKind
    stored: int
    indexed: int
    not_indexed: int = 0  # stored, not in the index
    changed: int = 0  # in both, but changed since it was indexed
    deleted: int = 0  # in the index, no longer stored

    @property
    def behind(self) -> int:
        """Records whose index entry is missing, outdated or left over."""
        return self.not_indexed + self.changed + self.deleted

    def describe(self) -> list[str]:
        """Readable parts such as ``"12 experts not yet indexed"`` (empty when up to date)."""
        parts = (
            (self.not_indexed, "not yet indexed"),
            (self.changed, "changed since indexed"),
            (self.deleted, "deleted but still indexed"),
        )
        noun = self.kind.removesuffix("s")
        return [f"{count} {noun if count == 1 else self.kind} {what}" for count, what in parts if count]


@dataclass(frozen=True)
class IndexFreshness:
    """Freshness of both collections."""

    experts: CollectionFreshness
    demands: CollectionFreshness

    @property
    def behind(self) -> bool:
        """True when either index misses, holds outdated or holds deleted records."""
        return bool(self.experts.behind or self.demands.behind)

    def notice(self) -> str | None:
        """One line telling what is behind and what to do, or None when up to date."""
        if not self.behind:
            return None
        parts = [*self.experts.describe(), *self.demands.describe()]
        return f"index is behind the database: {', '.join(parts)} — run haizhi build-index"


def compare_with_store(store: Store, collection: Collection) -> CollectionFreshness:
    """Count the records of ``collection`` that are missing, outdated or deleted in ``store``."""
    kind, corpus = collection.kind, collection.corpus
    if collection.store_stamp:
        stamp = ChangeStamp.from_json(collection.store_stamp)
        changed = store.freshness.changed_since(kind, stamp.max_pk, stamp.updated_at)
        stored, candidates = changed.stored, changed.content_hashes
        indexed_hashes = {
            i: corpus.get(pk).content_hash for i in candidates if (pk := corpus.pk_of(i)) is not None
        }
        # a row unchanged since the stamp was indexed by that build; only its deletion un-indexes it
        still_stored = stored - len(candidates) + len(indexed_hashes)
        if 0 <= still_stored <= len(corpus):
            return _freshness(
                kind, stored, len(corpus), candidates, indexed_hashes, len(corpus) - still_stored
            )
    everything = store.records.content_hashes(kind)  # no usable stamp: compare every record
    known = corpus.hashes()
    deleted = sum(1 for record_id in known if record_id not in everything)
    return _freshness(kind, len(everything), len(known), everything, known, deleted)


def _freshness(
    kind: CollectionKind,
    stored: int,
    indexed: int,
    store_hashes: dict[str, str],
    index_hashes: dict[str, str],
    deleted: int,
) -> CollectionFreshness:
    not_indexed = sum(1 for record_id in store_hashes if record_id not in index_hashes)
    changed = sum(1 for record_id, h in store_hashes.items() if index_hashes.get(record_id, h) != h)
    return CollectionFreshness(kind, stored, indexed, not_indexed, changed, deleted)


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
            directory = self.settings.index_dir / kind
            mmap = self.settings.index_mmap
            self._collections[kind] = Collection.load(kind, directory, self.encoder.id, mmap=mmap)
        return self._collections[kind]

    def loaded_version(self, kind: CollectionKind) -> str | None:
        """The saved version the loaded ``kind`` collection came from (None: not loaded, or built here)."""
        loaded = self._collections.get(kind)
        return None if loaded is None else loaded.version

    def install_collection(self, kind: CollectionKind, collection: Collection, *, unsaved: bool) -> None:
        """Swap in another collection of ``kind`` (hold the app's write lock); ``unsaved``: it holds
        changes not in its saved version (`matcher.retrieval.follow`)."""
        self._collections[kind] = collection
        if unsaved:
            self._unsaved.add(kind)
        else:
            self._unsaved.discard(kind)

    def unsaved_kinds(self) -> list[CollectionKind]:
        """Collections holding changes that no saved version has yet."""
        return [kind for kind in INDEXED_KINDS if kind in self._unsaved]

    def save_collection(self, kind: CollectionKind) -> None:
        """Save the loaded ``kind`` collection as a new version now."""
        self._collections[kind].save(self.settings.index_dir / kind)
        self._unsaved.discard(kind)

    def build_index(
        self,
        *,
        full: bool = False,
        show_progress: bool = False,
        bulk_encoder: AbstractContextManager[Encoder] | None = None,
    ) -> BuildReport:
        """Index experts and demands; incremental unless ``full`` (re-embeds only changed records).

        New vectors are checkpointed into the embedding cache while they are embedded, so a build that
        is killed loses at most one checkpoint's worth of work: the next build embeds only the rest.
        ``bulk_encoder`` embeds the cache misses instead of `_bulk_encoder` (e.g. on a cluster); the
        cache, the dedupe and the index writes stay here either way.
        """
        report = BuildReport()
        hits, misses = self.cache.hits, self.cache.misses
        try:
            with bulk_encoder or self._bulk_encoder() as encoder:
                for kind in INDEXED_KINDS:
                    setattr(report, kind, self._refresh(kind, encoder, full, show_progress))
        finally:
            self.cache.save()  # also after an error or Ctrl-C: whatever was embedded is kept
        report.cache_hits, report.cache_misses = self.cache.hits - hits, self.cache.misses - misses
        return report

    def _refresh(
        self, kind: CollectionKind, encoder: Encoder, full: bool, show_progress: bool
    ) -> RefreshReport:
        collection = None if full else self._try_load(kind)
        if collection is not None and collection.analyzer_fingerprint != self.analyzer.fingerprint:
            collection = None  # glossary or catalogue changed: re-analyse all (vectors are cached)
        if collection is None:
            collection = Collection.empty(kind, self.encoder, self._index_kind(kind))
            collection.analyzer_fingerprint = self.analyzer.fingerprint
            full = True
        # read before the rows: a write after this point then counts as changed
        stamp = self.store.freshness.change_stamp(kind).to_json()
        if full:
            rows = self.store.records.rows(kind)
            refresh = refresh_collection(
                collection, rows, self.analyzer, encoder, cache=self.cache, show_progress=show_progress
            )
        else:  # only the rows changed since the collection's own stamp are read
            refresh = catch_up(
                collection, self.store, self.analyzer, encoder, cache=self.cache, show_progress=show_progress
            )
        self._collections[kind] = collection
        if full or refresh.changed or kind in self._unsaved or not collection.store_stamp:
            collection.store_stamp = stamp
            collection.save(self.settings.index_dir / kind)
            self._unsaved.discard(kind)
        return refresh

    def _bulk_encoder(self) -> AbstractContextManager[Encoder]:
        """The encoder for index builds: spread over ``embed_workers`` processes when configured."""
        if self.settings.embed_workers <= 1:
            return nullcontext(self.encoder)
        return ParallelEncoder(
            self.encoder,
            self.settings.encoder,
            self.settings.embed_workers,
            # workers start once this many texts wait to be embedded (a small refresh stays in-process)
            min_parallel=min(DEFAULT_MIN_PARALLEL, self.cache.block_size),
            encoder_kwargs={"threads": self.settings.encoder_threads},
        )

    def _try_load(self, kind: CollectionKind) -> Collection | None:
        try:
            return self.collection(kind)
        except FileNotFoundError:
            return None

    def _index_kind(self, kind: CollectionKind) -> str:
        return self.settings.index_kind if kind == "experts" else "flat"

    def index_freshness(self) -> IndexFreshness:
        """How far the experts and demands indexes are behind the store (cheap: see the module doc)."""
        return IndexFreshness(*(self._collection_freshness(kind) for kind in INDEXED_KINDS))

    def _collection_freshness(self, kind: CollectionKind) -> CollectionFreshness:
        collection = self._try_load(kind)
        if collection is None:
            stored = self.store.records.count(kind)
            return CollectionFreshness(kind, stored, 0, not_indexed=stored)
        return compare_with_store(self.store, collection)

    def index_records(
        self, kind: CollectionKind, ids: Sequence[str], *, save: bool = True, analyzer: Analyzer | None = None
    ) -> None:
        """Index (or re-index) stored records right after a write, so they are matchable at once.

        ``analyzer`` may answer records analysed beforehand (`matcher.retrieval.prepared`).
        """
        collection = self.collection(kind)
        rows = self.store.records.rows(kind, ids)
        collection.upsert(rows, analyzer or self.analyzer, self.encoder, cache=self.cache)
        stored = {record.id for _, record in rows}
        missing = [i for i in ids if i not in stored]
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

    def reindex_vectors(self, index_kind: str, *, show_progress: bool = False) -> bool:
        """Rebuild the expert vector indexes as ``index_kind`` from their stored vectors, and save.

        Changing the index kind this way re-embeds and re-analyses nothing. Index building uses every
        core, then searches return to ``search_threads``. Returns False when already of that kind.
        """
        collection = self.collection("experts")
        set_search_threads(max(len(os.sched_getaffinity(0)), 1))
        try:
            changed = collection.reindex(index_kind, show_progress=show_progress)
        finally:
            set_search_threads(self.settings.search_threads)
        if changed:
            collection.save(self.settings.index_dir / "experts")
        return changed
