"""The audit log: who changed what, when (API writes and key commands), and its export by period."""

from __future__ import annotations

import builtins
import json
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select

from matcher.store.base import StoreBase, utc_now
from matcher.store.tables_auth import ApiKey, AuditEntry, audit_log, entry_from_row


class AuditMixin(StoreBase):
    """Audit log storage; see `matcher.store.Store` for the assembled class."""

    def record_audit(
        self,
        key: ApiKey,
        action: str,
        target_kind: str,
        target_id: str,
        detail: Mapping[str, Any] | None = None,
    ) -> None:
        """Append one entry to the audit log."""
        with self._write() as conn:
            conn.execute(
                audit_log.insert().values(
                    at=utc_now(),
                    key_id=key.key_id,
                    actor=key.name,
                    role=key.role,
                    site_id=key.site_id,
                    action=action,
                    target_kind=target_kind,
                    target_id=target_id[:160],
                    detail=json.dumps(dict(detail or {}), ensure_ascii=False, default=str),
                )
            )

    def audit_entries(
        self, *, limit: int = 100, offset: int = 0, key_id: str | None = None, target_id: str | None = None
    ) -> builtins.list[AuditEntry]:
        """Audit entries, newest first."""
        query = select(audit_log).order_by(audit_log.c.pk.desc()).offset(offset).limit(limit)
        if key_id is not None:
            query = query.where(audit_log.c.key_id == key_id)
        if target_id is not None:
            query = query.where(audit_log.c.target_id == target_id)
        with self._read() as conn:
            return [entry_from_row(row) for row in conn.execute(query).mappings()]

    def iter_audit_entries(
        self, start: datetime, end: datetime, *, batch_size: int = 1000
    ) -> Iterator[AuditEntry]:
        """Audit entries with ``start <= at <= end`` (naive UTC), oldest first.

        Read ``batch_size`` rows per query, so exporting a year never holds the whole log in memory.
        """
        in_period = (audit_log.c.at >= start, audit_log.c.at <= end)
        last_pk = 0
        while True:
            query = select(audit_log).where(*in_period, audit_log.c.pk > last_pk)
            with self._read() as conn:
                rows = conn.execute(query.order_by(audit_log.c.pk).limit(batch_size)).mappings().all()
            yield from (entry_from_row(row) for row in rows)
            if len(rows) < batch_size:
                return
            last_pk = rows[-1]["pk"]
