"""``haizhi bench``: throughput, index build time, query latency and memory over generated pools.

Speed goals are checked here, in a report, never by timed tests. Figures are medians/percentiles of
one run on this machine; compare ratios within a run rather than absolute numbers across machines.
"""

from __future__ import annotations

import json
import platform
import resource
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from matcher.config import Settings
from matcher.corpus import Filters
from matcher.records import Demand, Expert
from matcher.service import Matcher
from pipelines.demo.generator import generate_demo, generate_experts


@dataclass
class PoolResult:
    """Figures for one pool size and index kind."""

    experts: int
    index_kind: str
    import_records_per_s: float
    embed_records_per_s: float
    index_build_s: float
    query_ms: dict[str, float] = field(default_factory=dict)
    filtered_query_ms: dict[str, float] = field(default_factory=dict)
    peak_rss_mb: float = 0.0
    index_bytes: int = 0


def _percentiles(samples: Sequence[float]) -> dict[str, float]:
    values = np.array(samples) * 1000.0
    return {
        "p50": round(float(np.percentile(values, 50)), 2),
        "p95": round(float(np.percentile(values, 95)), 2),
        "p99": round(float(np.percentile(values, 99)), 2),
        "mean": round(float(values.mean()), 2),
    }


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _query_texts(demands: Sequence[Demand], count: int) -> list[str]:
    texts = [f"{d.title}。{d.description}" for d in demands]
    return [texts[i % len(texts)] for i in range(count)]


def bench_pool(
    experts: Sequence[Expert], queries: Sequence[str], index_kind: str, work_dir: Path
) -> PoolResult:
    """Import, index and query one pool in a fresh data directory (embedding cache shared)."""
    # one embedding cache for every pool of a run, so a second index kind does not re-embed
    settings = Settings(
        data_dir=work_dir / f"pool-{len(experts)}-{index_kind}",
        index_kind=index_kind,  # type: ignore[arg-type]  # validated by Settings
        embedding_cache_dir=work_dir / "cache",
    )
    settings.data_dir.mkdir(parents=True)
    matcher = Matcher(settings)
    started = time.perf_counter()
    for start in range(0, len(experts), 5000):
        matcher.store.upsert("experts", experts[start : start + 5000])
    import_s = time.perf_counter() - started
    misses_before = matcher.cache.misses
    started = time.perf_counter()
    matcher.build_index(full=True, show_progress=True)
    build_s = time.perf_counter() - started
    embedded = matcher.cache.misses - misses_before
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
        embed_records_per_s=round(embedded / build_s, 1) if embedded else 0.0,
        index_build_s=round(build_s, 2),
        query_ms=_percentiles(timings),
        filtered_query_ms=_percentiles(filtered),
        peak_rss_mb=round(_peak_rss_mb(), 1),
        index_bytes=sum(p.stat().st_size for p in index_dir.rglob("*") if p.is_file()),
    )


def run_benchmark(
    sizes: Sequence[int], *, queries: int = 300, index_kind: str = "flat", out: Path = Path("reports")
) -> str:
    """Run the benchmark for each pool size and index kind; write Markdown + JSON; return the Markdown."""
    demo = generate_demo()
    texts = _query_texts(demo.demands, queries)
    pool = generate_experts(max(sizes))
    results: list[PoolResult] = []
    with tempfile.TemporaryDirectory(prefix="haizhi-bench-") as tmp:
        for kind in index_kind.split(","):
            for size in sorted(sizes):
                results.append(bench_pool(pool[:size], texts, kind.strip(), Path(tmp)))
    return write_report(results, out, queries=queries)


def write_report(results: Sequence[PoolResult], out: Path, *, queries: int) -> str:
    """Write ``bench-<timestamp>.md`` and ``.json`` into ``out``; return the Markdown text."""
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    header = (
        f"# haizhi bench {stamp}\n\nmachine: {platform.machine()}, {platform.python_version()}, "
        f"{_cpu_count()} cores; {queries} queries per pool (demo demand texts), k=10 with explanations.\n\n"
        "| experts | index | import rec/s | embed rec/s | build s | p50 ms | p95 ms | p99 ms "
        "| filtered p50/p99 ms | peak RSS MB | index MB |\n|---|---|---|---|---|---|---|---|---|---|---|\n"
    )
    rows = "".join(
        f"| {r.experts} | {r.index_kind} | {r.import_records_per_s} | {r.embed_records_per_s} | "
        f"{r.index_build_s} | {r.query_ms['p50']} | {r.query_ms['p95']} | {r.query_ms['p99']} | "
        f"{r.filtered_query_ms['p50']}/{r.filtered_query_ms['p99']} | {r.peak_rss_mb} | "
        f"{r.index_bytes / 1e6:.1f} |\n"
        for r in results
    )
    markdown = header + rows + "\nTargets: p50 ≤ 15 ms and p99 ≤ 40 ms at 100k experts on 2 cores.\n"
    (out / f"bench-{stamp}.md").write_text(markdown, encoding="utf-8")
    (out / f"bench-{stamp}.json").write_text(
        json.dumps([asdict(r) for r in results], indent=2), encoding="utf-8"
    )
    return markdown


def _cpu_count() -> int:
    import os

    return len(os.sched_getaffinity(0))
