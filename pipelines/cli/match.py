"""Matching commands: ``haizhi recommend``, ``match`` and ``evaluate`` (and the ``--filter`` syntax)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from matcher.domain.records import Demand, parse_cooperation_mode
from matcher.retrieval.corpus import Filters
from matcher.service import Matcher
from pipelines.cli import quality as cli_quality
from pipelines.cli.ops import DataDir, fail, settings_for
from pipelines.demo import DEMO_DATA_DIR

FILTER_KEYS = ("industry", "field", "country", "region", "mode", "language", "exclude")
_FILTER_ATTRIBUTES = {
    "industry": "industries",
    "field": "fields",
    "country": "countries",
    "region": "regions",
    "language": "languages",
    "exclude": "exclude_ids",
}


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
            getattr(filters, _FILTER_ATTRIBUTES[key]).extend(parts)
    return filters


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

    matcher = Matcher(settings_for(data_dir))
    try:
        results = matcher.recommend(text, demand_id=demand, k=k, filters=parse_filters(filter_ or []))
    except (ValueError, FileNotFoundError) as error:
        raise fail(str(error)) from None
    if as_json:
        typer.echo(json.dumps([recommendation_json(r) for r in results], ensure_ascii=False, indent=2))
    else:
        typer.echo(render_recommendations(results))
    notice = matcher.index_freshness().notice()
    if notice:  # on stderr, so --json output stays machine-readable
        typer.secho(notice, fg=typer.colors.YELLOW, err=True)


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
        raise fail(str(error)) from None
    matcher = Matcher(settings_for(data_dir))
    results = matcher.recommend_many(records, k=k)
    write_jsonl_atomic(out, (match_line(d, r) for d, r in zip(records, results, strict=True)))
    typer.echo(f"matched {len(records)} demands → {out}")


def evaluate(
    gold: Annotated[
        Path, typer.Option(exists=True, dir_okay=False, help="demand_id,expert_id,grade CSV.")
    ] = (DEMO_DATA_DIR / "gold.csv"),
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
            raise fail(f"unknown suite {suite!r}: the only suite is 'public'")
        name = "public" if max_demands is None else f"slice-{max_demands}"
        cli_quality.run_suite(tasks, max_demands, work_dir, reports, bootstrap or 1000, name)
        return

    from matcher.evaluation.offline import evaluate_matcher, format_table, read_gold
    from matcher.evaluation.outcomes import gold_from_lifecycle

    settings = settings_for(data_dir)
    matcher = Matcher(settings.model_copy(update={"ranker_params": ranker}) if ranker else settings)
    labels = gold_from_lifecycle(matcher.store) if lifecycle else read_gold(gold)
    stored = [d for d in matcher.store.records.list("demands") if isinstance(d, Demand)]
    rows = evaluate_matcher(matcher, stored, labels, k=k, bootstrap=bootstrap, by_industry=by_industry)
    typer.echo(format_table(rows, k=k, exposure=exposure))
    if out:
        out.write_text(json.dumps([asdict(r) for r in rows], indent=2, ensure_ascii=False), encoding="utf-8")
