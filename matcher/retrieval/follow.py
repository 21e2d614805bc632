"""Keep a server process's memory-mapped collections in step with the database and the saved versions.

With many server processes (`haizhi serve --workers N`, PostgreSQL), each maps the same saved index
files and indexes its own API writes in memory (`embeddings.index.layered.LayeredIndex`). The
database is the one source of truth; a `StoreFollower` thread in each process makes the others' writes
searchable too. Every ``index_poll_seconds`` it reads, per collection:

- the ``CURRENT`` pointer of the saved collection: a newer version (saved by another process, the
  nightly job or ``haizhi build-index``) is loaded mapped, caught up with the store, and swapped in
  under the app's write lock, so a request sees either the old or the new collection, never a mix;
- the store's change stamp (highest pk, latest ``row_updated_at``) and row count (two indexed reads):
  when they moved, the rows changed since the last sync are compared by content hash, and those not
  yet indexed are analysed and embedded outside the lock, then indexed into the in-memory layer.

So a write made anywhere is searchable everywhere within one poll interval plus the time to embed it.
One process, the holder of an exclusive file lock (``<index_dir>/saver.lock``), also saves a new
version (compacting every layer) at most every ``save_every`` seconds while it holds unsaved changes,
and on shutdown; the others only follow the pointer, so versions have one writer at a time.
"""

from __future__ import annotations

import fcntl
import logging
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Protocol

from matcher.retrieval.changes import stale_records
from matcher.retrieval.collection import Collection, CollectionKind
from matcher.retrieval.prepared import PreparedAnalyzer
from matcher.store import ChangeStamp

if TYPE_CHECKING:
    from matcher.service import Matcher

__all__ = ["FollowReport", "ReadWriteGuard", "StoreFollower", "exclusive_lock"]

log = logging.getLogger("haizhi.follow")
KINDS: tuple[CollectionKind, ...] = ("experts", "demands")
SAVER_LOCK = "saver.lock"


class ReadWriteGuard(Protocol):
    """The app's lock: shared for searches, exclusive for index changes (`api.state.ReadWriteLock`)."""

    def read(self) -> AbstractContextManager[None]:
        """Hold the lock shared."""
        ...

    def write(self) -> AbstractContextManager[None]:
        """Hold the lock exclusively."""
        ...


class _NoGuard:
    def read(self) -> AbstractContextManager[None]:
        return nullcontext()

    def write(self) -> AbstractContextManager[None]:
        return nullcontext()


@dataclass
class FollowReport:
    """What one poll changed."""

    loaded: list[str] = field(default_factory=list)  # "experts v-…" per new version swapped in
    indexed: dict[str, int] = field(default_factory=dict)  # kind → records (re)indexed or removed
    saved: list[str] = field(default_factory=list)  # kinds this process saved as a new version


@contextmanager
def exclusive_lock(path: Path, *, blocking: bool = True) -> Iterator[bool]:
    """Hold an exclusive lock on ``path`` (created) for the block; yields False if it was busy."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        flags = fcntl.LOCK_EX if blocking else fcntl.LOCK_EX | fcntl.LOCK_NB
        try:
            fcntl.flock(handle, flags)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class StoreFollower:
    """Polls the store and the saved versions and brings one process's collections up to date.

    Args:
        matcher: the process's matcher (its collections are loaded with ``index_mmap``).
        guard: the app's read/write lock; index changes and swaps take it exclusively.
        interval: seconds between polls (``Settings.index_poll_seconds``).
        save_every: least seconds between two saves by the saver process.
    """

    def __init__(
        self,
        matcher: Matcher,
        guard: ReadWriteGuard | None = None,
        *,
        interval: float = 2.0,
        save_every: float = 30.0,
    ) -> None:
        self.matcher = matcher
        self.guard = guard or _NoGuard()
        self.interval = interval
        self.save_every = save_every
        self._seen: dict[str, tuple[ChangeStamp, int]] = {}
        self._synced: dict[str, ChangeStamp] = {}
        self._saved_at = time.monotonic()
        self._saver_file: IO[str] | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def is_saver(self) -> bool:
        """Whether this process holds the saver lock (it writes the index versions)."""
        return self._saver_file is not None

    # ----- the thread -----
    def start(self) -> None:
        """Poll in a daemon thread until `stop`."""
        self._thread = threading.Thread(target=self._run, name="haizhi-follow", daemon=True)
        self._thread.start()

    def stop(self, *, save: bool = True) -> None:
        """Stop polling; the saver then saves what is unsaved (``save``) and gives the lock up."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=max(30.0, 3 * self.interval))
        if save and self._claim_saver():
            with self.guard.read():
                self._save(list(self.matcher.unsaved_kinds()))
        if self._saver_file is not None:
            self._saver_file.close()  # closing releases the flock
            self._saver_file = None

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.poll_once()
            except Exception:  # a database hiccup must not end following; the next poll retries
                log.exception("following the store failed; retrying in %.1f s", self.interval)

    # ----- one poll -----
    def poll_once(self) -> FollowReport:
        """Follow new versions, then index store changes, then (the saver) save when due."""
        report = FollowReport()
        for kind in KINDS:
            self._follow_version(kind, report)
            self._follow_store(kind, report)
        if time.monotonic() - self._saved_at >= self.save_every and self._claim_saver():
            with self.guard.read():  # searches go on; writes wait so the save is one state
                report.saved = self._save(list(self.matcher.unsaved_kinds()))
        return report

    def _follow_version(self, kind: CollectionKind, report: FollowReport) -> None:
        directory = self.matcher.settings.index_dir / kind
        if not (directory / "CURRENT").is_file():
            return
        live = (directory / "CURRENT").read_text(encoding="utf-8").strip()
        if live == self.matcher.loaded_version(kind):
            return
        try:
            collection = Collection.load(kind, directory, self.matcher.encoder.id, mmap=True)
        except FileNotFoundError:  # replaced again while loading: the next poll takes the newest
            return
        since = ChangeStamp.from_json(collection.store_stamp) if collection.store_stamp else None
        stamp = self.matcher.store.freshness.change_stamp(kind)  # before the rows: later writes count
        stale = self._stale_ids(kind, collection, since)
        if stale:  # not yet visible to requests: no lock needed
            records = self.matcher.store.records.get_many(kind, stale)
            pks = self.matcher.store.records.pk_of(kind, stale)
            rows = [(pks[r.id], r) for r in records if r.id in pks]
            collection.upsert(rows, self.matcher.analyzer, self.matcher.encoder, cache=self.matcher.cache)
            collection.remove([i for i in stale if i not in pks])
        with self.guard.write():
            self.matcher.install_collection(kind, collection, unsaved=bool(stale))
        self._synced[kind] = stamp
        self._seen.pop(kind, None)  # check the store again at once: writes may have come meanwhile
        report.loaded.append(f"{kind} {collection.version}")
        if stale:
            report.indexed[kind] = report.indexed.get(kind, 0) + len(stale)

    def _follow_store(self, kind: CollectionKind, report: FollowReport) -> None:
        store = self.matcher.store
        seen = (store.freshness.change_stamp(kind), store.records.count(kind))
        if self._seen.get(kind) == seen:
            return
        try:
            collection = self.matcher.collection(kind)
        except FileNotFoundError:
            return
        since = self._synced.get(kind)
        if since is None and collection.store_stamp:
            since = ChangeStamp.from_json(collection.store_stamp)
        stale = self._stale_ids(kind, collection, since)
        if stale:
            # analyse and embed first, with searches still served; the lock covers the quick part
            prepared = self.matcher.prepare_index(kind, store.records.get_many(kind, stale))
            analyzer = PreparedAnalyzer(self.matcher.analyzer, prepared.analyses)
            with self.guard.write():
                self.matcher.index_records(kind, stale, save=False, analyzer=analyzer)
            report.indexed[kind] = report.indexed.get(kind, 0) + len(stale)
        self._synced[kind] = seen[0]
        self._seen[kind] = seen

    def _stale_ids(
        self, kind: CollectionKind, collection: Collection, since: ChangeStamp | None
    ) -> list[str]:
        """Ids whose index entry is missing, outdated or left over (deleted from the store)."""
        found = stale_records(self.matcher.store, collection, since)
        return found.stale + found.deleted

    # ----- saving -----
    def _claim_saver(self) -> bool:
        if self._saver_file is None:
            path = self.matcher.settings.index_dir / SAVER_LOCK
            path.parent.mkdir(parents=True, exist_ok=True)
            handle = path.open("a")
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                return False
            self._saver_file = handle  # held for the life of the process: one writer of versions
        return True

    def _save(self, kinds: Sequence[CollectionKind]) -> list[str]:
        saved: list[str] = []
        for kind in kinds:
            collection = self.matcher.collection(kind)
            synced = self._synced.get(kind)
            if synced is not None:  # conservative: a loader re-checks every row changed after it
                collection.store_stamp = synced.to_json()
            try:
                self.matcher.save_collection(kind)
            except OSError:  # e.g. a full disk: the previous version stays live, the next save retries
                log.exception("saving the %s index failed", kind)
                continue
            saved.append(kind)
        self._saved_at = time.monotonic()
        return saved
