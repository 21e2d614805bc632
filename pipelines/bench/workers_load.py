"""``haizhi loadtest --workers 1,2,4``: the recommendation endpoint through N uvicorn workers on PostgreSQL.

For each worker count it starts ``haizhi serve --workers N`` on a free 127.0.0.1 port (index files
mapped, `docs/serving.md`) over a copy of a data directory whose records were copied into the PostgreSQL
schema ``haizhi_loadtest`` (its tables are replaced), sends a fixed number of requests from a bounded
number of concurrent clients, and reads each worker's memory from ``/proc``: anonymous (private) and
file-backed resident memory, and the resident and proportional size of the mapped index files (one
copy in the page cache shared by every worker shows as PSS ≈ RSS / N).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import typer

from api.access import ApiKeys
from matcher.config import Settings
from matcher.store import Store

SCHEMA = "haizhi_loadtest"
WORKER_HEADER = "X-Haizhi-Worker"


@dataclass
class WorkerMemory:
    """Resident memory of one worker process, in MiB."""

    pid: int
    rss_anon_mb: float
    rss_file_mb: float
    pss_mb: float
    index_rss_mb: float  # the mapped expert/demand vector index files
    index_pss_mb: float


@dataclass
class WorkersResult:
    """One load run against ``workers`` worker processes."""

    workers: int
    experts: int
    concurrency: int
    requests: int
    errors: int
    seconds: float
    requests_per_s: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    answered_by: dict[str, int]  # worker pid → requests it answered
    memory: list[WorkerMemory]
    load_average: tuple[float, float, float]
    error_samples: list[str] = field(default_factory=list)


def schema_url(url: str, schema: str = SCHEMA) -> str:
    """``url`` with its tables in ``schema`` (created): the load test never touches other tables."""
    admin = Store(url)
    with admin.engine.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    admin.close()
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"


def prepare_postgres(source: Path, url: str, target: Path) -> Settings:
    """Copy ``source`` (SQLite data directory) to ``target`` with its records in PostgreSQL, indexed."""
    from matcher.service import Matcher

    shutil.copytree(source, target, ignore=shutil.ignore_patterns("haizhi.db*", "*.lock"))
    settings = Settings(data_dir=target, database_url=schema_url(url), embed_workers=1)
    origin, copy = Store(Settings(data_dir=source).resolved_database_url), Store(settings.database_url)
    copy.drop_schema()
    copy.create_schema()
    for kind in ("sites", "organizations", "experts", "demands"):
        copy.records.upsert(kind, [record for _, record in origin.records.rows(kind)])
    origin.close()
    copy.close()
    shutil.rmtree(settings.index_dir, ignore_errors=True)  # PostgreSQL numbers rows anew (vectors are cached)
    Matcher(settings).build_index()
    return settings


def worker_memory(pid: int) -> WorkerMemory:
    """Memory of ``pid`` from ``/proc/<pid>/status`` and ``smaps`` (Linux)."""
    status = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line
    )

    def kib(text: str) -> float:
        return int(text.split()[0]) / 1024

    index_rss = index_pss = pss = 0.0
    in_index = False
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        parts = line.split()
        if parts and "-" in parts[0] and len(parts) >= 5:  # a mapping header line
            in_index = line.endswith("index.faiss")
        elif parts[:1] == ["Rss:"] and in_index:
            index_rss += kib(parts[1])
        elif parts[:1] == ["Pss:"]:
            pss += kib(parts[1])
            if in_index:
                index_pss += kib(parts[1])
    return WorkerMemory(
        pid,
        round(kib(status["RssAnon"]), 1),
        round(kib(status["RssFile"]), 1),
        round(pss, 1),
        round(index_rss, 2),
        round(index_pss, 2),
    )


async def _load(
    url: str, key: str, texts: list[str], *, requests: int, concurrency: int, k: int
) -> tuple[list[float], list[str], list[str], float]:
    import httpx

    latencies: list[float] = []
    errors: list[str] = []
    pids: list[str] = []
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    # a new connection per request: the kernel hands each to a worker that accepts (a kept-alive
    # connection would stay with the worker that accepted it, often one worker for all clients)
    headers = {"X-API-Key": key, "Connection": "close"}
    async with httpx.AsyncClient(base_url=url, headers=headers, limits=limits, timeout=120) as client:
        counter = iter(range(requests))

        async def client_task() -> None:
            for i in counter:  # the shared iterator bounds the total; each task runs one request at a time
                started = time.perf_counter()
                try:
                    response = await client.post(
                        "/v1/recommendations", json={"text": texts[i % len(texts)], "k": k}
                    )
                    pids.append(response.headers.get(WORKER_HEADER, "?"))
                    if response.status_code != 200 or not response.json()["results"]:
                        errors.append(f"{response.status_code}: {response.text[:200]}")
                except httpx.HTTPError as error:
                    errors.append(f"{type(error).__name__}: {error}")
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(client_task() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return latencies, errors, pids, elapsed


def start_workers(
    settings: Settings, workers: int, port: int, timeout: float = 600.0
) -> tuple[subprocess.Popen[bytes], set[int]]:
    """``haizhi serve --workers N`` in a subprocess, once all N workers answer (their pids)."""
    import httpx

    env = {**os.environ, "HAIZHI_DATABASE_URL": settings.database_url, "HAIZHI_INDEX_MMAP": "true"}
    command = [sys.executable, "-m", "pipelines.cli.main", "serve", "--data-dir", str(settings.data_dir)]
    command += ["--port", str(port), "--workers", str(workers), "--log-level", "warning"]
    log = settings.data_dir / f"serve-{workers}-workers.log"
    with log.open("wb") as output:  # the child keeps its own handle
        process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
    pids: set[int] = set()
    deadline = time.monotonic() + timeout
    while len(pids) < workers:
        if process.poll() is not None or time.monotonic() > deadline:
            process.terminate()
            tail = log.read_text(encoding="utf-8", errors="replace")[-2000:]
            raise RuntimeError(f"{workers} workers did not all answer on port {port}:\n{tail}")
        try:  # a new connection each time: the kernel hands it to any worker that accepts
            pids.add(int(httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=5).headers[WORKER_HEADER]))
        except (httpx.HTTPError, KeyError, ValueError):
            time.sleep(0.3)
    return process, pids


def run_workers(
    settings: Settings, workers: int, texts: list[str], *, requests: int, concurrency: int, k: int = 10
) -> WorkersResult:
    """Start ``workers`` workers, warm them up, send ``requests`` requests, read their memory, stop them."""
    from pipelines.bench.loadtest import free_port

    store = Store(settings.database_url)
    experts = store.records.count("experts")
    key, token = ApiKeys(store).create(f"loadtest {workers} workers (temporary)", "admin")
    port = free_port()
    process, pids = start_workers(settings, workers, port)
    url = f"http://127.0.0.1:{port}"
    try:
        warm = max(4 * concurrency, 20 * workers)  # page faults, pools, first encoder calls in every worker
        asyncio.run(_load(url, token, texts, requests=warm, concurrency=concurrency, k=k))
        latencies, errors, answered, elapsed = asyncio.run(
            _load(url, token, texts, requests=requests, concurrency=concurrency, k=k)
        )
        memory = [worker_memory(pid) for pid in sorted(pids)]
    finally:
        process.terminate()
        process.wait(timeout=60)
        ApiKeys(store).revoke(key.key_id)
        store.close()
    ms = np.array(latencies) * 1000 if latencies else np.zeros(1)
    load = os.getloadavg()
    return WorkersResult(
        workers=workers,
        experts=experts,
        concurrency=concurrency,
        requests=len(latencies),
        errors=len(errors),
        seconds=round(elapsed, 2),
        requests_per_s=round(len(latencies) / elapsed, 1),
        p50_ms=round(float(np.percentile(ms, 50)), 1),
        p95_ms=round(float(np.percentile(ms, 95)), 1),
        p99_ms=round(float(np.percentile(ms, 99)), 1),
        max_ms=round(float(ms.max()), 1),
        answered_by=dict(Counter(answered)),
        memory=memory,
        load_average=(round(load[0], 2), round(load[1], 2), round(load[2], 2)),
        error_samples=errors[:5],
    )


def workers_markdown(results: list[WorkersResult], stamp: str, cores: int) -> str:
    """The Markdown report of a ``--workers`` run."""
    lines = [
        f"# haizhi loadtest --workers {stamp}",
        "",
        "`POST /v1/recommendations` (k=10, explanations and profiles) through `haizhi serve --workers N` "
        f"on 127.0.0.1 over PostgreSQL (schema `{SCHEMA}`), index files memory-mapped; clients: httpx "
        f"async in one process on the same machine ({cores} cores, shared by clients, server and database), "
        "a new connection per request so the kernel spreads them over the workers.",
        "",
        "| workers | experts | clients | requests | errors | seconds | req/s | p50 ms | p95 ms | p99 ms "
        "| max ms | load avg 1/5/15 |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        load = "/".join(str(x) for x in r.load_average)
        lines.append(
            f"| {r.workers} | {r.experts} | {r.concurrency} | {r.requests} | {r.errors} | {r.seconds} "
            f"| {r.requests_per_s} | {r.p50_ms} | {r.p95_ms} | {r.p99_ms} | {r.max_ms} | {load} |"
        )
    lines += [
        "",
        "Memory per worker (MiB, at the end of the run): RSS anonymous (private: encoder, corpus, lexical "
        "indexes, Python) and file-backed; PSS splits shared pages between the processes mapping them. "
        "The index columns are the mapped vector index files alone: the same file pages in every worker.",
        "",
        "| workers | pid | requests answered | RSS anon | RSS file | PSS | index RSS | index PSS |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        for m in r.memory:
            answered = r.answered_by.get(str(m.pid), 0)
            lines.append(
                f"| {r.workers} | {m.pid} | {answered} | {m.rss_anon_mb} | {m.rss_file_mb} | {m.pss_mb} "
                f"| {m.index_rss_mb} | {m.index_pss_mb} |"
            )
    samples = [s for r in results for s in r.error_samples]
    if samples:
        lines += ["", "Error samples:", *[f"- `{s}`" for s in samples]]
    return "\n".join(lines) + "\n"


def compare_workers(
    settings: Settings,
    workers: str,
    database_url: str | None,
    requests: int,
    concurrency: int,
    out: Path,
    texts: list[str],
) -> str:
    """Run `pipelines.bench.workers_load` for each worker count; write and return the report."""
    try:
        counts = [int(part) for part in workers.split(",") if part.strip()]
    except ValueError:
        raise typer.BadParameter(f"{workers!r} is not a list of worker counts such as 1,2,4") from None
    if not counts or min(counts) < 1:
        raise typer.BadParameter(
            f"{workers!r}: give worker counts >= 1 such as 1,2,4", param_hint="--workers"
        )
    if not database_url or not database_url.startswith("postgresql"):
        raise typer.BadParameter(
            "--workers needs a PostgreSQL URL (--database-url or HAIZHI_LOADTEST_DATABASE_URL)",
            param_hint="--database-url",
        )
    with tempfile.TemporaryDirectory(prefix="haizhi-loadtest-workers-") as tmp:
        served = prepare_postgres(settings.data_dir, database_url, Path(tmp) / "data")
        results = []
        for count in counts:
            results.append(run_workers(served, count, texts, requests=requests, concurrency=concurrency))
            typer.echo(f"{count} workers: {results[-1].requests_per_s} req/s, p95 {results[-1].p95_ms} ms")
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    text = workers_markdown(results, stamp, len(os.sched_getaffinity(0)))
    (out / f"loadtest-workers-{stamp}.md").write_text(text, encoding="utf-8")
    (out / f"loadtest-workers-{stamp}.json").write_text(
        json.dumps([asdict(r) for r in results], indent=2), encoding="utf-8"
    )
    return text
