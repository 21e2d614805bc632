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
    out: Annotated[
        Path, typer.Option(help="Where to write the fitted ranker (params JSON or model dir).")
    ] = Path("reports/ranker-suite.json"),
    folds: Annotated[int, typer.Option(min=2)] = 5,
    model: Annotated[
        str, typer.Option(help="'linear' (weights by coordinate ascent) or a learned 'hgb' / 'logistic'.")
    ] = "linear",
    force: Annotated[bool, typer.Option(help="Install a learned model even if the gate refuses it.")] = False,
) -> None:
    """Fit a ranker on the public suite (macro nDCG@10, demand-grouped CV) and say how it generalises.

    ``linear`` writes LinearRanker params. A learned model is installed (``<out>/production``) only if its
    held-out nDCG@10 reaches the best single retriever on every task; the candidate is kept either way.
    """
    from embeddings.atomic import write_text_atomic
    from pipelines.quality.runner import SuiteRunner

    if model not in ("linear", "hgb", "logistic"):
        raise typer.BadParameter("--model must be 'linear', 'hgb' or 'logistic'")
    chosen = suite_tasks(tasks, None)
    runner = SuiteRunner(work_dir, Settings(), progress=typer.echo)
    if model == "linear":
        from pipelines.quality.fit import fit_suite, format_fit, save_fitted

        result = fit_suite(runner, chosen, folds=folds)
        table = format_fit(result)
        save_fitted(result, out)
        write_text_atomic(out.with_suffix(".md"), table)
        typer.echo(table)
        typer.echo(f"fitted weights: {out} (use with HAIZHI_RANKER_PARAMS={out})")
        return
    from matcher.ranking.learned import save_learned
    from pipelines.quality.learned_gate import format_gate, gate_learned

    gate, fitted = gate_learned(runner, chosen, {"model": model}, folds=folds)
    table = format_gate(gate, model)
    typer.echo(table)
    directory = out.with_suffix("")
    info = {"source": "public quality suite", "held_out_ndcg@10": gate.held_out, "installed": gate.passed}
    typer.echo(f"candidate saved: {save_learned(fitted, directory / 'candidate', info=info)}")
    write_text_atomic(directory / "gate.md", table)
    if gate.passed or force:
        manifest = save_learned(fitted, directory / "production", info=info | {"installed": True})
        typer.echo(f"installed: use with HAIZHI_RANKER_PARAMS={manifest}")
    else:
        raise typer.Exit(code=1)
