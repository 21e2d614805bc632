"""`Store`: the one entry point to the database, composing one repository per concern."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, select

from matcher.domain.records import Expert
from matcher.store.database import Database, utc_now
from matcher.store.errors import RecordNotFound
from matcher.store.repositories import (
    AccessRepository,
    EventRepository,
    FlowRepository,
    FreshnessRepository,
    LedgerRepository,
    LinksRepository,
    MatchRepository,
    RecordRepository,
    SearchRepository,
)
from matcher.store.tables import RECORD_TABLES, match_events, matches


class Store:
    """SQLite (default) or PostgreSQL storage behind one API.

    Example:
        >>> store = Store("sqlite:///var/haizhi.db")
        >>> store.create_schema()
        >>> store.records.upsert("experts", experts)

    Attributes:
        records: experts, organizations, sites and demands.
        matches: (demand, expert) matches and their history.
        flow: demand status history and cooperations.
        search: scoped record search for listings.
        freshness: change stamps for index freshness.
        access: rows of API keys and the audit log (policy: `api.access`).
        ledger: rows of the nightly ledger (policy: `pipelines.nightly.ledger`).
        events: rows of docking events (policy: `matcher.docking`).
        links: rows of the experts' personal links and answers (policy: `api.access.links`).

    Every repository call runs in its own transaction, or joins the one opened by `transaction()`.
    """

    def __init__(self, url: str) -> None:
        """Open (but do not create) the database at ``url``.

        Raises:
            SchemaVersionError: if the database has a newer schema version than this code knows.
        """
        self.database = Database(url)
        self.records = RecordRepository(self.database)
        self.matches = MatchRepository(self.database)
        self.flow = FlowRepository(self.database)
        self.search = SearchRepository(self.database)
        self.freshness = FreshnessRepository(self.database)
        self.access = AccessRepository(self.database)
        self.ledger = LedgerRepository(self.database)
        self.events = EventRepository(self.database)
        self.links = LinksRepository(self.database)

    @property
    def url(self) -> str:
        """The SQLAlchemy URL the store was opened with."""
        return self.database.url

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine (tests and maintenance scripts)."""
        return self.database.engine

    def close(self) -> None:
        """Release all pooled connections."""
        self.database.close()

    def after_fork(self) -> None:
        """Call first in a forked child that uses this store (`Database.after_fork`)."""
        self.database.after_fork()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Connection]:
        """Run every repository call inside the ``with`` block in one transaction (see `Database`)."""
        with self.database.transaction(write=write) as connection:
            yield connection

    def create_schema(self) -> None:
        """Create missing tables, indexes and columns and record the schema version (idempotent)."""
        self.database.create_schema()

    def drop_schema(self) -> None:
        """Drop every Haizhi Match table (tests and ``reset`` commands only)."""
        self.database.drop_schema()

    def schema_version(self) -> int | None:
        """The stored schema version, or None for an empty database."""
        return self.database.schema_version()

    def set_meta(self, key: str, value: str) -> None:
        """Store ``value`` under ``key`` in the ``meta`` table (insert or replace)."""
        self.database.set_meta(key, value)

    def get_meta(self, key: str) -> str | None:
        """The value stored under ``key``, or None."""
        return self.database.get_meta(key)

    def merge_expert_rows(self, keep: Expert, drop_id: str, *, actor: str = "dedup") -> None:
        """Replace two expert rows by one: write ``keep``, move ``drop_id``'s matches to it, delete the other.

        When both experts have a match for the same demand, the more recently updated one wins.
        History events of the dropped expert are re-attributed to ``keep`` and a merge event is added.
        Spans records and matches, so it lives here rather than in one repository.

        Raises:
            RecordNotFound: if ``drop_id`` is not stored.
            ValueError: if ``keep.id == drop_id``.
        """
        if keep.id == drop_id:
            raise ValueError(f"cannot merge expert {drop_id!r} into itself")
        experts = RECORD_TABLES["experts"]
        now = utc_now()
        with self.transaction() as conn:
            if conn.execute(select(experts.c.pk).where(experts.c.id == drop_id)).first() is None:
                raise RecordNotFound(f"no expert with id {drop_id!r} to merge into {keep.id!r}")
            self.records.upsert("experts", [keep])
            of_keep = select(matches).where(matches.c.expert_id == keep.id)
            kept = {row.demand_id: row for row in conn.execute(of_keep)}
            dropped = conn.execute(select(matches).where(matches.c.expert_id == drop_id)).all()
            merged_status: dict[str, str] = {}
            for row in dropped:
                other = kept.get(row.demand_id)
                if other is None:
                    conn.execute(matches.update().where(matches.c.pk == row.pk).values(expert_id=keep.id))
                    merged_status[row.demand_id] = row.status
                    continue
                merged_status[row.demand_id] = other.status
                if row.updated_at > other.updated_at:
                    merged_status[row.demand_id] = row.status
                    conn.execute(
                        matches.update()
                        .where(matches.c.pk == other.pk)
                        .values(status=row.status, score=row.score, note=row.note, updated_at=row.updated_at)
                    )
                conn.execute(matches.delete().where(matches.c.pk == row.pk))
            events_of_drop = match_events.c.expert_id == drop_id
            conn.execute(match_events.update().where(events_of_drop).values(expert_id=keep.id))
            for demand_id, status in merged_status.items():
                conn.execute(
                    match_events.insert().values(
                        demand_id=demand_id,
                        expert_id=keep.id,
                        from_status=status,
                        to_status=status,
                        note=f"merged duplicate expert {drop_id} into {keep.id}",
                        actor=actor,
                        at=now,
                    )
                )
            self.records.delete("experts", [drop_id])
