"""`EventBook`: the stored side of docking events — settings, slots, participants, rules, meetings.

Validation of what is written (known experts, demands and slots, one enterprise per demand) lives
here; `matcher.docking.service.EventService` adds planning on top.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from matcher.docking.base import Meeting, Slot
from matcher.docking.records import (
    KINDS,
    RULES,
    Agenda,
    EventError,
    EventInfo,
    PairRule,
    Participant,
    check_id,
)
from matcher.domain.records import Demand, Expert
from matcher.store import Row, Store, utc_now


def _participant(row: Row) -> Participant:
    slots = None if row["slots"] is None else tuple(json.loads(row["slots"]))
    return Participant(
        kind=row["kind"],
        id=row["participant_id"],
        name=row["name"],
        email=row["email"],
        remote=bool(row["remote"]),
        limit=row["meeting_limit"],
        priority=float(row["priority"]),
        slots=slots,
        demands=tuple(json.loads(row["demands"])),
        station_id=row["station_id"],
        cancelled=row["cancelled_at"] is not None,
    )


def _meeting(row: Row) -> Meeting:
    return Meeting(
        row["expert_id"],
        row["demand_id"],
        row["enterprise_id"],
        row["slot_id"],
        row["venue"],
        row["number"],
        row["weight"],
    )


class EventBook:
    """Docking events kept in ``store`` (reading and validated writing)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.rows = store.events

    # ---- reading -------------------------------------------------------------------------------
    def event(self, event_id: str) -> EventInfo:
        """The event's settings.

        Raises:
            EventError: for an unknown event.
        """
        row = self.rows.event_row(event_id)
        if row is None:
            raise EventError(f"no event {event_id!r} (create it with `haizhi event create`)")
        return EventInfo(
            id=row["id"],
            name=row["name"],
            expert_limit=row["expert_limit"],
            enterprise_limit=row["enterprise_limit"],
            top_n=row["top_n"],
            location=row["location"],
            planned_at=row["planned_at"],
            summary=json.loads(row["plan_summary"] or "{}"),
        )

    def events(self) -> list[EventInfo]:
        """Every event."""
        return [self.event(row["id"]) for row in self.rows.event_rows()]

    def slots(self, event_id: str) -> list[Slot]:
        """The event's slots in time order."""
        return [
            Slot(r["slot_id"], r["starts_at"], r["ends_at"], r["tables"], r["rooms"])
            for r in self.rows.slot_rows(event_id)
        ]

    def participants(self, event_id: str, *, include_cancelled: bool = True) -> list[Participant]:
        """The event's participants (experts first)."""
        found = [_participant(r) for r in self.rows.participant_rows(event_id)]
        found.sort(key=lambda p: (KINDS.index(p.kind), p.id))
        return [p for p in found if include_cancelled or not p.cancelled]

    def pair_rules(self, event_id: str) -> list[PairRule]:
        """Requested and forbidden pairs."""
        return [
            PairRule(r["expert_id"], r["demand_id"], r["rule"], r["bonus"])
            for r in self.rows.pair_rule_rows(event_id)
        ]

    def meetings(self, event_id: str) -> list[Meeting]:
        """The planned meetings."""
        order = {s.id: i for i, s in enumerate(self.slots(event_id))}
        found = [_meeting(r) for r in self.rows.meeting_rows(event_id)]
        return sorted(found, key=lambda m: (order.get(m.slot_id, 0), m.venue, m.number))

    def agenda(self, event_id: str) -> Agenda:
        """Everything the exports and the page show."""
        info = self.event(event_id)
        people = {(p.kind, p.id): p for p in self.participants(event_id)}
        meetings = self.meetings(event_id)
        expert_ids = sorted({i for k, i in people if k == "expert"})
        demand_ids = sorted({d for p in people.values() for d in p.demands})
        names = {
            e.id: e.name for e in self.store.records.get_many("experts", expert_ids) if isinstance(e, Expert)
        }
        titles = {
            d.id: d.title for d in self.store.records.get_many("demands", demand_ids) if isinstance(d, Demand)
        }
        return Agenda(info, self.slots(event_id), people, meetings, names, titles)

    # ---- writing -------------------------------------------------------------------------------
    def create(self, info: EventInfo, slots: Sequence[Slot]) -> EventInfo:
        """Create an event with its slots.

        Raises:
            EventError: if the id is taken or invalid, or a slot is malformed.
        """
        check_id(info.id, "event id")
        if self.rows.event_row(info.id) is not None:
            raise EventError(f"event {info.id!r} already exists")
        if not info.name.strip():
            raise EventError("an event needs a name")
        if info.top_n < 1:
            raise EventError("top_n must be at least 1")
        now = utc_now()
        with self.store.transaction():
            self.rows.insert_event(
                {
                    "id": info.id,
                    "name": info.name.strip(),
                    "expert_limit": info.expert_limit,
                    "enterprise_limit": info.enterprise_limit,
                    "top_n": info.top_n,
                    "location": info.location,
                    "created_at": now,
                    "updated_at": now,
                    "plan_summary": "{}",
                }
            )
            self.add_slots(info.id, slots)
        return self.event(info.id)

    def add_slots(self, event_id: str, slots: Sequence[Slot]) -> None:
        """Add (or change) slots.

        Raises:
            EventError: for an invalid id, an end not after the start, or negative capacities.
        """
        for slot in slots:
            check_id(slot.id, "slot id")
            if slot.ends_at <= slot.starts_at:
                raise EventError(
                    f"slot {slot.id}: ends at {slot.ends_at}, not after its start {slot.starts_at}"
                )
            if slot.tables < 0 or slot.rooms < 0:
                raise EventError(f"slot {slot.id}: tables and rooms cannot be negative")
        self.rows.upsert_slots(
            event_id,
            [
                {
                    "slot_id": s.id,
                    "starts_at": s.starts_at,
                    "ends_at": s.ends_at,
                    "tables": s.tables,
                    "rooms": s.rooms,
                }
                for s in slots
            ],
        )

    def add_participants(self, event_id: str, people: Iterable[Participant]) -> int:
        """Add or update participants; returns how many.

        Raises:
            EventError: naming the participant, for an unknown expert, demand or slot, a demand of
                another enterprise, or a bad kind or limit.
        """
        self.event(event_id)
        slot_ids = {s.id for s in self.slots(event_id)}
        owner = {d: p.id for p in self.participants(event_id) if p.kind == "enterprise" for d in p.demands}
        rows: list[dict[str, Any]] = []
        for person in people:
            where = f"{person.kind} {person.id}"
            if person.kind not in KINDS:
                raise EventError(f"{person.id}: kind {person.kind!r} is not one of {', '.join(KINDS)}")
            check_id(person.id, f"{person.kind} id")
            if person.limit is not None and person.limit < 0:
                raise EventError(f"{where}: limit: cannot be negative")
            unknown = sorted(set(person.slots or ()) - slot_ids)
            if unknown:
                raise EventError(
                    f"{where}: slots: unknown slot {unknown[0]!r} (the event has {len(slot_ids)} slots)"
                )
            name, email, station = person.name, person.email, person.station_id
            if person.kind == "expert":
                expert = self.store.records.get("experts", person.id)
                if not isinstance(expert, Expert):
                    raise EventError(f"{where}: id: no such expert in the database")
                name, email = name or expert.name, email or (expert.email or "")
            else:
                if not person.demands:
                    raise EventError(f"{where}: demands: an enterprise needs at least one demand")
                for demand_id in person.demands:
                    demand = self.store.records.get("demands", demand_id)
                    if not isinstance(demand, Demand):
                        raise EventError(f"{where}: demands: no such demand {demand_id!r} in the database")
                    if owner.get(demand_id, person.id) != person.id:
                        raise EventError(
                            f"{where}: demand {demand_id} is already brought by {owner[demand_id]}"
                        )
                    owner[demand_id] = person.id
                    station = station or demand.station_id
                    name = name or demand.enterprise or ""
            rows.append(
                {
                    "kind": person.kind,
                    "participant_id": person.id,
                    "name": name,
                    "email": email,
                    "remote": person.remote,
                    "meeting_limit": person.limit,
                    "priority": person.priority,
                    "slots": None if person.slots is None else json.dumps(list(person.slots)),
                    "demands": json.dumps(list(person.demands)),
                    "station_id": station,
                    "cancelled_at": utc_now() if person.cancelled else None,
                }
            )
        self.rows.upsert_participants(event_id, rows)
        return len(rows)

    def set_pair_rules(self, event_id: str, rules: Iterable[PairRule]) -> int:
        """Add or replace requested / forbidden pairs; returns how many.

        Raises:
            EventError: for an unknown rule.
        """
        self.event(event_id)
        rows = []
        for rule in rules:
            if rule.rule not in RULES:
                raise EventError(f"pair {rule.expert_id}–{rule.demand_id}: rule {rule.rule!r} not in {RULES}")
            rows.append(
                {
                    "expert_id": rule.expert_id,
                    "demand_id": rule.demand_id,
                    "rule": rule.rule,
                    "bonus": rule.bonus,
                }
            )
        self.rows.upsert_pair_rules(event_id, rows)
        return len(rows)
