"""``haizhi keys create|list|rotate|revoke``, ``haizhi audit export``, the first admin key of a server."""

from __future__ import annotations

import getpass
import re
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from api.access import ROLES, ApiKey, ApiKeys, AuditLog, utc_text
from embeddings.atomic import atomic_path, write_text_atomic
from matcher.config import Settings
from matcher.store import RecordNotFound, Store, utc_now

keys_app = typer.Typer(
    help="Create, list, rotate and revoke API keys (secrets are stored hashed).", no_args_is_help=True
)
audit_app = typer.Typer(help="Export the audit log of every write.", no_args_is_help=True)
ADMIN_KEY_FILE = "admin.key"
DEFAULT_GRACE = "24h"
_DURATION = re.compile(r"^\s*(\d{1,6})\s*([dhm]?)\s*$")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}

DataDir = Annotated[
    Path | None, typer.Option("--data-dir", help="Data directory (default: $HAIZHI_DATA_DIR or ./var).")
]


def _settings(data_dir: Path | None) -> Settings:
    return Settings(data_dir=data_dir) if data_dir else Settings()


def _store(data_dir: Path | None) -> Store:
    settings = _settings(data_dir)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    store = Store(settings.resolved_database_url)
    store.create_schema()
    return store


def parse_duration(text: str, option: str) -> timedelta:
    """``90d``, ``24h``, ``30m`` or ``0`` as a duration.

    Raises:
        typer.BadParameter: naming ``option``, for anything else.
    """
    match = _DURATION.match(text)
    if match is None or (not match.group(2) and int(match.group(1)) != 0):
        raise typer.BadParameter(
            f"{text!r} is not a duration: use e.g. 90d, 24h or 30m (or 0)", param_hint=option
        )
    return timedelta(**{_UNITS[match.group(2) or "h"]: int(match.group(1))})


def parse_moment(text: str, option: str) -> datetime:
    """An ISO date (``2027-03-01``: 00:00 UTC that day) or date-time (UTC unless offset) as naive UTC.

    Raises:
        typer.BadParameter: naming ``option``, for anything else.
    """
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is not an ISO date such as 2027-03-01 (or 2027-03-01T12:00+08:00)", param_hint=option
        ) from None
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _expiry(expires_in: str | None, expires: str | None) -> datetime | None:
    """The expiry given by ``--expires-in`` or ``--expires`` (at most one); it must be in the future."""
    if expires_in is not None and expires is not None:
        raise typer.BadParameter("give --expires-in or --expires, not both", param_hint="--expires")
    now = utc_now()
    if expires_in is not None:
        moment = now + parse_duration(expires_in, "--expires-in")
    elif expires is not None:
        moment = parse_moment(expires, "--expires")
    else:
        return None
    if moment <= now:
        raise typer.BadParameter(
            f"the expiry {utc_text(moment)} is not in the future", param_hint="--expires"
        )
    return moment


def _actor() -> str:
    """Who runs the command, for the audit log (the OS user; no API key is involved)."""
    try:
        return f"{getpass.getuser()} (haizhi keys)"
    except (OSError, KeyError):  # no user name in a bare container
        return "haizhi keys"


def _fail(error: Exception) -> typer.Exit:
    typer.secho(str(error), fg=typer.colors.RED, err=True)
    return typer.Exit(code=1)


def _write_secret(path: Path, token: str) -> None:
    """Write the token readable by the owner only (temp file + rename)."""
    write_text_atomic(path, token + "\n", mode=0o600)


def ensure_admin_key(store: Store, data_dir: Path) -> Path | None:
    """On first start (no active key at all), create an admin key into ``<data_dir>/admin.key``.

    Returns:
        The file written, or None when keys already exist.
    """
    if ApiKeys(store).list(include_revoked=False):
        return None
    _key, token = ApiKeys(store).create("first admin (created by haizhi serve)", "admin")
    path = data_dir / ADMIN_KEY_FILE
    _write_secret(path, token)
    return path


ExpiresIn = Annotated[
    str | None, typer.Option("--expires-in", help="Lifetime, e.g. 90d or 24h (d, h or m units).")
]
Expires = Annotated[
    str | None, typer.Option("--expires", help="Expiry as an ISO date (00:00 UTC that day) or date-time.")
]


@keys_app.command("create")
def create_key(
    role: Annotated[str, typer.Option(help=f"One of: {', '.join(ROLES)}.")],
    name: Annotated[str, typer.Option(help="Who uses the key (person or system).")],
    site: Annotated[str | None, typer.Option(help="Site id: required for base and station keys.")] = None,
    expires_in: ExpiresIn = None,
    expires: Expires = None,
    data_dir: DataDir = None,
) -> None:
    """Create a key and print its secret once (only its SHA-256 is stored); it never expires unless asked."""
    expires_at = _expiry(expires_in, expires)
    store = _store(data_dir)
    try:
        key, token = ApiKeys(store).create(name, role, site, expires_at=expires_at, actor=_actor())
    except (ValueError, RecordNotFound) as error:
        raise _fail(error) from None
    finally:
        store.close()
    typer.echo(
        f"created {key.role} key {key.key_id} for {key.name}"
        + (f" at {key.site_id}" if key.site_id else "")
        + (f", expires {utc_text(key.expires_at)}" if key.expires_at else "")
    )
    typer.echo("secret (shown only now; send it as the X-API-Key header):")
    typer.echo(token)


def _describe(key: ApiKey, now: datetime) -> str:
    """One ``haizhi keys list`` line (never the secret)."""
    if key.revoked_at:
        state = "revoked " + utc_text(key.revoked_at)
    elif key.expires_at and key.expired(now):
        state = "expired " + utc_text(key.expires_at)
    else:
        state = "active, " + (f"expires {utc_text(key.expires_at)}" if key.expires_at else "no expiry")
    grace = key.previous_secret_valid_until
    if key.active and grace and grace > now:
        state += f", old secret until {utc_text(grace)}"
    used = utc_text(key.last_used_at) if key.last_used_at else "never"
    return f"{key.key_id}  {key.role:<8} {key.site_id or '-':<8} {state:<40} last used {used}  {key.name}"


@keys_app.command("list")
def list_keys(
    data_dir: DataDir = None,
    all_: Annotated[bool, typer.Option("--all", help="Include revoked keys.")] = False,
) -> None:
    """List keys with their state and expiry (never their secrets); times are UTC."""
    store = _store(data_dir)
    keys = ApiKeys(store).list(include_revoked=all_)
    store.close()
    if not keys:
        typer.echo("no API keys (haizhi serve creates an admin key on first start)")
    now = utc_now()
    for key in keys:
        typer.echo(_describe(key, now))


@keys_app.command("rotate")
def rotate_key(
    key_id: Annotated[str, typer.Argument(help="Key id (or its first characters) from `haizhi keys list`.")],
    grace: Annotated[
        str, typer.Option(help="How long the old secret keeps working, e.g. 24h, 7d; 0 stops it now.")
    ] = DEFAULT_GRACE,
    expires_in: ExpiresIn = None,
    expires: Expires = None,
    data_dir: DataDir = None,
) -> None:
    """Give a key a new secret (same id, role, site and name) and print it once; audited.

    The key keeps its expiry unless --expires-in or --expires gives a new one.
    """
    grace_period = parse_duration(grace, "--grace")
    expires_at = _expiry(expires_in, expires)
    store = _store(data_dir)
    try:
        found = ApiKeys(store).resolve_id(key_id)
        key, token = ApiKeys(store).rotate(found, grace=grace_period, expires_at=expires_at, actor=_actor())
    except (ValueError, RecordNotFound) as error:
        raise _fail(error) from None
    finally:
        store.close()
    old = key.previous_secret_valid_until
    typer.echo(
        f"rotated {key.role} key {key.key_id} ({key.name}); the old secret "
        + (f"works until {utc_text(old)}" if old and grace_period else "stopped working now")
        + (f"; the key expires {utc_text(key.expires_at)}" if key.expires_at else "")
    )
    typer.echo("new secret (shown only now; send it as the X-API-Key header):")
    typer.echo(token)


@keys_app.command("revoke")
def revoke_key(
    key_id: Annotated[str, typer.Argument(help="Key id (or its first characters) from `haizhi keys list`.")],
    data_dir: DataDir = None,
) -> None:
    """Revoke a key; requests with it fail from now on (audited)."""
    store = _store(data_dir)
    try:
        key = ApiKeys(store).revoke(ApiKeys(store).resolve_id(key_id), actor=_actor())
    except (ValueError, RecordNotFound) as error:
        raise _fail(error) from None
    finally:
        store.close()
    typer.echo(f"revoked {key.key_id} ({key.role}, {key.name})")


class ExportChoice(StrEnum):
    """File formats of ``haizhi audit export``."""

    CSV = "csv"
    XLSX = "xlsx"


@audit_app.command("export")
def export_audit(
    start: Annotated[datetime, typer.Option(formats=["%Y-%m-%d"], help="First day (UTC), e.g. 2026-01-01.")],
    end: Annotated[datetime, typer.Option(formats=["%Y-%m-%d"], help="Last day (UTC, included).")],
    out: Annotated[Path, typer.Option("--out", help="File to write (replaced atomically).")],
    export_format: Annotated[
        ExportChoice | None, typer.Option("--format", help="csv or xlsx (default: from the --out suffix).")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Write every audit entry of a period (whole UTC days) to CSV or XLSX, oldest first."""
    from api.routers.audit import period_bounds, write_audit_export

    chosen = export_format or (ExportChoice.XLSX if out.suffix.lower() == ".xlsx" else ExportChoice.CSV)
    try:
        first, last = period_bounds(start.date(), end.date())
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--start") from None
    store = _store(data_dir)
    try:
        # owner-only: the log says who changed what
        with atomic_path(out, mode=0o600) as temporary:
            count = write_audit_export(temporary, AuditLog(store).iter_entries(first, last), chosen.value)
    except OSError as error:
        raise _fail(error) from None
    finally:
        store.close()
    typer.echo(f"wrote {count} audit entries from {start.date()} to {end.date()} (UTC) to {out}")
