"""`MatchRepository`: match status per (demand, expert) pair, validated transitions, event history."""

from __future__ import annotations

import builtins
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select

from matcher.domain.records import Match, MatchStatus
from matcher.store.database import Database, utc_now
from matcher.store.errors import InvalidTransition, RecordNotFound
from matcher.store.rows import object_from_row
from matcher.store.tables import RECORD_TABLES, match_events, matches

S = MatchStatus
ALLOWED_TRANSITIONS: dict[MatchStatus, frozenset[MatchStatus]] = {
    S.RECOMMENDED: frozenset({S.CONTACTED, S.DECLINED, S.NO_RESPONSE}),
    S.CONTACTED: frozenset({S.NEGOTIATING, S.DECLINED, S.NO_RESPONSE}),
    S.NEGOTIATING: frozenset({S.SIGNED, S.DECLINED}),
    S.NO_RESPONSE: frozenset({S.CONTACTED}),
    S.SIGNED: frozenset(),
    S.DECLINED: frozenset(),
}
"""Which statuses may follow which; signed and declined are terminal."""

OPEN_STATUSES: frozenset[MatchStatus] = frozenset({S.CONTACTED, S.NEGOTIATING})
"""Statuses that count as an expert's open engagement (their current load)."""


@dataclass(frozen=True)
class MatchEvent:
    """One entry of a match's history (``from_status`` is None when the match was created)."""

    demand_id: str
    expert_id: str
    from_status: MatchStatus | None
    to_status: MatchStatus
    note: str
    actor: str
    at: datetime


def check_transition(current: MatchStatus | None, new: MatchStatus) -> None:
    """Raise `InvalidTransition` unless ``current → new`` is allowed (None = no match yet)."""
    if current is None:
        if new is not S.RECOMMENDED:
            raise InvalidTransition(
                f"a new match starts as 'recommended', not {new.value!r} (imports may pass force=True)"
            )
        return
    if new not in ALLOWED_TRANSITIONS[current]:
        allowed = ", ".join(sorted(s.value for s in ALLOWED_TRANSITIONS[current])) or "none: it is final"
        raise InvalidTransition(
            f"cannot move a match from {current.value!r} to {new.value!r} (allowed: {allowed})"
        )


class MatchRepository:
    """Matches of (demand, expert) pairs and their history (``store.matches``)."""

    def __init__(self, database: Database) -> None:
        """Work on ``database``."""
        self._db = database

    def set_status(
        self,
        demand_id: str,
        expert_id: str,
        status: MatchStatus | str,
        *,
        note: str = "",
        actor: str = "system",
        score: float | None = None,
        force: bool = False,
    ) -> Match:
        """Create or move the match of a (demand, expert) pair and append a history event.

        Setting the current status again only updates ``score``/``note`` and adds no event.
        An empty ``note`` keeps the stored note; ``score=None`` keeps the stored score.

        Args:
            demand_id: id of a stored demand.
            expert_id: id of a stored expert.
            status: the new status.
            note: free text kept on the match and in the event.
            actor: who made the change (user name, ``system``, ``import`` …).
            score: ranking score to remember, if any.
            force: skip transition checks (for importing history from other systems).

        Raises:
            InvalidTransition: if the lifecycle does not allow the change.
            RecordNotFound: if the demand or expert does not exist.
        """
        new = MatchStatus(status)
        now = utc_now()
        with self._db.write() as conn:
            pair = (matches.c.demand_id == demand_id) & (matches.c.expert_id == expert_id)
            row = conn.execute(select(matches).where(pair).with_for_update()).mappings().first()
            current = None if row is None else MatchStatus(row["status"])
            if current is new:
                changes: dict[str, Any] = {"updated_at": now}
                if note:
                    changes["note"] = note
                if score is not None:
                    changes["score"] = score
                conn.execute(matches.update().where(pair).values(**changes))
            else:
                if not force:
                    check_transition(current, new)
                if row is None:
                    self._require_pair(conn, demand_id, expert_id)
                    conn.execute(
                        matches.insert().values(
                            demand_id=demand_id,
                            expert_id=expert_id,
                            status=new.value,
                            score=score,
                            note=note,
                            created_at=now,
                            updated_at=now,
                        )
                    )
                else:
                    changes = {"status": new.value, "updated_at": now}
                    if note:
                        changes["note"] = note
                    if score is not None:
                        changes["score"] = score
                    conn.execute(matches.update().where(pair).values(**changes))
                conn.execute(
                    match_events.insert().values(
                        demand_id=demand_id,
                        expert_id=expert_id,
                        from_status=None if current is None else current.value,
                        to_status=new.value,
                        note=note,
                        actor=actor,
                        at=now,
                    )
                )
            stored = conn.execute(select(matches).where(pair)).mappings().one()
        return object_from_row(Match, stored)

    @staticmethod
    def _require_pair(conn: Connection, demand_id: str, expert_id: str) -> None:
        for kind, id_ in (("demands", demand_id), ("experts", expert_id)):
            table = RECORD_TABLES[kind]
            if conn.execute(select(table.c.pk).where(table.c.id == id_)).first() is None:
                raise RecordNotFound(f"no {kind[:-1]} with id {id_!r}: import it before creating matches")

    def get(self, demand_id: str, expert_id: str) -> Match | None:
        """The match of a pair, or None."""
        query = select(matches).where((matches.c.demand_id == demand_id) & (matches.c.expert_id == expert_id))
        with self._db.read() as conn:
            row = conn.execute(query).mappings().first()
        return None if row is None else object_from_row(Match, row)

    def list(
        self,
        *,
        demand_id: str | None = None,
        expert_id: str | None = None,
        statuses: Iterable[MatchStatus | str] | None = None,
    ) -> builtins.list[Match]:
        """Matches filtered by demand, expert and/or statuses, oldest first."""
        query = select(matches).order_by(matches.c.pk)
        if demand_id is not None:
            query = query.where(matches.c.demand_id == demand_id)
        if expert_id is not None:
            query = query.where(matches.c.expert_id == expert_id)
        if statuses is not None:
            query = query.where(matches.c.status.in_([MatchStatus(s).value for s in statuses]))
        with self._db.read() as conn:
            return [object_from_row(Match, row) for row in conn.execute(query).mappings()]

    def history(self, demand_id: str, expert_id: str) -> builtins.list[MatchEvent]:
        """Every status change of a pair, oldest first."""
        query = (
            select(match_events)
            .where((match_events.c.demand_id == demand_id) & (match_events.c.expert_id == expert_id))
            .order_by(match_events.c.pk)
        )
        with self._db.read() as conn:
            return [object_from_row(MatchEvent, row) for row in conn.execute(query).mappings()]

    def open_engagements(self) -> dict[str, int]:
        """expert id → number of matches in contacted or negotiating (experts with none are absent)."""
        query = (
            select(matches.c.expert_id, func.count())
            .where(matches.c.status.in_([s.value for s in OPEN_STATUSES]))
            .group_by(matches.c.expert_id)
        )
        with self._db.read() as conn:
            return {expert_id: int(n) for expert_id, n in conn.execute(query)}
