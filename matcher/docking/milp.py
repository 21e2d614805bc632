"""`MilpPlanner`: the exact time-indexed model, solved by HiGHS through `scipy.optimize.milp`.

One binary ``x[c, s]`` per candidate pair ``c`` and slot ``s`` where both people are available and
the slot has a venue of the pair's kind. Maximise ``Σ weight(c) · x[c, s]`` subject to

- each pair meets at most once (exactly once when required);
- each expert, and each enterprise (whatever demand it brings), meets at most once per slot;
- the meetings of a slot fit its tables (on-site experts) and rooms (remote experts);
- each expert and each enterprise has at most its meeting limit;
- an expert meets an enterprise at most once, even when two of its demands are candidates.

Fixed meetings (kept on re-planning) are placed first: they use up their people's slots, their limits
and their slot's capacity, and the model fills what is left. Only candidate pairs get variables (the
caller keeps the top-N experts per demand), which keeps 200 experts × 300 demands × 24 slots small.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from typing import Any

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array

from matcher.docking.base import Candidate, Meeting, Plan, Planner, PlanningError, Problem
from matcher.docking.numbering import number_meetings

_STATUS = {0: "optimal", 1: "time_limit", 2: "infeasible", 3: "unbounded", 4: "error"}


class MilpPlanner(Planner):
    """Exact planner (HiGHS branch and bound).

    Args:
        time_limit: seconds before HiGHS returns its best plan (status ``time_limit``).
        mip_rel_gap: relative gap at which HiGHS stops; the default proves optimality to 1e-9.
    """

    def __init__(self, time_limit: float = 600.0, mip_rel_gap: float = 1e-9) -> None:
        self.time_limit = time_limit
        self.mip_rel_gap = mip_rel_gap

    def plan(self, problem: Problem) -> Plan:
        """Solve ``problem``; fixed meetings are kept and the rest is optimal (see the module)."""
        started = time.perf_counter()
        used_slots: set[tuple[str, str]] = set()  # (person key, slot) taken by fixed meetings
        used_capacity: Counter[tuple[str, str]] = Counter()  # (slot, venue)
        used_limit: Counter[str] = Counter()
        met: set[tuple[str, str]] = set()  # (expert, enterprise) already meeting
        for m in problem.fixed:
            used_slots |= {("e:" + m.expert_id, m.slot_id), ("o:" + m.enterprise_id, m.slot_id)}
            used_capacity[(m.slot_id, m.venue)] += 1
            used_limit.update(["e:" + m.expert_id, "o:" + m.enterprise_id])
            met.add((m.expert_id, m.enterprise_id))
        free = [c for c in problem.candidates if (c.expert_id, c.enterprise_id) not in met]
        for c in problem.candidates:
            if c.required and (c.expert_id, c.enterprise_id) in met and not _is_fixed(problem, c):
                raise PlanningError(f"required pair {c.expert_id}–{c.demand_id}: they already meet")
        variables: list[tuple[int, int]] = []  # (candidate, slot) per column
        for ci, c in enumerate(free):  # pairs of fixed meetings are not free: their (expert, enterprise) met
            expert = problem.experts[c.expert_id]
            enterprise = problem.enterprises[c.enterprise_id]
            venue = problem.venue(c.expert_id)
            for si, slot in enumerate(problem.slots):
                if (
                    expert.available(slot.id)
                    and enterprise.available(slot.id)
                    and ("e:" + c.expert_id, slot.id) not in used_slots
                    and ("o:" + c.enterprise_id, slot.id) not in used_slots
                    and slot.capacity(venue) - used_capacity[(slot.id, venue)] > 0
                ):
                    variables.append((ci, si))
        rows = _Rows(len(variables))
        for column, (ci, si) in enumerate(variables):
            c, slot = free[ci], problem.slots[si]
            rows.add(("pair", ci), column)
            rows.add(("expert-slot", c.expert_id, slot.id), column)
            rows.add(("enterprise-slot", c.enterprise_id, slot.id), column)
            rows.add(("capacity", slot.id, problem.venue(c.expert_id)), column)
            rows.add(("expert", c.expert_id), column)
            rows.add(("enterprise", c.enterprise_id), column)
            rows.add(("meet", c.expert_id, c.enterprise_id), column)
        upper = {k: 1.0 for k in rows.members if k[0] in ("pair", "expert-slot", "enterprise-slot", "meet")}
        lower: dict[tuple[Any, ...], float] = {}
        for ci, c in enumerate(free):
            if c.required and not _is_fixed(problem, c):
                if ("pair", ci) not in rows.members:
                    raise PlanningError(
                        f"required pair {c.expert_id}–{c.demand_id} has no common free slot with capacity"
                    )
                lower[("pair", ci)] = 1.0
        slots_by_id = {s.id: s for s in problem.slots}
        for key in rows.members:
            if key[0] == "capacity":
                upper[key] = slots_by_id[key[1]].capacity(key[2]) - used_capacity[(key[1], key[2])]
            elif key[0] in ("expert", "enterprise"):
                person = (problem.experts if key[0] == "expert" else problem.enterprises)[key[1]]
                if person.limit is not None:
                    prefix = "e:" if key[0] == "expert" else "o:"
                    upper[key] = person.limit - used_limit[prefix + key[1]]
        weights = np.array([problem.weight(free[ci]) for ci, _ in variables], dtype=float)
        meetings = list(problem.fixed)
        objective, bound, status, message = 0.0, 0.0, "optimal", "no free variables"
        if variables:
            constraint, kept = rows.constraint(lower, upper)
            result = milp(
                -weights,
                integrality=np.ones(len(variables)),
                bounds=Bounds(0, 1),
                constraints=[constraint] if kept else [],
                options={"time_limit": self.time_limit, "mip_rel_gap": self.mip_rel_gap, "presolve": True},
            )
            status, message = _STATUS.get(result.status, "error"), str(result.message)
            if result.x is None:
                raise PlanningError(f"no feasible plan: {message}")
            chosen = np.flatnonzero(result.x > 0.5)
            objective = float(weights[chosen].sum())
            dual = getattr(result, "mip_dual_bound", None)
            bound = objective if dual is None or not np.isfinite(dual) else max(objective, -float(dual))
            meetings += [
                _meeting(problem, free[variables[j][0]], problem.slots[variables[j][1]].id) for j in chosen
            ]
        else:
            missing = [c for c in free if c.required and not _is_fixed(problem, c)]
            if missing:
                raise PlanningError(
                    f"required pair {missing[0].expert_id}–{missing[0].demand_id} cannot meet"
                )
        fixed_weight = sum(m.weight for m in problem.fixed)
        return Plan(
            meetings=number_meetings(meetings, problem.slots),
            objective=objective + fixed_weight,
            bound=bound + fixed_weight,
            status=status,
            seconds=time.perf_counter() - started,
            variables=len(variables),
            message=message,
        )


def _is_fixed(problem: Problem, candidate: Candidate) -> bool:
    return any(m.pair == (candidate.expert_id, candidate.demand_id) for m in problem.fixed)


def _meeting(problem: Problem, c: Candidate, slot_id: str) -> Meeting:
    venue = problem.venue(c.expert_id)
    return Meeting(c.expert_id, c.demand_id, c.enterprise_id, slot_id, venue, 0, problem.weight(c))


class _Rows:
    """Sparse constraint rows keyed by what they constrain; a key's row is the sum of its columns."""

    def __init__(self, columns: int) -> None:
        self.columns = columns
        self.members: dict[tuple[Any, ...], list[int]] = defaultdict(list)

    def add(self, key: tuple[Any, ...], column: int) -> None:
        self.members[key].append(column)

    def constraint(
        self, lower: dict[tuple[Any, ...], float], upper: dict[tuple[Any, ...], float]
    ) -> tuple[LinearConstraint, int]:
        """Rows that can bind (an upper bound below their size, or a lower bound), as one constraint."""
        row_ids: list[int] = []
        col_ids: list[int] = []
        lows: list[float] = []
        highs: list[float] = []
        for key, columns in self.members.items():
            high = upper.get(key, np.inf)
            low = lower.get(key, 0.0)
            if high >= len(columns) and low <= 0:
                continue  # never binds
            row = len(lows)
            row_ids += [row] * len(columns)
            col_ids += columns
            lows.append(low)
            highs.append(max(high, 0.0))
        shape = (max(len(lows), 1), self.columns)
        matrix = coo_array((np.ones(len(row_ids)), (row_ids, col_ids)), shape=shape).tocsr()
        if not lows:
            return LinearConstraint(matrix, -np.inf, np.inf), 0
        return LinearConstraint(matrix, np.array(lows), np.array(highs)), len(lows)
