"""API keys for the HTTP API: hashed, expiring, rotatable (the audit log is `matcher.store.audit_api`)."""

from __future__ import annotations

import builtins
import hmac
import json
import secrets
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from matcher.domain.records import SiteKind
from matcher.store.base import StoreBase, utc_now
from matcher.store.matches_api import RecordNotFound
from matcher.store.tables import RECORD_TABLES
from matcher.store.tables_auth import (
    ApiKey,
    AuditEntry,
    KeyCheck,
    KeyVerdict,
    add_missing_columns,
    api_keys,
    audit_log,
    hash_secret,
    judge_key,
    key_from_row,
)

__all__ = ["CLI_ACTOR", "KEY_PREFIX", "ROLES", "ApiKey", "AuditEntry", "AuthMixin", "KeyCheck", "KeyVerdict"]
__all__ += ["hash_secret"]

ROLES = ("admin", "base", "station", "analyst")
"""admin: everything; base: its stations and their demands; station: its own demands; analyst: read-only."""

KEY_PREFIX = "hzk"
CLI_ACTOR = "cli"
"""``key_id`` and ``role`` of audit entries written by ``haizhi keys`` commands (no API key involved)."""

_SITE_KINDS_FOR_ROLE = {
    "base": (SiteKind.BASE, SiteKind.OFFSHORE_BASE),
    "station": (SiteKind.STATION, SiteKind.OVERSEAS_STATION),
}
# Writing last_used_at on every request would make each read a database write.
_TOUCH_EVERY = timedelta(minutes=1)
# Compared against when a key has no such hash, so timing does not reveal which key ids exist.
_NO_HASH = "0" * 64
# Text columns searched by the ``q`` parameter of record listings, when the table has them.


def _iso(moment: datetime | None) -> str | None:
    """Naive UTC as ISO 8601 with ``Z`` (for audit details and messages)."""
    return None if moment is None else moment.isoformat(timespec="seconds") + "Z"


def _split_token(token: str) -> tuple[str, str, str]:
    """``hzk_<key id>_<secret>`` → (prefix, key id, secret); parts are empty when absent."""
    prefix, _, rest = token.strip().partition("_")
    key_id, _, secret = rest.partition("_")
    return prefix, key_id, secret


class AuthMixin(StoreBase):
    """API keys, audit log and scoped search; see `matcher.store.Store` for the assembled class."""

    def create_schema(self) -> None:
        """Create missing tables, then add the API-key columns a database from an older release lacks."""
        super().create_schema()
        with self._write() as conn:
            add_missing_columns(conn, api_keys)

    def create_api_key(
        self,
        name: str,
        role: str,
        site_id: str | None = None,
        *,
        expires_at: datetime | None = None,
        actor: str | None = None,
    ) -> tuple[ApiKey, str]:
        """Create a key and return it with its token ``hzk_<key id>_<secret>`` (shown only this once).

        Args:
            name: who or what uses the key.
            role: one of `ROLES`.
            site_id: the base's or station's site (base and station keys only).
            expires_at: when the key stops working (naive UTC); None: never.
            actor: who creates it, for the audit log (None: not audited, e.g. tests and first start).

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
        key = ApiKey(key_id, name.strip(), role, site_id or None, utc_now(), expires_at=expires_at)
        with self._write() as conn:
            conn.execute(
                api_keys.insert().values(
                    key_id=key.key_id,
                    name=key.name,
                    role=key.role,
                    site_id=key.site_id,
                    secret_hash=hash_secret(secret),
                    created_at=key.created_at,
                    expires_at=expires_at,
                )
            )
            if actor is not None:
                detail = {"role": role, "site_id": key.site_id, "expires_at": _iso(expires_at)}
                self._audit_key_command(actor, "keys.create", key_id, detail)
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
            return [key_from_row(row) for row in conn.execute(query).mappings()]

    def resolve_api_key_id(self, id_or_prefix: str) -> str:
        """The one key id equal to, or starting with, ``id_or_prefix`` (a ``hzk_<id>_…`` token works too).

        Raises:
            RecordNotFound: if no key matches.
            ValueError: if the prefix is empty or matches several keys.
        """
        wanted = id_or_prefix.strip()
        if wanted.startswith(KEY_PREFIX + "_"):
            wanted = _split_token(wanted)[1]
        if not wanted:
            raise ValueError("give a key id (or its first characters) from `haizhi keys list`")
        query = select(api_keys.c.key_id).where(api_keys.c.key_id.startswith(wanted, autoescape=True))
        with self._read() as conn:
            found = builtins.list(conn.execute(query.order_by(api_keys.c.key_id)).scalars())
        if wanted in found:
            return wanted
        if not found:
            raise RecordNotFound(f"no API key with id {id_or_prefix!r} (see `haizhi keys list --all`)")
        if len(found) > 1:
            raise ValueError(
                f"{id_or_prefix!r} matches several keys ({', '.join(found)}): give more of the id"
            )
        return found[0]

    def revoke_api_key(self, key_id: str, *, actor: str | None = None) -> ApiKey:
        """Revoke a key (idempotent); it stops working at once.

        Args:
            key_id: the key's id.
            actor: who revokes it, for the audit log (None: not audited).

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
                if actor is not None:
                    self._audit_key_command(actor, "keys.revoke", key_id, {})
            row = conn.execute(select(api_keys).where(api_keys.c.key_id == key_id)).mappings().one()
        return key_from_row(row)

    def rotate_api_key(
        self,
        key_id: str,
        *,
        grace: timedelta,
        expires_at: datetime | None = None,
        actor: str = CLI_ACTOR,
        now: datetime | None = None,
    ) -> tuple[ApiKey, str]:
        """Give a key a new secret; the old one keeps working for ``grace``, then stops (audited).

        Role, site, name and id stay; only the last replaced secret is remembered, so rotating twice
        within a grace period ends the first old secret at once.

        Args:
            key_id: the key's id.
            grace: how long the old secret still works (``timedelta(0)``: it stops now).
            expires_at: a new expiry (naive UTC); None keeps the key's current expiry.
            actor: who rotates it, for the audit log.
            now: the current time (naive UTC; tests pass their own clock).

        Returns:
            The key and its new token ``hzk_<key id>_<secret>`` (shown only this once).

        Raises:
            RecordNotFound: if there is no such key.
            ValueError: for a negative grace, a revoked key, or an expiry that has passed.
        """
        if grace < timedelta(0):
            raise ValueError("the grace period cannot be negative (0 ends the old secret at once)")
        now = now or utc_now()
        secret = secrets.token_urlsafe(32)
        with self._write() as conn:
            row = conn.execute(select(api_keys).where(api_keys.c.key_id == key_id)).mappings().first()
            if row is None:
                raise RecordNotFound(f"no API key with id {key_id!r} (see `haizhi keys list`)")
            if row["revoked_at"] is not None:
                raise ValueError(
                    f"API key {key_id} was revoked at {_iso(row['revoked_at'])}: create a new key"
                )
            expiry = expires_at or row["expires_at"]
            if expiry is not None and expiry <= now:
                raise ValueError(
                    f"API key {key_id} expires at {_iso(expiry)}, which has passed: "
                    "rotate it with a new expiry (--expires-in or --expires)"
                )
            valid_until = now + grace  # kept even for 0, so the old secret gets a "rotated" 401
            conn.execute(
                api_keys.update()
                .where(api_keys.c.key_id == key_id)
                .values(
                    secret_hash=hash_secret(secret),
                    previous_secret_hash=row["secret_hash"],
                    previous_secret_valid_until=valid_until,
                    rotated_at=now,
                    expires_at=expiry,
                )
            )
            detail = {
                "grace_seconds": int(grace.total_seconds()),
                "old_secret_valid_until": _iso(valid_until),
                "expires_at": _iso(expiry),
            }
            self._audit_key_command(actor, "keys.rotate", key_id, detail, at=now)
            row = conn.execute(select(api_keys).where(api_keys.c.key_id == key_id)).mappings().one()
        return key_from_row(row), f"{KEY_PREFIX}_{key_id}_{secret}"

    def check_api_key(self, token: str, *, now: datetime | None = None) -> KeyCheck:
        """Whether a token authenticates, and if not why (constant-time comparison of the secret hashes).

        Args:
            token: ``hzk_<key id>_<secret>``.
            now: the current time (naive UTC; tests pass their own clock).
        """
        prefix, key_id, secret = _split_token(token)
        with self._read() as conn:
            row = conn.execute(select(api_keys).where(api_keys.c.key_id == key_id)).mappings().first()
        digest = hash_secret(secret)
        # Both comparisons always run, so response time does not reveal which ids or secrets exist.
        current = hmac.compare_digest(digest, row["secret_hash"] if row is not None else _NO_HASH)
        previous_hash = row["previous_secret_hash"] if row is not None else None
        previous = hmac.compare_digest(digest, previous_hash or _NO_HASH)
        if row is None or prefix != KEY_PREFIX or not (current or previous):
            return KeyCheck(KeyVerdict.UNKNOWN)
        now = now or utc_now()
        check = judge_key(row, current, now)
        if check.accepted and (row["last_used_at"] is None or now - row["last_used_at"] > _TOUCH_EVERY):
            with self._write() as conn:
                conn.execute(api_keys.update().where(api_keys.c.key_id == key_id).values(last_used_at=now))
        return check

    def authenticate_api_key(self, token: str, *, now: datetime | None = None) -> ApiKey | None:
        """The key a token authenticates (active, not expired, secret current or in grace), or None."""
        check = self.check_api_key(token, now=now)
        return check.key if check.accepted else None

    def _audit_key_command(
        self, actor: str, action: str, key_id: str, detail: Mapping[str, Any], *, at: datetime | None = None
    ) -> None:
        """Audit a ``haizhi keys`` command: no API key acted, so key id and role are `CLI_ACTOR`."""
        with self._write() as conn:
            conn.execute(
                audit_log.insert().values(
                    at=at or utc_now(),
                    key_id=CLI_ACTOR,
                    actor=actor[:128],
                    role=CLI_ACTOR,
                    site_id=None,
                    action=action,
                    target_kind="api_keys",
                    target_id=key_id,
                    detail=json.dumps(dict(detail), ensure_ascii=False),
                )
            )
