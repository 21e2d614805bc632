"""``haizhi bench-batch``: batched matching throughput over a generated pool, and a full nightly dry-run.

Figures go into a report (``reports/bench-batch-*.md``), never into timed tests. The expert pool and the
embedding cache live in ``--work-dir`` so a second run re-uses the embeddings (embedding 100k profiles
takes minutes on two cores; that cost is measured by ``haizhi bench``, not here).
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from matcher.config import Settings
from matcher.domain.records import Demand, DemandStatus
from matcher.ranking.assignment import AssignmentProblem, assign, candidates_from_recommendations
from matcher.service import Matcher
from pipelines.demo import DEMO_DATA_DIR
from pipelines.demo.generator import generate_demo, generate_experts

DEMO_RUN_DATE = date(2026, 3, 2)
"""A day on which most demo demands are still open (their deadlines are spread over 2026)."""
DEMO_FILES = (
    ("organizations", "organizations.csv"),
    ("sites", "sites.csv"),
    ("experts", "experts.csv"),
    ("demands", "demands.csv"),
)


@dataclass
class BatchResult:
    """Figures of one batch benchmark run."""

    experts: int
    index_kind: str
    demands: int
    depth: int
    pool_build_s: float
    embedded_profiles: int
    cold_batched_demands_per_s: float
    batched_demands_per_s: float
    batched_s: float
    single_demands_per_s: float
    single_sample: int
    assign_s: float
    assign_method: str
    capped_score_cost_pct: float
    nightly_dry_run_s: float
    nightly_counts: dict[str, float] = field(default_factory=dict)
    faiss_queries_per_s: dict[str, float] = field(default_factory=dict)


def dense_search_rates(matcher: Matcher, queries: Sequence[Demand]) -> dict[str, float]:
    """Dense (FAISS) search alone: one batched search of all demand vectors vs. one search per demand."""
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


def prepare_pool(n: int, index_kind: str, work_dir: Path, cache_dir: Path) -> tuple[Matcher, float, int]:
    """A data directory with ``n`` generated experts indexed (re-used when already built)."""
    settings = Settings(
        data_dir=work_dir / f"pool-{n}-{index_kind}",
        index_kind=index_kind,  # type: ignore[arg-type]  # validated by Settings
        embedding_cache_dir=cache_dir,
    )
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    matcher = Matcher(settings)
    if matcher.store.records.count("experts") != n:
        experts = generate_experts(n)
        for start in range(0, n, 5000):
            matcher.store.records.upsert("experts", experts[start : start + 5000])
    misses = matcher.cache.misses
    started = time.perf_counter()
    matcher.build_index(show_progress=True)
    return matcher, time.perf_counter() - started, matcher.cache.misses - misses


def bench_demands(count: int) -> list[Demand]:
    """``count`` distinct open demands drawn from differently seeded demo bundles."""
    demands: list[Demand] = []
    seed = 7
    while len(demands) < count:
        for demand in generate_demo(seed).demands:
            demands.append(
                demand.model_copy(update={"id": f"S{seed}-{demand.id}", "status": DemandStatus.OPEN})
            )
        seed += 1
    return demands[:count]


def time_nightly_dry_run(work_dir: Path, encoder_settings: Settings) -> tuple[float, dict[str, float]]:
    """Import the demo data into a fresh directory and time one full nightly dry-run over it."""
    from matcher.ingest.importer import import_file
    from pipelines.nightly.run import run_nightly

    demo_dir = DEMO_DATA_DIR
    data_dir = work_dir / "nightly-demo"
    shutil.rmtree(data_dir, ignore_errors=True)
    settings = Settings(
        data_dir=data_dir,
        embedding_cache_dir=encoder_settings.embedding_cache_dir,
        outbox_dir=data_dir / "outbox",
    )
    data_dir.mkdir(parents=True)
    matcher = Matcher(settings)
    for kind, name in DEMO_FILES:
        import_file(matcher.store, kind, demo_dir / name)
    matcher.build_index()
    started = time.perf_counter()
    report = run_nightly(matcher, run_date=DEMO_RUN_DATE, dry_run=True)
    elapsed = time.perf_counter() - started
    numbers = {k: float(v) for k, v in report.counts.items() if isinstance(v, int | float)}
    return elapsed, numbers


def run_batch_benchmark(
    experts: int = 100_000,
    *,
    demands: int = 1000,
    index_kind: str = "hnsw",
    depth: int = 30,
    single_sample: int = 100,
    cache_dir: Path | None = None,
    work_dir: Path | None = None,
    out: Path = Path("reports"),
) -> str:
    """Run the batch benchmark; write Markdown + JSON into ``out``; return the Markdown."""
    work = work_dir or Path(tempfile.gettempdir()) / "haizhi-bench-batch"
    work.mkdir(parents=True, exist_ok=True)
    matcher, build_s, embedded = prepare_pool(experts, index_kind, work, cache_dir or work / "cache")
    queries = bench_demands(demands)
    matcher.recommend_many(queries[:20], k=depth)  # warm-up: model load, first-touch pages
    started = time.perf_counter()
    lists = matcher.recommend_many(queries, k=depth)  # cold: includes encoding the demand texts
    cold_s = time.perf_counter() - started
    started = time.perf_counter()
    lists = matcher.recommend_many(queries, k=depth)  # warm: demand vectors come from the cache
    batched_s = time.perf_counter() - started
    sample = queries[:single_sample]
    started = time.perf_counter()
    for demand in sample:  # the same work one demand at a time (vectors cached as well)
        matcher.recommend_many([demand], k=depth)
    single_s = time.perf_counter() - started
    faiss = dense_search_rates(matcher, queries)
    problem = AssignmentProblem(
        candidates_from_recommendations(queries, lists),
        k=matcher.settings.nightly_k,
        expert_cap=matcher.settings.nightly_cap,
        org_limit=matcher.settings.nightly_org_limit,
    )
    started = time.perf_counter()
    assignment = assign(problem)
    assign_s = time.perf_counter() - started
    nightly_s, counts = time_nightly_dry_run(work, matcher.settings)
    result = BatchResult(
        experts=experts,
        index_kind=index_kind,
        demands=len(queries),
        depth=depth,
        pool_build_s=round(build_s, 1),
        embedded_profiles=embedded,
        cold_batched_demands_per_s=round(len(queries) / cold_s, 1),
        batched_demands_per_s=round(len(queries) / batched_s, 1),
        batched_s=round(batched_s, 2),
        single_demands_per_s=round(len(sample) / single_s, 1),
        single_sample=len(sample),
        assign_s=round(assign_s, 3),
        assign_method=assignment.method,
        capped_score_cost_pct=round(assignment.cost_pct, 2),
        nightly_dry_run_s=round(nightly_s, 2),
        nightly_counts=counts,
        faiss_queries_per_s=faiss,
    )
    return write_batch_report(result, out)


def write_batch_report(result: BatchResult, out: Path) -> str:
    """Write ``bench-batch-<timestamp>.md`` and ``.json``; return the Markdown."""
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    r = result
    markdown = (
        f"# haizhi bench-batch {stamp}\n\nmachine: {platform.machine()}, Python {platform.python_version()}, "
        f"{len(os.sched_getaffinity(0))} cores (shared with other work).\n\n"
        f"| figure | value |\n|---|---|\n"
        f"| expert pool | {r.experts} ({r.index_kind}) |\n"
        f"| pool refresh (embedded {r.embedded_profiles} profiles) | {r.pool_build_s} s |\n"
        f"| batched match, {r.demands} demands, depth {r.depth}, with explanations | {r.batched_s} s = "
        f"**{r.batched_demands_per_s} demands/s** (cold, incl. encoding the demands: "
        f"{r.cold_batched_demands_per_s} demands/s) |\n"
        f"| same, one demand at a time ({r.single_sample} demands) | {r.single_demands_per_s} demands/s |\n"
        f"| FAISS dense search alone, batched vs one at a time | {r.faiss_queries_per_s.get('batched')} vs "
        f"{r.faiss_queries_per_s.get('one_at_a_time')} queries/s |\n"
        f"| capacity/diversity assignment ({r.assign_method}) | {r.assign_s} s, caps cost "
        f"{r.capped_score_cost_pct} % of the uncapped score |\n"
        f"| full nightly dry-run over the demo data ({DEMO_RUN_DATE}) | **{r.nightly_dry_run_s} s** |\n\n"
        f"Nightly dry-run counts: {json.dumps(r.nightly_counts, ensure_ascii=False)}\n"
    )
    (out / f"bench-batch-{stamp}.md").write_text(markdown, encoding="utf-8")
    (out / f"bench-batch-{stamp}.json").write_text(json.dumps(asdict(r), indent=2), encoding="utf-8")
    return markdown


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m pipelines.bench.batch [experts]``: only prepare the pool (for warming the cache)."""
    import sys

    args = list(argv if argv is not None else sys.argv[1:])
    n = int(args[0]) if args else 100_000
    work = Path(args[1]) if len(args) > 1 else Path(tempfile.gettempdir()) / "haizhi-bench-batch"
    _matcher, seconds, embedded = prepare_pool(n, "hnsw", work, work / "cache")
    print(f"pool {n}: refreshed in {seconds:.1f} s, embedded {embedded}")


if __name__ == "__main__":
    main()
