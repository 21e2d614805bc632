"""What the running app holds (settings, the `Matcher`, the read/write lock) and its dependencies."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from fastapi import Request

from api.ratelimit import FailedAuthLimiter
from api.settings import ApiSettings
from matcher.service import Matcher
from matcher.store import Store


class ReadWriteLock:
    """Many concurrent readers or one writer: recommendations run in parallel, index writes alone.

    Writers are preferred (a waiting writer blocks new readers) so a steady stream of searches cannot
    starve an import. A writer takes it only to store and swap in work prepared beforehand (analyses
    and vectors, see `api.writes.save_records`), so readers wait for no encoding.
    """

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._readers = 0
        self._writer = False
        self._waiting_writers = 0

    @contextmanager
    def read(self) -> Iterator[None]:
        """Hold the lock shared for the ``with`` block."""
        with self._condition:
            while self._writer or self._waiting_writers:
                self._condition.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._condition:
                self._readers -= 1
                if not self._readers:
                    self._condition.notify_all()

    @contextmanager
    def write(self) -> Iterator[None]:
        """Hold the lock exclusively for the ``with`` block."""
        with self._condition:
            self._waiting_writers += 1
            while self._writer or self._readers:
                self._condition.wait()
            self._waiting_writers -= 1
            self._writer = True
        try:
            yield
        finally:
            with self._condition:
                self._writer = False
                self._condition.notify_all()


@dataclass
class AppState:
    """Objects built once in the app's lifespan and shared by every request."""

    settings: ApiSettings
    matcher: Matcher
    lock: ReadWriteLock = field(default_factory=ReadWriteLock)
    auth_limiter: FailedAuthLimiter = field(init=False)

    def __post_init__(self) -> None:
        self.auth_limiter = FailedAuthLimiter(
            self.settings.auth_failure_limit,
            self.settings.auth_failure_window_seconds,
            self.settings.auth_failure_max_addresses,
        )

    @property
    def store(self) -> Store:
        """The matcher's store."""
        return self.matcher.store


def get_state(request: Request) -> AppState:
    """Dependency: the app's state (set up by the lifespan)."""
    state: AppState = request.app.state.haizhi
    return state


def get_settings(request: Request) -> ApiSettings:
    """Dependency: the API settings."""
    return get_state(request).settings
