"""Project flow storage: demand status changes with history, and cooperation records (合作).

`FlowRepository` is ``store.flow``. The flow rules themselves (which match
statuses move a demand where) live in `matcher.operations.flow`; this module only stores what it decides.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from matcher.domain.records import CooperationMode, Demand, DemandStatus, MatchStatus
from matcher.domain.text_fields import NoteText
from matcher.store.database import Database, utc_now
from matcher.store.errors import RecordNotFound
from matcher.store.repositories.matches import MatchEvent
from matcher.store.rows import from_row, object_from_row, row_from_object, to_row
from matcher.store.tables import RECORD_TABLES, cooperations, demand_events, match_events, matches

_CHUNK = 500


class CooperationResult(StrEnum):
    """How a cooperation (签约合作) is going or ended."""

    ONGOING = "ongoing"
    COMPLETED = "completed"
    TERMINATED = "terminated"


class Cooperation(BaseModel):
    """A signed cooperation between an expert and a demand's enterprise (合作记录).

    Attributes:
        contract_amount_wan: contract amount in 万元 (10,000 CNY), if known.
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    demand_id: str = Field(min_length=1, max_length=64)
    expert_id: str = Field(min_length=1, max_length=64)
    mode: CooperationMode
    start_date: date
    contract_amount_wan: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    result: CooperationResult = CooperationResult.ONGOING
    note: NoteText = ""


@dataclass(frozen=True)
class DemandEvent:
    """One status change of a demand (``from_status`` is None for the first recorded state).

    ``reason`` says why: ``auto`` (derived from its matches), ``solved`` / ``unsolved`` (explicit
    close), ``withdrawn``, ``reopened`` or ``import``.
    """

    demand_id: str
    from_status: DemandStatus | None
    to_status: DemandStatus
    reason: str
    note: str
    actor: str
    at: datetime


class FlowRepository:
    """Demand status history and cooperations (``store.flow``)."""

    def __init__(self, database: Database) -> None:
        """Work on ``database``."""
        self._db = database

    def apply_demand_status(
        self,
        demand_id: str,
        status: DemandStatus | str,
        *,
        reason: str,
        note: str = "",
        actor: str = "system",
        at: datetime | None = None,
    ) -> DemandEvent | None:
        """Write a demand's new status and append a history event, in one transaction.

        Validation of the move belongs to `matcher.operations.flow`; here it is only stored.
        Returns None (and writes nothing) when the demand already has ``status``.

        Raises:
            RecordNotFound: if the demand does not exist.
        """
        new = DemandStatus(status)
        table = RECORD_TABLES["demands"]
        with self._db.write() as conn:
            row = conn.execute(select(table).where(table.c.id == demand_id)).mappings().first()
            if row is None:
                raise RecordNotFound(f"no demand with id {demand_id!r}")
            demand = from_row("demands", row)
            assert isinstance(demand, Demand)
            if demand.status is new:
                return None
            changed = demand.model_copy(update={"status": new})
            now = utc_now()
            values = {k: v for k, v in to_row("demands", changed).items() if k != "id"}
            conn.execute(table.update().where(table.c.id == demand_id).values(**values, row_updated_at=now))
            event = DemandEvent(demand_id, demand.status, new, reason, note, actor, at or now)
            conn.execute(
                demand_events.insert().values(
                    demand_id=demand_id,
                    from_status=demand.status.value,
                    to_status=new.value,
                    reason=reason,
                    note=note,
                    actor=actor,
                    at=event.at,
                )
            )
        return event

    def demand_events(self, demand_id: str | None = None) -> list[DemandEvent]:
        """Demand status changes (of one demand, or all), oldest first."""
        query = select(demand_events).order_by(demand_events.c.pk)
        if demand_id is not None:
            query = query.where(demand_events.c.demand_id == demand_id)
        with self._db.read() as conn:
            return [object_from_row(DemandEvent, row) for row in conn.execute(query).mappings()]

    def upsert_cooperation(self, cooperation: Cooperation) -> Cooperation:
        """Insert or replace the cooperation record of a (demand, expert) pair.

        Raises:
            RecordNotFound: if the demand or expert does not exist.
        """
        now = utc_now()
        values = row_from_object(cooperation)
        pair = (cooperations.c.demand_id == cooperation.demand_id) & (
            cooperations.c.expert_id == cooperation.expert_id
        )
        with self._db.write() as conn:
            for kind, id_ in (("demands", cooperation.demand_id), ("experts", cooperation.expert_id)):
                table = RECORD_TABLES[kind]
                if conn.execute(select(table.c.pk).where(table.c.id == id_)).first() is None:
                    raise RecordNotFound(f"no {kind[:-1]} with id {id_!r}")
            updated = conn.execute(
                cooperations.update().where(pair).values(**values, updated_at=now)
            ).rowcount
            if not updated:
                conn.execute(cooperations.insert().values(**values, created_at=now, updated_at=now))
        return cooperation

    def cooperations(
        self, *, demand_id: str | None = None, expert_id: str | None = None
    ) -> list[Cooperation]:
        """Cooperation records, optionally of one demand and/or expert, oldest first."""
        query = select(cooperations).order_by(cooperations.c.pk)
        if demand_id is not None:
            query = query.where(cooperations.c.demand_id == demand_id)
        if expert_id is not None:
            query = query.where(cooperations.c.expert_id == expert_id)
        with self._db.read() as conn:
            return [object_from_row(Cooperation, row) for row in conn.execute(query).mappings()]

    def match_events_for(self, demand_ids: Iterable[str] | None = None) -> list[MatchEvent]:
        """Match history events of many demands (all when None), oldest first (for statistics)."""
        base = select(match_events).order_by(match_events.c.pk)
        with self._db.read() as conn:
            if demand_ids is None:
                rows = list(conn.execute(base).mappings())
            else:
                wanted = list(dict.fromkeys(demand_ids))
                rows = []
                for start in range(0, len(wanted), _CHUNK):
                    chunk = wanted[start : start + _CHUNK]
                    rows += list(conn.execute(base.where(match_events.c.demand_id.in_(chunk))).mappings())
                rows.sort(key=lambda r: r["pk"])
        return [object_from_row(MatchEvent, row) for row in rows]

    def import_match_history(self, events: Sequence[MatchEvent]) -> int:
        """Import past match lifecycle events with their real timestamps (e.g. from a legacy system).

        Events are ordered by time per pair; each pair's match ends in its last event's status
        (transition rules are not checked: history is taken as recorded). A missing ``from_status``
        is filled from the pair's previous event. Returns the number of events written.

        Raises:
            RecordNotFound: if a demand or expert does not exist (nothing is written).
        """
        by_pair: dict[tuple[str, str], list[MatchEvent]] = defaultdict(list)
        for event in events:
            by_pair[(event.demand_id, event.expert_id)].append(event)
        with self._db.write() as conn:
            for (demand_id, expert_id), history in by_pair.items():
                for kind, id_ in (("demands", demand_id), ("experts", expert_id)):
                    table = RECORD_TABLES[kind]
                    if conn.execute(select(table.c.pk).where(table.c.id == id_)).first() is None:
                        raise RecordNotFound(f"match history names unknown {kind[:-1]} {id_!r}")
                history.sort(key=lambda e: e.at)
                pair = (matches.c.demand_id == demand_id) & (matches.c.expert_id == expert_id)
                row = conn.execute(select(matches).where(pair)).mappings().first()
                previous = None if row is None else MatchStatus(row["status"])
                for event in history:
                    source = event.from_status or previous
                    conn.execute(
                        match_events.insert().values(
                            demand_id=demand_id,
                            expert_id=expert_id,
                            from_status=None if source is None else source.value,
                            to_status=event.to_status.value,
                            note=event.note,
                            actor=event.actor,
                            at=event.at,
                        )
                    )
                    previous = event.to_status
                last = history[-1]
                if row is None:
                    conn.execute(
                        matches.insert().values(
                            demand_id=demand_id,
                            expert_id=expert_id,
                            status=last.to_status.value,
                            score=None,
                            note=last.note,
                            created_at=history[0].at,
                            updated_at=last.at,
                        )
                    )
                elif last.at >= row["updated_at"]:
                    conn.execute(
                        matches.update().where(pair).values(status=last.to_status.value, updated_at=last.at)
                    )
        return sum(len(h) for h in by_pair.values())
