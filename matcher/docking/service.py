"""`EventService`: docking events on the store — create, participants, plan, cancel, agenda.

Planning scores candidate pairs with the real matcher (`matcher.docking.scoring`) and solves with a
`Planner` (`MilpPlanner` by default). Cancelling a participant or one meeting re-plans with every
unaffected meeting fixed in its slot and place, filling the freed capacity optimally.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Sequence
from typing import Any

from matcher.docking.base import Candidate, Meeting, Person, Plan, Planner, Problem, Slot
from matcher.docking.milp import MilpPlanner
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
from matcher.docking.scoring import ranked_participants
from matcher.domain.records import Demand, Expert
from matcher.service import Matcher
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
        row["expert_id"], row["demand_id"], row["enterprise_id"], row["slot_id"], row["venue"],
        row["number"], row["weight"],
    )  # fmt: skip


class EventService:
    """Docking events kept in ``store``.

    Args:
        store: the database.
        matcher: scores pairs (needed by `plan` and the cancel methods only).
        planner: solves plans (`MilpPlanner` when omitted).
    """

    def __init__(self, store: Store, matcher: Matcher | None = None, planner: Planner | None = None) -> None:
        self.store = store
        self.rows = store.events
        self.matcher = matcher
        self.planner = planner or MilpPlanner()

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
            id=row["id"], name=row["name"], expert_limit=row["expert_limit"],
            enterprise_limit=row["enterprise_limit"], top_n=row["top_n"], location=row["location"],
            planned_at=row["planned_at"], summary=json.loads(row["plan_summary"] or "{}"),
        )  # fmt: skip

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
                {"id": info.id, "name": info.name.strip(), "expert_limit": info.expert_limit,
                 "enterprise_limit": info.enterprise_limit, "top_n": info.top_n, "location": info.location,
                 "created_at": now, "updated_at": now, "plan_summary": "{}"}
            )  # fmt: skip
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
            [{"slot_id": s.id, "starts_at": s.starts_at, "ends_at": s.ends_at, "tables": s.tables,
              "rooms": s.rooms} for s in slots],
        )  # fmt: skip

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
                {"kind": person.kind, "participant_id": person.id, "name": name, "email": email,
                 "remote": person.remote, "meeting_limit": person.limit, "priority": person.priority,
                 "slots": None if person.slots is None else json.dumps(list(person.slots)),
                 "demands": json.dumps(list(person.demands)), "station_id": station,
                 "cancelled_at": utc_now() if person.cancelled else None}
            )  # fmt: skip
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
            rows.append({"expert_id": rule.expert_id, "demand_id": rule.demand_id, "rule": rule.rule,
                         "bonus": rule.bonus})  # fmt: skip
        self.rows.upsert_pair_rules(event_id, rows)
        return len(rows)

    # ---- planning ------------------------------------------------------------------------------
    def problem(self, event_id: str, fixed: Sequence[Meeting] = ()) -> Problem:
        """The planning problem of the event: active participants, scored candidate pairs, rules."""
        if self.matcher is None:
            raise EventError("planning needs a matcher (EventService(store, matcher))")
        info = self.event(event_id)
        active = self.participants(event_id, include_cancelled=False)
        experts = {p.id: self._person(p, info.expert_limit) for p in active if p.kind == "expert"}
        enterprises = {p.id: self._person(p, info.enterprise_limit) for p in active if p.kind == "enterprise"}
        enterprise_of = {d: p.id for p in active if p.kind == "enterprise" for d in p.demands}
        rules = {(r.expert_id, r.demand_id): r for r in self.pair_rules(event_id)}
        demands = [
            d for d in self.store.records.get_many("demands", sorted(enterprise_of)) if isinstance(d, Demand)
        ]
        ranked = ranked_participants(self.matcher, demands, set(experts), info.top_n)
        scores = {(e, d): s for d, found in ranked.items() for e, s in found}
        for (expert_id, demand_id), rule in rules.items():  # requested pairs are candidates even off the list
            if rule.rule != "forbid" and expert_id in experts and demand_id in enterprise_of:
                scores.setdefault((expert_id, demand_id), 0.0)
        candidates = []
        for (expert_id, demand_id), score in sorted(scores.items()):
            rule = rules.get((expert_id, demand_id))
            if rule is not None and rule.rule == "forbid":
                continue
            bonus = rule.bonus if rule is not None else 0.0
            required = rule is not None and rule.rule == "require"
            candidates.append(
                Candidate(expert_id, demand_id, enterprise_of[demand_id], score, bonus, required)
            )
        return Problem(self.slots(event_id), experts, enterprises, candidates, list(fixed))

    @staticmethod
    def _person(p: Participant, default_limit: int | None) -> Person:
        slots = None if p.slots is None else frozenset(p.slots)
        limit = p.limit if p.limit is not None else default_limit
        return Person(p.id, limit=limit, slots=slots, priority=p.priority, remote=p.remote)

    def plan(self, event_id: str) -> Plan:
        """Plan the whole event anew (existing meetings are discarded) and store it."""
        return self._solve_and_store(event_id, self.problem(event_id))

    def cancel_participant(self, event_id: str, kind: str, participant_id: str) -> Plan:
        """Cancel a participant; every other meeting stays in its slot and place, freed capacity is refilled.

        Raises:
            EventError: for an unknown participant.
        """
        person = next(
            (p for p in self.participants(event_id) if (p.kind, p.id) == (kind, participant_id)), None
        )
        if person is None:
            raise EventError(f"event {event_id} has no {kind} {participant_id!r}")
        self.add_participants(event_id, [dataclasses.replace(person, cancelled=True)])
        owner = "expert_id" if kind == "expert" else "enterprise_id"
        kept = [m for m in self.meetings(event_id) if getattr(m, owner) != participant_id]
        return self._solve_and_store(event_id, self.problem(event_id, kept))

    def cancel_meeting(self, event_id: str, expert_id: str, demand_id: str) -> Plan:
        """Cancel one meeting (the pair is then forbidden) and refill its place; others stay.

        Raises:
            EventError: if no such meeting is planned.
        """
        meetings = self.meetings(event_id)
        if not any(m.pair == (expert_id, demand_id) for m in meetings):
            raise EventError(
                f"event {event_id} has no meeting of expert {expert_id} about demand {demand_id}"
            )
        self.set_pair_rules(event_id, [PairRule(expert_id, demand_id, "forbid")])
        kept = [m for m in meetings if m.pair != (expert_id, demand_id)]
        return self._solve_and_store(event_id, self.problem(event_id, kept))

    def _solve_and_store(self, event_id: str, problem: Problem) -> Plan:
        plan = self.planner.plan(problem)
        scores = {(c.expert_id, c.demand_id): c.score for c in problem.candidates}
        now = utc_now()
        summary = {
            "objective": round(plan.objective, 6), "bound": round(plan.bound, 6), "gap": plan.gap,
            "status": plan.status, "seconds": round(plan.seconds, 3), "variables": plan.variables,
            "meetings": len(plan.meetings), "candidates": len(problem.candidates),
        }  # fmt: skip
        with self.store.transaction():
            self.rows.replace_meetings(
                event_id,
                [{"slot_id": m.slot_id, "venue": m.venue, "number": m.number, "expert_id": m.expert_id,
                  "demand_id": m.demand_id, "enterprise_id": m.enterprise_id, "weight": m.weight,
                  "score": scores.get(m.pair, 0.0), "created_at": now} for m in plan.meetings],
            )  # fmt: skip
            self.rows.update_event(
                event_id, {"planned_at": now, "updated_at": now, "plan_summary": json.dumps(summary)}
            )
        return plan
