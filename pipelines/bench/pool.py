"""Generated expert pools for the benchmarks, kept in a work directory so a second run re-uses them.

A pool is a data directory (SQLite store, embedding cache, indexes) holding ``n`` generated experts
(`pipelines.demo.generator.generate_experts`). Its vectors are ``real`` (USE embeddings, through the
embedding cache) or ``generated`` (`pipelines.bench.generated`: clustered unit vectors for documents,
real USE for queries) for pools too large to embed here. The index kind is a property of the build,
not of the pool: asking for another kind re-indexes the stored vectors without re-analysing anything.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from embeddings.encoders import create_encoder
from embeddings.encoders.base import Encoder
from matcher.config import Settings
from matcher.service import Matcher
from pipelines.bench.generated import GeneratedDocumentEncoder
from pipelines.demo.generator import generate_demo, generate_experts

VectorSource = Literal["real", "generated"]
VECTOR_SOURCES: tuple[str, ...] = ("real", "generated")
_IMPORT_BLOCK = 5000


@dataclass
class PoolBuild:
    """What opening a pool cost (zeros for parts re-used from an earlier run)."""

    import_s: float = 0.0
    imported: int = 0
    build_s: float = 0.0
    embedded: int = 0
    reindex_s: float = 0.0


def pool_encoder(vectors: VectorSource, threads: int = 1) -> Encoder:
    """The encoder of a pool: USE, or USE queries with generated document vectors."""
    if vectors not in VECTOR_SOURCES:
        raise ValueError(f"unknown vector source {vectors!r}; options: {', '.join(VECTOR_SOURCES)}")
    use = create_encoder("use", threads=threads)
    if vectors == "real":
        return use
    demo = generate_demo()
    centres = [f"{e.name}。{' '.join(e.keywords)}。{e.bio or ''}" for e in demo.experts]
    centres += [f"{d.title}。{d.description}" for d in demo.demands]
    return GeneratedDocumentEncoder(use, centres)


def open_pool(
    n: int,
    *,
    index_kind: str,
    work_dir: Path,
    vectors: VectorSource = "real",
    cache_dir: Path | None = None,
    show_progress: bool = True,
) -> tuple[Matcher, PoolBuild]:
    """A matcher over ``n`` generated experts indexed with ``index_kind`` (built or re-used).

    Args:
        n: pool size.
        index_kind: vector index kind of the expert collection.
        work_dir: where pools live (``pool-<n>-<vectors>``); a later run re-uses the directory.
        vectors: ``real`` USE embeddings or ``generated`` document vectors.
        cache_dir: embedding cache (default: ``<work_dir>/cache``, shared by the pools).
        show_progress: progress bars with ETA while importing and indexing.
    """
    settings = Settings(
        data_dir=work_dir / f"pool-{n}-{vectors}",
        index_kind=index_kind,  # type: ignore[arg-type]  # validated by Settings
        embedding_cache_dir=cache_dir or work_dir / "cache",
        # generated vectors come from this process's encoder; real ones may use worker processes
        embed_workers=1 if vectors == "generated" else Settings().embed_workers,
    )
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    matcher = Matcher(settings, encoder=pool_encoder(vectors))
    build = PoolBuild()
    if matcher.store.records.count("experts") != n:
        started = time.perf_counter()
        build.imported = _import_experts(matcher, n, show_progress)
        build.import_s = time.perf_counter() - started
    misses = matcher.cache.misses
    started = time.perf_counter()
    matcher.build_index(show_progress=show_progress)
    build.build_s = time.perf_counter() - started
    build.embedded = matcher.cache.misses - misses
    started = time.perf_counter()
    if matcher.reindex_vectors(index_kind):
        build.reindex_s = time.perf_counter() - started
    return matcher, build


def _import_experts(matcher: Matcher, n: int, show_progress: bool) -> int:
    from tqdm.auto import tqdm

    experts = generate_experts(n)
    with tqdm(total=n, desc="import experts", unit="expert", disable=not show_progress) as progress:
        for start in range(0, n, _IMPORT_BLOCK):
            block = experts[start : start + _IMPORT_BLOCK]
            matcher.store.records.upsert("experts", block)
            progress.update(len(block))
    return n
