"""``haizhi bench-batch``: the nightly batch end to end over a generated pool (e.g. 10k demands × 1M experts).

The pool comes from `pipelines.bench.pool` (the same pools as ``haizhi bench``, kept in ``--work-dir``).
The bench adds the demo's bases, stations and organisations and ``demands`` distinct open demands spread
over the stations, then times one full nightly dry-run (`pipelines.nightly.run.run_nightly`: routing,
batched analysis and encoding, one batched FAISS search, per-demand hybrid retrieval, vectorised features
and ranking, explanations for the listed experts, capacity/diversity assignment, digests and the .eml
files). Figures go into a report (``bench-batch-*.md``), never into timed tests.
"""

from __future__ import annotations

import json
import os
import platform
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from matcher.domain.records import Demand, DemandStatus, Site, SiteKind
from matcher.service import Matcher
from pipelines.bench.pool import VectorSource, open_pool
from pipelines.demo.generator import generate_demo
from pipelines.distributed.base import Engine

DEMO_RUN_DATE = date(2026, 3, 2)
"""The run date of the nightly dry-run (the bench's demands have no deadline, so every one is open)."""


@dataclass
class BatchResult:
    """Figures of one batch benchmark run."""

    experts: int
    vectors: str
    index_kind: str
    demands: int
    pool_build_s: float
    demand_import_s: float
    demand_texts_embedded: int
    nightly_s: float
    nightly_counts: dict[str, float | int | str] = field(default_factory=dict)
    queries_embedded: int = 0
    single_demands_per_s: float = 0.0
    batched_demands_per_s: float = 0.0
    sample: int = 0
    faiss_queries_per_s: dict[str, float] = field(default_factory=dict)
    load_average: tuple[float, float, float] = (0.0, 0.0, 0.0)


def bench_demands(count: int, stations: Sequence[str]) -> list[Demand]:
    """``count`` distinct open demands (demo texts of other seeds), spread over ``stations``."""
    demands: list[Demand] = []
    seed = 7
    while len(demands) < count:
        for demand in generate_demo(seed).demands:
            update = {
                "id": f"S{seed}-{demand.id}",
                "status": DemandStatus.OPEN,
                "deadline": None,
                "station_id": stations[len(demands) % len(stations)],
            }
            demands.append(demand.model_copy(update=update))
        seed += 1
    return demands[:count]


def add_demands(matcher: Matcher, count: int) -> tuple[float, int]:
    """Put the demo sites and organisations and ``count`` bench demands into the pool; index them.

    Returns:
        Seconds taken and texts embedded (indexing a demand also embeds its query text).
    """
    started, misses = time.perf_counter(), matcher.cache.misses
    demo = generate_demo()
    matcher.store.records.upsert("organizations", demo.organizations)
    matcher.store.records.upsert("sites", demo.sites)
    stations = sorted(
        s.id for s in demo.sites if isinstance(s, Site) and s.kind is SiteKind.STATION and s.active
    )
    demands = bench_demands(count, stations)
    wanted = {d.id for d in demands}
    stale = [d.id for d in matcher.store.records.list("demands") if d.id not in wanted]
    if stale:
        matcher.store.records.delete("demands", stale)
    for start in range(0, len(demands), 5000):
        matcher.store.records.upsert("demands", demands[start : start + 5000])
    matcher.build_index(show_progress=True)
    return time.perf_counter() - started, matcher.cache.misses - misses


def dense_search_rates(matcher: Matcher, queries: Sequence[Demand]) -> dict[str, float]:
    """Dense (FAISS) search alone: one batched search of the demand vectors vs. one search per demand."""
    analyses = [matcher.analyzer.analyze_demand(d) for d in queries]
    vectors = matcher.cache.encode(matcher.encoder, [a.text for a in analyses], kind="query")
    index = matcher.collection("experts").dense
    started = time.perf_counter()
    matcher.retriever.dense_search(index, vectors)
    batched = time.perf_counter() - started
    started = time.perf_counter()
    for row in vectors:
        matcher.retriever.dense_search(index, row)
    single = time.perf_counter() - started
    return {"batched": round(len(vectors) / batched, 1), "one_at_a_time": round(len(vectors) / single, 1)}


def run_batch_benchmark(
    experts: int = 1_000_000,
    *,
    demands: int = 10_000,
    index_kind: str = "ivfpq",
    vectors: VectorSource = "generated",
    sample: int = 200,
    work_dir: Path = Path("bench-pools"),
    out: Path = Path("reports"),
    engine: Engine | None = None,
) -> str:
    """Run the batch benchmark; write Markdown + JSON into ``out``; return the Markdown.

    ``engine`` runs the nightly's batched matching (default: this process).
    """
    from pipelines.nightly.run import run_nightly

    matcher, build = open_pool(experts, index_kind=index_kind, work_dir=work_dir, vectors=vectors)
    demand_import_s, demand_texts_embedded = add_demands(matcher, demands)
    misses = matcher.cache.misses
    started = time.perf_counter()
    report = run_nightly(matcher, run_date=DEMO_RUN_DATE, dry_run=True, refresh=False, engine=engine)
    nightly_s = time.perf_counter() - started
    queries_embedded = matcher.cache.misses - misses
    picked = [d for d in matcher.store.records.list("demands", limit=sample) if isinstance(d, Demand)]
    started = time.perf_counter()
    for demand in picked:  # the same work one demand at a time (vectors cached now)
        matcher.recommend_many([demand], k=matcher.settings.nightly_depth)
    single_s = time.perf_counter() - started
    started = time.perf_counter()
    matcher.recommend_many(picked, k=matcher.settings.nightly_depth)
    batched_s = time.perf_counter() - started
    result = BatchResult(
        experts=experts,
        vectors=vectors,
        index_kind=index_kind,
        demands=demands,
        pool_build_s=round(build.import_s + build.build_s + build.reindex_s, 1),
        demand_import_s=round(demand_import_s, 1),
        demand_texts_embedded=demand_texts_embedded,
        nightly_s=round(nightly_s, 1),
        nightly_counts=dict(report.counts),
        queries_embedded=queries_embedded,
        single_demands_per_s=round(len(picked) / single_s, 1),
        batched_demands_per_s=round(len(picked) / batched_s, 1),
        sample=len(picked),
        faiss_queries_per_s=dense_search_rates(matcher, picked),
        load_average=os.getloadavg(),
    )
    return write_batch_report(result, out)


def write_batch_report(result: BatchResult, out: Path) -> str:
    """Write ``bench-batch-<timestamp>.md`` and ``.json``; return the Markdown."""
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    r = result
    counts = r.nightly_counts
    vectors = "real USE vectors" if r.vectors == "real" else "generated document vectors, real USE queries"
    load = ", ".join(f"{value:.1f}" for value in r.load_average)
    markdown = (
        f"# haizhi bench-batch {stamp}\n\nmachine: {platform.machine()}, Python {platform.python_version()}, "
        f"{len(os.sched_getaffinity(0))} cores, load average at the end {load}.\n\n"
        f"| figure | value |\n|---|---|\n"
        f"| expert pool | {r.experts} experts, {r.index_kind}, {vectors} |\n"
        f"| pool build (0 when re-used) | {r.pool_build_s} s |\n"
        f"| demands imported and indexed (their texts embedded: {r.demand_texts_embedded}) | {r.demands} in "
        f"{r.demand_import_s} s |\n"
        f"| **nightly dry-run end to end** ({r.demands} open demands, {r.queries_embedded} texts embedded "
        f"during the run) | **{r.nightly_s} s** = {r.demands / max(r.nightly_s, 1e-9):.1f} demands/s |\n"
        f"| **demands indexed + nightly** | **{r.demand_import_s + r.nightly_s:.1f} s** |\n"
        f"| of which batched matching with explanations (engine {counts.get('match_engine')}) | "
        f"{counts.get('match_s')} s |\n"
        f"| of which capacity/diversity assignment ({counts.get('assign_method')}) | "
        f"{counts.get('assign_s')} s, caps cost {counts.get('cap_cost_pct')} % of the uncapped score |\n"
        f"| {r.sample} demands one at a time vs in one batch | {r.single_demands_per_s} vs "
        f"{r.batched_demands_per_s} demands/s |\n"
        f"| FAISS dense search alone, batched vs one at a time | {r.faiss_queries_per_s.get('batched')} vs "
        f"{r.faiss_queries_per_s.get('one_at_a_time')} queries/s |\n\n"
        f"Nightly counts: {json.dumps(counts, ensure_ascii=False)}\n"
    )
    (out / f"bench-batch-{stamp}.md").write_text(markdown, encoding="utf-8")
    (out / f"bench-batch-{stamp}.json").write_text(json.dumps(asdict(r), indent=2), encoding="utf-8")
    return markdown
