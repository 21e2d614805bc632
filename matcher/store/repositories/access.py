"""`AccessRepository`: rows of the API's access tables (``api_keys`` and ``audit_log``).

Persistence only (``store.access``): the key policy (roles, tokens, hashing, expiry, rotation) and
the audit records built on these rows are `api.access`. Rows are plain mappings of column → value.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select

from matcher.store.database import Database
from matcher.store.rows import Row
from matcher.store.tables import api_keys, audit_log


class AccessRepository:
    """Row operations on ``api_keys`` and ``audit_log``."""

    def __init__(self, database: Database) -> None:
        """Work on ``database``."""
        self._db = database

    # ---- api_keys ------------------------------------------------------------------------------
    def insert_key(self, values: Mapping[str, Any]) -> None:
        """Insert one ``api_keys`` row."""
        with self._db.write() as conn:
            conn.execute(api_keys.insert().values(**values))

    def key_row(self, key_id: str) -> Row | None:
        """The ``api_keys`` row of ``key_id`` (secret hashes included), or None."""
        with self._db.read() as conn:
            row = conn.execute(select(api_keys).where(api_keys.c.key_id == key_id)).mappings().first()
        return None if row is None else dict(row)

    def key_rows(self, *, include_revoked: bool = True) -> list[Row]:
        """Every ``api_keys`` row, oldest first."""
        query = select(api_keys).order_by(api_keys.c.pk)
        if not include_revoked:
            query = query.where(api_keys.c.revoked_at.is_(None))
        with self._db.read() as conn:
            return [dict(row) for row in conn.execute(query).mappings()]

    def key_ids_starting_with(self, prefix: str) -> list[str]:
        """The key ids that start with ``prefix`` (taken literally, no wildcards), sorted."""
        query = select(api_keys.c.key_id).where(api_keys.c.key_id.startswith(prefix, autoescape=True))
        with self._db.read() as conn:
            return list(conn.execute(query.order_by(api_keys.c.key_id)).scalars())

    def update_key(self, key_id: str, values: Mapping[str, Any]) -> None:
        """Update the ``api_keys`` row of ``key_id``."""
        with self._db.write() as conn:
            conn.execute(api_keys.update().where(api_keys.c.key_id == key_id).values(**values))

    # ---- audit_log -----------------------------------------------------------------------------
    def insert_audit(self, values: Mapping[str, Any]) -> None:
        """Append one ``audit_log`` row."""
        with self._db.write() as conn:
            conn.execute(audit_log.insert().values(**values))

    def audit_rows(
        self, *, limit: int, offset: int = 0, key_id: str | None = None, target_id: str | None = None
    ) -> list[Row]:
        """``audit_log`` rows, newest first, optionally of one key and/or target."""
        query = select(audit_log).order_by(audit_log.c.pk.desc()).offset(offset).limit(limit)
        if key_id is not None:
            query = query.where(audit_log.c.key_id == key_id)
        if target_id is not None:
            query = query.where(audit_log.c.target_id == target_id)
        with self._db.read() as conn:
            return [dict(row) for row in conn.execute(query).mappings()]

    def iter_audit_rows(self, start: datetime, end: datetime, *, batch_size: int = 1000) -> Iterator[Row]:
        """``audit_log`` rows with ``start <= at <= end`` (naive UTC), oldest first.

        Reads ``batch_size`` rows per query, so exporting a year never holds the whole log in memory.
        """
        in_period = (audit_log.c.at >= start, audit_log.c.at <= end)
        last_pk = 0
        while True:
            query = select(audit_log).where(*in_period, audit_log.c.pk > last_pk)
            with self._db.read() as conn:
                rows = conn.execute(query.order_by(audit_log.c.pk).limit(batch_size)).mappings().all()
            yield from (dict(row) for row in rows)
            if len(rows) < batch_size:
                return
            last_pk = rows[-1]["pk"]
