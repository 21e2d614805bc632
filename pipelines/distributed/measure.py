"""Measured points for docs/scaling.md: index build and nightly batch, local engine against Ray.

``python -m pipelines.distributed.measure --experts 2000 --out reports`` builds the indexes of
``--experts`` generated experts from an empty embedding cache once per engine, then runs a nightly
dry run on the demo data once per engine, and writes ``reports/scaling.json`` and ``scaling.md``.
Both engines use the same cores of this machine (Ray: a local cluster of every core), so the figures
show the overhead of Ray and the per-core rates the projection in docs/scaling.md starts from.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from matcher.config import Settings
from matcher.service import Matcher
from pipelines.demo import DEMO_DATA_DIR
from pipelines.demo.generator import generate_experts
from pipelines.distributed.factory import create_engine

RUN_DATE = date(2026, 3, 2)
DEMO_FILES = (("organizations", "organizations.csv"), ("sites", "sites.csv"), ("demands", "demands.csv"))


def _size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def measure_build(experts: int, engine_name: str, work: Path) -> dict[str, Any]:
    """Index ``experts`` generated experts with an empty cache on one engine (engine start timed apart)."""
    settings = Settings(data_dir=work / f"build-{engine_name}")
    matcher = Matcher(settings)
    matcher.store.records.upsert("experts", generate_experts(experts))
    started = time.perf_counter()
    with create_engine(engine_name) as engine:
        ready = time.perf_counter()
        report = matcher.build_index(bulk_encoder=engine.bulk_encoder(matcher))
        built = time.perf_counter()
    index = settings.index_dir / "experts"
    return {
        "engine": engine_name,
        "experts": experts,
        "texts_embedded": report.cache_misses,
        "engine_start_s": round(ready - started, 2),
        "build_s": round(built - ready, 2),
        "texts_per_s": round(report.cache_misses / max(built - ready, 1e-9), 1),
        "index_bytes_per_expert": round(_size(index) / experts),
    }


def measure_nightly(engine_name: str, work: Path) -> dict[str, Any]:
    """One nightly dry run over the demo data (indexes built beforehand, in-process)."""
    from matcher.ingest.importer import import_file
    from pipelines.nightly.run import run_nightly

    data_dir = work / f"nightly-{engine_name}"
    matcher = Matcher(Settings(data_dir=data_dir, outbox_dir=data_dir / "outbox"))
    for kind, name in (*DEMO_FILES, ("experts", "experts.csv")):
        import_file(matcher.store, kind, DEMO_DATA_DIR / name)
    matcher.build_index()
    with create_engine(engine_name) as engine:
        started = time.perf_counter()
        report = run_nightly(matcher, run_date=RUN_DATE, dry_run=True, engine=engine, refresh=False)
        elapsed = time.perf_counter() - started
    demands = int(report.counts["open_demands"])
    return {
        "engine": engine_name,
        "demands": demands,
        "experts": matcher.store.records.count("experts"),
        "run_s": round(elapsed, 2),
        "match_s": report.counts["match_s"],
        "match_ms_per_demand": round(1000 * float(report.counts["match_s"]) / max(demands, 1), 1),
        "bases": len(report.bases),
    }


def write_report(results: dict[str, Any], out: Path) -> str:
    """Write ``scaling.json`` and ``scaling.md`` into ``out``; returns the markdown."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "scaling.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    lines = [
        f"# Scaling measured points ({results['cores']} cores, load {results['load']})",
        "",
        "| run | engine | size | engine start s | time s | rate |",
        "|---|---|---|---|---|---|",
    ]
    for row in results["build"]:
        lines.append(
            f"| build-index | {row['engine']} | {row['experts']} experts, {row['texts_embedded']} texts "
            f"| {row['engine_start_s']} | {row['build_s']} | {row['texts_per_s']} texts/s |"
        )
    for row in results["nightly"]:
        lines.append(
            f"| nightly dry run | {row['engine']} | {row['demands']} demands × {row['experts']} experts "
            f"| – | {row['run_s']} (match {row['match_s']}) | {row['match_ms_per_demand']} ms/demand |"
        )
    text = "\n".join(lines) + "\n"
    (out / "scaling.md").write_text(text, encoding="utf-8")
    return text


def main(argv: Sequence[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--experts", type=int, default=2000)
    parser.add_argument("--engines", default="local,ray")
    parser.add_argument("--out", type=Path, default=Path("reports"))
    args = parser.parse_args(argv)
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    work = Path(tempfile.mkdtemp(prefix="haizhi-scaling-"))
    try:
        results: dict[str, Any] = {
            "cores": len(os.sched_getaffinity(0)),
            "load": " ".join(f"{x:.1f}" for x in os.getloadavg()),
            "build": [measure_build(args.experts, name, work) for name in engines],
            "nightly": [measure_nightly(name, work) for name in engines],
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(write_report(results, args.out))


if __name__ == "__main__":
    main()
