"""The Ray engine: embedding and batch matching spread over the workers of a Ray cluster.

The driver (the ``haizhi`` process) keeps every write: the embedding cache and its dedupe, the index
files, the nightly ledger and the mail. Workers are actors holding one encoder or one read-only
matcher each (`pipelines.distributed.shards`); inputs go out in chunks and come back in input order
(`ray.util.ActorPool.map`), so results are those of the in-process run. Actors live for one call (one
build, one batch) and are killed after it, which frees their CPUs for the next kind of work.

Without an address the engine starts a local cluster (every core of this machine) and shuts it down
on `close`; with one it joins that cluster and only disconnects.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import ray
from ray.util import ActorPool

from embeddings.encoders.base import Encoder, EncoderWrapper, check_texts
from matcher.domain.records import Demand
from matcher.service import Matcher, Recommendation
from pipelines.distributed.base import Engine, R, T, apply_to_batch, batches
from pipelines.distributed.shards import EncodeShard, MatchShard, portable_settings

ENCODE_CHUNK = 128
"""Texts per remote encode call: big enough that a call's overhead is small next to its USE pass."""
SHARDS_PER_WORKER = 4
"""Matching shards per worker: uneven shards still finish together."""
MAX_SHARD = 512
"""Most demands per shard (bounds a shard's result size in the object store)."""

_EncodeActor = ray.remote(num_cpus=1)(EncodeShard)
_MatchActor = ray.remote(num_cpus=1)(MatchShard)


_apply_remote: Any = ray.remote(num_cpus=1)(apply_to_batch)


class RayEngine(Engine):
    """Runs embedding and matching on a Ray cluster.

    Args:
        address: the head's ``host:port`` to join; None starts a local cluster (stopped by `close`).
        num_cpus: CPUs of a local cluster (default: every core); ignored with an address.
        workers: actors per call (default: the cluster's CPUs).
    """

    name = "ray"

    def __init__(
        self, address: str | None = None, *, num_cpus: int | None = None, workers: int | None = None
    ) -> None:
        self._connected = not ray.is_initialized()
        if self._connected:
            if address:
                try:
                    ray.init(address=address, log_to_driver=False)
                except ConnectionError as error:
                    raise ConnectionError(
                        f"cannot join the Ray cluster at {address}: is its head running? A cluster with "
                        "token authentication also needs RAY_AUTH_MODE=token and its token here "
                        f"(docs/scaling.md) ({error})"
                    ) from error
            else:
                ray.init(address="local", num_cpus=num_cpus, include_dashboard=False, log_to_driver=False)
        cpus = int(ray.cluster_resources().get("CPU", 1))
        self.workers = max(1, workers or cpus)

    def close(self) -> None:
        """Disconnect (and stop the local cluster this engine started)."""
        if self._connected and ray.is_initialized():
            ray.shutdown()
        self._connected = False

    def map_batches(
        self, function: Callable[[list[T]], list[R]], items: Sequence[T], *, batch_size: int
    ) -> list[R]:
        """One Ray task per batch; results in input order."""
        refs = [_apply_remote.remote(function, batch) for batch in batches(items, batch_size)]
        return [result for part in ray.get(refs) for result in part]

    def bulk_encoder(self, matcher: Matcher) -> RayEncoder:
        """Encoder actors built from ``matcher``'s encoder spec (started on the first cache miss)."""
        settings = matcher.settings
        kwargs = {"threads": settings.encoder_threads}
        return RayEncoder(matcher.encoder, settings.encoder, self.workers, encoder_kwargs=kwargs)

    def recommend_many(
        self, matcher: Matcher, demands: Sequence[Demand], *, k: int, explain: bool = True
    ) -> list[list[Recommendation]]:
        """Shards of demands matched by read-only matcher actors over the saved indexes."""
        if not demands:
            return []
        size = max(1, min(MAX_SHARD, -(-len(demands) // (self.workers * SHARDS_PER_WORKER))))
        shards = batches(demands, size)
        settings = portable_settings(matcher.settings)
        actors: list[Any] = [_MatchActor.remote(settings) for _ in range(min(self.workers, len(shards)))]
        try:
            pool = ActorPool(actors)
            parts = pool.map(lambda actor, shard: actor.match.remote(shard, k, explain), shards)
            return [ranked for part in parts for ranked in part]
        finally:
            for actor in actors:
                ray.kill(actor)


class RayEncoder(EncoderWrapper):
    """An `Encoder` whose texts are embedded by encoder actors, chunk by chunk, reassembled in order.

    Use as a context manager: the actors start on the first non-empty input and stop on exit.

    Args:
        encoder: the in-process encoder (gives ``id`` and ``dim``; its model is never loaded here).
        spec: the `create_encoder` spec each actor builds.
        workers: number of actors.
        chunk_size: texts per remote call.
        encoder_kwargs: keyword arguments for `create_encoder` in the actors.
    """

    def __init__(
        self,
        encoder: Encoder,
        spec: str,
        workers: int,
        *,
        chunk_size: int = ENCODE_CHUNK,
        encoder_kwargs: dict[str, Any] | None = None,
    ) -> None:
        self.encoder, self.spec, self.workers, self.chunk_size = encoder, spec, workers, chunk_size
        self.encoder_kwargs = encoder_kwargs or {}
        self._actors: list[Any] = []

    def close(self) -> None:
        """Stop the actors (the next input starts new ones)."""
        actors, self._actors = self._actors, []
        for actor in actors:
            ray.kill(actor)

    def encode_queries(
        self, texts: Sequence[str], *, batch_size: int = 64, show_progress: bool = False
    ) -> np.ndarray:
        """Embed queries on the actors."""
        return self._encode(texts, "query", show_progress)

    def encode_documents(
        self, texts: Sequence[str], *, batch_size: int = 64, show_progress: bool = False
    ) -> np.ndarray:
        """Embed documents on the actors."""
        return self._encode(texts, "document", show_progress)

    def _encode(self, texts: Sequence[str], role: str, show_progress: bool) -> np.ndarray:
        items = check_texts(texts, "RayEncoder")
        out = np.empty((len(items), self.dim), dtype=np.float32)
        if not items:
            return out
        if not self._actors:
            self._actors = [_EncodeActor.remote(self.spec, self.encoder_kwargs) for _ in range(self.workers)]
        chunks = batches(items, self.chunk_size)
        progress = None
        if show_progress:
            from tqdm.auto import tqdm

            progress = tqdm(total=len(items), desc=f"embeddings (ray ×{self.workers})", unit="text")
        try:
            start = 0
            pool = ActorPool(self._actors)
            for chunk, vectors in zip(
                chunks, pool.map(lambda actor, c: actor.encode.remote(c, role), chunks), strict=True
            ):
                out[start : start + len(chunk)] = vectors
                start += len(chunk)
                if progress is not None:
                    progress.update(len(chunk))
        except BaseException:
            self.close()  # e.g. Ctrl-C: do not leave chunks running on the cluster
            raise
        finally:
            if progress is not None:
                progress.close()
        return out
