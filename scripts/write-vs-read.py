"""How long a large demand write holds up a concurrent reader, on a real uvicorn server on 127.0.0.1.

Builds a data directory from the bundled demo data, starts ``uvicorn api.app:create_app`` in a
subprocess, then for each write size: one client thread reads recommendations back to back while
another PATCHes a demand's description. Reports the write's status and time, and the latency of the
reads that overlapped it (median and max) next to the reads' latency alone. Also times the encoder on
one 300k-character text in this process. Run it against any checkout through ``PYTHONPATH``:

    .venv/bin/python scripts/write-vs-read.py                           # this checkout
    PYTHONPATH=/tmp/before .venv/bin/python scripts/write-vs-read.py    # e.g. a worktree of HEAD
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx

from api.access import ApiKeys
from pipelines.bench.loadtest import wait_until_healthy

NEED = {"text": "需要固态电池电解质界面稳定性方面的专家", "k": 10}
SCENARIOS = ("300k", "20k", "max")
"""A 300,000-character description, the longest allowed one (20,000), every text field at its limit."""


@dataclass
class Outcome:
    """One write and the reads that overlapped it (seconds)."""

    scenario: str
    characters: int
    write_status: int
    write_seconds: float
    reads_during: int
    read_median: float
    read_max: float
    alone_median: float


def demo_texts(root: Path) -> str:
    """The demo demands' titles and descriptions, one after another (real Chinese need text)."""
    from matcher.domain.records import Demand
    from matcher.ingest.importer import read_records

    demands = read_records(root / "pipelines" / "demo" / "data" / "demands.csv", "demands")
    return "\n".join(f"{d.title}。{d.description}" for d in demands if isinstance(d, Demand))


def long_text(source: str, tag: str, characters: int) -> str:
    """``characters`` of demo need text, starting with ``tag`` so no cache holds it."""
    text = tag + source
    return (text * (characters // len(text) + 1))[:characters]


def change(scenario: str, source: str) -> dict[str, object]:
    """The PATCH body of a scenario (texts tagged with its name)."""
    if scenario == "300k":
        return {"description": long_text(source, "300k写入", 300_000)}
    if scenario == "20k":
        return {"description": long_text(source, "20k写入", 20_000)}
    return {  # 200 list items of 1,000 characters each
        "title": long_text(source, "标题", 300),
        "description": long_text(source, "max写入", 20_000),
        "fields": [long_text(source, f"领域{n}", 1_000) for n in range(200)],
        "keywords": [long_text(source, f"关键词{n}", 1_000) for n in range(200)],
    }


def text_size(body: dict[str, object]) -> int:
    """Characters of text in a PATCH body."""
    values = [v for value in body.values() for v in (value if isinstance(value, list) else [value])]
    return sum(len(str(v)) for v in values)


def build_data_dir(root: Path, data_dir: Path) -> str:
    """Import the demo data, index it and create an admin key; returns the key."""
    from matcher.config import Settings
    from matcher.ingest.importer import import_file
    from matcher.service import Matcher

    matcher = Matcher(Settings(data_dir=data_dir))
    for kind in ("organizations", "sites", "experts", "demands"):
        import_file(matcher.store, kind, root / "pipelines" / "demo" / "data" / f"{kind}.csv")
    matcher.build_index()
    key: str = ApiKeys(matcher.store).create("write-vs-read", "admin", None)[1]
    matcher.store.close()
    return key


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    """``uvicorn --factory api.app:create_app`` over ``data_dir``, serving once /v1/health answers."""
    env = {**os.environ, "HAIZHI_DATA_DIR": str(data_dir)}
    command = [sys.executable, "-m", "uvicorn", "--factory", "api.app:create_app"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--workers", "1", "--log-level", "warning"]
    server = subprocess.Popen(command, env=env, cwd=data_dir)  # cwd: no stray .env file
    return wait_until_healthy(server, port, timeout=300)


def read_latencies(http: httpx.Client, count: int) -> list[float]:
    """``count`` reads one after another, alone; their latencies."""
    latencies = []
    for _ in range(count):
        start = time.perf_counter()
        http.post("/v1/recommendations", json=NEED).raise_for_status()
        latencies.append(time.perf_counter() - start)
    return latencies


def measure(
    http: httpx.Client, url: str, key: str, scenario: str, body: dict[str, object], alone: float
) -> Outcome:
    """PATCH one demand with ``body`` while a second client reads back to back."""
    reads: list[tuple[float, float]] = []
    stop = threading.Event()

    def reader() -> None:
        with httpx.Client(base_url=url, headers={"X-API-Key": key}, timeout=600) as own:
            while not stop.is_set():
                start = time.perf_counter()
                own.post("/v1/recommendations", json=NEED).raise_for_status()
                reads.append((start, time.perf_counter()))

    thread = threading.Thread(target=reader)
    thread.start()
    time.sleep(1.0)  # the reader is in its stride before the write starts
    write_start = time.perf_counter()
    response = http.patch("/v1/demands/D0001", json=body)
    write_end = time.perf_counter()
    stop.set()
    thread.join()
    during = [end - start for start, end in reads if end > write_start and start < write_end]
    return Outcome(
        scenario=scenario,
        characters=text_size(body),
        write_status=response.status_code,
        write_seconds=round(write_end - write_start, 3),
        reads_during=len(during),
        read_median=round(statistics.median(during), 3) if during else 0.0,
        read_max=round(max(during), 3) if during else 0.0,
        alone_median=round(alone, 3),
    )


def time_encoder(text: str) -> float:
    """Seconds the configured default encoder takes for ``text`` (model already loaded)."""
    from embeddings.encoders import create_encoder

    encoder = create_encoder("use")
    encoder.encode_documents(["warm-up 预热"])
    start = time.perf_counter()
    encoder.encode_documents([text])
    return round(time.perf_counter() - start, 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenarios", default="300k,20k", help=f"comma-separated: {', '.join(SCENARIOS)}")
    parser.add_argument("--alone-reads", type=int, default=10, help="reads timed with no write")
    parser.add_argument("--skip-encoder", action="store_true", help="do not time the encoder alone")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    import api  # the checkout under test: whatever PYTHONPATH puts first

    root = Path(api.__file__).resolve().parents[1]
    print(f"code under test: {root}", flush=True)
    source = demo_texts(root)
    encoder_seconds = None if args.skip_encoder else time_encoder(long_text(source, "编码", 300_000))
    if encoder_seconds is not None:
        print(f"encoder alone, one 300,000-character text: {encoder_seconds} s", flush=True)
    outcomes = []
    with tempfile.TemporaryDirectory(prefix="write-vs-read-") as temporary:
        data_dir = Path(temporary) / "data"
        key = build_data_dir(root, data_dir)
        port = free_port()
        server = start_server(data_dir, port)
        url = f"http://127.0.0.1:{port}"
        try:
            with httpx.Client(base_url=url, headers={"X-API-Key": key}, timeout=600) as http:
                read_latencies(http, 3)  # warm-up
                for scenario in args.scenarios.split(","):
                    alone = statistics.median(read_latencies(http, args.alone_reads))
                    body = change(scenario, source)
                    outcome = measure(http, url, key, scenario, body, alone)
                    print(json.dumps(asdict(outcome), ensure_ascii=False), flush=True)
                    outcomes.append(outcome)
        finally:
            server.terminate()
            server.wait(timeout=60)
    if args.json:
        writes = [asdict(outcome) for outcome in outcomes]
        report = {"code": str(root), "encoder_300k_seconds": encoder_seconds, "writes": writes}
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
