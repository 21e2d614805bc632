"""What a cluster worker runs, without Ray: encoding chunks and read-only matching over saved indexes.

A worker gets the settings with every path made absolute (`portable_settings`) and opens the same
data directory: on a cluster that is a shared path (the index files) and a shared database URL. It
only reads: the vector indexes are memory-mapped read-only (workers on one host share the pages), the
store is read (opening it checks the schema, which changes nothing in a current database), and the
embedding cache is consulted but never written (a demand text the last build did not embed is embedded
in the worker and kept in memory only).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from embeddings.cache.store import EmbeddingCache
from embeddings.encoders import create_encoder
from embeddings.encoders.base import Encoder
from matcher.config import Settings
from matcher.domain.records import Demand
from matcher.service import Matcher, Recommendation

_PATH_FIELDS = ("data_dir", "embedding_cache_dir", "ranker_params", "station_evaluation")


def portable_settings(settings: Settings) -> Settings:
    """The matching settings alone (no SMTP secrets), with every path absolute.

    A worker's working directory is not the driver's, so ``var`` must become ``/abs/path/var``; and
    the nightly's mail settings (a password, perhaps) have no business on the cluster.
    """
    values: dict[str, Any] = {name: getattr(settings, name) for name in Settings.model_fields}
    for name in _PATH_FIELDS:
        if isinstance(values[name], Path):
            values[name] = values[name].resolve()
    values["database_url"] = settings.database_url or Settings.model_construct(**values).resolved_database_url
    return Settings.model_construct(**values)


class ReadOnlyMatcher(Matcher):
    """A `Matcher` that never writes indexes or the embedding cache (see the module docstring).

    Its collections load with ``index_mmap``: the saved vector indexes mapped read-only.
    """

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings.model_copy(update={"index_mmap": True}))
        self.cache = EmbeddingCache(settings.cache_dir, checkpoint_every=sys.maxsize, checkpoint_seconds=None)


class MatchShard:
    """One worker's matcher: opened once, then matches shard after shard of demands."""

    def __init__(self, settings: Settings) -> None:
        self.matcher = ReadOnlyMatcher(settings)

    def match(self, demands: Sequence[Demand], k: int, explain: bool) -> list[list[Recommendation]]:
        """`Matcher.recommend_many` over this shard."""
        return self.matcher.recommend_many(demands, k=k, explain=explain)


class EncodeShard:
    """One worker's encoder, built once from its spec (USE loads from the installed package)."""

    def __init__(self, spec: str, kwargs: dict[str, Any]) -> None:
        self.encoder: Encoder = create_encoder(spec, **kwargs)

    def encode(self, texts: list[str], role: str) -> np.ndarray:
        """Vectors of one chunk, as the in-process encoder computes them."""
        if role == "query":
            return np.asarray(self.encoder.encode_queries(texts))
        return np.asarray(self.encoder.encode_documents(texts))
