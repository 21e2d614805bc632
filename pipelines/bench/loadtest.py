"""``haizhi loadtest``: requests/s and latency of ``POST /v1/recommendations`` through a real server.

By default it starts ``haizhi serve`` in a subprocess on a free 127.0.0.1 port over a data directory
(the demo data, or ``--experts N`` generated experts), creates a temporary admin key, runs
``--concurrency`` clients for ``--duration`` seconds, revokes the key and writes a Markdown + JSON report.
``--workers 1,2,4`` instead serves PostgreSQL through that many worker processes each
(`pipelines.bench.workers_load`).
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import numpy as np
import typer

from api.access import ApiKeys
from matcher.config import Settings
from matcher.store import Store
from pipelines.demo import DEMO_DATA_DIR


@dataclass
class LoadResult:
    """What one load run measured."""

    label: str
    experts: int
    concurrency: int
    duration_s: float
    requests: int
    errors: int
    requests_per_s: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    load_average: float = 0.0
    error_samples: list[str] = field(default_factory=list)


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def need_texts() -> list[str]:
    """Realistic needs: the demo demands' titles and descriptions (zh and en)."""
    from matcher.ingest.importer import read_records

    demo = DEMO_DATA_DIR / "demands.csv"
    texts = [f"{d.title}。{d.description}" for d in read_records(demo, "demands")]  # type: ignore[attr-defined]
    return [
        *texts,
        "Need an expert in solid-state battery electrolytes to reduce interface impedance",
        "Looking for SiC power MOSFET reliability experts for automotive inverters",
        "需要医学影像人工智能专家，辅助肺结节检测",
    ]


async def _run(
    url: str, key: str, texts: list[str], *, concurrency: int, duration: float, k: int
) -> tuple[list[float], list[str], float]:
    import httpx

    latencies: list[float] = []
    errors: list[str] = []
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=url, headers={"X-API-Key": key}, limits=limits, timeout=60
    ) as client:

        async def worker(offset: int, until: float) -> None:
            i = offset
            while time.perf_counter() < until:
                body = {"text": texts[i % len(texts)], "k": k}
                i += concurrency
                started = time.perf_counter()
                try:
                    response = await client.post("/v1/recommendations", json=body)
                    ok = response.status_code == 200 and len(response.json()["results"]) > 0
                    if not ok:
                        errors.append(f"{response.status_code}: {response.text[:200]}")
                except httpx.HTTPError as error:
                    errors.append(f"{type(error).__name__}: {error}")
                latencies.append(time.perf_counter() - started)

        warm_until = time.perf_counter() + 2.0  # first requests pay for page faults and pools
        await asyncio.gather(*(worker(i, warm_until) for i in range(concurrency)))
        latencies.clear()
        errors.clear()
        started = time.perf_counter()
        until = started + duration
        await asyncio.gather(*(worker(i, until) for i in range(concurrency)))
        elapsed = time.perf_counter() - started
    return latencies, errors, elapsed


def measure(
    url: str,
    key: str,
    *,
    label: str,
    experts: int,
    concurrency: int = 20,
    duration: float = 30.0,
    k: int = 10,
) -> LoadResult:
    """Run the load against a running server and summarise it."""
    latencies, errors, elapsed = asyncio.run(
        _run(url, key, need_texts(), concurrency=concurrency, duration=duration, k=k)
    )
    ms = np.array(latencies) * 1000 if latencies else np.zeros(1)
    return LoadResult(
        label=label,
        experts=experts,
        concurrency=concurrency,
        duration_s=round(elapsed, 2),
        requests=len(latencies),
        errors=len(errors),
        requests_per_s=round(len(latencies) / elapsed, 1),
        p50_ms=round(float(np.percentile(ms, 50)), 1),
        p90_ms=round(float(np.percentile(ms, 90)), 1),
        p99_ms=round(float(np.percentile(ms, 99)), 1),
        max_ms=round(float(ms.max()), 1),
        load_average=round(os.getloadavg()[0], 2),
        error_samples=errors[:5],
    )


def start_server(data_dir: Path, port: int, timeout: float = 600.0) -> subprocess.Popen[bytes]:
    """Start ``haizhi serve`` in a subprocess and wait until /v1/health answers."""
    command = [sys.executable, "-m", "pipelines.cli.main", "serve", "--data-dir", str(data_dir)]
    command += ["--port", str(port), "--log-level", "warning"]
    return wait_until_healthy(subprocess.Popen(command, stdout=subprocess.DEVNULL), port, timeout)


def wait_until_healthy(
    process: subprocess.Popen[bytes], port: int, timeout: float
) -> subprocess.Popen[bytes]:
    """``process`` once /v1/health on 127.0.0.1:``port`` answers 200 (terminated if it never does)."""
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with code {process.returncode}; see its output above")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    process.terminate()
    raise RuntimeError(f"the server did not answer on port {port} within {timeout:.0f} s")


def prepare_generated(data_dir: Path, count: int) -> None:
    """A data directory with ``count`` generated experts plus the demo sites and demands, indexed."""
    from matcher.ingest.importer import import_file
    from matcher.service import Matcher
    from pipelines.demo.generator import generate_experts

    demo = DEMO_DATA_DIR
    matcher = Matcher(Settings(data_dir=data_dir))
    import_file(matcher.store, "sites", demo / "sites.csv")
    import_file(matcher.store, "demands", demo / "demands.csv")
    experts = generate_experts(count)
    for start in range(0, len(experts), 5000):
        matcher.store.records.upsert("experts", experts[start : start + 5000])
    matcher.build_index(show_progress=True)


def run_against(data_dir: Path, *, label: str, concurrency: int, duration: float) -> LoadResult:
    """Serve ``data_dir`` in a subprocess, load it with a temporary admin key, stop the server."""
    store = Store(Settings(data_dir=data_dir).resolved_database_url)
    store.create_schema()
    experts = store.records.count("experts")
    key, token = ApiKeys(store).create("loadtest (temporary)", "admin")
    port = free_port()
    process = start_server(data_dir, port)
    try:
        return measure(
            f"http://127.0.0.1:{port}",
            token,
            label=label,
            experts=experts,
            concurrency=concurrency,
            duration=duration,
        )
    finally:
        process.terminate()
        process.wait(timeout=30)
        ApiKeys(store).revoke(key.key_id)
        store.close()


def write_report(results: list[LoadResult], out: Path) -> str:
    """Write ``loadtest-<timestamp>.md`` and ``.json``; return the Markdown."""
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        f"# haizhi loadtest {stamp}",
        "",
        "`POST /v1/recommendations` (k=10, explanations and profiles) through uvicorn (1 worker) "
        "on 127.0.0.1; clients: httpx async in one process on the same machine "
        f"({platform.machine()}, {len(os.sched_getaffinity(0))} cores, Python {platform.python_version()}). "
        "Needs: demo demand texts (zh/en).",
        "",
        "| data | experts | clients | seconds | requests | req/s | p50 ms | p90 ms | p99 ms | max ms "
        "| errors | load avg |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.label} | {r.experts} | {r.concurrency} | {r.duration_s} | {r.requests} "
            f"| {r.requests_per_s} | {r.p50_ms} | {r.p90_ms} | {r.p99_ms} | {r.max_ms} | {r.errors} "
            f"| {r.load_average} |"
        )
    samples = [s for r in results for s in r.error_samples]
    lines += [
        "",
        "Latency includes queueing: 20 clients share one worker process, so p50 ≈ clients / throughput.",
        "The load average (1 min, at the end) shows what else ran on the machine.",
    ]
    if samples:
        lines += ["", "Error samples:", *[f"- `{s}`" for s in samples]]
    text = "\n".join(lines) + "\n"
    (out / f"loadtest-{stamp}.md").write_text(text, encoding="utf-8")
    (out / f"loadtest-{stamp}.json").write_text(
        json.dumps([asdict(r) for r in results], indent=2), encoding="utf-8"
    )
    return text


def loadtest_command(
    data_dir: Annotated[
        Path | None,
        typer.Option("--data-dir", help="Served data directory (default: ./var, run `haizhi demo`)."),
    ] = None,
    experts: Annotated[
        int, typer.Option(help="Also load a server over this many generated experts (0 = skip).", min=0)
    ] = 0,
    concurrency: Annotated[int, typer.Option(min=1, max=500)] = 20,
    duration: Annotated[float, typer.Option(min=1.0, help="Seconds of measured load per data set.")] = 30.0,
    out: Annotated[Path, typer.Option(help="Report directory.")] = Path("reports"),
    workers: Annotated[
        str | None,
        typer.Option(help="Worker counts to compare, e.g. 1,2,4 (PostgreSQL: see --database-url)."),
    ] = None,
    requests: Annotated[int, typer.Option(min=1, help="With --workers: requests per worker count.")] = 2000,
    database_url: Annotated[
        str | None,
        typer.Option(
            envvar="HAIZHI_LOADTEST_DATABASE_URL",
            help="With --workers: PostgreSQL URL; the records go to its schema haizhi_loadtest (replaced).",
        ),
    ] = None,
) -> None:
    """Measure requests/s and p50/p99 latency of the recommendation endpoint with concurrent clients."""
    settings = Settings(data_dir=data_dir) if data_dir else Settings()
    results = []
    if not (settings.data_dir / "haizhi.db").exists():
        raise typer.BadParameter(f"{settings.data_dir} has no database: run `haizhi demo --data-dir …` first")
    if workers is not None:
        from pipelines.bench.workers_load import compare_workers

        typer.echo(compare_workers(settings, workers, database_url, requests, concurrency, out, need_texts()))
        return
    results.append(run_against(settings.data_dir, label="demo", concurrency=concurrency, duration=duration))
    typer.echo(results[-1])
    if experts:
        with tempfile.TemporaryDirectory(prefix="haizhi-loadtest-") as tmp:
            prepare_generated(Path(tmp), experts)
            label = f"generated {experts}"
            results.append(run_against(Path(tmp), label=label, concurrency=concurrency, duration=duration))
            typer.echo(results[-1])
    typer.echo(write_report(results, out))
