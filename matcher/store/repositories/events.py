"""`EventRepository`: rows of the docking-event tables (``store.events``).

Persistence only: what the rows mean (planning, cancellation, exports, the mail policy) is
`matcher.docking`. Rows are plain mappings of column → value.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Table, select

from matcher.store.database import Database
from matcher.store.rows import Row
from matcher.store.tables.events import (
    event_mailings,
    event_meetings,
    event_pair_rules,
    event_participants,
    event_slots,
    events,
)


class EventRepository:
    """Row operations on ``events`` and its child tables."""

    def __init__(self, database: Database) -> None:
        """Work on ``database``."""
        self._db = database

    # ---- events --------------------------------------------------------------------------------
    def insert_event(self, values: Mapping[str, Any]) -> None:
        """Insert one ``events`` row."""
        with self._db.write() as conn:
            conn.execute(events.insert().values(**values))

    def update_event(self, event_id: str, values: Mapping[str, Any]) -> None:
        """Update the ``events`` row of ``event_id``."""
        with self._db.write() as conn:
            conn.execute(events.update().where(events.c.id == event_id).values(**values))

    def event_row(self, event_id: str) -> Row | None:
        """The ``events`` row of ``event_id``, or None."""
        with self._db.read() as conn:
            row = conn.execute(select(events).where(events.c.id == event_id)).mappings().first()
        return None if row is None else dict(row)

    def event_rows(self) -> list[Row]:
        """Every ``events`` row, by id."""
        with self._db.read() as conn:
            return [dict(r) for r in conn.execute(select(events).order_by(events.c.id)).mappings()]

    def delete_event(self, event_id: str) -> None:
        """Delete an event and every child row."""
        with self._db.write() as conn:
            for table in (event_mailings, event_meetings, event_pair_rules, event_participants, event_slots):
                conn.execute(table.delete().where(table.c.event_id == event_id))
            conn.execute(events.delete().where(events.c.id == event_id))

    # ---- child rows ----------------------------------------------------------------------------
    def _rows(self, table: Table, event_id: str, **equal: Any) -> list[Row]:
        query = select(table).where(table.c.event_id == event_id)
        for column, value in equal.items():
            query = query.where(table.c[column] == value)
        with self._db.read() as conn:
            return [dict(r) for r in conn.execute(query.order_by(table.c.pk)).mappings()]

    def _upsert(
        self, table: Table, event_id: str, keys: tuple[str, ...], rows: Iterable[Mapping[str, Any]]
    ) -> None:
        with self._db.write() as conn:
            for values in rows:
                where = [table.c.event_id == event_id, *(table.c[k] == values[k] for k in keys)]
                updated = conn.execute(table.update().where(*where).values(**values)).rowcount
                if not updated:
                    conn.execute(table.insert().values(event_id=event_id, **values))

    def slot_rows(self, event_id: str) -> list[Row]:
        """The event's ``event_slots`` rows, by start."""
        return sorted(self._rows(event_slots, event_id), key=lambda r: (r["starts_at"], r["slot_id"]))

    def upsert_slots(self, event_id: str, rows: Iterable[Mapping[str, Any]]) -> None:
        """Insert or update slots by ``slot_id``."""
        self._upsert(event_slots, event_id, ("slot_id",), rows)

    def participant_rows(self, event_id: str, kind: str | None = None) -> list[Row]:
        """The event's ``event_participants`` rows (of one kind), oldest first."""
        return self._rows(event_participants, event_id, **({"kind": kind} if kind else {}))

    def upsert_participants(self, event_id: str, rows: Iterable[Mapping[str, Any]]) -> None:
        """Insert or update participants by (kind, participant id)."""
        self._upsert(event_participants, event_id, ("kind", "participant_id"), rows)

    def pair_rule_rows(self, event_id: str) -> list[Row]:
        """The event's ``event_pair_rules`` rows."""
        return self._rows(event_pair_rules, event_id)

    def upsert_pair_rules(self, event_id: str, rows: Iterable[Mapping[str, Any]]) -> None:
        """Insert or update pair rules by (expert id, demand id)."""
        self._upsert(event_pair_rules, event_id, ("expert_id", "demand_id"), rows)

    def meeting_rows(self, event_id: str) -> list[Row]:
        """The event's ``event_meetings`` rows."""
        return self._rows(event_meetings, event_id)

    def replace_meetings(self, event_id: str, rows: Iterable[Mapping[str, Any]]) -> None:
        """Replace the event's meetings by ``rows`` (one transaction with the caller's)."""
        with self._db.write() as conn:
            conn.execute(event_meetings.delete().where(event_meetings.c.event_id == event_id))
            for values in rows:
                conn.execute(event_meetings.insert().values(event_id=event_id, **values))

    def mailing_rows(self, event_id: str) -> list[Row]:
        """What was last mailed to each participant of the event."""
        return self._rows(event_mailings, event_id)

    def upsert_mailing(self, event_id: str, values: Mapping[str, Any]) -> None:
        """Record (or replace) the schedule last mailed to one participant."""
        self._upsert(event_mailings, event_id, ("kind", "participant_id"), [values])
