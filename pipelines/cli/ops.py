"""Operations commands: ``haizhi stats``, ``haizhi stale`` and ``haizhi catalogue …`` (flow: cli_flow)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from matcher.config import Settings
from matcher.service import Matcher

DataDir = Annotated[
    Path | None, typer.Option("--data-dir", help="Data directory (default: $HAIZHI_DATA_DIR or ./var).")
]
Json = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
catalogue_app = typer.Typer(
    help="Guidance catalogue 导向目录: export, import, gaps, tagging.", no_args_is_help=True
)


def settings_for(data_dir: Path | None) -> Settings:
    return Settings(data_dir=data_dir) if data_dir else Settings()


def fail(message: str) -> typer.Exit:
    typer.secho(message, fg=typer.colors.RED, err=True)
    return typer.Exit(code=1)


def _echo_json(value: object) -> None:
    typer.echo(json.dumps(value, ensure_ascii=False, indent=2, default=str))


# ---- statistics -------------------------------------------------------------------------------------
def stats(
    year: Annotated[int | None, typer.Option(help="Calendar year (default: all time).")] = None,
    start: Annotated[str | None, typer.Option(help="Period start YYYY-MM-DD (instead of --year).")] = None,
    end: Annotated[str | None, typer.Option(help="Period end YYYY-MM-DD.")] = None,
    xlsx: Annotated[Path | None, typer.Option(help="Also write an .xlsx workbook.")] = None,
    as_json: Json = False,
    data_dir: DataDir = None,
) -> None:
    """Station and base statistics with the yearly evaluation ranking (flagged stations marked ⚑)."""
    from matcher.operations.station_eval import EvaluationConfig, evaluate_stations
    from matcher.operations.stats import Period, StatsCalculator
    from matcher.store import Store
    from pipelines.reports.xlsx import write_stats_xlsx

    settings = settings_for(data_dir)
    try:
        period = Period.year(year) if year else Period(_day(start), _day(end))
        config = EvaluationConfig.load(settings.station_evaluation)
    except ValueError as error:
        raise fail(str(error)) from None
    report = StatsCalculator(Store(settings.resolved_database_url)).report(period)
    evaluations = evaluate_stations(report, config)
    if xlsx:
        typer.echo(f"wrote {write_stats_xlsx(xlsx, report, evaluations)}")
    if as_json:
        _echo_json(
            {
                "period": report.period.label(),
                "evaluation": [e.as_dict() for e in evaluations],
                "bases": [b.as_dict() for b in report.bases],
                "overall": report.overall.as_dict(),
            }
        )
        return
    typer.echo(f"period {report.period.label()}  (review threshold {config.review_threshold})")
    typer.echo("rank station      posted contacted signed dock%  sign%  median_days experts amount_wan score")
    for e in evaluations:
        s = e.stats
        median = "-" if s.median_days_to_first_contact is None else f"{s.median_days_to_first_contact:g}"
        flag = " ⚑" if e.flagged else ""
        typer.echo(
            f"{e.rank:>4} {s.scope_id:<11} {s.demands_posted:>6} {s.contacted:>9} {s.signed:>6} "
            f"{100 * s.docking_rate:>5.1f} {100 * s.signing_rate:>6.1f} {median:>11} "
            f"{s.experts_introduced:>7} "
            f"{s.contract_amount_wan:>10.1f} {e.score:>5.1f}{flag}"
        )
    for b in [*report.bases, report.overall]:
        typer.echo(
            f"{b.kind:<7} {b.scope_id:<8} posted {b.demands_posted}, docking {100 * b.docking_rate:.1f}%, "
            f"signing {100 * b.signing_rate:.1f}%, experts {b.experts_introduced}, "
            f"amount {b.contract_amount_wan:.1f} 万元"
        )


def _day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"not a date (YYYY-MM-DD): {value!r}") from None


def stale(
    months: Annotated[
        int | None, typer.Option(min=1, help="Stale after N months (default: settings).")
    ] = None,
    xlsx: Annotated[Path | None, typer.Option(help="Also write an .xlsx report.")] = None,
    as_json: Json = False,
    data_dir: DataDir = None,
) -> None:
    """Experts whose profiles are not updated for N months, with their engagement history."""
    from matcher.operations.freshness import stale_experts
    from matcher.store import Store
    from pipelines.reports.xlsx import write_stale_xlsx

    settings = settings_for(data_dir)
    age = months or settings.stale_after_months
    rows = stale_experts(Store(settings.resolved_database_url), months=age)
    if xlsx:
        typer.echo(f"wrote {write_stale_xlsx(xlsx, rows)}")
    if as_json:
        _echo_json([r.as_dict() for r in rows])
        return
    for r in rows:
        updated = r.updated_at.isoformat() if r.updated_at else "unknown"
        last = r.last_engagement_at.date().isoformat() if r.last_engagement_at else "never"
        typer.echo(
            f"{r.expert_id:<10} {r.name:<20} updated {updated} ({r.months_since_update} months), "
            f"matches {r.matches}, signed {r.signed}, last engaged {last}"
        )
    typer.echo(f"{len(rows)} stale profiles (not updated for more than {age} months)")


# ---- catalogue --------------------------------------------------------------------------------------
@catalogue_app.command("export")
def catalogue_export(
    file: Annotated[Path, typer.Argument(dir_okay=False, help="Output .xlsx or .json.")],
    data_dir: DataDir = None,
) -> None:
    """Export the catalogue in use (the data directory's edited copy, or the bundled default)."""
    from matcher.catalogue.tagging import load_catalogue
    from pipelines.reports.catalogue_io import export_catalogue

    try:
        export_catalogue(load_catalogue(settings_for(data_dir).data_dir), file)
    except ValueError as error:
        raise fail(str(error)) from None
    typer.echo(f"wrote {file}")


@catalogue_app.command("import")
def catalogue_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help=".xlsx, .csv or .json.")],
    reindex: Annotated[bool, typer.Option(help="Rebuild the indexes so records get the new tags.")] = True,
    data_dir: DataDir = None,
) -> None:
    """Validate an edited catalogue and store it as the data directory's override."""
    from matcher.catalogue.tagging import save_catalogue_override
    from matcher.ingest.readers import ImportFileError
    from pipelines.reports.catalogue_io import read_catalogue

    settings = settings_for(data_dir)
    try:
        catalogue = read_catalogue(file)
    except ImportFileError as error:
        raise fail(str(error)) from None
    path = save_catalogue_override(catalogue, settings.data_dir)
    typer.echo(f"stored {len(catalogue.industries)} industries, {len(catalogue.fields)} fields → {path}")
    if reindex and (settings.index_dir / "experts").exists():
        report = Matcher(settings).build_index(full=True)
        typer.echo(f"re-indexed {report.experts.added} experts and {report.demands.added} demands")


@catalogue_app.command("reset")
def catalogue_reset(data_dir: DataDir = None) -> None:
    """Drop the edited catalogue and go back to the bundled default (run build-index --full after)."""
    from matcher.catalogue.tagging import remove_catalogue_override

    removed = remove_catalogue_override(settings_for(data_dir).data_dir)
    typer.echo("removed the catalogue override" if removed else "no catalogue override to remove")


@catalogue_app.command("gaps")
def catalogue_gaps(
    xlsx: Annotated[Path | None, typer.Option(help="Write the report as .xlsx.")] = None,
    chart: Annotated[Path | None, typer.Option(help="Write a bar chart .png of the top fields.")] = None,
    threshold: Annotated[float | None, typer.Option(min=0.0, max=1.0, help="Weak below this dense.")] = None,
    k: Annotated[int, typer.Option("-k", min=1, max=50, help="Experts looked at per demand.")] = 5,
    top: Annotated[int, typer.Option(min=1, help="Rows to print.")] = 15,
    as_json: Json = False,
    data_dir: DataDir = None,
) -> None:
    """Rank catalogue fields by unmet demand (open demands whose best match is weak or missing)."""
    from matcher.operations.gaps import GapAnalyzer
    from pipelines.reports.chart import gap_chart
    from pipelines.reports.xlsx import write_gaps_xlsx

    matcher = Matcher(settings_for(data_dir))
    try:
        report = GapAnalyzer(matcher, dense_threshold=threshold, k=k).report()
    except FileNotFoundError as error:
        raise fail(f"{error}; run `haizhi build-index` first") from None
    if xlsx:
        typer.echo(f"wrote {write_gaps_xlsx(xlsx, report)}")
    if chart:
        typer.echo(f"wrote {gap_chart(report.overall, chart, top=top)}")
    if as_json:
        _echo_json(
            {
                "overall": [r.as_dict() for r in report.overall[:top]],
                "by_base": {b: [r.as_dict() for r in rows[:top]] for b, rows in report.by_base.items()},
            }
        )
        return
    weak = sum(g.weak for g in report.demands)
    typer.echo(
        f"{weak} of {len(report.demands)} open demands are weak (dense < {report.dense_threshold}, "
        f"no expert, or no top-{report.k} expert in the field)"
    )
    typer.echo("field                               open weak experts gap    label")
    for r in report.overall[:top]:
        typer.echo(
            f"{r.field:<35} {r.open_demands:>4} {r.weak_demands:>4} {r.supply:>7} {r.gap_score:<6.3f} "
            f"{r.label_zh} / {r.label_en}"
        )


@catalogue_app.command("tag-quality")
def catalogue_tag_quality(data_dir: DataDir = None) -> None:
    """Precision/recall of auto-tagged industries against the stored records' own industries."""
    from matcher.catalogue.tagging import AutoTagger, industry_tagging_quality, load_catalogue
    from matcher.domain.records import Demand, Expert
    from matcher.store import Store

    settings = settings_for(data_dir)
    store = Store(settings.resolved_database_url)
    tagger = AutoTagger(load_catalogue(settings.data_dir))
    for kind, model in (("demands", Demand), ("experts", Expert)):
        records = [r for r in store.records.list(kind) if isinstance(r, model)]
        q = industry_tagging_quality(tagger, records)
        typer.echo(f"{kind}: {q.records} records, precision {q.precision:.3f}, recall {q.recall:.3f}")
