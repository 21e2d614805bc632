"""``haizhi serve``: the API and web page; ``--workers N`` runs N uvicorn processes over one database.

With one worker the app runs in this process. With more, each worker is built by the app factory
(`api.app.create_app`, settings from the environment, which this module fills in) with
``HAIZHI_INDEX_MMAP`` on: the saved vector indexes are mapped read-only, so
the page cache holds them once for all workers, and every worker follows the database and the saved
versions (`matcher.retrieval.follow`). The first worker to start brings the index up to date; the
others wait for it and load the result. See docs/serving.md.
"""

from __future__ import annotations

import os
from typing import Annotated

import typer

from matcher.config import Settings
from pipelines.cli.serve import DataDir, _settings, _store, ensure_admin_key

__all__ = ["SQLITE_REFUSAL", "check_database", "serve", "serve_workers", "worker_environment"]

WORKER_HEALTHCHECK_SECONDS = 60
SQLITE_REFUSAL = (
    "--workers {workers} needs PostgreSQL: SQLite lets one process write at a time, so concurrent writes "
    "through several workers would fail with 'database is locked'. Set HAIZHI_DATABASE_URL to a "
    "PostgreSQL URL (e.g. postgresql+psycopg://user:password@host/haizhi), or serve with --workers 1."
)


def check_database(settings: Settings, workers: int) -> None:
    """Refuse more than one worker on SQLite.

    Raises:
        typer.BadParameter: naming ``--workers`` and what to do instead.
    """
    if workers > 1 and settings.resolved_database_url.startswith("sqlite"):
        raise typer.BadParameter(SQLITE_REFUSAL.format(workers=workers), param_hint="--workers")


def worker_environment(settings: Settings) -> dict[str, str]:
    """The ``HAIZHI_*`` variables that make each worker's `create_app()` see these settings."""
    environment = {
        "HAIZHI_DATA_DIR": str(settings.data_dir.resolve()),
        "HAIZHI_INDEX_MMAP": "true",
        "HAIZHI_INDEX_POLL_SECONDS": str(settings.index_poll_seconds),
    }
    if settings.database_url:
        environment["HAIZHI_DATABASE_URL"] = settings.database_url
    return environment


def serve_workers(settings: Settings, *, host: str, port: int, workers: int, log_level: str) -> None:
    """Run ``workers`` uvicorn worker processes of the API on ``host:port`` (blocks until stopped).

    Raises:
        typer.BadParameter: for more than one worker on SQLite.
    """
    import uvicorn

    check_database(settings, workers)
    os.environ.update(worker_environment(settings))  # the workers inherit the environment
    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        # a worker loading its encoder and indexes on a busy machine may not answer the supervisor's
        # ping within uvicorn's 5 s default, and would be killed and restarted over and over
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
    )


def serve(
    data_dir: DataDir = None,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535)] = 8000,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Worker processes; more than 1 needs PostgreSQL.")
    ] = 1,
) -> None:
    """Start the API and the web page (OpenAPI docs at /docs); docs/serving.md explains --workers."""
    import uvicorn

    from api.app import create_app
    from api.settings import ApiSettings

    settings = _settings(data_dir)
    check_database(settings, workers)
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
    if workers > 1 or settings.index_mmap:
        serve_workers(settings, host=host, port=port, workers=workers, log_level=log_level)
        return
    app = create_app(ApiSettings(matcher=settings, host=host, port=port))
    uvicorn.run(app, host=host, port=port, workers=1, log_level=log_level)
