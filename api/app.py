"""The FastAPI application: `create_app(settings)`; heavy objects are built in the lifespan."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from api.boundary import StrictInputMiddleware
from api.errors import ERROR_RESPONSES, install_error_handlers
from api.routers import audit as audit_export
from api.routers import demands, experts, imports, matches, organizations, recommendations, sites, system
from api.routers import stats as ops_stats
from api.settings import ApiSettings
from api.state import AppState
from embeddings.encoders.base import Encoder
from matcher.service import Matcher

STATIC_DIR = Path(__file__).parent / "static"
log = logging.getLogger("haizhi.api")


def build_matcher(settings: ApiSettings, encoder: Encoder | None = None) -> Matcher:
    """Open the store, load (or first build) the indexes and warm the encoder up."""
    settings.matcher.data_dir.mkdir(parents=True, exist_ok=True)
    matcher = Matcher(settings.matcher, encoder=encoder)
    # incremental: builds a missing index, and catches up with writes made while the server was down
    report = matcher.build_index()
    if report.experts.changed or report.demands.changed:
        log.warning("indexes brought up to date with the store: %s", report)
    matcher.encoder.encode_queries(["warm-up 预热"])  # load the model before the first request
    return matcher


def create_app(settings: ApiSettings | None = None, *, encoder: Encoder | None = None) -> FastAPI:
    """Build the app.

    Args:
        settings: API settings (from the environment when omitted).
        encoder: an already loaded encoder to share (tests); created from the settings otherwise.
    """
    settings = settings or ApiSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.haizhi = AppState(settings=settings, matcher=build_matcher(settings, encoder))
        try:
            yield
        finally:
            app.state.haizhi.matcher.save_indexes()
            app.state.haizhi.matcher.cache.save()  # vectors embedded for writes since the last checkpoint
            app.state.haizhi.store.close()

    app = FastAPI(
        title="Haizhi Match API",
        version="1.0",
        description=(
            "Overseas experts ↔ enterprise demands for 海智计划 stations and bases. Send your API key in the "
            "`X-API-Key` header (create one with `haizhi keys create`)."
        ),
        lifespan=lifespan,
    )
    install_error_handlers(app)
    app.add_middleware(StrictInputMiddleware)
    for module in (recommendations, demands, experts, organizations, sites, matches, imports, system):
        app.include_router(module.router, responses=ERROR_RESPONSES)
    app.include_router(ops_stats.router, responses=ERROR_RESPONSES)  # operations: stats, gaps, flow
    app.include_router(audit_export.router, responses=ERROR_RESPONSES)  # GET /v1/audit/export
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html")

    return app
