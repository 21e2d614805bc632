"""Scoped record search for listings: a text query, column conditions and the sites below a base."""

from __future__ import annotations

import builtins
import json
from collections.abc import Iterable, Mapping

from sqlalchemy import ColumnElement, false, func, or_, select

from matcher.domain.records import Record
from matcher.store.database import Database
from matcher.store.repositories.records import table_for
from matcher.store.rows import from_row, list_fields
from matcher.store.tables import RECORD_TABLES

_SEARCHED = ("id", "name", "name_en", "title", "affiliation", "keywords", "enterprise", "host", "city")


class SearchRepository:
    """Record search for listings (``store.search``)."""

    def __init__(self, database: Database) -> None:
        """Work on ``database``."""
        self._db = database

    def child_site_ids(self, parent_id: str) -> builtins.list[str]:
        """Ids of the sites (stations) whose parent is ``parent_id``."""
        sites = RECORD_TABLES["sites"]
        with self._db.read() as conn:
            return builtins.list(
                conn.execute(select(sites.c.id).where(sites.c.parent_id == parent_id)).scalars()
            )

    def search_records(
        self,
        kind: str,
        *,
        query: str | None = None,
        equals: Mapping[str, str] | None = None,
        within: Mapping[str, Iterable[str]] | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[builtins.list[Record], int]:
        """A page of records matching a text query and column conditions, with the total count.

        Args:
            kind: record kind.
            query: case-insensitive substring of id, name, title, keywords … (whichever the kind has).
            equals: column → value; for list columns (industries, fields …) the list must contain it.
            within: column → allowed values (an empty collection matches nothing).
            limit: page size.
            offset: rows to skip (ordered by id).

        Raises:
            ValueError: for an unknown kind or column.
        """
        table = table_for(kind)
        conditions: builtins.list[ColumnElement[bool]] = []
        if query and query.strip():
            needle = query.strip().lower()
            columns = [table.c[name] for name in _SEARCHED if name in table.c]
            conditions.append(or_(*(func.lower(c).contains(needle, autoescape=True) for c in columns)))
        lists = list_fields(kind)
        for name, value in (equals or {}).items():
            if name not in table.c or name in ("pk", "content_hash"):
                raise ValueError(f"{kind} cannot be filtered by {name!r}")
            if name in lists:
                conditions.append(
                    table.c[name].contains(json.dumps(value, ensure_ascii=False), autoescape=True)
                )
            else:
                conditions.append(table.c[name] == value)
        for name, values in (within or {}).items():
            if name not in table.c:
                raise ValueError(f"{kind} cannot be filtered by {name!r}")
            allowed = builtins.list(values)
            conditions.append(table.c[name].in_(allowed) if allowed else false())
        page = select(table).where(*conditions).order_by(table.c.id).offset(offset).limit(limit)
        total = select(func.count()).select_from(table).where(*conditions)
        with self._db.read() as conn:
            records = [from_row(kind, row) for row in conn.execute(page).mappings()]
            count = int(conn.execute(total).scalar_one())
        return records, count
