"""The audit log: who changed what, when (API writes and key commands), and its export by period."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from api.access.records import ApiKey, AuditEntry
from matcher.store import Store, object_from_row, utc_now

CLI_ACTOR = "cli"
"""``key_id`` and ``role`` of audit entries written by ``haizhi keys`` commands (no API key involved)."""


class AuditLog:
    """The audit log of one store, built on the ``audit_log`` rows of ``store.access``."""

    def __init__(self, store: Store) -> None:
        """Read and append to ``store``'s audit log."""
        self._rows = store.access

    def record(
        self,
        key: ApiKey,
        action: str,
        target_kind: str,
        target_id: str,
        detail: Mapping[str, Any] | None = None,
    ) -> None:
        """Append one entry for a write made with ``key``."""
        self._rows.insert_audit(
            {
                "at": utc_now(),
                "key_id": key.key_id,
                "actor": key.name,
                "role": key.role,
                "site_id": key.site_id,
                "action": action,
                "target_kind": target_kind,
                "target_id": target_id[:160],
                "detail": json.dumps(dict(detail or {}), ensure_ascii=False, default=str),
            }
        )

    def record_key_command(
        self, actor: str, action: str, key_id: str, detail: Mapping[str, Any], *, at: datetime | None = None
    ) -> None:
        """Audit a ``haizhi keys`` command: no API key acted, so key id and role are `CLI_ACTOR`."""
        self._rows.insert_audit(
            {
                "at": at or utc_now(),
                "key_id": CLI_ACTOR,
                "actor": actor[:128],
                "role": CLI_ACTOR,
                "site_id": None,
                "action": action,
                "target_kind": "api_keys",
                "target_id": key_id,
                "detail": json.dumps(dict(detail), ensure_ascii=False),
            }
        )

    def entries(
        self, *, limit: int = 100, offset: int = 0, key_id: str | None = None, target_id: str | None = None
    ) -> list[AuditEntry]:
        """Audit entries, newest first."""
        rows = self._rows.audit_rows(limit=limit, offset=offset, key_id=key_id, target_id=target_id)
        return [object_from_row(AuditEntry, row) for row in rows]

    def iter_entries(self, start: datetime, end: datetime, *, batch_size: int = 1000) -> Iterator[AuditEntry]:
        """Audit entries with ``start <= at <= end`` (naive UTC), oldest first, read in batches."""
        for row in self._rows.iter_audit_rows(start, end, batch_size=batch_size):
            yield object_from_row(AuditEntry, row)
