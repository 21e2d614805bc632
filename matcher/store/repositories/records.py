"""`RecordRepository`: record CRUD with change detection, lookups by id and pk, listing, deletion."""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Connection, Select, Table, bindparam, func, select

from matcher.domain.records import Record
from matcher.store.database import Database, utc_now
from matcher.store.rows import ParsedRows, from_row, record_type, to_row
from matcher.store.tables import RECORD_TABLES

# Stays well under SQLite's and PostgreSQL's bound-parameter limits for IN (...) lists.
_CHUNK = 500
# Upserts larger than this compare against all stored hashes instead of querying ids in chunks.
_FULL_SCAN_ABOVE = 5 * _CHUNK
# After inserting this many rows PostgreSQL gets fresh statistics, so lookups by id use the index.
_ANALYZE_AFTER = 1000

T = TypeVar("T")


def _chunks(items: Sequence[T], size: int = _CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass(frozen=True)
class UpsertResult:
    """How many records an `upsert` inserted, changed, and left alone (same content hash)."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        """Number of records passed in."""
        return self.inserted + self.updated + self.unchanged


def table_for(kind: str) -> Table:
    """The table of a record kind (validates the kind name)."""
    record_type(kind)
    return RECORD_TABLES[kind]


class RecordRepository:
    """Experts, organizations, sites and demands (``store.records``)."""

    def __init__(self, database: Database) -> None:
        """Work on ``database``."""
        self._db = database
        self._parsed = ParsedRows()  # lookups by id re-use records whose rows did not change
        self._by_ids: dict[str, Select[Any]] = {}

    def upsert(self, kind: str, records: Sequence[Record]) -> UpsertResult:
        """Insert new records and update changed ones in one transaction.

        A record whose content hash equals the stored one is not written, so re-importing the same
        file writes nothing. Updated rows keep their ``pk``.

        Raises:
            ValueError: for an unknown kind or the same id twice in ``records``.
            TypeError: for a record of the wrong type.
        """
        table = table_for(kind)
        rows: dict[str, dict[str, Any]] = {}
        for record in records:
            if record.id in rows:
                raise ValueError(f"{kind}: id {record.id!r} appears twice in one upsert")
            rows[record.id] = to_row(kind, record)
        now = utc_now()
        with self._db.write() as conn:
            stored = self._hashes_for(conn, table, builtins.list(rows))
            inserts = [row for id_, row in rows.items() if id_ not in stored]
            updates = [
                row for id_, row in rows.items() if id_ in stored and stored[id_] != row["content_hash"]
            ]
            if inserts:
                conn.execute(
                    table.insert(), [{**r, "row_created_at": now, "row_updated_at": now} for r in inserts]
                )
                if len(inserts) >= _ANALYZE_AFTER and conn.dialect.name == "postgresql":
                    conn.exec_driver_sql(f"ANALYZE {table.name}")
            if updates:
                columns: dict[str, Any] = {n: bindparam(f"v_{n}") for n in updates[0] if n != "id"}
                statement = (
                    table.update()
                    .where(table.c.id == bindparam("v_id"))
                    .values(**columns, row_updated_at=bindparam("v_row_updated_at"))
                )
                params = [{f"v_{k}": v for k, v in r.items()} | {"v_row_updated_at": now} for r in updates]
                conn.execute(statement, params)
        return UpsertResult(
            inserted=len(inserts), updated=len(updates), unchanged=len(rows) - len(inserts) - len(updates)
        )

    @staticmethod
    def _hashes_for(conn: Connection, table: Table, ids: Sequence[str]) -> dict[str, str]:
        everything = select(table.c.id, table.c.content_hash)
        if len(ids) > _FULL_SCAN_ABOVE:
            # One sequential read beats many IN lists, and does not depend on planner statistics
            # (right after a bulk insert PostgreSQL would still plan IN lists as sequential scans).
            wanted = set(ids)
            return {row.id: row.content_hash for row in conn.execute(everything) if row.id in wanted}
        found: dict[str, str] = {}
        for chunk in _chunks(ids):
            found.update(
                {row.id: row.content_hash for row in conn.execute(everything.where(table.c.id.in_(chunk)))}
            )
        return found

    def get(self, kind: str, id: str) -> Record | None:
        """The record with ``id``, or None."""
        table = table_for(kind)
        with self._db.read() as conn:
            row = conn.execute(select(table).where(table.c.id == id)).mappings().first()
        return None if row is None else self._parsed.parse(kind, row)

    def get_many(self, kind: str, ids: Iterable[str]) -> builtins.list[Record]:
        """Records for ``ids`` in the order given; missing ids are skipped."""
        table = table_for(kind)
        wanted = builtins.list(dict.fromkeys(ids))
        found: dict[str, Record] = {}
        statement = self._by_ids.get(kind)
        if statement is None:  # built once: SQLAlchemy then re-uses its compiled form
            statement = select(table).where(table.c.id.in_(bindparam("ids", expanding=True)))
            self._by_ids[kind] = statement
        with self._db.read() as conn:
            for chunk in _chunks(wanted):
                for row in conn.execute(statement, {"ids": list(chunk)}).mappings():
                    found[row["id"]] = self._parsed.parse(kind, row)
        return [found[id_] for id_ in wanted if id_ in found]

    def list(
        self, kind: str, *, limit: int | None = None, offset: int = 0, order_by_pk: bool = True
    ) -> builtins.list[Record]:
        """A page of records, oldest first (by pk) unless ``order_by_pk`` is False (then by id)."""
        table = table_for(kind)
        query = select(table).order_by(table.c.pk if order_by_pk else table.c.id).offset(offset)
        if limit is not None:
            query = query.limit(limit)
        with self._db.read() as conn:
            return [from_row(kind, row) for row in conn.execute(query).mappings()]

    def count(self, kind: str) -> int:
        """Number of records of ``kind``."""
        table = table_for(kind)
        with self._db.read() as conn:
            return int(conn.execute(select(func.count()).select_from(table)).scalar_one())

    def rows(self, kind: str, ids: Iterable[str] | None = None) -> builtins.list[tuple[int, Record]]:
        """``(pk, record)`` of every record of ``kind``, or of those of ``ids`` that exist, in pk order.

        Indexes are keyed by pk; an incremental build reads only the rows it must (re-)index.
        """
        table = table_for(kind)
        if ids is None:
            with self._db.read() as conn:
                result = conn.execute(select(table).order_by(table.c.pk)).mappings()
                return [(int(row["pk"]), from_row(kind, row)) for row in result]
        found: builtins.list[tuple[int, Record]] = []
        with self._db.read() as conn:
            for chunk in _chunks(builtins.list(dict.fromkeys(ids))):
                result = conn.execute(select(table).where(table.c.id.in_(chunk))).mappings()
                found.extend((int(row["pk"]), from_row(kind, row)) for row in result)
        return sorted(found, key=lambda pair: pair[0])

    def pk_of(self, kind: str, ids: Iterable[str]) -> dict[str, int]:
        """Map each stored id in ``ids`` to its pk (missing ids are absent)."""
        table = table_for(kind)
        wanted = builtins.list(dict.fromkeys(ids))
        found: dict[str, int] = {}
        with self._db.read() as conn:
            for chunk in _chunks(wanted):
                query = select(table.c.id, table.c.pk).where(table.c.id.in_(chunk))
                found.update({row.id: int(row.pk) for row in conn.execute(query)})
        return found

    def ids_for_pks(self, kind: str, pks: Iterable[int]) -> builtins.list[str]:
        """Ids for ``pks`` in the order given; pks with no row (e.g. deleted since) are skipped.

        Use `ids_by_pk` when results must stay aligned with other per-pk data such as scores.
        """
        wanted = builtins.list(dict.fromkeys(int(pk) for pk in pks))
        found = self.ids_by_pk(kind, wanted)
        return [found[pk] for pk in wanted if pk in found]

    def ids_by_pk(self, kind: str, pks: Iterable[int]) -> dict[int, str]:
        """pk → id for every pk in ``pks`` that has a row."""
        table = table_for(kind)
        wanted = builtins.list(dict.fromkeys(int(pk) for pk in pks))
        found: dict[int, str] = {}
        with self._db.read() as conn:
            for chunk in _chunks(wanted):
                query = select(table.c.pk, table.c.id).where(table.c.pk.in_(chunk))
                found.update({int(row.pk): row.id for row in conn.execute(query)})
        return found

    def content_hashes(self, kind: str) -> dict[str, str]:
        """id → content hash for every record of ``kind`` (to detect changed profiles cheaply)."""
        table = table_for(kind)
        with self._db.read() as conn:
            return {
                row.id: row.content_hash for row in conn.execute(select(table.c.id, table.c.content_hash))
            }

    def delete(self, kind: str, ids: Iterable[str]) -> int:
        """Delete records by id; returns how many existed. Matches of deleted records go too."""
        table = table_for(kind)
        wanted = builtins.list(dict.fromkeys(ids))
        deleted = 0
        with self._db.write() as conn:
            for chunk in _chunks(wanted):
                deleted += conn.execute(table.delete().where(table.c.id.in_(chunk))).rowcount
        return deleted
