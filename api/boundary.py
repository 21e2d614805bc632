"""Request boundary: API bodies are validated strictly (exactly what the OpenAPI schema says).

Records read from files accept delimited cells, country names and Chinese cooperation labels
(`matcher.domain.text_fields`); a JSON client gets the schema's shapes only, so generated clients and the
server agree on what is valid.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from matcher.domain.records import strict_input


class StrictInputMiddleware:
    """Validate records in every HTTP request as API bodies (`matcher.domain.records.strict_input`)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the request with strict record input (context variables reach the thread pool too)."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with strict_input():
            await self.app(scope, receive, send)
