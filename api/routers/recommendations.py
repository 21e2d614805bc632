"""Free-text (or stored-demand) recommendations."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from api.auth import Principal, get_principal
from api.errors import ApiError
from api.recommend_out import recommend_experts
from api.schemas import RecommendIn, RecommendOut
from api.state import AppState, get_state
from api.writes import get_record
from matcher.domain.records import Demand

router = APIRouter(prefix="/v1/recommendations", tags=["recommendations"])


@router.post("", response_model=RecommendOut, summary="Recommend experts for a need")
def recommend(
    body: RecommendIn,
    principal: Principal = Depends(get_principal),
    state: AppState = Depends(get_state),
) -> RecommendOut:
    """Ranked experts for a need in Chinese or English (or a stored demand), with explanations.

    Each result carries the matched terms in both languages, shared catalogue fields, the top feature
    contributions and the expert's public profile (contacts for admin and base keys only).
    """
    if (body.text is None) == (body.demand_id is None):
        raise ApiError(422, "invalid_input", "give either `text` (the need) or `demand_id`, not both")
    if body.text is not None and not body.text.strip():
        raise ApiError(422, "invalid_input", "`text` is empty")
    if body.demand_id is not None:
        demand = get_record(state, "demands", body.demand_id)
        assert isinstance(demand, Demand)
        principal.require_demand_read(demand)
    k = min(body.k, state.settings.max_k)
    results = recommend_experts(
        state, principal, text=body.text, demand_id=body.demand_id, k=k, filters=body.filters.to_filters()
    )
    return RecommendOut(text=body.text, demand_id=body.demand_id, k=k, results=results)
