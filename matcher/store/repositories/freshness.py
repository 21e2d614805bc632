"""Change stamps of record tables: what an index build saw, and which rows changed since.

An index build saves the `ChangeStamp` it started from; the freshness check (`matcher.retrieval.maintenance`)
then asks `FreshnessRepository.changed_since` for only the rows added (higher pk) or updated (later
``row_updated_at``, an indexed column) since, instead of reading every content hash.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select

from matcher.store.database import Database
from matcher.store.repositories.records import table_for


@dataclass(frozen=True)
class ChangeStamp:
    """The state of one record table at a moment: its highest pk and latest row update.

    Attributes:
        max_pk: highest pk (0 for an empty table); pks are never reused, so a later insert is higher.
        updated_at: latest ``row_updated_at`` (naive UTC), None for an empty table.
    """

    max_pk: int
    updated_at: datetime | None

    def to_json(self) -> dict[str, Any]:
        """``{"max_pk": int, "updated_at": ISO text or None}``, as saved in an index manifest."""
        return {"max_pk": self.max_pk, "updated_at": self.updated_at.isoformat() if self.updated_at else None}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ChangeStamp:
        """The stamp `to_json` wrote (``updated_at`` may be missing or empty).

        Raises:
            KeyError: without ``max_pk``.
            ValueError: for a ``max_pk`` or ``updated_at`` that does not parse.
        """
        updated = data.get("updated_at")
        return cls(int(data["max_pk"]), datetime.fromisoformat(updated) if updated else None)


@dataclass(frozen=True)
class ChangedRows:
    """The rows of a record table added or updated since a stamp, with the table's current size.

    Attributes:
        stored: number of rows in the table now.
        content_hashes: id → content hash of each row added or updated since the stamp.
    """

    stored: int
    content_hashes: dict[str, str]


class FreshnessRepository:
    """Change stamps for index freshness (``store.freshness``)."""

    def __init__(self, database: Database) -> None:
        """Work on ``database``."""
        self._db = database

    def change_stamp(self, kind: str) -> ChangeStamp:
        """The current highest pk and latest ``row_updated_at`` of ``kind`` (one indexed read).

        Raises:
            ValueError: for an unknown kind.
        """
        table = table_for(kind)
        with self._db.read() as conn:
            query = select(func.max(table.c.pk), func.max(table.c.row_updated_at))
            max_pk, updated = conn.execute(query).one()
        return ChangeStamp(int(max_pk or 0), updated)

    def changed_since(self, kind: str, max_pk: int, updated_at: datetime | None) -> ChangedRows:
        """Rows of ``kind`` with a pk above ``max_pk`` or updated after ``updated_at``, and the row count.

        Both come from one transaction, so the count and the rows describe the same state. With
        ``updated_at`` None only the pk decides (the stamp was taken of an empty table).

        Raises:
            ValueError: for an unknown kind.
        """
        table = table_for(kind)
        condition = table.c.pk > max_pk
        if updated_at is not None:
            condition = or_(condition, table.c.row_updated_at > updated_at)
        with self._db.read() as conn:
            stored = int(conn.execute(select(func.count()).select_from(table)).scalar_one())
            rows = conn.execute(select(table.c.id, table.c.content_hash).where(condition))
            return ChangedRows(stored, {row.id: row.content_hash for row in rows})
