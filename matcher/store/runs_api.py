"""Nightly runs and the SMTP check each run makes first (a broken mail path fails the run)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict
from datetime import date
from typing import Any

from sqlalchemy import select

from matcher.store.base import StoreBase, utc_now
from matcher.store.ledger_records import (
    RUN_STATUSES,
    SMTP_CHECK_STAGES,
    SMTP_CHECK_STATUSES,
    NightlyRun,
    SmtpCheck,
    run_from_row,
    smtp_check_from_row,
)
from matcher.store.tables_ledger import nightly_runs, nightly_smtp_checks


class RunsMixin(StoreBase):
    """Nightly runs and SMTP checks; see `matcher.store.Store` for the assembled class."""

    # ---- runs ----------------------------------------------------------------------------------
    def start_nightly_run(
        self, run_id: str, run_date: date, *, dry_run: bool, base_filter: str | None
    ) -> None:
        """Record that a run started."""
        with self._write() as conn:
            conn.execute(
                nightly_runs.insert().values(
                    run_id=run_id,
                    run_date=run_date,
                    started_at=utc_now(),
                    status="running",
                    dry_run=dry_run,
                    base_filter=base_filter,
                    counts="{}",
                    error="",
                )
            )

    def finish_nightly_run(
        self, run_id: str, status: str, counts: Mapping[str, Any], error: str = ""
    ) -> None:
        """Record a run's outcome and figures.

        Raises:
            ValueError: for an unknown status.
        """
        if status not in RUN_STATUSES:
            raise ValueError(f"nightly run status must be one of {RUN_STATUSES}, got {status!r}")
        with self._write() as conn:
            conn.execute(
                nightly_runs.update()
                .where(nightly_runs.c.run_id == run_id)
                .values(
                    status=status,
                    finished_at=utc_now(),
                    counts=json.dumps(counts, ensure_ascii=False, default=str),
                    error=error,
                )
            )

    def list_nightly_runs(self, *, limit: int = 20) -> list[NightlyRun]:
        """The latest runs, newest first."""
        query = select(nightly_runs).order_by(nightly_runs.c.started_at.desc()).limit(limit)
        with self._read() as conn:
            return [run_from_row(row) for row in conn.execute(query).mappings()]

    def nightly_run(self, run_id: str) -> NightlyRun | None:
        """One run, or None."""
        with self._read() as conn:
            row = conn.execute(select(nightly_runs).where(nightly_runs.c.run_id == run_id)).mappings().first()
        return None if row is None else run_from_row(row)

    def last_nightly_run(self, *, dry_run: bool = False) -> NightlyRun | None:
        """The latest real run (or, with ``dry_run``, the latest dry run), or None."""
        query = select(nightly_runs).where(nightly_runs.c.dry_run == dry_run)
        query = query.order_by(nightly_runs.c.started_at.desc()).limit(1)
        with self._read() as conn:
            row = conn.execute(query).mappings().first()
        return None if row is None else run_from_row(row)

    # ---- SMTP checks ---------------------------------------------------------------------------
    def record_smtp_check(self, run_id: str, check: SmtpCheck) -> None:
        """Record the SMTP check a run made before anything else (once per run).

        Raises:
            ValueError: for an unknown status or stage.
        """
        if check.status not in SMTP_CHECK_STATUSES or check.stage not in SMTP_CHECK_STAGES:
            raise ValueError(
                f"SMTP check status must be one of {SMTP_CHECK_STATUSES} and stage one of "
                f"{SMTP_CHECK_STAGES}, got {check.status!r} / {check.stage!r}"
            )
        with self._write() as conn:  # the record's fields are the table's columns
            conn.execute(nightly_smtp_checks.insert().values(run_id=run_id, **asdict(check)))

    def smtp_check(self, run_id: str) -> SmtpCheck | None:
        """The SMTP check of a run, or None (runs recorded before checks existed have none)."""
        query = select(nightly_smtp_checks).where(nightly_smtp_checks.c.run_id == run_id)
        with self._read() as conn:
            row = conn.execute(query).mappings().first()
        return None if row is None else smtp_check_from_row(row)
