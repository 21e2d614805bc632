"""API keys (hashed), the audit log, and scoped record search for the HTTP API."""

from __future__ import annotations

import builtins
import hashlib
import hmac
import json
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, false, func, or_, select

from matcher.records import Record, SiteKind
from matcher.store.base import StoreBase, utc_now
from matcher.store.codec import from_row, list_fields
from matcher.store.matches_api import RecordNotFound
from matcher.store.records_api import table_for
from matcher.store.tables import RECORD_TABLES
from matcher.store.tables_auth import api_keys, audit_log

ROLES = ("admin", "base", "station", "analyst")
"""admin: everything; base: its stations and their demands; station: its own demands; analyst: read-only."""

KEY_PREFIX = "hzk"
_SITE_KINDS_FOR_ROLE = {
    "base": (SiteKind.BASE, SiteKind.OFFSHORE_BASE),
    "station": (SiteKind.STATION, SiteKind.OVERSEAS_STATION),
}
# Writing last_used_at on every request would make each read a database write.
_TOUCH_EVERY = timedelta(minutes=1)
# Text columns searched by the ``q`` parameter of record listings, when the table has them.
_SEARCHED = ("id", "name", "name_en", "title", "affiliation", "keywords", "enterprise", "host", "city")


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

    @property
    def active(self) -> bool:
        """False once revoked."""
        return self.revoked_at is None


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


def _key_from_row(row: Mapping[Any, Any]) -> ApiKey:
    return ApiKey(
        key_id=row["key_id"],
        name=row["name"],
        role=row["role"],
        site_id=row["site_id"],
        created_at=row["created_at"],
        revoked_at=row["revoked_at"],
        last_used_at=row["last_used_at"],
    )


class AuthMixin(StoreBase):
    """API keys, audit log and scoped search; see `matcher.store.Store` for the assembled class."""

    def create_api_key(self, name: str, role: str, site_id: str | None = None) -> tuple[ApiKey, str]:
        """Create a key and return it with its token ``hzk_<key id>_<secret>`` (shown only this once).

        Raises:
            ValueError: for an unknown role, an empty name, or a missing / unexpected site.
            RecordNotFound: if ``site_id`` is not a stored site of the kind the role needs.
        """
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r} (allowed: {', '.join(ROLES)})")
        if not name.strip():
            raise ValueError("an API key needs a name (who or what uses it)")
        if role in _SITE_KINDS_FOR_ROLE:
            if not site_id:
                raise ValueError(f"a {role} key needs --site (the {role}'s site id)")
            self._require_site(site_id, _SITE_KINDS_FOR_ROLE[role])
        elif site_id:
            raise ValueError(f"a {role} key is not tied to a site; leave --site out")
        key_id = "k" + secrets.token_hex(5)
        secret = secrets.token_urlsafe(32)
        now = utc_now()
        with self._write() as conn:
            conn.execute(
                api_keys.insert().values(
                    key_id=key_id,
                    name=name.strip(),
                    role=role,
                    site_id=site_id or None,
                    secret_hash=hash_secret(secret),
                    created_at=now,
                )
            )
        key = ApiKey(key_id=key_id, name=name.strip(), role=role, site_id=site_id or None, created_at=now)
        return key, f"{KEY_PREFIX}_{key_id}_{secret}"

    def _require_site(self, site_id: str, kinds: Iterable[SiteKind]) -> None:
        sites = RECORD_TABLES["sites"]
        with self._read() as conn:
            kind = conn.execute(select(sites.c.kind).where(sites.c.id == site_id)).scalar()
        allowed = [k.value for k in kinds]
        if kind is None:
            raise RecordNotFound(f"no site with id {site_id!r}: import the sites first")
        if kind not in allowed:
            raise ValueError(f"site {site_id!r} is a {kind}, expected one of: {', '.join(allowed)}")

    def list_api_keys(self, *, include_revoked: bool = True) -> builtins.list[ApiKey]:
        """Every key, oldest first."""
        query = select(api_keys).order_by(api_keys.c.pk)
        if not include_revoked:
            query = query.where(api_keys.c.revoked_at.is_(None))
        with self._read() as conn:
            return [_key_from_row(row) for row in conn.execute(query).mappings()]

    def revoke_api_key(self, key_id: str) -> ApiKey:
        """Revoke a key (idempotent); it stops working at once.

        Raises:
            RecordNotFound: if there is no such key.
        """
        with self._write() as conn:
            row = conn.execute(select(api_keys).where(api_keys.c.key_id == key_id)).mappings().first()
            if row is None:
                raise RecordNotFound(f"no API key with id {key_id!r} (see `haizhi keys list`)")
            if row["revoked_at"] is None:
                conn.execute(
                    api_keys.update().where(api_keys.c.key_id == key_id).values(revoked_at=utc_now())
                )
            row = conn.execute(select(api_keys).where(api_keys.c.key_id == key_id)).mappings().one()
        return _key_from_row(row)

    def authenticate_api_key(self, token: str) -> ApiKey | None:
        """The active key a token belongs to, or None (constant-time comparison of the secret hash)."""
        prefix, _, rest = token.strip().partition("_")
        key_id, _, secret = rest.partition("_")
        with self._read() as conn:
            row = conn.execute(select(api_keys).where(api_keys.c.key_id == key_id)).mappings().first()
        # Compare even for unknown ids so response time does not reveal which key ids exist.
        stored = row["secret_hash"] if row is not None else "0" * 64
        matches = hmac.compare_digest(hash_secret(secret), stored)
        if row is None or not matches or prefix != KEY_PREFIX or row["revoked_at"] is not None:
            return None
        now = utc_now()
        if row["last_used_at"] is None or now - row["last_used_at"] > _TOUCH_EVERY:
            with self._write() as conn:
                conn.execute(api_keys.update().where(api_keys.c.key_id == key_id).values(last_used_at=now))
        return _key_from_row(row)

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
            return [
                AuditEntry(
                    at=row["at"],
                    key_id=row["key_id"],
                    actor=row["actor"],
                    role=row["role"],
                    site_id=row["site_id"],
                    action=row["action"],
                    target_kind=row["target_kind"],
                    target_id=row["target_id"],
                    detail=json.loads(row["detail"] or "{}"),
                )
                for row in conn.execute(query).mappings()
            ]

    def child_site_ids(self, parent_id: str) -> builtins.list[str]:
        """Ids of the sites (stations) whose parent is ``parent_id``."""
        sites = RECORD_TABLES["sites"]
        with self._read() as conn:
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
        with self._read() as conn:
            records = [from_row(kind, row) for row in conn.execute(page).mappings()]
            count = int(conn.execute(total).scalar_one())
        return records, count
