"""`haizhi bench-index`: build each vector index kind over the same vectors and measure it served.

Per pool size and index kind it builds the experts index and the items index (``items_per_expert``
times as many vectors, as experts' publications are), saves them, then opens both memory-mapped in a
fresh process (`pipelines.bench.index_probe`) and reports: build seconds, bytes on disk, resident
memory (anonymous / file-backed) after opening and after the queries, warm single-query p50/p99
(k=10, one search thread) and recall@10 against the exact top-10 over the same float32 vectors.
"""

from __future__ import annotations

import gc
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer

from embeddings.index.factory import INDEX_KINDS, create_index
from embeddings.index.storage import current_version
from pipelines.bench.index_vectors import exact_topk_file, generate_vectors, read_vector_file

__all__ = ["IndexResult", "bench_index_command", "run_index_benchmark"]

ITEMS_PER_EXPERT = 2.3
K = 10
ENCODER_ID = "bench-vectors"


@dataclass
class IndexResult:
    """Figures of one index (experts or items) of one kind at one pool size."""

    experts: int
    kind: str
    role: str
    count: int
    vectors: str
    build_s: float
    disk_mb: float
    load_s: float
    recall_at_10: float
    search_ms: dict[str, float]
    memory_after_load_mb: dict[str, float]
    memory_after_queries_mb: dict[str, float]
    baseline_memory_mb: dict[str, float] = field(default_factory=dict)


@dataclass
class _Pool:
    vectors: dict[str, np.ndarray]  # role → (count, dim), memory-mapped
    queries: np.ndarray
    truth: dict[str, np.ndarray]  # role → exact top-K rows per query


def _pool(size: int, work: Path, source: str, files: dict[str, Path | None], queries: int, dim: int) -> _Pool:
    items = max(1, round(size * ITEMS_PER_EXPERT))
    if source == "generated":
        vectors = {
            "experts": generate_vectors(work / "experts.npy", size, dim, seed=size),
            "items": generate_vectors(work / "items.npy", items, dim, seed=size + 1),
        }
        query_rows = np.array(generate_vectors(work / "queries.npy", queries, dim, seed=size + 2))
    else:
        expert_file = files["experts"]
        if expert_file is None:
            raise typer.BadParameter("--vectors file needs --vector-file", param_hint="--vector-file")
        # the rows after the pool are the queries: drawn from the same data, never in the index
        rows = read_vector_file(expert_file, size + queries)
        vectors = {"experts": rows[:size]}
        query_rows = np.array(rows[size : size + queries])
        if files["items"] is not None:
            vectors["items"] = read_vector_file(files["items"], items)
    np.save(work / "queries.npy", query_rows)
    truth = {role: exact_topk_file(rows, query_rows, K) for role, rows in vectors.items()}
    return _Pool(vectors, query_rows, truth)


def _build(kind: str, rows: np.ndarray, directory: Path) -> tuple[float, float]:
    """Build and save one index; returns (build seconds, MB on disk)."""
    started = time.perf_counter()
    index = create_index(kind, dim=rows.shape[1], encoder_id=ENCODER_ID)
    # one batch: ivfpq trains on its first batch, so that batch is the whole pool, as a rebuild is
    index.add(np.arange(rows.shape[0], dtype=np.int64), rows)
    index.save(directory)
    build_s = time.perf_counter() - started
    del index
    gc.collect()
    size = sum(path.stat().st_size for path in current_version(directory).rglob("*") if path.is_file())
    return build_s, size / 2**20


def _probe(spec: dict[str, Any], work: Path) -> dict[str, Any]:
    spec_file = work / "probe-spec.json"
    spec_file.write_text(json.dumps(spec), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "pipelines.bench.index_probe", str(spec_file)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"index probe failed:\n{done.stderr[-3000:]}")
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def _recall(found: np.ndarray, truth: np.ndarray) -> float:
    hits = [len(set(row.tolist()) & set(best.tolist())) for row, best in zip(found, truth, strict=True)]
    return round(float(np.mean(hits)) / truth.shape[1], 4)


def bench_kind(size: int, kind: str, pool: _Pool, work: Path, source: str) -> list[IndexResult]:
    """Build the experts and items indexes of ``kind`` and measure them in a fresh process."""
    built: dict[str, tuple[float, float]] = {}
    entries = []
    for role, rows in pool.vectors.items():
        directory = work / f"{kind}-{role}"
        built[role] = _build(kind, rows, directory)
        found = work / f"{kind}-{role}-found.npy"
        entries.append(
            {
                "role": role,
                "directory": str(directory),
                "queries": str(work / "queries.npy"),
                "found": str(found),
            }
        )
    figures = _probe({"k": K, "indexes": entries}, work)
    results = []
    for entry, measured in zip(entries, figures["indexes"], strict=True):
        role = entry["role"]
        results.append(
            IndexResult(
                experts=size,
                kind=kind,
                role=role,
                count=int(measured["count"]),
                vectors=source,
                build_s=round(built[role][0], 2),
                disk_mb=round(built[role][1], 1),
                load_s=measured["load_s"],
                recall_at_10=_recall(np.load(entry["found"]), pool.truth[role]),
                search_ms=measured["search_ms"],
                memory_after_load_mb=measured["memory_after_load_mb"],
                memory_after_queries_mb=measured["memory_after_queries_mb"],
                baseline_memory_mb=figures["baseline_memory_mb"],
            )
        )
        shutil.rmtree(entry["directory"], ignore_errors=True)  # a 1M items index is gigabytes
    return results


def run_index_benchmark(
    sizes: list[int],
    kinds: list[str],
    *,
    out: Path,
    vectors: str = "generated",
    files: dict[str, Path | None] | None = None,
    queries: int = 200,
    dim: int = 512,
) -> str:
    """Benchmark every kind at every size; write the report into ``out`` and return its Markdown."""
    unknown = [kind for kind in kinds if kind not in INDEX_KINDS]
    if unknown or not kinds:
        raise typer.BadParameter(
            f"unknown kinds {unknown}; options: {', '.join(INDEX_KINDS)}", param_hint="--kinds"
        )
    if vectors not in ("generated", "file"):
        raise typer.BadParameter("use generated or file", param_hint="--vectors")
    out.mkdir(parents=True, exist_ok=True)
    results: list[IndexResult] = []
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix=f"bench-index-{size}-", dir=out) as scratch:
            work = Path(scratch)
            pool = _pool(size, work, vectors, files or {"experts": None, "items": None}, queries, dim)
            for kind in kinds:
                measured = bench_kind(size, kind, pool, work, vectors)
                results.extend(measured)
                typer.echo("".join(_row(r) for r in measured), nl=False)
            del pool
            gc.collect()
    return write_report(results, out, queries=queries, dim=dim)


def write_report(results: list[IndexResult], out: Path, *, queries: int, dim: int) -> str:
    """Write ``bench-index-<timestamp>.md`` and ``.json`` into ``out``; return the Markdown."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    markdown = (
        f"# haizhi bench-index {stamp}\n\nMachine: {platform.machine()}, Python {platform.python_version()}, "
        f"{len(os.sched_getaffinity(0))} cores, load average {os.getloadavg()[0]:.2f} at the end.\n"
        f"Vectors: dim {dim}; *generated* = clustered unit vectors (pipelines/bench/index_vectors.py), "
        f"items = {ITEMS_PER_EXPERT} × experts. Queries: {queries}, one per call, k={K}, 1 search thread, "
        "warm (second pass). Each kind is served by a fresh process that opens the experts index and "
        "then the items index memory-mapped; the items rows are that process holding both. Recall@10 is "
        "against the exact inner-product top-10 over the same float32 vectors.\n\n"
        "| experts | kind | index | vectors | count | build s | disk MB | RSS anon / file MB after open "
        "| after queries | p50 ms | p99 ms | recall@10 |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|\n"
        + "".join(_row(r) for r in results)
        + "\nBaseline of the probe process (Python, numpy, faiss imported, no index): "
        + ", ".join(sorted({f"{r.baseline_memory_mb.get('rss_anon')} MB anon" for r in results}))
        + ".\nTarget: ivfpq at 1M experts with their items in ≤ 1 GB RssAnon, recall@10 ≥ 0.95.\n"
    )
    (out / f"bench-index-{stamp}.md").write_text(markdown, encoding="utf-8")
    payload = json.dumps({"results": [asdict(r) for r in results]}, indent=2)
    (out / f"bench-index-{stamp}.json").write_text(payload, encoding="utf-8")
    return markdown


def _row(r: IndexResult) -> str:
    load, after = r.memory_after_load_mb, r.memory_after_queries_mb
    return (
        f"| {r.experts} | {r.kind} | {r.role} | {r.vectors} | {r.count} | {r.build_s} | {r.disk_mb} "
        f"| {load.get('rss_anon')} / {load.get('rss_file')} "
        f"| {after.get('rss_anon')} / {after.get('rss_file')} "
        f"| {r.search_ms['p50']} | {r.search_ms['p99']} | {r.recall_at_10} |\n"
    )


def bench_index_command(
    sizes: Annotated[str, typer.Option(help="Comma-separated expert counts.")] = "10000,100000",
    kinds: Annotated[str, typer.Option(help="Comma-separated index kinds.")] = "flat,hnsw,ivfpq",
    vectors: Annotated[str, typer.Option(help="generated (clustered unit vectors) or file.")] = "generated",
    vector_file: Annotated[
        Path | None,
        typer.Option(help="With --vectors file: float32 (n, dim) .npy; rows after the pool are the queries."),
    ] = None,
    item_vector_file: Annotated[
        Path | None, typer.Option(help="With --vectors file: item vectors .npy (no items index without it).")
    ] = None,
    queries: Annotated[int, typer.Option(min=10)] = 200,
    dim: Annotated[int, typer.Option(min=8, help="Dimension of generated vectors.")] = 512,
    out: Annotated[Path, typer.Option(help="Report directory.")] = Path("reports"),
) -> None:
    """Benchmark index kinds: build, disk, memory when served mmapped, latency, recall@10; writes a report."""
    try:
        size_list = [int(s) for s in sizes.split(",") if s.strip()]
    except ValueError as error:
        raise typer.BadParameter(f"sizes must be integers: {error}", param_hint="--sizes") from error
    if not size_list or min(size_list) < 1:
        raise typer.BadParameter("give at least one size >= 1", param_hint="--sizes")
    kind_list = [k.strip() for k in kinds.split(",") if k.strip()]
    files = {"experts": vector_file, "items": item_vector_file}
    report = run_index_benchmark(
        size_list, kind_list, out=out, vectors=vectors, files=files, queries=queries, dim=dim
    )
    typer.echo(report)
