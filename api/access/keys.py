"""API keys for the HTTP API: roles, tokens ``hzk_<key id>_<secret>``, hashing, expiry and rotation.

The policy lives here; the rows are ``store.access`` (`matcher.store.repositories.access`). Key
commands given an ``actor`` are audited through `api.access.audit.AuditLog`.
"""

from __future__ import annotations

import builtins
import hmac
import secrets
from datetime import datetime, timedelta

from api.access.audit import CLI_ACTOR, AuditLog
from api.access.records import (
    ApiKey,
    KeyCheck,
    KeyVerdict,
    hash_secret,
    judge_key,
    key_from_row,
    utc_text,
)
from matcher.domain.records import Site, SiteKind
from matcher.store import RecordNotFound, Row, Store, utc_now

__all__ = ["CLI_ACTOR", "KEY_PREFIX", "ROLES", "ApiKey", "ApiKeys", "KeyCheck", "KeyVerdict", "hash_secret"]

ROLES = ("admin", "base", "station", "analyst")
"""admin: everything; base: its stations and their demands; station: its own demands; analyst: read-only."""

KEY_PREFIX = "hzk"

_SITE_KINDS_FOR_ROLE = {
    "base": (SiteKind.BASE, SiteKind.OFFSHORE_BASE),
    "station": (SiteKind.STATION, SiteKind.OVERSEAS_STATION),
}
# Writing last_used_at on every request would make each read a database write.
_TOUCH_EVERY = timedelta(minutes=1)
# Compared against when a key has no such hash, so timing does not reveal which key ids exist.
_NO_HASH = "0" * 64


def _iso(moment: datetime | None) -> str | None:
    """`utc_text`, or None for no moment (audit details keep a JSON null)."""
    return None if moment is None else utc_text(moment)


def _split_token(token: str) -> tuple[str, str, str]:
    """``hzk_<key id>_<secret>`` → (prefix, key id, secret); parts are empty when absent."""
    prefix, _, rest = token.strip().partition("_")
    key_id, _, secret = rest.partition("_")
    return prefix, key_id, secret


class ApiKeys:
    """The API keys of one store."""

    def __init__(self, store: Store) -> None:
        """Manage the keys kept in ``store`` (and audit key commands in its audit log)."""
        self._store = store
        self._rows = store.access
        self._audit = AuditLog(store)

    def create(
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
        with self._store.transaction():
            self._rows.insert_key(
                {
                    "key_id": key.key_id,
                    "name": key.name,
                    "role": key.role,
                    "site_id": key.site_id,
                    "secret_hash": hash_secret(secret),
                    "created_at": key.created_at,
                    "expires_at": expires_at,
                }
            )
            if actor is not None:
                detail = {"role": role, "site_id": key.site_id, "expires_at": _iso(expires_at)}
                self._audit.record_key_command(actor, "keys.create", key_id, detail)
        return key, f"{KEY_PREFIX}_{key_id}_{secret}"

    def _require_site(self, site_id: str, kinds: tuple[SiteKind, ...]) -> None:
        site = self._store.records.get("sites", site_id)
        kind = site.kind.value if isinstance(site, Site) else None
        allowed = [k.value for k in kinds]
        if kind is None:
            raise RecordNotFound(f"no site with id {site_id!r}: import the sites first")
        if kind not in allowed:
            raise ValueError(f"site {site_id!r} is a {kind}, expected one of: {', '.join(allowed)}")

    def list(self, *, include_revoked: bool = True) -> builtins.list[ApiKey]:
        """Every key, oldest first."""
        return [key_from_row(row) for row in self._rows.key_rows(include_revoked=include_revoked)]

    def resolve_id(self, id_or_prefix: str) -> str:
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
        found = self._rows.key_ids_starting_with(wanted)
        if wanted in found:
            return wanted
        if not found:
            raise RecordNotFound(f"no API key with id {id_or_prefix!r} (see `haizhi keys list --all`)")
        if len(found) > 1:
            raise ValueError(
                f"{id_or_prefix!r} matches several keys ({', '.join(found)}): give more of the id"
            )
        return found[0]

    def revoke(self, key_id: str, *, actor: str | None = None) -> ApiKey:
        """Revoke a key (idempotent); it stops working at once.

        Args:
            key_id: the key's id.
            actor: who revokes it, for the audit log (None: not audited).

        Raises:
            RecordNotFound: if there is no such key.
        """
        with self._store.transaction():
            row = self._rows.key_row(key_id)
            if row is None:
                raise RecordNotFound(f"no API key with id {key_id!r} (see `haizhi keys list`)")
            if row["revoked_at"] is None:
                self._rows.update_key(key_id, {"revoked_at": utc_now()})
                if actor is not None:
                    self._audit.record_key_command(actor, "keys.revoke", key_id, {})
            row = self._stored(key_id)
        return key_from_row(row)

    def rotate(
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
        with self._store.transaction():
            row = self._rows.key_row(key_id)
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
            self._rows.update_key(
                key_id,
                {
                    "secret_hash": hash_secret(secret),
                    "previous_secret_hash": row["secret_hash"],
                    "previous_secret_valid_until": valid_until,
                    "rotated_at": now,
                    "expires_at": expiry,
                },
            )
            detail = {
                "grace_seconds": int(grace.total_seconds()),
                "old_secret_valid_until": _iso(valid_until),
                "expires_at": _iso(expiry),
            }
            self._audit.record_key_command(actor, "keys.rotate", key_id, detail, at=now)
            row = self._stored(key_id)
        return key_from_row(row), f"{KEY_PREFIX}_{key_id}_{secret}"

    def check(self, token: str, *, now: datetime | None = None) -> KeyCheck:
        """Whether a token authenticates, and if not why (constant-time comparison of the secret hashes).

        Args:
            token: ``hzk_<key id>_<secret>``.
            now: the current time (naive UTC; tests pass their own clock).
        """
        prefix, key_id, secret = _split_token(token)
        row = self._rows.key_row(key_id)
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
            self._rows.update_key(key_id, {"last_used_at": now})
        return check

    def authenticate(self, token: str, *, now: datetime | None = None) -> ApiKey | None:
        """The key a token authenticates (active, not expired, secret current or in grace), or None."""
        check = self.check(token, now=now)
        return check.key if check.accepted else None

    def _stored(self, key_id: str) -> Row:
        """The row of a key known to exist (read back after a change)."""
        row = self._rows.key_row(key_id)
        if row is None:  # deleted by hand between the change and the read
            raise RecordNotFound(f"API key {key_id!r} disappeared while it was being changed")
        return dict(row)
