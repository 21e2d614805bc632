"""The ``haizhi`` command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from matcher.config import Settings
from matcher.domain.records import RECORD_TYPES, Demand, parse_cooperation_mode
from matcher.retrieval.corpus import Filters
from matcher.service import Matcher
from pipelines.cli import quality as cli_quality
from pipelines.demo import DEMO_DATA_DIR

app = typer.Typer(
    help="Haizhi Match — overseas experts ↔ enterprise technical demands.", no_args_is_help=True
)
KINDS = tuple(RECORD_TYPES)
FILTER_KEYS = ("industry", "field", "country", "region", "mode", "language", "exclude")
DEMO_DIR = DEMO_DATA_DIR
DEMO_FILES = (
    ("organizations", "organizations.csv"),
    ("sites", "sites.csv"),
    ("experts", "experts.csv"),
    ("demands", "demands.csv"),
)

DataDir = Annotated[
    Path | None, typer.Option("--data-dir", help="Data directory (default: $HAIZHI_DATA_DIR or ./var).")
]


def _settings(data_dir: Path | None) -> Settings:
    return Settings(data_dir=data_dir) if data_dir else Settings()


def _fail(message: str) -> typer.Exit:
    typer.secho(message, fg=typer.colors.RED, err=True)
    return typer.Exit(code=1)


@app.command()
def init(data_dir: DataDir = None) -> None:
    """Create the data directory and the database schema."""
    from matcher.store import Store

    settings = _settings(data_dir)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    Store(settings.resolved_database_url).create_schema()
    typer.echo(f"initialised {settings.resolved_database_url}")


@app.command("import")
def import_(
    kind: Annotated[str, typer.Argument(help=f"One of: {', '.join(KINDS)}.")],
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV, XLSX or JSONL file.")],
    data_dir: DataDir = None,
    index: Annotated[bool, typer.Option(help="Update the search indexes afterwards.")] = False,
) -> None:
    """Import records (all-or-nothing; every problem is reported as file:row:column: reason)."""
    from matcher.ingest.importer import ImportFileError, import_file
    from matcher.store import DatabaseDriverError

    if kind not in KINDS:
        raise _fail(f"unknown kind {kind!r}; use one of {', '.join(KINDS)}")
    settings = _settings(data_dir)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        matcher = Matcher(settings)
        report = import_file(matcher.store, kind, file)
    except ImportFileError as error:
        raise _fail(str(error)) from None
    except DatabaseDriverError as error:  # unreachable or refusing database; the import is one transaction
        cause = " ".join(str(error.orig).split()) or type(error.orig).__name__
        raise _fail(f"{file}: cannot import into the database ({cause}); nothing was written") from None
    typer.echo(str(report))  # the report starts with the file name
    if index and kind in ("experts", "demands"):
        typer.echo(_build_summary(matcher.build_index(show_progress=True)))


@app.command()
def export(
    kind: Annotated[str, typer.Argument(help=f"One of: {', '.join(KINDS)}.")],
    file: Annotated[Path, typer.Argument(dir_okay=False, help="Output .csv or .xlsx.")],
    data_dir: DataDir = None,
) -> None:
    """Export records to CSV (UTF-8 with BOM) or XLSX."""
    from matcher.ingest.exporter import export_records
    from matcher.store import Store

    if kind not in KINDS:
        raise _fail(f"unknown kind {kind!r}; use one of {', '.join(KINDS)}")
    store = Store(_settings(data_dir).resolved_database_url)
    count = export_records(store, kind, file)
    typer.echo(f"wrote {count} {kind} to {file}")


@app.command("build-index")
def build_index(
    data_dir: DataDir = None,
    full: Annotated[
        bool, typer.Option(help="Rebuild from scratch instead of updating changed records.")
    ] = False,
) -> None:
    """Embed experts and demands and build the FAISS + BM25 indexes."""
    matcher = Matcher(_settings(data_dir))
    typer.echo(_build_summary(matcher.build_index(full=full, show_progress=True)))


def _build_summary(report: object) -> str:
    experts, demands = report.experts, report.demands  # type: ignore[attr-defined]
    return (
        f"experts: +{experts.added} ~{experts.updated} -{experts.removed} ={experts.unchanged}; "
        f"demands: +{demands.added} ~{demands.updated} -{demands.removed} ={demands.unchanged}; "
        f"embedding cache hits {report.cache_hits}, misses {report.cache_misses}"  # type: ignore[attr-defined]
    )


def parse_filters(values: list[str]) -> Filters:
    """Parse ``--filter key=v1,v2`` options into `Filters`.

    Raises:
        typer.BadParameter: on an unknown key or a malformed value.
    """
    filters = Filters()
    for item in values:
        key, sep, raw = item.partition("=")
        parts = [p.strip() for p in raw.split(",") if p.strip()]
        if not sep or not parts or key not in FILTER_KEYS:
            raise typer.BadParameter(f"{item!r}: use key=value[,value] with key in {', '.join(FILTER_KEYS)}")
        if key == "mode":
            try:
                filters.cooperation_modes.extend(parse_cooperation_mode(p) for p in parts)
            except ValueError as error:
                raise typer.BadParameter(str(error)) from None
        else:
            attribute = {
                "industry": "industries",
                "field": "fields",
                "country": "countries",
                "region": "regions",
                "language": "languages",
                "exclude": "exclude_ids",
            }[key]
            getattr(filters, attribute).extend(parts)
    return filters


@app.command()
def recommend(
    text: Annotated[str | None, typer.Argument(help="The need, in Chinese or English.")] = None,
    demand: Annotated[str | None, typer.Option("--demand", help="Match a stored demand instead.")] = None,
    k: Annotated[int, typer.Option("-k", min=1, max=200)] = 10,
    filter_: Annotated[
        list[str] | None, typer.Option("--filter", help="key=value, e.g. country=US,DE")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    data_dir: DataDir = None,
) -> None:
    """Recommend overseas experts for a need, with reasons."""
    from pipelines.output import recommendation_json, render_recommendations

    matcher = Matcher(_settings(data_dir))
    try:
        results = matcher.recommend(text, demand_id=demand, k=k, filters=parse_filters(filter_ or []))
    except (ValueError, FileNotFoundError) as error:
        raise _fail(str(error)) from None
    if as_json:
        typer.echo(json.dumps([recommendation_json(r) for r in results], ensure_ascii=False, indent=2))
    else:
        typer.echo(render_recommendations(results))
    notice = matcher.index_freshness().notice()
    if notice:  # on stderr, so --json output stays machine-readable
        typer.secho(notice, fg=typer.colors.YELLOW, err=True)


@app.command()
def match(
    demands: Annotated[Path, typer.Option("--demands", exists=True, dir_okay=False, help="CSV/XLSX/JSONL.")],
    out: Annotated[Path, typer.Option("--out", dir_okay=False, help="Output JSONL.")],
    k: Annotated[int, typer.Option("-k", min=1, max=200)] = 10,
    data_dir: DataDir = None,
) -> None:
    """Rank the loaded experts for every demand in a file; write JSONL with scores and explanations."""
    from matcher.ingest.importer import ImportFileError, read_records
    from pipelines.output import match_line, write_jsonl_atomic

    try:
        records = [r for r in read_records(demands, "demands") if isinstance(r, Demand)]
    except ImportFileError as error:
        raise _fail(str(error)) from None
    matcher = Matcher(_settings(data_dir))
    results = matcher.recommend_many(records, k=k)
    write_jsonl_atomic(out, (match_line(d, r) for d, r in zip(records, results, strict=True)))
    typer.echo(f"matched {len(records)} demands → {out}")


@app.command()
def evaluate(
    gold: Annotated[
        Path, typer.Option(exists=True, dir_okay=False, help="demand_id,expert_id,grade CSV.")
    ] = (DEMO_DIR / "gold.csv"),
    k: Annotated[int, typer.Option("-k", min=1)] = 10,
    data_dir: DataDir = None,
    out: Annotated[Path | None, typer.Option(help="Also write the rows as JSON.")] = None,
    bootstrap: Annotated[int, typer.Option(min=0, help="Bootstrap resamples for 95% intervals.")] = 0,
    by_industry: Annotated[bool, typer.Option(help="Add one slice per demand industry.")] = False,
    exposure: Annotated[bool, typer.Option(help="Show coverage and concentration columns.")] = False,
    lifecycle: Annotated[bool, typer.Option(help="Gold from stored match outcomes, not --gold.")] = False,
    ranker: Annotated[Path | None, typer.Option(help="Ranker params/manifest JSON to evaluate.")] = None,
    suite: Annotated[
        str | None,
        typer.Option(help="'public': the quality suite built from ../shared/eval-data (plus the demo row)."),
    ] = None,
    tasks: cli_quality.Tasks = None,
    max_demands: cli_quality.MaxDemands = None,
    work_dir: cli_quality.WorkDir = Path("var/quality"),
    reports: Annotated[Path, typer.Option(help="Where the suite writes quality-*.md/json.")] = Path(
        "reports"
    ),
) -> None:
    """nDCG@k, Recall@k, MRR, MAP, P@k for BM25, dense, fused and fused+ranker, per language pair.

    With ``--suite public``: every public task and the demo row side by side (BM25, dense, fused,
    fused+ranker, final) with 95 % intervals and a paired test of final vs the best single retriever.
    """
    from dataclasses import asdict

    if suite is not None:
        if suite != "public":
            raise _fail(f"unknown suite {suite!r}: the only suite is 'public'")
        name = "public" if max_demands is None else f"slice-{max_demands}"
        cli_quality.run_suite(tasks, max_demands, work_dir, reports, bootstrap or 1000, name)
        return

    from matcher.evaluation.offline import evaluate_matcher, format_table, read_gold
    from matcher.evaluation.outcomes import gold_from_lifecycle

    settings = _settings(data_dir)
    matcher = Matcher(settings.model_copy(update={"ranker_params": ranker}) if ranker else settings)
    labels = gold_from_lifecycle(matcher.store) if lifecycle else read_gold(gold)
    stored = [d for d in matcher.store.records.list("demands") if isinstance(d, Demand)]
    rows = evaluate_matcher(matcher, stored, labels, k=k, bootstrap=bootstrap, by_industry=by_industry)
    typer.echo(format_table(rows, k=k, exposure=exposure))
    if out:
        out.write_text(json.dumps([asdict(r) for r in rows], indent=2, ensure_ascii=False), encoding="utf-8")


@app.command()
def dedup(
    merge: Annotated[
        bool, typer.Option(help="Merge the candidates found (keeps the first of each pair).")
    ] = False,
    threshold: Annotated[float, typer.Option(min=0.0, max=1.0)] = 0.85,
    data_dir: DataDir = None,
) -> None:
    """Report (and optionally merge) likely duplicate experts."""
    from matcher.dedup.duplicates import find_duplicates, merge_experts
    from matcher.domain.records import Expert

    matcher = Matcher(_settings(data_dir))
    experts = [e for e in matcher.store.records.list("experts") if isinstance(e, Expert)]
    candidates = find_duplicates(experts, threshold=threshold)
    for c in candidates:
        typer.echo(f"{c.keep_id} ⇐ {c.drop_id}  score {c.score:.2f}  ({'; '.join(c.reasons)})")
    typer.echo(f"{len(candidates)} candidate merges")
    if merge and candidates:
        merged = 0
        for keep_id, drop_id in merge_plan([(c.keep_id, c.drop_id) for c in candidates]):
            merge_experts(matcher.store, keep_id, drop_id)
            merged += 1
        matcher.build_index()
        typer.echo(f"merged {merged} experts into their duplicates and updated the indexes")


def merge_plan(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Order merges so chains (A⇐B, B⇐C) collapse into one kept record: every drop merges into its root."""
    parent: dict[str, str] = {}

    def root(node: str) -> str:
        while parent.get(node, node) != node:
            node = parent[node]
        return node

    for keep, drop in pairs:
        keep_root, drop_root = root(keep), root(drop)
        if keep_root != drop_root:
            parent[drop_root] = keep_root
    return [(root(node), node) for node in parent if root(node) != node]


@app.command()
def demo(
    data_dir: DataDir = None,
    out: Annotated[Path | None, typer.Option(help="Where to write the match lists (JSONL).")] = None,
) -> None:
    """The main job on the bundled demo data: import, build the indexes, match every demand, evaluate."""
    from matcher.ingest.importer import import_file

    settings = _settings(data_dir)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    matcher = Matcher(settings)
    for kind, name in DEMO_FILES:
        typer.echo(f"import {kind}: {import_file(matcher.store, kind, DEMO_DIR / name)}")
    typer.echo(_build_summary(matcher.build_index(show_progress=True)))
    match(
        demands=DEMO_DIR / "demands.csv",
        out=out or settings.data_dir / "matches.jsonl",
        k=10,
        data_dir=settings.data_dir,
    )
    evaluate(gold=DEMO_DIR / "gold.csv", k=10, data_dir=settings.data_dir, out=None, bootstrap=0,
             by_industry=False, exposure=False, lifecycle=False, ranker=None)  # fmt: skip
    sample = "需要锂电池固态电解质方面的海外专家，解决界面阻抗问题"
    typer.echo(f'\n示例 / sample: haizhi recommend "{sample}" -k 3')
    recommend(text=sample, demand=None, k=3, filter_=None, as_json=False, data_dir=settings.data_dir)


@app.command()
def bench(
    sizes: Annotated[str, typer.Option(help="Comma-separated expert pool sizes.")] = "10000,100000",
    queries: Annotated[int, typer.Option(min=10)] = 300,
    index_kind: Annotated[str, typer.Option(help="Comma-separated: flat, hnsw, ivf.")] = "flat,hnsw",
    out: Annotated[Path, typer.Option(help="Report directory.")] = Path("reports"),
    cache_dir: Annotated[Path | None, typer.Option(help="Persistent embedding cache.")] = None,
) -> None:
    """Benchmark import and embedding throughput, index build, query latency and memory; writes a report."""
    from pipelines.bench.pools import run_benchmark

    kinds = [k.strip() for k in index_kind.split(",") if k.strip()]
    report = run_benchmark(
        [int(s) for s in sizes.split(",")], queries=queries, index_kinds=kinds, out=out, cache_dir=cache_dir
    )
    typer.echo(report)


# Command groups of other feature areas are registered here, one line each.
from pipelines.cli import analysis as cli_analysis  # noqa: E402  (analysis: train-ranker, tune, simulate-outcomes, compare)

app.command("train-ranker")(cli_analysis.train_ranker)
app.command("tune")(cli_analysis.tune)
app.command("simulate-outcomes")(cli_analysis.simulate_outcomes_cmd)
app.command("compare")(cli_analysis.compare)
app.command("fit-ranker")(cli_quality.fit_ranker)
from pipelines.bench import loadtest  # noqa: E402
from pipelines.cli import serve as cli_api  # noqa: E402  (API: serve, keys, loadtest)

app.command("serve")(cli_api.serve)
app.add_typer(cli_api.keys_app, name="keys")
app.add_typer(cli_api.audit_app, name="audit")
app.command("loadtest")(loadtest.loadtest_command)
from pipelines.cli import flow as cli_flow  # noqa: E402
from pipelines.cli import ops as cli_ops  # noqa: E402  (operations: stats, stale, catalogue, flow)

app.command("stats")(cli_ops.stats)
app.command("stale")(cli_ops.stale)
app.add_typer(cli_ops.catalogue_app, name="catalogue")
app.add_typer(cli_flow.flow_app, name="flow")

from pipelines.cli import nightly as cli_nightly  # noqa: E402  (nightly batch: nightly, schedule, bench-batch)

app.command("nightly")(cli_nightly.nightly)
app.command("schedule")(cli_nightly.schedule)
app.command("bench-batch")(cli_nightly.bench_batch)


def main() -> None:
    """Entry point for ``python -m pipelines.cli.main``."""
    app(prog_name="haizhi")


if __name__ == "__main__":
    main()
