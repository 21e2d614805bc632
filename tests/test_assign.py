"""Capacity/diversity assignment: limits hold, and the solver is optimal against brute force."""

from __future__ import annotations

import itertools
import random
from collections import Counter

import pytest

from matcher.ranking.assignment import (
    AssignmentProblem,
    Candidate,
    assign,
    greedy_assign,
    is_feasible,
    uncapped_score,
)


def brute_force(problem: AssignmentProblem) -> float:
    """Best feasible total over every subset of candidates (tiny instances only)."""
    pairs = [c for c in problem.candidates if c.score > 0]
    best = 0.0
    for size in range(len(pairs) + 1):
        for subset in itertools.combinations(pairs, size):
            if _within_limits(problem, subset):
                best = max(best, sum(c.score for c in subset))
    return best


def _within_limits(problem: AssignmentProblem, chosen: tuple[Candidate, ...]) -> bool:
    """Independent check of the limits by counting (not the solver's constraint matrix)."""
    if len({(c.demand_id, c.expert_id) for c in chosen}) < len(chosen):
        return False
    demands = Counter(c.demand_id for c in chosen)
    experts = Counter(c.expert_id for c in chosen)
    orgs = Counter((c.demand_id, g) for c in chosen for g in c.groups)
    return (
        max(demands.values(), default=0) <= problem.k
        and (problem.expert_cap is None or max(experts.values(), default=0) <= problem.expert_cap)
        and (problem.org_limit is None or max(orgs.values(), default=0) <= problem.org_limit)
    )


def random_instance(seed: int, *, overlapping: bool) -> AssignmentProblem:
    rng = random.Random(seed)
    demands, experts = rng.randint(1, 3), rng.randint(2, 5)
    orgs = ["A", "B", "C"]
    groups = {
        f"e{j}": tuple(rng.sample(orgs, rng.randint(0, 2) if overlapping else rng.randint(0, 1)))
        for j in range(experts)
    }
    candidates = [
        Candidate(f"d{d}", f"e{j}", round(rng.uniform(0.05, 1.0), 2), groups[f"e{j}"])
        for d in range(demands)
        for j in rng.sample(range(experts), rng.randint(1, experts))
    ][:11]
    org_limit = 1 if overlapping else rng.randint(1, 2)
    return AssignmentProblem(
        candidates, k=rng.randint(1, 3), expert_cap=rng.randint(1, 2), org_limit=org_limit
    )


def test_fractional_lp_is_solved_exactly_by_the_milp() -> None:
    # three experts pairwise sharing an organisation (an odd cycle) + one in two of them: the LP puts
    # 0.5 on the triangle (bound 0.975) although only one expert of them can be chosen
    candidates = [
        Candidate("d0", "e0", 0.69, ("C", "B")),
        Candidate("d0", "e2", 0.31, ("C", "A")),
        Candidate("d0", "e1", 0.42, ("A", "B")),
        Candidate("d0", "e3", 0.84, ("C", "A")),
    ]
    problem = AssignmentProblem(candidates, k=2, expert_cap=2, org_limit=1)
    result = assign(problem)
    assert result.method == "milp"
    assert result.lp_bound == pytest.approx(0.975)
    assert result.total_score == pytest.approx(brute_force(problem)) == pytest.approx(0.84)
    assert [c.expert_id for c in result.chosen] == ["e3"]


@pytest.mark.parametrize("overlapping", [True, False])
def test_solver_matches_brute_force_on_random_tiny_instances(overlapping: bool) -> None:
    methods: Counter[str] = Counter()
    for seed in range(400):
        problem = random_instance(seed, overlapping=overlapping)
        result = assign(problem)
        methods[result.method] += 1
        assert _within_limits(problem, tuple(result.chosen)), seed
        assert result.total_score == pytest.approx(brute_force(problem), abs=1e-9), seed
        assert result.total_score <= result.lp_bound + 1e-9
        assert result.lp_bound <= result.uncapped_score + 1e-9
        greedy = sum(c.score for c in greedy_assign(problem))
        assert greedy <= result.total_score + 1e-9
    if not overlapping:
        # one organisation per expert keeps the constraint matrix totally unimodular: LP is integral
        assert set(methods) <= {"lp"}, methods
    else:
        assert methods["milp"] > 0, methods


def test_caps_and_org_limit_hold_and_their_cost_is_reported() -> None:
    rng = random.Random(3)
    experts = [f"e{j:02d}" for j in range(25)]
    popular = experts[:4]  # everyone's top choices
    orgs = {e: (f"org{j % 5}", f"assoc{j % 3}") for j, e in enumerate(experts)}
    candidates = []
    for d in range(30):
        picks = popular + rng.sample(experts[4:], 16)
        for rank, e in enumerate(picks, start=1):
            score = (2.0 if e in popular else 1.0) + rng.uniform(0, 0.5)
            candidates.append(Candidate(f"d{d:02d}", e, round(score, 3), orgs[e], rank))
    problem = AssignmentProblem(candidates, k=6, expert_cap=5, org_limit=2)
    result = assign(problem)
    per_expert = Counter(c.expert_id for c in result.chosen)
    assert max(per_expert.values()) <= 5
    assert all(per_expert[e] == 5 for e in popular), "the cap binds exactly for the popular experts"
    for demand, chosen in result.by_demand().items():
        assert len(chosen) <= 6
        for group, count in Counter(g for c in chosen for g in c.groups).items():
            assert count <= 2, (demand, group)
        assert [c.score for c in chosen] == sorted((c.score for c in chosen), reverse=True)
    assert result.uncapped_score == pytest.approx(uncapped_score(candidates, 6))
    assert result.cost > 0 and 0 < result.cost_pct < 100
    assert result.total_score <= result.lp_bound + 1e-6
    uncapped = assign(AssignmentProblem(candidates, k=6, expert_cap=None, org_limit=None))
    assert uncapped.total_score == pytest.approx(uncapped.uncapped_score)
    assert uncapped.cost == pytest.approx(0.0)
    greedy = assign(problem, method="greedy")
    assert is_feasible(problem, greedy.chosen) and greedy.total_score <= result.total_score + 1e-9


def test_greedy_is_suboptimal_where_the_solver_is_not() -> None:
    # greedy takes e0 for d0 (0.9), then e0 is capped and d1 gets nothing; optimum swaps
    candidates = [
        Candidate("d0", "e0", 0.9),
        Candidate("d0", "e1", 0.8),
        Candidate("d1", "e0", 0.85),
    ]
    problem = AssignmentProblem(candidates, k=1, expert_cap=1, org_limit=None)
    assert sum(c.score for c in greedy_assign(problem)) == pytest.approx(0.9)
    assert assign(problem).total_score == pytest.approx(1.65) == pytest.approx(brute_force(problem))


def test_duplicates_non_positive_scores_and_bad_limits() -> None:
    candidates = [Candidate("d0", "e0", 0.5), Candidate("d0", "e0", 0.7), Candidate("d0", "e1", -0.2)]
    result = assign(AssignmentProblem(candidates, k=3))
    assert [(c.expert_id, c.score) for c in result.chosen] == [("e0", 0.7)]
    assert assign(AssignmentProblem([], k=3)).method == "empty"
    with pytest.raises(ValueError, match="expert_cap must be ≥ 1"):
        AssignmentProblem(candidates, expert_cap=0)
