"""Gold labels from the match lifecycle, and *simulated* outcomes for the demo data.

Lifecycle gold: signed 3 > negotiating 2 > contacted 1 > recommended-only / no response 0; declined is an
explicit negative (−1: below an unanswered recommendation when training; gain 0 in nDCG). Only pairs that
were recommended carry a label — every other pair is *unknown*, not irrelevant — so learners trained on
lifecycle gold use the judged pairs only (`matcher.ranking.pairs.cross_validate(..., judged_only=True)`).

Simulated outcomes exist only so the learning loop can be shown end to end on the synthetic demo data:
the demo's gold grade of each recommended pair plus Gaussian noise drives a random walk through the
lifecycle. They are written with ``actor="simulation"`` and are not real feedback.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from matcher.domain.records import Demand, MatchStatus
from matcher.service import Matcher
from matcher.store import Store

S = MatchStatus
STAGE_GRADES: dict[MatchStatus, int] = {
    S.SIGNED: 3,
    S.NEGOTIATING: 2,
    S.CONTACTED: 1,
    S.RECOMMENDED: 0,
    S.NO_RESPONSE: 0,
    S.DECLINED: -1,
}
SIMULATION_ACTOR = "simulation"


def gold_from_lifecycle(
    store: Store, *, demand_ids: Sequence[str] | None = None
) -> dict[str, dict[str, int]]:
    """demand id → expert id → grade from each pair's current lifecycle status (see `STAGE_GRADES`)."""
    wanted = set(demand_ids) if demand_ids is not None else None
    gold: dict[str, dict[str, int]] = {}
    for match in store.matches.list():
        if wanted is None or match.demand_id in wanted:
            gold.setdefault(match.demand_id, {})[match.expert_id] = STAGE_GRADES[match.status]
    return gold


def lifecycle_range(store: Store) -> dict[str, object]:
    """Counts and time range of the stored matches (for training manifests)."""
    found = store.matches.list()
    stamps = sorted(m.updated_at for m in found if m.updated_at is not None)
    return {
        "pairs": len(found),
        "demands": len({m.demand_id for m in found}),
        "statuses": dict(Counter(m.status.value for m in found)),
        "first": stamps[0].isoformat() if stamps else None,
        "last": stamps[-1].isoformat() if stamps else None,
    }


@dataclass
class SimulationReport:
    """What `simulate_outcomes` wrote."""

    demands: int = 0
    pairs: int = 0
    skipped_existing: int = 0
    statuses: Counter[str] = field(default_factory=Counter)

    def __str__(self) -> str:
        parts = ", ".join(f"{s} {n}" for s, n in sorted(self.statuses.items()))
        return (
            f"simulated {self.pairs} pairs over {self.demands} demands ({parts}); "
            f"{self.skipped_existing} pairs with real history left untouched"
        )


def _stage_probability(latent: float, base: float) -> float:
    return float(np.clip(base + 0.25 * latent, 0.03, 0.95))


def simulate_path(grade: int, rng: np.random.Generator, *, noise: float = 0.75) -> list[MatchStatus]:
    """The statuses a recommended pair moves through, driven by its gold grade plus noise."""
    latent = grade + float(rng.normal(0.0, noise))
    path = [S.RECOMMENDED]
    if rng.random() >= _stage_probability(latent, 0.15):
        if rng.random() < 0.5:
            path.append(S.NO_RESPONSE)
        return path
    path.append(S.CONTACTED)
    if rng.random() >= _stage_probability(latent, 0.1):
        path.append(S.DECLINED if rng.random() < 0.7 else S.NO_RESPONSE)
        return path
    path.append(S.NEGOTIATING)
    path.append(S.SIGNED if rng.random() < _stage_probability(latent, 0.1) else S.DECLINED)
    return path


def simulate_outcomes(
    matcher: Matcher,
    gold: Mapping[str, Mapping[str, int]],
    *,
    demands: Sequence[Demand] | None = None,
    k: int = 10,
    noise: float = 0.75,
    seed: int = 0,
) -> SimulationReport:
    """Recommend ``k`` experts per demand and write simulated lifecycle events for them.

    Pairs that already have a match (real history) are left alone. Deterministic for a seed.

    Args:
        matcher: the matcher whose current ranker makes the recommendations (the "logging policy").
        gold: graded labels driving the simulation (the demo's gold.csv).
        demands: demands to simulate (default: every stored demand that has gold).
        k: recommendations per demand.
        noise: standard deviation of the noise added to each grade.
        seed: random seed.
    """
    if demands is None:
        demands = [d for d in matcher.store.records.list("demands") if isinstance(d, Demand) and d.id in gold]
    rng = np.random.default_rng(seed)
    existing = {(m.demand_id, m.expert_id) for m in matcher.store.matches.list()}
    report = SimulationReport(demands=len(demands))
    for demand, recommendations in zip(
        demands, matcher.recommend_many(demands, k=k, explain=False), strict=True
    ):
        for rec in recommendations:
            if (demand.id, rec.id) in existing:
                report.skipped_existing += 1
                continue
            path = simulate_path(gold.get(demand.id, {}).get(rec.id, 0), rng, noise=noise)
            for status in path:
                matcher.store.matches.set_status(
                    demand.id,
                    rec.id,
                    status,
                    actor=SIMULATION_ACTOR,
                    note="simulated outcome",
                    score=rec.score,
                )
            report.pairs += 1
            report.statuses[path[-1].value] += 1
    return report
