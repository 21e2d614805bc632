"""``haizhi bench``: throughput, index build time, query latency and memory over generated pools.

Speed goals are checked here, in a report, never by timed tests. Figures are medians/percentiles of
one run on this machine; compare ratios within a run rather than absolute numbers across machines.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from embeddings.encoders import create_encoder
from matcher.config import Settings
from matcher.domain.records import Demand, Expert
from matcher.retrieval.corpus import Filters
from matcher.retrieval.profiles import expert_text
from matcher.service import Matcher
from pipelines.demo.generator import generate_demo, generate_experts


@dataclass
class PoolResult:
    """Figures for one pool size and index kind."""

    experts: int
    index_kind: str
    import_records_per_s: float
    index_build_s: float
    embedded_during_build: int
    query_ms: dict[str, float] = field(default_factory=dict)
    filtered_query_ms: dict[str, float] = field(default_factory=dict)
    peak_rss_mb: float = 0.0
    index_mb: float = 0.0


def percentiles_ms(samples: Sequence[float]) -> dict[str, float]:
    """p50/p95/p99/mean in milliseconds of durations given in seconds."""
    values = np.array(samples) * 1000.0
    return {
        "p50": round(float(np.percentile(values, 50)), 2),
        "p95": round(float(np.percentile(values, 95)), 2),
        "p99": round(float(np.percentile(values, 99)), 2),
        "mean": round(float(values.mean()), 2),
    }


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1)


def query_texts(demands: Sequence[Demand], count: int) -> list[str]:
    """``count`` realistic need texts (demo demands, zh and en), cycled."""
    texts = [f"{d.title}。{d.description}" for d in demands]
    return [texts[i % len(texts)] for i in range(count)]


def embedding_throughput(experts: Sequence[Expert], sample: int = 1000) -> dict[str, float]:
    """Documents per second of the default encoder on uncached profile texts, with 1 and 2 threads."""
    texts = [expert_text(e) for e in experts[:sample]]
    rates = {}
    for threads in (1, 2):
        encoder = create_encoder("use", threads=threads)
        encoder.encode_documents(texts[:8])
        started = time.perf_counter()
        encoder.encode_documents(texts)
        rates[f"threads_{threads}"] = round(len(texts) / (time.perf_counter() - started), 1)
    return rates


def bench_pool(
    experts: Sequence[Expert], queries: Sequence[str], index_kind: str, work_dir: Path, cache_dir: Path
) -> PoolResult:
    """Import, index and query one pool in a fresh data directory (embedding cache shared)."""
    settings = Settings(
        data_dir=work_dir / f"pool-{len(experts)}-{index_kind}",
        index_kind=index_kind,  # type: ignore[arg-type]  # validated by Settings
        embedding_cache_dir=cache_dir,
    )
    settings.data_dir.mkdir(parents=True)
    matcher = Matcher(settings)
    started = time.perf_counter()
    for start in range(0, len(experts), 5000):
        matcher.store.records.upsert("experts", experts[start : start + 5000])
    import_s = time.perf_counter() - started
    misses = matcher.cache.misses
    started = time.perf_counter()
    matcher.build_index(full=True, show_progress=True)
    build_s = time.perf_counter() - started
    for text in queries[:20]:  # warm-up: model load, first-touch pages
        matcher.recommend(text, k=10)
    timings = []
    for text in queries:
        started = time.perf_counter()
        matcher.recommend(text, k=10, explain=True)
        timings.append(time.perf_counter() - started)
    filtered = []
    filters = Filters(countries=["US", "DE", "GB"], languages=["en"])
    for text in queries[: max(len(queries) // 3, 10)]:
        started = time.perf_counter()
        matcher.recommend(text, k=10, filters=filters)
        filtered.append(time.perf_counter() - started)
    index_dir = settings.index_dir / "experts"
    return PoolResult(
        experts=len(experts),
        index_kind=index_kind,
        import_records_per_s=round(len(experts) / import_s, 1),
        index_build_s=round(build_s, 2),
        embedded_during_build=matcher.cache.misses - misses,
        query_ms=percentiles_ms(timings),
        filtered_query_ms=percentiles_ms(filtered),
        peak_rss_mb=peak_rss_mb(),
        index_mb=round(sum(p.stat().st_size for p in index_dir.rglob("*") if p.is_file()) / 1e6, 1),
    )


def run_benchmark(
    sizes: Sequence[int],
    *,
    queries: int = 300,
    index_kinds: Sequence[str] = ("flat",),
    out: Path = Path("reports"),
    cache_dir: Path | None = None,
) -> str:
    """Run the benchmark for each pool size and index kind; write Markdown + JSON; return the Markdown.

    Args:
        sizes: expert pool sizes (generated, deterministic).
        queries: timed queries per pool.
        index_kinds: FAISS index kinds to compare.
        out: report directory.
        cache_dir: a persistent embedding cache; a second run then skips embedding (the uncached
            embedding rate is measured separately on a sample either way).
    """
    demo = generate_demo()
    texts = query_texts(demo.demands, queries)
    pool = generate_experts(max(sizes))
    embed = embedding_throughput(pool)
    results: list[PoolResult] = []
    with tempfile.TemporaryDirectory(prefix="haizhi-bench-") as tmp:
        cache = cache_dir or Path(tmp) / "cache"
        for kind in index_kinds:
            for size in sorted(sizes):
                results.append(bench_pool(pool[:size], texts, kind, Path(tmp), cache))
    return write_report(results, embed, out, queries=queries)


def write_report(results: Sequence[PoolResult], embed: dict[str, float], out: Path, *, queries: int) -> str:
    """Write ``bench-<timestamp>.md`` and ``.json`` into ``out``; return the Markdown text."""
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    header = (
        f"# haizhi bench {stamp}\n\nMachine: {platform.machine()}, Python {platform.python_version()}, "
        f"{len(os.sched_getaffinity(0))} cores, load average {os.getloadavg()[0]:.2f} at the end.\n"
        f"Embedding (USE, uncached profile texts): {embed.get('threads_1')} docs/s on 1 thread, "
        f"{embed.get('threads_2')} docs/s on 2 threads.\n"
        f"Queries: {queries} demo need texts per pool (zh and en), top-10 with explanations.\n\n"
        "| experts | index | import rec/s | build s (embedded) | p50 ms | p95 ms | p99 ms "
        "| filtered p50 / p99 ms | peak RSS MB | index files MB |\n"
        "|---|---|---|---|---|---|---|---|---|---|\n"
    )
    rows = "".join(
        f"| {r.experts} | {r.index_kind} | {r.import_records_per_s} | {r.index_build_s} "
        f"({r.embedded_during_build}) | {r.query_ms['p50']} | {r.query_ms['p95']} | {r.query_ms['p99']} "
        f"| {r.filtered_query_ms['p50']} / {r.filtered_query_ms['p99']} | {r.peak_rss_mb} | {r.index_mb} |\n"
        for r in results
    )
    markdown = header + rows + "\nTargets: p50 ≤ 15 ms and p99 ≤ 40 ms at 100k experts on 2 cores.\n"
    (out / f"bench-{stamp}.md").write_text(markdown, encoding="utf-8")
    payload = {"embedding_docs_per_s": embed, "pools": [asdict(r) for r in results]}
    (out / f"bench-{stamp}.json").write_text(json.dumps(payload, indent=2), encoding="utf-8")
    return markdown
