"""The in-process engine: exactly what the commands do without ``--engine``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager

from embeddings.encoders.base import Encoder
from matcher.domain.records import Demand
from matcher.service import Matcher, Recommendation
from pipelines.distributed.base import Engine, R, T, batches


class LocalEngine(Engine):
    """Runs everything in this process (index builds still use ``embed_workers`` processes)."""

    name = "local"

    def map_batches(
        self, function: Callable[[list[T]], list[R]], items: Sequence[T], *, batch_size: int
    ) -> list[R]:
        """Apply ``function`` batch after batch, here."""
        return [result for batch in batches(items, batch_size) for result in function(batch)]

    def bulk_encoder(self, matcher: Matcher) -> AbstractContextManager[Encoder] | None:
        """None: the matcher chooses (`IndexingMixin._bulk_encoder`)."""
        return None

    def recommend_many(
        self, matcher: Matcher, demands: Sequence[Demand], *, k: int, explain: bool = True
    ) -> list[list[Recommendation]]:
        """`Matcher.recommend_many` itself."""
        return matcher.recommend_many(demands, k=k, explain=explain)

    def close(self) -> None:
        """Nothing to release."""
