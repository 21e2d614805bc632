"""Records of the API's access control: API keys, verdicts on presented tokens, audit entries.

They are read from the rows of ``store.access`` by the generic row mapper (`matcher.store.object_from_row`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from matcher.store import object_from_row, utc_now


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
    """The result of `api.access.keys.ApiKeys.check`.

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


def utc_text(moment: datetime) -> str:
    """Naive UTC as ISO 8601 to the second with ``Z`` (messages, audit details, exports)."""
    return moment.isoformat(timespec="seconds") + "Z"


def hash_secret(secret: str) -> str:
    """SHA-256 hex digest of a key secret (only the digest is stored)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def key_from_row(row: Mapping[str, Any]) -> ApiKey:
    """An ``api_keys`` row as an `ApiKey` (without the secret hashes)."""
    return object_from_row(ApiKey, row)


def judge_key(row: Mapping[str, Any], current: bool, now: datetime) -> KeyCheck:
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
