"""Run recommendations through the `Matcher` (under the read lock) and shape them for responses."""

from __future__ import annotations

from dataclasses import asdict

from api.auth import Principal
from api.schemas import DemandRecommendationOut, ExpertRecommendationOut, ExplanationOut
from api.schemas_records import DemandOut, ExpertOut
from api.state import AppState
from matcher.domain.records import Demand, Expert, MatchStatus
from matcher.ranking.explain import Explanation
from matcher.retrieval.corpus import Filters
from matcher.service import Recommendation

# A restricted key's expert → demands search ranks this many demands before keeping the visible ones.
_SCOPED_DEMAND_POOL = 2000


def explanation_out(explanation: Explanation | None) -> ExplanationOut | None:
    """Response form of an explanation."""
    return None if explanation is None else ExplanationOut.model_validate(asdict(explanation))


def recommend_experts(
    state: AppState,
    principal: Principal,
    *,
    text: str | None = None,
    demand_id: str | None = None,
    k: int = 10,
    filters: Filters | None = None,
) -> list[ExpertRecommendationOut]:
    """Top-``k`` experts for a text or a stored demand, with explanations and public profiles."""
    with state.lock.read():
        results = state.matcher.recommend(text, demand_id=demand_id, k=k, filters=filters)
    statuses: dict[str, MatchStatus] = {}
    if demand_id is not None:
        statuses = {m.expert_id: m.status for m in state.store.matches.list(demand_id=demand_id)}
    return [expert_out(r, principal, statuses.get(r.id)) for r in results]


def expert_out(
    result: Recommendation, principal: Principal, status: MatchStatus | None = None
) -> ExpertRecommendationOut:
    """One recommended expert as returned to ``principal``."""
    expert = result.record if isinstance(result.record, Expert) else None
    return ExpertRecommendationOut(
        rank=result.rank,
        expert_id=result.id,
        score=result.score,
        features={n: round(v, 4) for n, v in result.features.items()},
        explanation=explanation_out(result.explanation),
        expert=None if expert is None else ExpertOut.of(expert, contacts=principal.sees_contacts),
        match_status=status,
    )


def demand_recommendations(
    state: AppState, principal: Principal, expert_id: str, *, k: int, only_open: bool
) -> list[DemandRecommendationOut]:
    """Demands for an expert, keeping only those the key may see (ranks renumbered)."""
    with state.lock.read():
        pool = k
        if principal.station_ids is not None:
            # ranking is over all demands; rank a wider pool so enough visible ones remain
            pool = min(max(len(state.matcher.collection("demands")), k), _SCOPED_DEMAND_POOL)
        results = state.matcher.demands_for_expert(expert_id, k=pool, only_open=only_open)
    visible = [
        r for r in results if isinstance(r.record, Demand) and principal.sees_station(r.record.station_id)
    ][:k]
    return [
        DemandRecommendationOut(
            rank=position,
            demand_id=r.id,
            score=r.score,
            explanation=explanation_out(r.explanation),
            demand=DemandOut.model_validate(r.record.model_dump()) if r.record is not None else None,
        )
        for position, r in enumerate(visible, start=1)
    ]
