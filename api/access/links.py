"""Experts' personal links: signed, expiring, revocable tokens scoped to one expert (no API key).

A token is ``base64url(link_id "." expert_id "." expiry) "." base64url(HMAC-SHA256)``: the link id, the
expert it opens and its expiry (Unix seconds), signed with the link secret and compared in constant
time. The secret is ``HAIZHI_LINK_SECRET``; when unset, one is generated once and kept in the store's
``meta`` table (first writer wins), so it survives restarts and every server worker shares it.

Each link is a row of ``store.links`` (created, expires, revoked, used, last seen, visits), so links
are listable and revocable; a token whose row is missing, whose fields differ from the row, or whose
signature does not verify is *invalid*. What "used" means depends on the purpose:

- ``respond`` (outreach and nightly mails): the page of the demands recommended to the expert and the
  profile; visits, answers and profile edits are allowed until the link expires (default 30 days), so
  an expert can answer over several days. It is never consumed.
- ``profile`` (profile confirmation, e.g. a yearly freshness round): the profile only; it is consumed
  (``used_at``) by the first confirmation or edit, and then shows the "already used" page.
"""

from __future__ import annotations

import base64
import binascii
import builtins
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from api.access.records import ApiKey
from matcher.store import Store, object_from_row, utc_now

LinkPurpose = Literal["respond", "profile"]
PURPOSES: tuple[str, ...] = ("respond", "profile")
SINGLE_USE: frozenset[str] = frozenset({"profile"})
"""Purposes consumed by their first confirmation or edit of the profile."""

SECRET_META_KEY = "link_secret"
_SIGNING_CONTEXT = b"haizhi-expert-link:v1:"
LINK_ID_PREFIX = "L"


class LinkSettings(BaseSettings):
    """Settings of the experts' links (environment ``HAIZHI_*``).

    Attributes:
        link_secret: HMAC key of link tokens; empty means one generated into the store's ``meta`` table.
            Changing it invalidates every link sent.
        public_url: the address experts reach the server at (e.g. ``https://match.example.cn``); mails
            carry links only when it is set.
        link_days: default lifetime of a link in days.
        link_rate_limit: requests one link may make within ``link_rate_window_seconds`` (0: no limit).
        link_rate_window_seconds: the counting window, and how long a link is then held back.
        link_failure_limit: invalid tokens from one client address within the window after which the
            address gets the "too many attempts" page for every link (0: no limit).
    """

    model_config = SettingsConfigDict(env_prefix="HAIZHI_", env_file=".env", extra="ignore")

    link_secret: SecretStr = SecretStr("")
    public_url: str = ""
    link_days: int = Field(default=30, ge=1, le=365)
    link_rate_limit: int = Field(default=120, ge=0)
    link_rate_window_seconds: float = Field(default=60.0, gt=0, le=86_400)
    link_failure_limit: int = Field(default=20, ge=0)


class LinkVerdict(StrEnum):
    """Outcome of checking a link token."""

    ACCEPTED = "accepted"
    INVALID = "invalid"  # malformed, tampered, unknown or of a deleted expert
    EXPIRED = "expired"
    REVOKED = "revoked"
    USED = "used"


@dataclass(frozen=True)
class ExpertLink:
    """One link's row (no secret: the token is recomputed from these fields and the link secret)."""

    link_id: str
    expert_id: str
    purpose: str
    created_at: datetime
    created_by: str
    expires_at: datetime
    revoked_at: datetime | None = None
    used_at: datetime | None = None
    last_seen_at: datetime | None = None
    visits: int = 0
    note: str = ""

    @property
    def single_use(self) -> bool:
        """Whether the first profile confirmation consumes the link."""
        return self.purpose in SINGLE_USE

    def state(self, now: datetime | None = None) -> LinkVerdict:
        """accepted, or revoked / used / expired (in that order of precedence)."""
        if self.revoked_at is not None:
            return LinkVerdict.REVOKED
        if self.used_at is not None:
            return LinkVerdict.USED
        if (now or utc_now()) >= self.expires_at:
            return LinkVerdict.EXPIRED
        return LinkVerdict.ACCEPTED

    @property
    def actor(self) -> str:
        """Who acts through the link, for match history and the audit log."""
        return f"expert:{self.expert_id} via link {self.link_id}"

    @property
    def audit_key(self) -> ApiKey:
        """The audit identity of the link: key id = the link id, actor ``expert:<id>``, role ``expert``."""
        return ApiKey(
            key_id=self.link_id,
            name=f"expert:{self.expert_id}",
            role="expert",
            site_id=None,
            created_at=self.created_at,
            expires_at=self.expires_at,
            revoked_at=self.revoked_at,
        )


@dataclass(frozen=True)
class LinkCheck:
    """The result of `ExpertLinks.check`: the verdict and, unless invalid, the link."""

    verdict: LinkVerdict
    link: ExpertLink | None = None

    @property
    def accepted(self) -> bool:
        """True when the link may be used."""
        return self.verdict is LinkVerdict.ACCEPTED


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    if not text or len(text) > 400 or not text.isascii():
        raise ValueError("not a token part")
    decoded = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if _b64(decoded) != text:  # only the canonical spelling: no two tokens for one link
        raise ValueError("not a canonical token part")
    return decoded


def _epoch(moment: datetime) -> int:
    return int(moment.replace(tzinfo=UTC).timestamp())


def _from_epoch(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class _Payload:
    link_id: str
    expert_id: str
    expires: int

    def encode(self) -> bytes:
        return f"{self.link_id}.{self.expert_id}.{self.expires}".encode()

    @classmethod
    def decode(cls, data: bytes) -> _Payload:
        text = data.decode("utf-8")
        link_id, _, rest = text.partition(".")
        expert_id, _, expires = rest.rpartition(".")
        if not link_id or not expert_id or not expires.isdigit() or len(expires) > 12:
            raise ValueError("not a link payload")
        return cls(link_id, expert_id, int(expires))


class ExpertLinks:
    """The link policy over ``store.links``: create, sign, check, list, revoke, consume."""

    def __init__(self, store: Store, secret: str | bytes | None = None) -> None:
        """Links of ``store``; ``secret`` as configured (None or empty: the store's generated one)."""
        self._store = store
        self._rows = store.links
        if isinstance(secret, str):
            secret = secret.encode()
        if not secret:
            secret = self._rows.meta_value_or_insert(SECRET_META_KEY, secrets.token_urlsafe(32)).encode()
        self._secret = secret

    @classmethod
    def from_settings(cls, store: Store, settings: LinkSettings) -> ExpertLinks:
        """Links signed with ``settings.link_secret`` (or the store's generated secret)."""
        return cls(store, settings.link_secret.get_secret_value())

    # ---- tokens ---------------------------------------------------------------------------------
    def _signature(self, payload: bytes) -> bytes:
        return hmac.new(self._secret, _SIGNING_CONTEXT + payload, hashlib.sha256).digest()

    def token(self, link: ExpertLink) -> str:
        """The token of ``link`` (deterministic: the same link always gives the same token)."""
        payload = _Payload(link.link_id, link.expert_id, _epoch(link.expires_at)).encode()
        return f"{_b64(payload)}.{_b64(self._signature(payload))}"

    def check(self, token: str, *, now: datetime | None = None) -> LinkCheck:
        """Verify ``token``: signature first (constant time), then the stored link's state."""
        try:
            encoded, _, signature = token.partition(".")
            payload_bytes, presented = _unb64(encoded), _unb64(signature)
            payload = _Payload.decode(payload_bytes)
        except (ValueError, binascii.Error, UnicodeDecodeError):
            return LinkCheck(LinkVerdict.INVALID)
        if not hmac.compare_digest(presented, self._signature(payload_bytes)):
            return LinkCheck(LinkVerdict.INVALID)
        link = self.get(payload.link_id)
        if (
            link is None
            or link.expert_id != payload.expert_id
            or _epoch(link.expires_at) != payload.expires
            or self._store.records.get("experts", link.expert_id) is None
        ):
            return LinkCheck(LinkVerdict.INVALID)
        return LinkCheck(link.state(now), link)

    # ---- rows -----------------------------------------------------------------------------------
    def create(
        self,
        expert_id: str,
        *,
        created_by: str,
        days: int = 30,
        purpose: str = "respond",
        note: str = "",
        now: datetime | None = None,
    ) -> tuple[ExpertLink, str]:
        """A new link for ``expert_id`` valid ``days`` days; returns it and its token.

        Raises:
            ValueError: for an unknown purpose, a non-positive lifetime or an unknown expert.
        """
        if purpose not in PURPOSES:
            raise ValueError(f"unknown link purpose {purpose!r} (use {' or '.join(PURPOSES)})")
        if days < 1 or days > 365:
            raise ValueError(f"a link lives 1 to 365 days, not {days}")
        if self._store.records.get("experts", expert_id) is None:
            raise ValueError(f"no expert with id {expert_id!r}")
        created = (now or utc_now()).replace(microsecond=0)
        link = ExpertLink(
            link_id=LINK_ID_PREFIX + secrets.token_hex(6),
            expert_id=expert_id,
            purpose=purpose,
            created_at=created,
            created_by=created_by[:160],
            expires_at=created + timedelta(days=days),
            note=note[:500],
        )
        self._rows.insert_link(
            {
                "link_id": link.link_id,
                "expert_id": link.expert_id,
                "purpose": link.purpose,
                "created_at": link.created_at,
                "created_by": link.created_by,
                "expires_at": link.expires_at,
                "visits": 0,
                "note": link.note,
            }
        )
        return link, self.token(link)

    def get(self, link_id: str) -> ExpertLink | None:
        """The link ``link_id``, or None."""
        row = self._rows.link_row(link_id)
        return None if row is None else object_from_row(ExpertLink, row)

    def list(
        self, *, expert_id: str | None = None, created_by: str | None = None
    ) -> builtins.list[ExpertLink]:
        """Links, oldest first."""
        rows = self._rows.link_rows(expert_id=expert_id, created_by=created_by)
        return [object_from_row(ExpertLink, row) for row in rows]

    def revoke(self, link_id: str, *, now: datetime | None = None) -> ExpertLink:
        """Revoke a link (idempotent: an already revoked link keeps its first revocation time).

        Raises:
            KeyError: for an unknown link.
        """
        link = self.get(link_id)
        if link is None:
            raise KeyError(link_id)
        if link.revoked_at is None:
            self._rows.update_link(link_id, {"revoked_at": now or utc_now()})
        revoked = self.get(link_id)
        assert revoked is not None
        return revoked

    def seen(self, link: ExpertLink) -> None:
        """Count a visit of the link's page."""
        self._rows.count_visit(link.link_id, utc_now())

    def consume(self, link: ExpertLink) -> bool:
        """Mark a single-use link used; True if this call consumed it (multi-visit links: always True)."""
        if not link.single_use:
            return True
        return self._rows.consume(link.link_id, utc_now())

    def url(self, base_url: str, token: str) -> str:
        """The address of the expert's page under ``base_url``."""
        return f"{base_url.rstrip('/')}/x/{token}"
