"""The engine interface: how index builds embed and how the nightly batch matches, wherever it runs.

An engine changes where work runs, never its result: embedding returns the vectors the in-process
encoder returns (to float tolerance), matching the lists `Matcher.recommend_many` returns. Everything
that writes (embedding cache, index files, nightly ledger, mail) stays in the calling process.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from types import TracebackType
from typing import ClassVar, TypeVar

from embeddings.encoders.base import Encoder
from matcher.domain.records import Demand
from matcher.service import Matcher, Recommendation

T = TypeVar("T")
R = TypeVar("R")


def batches(items: Sequence[T], size: int) -> list[list[T]]:
    """Consecutive slices of at most ``size`` items (the last may be shorter)."""
    if size < 1:
        raise ValueError(f"batch size must be >= 1, got {size}")
    return [list(items[start : start + size]) for start in range(0, len(items), size)]


def apply_to_batch(function: Callable[[list[T]], list[R]], batch: list[T]) -> list[R]:
    """``function(batch)``: a module-level callable that engines can send to another process."""
    return function(batch)


class Engine(ABC):
    """Runs bulk work; use as a context manager (or call `close`) to release what it started."""

    name: ClassVar[str]

    @abstractmethod
    def map_batches(
        self, function: Callable[[list[T]], list[R]], items: Sequence[T], *, batch_size: int
    ) -> list[R]:
        """``function`` over consecutive batches of ``items``; the results concatenated in input order.

        ``function`` must be a module-level function (it may run in another process or on another node).
        """

    @abstractmethod
    def bulk_encoder(self, matcher: Matcher) -> AbstractContextManager[Encoder] | None:
        """The encoder an index build of ``matcher`` embeds with (None: the matcher's own choice)."""

    @abstractmethod
    def recommend_many(
        self, matcher: Matcher, demands: Sequence[Demand], *, k: int, explain: bool = True
    ) -> list[list[Recommendation]]:
        """The ranked lists `Matcher.recommend_many` returns for ``demands``, in the same order."""

    @abstractmethod
    def close(self) -> None:
        """Release the workers and connections this engine holds."""

    def __enter__(self) -> Engine:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
