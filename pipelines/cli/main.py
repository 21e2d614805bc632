"""The ``haizhi`` command line: the demo and bench jobs, and every command group wired in one line each.

Commands are registered in the order ``haizhi --help`` lists them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from matcher.service import Matcher
from pipelines.bench import embed as bench_embed
from pipelines.bench import event_bench, index_bench, loadtest
from pipelines.cli import analysis as cli_analysis
from pipelines.cli import events as cli_events
from pipelines.cli import flow as cli_flow
from pipelines.cli import links as cli_links
from pipelines.cli import match as cli_match
from pipelines.cli import nightly as cli_nightly
from pipelines.cli import ops as cli_ops
from pipelines.cli import quality as cli_quality
from pipelines.cli import records as cli_records
from pipelines.cli import serve as cli_api
from pipelines.cli import workers as cli_workers
from pipelines.cli.ops import DataDir, settings_for
from pipelines.demo import DEMO_DATA_DIR

app = typer.Typer(
    help="Haizhi Match — overseas experts ↔ enterprise technical demands.", no_args_is_help=True
)
DEMO_FILES = (
    ("organizations", "organizations.csv"),
    ("sites", "sites.csv"),
    ("experts", "experts.csv"),
    ("demands", "demands.csv"),
)

# Records and indexes: init, import, export, build-index (dedup follows evaluate).
app.command("init")(cli_records.init)
app.command("import")(cli_records.import_)
app.command("export")(cli_records.export)
app.command("build-index")(cli_records.build_index)
# Matching: recommend, match, evaluate.
app.command("recommend")(cli_match.recommend)
app.command("match")(cli_match.match)
app.command("evaluate")(cli_match.evaluate)
app.command("dedup")(cli_records.dedup)


@app.command()
def demo(
    data_dir: DataDir = None,
    out: Annotated[Path | None, typer.Option(help="Where to write the match lists (JSONL).")] = None,
) -> None:
    """The main job on the bundled demo data: import, build the indexes, match every demand, evaluate."""
    from matcher.ingest.importer import import_file

    settings = settings_for(data_dir)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    matcher = Matcher(settings)
    for kind, name in DEMO_FILES:
        typer.echo(f"import {kind}: {import_file(matcher.store, kind, DEMO_DATA_DIR / name)}")
    typer.echo(cli_records.build_summary(matcher.build_index(show_progress=True)))
    cli_match.match(
        demands=DEMO_DATA_DIR / "demands.csv",
        out=out or settings.data_dir / "matches.jsonl",
        k=10,
        data_dir=settings.data_dir,
    )
    cli_match.evaluate(
        gold=DEMO_DATA_DIR / "gold.csv",
        k=10,
        data_dir=settings.data_dir,
        out=None,
        bootstrap=0,
        by_industry=False,
        exposure=False,
        lifecycle=False,
        ranker=None,
    )
    sample = "需要锂电池固态电解质方面的海外专家，解决界面阻抗问题"
    typer.echo(f'\n示例 / sample: haizhi recommend "{sample}" -k 3')
    cli_match.recommend(
        text=sample, demand=None, k=3, filter_=None, as_json=False, data_dir=settings.data_dir
    )


@app.command()
def bench(
    sizes: Annotated[str, typer.Option(help="Comma-separated expert pool sizes.")] = "10000,100000",
    queries: Annotated[int, typer.Option(min=10)] = 300,
    index_kind: Annotated[
        str, typer.Option(help="Comma-separated index kinds (flat, hnsw, ivf …).")
    ] = "hnsw",
    vectors: Annotated[
        str, typer.Option(help="real (USE embeddings) or generated (clustered document vectors, for 1M).")
    ] = "real",
    work_dir: Annotated[
        Path | None, typer.Option(help="Keep pools and their embedding cache here, for re-runs.")
    ] = None,
    profile: Annotated[bool, typer.Option(help="Add a cProfile summary of the query path.")] = True,
    out: Annotated[Path, typer.Option(help="Report directory.")] = Path("reports"),
) -> None:
    """Benchmark index build, query latency against bare USE + FAISS, and memory; writes a report."""
    from pipelines.bench.pool import VECTOR_SOURCES
    from pipelines.bench.pools import run_benchmark

    if vectors not in VECTOR_SOURCES:
        raise typer.BadParameter(f"use one of {', '.join(VECTOR_SOURCES)}", param_hint="--vectors")
    kinds = [k.strip() for k in index_kind.split(",") if k.strip()]
    report = run_benchmark(
        [int(s) for s in sizes.split(",")],
        queries=queries,
        index_kinds=kinds,
        out=out,
        work_dir=work_dir,
        vectors=vectors,  # type: ignore[arg-type]  # checked above
        profile=profile,
    )
    typer.echo(report)


app.command("bench-index")(index_bench.bench_index_command)


# Analysis: train-ranker, tune, simulate-outcomes, compare, fit-ranker.
app.command("train-ranker")(cli_analysis.train_ranker)
app.command("tune")(cli_analysis.tune)
app.command("simulate-outcomes")(cli_analysis.simulate_outcomes_cmd)
app.command("compare")(cli_analysis.compare)
app.command("fit-ranker")(cli_quality.fit_ranker)
# API: serve, keys, audit, loadtest.
app.command("serve")(cli_workers.serve)
app.add_typer(cli_api.keys_app, name="keys")
app.add_typer(cli_api.audit_app, name="audit")
app.add_typer(cli_links.links_app, name="links")
app.command("loadtest")(loadtest.loadtest_command)
# Operations: stats, stale, catalogue, flow.
app.command("stats")(cli_ops.stats)
app.command("stale")(cli_ops.stale)
app.add_typer(cli_ops.catalogue_app, name="catalogue")
app.add_typer(cli_flow.flow_app, name="flow")
app.add_typer(cli_events.event_app, name="event")  # docking events 洽谈活动
# Nightly batch: nightly, schedule, bench-batch.
app.command("nightly")(cli_nightly.nightly)
app.command("schedule")(cli_nightly.schedule)
app.command("bench-batch")(cli_nightly.bench_batch)
app.command("bench-embed")(bench_embed.bench_embed_command)
app.command("bench-event")(event_bench.bench_event_command)  # docking-event planner


def main() -> None:
    """Entry point for ``python -m pipelines.cli.main``."""
    app(prog_name="haizhi")


if __name__ == "__main__":
    main()
