"""CLI of the public quality suite: ``haizhi evaluate --suite public`` and ``haizhi fit-ranker``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from matcher.config import Settings
from pipelines.quality.tasks import QualityTask

Tasks = Annotated[
    str | None,
    typer.Option(help="Comma-separated task names (default: every public task, then the demo row)."),
]
WorkDir = Annotated[
    Path, typer.Option(help="Pool stores, indexes and the shared embedding cache (reused across runs).")
]
MaxDemands = Annotated[int | None, typer.Option(min=1, help="Only the first N needs of each task (a slice).")]


def suite_tasks(tasks: str | None, max_demands: int | None, *, with_demo: bool = True) -> list[QualityTask]:
    """The named tasks (public ones from ../shared/eval-data, ``demo`` from the bundle)."""
    from pipelines.quality.demo_task import demo_task
    from pipelines.quality.registry import TASK_NAMES, public_tasks

    names = [n.strip() for n in tasks.split(",") if n.strip()] if tasks else [*TASK_NAMES, "demo"]
    if not with_demo:
        names = [n for n in names if n != "demo"]
    public = [n for n in names if n != "demo"]
    built = {t.name: t for t in public_tasks(public)} if public else {}
    if "demo" in names:
        built["demo"] = demo_task()
    chosen = [built[n] for n in names]
    return [t.subset(max_demands) for t in chosen] if max_demands else chosen


def run_suite(
    tasks: str | None,
    max_demands: int | None,
    work_dir: Path,
    reports: Path,
    bootstrap: int,
    name: str,
) -> None:
    """Run the suite and write ``reports/quality-<name>.md`` and ``.json``."""
    from pipelines.quality.report import format_markdown, write_reports
    from pipelines.quality.runner import SuiteRunner
    from pipelines.quality.tasks import EvalDataMissing

    try:
        chosen = suite_tasks(tasks, max_demands)
    except (ValueError, EvalDataMissing) as error:
        typer.secho(str(error), fg=typer.colors.RED, err=True)
        raise typer.Exit(code=1) from None
    runner = SuiteRunner(work_dir, Settings(), bootstrap=bootstrap, progress=typer.echo)
    results = runner.run(chosen)
    path = write_reports(results, reports, name=name)
    typer.echo(format_markdown(results).split("\n## ", 2)[1].split("\n", 1)[1])
    typer.echo(f"report: {path} (and {path.with_suffix('.json').name})")


def fit_ranker(
    tasks: Tasks = None,
    work_dir: WorkDir = Path("var/quality"),
    out: Annotated[Path, typer.Option(help="Where to write the fitted LinearRanker params.")] = Path(
        "reports/ranker-suite.json"
    ),
    folds: Annotated[int, typer.Option(min=2)] = 5,
) -> None:
    """Fit the linear ranker's weights on the public suite (macro nDCG@10, demand-grouped CV)."""
    from embeddings.atomic import write_text_atomic
    from pipelines.quality.fit import fit_suite, format_fit, save_fitted
    from pipelines.quality.runner import SuiteRunner

    chosen = suite_tasks(tasks, None)
    runner = SuiteRunner(work_dir, Settings(), progress=typer.echo)
    result = fit_suite(runner, chosen, folds=folds)
    table = format_fit(result)
    save_fitted(result, out)
    write_text_atomic(out.with_suffix(".md"), table)
    typer.echo(table)
    typer.echo(f"fitted weights: {out} (use with HAIZHI_RANKER_PARAMS={out})")
