"""Nightly run ledger: runs, per-base deliveries (the idempotency journal) and pairs already sent.

Delivery protocol (see `pipelines.nightly.run`): `begin_delivery` journals the Message-ID, recipients,
pairs and exact message bytes *before* the SMTP conversation; `record_delivery_sent` then moves the
delivery to ``sent``, records every pair as sent and as a ``recommended`` match, all in one transaction.
A delivery left in ``sending`` by a crash is found by `pending_deliveries` and reconciled on the next run.
Runs and their SMTP checks are in `matcher.store.runs_api`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from matcher.domain.records import Match, MatchStatus
from matcher.store.base import StoreBase, utc_now
from matcher.store.ledger_records import (
    Delivery,
    SentPair,
    delivery_from_row,
)
from matcher.store.tables import RECORD_TABLES, matches
from matcher.store.tables_ledger import (
    nightly_deliveries,
    nightly_sent_pairs,
)


class LedgerMixin(StoreBase):
    """Nightly ledger storage; see `matcher.store.Store` for the assembled class."""

    if TYPE_CHECKING:  # provided by MatchesMixin in the assembled Store

        def set_match_status(
            self,
            demand_id: str,
            expert_id: str,
            status: MatchStatus | str,
            *,
            note: str = "",
            actor: str = "system",
            score: float | None = None,
            force: bool = False,
        ) -> Match: ...

    # ---- deliveries ----------------------------------------------------------------------------
    def delivery(self, run_date: date, base_id: str, *, with_message: bool = False) -> Delivery | None:
        """The delivery of ``base_id`` for ``run_date``, or None."""
        query = select(nightly_deliveries).where(
            (nightly_deliveries.c.run_date == run_date) & (nightly_deliveries.c.base_id == base_id)
        )
        with self._read() as conn:
            row = conn.execute(query).mappings().first()
        return None if row is None else delivery_from_row(row, with_message=with_message)

    def deliveries(
        self,
        *,
        run_date: date | None = None,
        run_id: str | None = None,
        statuses: Iterable[str] | None = None,
    ) -> list[Delivery]:
        """Deliveries filtered by date, latest run and/or status (message bytes not loaded)."""
        query = select(nightly_deliveries).order_by(nightly_deliveries.c.pk)
        if run_date is not None:
            query = query.where(nightly_deliveries.c.run_date == run_date)
        if run_id is not None:
            query = query.where(nightly_deliveries.c.run_id == run_id)
        if statuses is not None:
            query = query.where(nightly_deliveries.c.status.in_(list(statuses)))
        with self._read() as conn:
            return [delivery_from_row(row) for row in conn.execute(query).mappings()]

    def pending_deliveries(self) -> list[Delivery]:
        """Deliveries journaled as ``sending`` whose outcome is unknown (a run crashed mid-send)."""
        query = select(nightly_deliveries).where(nightly_deliveries.c.status == "sending")
        with self._read() as conn:
            return [delivery_from_row(row, with_message=True) for row in conn.execute(query).mappings()]

    def _put_delivery(self, run_date: date, base_id: str, values: dict[str, Any], *, attempt: bool) -> None:
        key = (nightly_deliveries.c.run_date == run_date) & (nightly_deliveries.c.base_id == base_id)
        with self._write() as conn:
            row = conn.execute(select(nightly_deliveries).where(key).with_for_update()).mappings().first()
            if row is not None and row["status"] == "sent":
                raise ValueError(
                    f"base {base_id!r} was already sent its list for {run_date}; not overwriting"
                )
            values = {**values, "updated_at": utc_now()}
            if row is None:
                conn.execute(
                    nightly_deliveries.insert().values(
                        run_date=run_date, base_id=base_id, attempts=int(attempt), **values
                    )
                )
            else:
                attempts = row["attempts"] + int(attempt)
                conn.execute(nightly_deliveries.update().where(key).values(attempts=attempts, **values))

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
        key = (nightly_deliveries.c.run_date == run_date) & (nightly_deliveries.c.base_id == base_id)
        now = utc_now()
        with self.transaction() as conn:
            row = conn.execute(select(nightly_deliveries).where(key).with_for_update()).mappings().first()
            if row is None or row["status"] != "sending":
                raise LookupError(
                    f"no delivery of base {base_id!r} for {run_date} is waiting to be confirmed"
                )
            delivery = delivery_from_row(row)
            already = self._sent_among(conn, delivery.pairs)
            live = self._existing_ids(conn, delivery.pairs)
            recorded = 0
            for pair in delivery.pairs:
                if (pair.demand_id, pair.expert_id) in already:
                    continue
                conn.execute(
                    nightly_sent_pairs.insert().values(
                        demand_id=pair.demand_id,
                        expert_id=pair.expert_id,
                        base_id=base_id,
                        run_date=run_date,
                        message_id=delivery.message_id,
                        score=pair.score,
                        sent_at=now,
                    )
                )
                recorded += 1
                has_match = conn.execute(
                    select(matches.c.pk).where(
                        (matches.c.demand_id == pair.demand_id) & (matches.c.expert_id == pair.expert_id)
                    )
                ).first()
                if has_match is None and (pair.demand_id, pair.expert_id) in live:
                    note = f"nightly {run_date} → {base_id} ({delivery.message_id})"
                    self.set_match_status(
                        pair.demand_id,
                        pair.expert_id,
                        MatchStatus.RECOMMENDED,
                        note=note,
                        actor=actor,
                        score=pair.score,
                    )
            conn.execute(
                nightly_deliveries.update()
                .where(key)
                .values(
                    status="sent",
                    refused=json.dumps(dict(refused or {}), ensure_ascii=False),
                    reconciled=reconciled,
                    error="",
                    updated_at=now,
                )
            )
        return recorded

    @staticmethod
    def _sent_among(conn: Any, pairs: Sequence[SentPair]) -> set[tuple[str, str]]:
        demand_ids = list({p.demand_id for p in pairs})
        found: set[tuple[str, str]] = set()
        for start in range(0, len(demand_ids), 500):
            query = select(nightly_sent_pairs.c.demand_id, nightly_sent_pairs.c.expert_id).where(
                nightly_sent_pairs.c.demand_id.in_(demand_ids[start : start + 500])
            )
            found.update((d, e) for d, e in conn.execute(query))
        return found

    @staticmethod
    def _existing_ids(conn: Any, pairs: Sequence[SentPair]) -> set[tuple[str, str]]:
        """Pairs whose demand and expert both still exist (a deleted record gets no match row)."""
        present: dict[str, set[str]] = {}
        for kind, ids in (
            ("demands", {p.demand_id for p in pairs}),
            ("experts", {p.expert_id for p in pairs}),
        ):
            table, wanted = RECORD_TABLES[kind], sorted(ids)
            present[kind] = set()
            for start in range(0, len(wanted), 500):
                query = select(table.c.id).where(table.c.id.in_(wanted[start : start + 500]))
                present[kind].update(conn.execute(query).scalars())
        return {
            (p.demand_id, p.expert_id)
            for p in pairs
            if p.demand_id in present["demands"] and p.expert_id in present["experts"]
        }

    def sent_pairs(self, demand_ids: Iterable[str] | None = None) -> set[tuple[str, str]]:
        """(demand id, expert id) pairs already sent by any nightly run (optionally for some demands)."""
        query = select(nightly_sent_pairs.c.demand_id, nightly_sent_pairs.c.expert_id)
        with self._read() as conn:
            if demand_ids is None:
                return {(d, e) for d, e in conn.execute(query)}
            wanted = sorted(set(demand_ids))
            found: set[tuple[str, str]] = set()
            for start in range(0, len(wanted), 500):
                chunk = query.where(nightly_sent_pairs.c.demand_id.in_(wanted[start : start + 500]))
                found.update((d, e) for d, e in conn.execute(chunk))
            return found
