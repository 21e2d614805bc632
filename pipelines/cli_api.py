"""``haizhi serve`` (API and web page) and ``haizhi keys create|list|revoke``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from embeddings.atomic import write_text_atomic
from matcher.config import Settings
from matcher.store import RecordNotFound, Store
from matcher.store.auth_api import ROLES

keys_app = typer.Typer(
    help="Create, list and revoke API keys (secrets are stored hashed).", no_args_is_help=True
)
ADMIN_KEY_FILE = "admin.key"

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


def _write_secret(path: Path, token: str) -> None:
    """Write the token readable by the owner only (temp file + rename)."""
    write_text_atomic(path, token + "\n", mode=0o600)


def ensure_admin_key(store: Store, data_dir: Path) -> Path | None:
    """On first start (no active key at all), create an admin key into ``<data_dir>/admin.key``.

    Returns:
        The file written, or None when keys already exist.
    """
    if store.list_api_keys(include_revoked=False):
        return None
    _key, token = store.create_api_key("first admin (created by haizhi serve)", "admin")
    path = data_dir / ADMIN_KEY_FILE
    _write_secret(path, token)
    return path


def serve(
    data_dir: DataDir = None,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535)] = 8000,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
) -> None:
    """Start the API and the web page (one uvicorn worker; OpenAPI docs at /docs)."""
    import uvicorn

    from api.app import create_app
    from api.settings import ApiSettings

    settings = _settings(data_dir)
    store = _store(data_dir)
    created = ensure_admin_key(store, settings.data_dir)
    store.close()
    if created is not None:
        typer.secho(
            f"No API keys yet: created an admin key in {created} (readable by you only).\n"
            f'  Paste it into the web page, or: curl -H "X-API-Key: $(cat {created})" '
            f"http://{host}:{port}/v1/me\n"
            "  Create keys for stations with: haizhi keys create --role station --site ST001 --name …",
            fg=typer.colors.YELLOW,
        )
    typer.echo(f"Haizhi Match on http://{host}:{port}/  (API docs: http://{host}:{port}/docs)")
    app = create_app(ApiSettings(matcher=settings, host=host, port=port))
    uvicorn.run(app, host=host, port=port, workers=1, log_level=log_level)


@keys_app.command("create")
def create_key(
    role: Annotated[str, typer.Option(help=f"One of: {', '.join(ROLES)}.")],
    name: Annotated[str, typer.Option(help="Who uses the key (person or system).")],
    site: Annotated[str | None, typer.Option(help="Site id: required for base and station keys.")] = None,
    data_dir: DataDir = None,
) -> None:
    """Create a key and print its secret once (only its SHA-256 is stored)."""
    store = _store(data_dir)
    try:
        key, token = store.create_api_key(name, role, site)
    except (ValueError, RecordNotFound) as error:
        typer.secho(str(error), fg=typer.colors.RED, err=True)
        raise typer.Exit(code=1) from None
    typer.echo(
        f"created {key.role} key {key.key_id} for {key.name}" + (f" at {key.site_id}" if key.site_id else "")
    )
    typer.echo("secret (shown only now; send it as the X-API-Key header):")
    typer.echo(token)


@keys_app.command("list")
def list_keys(
    data_dir: DataDir = None,
    all_: Annotated[bool, typer.Option("--all", help="Include revoked keys.")] = False,
) -> None:
    """List keys (never their secrets)."""
    keys = _store(data_dir).list_api_keys(include_revoked=all_)
    if not keys:
        typer.echo("no API keys (haizhi serve creates an admin key on first start)")
    for key in keys:
        state = "revoked " + key.revoked_at.isoformat(timespec="seconds") if key.revoked_at else "active"
        used = key.last_used_at.isoformat(timespec="seconds") if key.last_used_at else "never"
        typer.echo(
            f"{key.key_id}  {key.role:<8} {key.site_id or '-':<8} {state:<28} last used {used}  {key.name}"
        )


@keys_app.command("revoke")
def revoke_key(
    key_id: Annotated[str, typer.Argument(help="Key id from `haizhi keys list`.")],
    data_dir: DataDir = None,
) -> None:
    """Revoke a key; requests with it fail from now on."""
    try:
        key = _store(data_dir).revoke_api_key(key_id)
    except RecordNotFound as error:
        typer.secho(str(error), fg=typer.colors.RED, err=True)
        raise typer.Exit(code=1) from None
    typer.echo(f"revoked {key.key_id} ({key.role}, {key.name})")
