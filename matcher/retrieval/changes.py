"""Which stored records a collection is missing, holds outdated, or holds after their deletion.

Both the incremental index build (`matcher.retrieval.maintenance`) and a server's store follower
(`matcher.retrieval.follow`) ask this. With the change stamp of the store state the collection last
caught up with, only the rows added or updated since are read (an indexed search, no per-row work for
the unchanged million); a count check then tells whether anything was deleted, and only then are all
content hashes compared.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from embeddings.cache.store import EmbeddingCache
from embeddings.encoders.base import Encoder
from matcher.retrieval.collection import Collection, RefreshReport
from matcher.retrieval.profiles import Analyzer
from matcher.store import ChangeStamp, Store

CLOCK_OVERLAP = timedelta(seconds=60)
"""Rows updated this long before the stamp are read again: a writer whose timestamp was taken before
another's but committed after the stamp was read is caught, at the cost of re-comparing a few hashes."""


@dataclass(frozen=True)
class StaleRecords:
    """What a collection must change to match the store.

    Attributes:
        stale: ids stored but not indexed, or indexed with another content hash.
        deleted: ids indexed but no longer stored.
        stored: number of stored records.
    """

    stale: list[str]
    deleted: list[str]
    stored: int


def stale_records(store: Store, collection: Collection, since: ChangeStamp | None) -> StaleRecords:
    """The records ``collection`` is behind on, reading only changes after ``since`` when it can.

    Args:
        store: the database.
        collection: the indexed collection (its kind names the table).
        since: the store state the collection is known to include (None: compare every hash).
    """
    kind, corpus = collection.kind, collection.corpus
    if since is not None:
        after = since.updated_at - CLOCK_OVERLAP if since.updated_at else None
        changed = store.freshness.changed_since(kind, since.max_pk, after)
        stale = [i for i, h in changed.content_hashes.items() if indexed_hash(collection, i) != h]
        known = sum(1 for i in changed.content_hashes if corpus.pk_of(i) is not None)
        # every row unchanged since the stamp is indexed; fewer indexed rows than that means
        # something was deleted (or missed): then compare everything
        if changed.stored - len(changed.content_hashes) + known == len(corpus):
            return StaleRecords(stale, [], changed.stored)
    everything = store.records.content_hashes(kind)
    stale = [i for i, h in everything.items() if indexed_hash(collection, i) != h]
    deleted = [i for i in corpus.hashes() if i not in everything]
    return StaleRecords(stale, deleted, len(everything))


def indexed_hash(collection: Collection, record_id: str) -> str | None:
    """The content hash ``collection`` indexed for ``record_id`` (None when not indexed)."""
    pk = collection.corpus.pk_of(record_id)
    return None if pk is None else collection.corpus.get(pk).content_hash


def catch_up(
    collection: Collection,
    store: Store,
    analyzer: Analyzer,
    encoder: Encoder,
    *,
    cache: EmbeddingCache | None = None,
    show_progress: bool = False,
) -> RefreshReport:
    """Index what ``collection`` is behind on (`stale_records` from its own stamp), drop the deleted.

    Reads only the rows to (re-)index, so a nightly that added 10k demands does not re-read and
    re-hash a million unchanged experts.
    """
    found = stale_records(store, collection, saved_stamp(collection))
    rows = store.records.rows(collection.kind, found.stale)
    added = sum(1 for _, record in rows if collection.corpus.pk_of(record.id) is None)
    report = RefreshReport(
        added=added,
        updated=len(rows) - added,
        removed=len(found.deleted),
        unchanged=found.stored - len(rows),
    )
    collection.remove(found.deleted)
    collection.upsert(rows, analyzer, encoder, cache=cache, show_progress=show_progress)
    return report


def saved_stamp(collection: Collection) -> ChangeStamp | None:
    """The store state the collection's last build indexed (None when unknown or unreadable)."""
    if not collection.store_stamp:
        return None
    try:
        return ChangeStamp.from_json(collection.store_stamp)
    except (KeyError, TypeError, ValueError):
        return None  # a damaged manifest entry: compare every hash instead
