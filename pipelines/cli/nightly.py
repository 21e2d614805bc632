"""``haizhi nightly`` (one run, or ``--check`` for monitoring), ``haizhi schedule``, ``bench-batch``."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from matcher.config import Settings
from pipelines.cli.engine import EngineName, RayAddress, open_engine
from pipelines.nightly.ledger import NightlyLedger
from pipelines.nightly.settings import NightlySettings, nightly_settings

if TYPE_CHECKING:
    from apscheduler.schedulers.blocking import BlockingScheduler

    from pipelines.distributed import Engine

DataDir = Annotated[
    Path | None, typer.Option("--data-dir", help="Data directory (default: $HAIZHI_DATA_DIR or ./var).")
]
PARTIAL_EXIT_CODE = 3
"""Exit code of a run in which some base failed (cron can alert on it; the next run retries)."""
SMTP_CHECK_EXIT_CODE = 4
"""Exit code when the SMTP check fails: unreachable, TLS, AUTH refused… (a run then sends nothing)."""
LAST_RUN_FAILED_EXIT_CODE = 5
"""``--check`` exit code when SMTP is fine but the last run failed, was partial, interrupted or unknown."""


def _settings(data_dir: Path | None, outbox: Path | None = None) -> NightlySettings:
    settings = NightlySettings(data_dir=data_dir) if data_dir else NightlySettings()
    return settings.model_copy(update={"outbox_dir": outbox}) if outbox else settings


def _parse_date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"--date {value!r}: use YYYY-MM-DD") from None


def nightly(
    run_date: Annotated[str | None, typer.Option("--date", help="Day the lists are for, YYYY-MM-DD.")] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Write .eml files into the outbox; send and record nothing.")
    ] = False,
    base: Annotated[str | None, typer.Option("--base", help="Only this base (海智基地 id).")] = None,
    outbox: Annotated[Path | None, typer.Option(help="Outbox directory for --dry-run.")] = None,
    reconcile: Annotated[
        str,
        typer.Option(help="A message a crashed run left unconfirmed: resend (same Message-ID) or mark-sent."),
    ] = "resend",
    refresh: Annotated[bool, typer.Option(help="Update the indexes first (changed records only).")] = True,
    check: Annotated[
        bool,
        typer.Option(
            "--check", help="Monitoring: only check SMTP and report the last run's status (one line)."
        ),
    ] = False,
    data_dir: DataDir = None,
    engine: EngineName = "local",
    ray_address: RayAddress = None,
) -> None:
    """Match all open demands and e-mail each base its new experts (HTML + XLSX), once per day.

    Every run first checks SMTP (connect, EHLO, STARTTLS/SSL, AUTH if a user is set, NOOP, QUIT) and
    records the result in the ledger; if the check fails, the run stops without sending anything. A
    --dry-run writes the outbox instead and opens no SMTP connection (its check is recorded as skipped).

    With --engine ray the refresh embeds and the batch matches on a Ray cluster (--ray-address, or a
    local one); the ledger and the mail stay in this process, with the same guarantees.

    Exit codes: 0 done; 1 bad argument or another run active; 3 some base failed (retried next run);
    4 SMTP check failed. With --check: 0 healthy; 4 SMTP unreachable, TLS or AUTH failed (wins over 5);
    5 the last run failed, was partial or interrupted, or no run is recorded.
    """
    if check:
        if dry_run or base or run_date:
            raise typer.BadParameter("--check takes no --dry-run, --base or --date (it sends nothing)")
        code, line = check_health(_settings(data_dir))
        typer.echo(line)
        raise typer.Exit(code=code)
    with open_engine(engine, ray_address) as chosen:
        _run_once(run_date, dry_run, base, reconcile, refresh, _settings(data_dir, outbox), chosen)


def _run_once(
    run_date: str | None,
    dry_run: bool,
    base: str | None,
    reconcile: str,
    refresh: bool,
    settings: Settings,
    engine: Engine | None = None,
) -> None:
    from matcher.service import Matcher
    from pipelines.nightly.run import run_nightly

    if reconcile not in ("resend", "mark-sent"):
        raise typer.BadParameter(f"--reconcile {reconcile!r}: use resend or mark-sent")
    matcher = Matcher(settings)
    try:
        report = run_nightly(
            matcher,
            run_date=_parse_date(run_date),
            dry_run=dry_run,
            base_id=base,
            reconcile=reconcile,  # type: ignore[arg-type]  # checked above
            refresh=refresh,
            engine=engine,
        )
    except (ValueError, RuntimeError, FileNotFoundError) as error:
        typer.secho(str(error), fg=typer.colors.RED, err=True)
        raise typer.Exit(code=1) from None
    typer.echo(report.summary())
    if report.mail_path_broken:
        typer.secho(report.failure, fg=typer.colors.RED, err=True)
        raise typer.Exit(code=SMTP_CHECK_EXIT_CODE)
    if report.status == "partial":
        raise typer.Exit(code=PARTIAL_EXIT_CODE)


def check_health(settings: Settings) -> tuple[int, str]:
    """``haizhi nightly --check``: the SMTP check and the last run's status as (exit code, one line)."""
    from pipelines.nightly.notify import SmtpMailer

    smtp = SmtpMailer.from_settings(nightly_settings(settings)).check()
    run_ok, run_line = last_run_status(settings)
    line = f"{smtp.line()}; {run_line}"
    if not smtp.ok:  # the mail path first: tonight's run cannot deliver whatever the last one did
        return SMTP_CHECK_EXIT_CODE, line
    return (0 if run_ok else LAST_RUN_FAILED_EXIT_CODE), line


def last_run_status(settings: Settings) -> tuple[bool, str]:
    """Whether the latest real (not dry) run went well, and a phrase saying so; reads, never writes."""
    from matcher.store import DatabaseError, SchemaVersionError, Store
    from pipelines.nightly.run import nightly_running

    sqlite_file = settings.data_dir / "haizhi.db"
    if not settings.database_url and not sqlite_file.exists():
        return False, f"no database at {sqlite_file}"  # opening it would create an empty one
    try:
        store = Store(settings.resolved_database_url)
        try:
            run = NightlyLedger(store).last_run() if store.schema_version() is not None else None
        finally:
            store.close()
    except (DatabaseError, SchemaVersionError) as error:
        return False, f"cannot read the nightly ledger: {type(error).__name__}: {error}".splitlines()[0]
    if run is None:
        return False, "no nightly run recorded"
    label = f"last run {run.run_id} ({run.run_date})"
    if run.status == "finished":
        return True, f"{label} finished at {run.finished_at:%Y-%m-%d %H:%M} UTC"
    if run.status == "running":
        if nightly_running(settings.data_dir):
            return True, f"{label} running since {run.started_at:%Y-%m-%d %H:%M} UTC"
        return False, f"{label} interrupted: started {run.started_at:%Y-%m-%d %H:%M} UTC, never finished"
    if run.status == "partial":
        failed = sorted(b for b, status in run.counts.get("bases", {}).items() if status == "failed")
        return False, f"{label} partial: delivery failed for {', '.join(failed) or 'some bases'}"
    return False, f"{label} failed: {run.error or 'no reason recorded'}"


def schedule(
    at: Annotated[str, typer.Option("--at", help="Daily time HH:MM.")] = "06:30",
    timezone: Annotated[str, typer.Option(help="IANA time zone of --at.")] = "Asia/Shanghai",
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Scheduled runs write the outbox only.")] = False,
    run_now: Annotated[bool, typer.Option("--run-now", help="Also run once right away.")] = False,
    data_dir: DataDir = None,
) -> None:
    """Run the nightly batch every day at --at (APScheduler, blocking; stop with Ctrl-C)."""
    settings = _settings(data_dir)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    scheduler = build_scheduler(settings, at=at, timezone=timezone, dry_run=dry_run)
    if run_now:
        scheduled_run(settings, dry_run)
    typer.echo(f"nightly scheduled daily at {at} {timezone}; Ctrl-C to stop")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        scheduler.shutdown(wait=False)


def build_scheduler(settings: Settings, *, at: str, timezone: str, dry_run: bool) -> BlockingScheduler:
    """A blocking scheduler with one daily cron job running `scheduled_run`.

    Raises:
        typer.BadParameter: for a malformed ``at``.
    """
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.cron import CronTrigger

    hour, minute = _parse_time(at)
    scheduler = BlockingScheduler(timezone=timezone)
    # coalesce + one instance: a machine that slept through the time runs once, never twice in parallel
    scheduler.add_job(
        scheduled_run,
        CronTrigger(hour=hour, minute=minute, timezone=timezone),
        args=[settings, dry_run],
        id="nightly",
        coalesce=True,
        max_instances=1,
        misfire_grace_time=6 * 3600,
    )
    return scheduler


def _parse_time(value: str) -> tuple[int, int]:
    hour, sep, minute = value.partition(":")
    if not sep or not hour.isdigit() or not minute.isdigit() or int(hour) > 23 or int(minute) > 59:
        raise typer.BadParameter(f"--at {value!r}: use HH:MM, e.g. 06:30")
    return int(hour), int(minute)


def scheduled_run(settings: Settings, dry_run: bool) -> None:
    """One scheduled run with a fresh matcher; errors are logged so the scheduler keeps going."""
    from matcher.service import Matcher
    from pipelines.nightly.run import run_nightly

    log = logging.getLogger("haizhi.nightly")
    try:
        report = run_nightly(Matcher(settings), dry_run=dry_run)
    except Exception:
        log.exception("nightly run failed; the next run retries every base not yet sent")
        return
    log.log(logging.INFO if report.status == "finished" else logging.ERROR, "%s", report.summary())


def bench_batch(
    experts: Annotated[int, typer.Option(min=100, help="Generated expert pool size.")] = 1_000_000,
    demands: Annotated[
        int, typer.Option(min=10, help="Distinct open demands matched by the nightly dry-run.")
    ] = 10_000,
    index_kind: Annotated[str, typer.Option(help="flat, hnsw, ivf or ivfpq.")] = "ivfpq",
    vectors: Annotated[
        str,
        typer.Option(help="Expert vectors: real (USE) or generated (for pools too big to embed here)."),
    ] = "generated",
    work_dir: Annotated[
        Path,
        typer.Option(help="Where pools are kept (shared with `haizhi bench`, re-used)."),
    ] = Path("bench-pools"),
    out: Annotated[Path, typer.Option(help="Report directory.")] = Path("reports"),
    engine: EngineName = "local",
    ray_address: RayAddress = None,
) -> None:
    """The nightly dry-run end to end over a generated pool (default 10k demands × 1M experts)."""
    from pipelines.bench.batch import run_batch_benchmark
    from pipelines.bench.pool import VECTOR_SOURCES

    if vectors not in VECTOR_SOURCES:
        raise typer.BadParameter(f"--vectors: choose one of {', '.join(VECTOR_SOURCES)}")
    with open_engine(engine, ray_address) as chosen:
        report = run_batch_benchmark(
            experts,
            demands=demands,
            index_kind=index_kind,
            vectors=vectors,  # type: ignore[arg-type]  # checked above
            work_dir=work_dir,
            out=out,
            engine=chosen,
        )
    typer.echo(report)
