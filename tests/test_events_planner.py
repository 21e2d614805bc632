"""The meeting planner (HiGHS MILP) against brute force on small random events, and its constraints."""

from __future__ import annotations

import itertools
import random
from collections import Counter
from datetime import datetime, timedelta

import pytest

from matcher.docking import Candidate, Meeting, MilpPlanner, Person, Plan, PlanningError, Problem, Slot

T0 = datetime(2026, 6, 1, 9, 0)


def slots(n: int, tables: int = 1, rooms: int = 0) -> list[Slot]:
    return [
        Slot(f"S{i}", T0 + timedelta(minutes=30 * i), T0 + timedelta(minutes=30 * i + 25), tables, rooms)
        for i in range(n)
    ]


def feasible(problem: Problem, meetings: list[Meeting]) -> bool:
    """Every rule checked directly on a list of meetings (independent of the model)."""
    by_slot = {s.id: s for s in problem.slots}
    if len({m.pair for m in meetings}) < len(meetings):
        return False
    if len({(m.expert_id, m.enterprise_id) for m in meetings}) < len(meetings):
        return False
    for key in (lambda m: (m.expert_id, m.slot_id), lambda m: (m.enterprise_id, m.slot_id)):
        if max(Counter(map(key, meetings)).values(), default=0) > 1:
            return False
    for (slot_id, venue), n in Counter((m.slot_id, m.venue) for m in meetings).items():
        if n > by_slot[slot_id].capacity(venue):
            return False
    for people, attr in ((problem.experts, "expert_id"), (problem.enterprises, "enterprise_id")):
        counts = Counter(getattr(m, attr) for m in meetings)
        for pid, person in people.items():
            if person.limit is not None and counts[pid] > person.limit:
                return False
    for m in meetings:
        if not problem.experts[m.expert_id].available(m.slot_id):
            return False
        if not problem.enterprises[m.enterprise_id].available(m.slot_id):
            return False
        if m.venue != problem.venue(m.expert_id):
            return False
    pairs = {m.pair for m in meetings}
    if any(c.required and (c.expert_id, c.demand_id) not in pairs for c in problem.candidates):
        return False
    fixed = {(m.pair, m.slot_id) for m in problem.fixed}
    return fixed <= {(m.pair, m.slot_id) for m in meetings}


def brute_force(problem: Problem) -> float | None:
    """Best objective over every assignment of each candidate to no slot or one slot."""
    best: float | None = None
    fixed_pairs = {m.pair for m in problem.fixed}
    free = [c for c in problem.candidates if (c.expert_id, c.demand_id) not in fixed_pairs]
    choices = [None, *problem.slots]
    for assignment in itertools.product(choices, repeat=len(free)):
        meetings = list(problem.fixed)
        for c, slot in zip(free, assignment, strict=True):
            if slot is not None:
                venue = problem.venue(c.expert_id)
                meetings.append(Meeting(c.expert_id, c.demand_id, c.enterprise_id, slot.id, venue, 1, 0))
        if feasible(problem, meetings):
            value = sum(problem.weight(c) for c, s in zip(free, assignment, strict=True) if s is not None)
            value += sum(m.weight for m in problem.fixed)
            best = value if best is None or value > best else best
    return best


def random_problem(rng: random.Random, with_fixed: bool = False) -> Problem:
    n_slots = rng.randint(2, 3)
    event_slots = [
        Slot(
            f"S{i}",
            T0 + timedelta(hours=i),
            T0 + timedelta(hours=i, minutes=30),
            rng.randint(0, 2),
            rng.randint(0, 1),
        )
        for i in range(n_slots)
    ]
    ids = [s.id for s in event_slots]

    def window() -> frozenset[str] | None:
        return frozenset(rng.sample(ids, rng.randint(1, n_slots))) if rng.random() < 0.4 else None

    experts = {
        f"E{i}": Person(
            f"E{i}",
            limit=rng.choice([None, 1, 2]),
            slots=window(),
            remote=rng.random() < 0.3,
            priority=rng.choice([0.0, 0.0, 0.2]),
        )
        for i in range(rng.randint(2, 4))
    }
    enterprises = {
        f"O{i}": Person(f"O{i}", limit=rng.choice([None, 1, 2]), slots=window())
        for i in range(rng.randint(1, 3))
    }
    candidates: list[Candidate] = []
    pairs = [(e, f"D{d}") for e in experts for d in range(4)]
    for expert_id, demand_id in rng.sample(pairs, rng.randint(3, 6)):
        enterprise_id = f"O{int(demand_id[1:]) % len(enterprises)}"
        score = round(rng.uniform(-0.2, 1.0), 3)
        candidates.append(
            Candidate(expert_id, demand_id, enterprise_id, score, bonus=rng.choice([0, 0, 0.5]))
        )
    return Problem(event_slots, experts, enterprises, candidates)


@pytest.mark.parametrize("seed", range(60))
def test_optimal_objective_equals_brute_force(seed: int) -> None:
    rng = random.Random(seed)
    problem = random_problem(rng)
    if seed % 3 == 0:  # a required pair
        c = problem.candidates[0]
        problem.candidates = [
            Candidate(c.expert_id, c.demand_id, c.enterprise_id, c.score, required=True),
            *problem.candidates[1:],
        ]
    best = brute_force(problem)
    if best is None:
        with pytest.raises(PlanningError):
            MilpPlanner().plan(problem)
        return
    plan = MilpPlanner().plan(problem)
    assert plan.status == "optimal"
    assert plan.objective == pytest.approx(best, abs=1e-9)
    assert feasible(problem, plan.meetings)
    assert plan.objective == pytest.approx(sum(m.weight for m in plan.meetings))


@pytest.mark.parametrize("seed", range(20))
def test_fixed_meetings_stay_and_the_rest_is_optimal(seed: int) -> None:
    rng = random.Random(1000 + seed)
    problem = random_problem(rng)
    first = MilpPlanner().plan(problem)
    if not first.meetings:
        return
    kept = rng.sample(first.meetings, rng.randint(1, len(first.meetings)))
    dropped = set(problem.experts) - {m.expert_id for m in kept}
    problem.fixed = kept
    problem.experts = {k: v for k, v in problem.experts.items() if k not in list(dropped)[:1]}
    problem.candidates = [c for c in problem.candidates if c.expert_id in problem.experts]
    plan = MilpPlanner().plan(problem)
    places = {(m.pair, m.slot_id, m.venue, m.number) for m in plan.meetings}
    assert {(m.pair, m.slot_id, m.venue, m.number) for m in kept} <= places
    assert plan.objective == pytest.approx(brute_force(problem), abs=1e-9)


def test_one_meeting_per_enterprise_per_slot_across_its_demands() -> None:
    experts = {"E1": Person("E1"), "E2": Person("E2")}
    problem = Problem(
        slots(1, tables=5),
        experts,
        {"O1": Person("O1")},
        [Candidate("E1", "D1", "O1", 1.0), Candidate("E2", "D2", "O1", 0.9)],
    )
    plan = MilpPlanner().plan(problem)
    assert [m.pair for m in plan.meetings] == [("E1", "D1")]
    problem.slots = slots(2, tables=5)
    assert len(MilpPlanner().plan(problem).meetings) == 2


def test_tables_limits_remote_rooms_and_priorities() -> None:
    experts = {f"E{i}": Person(f"E{i}", limit=1) for i in range(3)} | {"R": Person("R", remote=True)}
    enterprises = {f"O{i}": Person(f"O{i}") for i in range(4)}
    candidates = [Candidate(e, f"D{o}", f"O{o}", 1.0 + 0.01 * o) for e in experts for o in range(4)]
    problem = Problem(slots(2, tables=1, rooms=1), experts, enterprises, candidates)
    plan = MilpPlanner().plan(problem)
    assert feasible(problem, plan.meetings)
    assert Counter(m.venue for m in plan.meetings) == {"table": 2, "room": 2}
    assert all(m.venue == "room" for m in plan.meetings if m.expert_id == "R")
    # a priority makes the low-scored enterprise O0 be met by the on-site experts
    enterprises["O0"] = Person("O0", priority=5.0)
    plan = MilpPlanner().plan(problem)
    assert sum(m.enterprise_id == "O0" for m in plan.meetings) == 2


def test_required_pair_is_met_and_impossible_one_is_refused() -> None:
    experts = {"E1": Person("E1")}
    enterprises = {"O1": Person("O1"), "O2": Person("O2")}
    problem = Problem(
        slots(1),
        experts,
        enterprises,
        [Candidate("E1", "D1", "O1", 1.0), Candidate("E1", "D2", "O2", 0.1, required=True)],
    )
    plan = MilpPlanner().plan(problem)
    assert [m.pair for m in plan.meetings] == [("E1", "D2")]
    enterprises["O2"] = Person("O2", slots=frozenset())
    with pytest.raises(PlanningError, match="E1–D2"):
        MilpPlanner().plan(problem)


def test_plan_reports_gap_and_numbers_tables() -> None:
    experts = {f"E{i}": Person(f"E{i}") for i in range(4)}
    enterprises = {f"O{i}": Person(f"O{i}") for i in range(4)}
    candidates = [
        Candidate(f"E{i}", f"D{j}", f"O{j}", 0.5 + 0.1 * ((i + j) % 3)) for i in range(4) for j in range(4)
    ]
    plan: Plan = MilpPlanner().plan(Problem(slots(3, tables=3), experts, enterprises, candidates))
    assert plan.gap == 0.0 and plan.status == "optimal"
    for slot_id in {m.slot_id for m in plan.meetings}:
        numbers = sorted(m.number for m in plan.meetings if m.slot_id == slot_id)
        assert numbers == list(range(1, len(numbers) + 1))
