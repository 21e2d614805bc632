"""`LedgerRepository`: rows of the nightly ledger tables (runs, deliveries, sent pairs, SMTP checks).

Persistence only (``store.ledger``): the records and the idempotency policy built on these rows are
`pipelines.nightly.ledger`. Rows are returned as plain mappings of column → value.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, select

from matcher.store.database import Database
from matcher.store.rows import Row
from matcher.store.tables import nightly_deliveries, nightly_runs, nightly_sent_pairs, nightly_smtp_checks

# Stays well under SQLite's and PostgreSQL's bound-parameter limits for IN (...) lists.
_CHUNK = 500


def _day_and_base(run_date: date, base_id: str) -> ColumnElement[bool]:
    return (nightly_deliveries.c.run_date == run_date) & (nightly_deliveries.c.base_id == base_id)


class LedgerRepository:
    """Row operations on ``nightly_runs``, ``_deliveries``, ``_sent_pairs`` and ``_smtp_checks``."""

    def __init__(self, database: Database) -> None:
        """Work on ``database``."""
        self._db = database

    # ---- runs ----------------------------------------------------------------------------------
    def insert_run(self, values: Mapping[str, Any]) -> None:
        """Insert one ``nightly_runs`` row."""
        with self._db.write() as conn:
            conn.execute(nightly_runs.insert().values(**values))

    def update_run(self, run_id: str, values: Mapping[str, Any]) -> None:
        """Update the ``nightly_runs`` row of ``run_id`` (nothing happens for an unknown run)."""
        with self._db.write() as conn:
            conn.execute(nightly_runs.update().where(nightly_runs.c.run_id == run_id).values(**values))

    def run_rows(self, *, limit: int, dry_run: bool | None = None) -> list[Row]:
        """The latest ``nightly_runs`` rows, newest first, optionally only real (or only dry) runs."""
        query = select(nightly_runs)
        if dry_run is not None:
            query = query.where(nightly_runs.c.dry_run == dry_run)
        query = query.order_by(nightly_runs.c.started_at.desc()).limit(limit)
        with self._db.read() as conn:
            return [dict(row) for row in conn.execute(query).mappings()]

    def run_row(self, run_id: str) -> Row | None:
        """The ``nightly_runs`` row of ``run_id``, or None."""
        with self._db.read() as conn:
            row = conn.execute(select(nightly_runs).where(nightly_runs.c.run_id == run_id)).mappings().first()
        return None if row is None else dict(row)

    # ---- SMTP checks ---------------------------------------------------------------------------
    def insert_smtp_check(self, values: Mapping[str, Any]) -> None:
        """Insert one ``nightly_smtp_checks`` row."""
        with self._db.write() as conn:
            conn.execute(nightly_smtp_checks.insert().values(**values))

    def smtp_check_row(self, run_id: str) -> Row | None:
        """The ``nightly_smtp_checks`` row of ``run_id``, or None."""
        query = select(nightly_smtp_checks).where(nightly_smtp_checks.c.run_id == run_id)
        with self._db.read() as conn:
            row = conn.execute(query).mappings().first()
        return None if row is None else dict(row)

    # ---- deliveries ----------------------------------------------------------------------------
    def delivery_row(self, run_date: date, base_id: str, *, for_update: bool = False) -> Row | None:
        """The ``nightly_deliveries`` row of a (run date, base), or None.

        ``for_update`` locks the row until the caller's `Database.transaction` ends (PostgreSQL).
        """
        query = select(nightly_deliveries).where(_day_and_base(run_date, base_id))
        if for_update:
            query = query.with_for_update()
        with self._db.read() as conn:
            row = conn.execute(query).mappings().first()
        return None if row is None else dict(row)

    def delivery_rows(
        self,
        *,
        run_date: date | None = None,
        run_id: str | None = None,
        statuses: Iterable[str] | None = None,
    ) -> list[Row]:
        """``nightly_deliveries`` rows filtered by date, latest run and/or status, oldest first."""
        query = select(nightly_deliveries).order_by(nightly_deliveries.c.pk)
        if run_date is not None:
            query = query.where(nightly_deliveries.c.run_date == run_date)
        if run_id is not None:
            query = query.where(nightly_deliveries.c.run_id == run_id)
        if statuses is not None:
            query = query.where(nightly_deliveries.c.status.in_(list(statuses)))
        with self._db.read() as conn:
            return [dict(row) for row in conn.execute(query).mappings()]

    def delivery_states(self) -> list[Row]:
        """``base_id``, ``run_date``, ``status`` of every ``nightly_deliveries`` row, oldest first (no
        message bytes or pairs: cheap enough to find each base's latest delivery)."""
        columns = (nightly_deliveries.c.base_id, nightly_deliveries.c.run_date, nightly_deliveries.c.status)
        query = select(*columns).order_by(nightly_deliveries.c.run_date, nightly_deliveries.c.pk)
        with self._db.read() as conn:
            return [dict(row) for row in conn.execute(query).mappings()]

    def insert_delivery(self, values: Mapping[str, Any]) -> None:
        """Insert one ``nightly_deliveries`` row."""
        with self._db.write() as conn:
            conn.execute(nightly_deliveries.insert().values(**values))

    def update_delivery(self, run_date: date, base_id: str, values: Mapping[str, Any]) -> None:
        """Update the ``nightly_deliveries`` row of a (run date, base)."""
        with self._db.write() as conn:
            conn.execute(nightly_deliveries.update().where(_day_and_base(run_date, base_id)).values(**values))

    # ---- sent pairs ----------------------------------------------------------------------------
    def insert_sent_pair(self, values: Mapping[str, Any]) -> None:
        """Insert one ``nightly_sent_pairs`` row."""
        with self._db.write() as conn:
            conn.execute(nightly_sent_pairs.insert().values(**values))

    def sent_pairs(self, demand_ids: Iterable[str] | None = None) -> set[tuple[str, str]]:
        """(demand id, expert id) of every ``nightly_sent_pairs`` row (optionally of some demands only)."""
        query = select(nightly_sent_pairs.c.demand_id, nightly_sent_pairs.c.expert_id)
        with self._db.read() as conn:
            if demand_ids is None:
                return {(d, e) for d, e in conn.execute(query)}
            wanted = sorted(set(demand_ids))
            found: set[tuple[str, str]] = set()
            for start in range(0, len(wanted), _CHUNK):
                chunk = query.where(nightly_sent_pairs.c.demand_id.in_(wanted[start : start + _CHUNK]))
                found.update((d, e) for d, e in conn.execute(chunk))
            return found
