"""Tables of the API's access control (hashed API keys, the audit log of every write) and their rows."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, Connection, DateTime, Index, Integer, String, Table, Text, inspect

from matcher.store.base import utc_now
from matcher.store.codec import dataclass_from_row
from matcher.store.tables import metadata

# Only the SHA-256 of a key's secret is stored; the secret itself is shown once, at creation.
api_keys = Table(
    "api_keys",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("key_id", String(32), nullable=False, unique=True),
    Column("name", String(128), nullable=False),
    Column("role", String(16), nullable=False),
    Column("site_id", String(64), nullable=True),
    Column("secret_hash", String(64), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("revoked_at", DateTime, nullable=True),
    Column("last_used_at", DateTime, nullable=True),
    # Added after the first release (see `add_missing_columns`): expiry and rotation with a grace period.
    Column("expires_at", DateTime, nullable=True),
    Column("rotated_at", DateTime, nullable=True),
    Column("previous_secret_hash", String(64), nullable=True),
    Column("previous_secret_valid_until", DateTime, nullable=True),
    sqlite_autoincrement=True,
)

# No foreign keys: the log outlives revoked keys and deleted records.
audit_log = Table(
    "audit_log",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime, nullable=False),
    Column("key_id", String(32), nullable=False),
    Column("actor", String(128), nullable=False),
    Column("role", String(16), nullable=False),
    Column("site_id", String(64), nullable=True),
    Column("action", String(64), nullable=False),
    Column("target_kind", String(32), nullable=False),
    Column("target_id", String(160), nullable=False),
    Column("detail", Text, nullable=False, default="{}"),
    Index("ix_audit_log_at", "at"),
    Index("ix_audit_log_target", "target_kind", "target_id"),
    sqlite_autoincrement=True,
)


def add_missing_columns(conn: Connection, table: Table) -> list[str]:
    """Add the nullable columns of ``table`` that an older database lacks (SQLite and PostgreSQL).

    ``create_all`` creates missing tables but never alters existing ones, so columns added to a table
    after release are added here. Run it inside the schema's write transaction: on SQLite that holds
    the write lock, and PostgreSQL's ``IF NOT EXISTS`` makes two servers upgrading at once harmless.

    Returns:
        The names of the columns added.

    Raises:
        ValueError: if a missing column is NOT NULL (that needs a real migration, not this).
    """
    present = {column["name"] for column in inspect(conn).get_columns(table.name)}
    missing = [column for column in table.columns if column.name not in present]
    postgres = conn.dialect.name == "postgresql"
    for column in missing:
        if not column.nullable:
            raise ValueError(f"cannot add NOT NULL column {table.name}.{column.name} to an existing table")
        preparer = conn.dialect.identifier_preparer
        sql_type = column.type.compile(dialect=conn.dialect)
        exists_clause = "IF NOT EXISTS " if postgres else ""
        conn.exec_driver_sql(
            f"ALTER TABLE {preparer.format_table(table)} ADD COLUMN {exists_clause}"
            f"{preparer.format_column(column)} {sql_type}"
        )
    return [column.name for column in missing]


@dataclass(frozen=True)
class ApiKey:
    """An API key's public part (the secret is never stored)."""

    key_id: str
    name: str
    role: str
    site_id: str | None
    created_at: datetime
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None
    expires_at: datetime | None = None
    rotated_at: datetime | None = None
    previous_secret_valid_until: datetime | None = None

    @property
    def active(self) -> bool:
        """False once revoked."""
        return self.revoked_at is None

    def expired(self, now: datetime | None = None) -> bool:
        """Whether the key's expiry (naive UTC) has passed at ``now`` (default: the current time)."""
        return self.expires_at is not None and (now or utc_now()) >= self.expires_at


class KeyVerdict(StrEnum):
    """Outcome of checking a token: accepted, or why not."""

    ACCEPTED = "accepted"
    UNKNOWN = "unknown"  # no such key, wrong secret or not a token at all
    REVOKED = "revoked"
    EXPIRED = "expired"
    ROTATED = "rotated"  # a replaced secret whose grace period has ended


@dataclass(frozen=True)
class KeyCheck:
    """The result of `AuthMixin.check_api_key`.

    Attributes:
        verdict: accepted or the reason for refusal.
        key: the key, unless the verdict is ``unknown`` (only a caller holding a real secret learns more).
        at: when the key was revoked / expired / its old secret stopped working (naive UTC).
    """

    verdict: KeyVerdict
    key: ApiKey | None = None
    at: datetime | None = None

    @property
    def accepted(self) -> bool:
        """True when the token authenticates."""
        return self.verdict is KeyVerdict.ACCEPTED


@dataclass(frozen=True)
class AuditEntry:
    """One recorded write: who, what, when."""

    at: datetime
    key_id: str
    actor: str
    role: str
    site_id: str | None
    action: str
    target_kind: str
    target_id: str
    detail: dict[str, Any]


def hash_secret(secret: str) -> str:
    """SHA-256 hex digest of a key secret."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def key_from_row(row: Mapping[Any, Any]) -> ApiKey:
    """An ``api_keys`` row as an `ApiKey` (without the secret hashes)."""
    return dataclass_from_row(ApiKey, row)


def entry_from_row(row: Mapping[Any, Any]) -> AuditEntry:
    """An ``audit_log`` row as an `AuditEntry` (detail decoded from JSON)."""
    return dataclass_from_row(AuditEntry, row, detail=json.loads(row["detail"] or "{}"))


def judge_key(row: Mapping[Any, Any], current: bool, now: datetime) -> KeyCheck:
    """The verdict on a key row whose current (``current``) or previous secret matched a token at ``now``.

    Revoked beats expired, which beats a replaced secret past its grace period.
    """
    key = key_from_row(row)
    if key.revoked_at is not None:
        return KeyCheck(KeyVerdict.REVOKED, key, key.revoked_at)
    if key.expires_at is not None and now >= key.expires_at:
        return KeyCheck(KeyVerdict.EXPIRED, key, key.expires_at)
    grace_end = key.previous_secret_valid_until
    if not current and (grace_end is None or now >= grace_end):
        return KeyCheck(KeyVerdict.ROTATED, key, grace_end or key.rotated_at)
    return KeyCheck(KeyVerdict.ACCEPTED, key)
