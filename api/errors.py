"""JSON errors: one shape (``error``, ``message``, ``details``) for every 4xx and 5xx."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from matcher.ingest.importer import ImportFileError
from matcher.store import InvalidTransition, RecordNotFound

log = logging.getLogger("haizhi.api")
MAX_DETAILED_PROBLEMS = 1000
"""Problems of a refused import listed in the 422 details (a sheet of 20,000 bad formulas has 20,000)."""


class ErrorOut(BaseModel):
    """An error response."""

    error: str
    message: str
    details: list[dict[str, Any]] = []


class ApiError(Exception):
    """An error with an HTTP status, a short code and a readable message."""

    def __init__(
        self,
        status: int,
        error: str,
        message: str,
        details: list[dict[str, Any]] | None = None,
        *,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.error = error
        self.message = message
        self.details = details or []
        self.headers = headers or {}


def not_found(message: str) -> ApiError:
    """404 with ``message``."""
    return ApiError(404, "not_found", message)


def forbidden(message: str) -> ApiError:
    """403 with ``message``."""
    return ApiError(403, "forbidden", message)


def too_many_attempts(retry_after_seconds: int) -> ApiError:
    """429 for a client address locked out after repeated failed authentication (see `api.ratelimit`)."""
    return ApiError(
        429,
        "too_many_attempts",
        f"too many failed API-key attempts from this address: try again in {retry_after_seconds} s",
        headers={"Retry-After": str(retry_after_seconds)},
    )


_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "Bad request"},
    401: {"model": ErrorOut, "description": "Missing or invalid API key"},
    403: {"model": ErrorOut, "description": "The key's role or site does not allow this"},
    404: {"model": ErrorOut, "description": "Not found (or not visible to this key)"},
    409: {
        "model": ErrorOut,
        "description": "Conflict: existing id, invalid lifecycle move, unknown station",
    },
    413: {"model": ErrorOut, "description": "Upload too large"},
    422: {"model": ErrorOut, "description": "Invalid input"},
    429: {
        "model": ErrorOut,
        "description": "Too many failed API-key attempts from this address",
        "headers": {
            "Retry-After": {
                "description": "Seconds until the address may try again",
                "schema": {"type": "integer"},
            }
        },
    },
}


def _json(
    status: int,
    error: str,
    message: str,
    details: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = ErrorOut(error=error, message=message, details=jsonable_encoder(details or []))
    return JSONResponse(status_code=status, content=body.model_dump(), headers=headers)


def _location(error: dict[str, Any]) -> str:
    return ".".join(str(part) for part in error.get("loc", ()) if part != "body") or "request"


def validation_details(errors: list[Any]) -> list[dict[str, Any]]:
    """Pydantic errors as ``{"where", "why"}`` pairs (inputs left out: they may be large or personal)."""
    return [{"where": _location(e), "why": str(e.get("msg", ""))} for e in errors]


def allowed_methods(request: Request) -> list[str]:
    """The methods some route answers for the request's path (a path has a route per method).

    Asked method by method: included routers do not expose their routes' methods.
    """
    methods = {
        method
        for method in _METHODS
        for route in request.app.router.routes
        if route.matches({**request.scope, "method": method})[0] == Match.FULL
    }
    return sorted(methods | ({"HEAD"} if "GET" in methods else set()))


def install_error_handlers(app: FastAPI) -> None:
    """Map exceptions to JSON error responses."""

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return _json(exc.status, exc.error, exc.message, exc.details, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _request_invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        details = validation_details(list(exc.errors()))
        summary = "; ".join(f"{d['where']}: {d['why']}" for d in details[:5])
        return _json(422, "invalid_input", f"invalid request: {summary}", details)

    @app.exception_handler(ValidationError)
    async def _record_invalid(_request: Request, exc: ValidationError) -> JSONResponse:
        details = validation_details(list(exc.errors()))
        summary = "; ".join(f"{d['where']}: {d['why']}" for d in details[:5])
        return _json(422, "invalid_input", f"invalid {exc.title}: {summary}", details)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        response = _json(exc.status_code, code, str(exc.detail))
        response.headers.update(exc.headers or {})
        if exc.status_code == 405:  # RFC 9110 §15.5.6: every method of the path, not one route's
            response.headers["Allow"] = ", ".join(allowed_methods(request))
        return response

    @app.exception_handler(InvalidTransition)
    async def _transition(_request: Request, exc: InvalidTransition) -> JSONResponse:
        return _json(409, "invalid_transition", str(exc))

    @app.exception_handler(RecordNotFound)
    async def _missing(_request: Request, exc: RecordNotFound) -> JSONResponse:
        return _json(404, "not_found", str(exc))

    @app.exception_handler(ImportFileError)
    async def _import(_request: Request, exc: ImportFileError) -> JSONResponse:
        # the message says how many there are; the details stop at a size a client can show
        listed = exc.problems[:MAX_DETAILED_PROBLEMS]
        problems = [{"row": p.row, "column": p.column, "why": p.reason} for p in listed]
        return _json(422, "import_failed", str(exc), problems)

    @app.exception_handler(ValueError)
    async def _bad_value(_request: Request, exc: ValueError) -> JSONResponse:
        return _json(400, "bad_request", str(exc))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return _json(500, "internal_error", f"internal error ({type(exc).__name__}); see the server log")
