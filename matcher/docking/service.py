"""`EventService`: docking events on the store — plan, cancel and re-plan (reading and writing: `EventBook`).

Planning scores candidate pairs with the real matcher (`matcher.docking.scoring`) and solves with a
`Planner` (`MilpPlanner` by default). Cancelling a participant or one meeting re-plans with every
unaffected meeting fixed in its slot and place, filling the freed capacity optimally.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence

from matcher.docking.base import Candidate, Meeting, Person, Plan, Planner, Problem
from matcher.docking.book import EventBook
from matcher.docking.milp import MilpPlanner
from matcher.docking.records import EventError, PairRule, Participant
from matcher.docking.scoring import ranked_participants
from matcher.domain.records import Demand
from matcher.service import Matcher
from matcher.store import Store, utc_now


class EventService(EventBook):
    """Docking events kept in ``store``, with planning.

    Args:
        store: the database.
        matcher: scores pairs (needed by `plan` and the cancel methods only).
        planner: solves plans (`MilpPlanner` when omitted).
    """

    def __init__(self, store: Store, matcher: Matcher | None = None, planner: Planner | None = None) -> None:
        super().__init__(store)
        self.matcher = matcher
        self.planner = planner or MilpPlanner()

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
        for (
            expert_id,
            demand_id,
        ), wanted in rules.items():  # requested pairs are candidates off the list too
            if wanted.rule != "forbid" and expert_id in experts and demand_id in enterprise_of:
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
            "objective": round(plan.objective, 6),
            "bound": round(plan.bound, 6),
            "gap": plan.gap,
            "status": plan.status,
            "seconds": round(plan.seconds, 3),
            "variables": plan.variables,
            "meetings": len(plan.meetings),
            "candidates": len(problem.candidates),
        }
        with self.store.transaction():
            self.rows.replace_meetings(
                event_id,
                [
                    {
                        "slot_id": m.slot_id,
                        "venue": m.venue,
                        "number": m.number,
                        "expert_id": m.expert_id,
                        "demand_id": m.demand_id,
                        "enterprise_id": m.enterprise_id,
                        "weight": m.weight,
                        "score": scores.get(m.pair, 0.0),
                        "created_at": now,
                    }
                    for m in plan.meetings
                ],
            )
            self.rows.update_event(
                event_id, {"planned_at": now, "updated_at": now, "plan_summary": json.dumps(summary)}
            )
        return plan
