"""`Database`: the engine, transactions, schema creation and version, and the ``meta`` key-value table.

Every repository is built on one `Database` and runs its statements through `Database.read` and
`Database.write`, so calls inside `Database.transaction` share one connection and one transaction.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.pool import StaticPool
from sqlalchemy.schema import CreateIndex

from matcher.store.errors import SchemaVersionError
from matcher.store.tables import (
    CURRENT_SCHEMA_VERSION,
    MIGRATED_TABLES,
    RECORD_TABLES,
    SCHEMA_VERSION_KEY,
    add_missing_columns,
    meta,
    metadata,
)

SQLITE_BUSY_TIMEOUT_MS = 10_000
_WRITE_OPTION = "haizhi_write"


def utc_now() -> datetime:
    """Naive UTC timestamp: SQLite and PostgreSQL ``TIMESTAMP`` columns then read back identically."""
    return datetime.now(UTC).replace(tzinfo=None)


def _sqlite_engine(url: str) -> Engine:
    parsed = make_url(url)
    in_memory = parsed.database in (None, "", ":memory:")
    kwargs: dict[str, Any] = {}
    if in_memory:
        # One shared connection, otherwise every checkout would see a fresh empty database.
        kwargs = {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}}
    engine = create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy emit BEGIN itself: pysqlite's own implicit BEGIN only precedes writes,
        # which would leave a read-then-write transaction non-atomic.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # Writers take the write lock up front: a deferred transaction that reads and then writes
        # fails with "database is locked" (no busy wait) when another writer got there first.
        writes = connection.get_execution_options().get(_WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")

    return engine


def make_engine(url: str) -> Engine:
    """Create an engine for any SQLAlchemy URL; SQLite gets WAL, foreign keys and a busy timeout."""
    if make_url(url).get_backend_name() == "sqlite":
        return _sqlite_engine(url)
    return create_engine(url, pool_pre_ping=True)


def _create_missing_indexes(conn: Connection) -> None:
    """Add the record-table indexes a database from an older release lacks.

    ``create_all`` creates the indexes of the tables it creates, never of existing ones. Record
    tables only, whose indexes are on bookkeeping columns every release has had; an index on a
    column added later (`matcher.store.tables.access.add_missing_columns`) must wait for that column.
    """
    for table in RECORD_TABLES.values():
        for index in table.indexes:
            conn.execute(CreateIndex(index, if_not_exists=True))


class Database:
    """One database (SQLite or PostgreSQL): connections, transactions, schema and metadata."""

    def __init__(self, url: str) -> None:
        """Open (but do not create) the database at ``url``.

        Raises:
            SchemaVersionError: if the database has a newer schema version than this code knows.
        """
        self.url = url
        self.engine = make_engine(url)
        self._local = threading.local()
        self._check_schema_version()

    def close(self) -> None:
        """Release all pooled connections."""
        self.engine.dispose()

    def after_fork(self) -> None:
        """In a forked child: leave the parent's connections to the parent, open its own from now on.

        A connection must not be shared by two processes; ``dispose(close=False)`` forgets the pooled
        ones without closing them under the parent. An in-memory database has no file to reconnect
        to: the child keeps its private copy of that one connection.
        """
        self._local = threading.local()
        if not isinstance(self.engine.pool, StaticPool):
            self.engine.dispose(close=False)

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Connection]:
        """Run every store call inside the ``with`` block in one transaction (nested blocks join it).

        Any exception rolls everything back, so an import either writes all rows or none.
        ``write=False`` declares a read-only block (on SQLite it then does not take the write lock).
        """
        active: Connection | None = getattr(self._local, "connection", None)
        if active is not None:
            yield active
            return
        with self.engine.connect() as connection:
            connection.execution_options(**{_WRITE_OPTION: write})
            with connection.begin():
                self._local.connection = connection
                try:
                    yield connection
                finally:
                    self._local.connection = None

    def read(self) -> AbstractContextManager[Connection]:
        """Connection for a read, joining the caller's `transaction()` if there is one."""
        return self.transaction(write=False)

    def write(self) -> AbstractContextManager[Connection]:
        """Connection for a write, joining the caller's `transaction()` if there is one."""
        return self.transaction(write=True)

    def create_schema(self) -> None:
        """Create missing tables, indexes and later-added columns, record the schema version.

        Safe to call repeatedly: an existing database only gains what it lacks.
        """
        self._check_schema_version()
        with self.write() as conn:
            metadata.create_all(conn, checkfirst=True)
            _create_missing_indexes(conn)
            current = conn.execute(select(meta.c.value).where(meta.c.key == SCHEMA_VERSION_KEY)).scalar()
            if current is None:
                conn.execute(meta.insert().values(key=SCHEMA_VERSION_KEY, value=str(CURRENT_SCHEMA_VERSION)))
        with self.write() as conn:
            for table in MIGRATED_TABLES:
                add_missing_columns(conn, table)

    def drop_schema(self) -> None:
        """Drop every Haizhi Match table (tests and ``reset`` commands only)."""
        with self.write() as conn:
            metadata.drop_all(conn, checkfirst=True)

    def schema_version(self) -> int | None:
        """The stored schema version, or None for an empty database."""
        if not inspect(self.engine).has_table(meta.name):
            return None
        with self.read() as conn:
            value = conn.execute(select(meta.c.value).where(meta.c.key == SCHEMA_VERSION_KEY)).scalar()
        if value is None:
            return None
        try:
            return int(value)
        except ValueError:
            raise SchemaVersionError(
                f"{self._safe_url()}: meta.schema_version is {value!r}, not a number; "
                "is this a Haizhi Match database?"
            ) from None

    def _check_schema_version(self) -> None:
        version = self.schema_version()
        if version is not None and version > CURRENT_SCHEMA_VERSION:
            raise SchemaVersionError(
                f"{self._safe_url()} has schema version {version}, but this version of Haizhi Match "
                f"understands up to {CURRENT_SCHEMA_VERSION}: upgrade haizhi-match to open it"
            )

    def _safe_url(self) -> str:
        return make_url(self.url).render_as_string(hide_password=True)

    def set_meta(self, key: str, value: str) -> None:
        """Store ``value`` under ``key`` in the ``meta`` table (insert or replace)."""
        with self.write() as conn:
            updated = conn.execute(meta.update().where(meta.c.key == key).values(value=value)).rowcount
            if not updated:
                conn.execute(meta.insert().values(key=key, value=value))

    def get_meta(self, key: str) -> str | None:
        """The value stored under ``key``, or None."""
        with self.read() as conn:
            value = conn.execute(select(meta.c.value).where(meta.c.key == key)).scalar()
        return None if value is None else str(value)
