"""Plan one nightly run: which demands, which new experts, grouped per base and station.

Steps: open demands of active stations → route each to its base (station ``parent_id``) → one batched
match (`Matcher.recommend_many`, deeper than ``k``) → drop pairs already sent or already in the match
lifecycle → capacity/diversity assignment (`matcher.ranking.assignment`) → per-base digests.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from embeddings.progress import progress
from matcher.domain.records import Demand, Expert, MatchStatus, Site, SiteKind
from matcher.ranking.assignment import Assignment, AssignmentProblem, Candidate, OrgKey, assign, expert_groups
from matcher.retrieval.corpus import OPEN_DEMAND_STATUSES
from matcher.service import Matcher, Recommendation
from pipelines.distributed import Engine, LocalEngine
from pipelines.nightly.ledger import NightlyLedger

_MATCH_BLOCK = 256  # demands per batched match: one step of the progress bar

BASE_KINDS = (SiteKind.BASE, SiteKind.OFFSHORE_BASE)
CLOSED_STATUSES = (MatchStatus.DECLINED, MatchStatus.NO_RESPONSE)
"""Lifecycle outcomes that take a pair out of the ranking (a replacement may move up)."""


@dataclass
class MatchRow:
    """One proposed expert for one demand, as shown in the e-mail and the XLSX."""

    expert_id: str
    name: str
    name_en: str
    affiliation: str
    country: str
    score: float
    list_rank: int
    reason_zh: str
    reason_en: str


@dataclass
class DemandSection:
    """A demand and its new experts."""

    demand: Demand
    rows: list[MatchRow]


@dataclass
class StationSection:
    """A station's demands that have new experts."""

    station: Site
    demands: list[DemandSection]


@dataclass
class BaseDigest:
    """Everything one base receives in one run."""

    base: Site
    stations: list[StationSection] = field(default_factory=list)

    @property
    def pairs(self) -> list[tuple[str, str, float]]:
        """(demand id, expert id, score) of every row."""
        return [
            (section.demand.id, row.expert_id, row.score)
            for station in self.stations
            for section in station.demands
            for row in section.rows
        ]

    @property
    def demand_count(self) -> int:
        """Demands with at least one new expert."""
        return sum(len(s.demands) for s in self.stations)

    @property
    def expert_count(self) -> int:
        """Distinct experts proposed."""
        return len({expert for _, expert, _ in self.pairs})


@dataclass
class NightlyPlan:
    """Per-base digests and the figures of the matching and assignment."""

    digests: list[BaseDigest]
    assignment: Assignment
    counts: dict[str, float | int | str]


@dataclass
class Routing:
    """Bases, stations and the open demands routed to them."""

    bases: dict[str, Site]
    stations: dict[str, Site]
    demands: list[Demand]
    unrouted: int


def route_demands(matcher: Matcher, run_date: date, *, base_filter: str | None = None) -> Routing:
    """Open, not expired demands of active stations, each under an active base.

    Raises:
        ValueError: if ``base_filter`` names no active base.
    """
    sites = [s for s in matcher.store.records.list("sites") if isinstance(s, Site)]
    bases = {s.id: s for s in sites if s.kind in BASE_KINDS and s.active}
    if base_filter is not None and base_filter not in bases:
        raise ValueError(
            f"--base {base_filter!r}: no active base (海智基地) with that id; "
            f"known: {', '.join(sorted(bases))}"
        )
    stations = {s.id: s for s in sites if s.kind is SiteKind.STATION and s.active}
    chosen, unrouted = [], 0
    for demand in matcher.store.records.list("demands"):
        if not isinstance(demand, Demand) or demand.status not in OPEN_DEMAND_STATUSES:
            continue
        if demand.deadline is not None and demand.deadline < run_date:
            continue
        station = stations.get(demand.station_id or "")
        base_id = station.parent_id if station else None
        if station is None or base_id not in bases:
            unrouted += 1
            continue
        if base_filter is None or base_id == base_filter:
            chosen.append(demand)
    kept_ids = [base_filter] if base_filter is not None else sorted(bases)
    return Routing({i: bases[i] for i in kept_ids}, stations, chosen, unrouted)


@dataclass
class KnownPairs:
    """Pairs not to send: already sent or in the lifecycle (``known``), and finished ones (``closed``)."""

    known: dict[str, set[str]]
    closed: dict[str, set[str]]


def known_pairs(matcher: Matcher, demand_ids: Sequence[str]) -> KnownPairs:
    """Sent pairs and lifecycle pairs of these demands; declined / no-response pairs are also ``closed``."""
    known: dict[str, set[str]] = defaultdict(set)
    closed: dict[str, set[str]] = defaultdict(set)
    wanted = set(demand_ids)
    for demand_id, expert_id in NightlyLedger(matcher.store).sent_pairs(wanted):
        known[demand_id].add(expert_id)
    for match in matcher.store.matches.list():
        if match.demand_id in wanted:
            known[match.demand_id].add(match.expert_id)
            if match.status in CLOSED_STATUSES:
                closed[match.demand_id].add(match.expert_id)
    return KnownPairs(known, closed)


def build_plan(
    matcher: Matcher,
    run_date: date,
    *,
    base_filter: str | None = None,
    show_progress: bool = False,
    engine: Engine | None = None,
) -> NightlyPlan:
    """Match every routed demand in one batch, assign under the caps, keep the new pairs per base.

    Each demand's list is its standing top-``k`` under the caps, computed from the full ranking; only
    pairs of that list that were never sent and are not in the lifecycle are new. A demand whose list
    did not change therefore has nothing new and is not mailed again. Declined and no-response pairs
    leave the ranking, so a replacement can move up. Deterministic for unchanged data, so a re-run of
    the same day reproduces the plan of a crashed run. ``engine`` runs the batched match (default: in
    this process); the lists, hence the plan, are the same on every engine. In this process demands
    are matched `_MATCH_BLOCK` at a time (each demand's list does not depend on the others) so
    ``show_progress`` can show an ETA; another engine gets them all at once and shards them itself.
    """
    settings = matcher.settings
    routing = route_demands(matcher, run_date, base_filter=base_filter)
    demands = routing.demands
    pairs = known_pairs(matcher, [d.id for d in demands])
    depth = max(settings.nightly_depth, settings.nightly_k)
    extra = min(max((len(v) for v in pairs.closed.values()), default=0), depth)
    started = time.perf_counter()
    engine = engine or LocalEngine()
    block_size = _MATCH_BLOCK if isinstance(engine, LocalEngine) else max(len(demands), 1)
    lists: list[list[Recommendation]] = []
    with progress(len(demands), "nightly matching", unit="demand", enabled=show_progress) as bar:
        for first in range(0, len(demands), block_size):
            block = demands[first : first + block_size]
            lists += engine.recommend_many(matcher, block, k=depth + extra, explain=True)
            bar.update(len(block))
    match_s = time.perf_counter() - started
    candidates, by_pair = _candidates(demands, lists, pairs.closed, depth, settings.nightly_org_key)
    problem = AssignmentProblem(
        candidates,
        k=settings.nightly_k,
        expert_cap=settings.nightly_cap,
        org_limit=settings.nightly_org_limit,
    )
    started = time.perf_counter()
    assignment = assign(problem)
    assign_s = time.perf_counter() - started
    new = [c for c in assignment.chosen if c.expert_id not in pairs.known.get(c.demand_id, set())]
    digests = _digests(routing, new, by_pair)
    counts: dict[str, float | int | str] = {
        "open_demands": len(demands),
        "unrouted_demands": routing.unrouted,
        "candidates": len(candidates),
        "assigned_pairs": len(assignment.chosen),
        "new_pairs": len(new),
        "known_pairs_not_resent": len(assignment.chosen) - len(new),
        "uncapped_score": round(assignment.uncapped_score, 4),
        "capped_score": round(assignment.total_score, 4),
        "cap_cost": round(assignment.cost, 4),
        "cap_cost_pct": round(assignment.cost_pct, 2),
        "lp_bound": round(assignment.lp_bound, 4),
        "assign_method": assignment.method,
        "match_engine": engine.name,
        "match_s": round(match_s, 3),
        "assign_s": round(assign_s, 3),
    }
    return NightlyPlan(digests, assignment, counts)


def _candidates(
    demands: Sequence[Demand],
    lists: Sequence[Sequence[Recommendation]],
    closed: dict[str, set[str]],
    depth: int,
    org_key: OrgKey,
) -> tuple[list[Candidate], dict[tuple[str, str], Recommendation]]:
    candidates: list[Candidate] = []
    by_pair: dict[tuple[str, str], Recommendation] = {}
    for demand, recommendations in zip(demands, lists, strict=True):
        ranked = [r for r in recommendations if r.id not in closed.get(demand.id, set())][:depth]
        for r in ranked:
            groups = expert_groups(r.record, org_key) if r.record is not None else ()
            candidates.append(Candidate(demand.id, r.id, float(r.score), groups, r.rank))
            by_pair[(demand.id, r.id)] = r
    return candidates, by_pair


def _digests(
    routing: Routing, new: Sequence[Candidate], by_pair: dict[tuple[str, str], Recommendation]
) -> list[BaseDigest]:
    chosen: dict[str, list[Candidate]] = defaultdict(list)
    for candidate in new:
        chosen[candidate.demand_id].append(candidate)
    sections: dict[str, dict[str, list[DemandSection]]] = defaultdict(lambda: defaultdict(list))
    for demand in routing.demands:
        picks = chosen.get(demand.id)
        if not picks:
            continue
        station = routing.stations[demand.station_id or ""]
        rows = [_row(by_pair[(demand.id, c.expert_id)], c) for c in picks]
        sections[station.parent_id or ""][station.id].append(DemandSection(demand, rows))
    digests = []
    for base_id in sorted(routing.bases):
        stations = sections.get(base_id, {})
        digests.append(
            BaseDigest(
                routing.bases[base_id],
                [StationSection(routing.stations[sid], stations[sid]) for sid in sorted(stations)],
            )
        )
    return digests


def _row(recommendation: Recommendation, candidate: Candidate) -> MatchRow:
    expert = recommendation.record
    explanation = recommendation.explanation
    if not isinstance(expert, Expert):
        raise RuntimeError(f"expert {candidate.expert_id} has no stored record (index out of date?)")
    return MatchRow(
        expert_id=expert.id,
        name=expert.name,
        name_en=expert.name_en or "",
        affiliation=expert.affiliation or "",
        country=expert.country,
        score=round(candidate.score, 4),
        list_rank=candidate.rank,
        reason_zh=explanation.text_zh if explanation else "",
        reason_en=explanation.text_en if explanation else "",
    )
