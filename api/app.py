"""The FastAPI application: `create_app(settings)`; heavy objects are built in the lifespan.

`create_app` is also the app factory of ``uvicorn --factory`` (settings then come from the environment):
`haizhi serve --workers N` starts N such processes over one set of memory-mapped index files, each
following the database and the saved versions (`matcher.retrieval.follow`, docs/serving.md).
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, nullcontext
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.boundary import StrictInputMiddleware
from api.errors import ERROR_RESPONSES, install_error_handlers
from api.routers import audit as audit_export
from api.routers import (
    demands,
    expert_portal,
    experts,
    imports,
    links,
    matches,
    organizations,
    recommendations,
    sites,
    system,
)
from api.routers import events as docking_events
from api.routers import stats as ops_stats
from api.routers.dashboard import router as dashboard_router
from api.settings import ApiSettings
from api.state import AppState
from embeddings.encoders.base import Encoder
from matcher.retrieval.follow import StoreFollower, exclusive_lock
from matcher.service import Matcher

STATIC_DIR = Path(__file__).parent / "static"
WORKER_HEADER = "X-Haizhi-Worker"
log = logging.getLogger("haizhi.api")


class WorkerHeaderMiddleware:
    """Adds ``X-Haizhi-Worker: <pid>`` to every response: which server process answered."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.header = (WORKER_HEADER.lower().encode(), str(os.getpid()).encode())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), self.header]
            await send(message)

        await self.app(scope, receive, send_with_header)


def build_matcher(settings: ApiSettings, encoder: Encoder | None = None) -> Matcher:
    """Open the store, load (or first build) the indexes and warm the encoder up."""
    settings.matcher.data_dir.mkdir(parents=True, exist_ok=True)
    matcher = Matcher(settings.matcher, encoder=encoder)
    # incremental: builds a missing index, and catches up with writes made while the server was down;
    # processes sharing the index files take turns, so only the first of them saves a new version
    build_lock = settings.matcher.index_dir / "build.lock"
    with exclusive_lock(build_lock) if settings.matcher.index_mmap else nullcontext():
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
        state = AppState(settings=settings, matcher=build_matcher(settings, encoder))
        app.state.haizhi = state
        follower = None
        if settings.matcher.index_mmap and settings.matcher.index_poll_seconds > 0:
            follower = StoreFollower(state.matcher, state.lock, interval=settings.matcher.index_poll_seconds)
            follower.start()
        try:
            yield
        finally:
            if follower is not None:
                follower.stop(save=True)  # only the process holding the saver lock saves
            else:
                state.matcher.save_indexes()
            state.matcher.cache.save()  # vectors embedded for writes since the last checkpoint
            state.store.close()

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
    app.add_middleware(WorkerHeaderMiddleware)
    for module in (recommendations, demands, experts, organizations, sites, matches, imports, system):
        app.include_router(module.router, responses=ERROR_RESPONSES)
    app.include_router(ops_stats.router, responses=ERROR_RESPONSES)  # operations: stats, gaps, flow
    app.include_router(audit_export.router, responses=ERROR_RESPONSES)  # GET /v1/audit/export
    app.include_router(dashboard_router, responses=ERROR_RESPONSES)  # GET /v1/dashboard/… (bases, admins)
    app.include_router(docking_events.router, responses=ERROR_RESPONSES)  # /v1/events: docking events
    app.include_router(links.router, responses=ERROR_RESPONSES)  # experts' personal links
    app.include_router(expert_portal.router)  # the expert page /x/{token} (docs/experts-portal.md)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html")

    @app.get("/dashboard", include_in_schema=False)
    def dashboard_page() -> FileResponse:
        return FileResponse(STATIC_DIR / "dashboard.html")

    return app
