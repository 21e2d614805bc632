"""API-key authentication and the scope rules of each role.

Roles (documented in the README):

- ``admin``: reads and writes everything, sees expert contact fields, reads the audit log.
- ``base``: its own site, its stations and their demands and matches (read and write); sees contacts.
- ``station``: its own site and demands and their matches (read and write); no expert contacts.
- ``analyst``: reads everything except expert contacts; writes nothing.

Experts and organisations are readable by every role (without contacts where not allowed); only admins
create or change experts, organisations and sites.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader

from api.access import ApiKey, ApiKeys, KeyCheck, KeyVerdict, utc_text
from api.errors import ApiError, forbidden, too_many_attempts
from api.state import AppState, get_state
from matcher.domain.records import Demand, Site

API_KEY_HEADER = "X-API-Key"
CONTACT_ROLES = frozenset({"admin", "base"})
_api_key_header = APIKeyHeader(name=API_KEY_HEADER, auto_error=False, description="hzk_… API key")


@dataclass(frozen=True)
class Principal:
    """The caller: its key, the station ids it may see (None = every station) and a station's base."""

    key: ApiKey
    station_ids: frozenset[str] | None
    parent_site: str | None = None

    @property
    def role(self) -> str:
        """admin, base, station or analyst."""
        return self.key.role

    @property
    def sees_contacts(self) -> bool:
        """Whether expert email and phone are returned to this caller."""
        return self.role in CONTACT_ROLES

    def sees_station(self, station_id: str | None) -> bool:
        """Whether demands posted by ``station_id`` are visible (unassigned ones: admin/analyst only)."""
        if self.station_ids is None:
            return True
        return station_id is not None and station_id in self.station_ids

    def sees_site(self, site: Site) -> bool:
        """Own site, its stations, and (for a station) its parent base."""
        if self.station_ids is None:
            return True
        return site.id in self.station_ids or site.id == self.parent_site

    def require_demand_read(self, demand: Demand) -> None:
        """Raise 403 unless the demand is in scope."""
        if not self.sees_station(demand.station_id):
            raise forbidden(f"demand {demand.id!r} belongs to a station outside this key's scope")

    def require_write(self) -> None:
        """Raise 403 for read-only keys."""
        if self.role == "analyst":
            raise forbidden("an analyst key is read-only")

    def require_demand_write(self, demand: Demand) -> None:
        """Raise 403 unless this key may write the demand (and its matches)."""
        self.require_write()
        if not self.sees_station(demand.station_id):
            owner = demand.station_id or "no station"
            raise forbidden(
                f"demand {demand.id!r} ({owner}) is outside this key's scope: it cannot be changed"
            )

    def require_admin(self, what: str) -> None:
        """Raise 403 unless the caller is an admin."""
        if self.role != "admin":
            raise forbidden(f"only an admin key may {what}")


def _token(request: Request, header_value: str | None) -> str | None:
    if header_value:
        return header_value
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    return None


def _utc(moment: datetime | None) -> str:
    return utc_text(moment) if moment else "an unknown time"


def _refusal(check: KeyCheck) -> ApiError:
    """401 saying why a presented key was refused; details beyond "unknown" need the real secret."""
    key_id = check.key.key_id if check.key else ""
    reasons = {
        KeyVerdict.REVOKED: f"API key {key_id} was revoked at {_utc(check.at)}",
        KeyVerdict.EXPIRED: f"API key {key_id} expired at {_utc(check.at)}: ask an admin to renew it",
        KeyVerdict.ROTATED: (
            f"this secret of API key {key_id} was replaced (key rotated); it stopped working at "
            f"{_utc(check.at)}: use the new secret"
        ),
    }
    message = reasons.get(check.verdict, "unknown API key")
    detail = {"why": check.verdict.value, "at": _utc(check.at) if check.at else None}
    return ApiError(401, "unauthorized", message, [detail])


def get_principal(
    request: Request,
    header_value: str | None = Depends(_api_key_header),
    state: AppState = Depends(get_state),
) -> Principal:
    """Dependency: authenticate the request's API key (``X-API-Key`` or ``Authorization: Bearer``).

    Raises:
        ApiError: 429 while the client address is locked out after repeated failures (see
            `api.ratelimit`, checked before the key); 401 when the key is missing, unknown, revoked,
            expired or a rotated-out secret.
    """
    limiter = state.auth_limiter
    address = request.client.host if request.client else "unknown"
    retry_after = limiter.retry_after(address)
    if retry_after is not None:
        raise too_many_attempts(retry_after)
    token = _token(request, header_value)
    if not token:
        raise ApiError(401, "unauthorized", f"send an API key in the {API_KEY_HEADER} header")
    check = ApiKeys(state.store).check(token) if token.isascii() else KeyCheck(KeyVerdict.UNKNOWN)
    if not check.accepted or check.key is None:
        limiter.record_failure(address)
        raise _refusal(check)
    key = check.key
    if key.role == "station" and key.site_id:
        site = state.store.records.get("sites", key.site_id)
        parent = site.parent_id if isinstance(site, Site) else None
        return Principal(key, frozenset({key.site_id}), parent)
    if key.role == "base" and key.site_id:
        return Principal(key, frozenset({key.site_id, *state.store.search.child_site_ids(key.site_id)}))
    return Principal(key, None)
