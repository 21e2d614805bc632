"""Typed settings of the HTTP API (environment variables ``HAIZHI_API_*``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from api.access.links import LinkSettings
from matcher.config import Settings


class ApiSettings(BaseSettings):
    """How the API server runs; the matcher's own settings are nested.

    Attributes:
        matcher: data directory, database and matching configuration (``HAIZHI_*``).
        host: interface to listen on.
        port: TCP port.
        max_k: largest number of recommendations one request may ask for.
        max_page_size: largest page of a record listing.
        max_upload_bytes: largest bulk-import file accepted.
        max_text_chars: longest free-text need accepted.
        auth_failure_limit: failed key attempts from one client address within
            ``auth_failure_window_seconds`` after which that address gets 429 (0 disables the limit).
        auth_failure_window_seconds: the counting window, and how long a lock-out lasts.
        auth_failure_max_addresses: most client addresses tracked at once (bounds memory).
        links: the experts' personal links (``HAIZHI_LINK_*``, ``HAIZHI_PUBLIC_URL``).
    """

    model_config = SettingsConfigDict(env_prefix="HAIZHI_API_", extra="ignore")

    matcher: Settings = Field(default_factory=Settings)
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    max_k: int = Field(default=50, ge=1, le=500)
    max_page_size: int = Field(default=200, ge=1)
    max_upload_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)
    max_text_chars: int = Field(default=4000, ge=10)
    auth_failure_limit: int = Field(default=10, ge=0)
    auth_failure_window_seconds: float = Field(default=60.0, gt=0, le=86_400)
    auth_failure_max_addresses: int = Field(default=10_000, ge=1)
    links: LinkSettings = Field(default_factory=LinkSettings)
