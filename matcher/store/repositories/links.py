"""`LinksRepository`: rows of the experts' personal links and of their answers (``store.links``).

Persistence only: signing, expiry, what "used" means and the page are `api.access.links` and
`api.routers.expert_portal`. Rows are plain mappings of column → value.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from matcher.store.database import Database
from matcher.store.rows import Row
from matcher.store.tables import expert_answers, expert_links, meta


class LinksRepository:
    """Row operations on ``expert_links`` and ``expert_answers``, and the generated link secret."""

    def __init__(self, database: Database) -> None:
        """Work on ``database``."""
        self._db = database

    def insert_link(self, values: Mapping[str, Any]) -> None:
        """Insert one ``expert_links`` row."""
        with self._db.write() as conn:
            conn.execute(expert_links.insert().values(**values))

    def link_row(self, link_id: str) -> Row | None:
        """The row of ``link_id``, or None."""
        query = select(expert_links).where(expert_links.c.link_id == link_id)
        with self._db.read() as conn:
            row = conn.execute(query).mappings().first()
        return None if row is None else dict(row)

    def link_rows(self, *, expert_id: str | None = None, created_by: str | None = None) -> list[Row]:
        """Link rows, oldest first, optionally of one expert and/or creator."""
        query = select(expert_links).order_by(expert_links.c.pk)
        if expert_id is not None:
            query = query.where(expert_links.c.expert_id == expert_id)
        if created_by is not None:
            query = query.where(expert_links.c.created_by == created_by)
        with self._db.read() as conn:
            return [dict(row) for row in conn.execute(query).mappings()]

    def update_link(self, link_id: str, values: Mapping[str, Any]) -> None:
        """Update the row of ``link_id``."""
        with self._db.write() as conn:
            conn.execute(expert_links.update().where(expert_links.c.link_id == link_id).values(**values))

    def count_visit(self, link_id: str, at: Any) -> None:
        """Add one visit and set ``last_seen_at`` (one statement: concurrent visits all count)."""
        with self._db.write() as conn:
            conn.execute(
                expert_links.update()
                .where(expert_links.c.link_id == link_id)
                .values(visits=expert_links.c.visits + 1, last_seen_at=at)
            )

    def consume(self, link_id: str, at: Any) -> bool:
        """Mark an unused link used; False when it already was (two confirmations race: one wins)."""
        with self._db.write() as conn:
            result = conn.execute(
                expert_links.update()
                .where((expert_links.c.link_id == link_id) & expert_links.c.used_at.is_(None))
                .values(used_at=at)
            )
        return bool(result.rowcount)

    def insert_answer(self, values: Mapping[str, Any]) -> None:
        """Append one ``expert_answers`` row."""
        with self._db.write() as conn:
            conn.execute(expert_answers.insert().values(**values))

    def answer_rows(self, expert_id: str, *, demand_id: str | None = None) -> list[Row]:
        """An expert's answers, oldest first (optionally for one demand)."""
        query = select(expert_answers).where(expert_answers.c.expert_id == expert_id)
        if demand_id is not None:
            query = query.where(expert_answers.c.demand_id == demand_id)
        with self._db.read() as conn:
            return [dict(row) for row in conn.execute(query.order_by(expert_answers.c.pk)).mappings()]

    def meta_value_or_insert(self, key: str, value: str) -> str:
        """The ``meta`` value of ``key``; stores ``value`` first when there is none (first writer wins).

        Several server processes starting at once all end with the one value that was stored.
        """
        with self._db.read() as conn:
            stored = conn.execute(select(meta.c.value).where(meta.c.key == key)).scalar()
        if stored is not None:
            return str(stored)
        try:
            with self._db.write() as conn:
                stored = conn.execute(select(meta.c.value).where(meta.c.key == key)).scalar()
                if stored is None:
                    conn.execute(meta.insert().values(key=key, value=value))
                    return value
        except IntegrityError:  # another process inserted it between our read and our insert
            pass
        with self._db.read() as conn:
            return str(conn.execute(select(meta.c.value).where(meta.c.key == key)).scalar_one())
