"""``haizhi bench``: throughput, index build time, query latency and memory over generated pools.

Speed goals are checked here, in a report, never by timed tests. Figures are medians/percentiles of
one run on this machine; compare ratios within a run rather than absolute numbers across machines.
"""

from __future__ import annotations

import gc
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from embeddings.encoders import create_encoder
from matcher.domain.records import Demand, Expert
from matcher.retrieval.profiles import expert_text
from pipelines.bench.pool import VectorSource, open_pool
from pipelines.demo.generator import generate_demo, generate_experts


@dataclass
class PoolResult:
    """Figures for one pool size and index kind (serving figures from a fresh probe process)."""

    experts: int
    index_kind: str
    vectors: str
    import_records_per_s: float
    index_build_s: float
    embedded_during_build: int
    reindex_s: float = 0.0
    serving: dict[str, Any] = field(default_factory=dict)
    index_mb: float = 0.0


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


def probe_pool(data_dir: Path, vectors: str, texts: Sequence[str], *, profile: bool) -> dict[str, Any]:
    """Serving figures of the pool at ``data_dir``, measured in a fresh process (`pipelines.bench.probe`)."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as spec:
        json.dump(
            {"data_dir": str(data_dir), "vectors": vectors, "texts": list(texts), "profile": profile}, spec
        )
    try:
        done = subprocess.run(
            [sys.executable, "-m", "pipelines.bench.probe", spec.name],
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        Path(spec.name).unlink(missing_ok=True)
    if done.returncode != 0:
        raise RuntimeError(f"benchmark probe of {data_dir} failed:\n{done.stderr[-3000:]}")
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def bench_pool(
    size: int, index_kind: str, texts: Sequence[str], work_dir: Path, vectors: VectorSource, *, profile: bool
) -> PoolResult:
    """Build (or re-use) one pool, then measure a fresh serving process over it."""
    matcher, build = open_pool(size, index_kind=index_kind, work_dir=work_dir, vectors=vectors)
    data_dir = matcher.settings.data_dir
    del matcher
    gc.collect()
    index_dir = data_dir / "index" / "experts"
    live = index_dir / (index_dir / "CURRENT").read_text(encoding="utf-8").strip()
    return PoolResult(
        experts=size,
        index_kind=index_kind,
        vectors=vectors,
        import_records_per_s=round(build.imported / build.import_s, 1) if build.import_s else 0.0,
        index_build_s=round(build.build_s, 2),
        embedded_during_build=build.embedded,
        reindex_s=round(build.reindex_s, 2),
        serving=probe_pool(data_dir, vectors, texts, profile=profile),
        index_mb=round(sum(p.stat().st_size for p in live.rglob("*") if p.is_file()) / 1e6, 1),
    )


def run_benchmark(
    sizes: Sequence[int],
    *,
    queries: int = 300,
    index_kinds: Sequence[str] = ("flat",),
    out: Path = Path("reports"),
    work_dir: Path | None = None,
    vectors: VectorSource = "real",
    profile: bool = True,
) -> str:
    """Run the benchmark for each pool size and index kind; write Markdown + JSON; return the Markdown.

    Args:
        sizes: expert pool sizes (generated, deterministic).
        queries: timed queries per pool.
        index_kinds: FAISS index kinds to compare.
        out: report directory.
        work_dir: where pools and their embedding cache persist, so a second run re-uses them
            (default: a temporary directory, removed afterwards).
        vectors: ``real`` USE embeddings, or ``generated`` document vectors for pools too large to
            embed here (`pipelines.bench.generated`).
        profile: add a cProfile summary of the query path of each pool to the report.
    """
    demo = generate_demo()
    texts = query_texts(demo.demands, queries)
    embed = embedding_throughput(generate_experts(1000)) if vectors == "real" else {}
    results: list[PoolResult] = []
    with tempfile.TemporaryDirectory(prefix="haizhi-bench-") as tmp:
        work = work_dir or Path(tmp)
        for kind in index_kinds:
            for size in sorted(sizes):
                results.append(bench_pool(size, kind, texts, work, vectors, profile=profile))
    return write_report(results, embed, out, queries=queries)


def write_report(results: Sequence[PoolResult], embed: dict[str, float], out: Path, *, queries: int) -> str:
    """Write ``bench-<timestamp>.md`` and ``.json`` into ``out``; return the Markdown text."""
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    embedding = (
        f"Embedding (USE, uncached profile texts): {embed.get('threads_1')} docs/s on 1 thread, "
        f"{embed.get('threads_2')} docs/s on 2 threads.\n"
        if embed
        else ""
    )
    header = (
        f"# haizhi bench {stamp}\n\nMachine: {platform.machine()}, Python {platform.python_version()}, "
        f"{len(os.sched_getaffinity(0))} cores, load average {os.getloadavg()[0]:.2f} at the end.\n"
        f"{embedding}"
        f"Queries: {queries} demo need texts per pool (zh and en), top-10 with explanations, end to end, "
        "in a fresh serving process per pool. *bare*: the same process encoding the same texts with USE "
        "and searching the same index file with FAISS alone (top-10, same search parameters).\n"
        "Vectors: *real* = USE embeddings of the generated profiles and publications; *generated* = "
        "clustered unit vectors for documents (pipelines/bench/generated.py), real USE for queries.\n\n"
        "| experts | vectors | index | build s (embedded) | p50 ms | p95 ms | p99 ms | bare p50 ms | ratio "
        "| encode p50 ms | filtered p50 / p99 ms | RSS MB (anon / file) | index files MB |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n"
    )
    rows = "".join(_row(r) for r in results)
    profiles = "".join(
        f"\n## Query path profile: {r.experts} experts, {r.index_kind} ({r.vectors})\n\n```\n"
        f"{r.serving['profile']}\n```\n"
        for r in results
        if r.serving.get("profile")
    )
    targets = (
        "\nTargets: ratio ≤ 1.5 to the bare script at every size; 100k experts p50 ≤ 8 ms and "
        "p99 ≤ 20 ms; 1M experts p50 ≤ 15 ms.\n"
    )
    markdown = header + rows + targets + profiles
    (out / f"bench-{stamp}.md").write_text(markdown, encoding="utf-8")
    payload = {"embedding_docs_per_s": embed, "pools": [asdict(r) for r in results]}
    (out / f"bench-{stamp}.json").write_text(
        json.dumps(payload, indent=2, ensure_ascii=False), encoding="utf-8"
    )
    return markdown


def _row(r: PoolResult) -> str:
    s = r.serving
    q, f, memory = s["query_ms"], s["filtered_query_ms"], s["memory_mb"]
    bare = s.get("bare_ms", {}).get("p50", "–")
    return (
        f"| {r.experts} | {r.vectors} | {r.index_kind} | {r.index_build_s} ({r.embedded_during_build}) "
        f"| {q['p50']} | {q['p95']} | {q['p99']} | {bare} | {s.get('ratio_p50', '–')} "
        f"| {s['encode_ms']['p50']} | {f['p50']} / {f['p99']} "
        f"| {memory.get('rss')} ({memory.get('rss_anon')} / {memory.get('rss_file')}) | {r.index_mb} |\n"
    )
