"""The nightly run ledger: runs, per-base deliveries (the idempotency journal), sent pairs, SMTP checks.

Delivery protocol (see `pipelines.nightly.run`): `NightlyLedger.begin_delivery` journals the
Message-ID, recipients, pairs and exact message bytes *before* the SMTP conversation;
`NightlyLedger.record_delivery_sent` then moves the delivery to ``sent``, records every pair as sent
and as a ``recommended`` match, all in one transaction. A delivery left in ``sending`` by a crash is
found by `NightlyLedger.pending_deliveries` and reconciled on the next run. The rows are
``store.ledger`` (`matcher.store.repositories.ledger`); this module owns what they mean.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from matcher.domain.records import MatchStatus
from matcher.store import Store, row_from_object, utc_now
from pipelines.nightly.ledger_records import (
    RUN_STATUSES,
    SMTP_CHECK_STAGES,
    SMTP_CHECK_STATUSES,
    Delivery,
    NightlyRun,
    SentPair,
    SmtpCheck,
    delivery_from_row,
    run_from_row,
    smtp_check_from_row,
)

__all__ = ["Delivery", "NightlyLedger", "NightlyRun", "SentPair", "SmtpCheck"]


class NightlyLedger:
    """The nightly ledger of one store, built on the row operations of ``store.ledger``."""

    def __init__(self, store: Store) -> None:
        """Read and write the ledger kept in ``store``."""
        self._store = store
        self._rows = store.ledger

    # ---- runs ----------------------------------------------------------------------------------
    def start_run(self, run_id: str, run_date: date, *, dry_run: bool, base_filter: str | None) -> None:
        """Record that a run started."""
        self._rows.insert_run(
            {
                "run_id": run_id,
                "run_date": run_date,
                "started_at": utc_now(),
                "status": "running",
                "dry_run": dry_run,
                "base_filter": base_filter,
                "counts": "{}",
                "error": "",
            }
        )

    def finish_run(self, run_id: str, status: str, counts: Mapping[str, Any], error: str = "") -> None:
        """Record a run's outcome and figures.

        Raises:
            ValueError: for an unknown status.
        """
        if status not in RUN_STATUSES:
            raise ValueError(f"nightly run status must be one of {RUN_STATUSES}, got {status!r}")
        self._rows.update_run(
            run_id,
            {
                "status": status,
                "finished_at": utc_now(),
                "counts": json.dumps(counts, ensure_ascii=False, default=str),
                "error": error,
            },
        )

    def runs(self, *, limit: int = 20) -> list[NightlyRun]:
        """The latest runs, newest first."""
        return [run_from_row(row) for row in self._rows.run_rows(limit=limit)]

    def run(self, run_id: str) -> NightlyRun | None:
        """One run, or None."""
        row = self._rows.run_row(run_id)
        return None if row is None else run_from_row(row)

    def last_run(self, *, dry_run: bool = False) -> NightlyRun | None:
        """The latest real run (or, with ``dry_run``, the latest dry run), or None."""
        rows = self._rows.run_rows(limit=1, dry_run=dry_run)
        return run_from_row(rows[0]) if rows else None

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
        # the record's fields are the table's columns
        self._rows.insert_smtp_check(row_from_object(check, run_id=run_id))

    def smtp_check(self, run_id: str) -> SmtpCheck | None:
        """The SMTP check of a run, or None (runs recorded before checks existed have none)."""
        row = self._rows.smtp_check_row(run_id)
        return None if row is None else smtp_check_from_row(row)

    # ---- deliveries ----------------------------------------------------------------------------
    def delivery(self, run_date: date, base_id: str, *, with_message: bool = False) -> Delivery | None:
        """The delivery of ``base_id`` for ``run_date``, or None."""
        row = self._rows.delivery_row(run_date, base_id)
        return None if row is None else delivery_from_row(row, with_message=with_message)

    def deliveries(
        self,
        *,
        run_date: date | None = None,
        run_id: str | None = None,
        statuses: Iterable[str] | None = None,
    ) -> list[Delivery]:
        """Deliveries filtered by date, latest run and/or status (message bytes not loaded)."""
        rows = self._rows.delivery_rows(run_date=run_date, run_id=run_id, statuses=statuses)
        return [delivery_from_row(row) for row in rows]

    def pending_deliveries(self) -> list[Delivery]:
        """Deliveries journaled as ``sending`` whose outcome is unknown (a run crashed mid-send)."""
        rows = self._rows.delivery_rows(statuses=["sending"])
        return [delivery_from_row(row, with_message=True) for row in rows]

    def _put_delivery(self, run_date: date, base_id: str, values: dict[str, Any], *, attempt: bool) -> None:
        with self._store.transaction():
            row = self._rows.delivery_row(run_date, base_id, for_update=True)
            if row is not None and row["status"] == "sent":
                raise ValueError(
                    f"base {base_id!r} was already sent its list for {run_date}; not overwriting"
                )
            values = {**values, "updated_at": utc_now()}
            if row is None:
                self._rows.insert_delivery(
                    {"run_date": run_date, "base_id": base_id, "attempts": int(attempt), **values}
                )
            else:
                attempts = row["attempts"] + int(attempt)
                self._rows.update_delivery(run_date, base_id, {"attempts": attempts, **values})

    def begin_delivery(
        self,
        run_date: date,
        base_id: str,
        *,
        run_id: str,
        message_id: str,
        recipients: Sequence[str],
        pairs: Sequence[SentPair],
        demands: int,
        experts: int,
        message: bytes,
    ) -> None:
        """Journal a message as ``sending`` before the SMTP conversation (the idempotency key).

        Raises:
            ValueError: if the base was already sent its list for ``run_date``.
        """
        values = {
            "run_id": run_id,
            "status": "sending",
            "message_id": message_id,
            "recipients": json.dumps(list(recipients)),
            "refused": "{}",
            "pairs": json.dumps([[p.demand_id, p.expert_id, p.score] for p in pairs]),
            "demands": demands,
            "experts": experts,
            "message": message,
            "error": "",
            "reconciled": False,
        }
        self._put_delivery(run_date, base_id, values, attempt=True)

    def record_delivery_outcome(
        self,
        run_date: date,
        base_id: str,
        *,
        run_id: str,
        status: str,
        error: str = "",
        refused: Mapping[str, str] | None = None,
    ) -> None:
        """Record a delivery that did not go out: ``failed``, ``nothing_new`` or ``no_contacts``.

        Raises:
            ValueError: for another status, or if the base was already sent its list that day.
        """
        if status not in ("failed", "nothing_new", "no_contacts"):
            raise ValueError(
                f"use record_delivery_sent for {status!r}; outcome must be failed/nothing_new/no_contacts"
            )
        values: dict[str, Any] = {"run_id": run_id, "status": status, "error": error}
        if refused is not None:
            values["refused"] = json.dumps(dict(refused), ensure_ascii=False)
        # a failure follows begin_delivery, which already counted the attempt
        self._put_delivery(run_date, base_id, values, attempt=False)

    def record_delivery_sent(
        self,
        run_date: date,
        base_id: str,
        *,
        refused: Mapping[str, str] | None = None,
        reconciled: bool = False,
        actor: str = "nightly",
    ) -> int:
        """In one transaction: mark the journaled delivery sent, record its pairs as sent and as
        ``recommended`` matches (pairs that already have a match keep it). Returns the pairs recorded.

        Raises:
            LookupError: if no delivery is journaled as ``sending`` for that base and date.
        """
        now = utc_now()
        with self._store.transaction():
            row = self._rows.delivery_row(run_date, base_id, for_update=True)
            if row is None or row["status"] != "sending":
                raise LookupError(
                    f"no delivery of base {base_id!r} for {run_date} is waiting to be confirmed"
                )
            delivery = delivery_from_row(row)
            already = self._rows.sent_pairs({p.demand_id for p in delivery.pairs})
            live = self._existing_pairs(delivery.pairs)
            recorded = 0
            for pair in delivery.pairs:
                if (pair.demand_id, pair.expert_id) in already:
                    continue
                self._rows.insert_sent_pair(
                    {
                        "demand_id": pair.demand_id,
                        "expert_id": pair.expert_id,
                        "base_id": base_id,
                        "run_date": run_date,
                        "message_id": delivery.message_id,
                        "score": pair.score,
                        "sent_at": now,
                    }
                )
                recorded += 1
                has_match = self._store.matches.get(pair.demand_id, pair.expert_id) is not None
                if not has_match and (pair.demand_id, pair.expert_id) in live:
                    note = f"nightly {run_date} → {base_id} ({delivery.message_id})"
                    self._store.matches.set_status(
                        pair.demand_id,
                        pair.expert_id,
                        MatchStatus.RECOMMENDED,
                        note=note,
                        actor=actor,
                        score=pair.score,
                    )
            self._rows.update_delivery(
                run_date,
                base_id,
                {
                    "status": "sent",
                    "refused": json.dumps(dict(refused or {}), ensure_ascii=False),
                    "reconciled": reconciled,
                    "error": "",
                    "updated_at": now,
                },
            )
        return recorded

    def _existing_pairs(self, pairs: Sequence[SentPair]) -> set[tuple[str, str]]:
        """Pairs whose demand and expert both still exist (a deleted record gets no match row)."""
        records = self._store.records
        demands = records.pk_of("demands", sorted({p.demand_id for p in pairs}))
        experts = records.pk_of("experts", sorted({p.expert_id for p in pairs}))
        return {
            (p.demand_id, p.expert_id) for p in pairs if p.demand_id in demands and p.expert_id in experts
        }

    def sent_pairs(self, demand_ids: Iterable[str] | None = None) -> set[tuple[str, str]]:
        """(demand id, expert id) pairs already sent by any nightly run (optionally for some demands)."""
        return self._rows.sent_pairs(demand_ids)
