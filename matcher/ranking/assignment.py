"""Capacity- and diversity-aware assignment of experts to demands for one batch run.

Problem: every demand has a ranked candidate list (deeper than the ``k`` experts it will receive).
Choose pairs ``x[d, e] ∈ {0, 1}`` maximising the total ranking score subject to

* at most ``k`` experts per demand,
* at most ``expert_cap`` demands per expert in one run (so a popular expert is not sent everywhere),
* at most ``org_limit`` experts of the same organisation per demand (diversity).

Why an LP, and when it is exact: without the organisation rows this is a bipartite b-matching, whose
constraint matrix is totally unimodular, so the LP optimum at a vertex is integral. The organisation
rows keep total unimodularity only while they are *laminar* with the demand rows, i.e. while every
expert belongs to at most one organisation (each demand's organisation rows then nest inside its
demand row, and the union of two laminar families is TU). Experts in several organisations
(overlapping groups, the normal case for 海外团体 memberships) break it, and the LP can be fractional.
So we solve the LP with the HiGHS dual simplex (a vertex solution), check integrality, and only when it
is fractional solve the same model as a 0/1 MILP (HiGHS branch and bound, exact). Should the MILP hit its
time limit, the LP solution is rounded and repaired greedily; the LP optimum is always reported as an
upper bound, so any gap is visible. The solution's ``method`` says which path produced it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

INTEGRALITY_TOLERANCE = 1e-6
AssignMethod = Literal["lp", "milp", "lp-round", "greedy", "empty"]
OrgKey = Literal["organizations", "affiliation"]


@dataclass(frozen=True)
class Candidate:
    """One (demand, expert) pair that may be proposed.

    Attributes:
        demand_id: the demand.
        expert_id: the expert.
        score: ranking score (higher is better); pairs scoring ≤ 0 are never proposed.
        groups: the expert's organisations for the diversity limit (may be several, or none).
        rank: position in the demand's ranked list (1 = best), for display.
    """

    demand_id: str
    expert_id: str
    score: float
    groups: tuple[str, ...] = ()
    rank: int = 0


@dataclass
class AssignmentProblem:
    """Inputs of one assignment.

    Args:
        candidates: ranked candidate pairs of every demand (duplicates of a pair keep the best score).
        k: experts per demand.
        expert_cap: demands per expert in this run (None = no cap).
        org_limit: experts of one organisation per demand (None = no limit).
    """

    candidates: Sequence[Candidate]
    k: int = 10
    expert_cap: int | None = 5
    org_limit: int | None = 2

    def __post_init__(self) -> None:
        for name in ("k", "expert_cap", "org_limit"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ValueError(f"AssignmentProblem.{name} must be ≥ 1 (or None for no limit), got {value}")


@dataclass
class Assignment:
    """The chosen pairs and what the caps cost.

    Attributes:
        chosen: chosen pairs, grouped by demand (first-seen order), best score first.
        method: ``lp`` (integral LP vertex), ``milp``, ``lp-round``, ``greedy`` or ``empty``.
        total_score: sum of the chosen scores.
        uncapped_score: sum of each demand's top-``k`` positive scores, ignoring caps and org limits.
        lp_bound: optimum of the LP relaxation (≥ the best integral total).
    """

    chosen: list[Candidate] = field(default_factory=list)
    method: AssignMethod = "empty"
    total_score: float = 0.0
    uncapped_score: float = 0.0
    lp_bound: float = 0.0

    @property
    def cost(self) -> float:
        """Score lost to the caps and limits, versus the uncapped lists."""
        return self.uncapped_score - self.total_score

    @property
    def cost_pct(self) -> float:
        """`cost` as a percentage of the uncapped score (0 when nothing was ranked)."""
        return 100.0 * self.cost / self.uncapped_score if self.uncapped_score > 0 else 0.0

    def by_demand(self) -> dict[str, list[Candidate]]:
        """Chosen pairs per demand id, best first."""
        grouped: dict[str, list[Candidate]] = defaultdict(list)
        for candidate in self.chosen:
            grouped[candidate.demand_id].append(candidate)
        return dict(grouped)


def expert_groups(expert: Any, org_key: OrgKey = "organizations") -> tuple[str, ...]:
    """Diversity groups of an expert: 海外团体 memberships, or the (case-folded) affiliation."""
    if org_key == "organizations":
        return tuple(dict.fromkeys(getattr(expert, "organizations", []) or []))
    affiliation = (getattr(expert, "affiliation", None) or "").strip().casefold()
    return (affiliation,) if affiliation else ()


def candidates_from_recommendations(
    demands: Sequence[Any], lists: Sequence[Sequence[Any]], org_key: OrgKey = "organizations"
) -> list[Candidate]:
    """Turn `Matcher.recommend_many` output (with records) into assignment candidates."""
    candidates = []
    for demand, recommendations in zip(demands, lists, strict=True):
        for r in recommendations:
            groups = expert_groups(r.record, org_key) if r.record is not None else ()
            candidates.append(Candidate(demand.id, r.id, float(r.score), groups, r.rank))
    return candidates


def _unique_positive(candidates: Iterable[Candidate]) -> list[Candidate]:
    best: dict[tuple[str, str], Candidate] = {}
    for c in candidates:
        key = (c.demand_id, c.expert_id)
        if c.score > 0 and (key not in best or c.score > best[key].score):
            best[key] = c
    return list(best.values())


def uncapped_score(candidates: Sequence[Candidate], k: int) -> float:
    """Sum of every demand's top-``k`` positive scores (the lists without any cap)."""
    per_demand: dict[str, list[float]] = defaultdict(list)
    for c in _unique_positive(candidates):
        per_demand[c.demand_id].append(c.score)
    return float(sum(sum(sorted(scores, reverse=True)[:k]) for scores in per_demand.values()))


def constraint_rows(
    problem: AssignmentProblem, pairs: Sequence[Candidate]
) -> tuple[sparse.csr_matrix, np.ndarray]:
    """``A x ≤ b`` of the assignment; rows that can never bind are left out."""
    rows: list[list[int]] = []
    limits: list[int] = []

    def add(groups: dict[Any, list[int]], limit: int | None) -> None:
        if limit is None:
            return
        for members in groups.values():
            if len(members) > limit:
                rows.append(members)
                limits.append(limit)

    by_demand: dict[str, list[int]] = defaultdict(list)
    by_expert: dict[str, list[int]] = defaultdict(list)
    by_demand_org: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, c in enumerate(pairs):
        by_demand[c.demand_id].append(i)
        by_expert[c.expert_id].append(i)
        for group in c.groups:
            by_demand_org[(c.demand_id, group)].append(i)
    add(by_demand, problem.k)
    add(by_expert, problem.expert_cap)
    add(by_demand_org, problem.org_limit)
    indptr = np.cumsum([0] + [len(r) for r in rows])
    indices = np.fromiter((i for r in rows for i in r), dtype=np.int64, count=int(indptr[-1]))
    matrix = sparse.csr_matrix((np.ones(len(indices)), indices, indptr), shape=(len(rows), len(pairs)))
    return matrix, np.asarray(limits, dtype=float)


def is_feasible(problem: AssignmentProblem, chosen: Sequence[Candidate]) -> bool:
    """True when ``chosen`` respects every limit of ``problem``."""
    matrix, limits = constraint_rows(problem, chosen)
    return bool(np.all(matrix @ np.ones(len(chosen)) <= limits + INTEGRALITY_TOLERANCE))


def greedy_assign(problem: AssignmentProblem, order: Sequence[Candidate] | None = None) -> list[Candidate]:
    """Add pairs best-first while every limit still holds (the fallback and a baseline)."""
    pairs = (
        list(order)
        if order is not None
        else sorted(_unique_positive(problem.candidates), key=lambda c: -c.score)
    )
    per_demand: dict[str, int] = defaultdict(int)
    per_expert: dict[str, int] = defaultdict(int)
    per_org: dict[tuple[str, str], int] = defaultdict(int)
    chosen = []
    for c in pairs:
        if per_demand[c.demand_id] >= problem.k:
            continue
        if problem.expert_cap is not None and per_expert[c.expert_id] >= problem.expert_cap:
            continue
        if problem.org_limit is not None and any(
            per_org[(c.demand_id, g)] >= problem.org_limit for g in c.groups
        ):
            continue
        chosen.append(c)
        per_demand[c.demand_id] += 1
        per_expert[c.expert_id] += 1
        for g in c.groups:
            per_org[(c.demand_id, g)] += 1
    return chosen


def assign(
    problem: AssignmentProblem, *, method: Literal["auto", "greedy"] = "auto", milp_time_limit: float = 60.0
) -> Assignment:
    """Solve the assignment (see the module docstring for the method and its guarantees).

    Args:
        problem: candidates and limits.
        method: ``auto`` (LP, MILP when fractional) or ``greedy`` (best-first, for comparison).
        milp_time_limit: seconds the MILP may take before falling back to LP rounding.

    Raises:
        RuntimeError: if the LP solver fails (it cannot be infeasible: choosing nothing is feasible).
    """
    pairs = _unique_positive(problem.candidates)
    result = Assignment(uncapped_score=uncapped_score(pairs, problem.k))
    if not pairs:
        return result
    scores = np.array([c.score for c in pairs])
    matrix, limits = constraint_rows(problem, pairs)
    chosen_mask: np.ndarray
    if method == "greedy":
        chosen = greedy_assign(problem)
        return _finish(result, problem, chosen, "greedy", lp_bound=float("nan"))
    if matrix.shape[0] == 0:  # no limit can bind: take everything
        return _finish(result, problem, pairs, "lp", lp_bound=float(scores.sum()))
    lp = linprog(-scores, A_ub=matrix, b_ub=limits, bounds=(0, 1), method="highs-ds")
    if lp.status != 0:
        raise RuntimeError(f"assignment LP failed: {lp.message}")
    x = np.asarray(lp.x)
    lp_bound = float(-lp.fun)
    if np.all(np.minimum(np.abs(x), np.abs(1 - x)) <= INTEGRALITY_TOLERANCE):
        chosen_mask = x > 0.5
        return _finish(
            result, problem, [c for c, keep in zip(pairs, chosen_mask, strict=True) if keep], "lp", lp_bound
        )
    exact = milp(
        -scores,
        constraints=LinearConstraint(matrix, -np.inf, limits),
        integrality=np.ones(len(pairs)),
        bounds=Bounds(0, 1),
        options={"time_limit": milp_time_limit, "mip_rel_gap": 0.0},
    )
    if exact.status == 0 and exact.x is not None:
        chosen_mask = np.asarray(exact.x) > 0.5
        return _finish(
            result, problem, [c for c, keep in zip(pairs, chosen_mask, strict=True) if keep], "milp", lp_bound
        )
    # round + repair: take pairs in order of LP weight, then score, while feasible
    order = sorted(range(len(pairs)), key=lambda i: (-x[i], -scores[i]))
    chosen = greedy_assign(problem, [pairs[i] for i in order])
    return _finish(result, problem, chosen, "lp-round", lp_bound)


def _finish(
    result: Assignment,
    problem: AssignmentProblem,
    chosen: list[Candidate],
    method: AssignMethod,
    lp_bound: float,
) -> Assignment:
    first_seen = {d: i for i, d in enumerate(dict.fromkeys(c.demand_id for c in problem.candidates))}
    result.chosen = sorted(chosen, key=lambda c: (first_seen[c.demand_id], -c.score, c.expert_id))
    result.method = method
    result.total_score = float(sum(c.score for c in chosen))
    result.lp_bound = lp_bound
    return result
