"""Match outcomes: the lifecycle of (demand, expert) pairs, with history."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query

from api.access import AuditLog
from api.auth import Principal, get_principal
from api.errors import not_found
from api.params import IdQuery, id_path
from api.schemas import MatchEventOut, MatchIn, MatchOut
from api.state import AppState, get_state
from api.writes import get_record
from matcher.domain.records import Demand, Match, MatchStatus
from matcher.operations.flow import ProjectFlow
from matcher.store import check_transition

router = APIRouter(prefix="/v1/matches", tags=["matches"])
DemandId = id_path("Demand id.")
ExpertId = id_path("Expert id.")


def _out(state: AppState, match: Match) -> MatchOut:
    history = [
        MatchEventOut(from_status=e.from_status, to_status=e.to_status, note=e.note, actor=e.actor, at=e.at)
        for e in state.store.matches.history(match.demand_id, match.expert_id)
    ]
    return MatchOut(**match.model_dump(), history=history)


@router.get("", response_model=list[MatchOut], summary="List matches (scoped)")
def list_matches(
    demand_id: IdQuery = None,
    expert_id: IdQuery = None,
    status: MatchStatus | None = Query(None),
    principal: Principal = Depends(get_principal),
    state: AppState = Depends(get_state),
) -> list[MatchOut]:
    """Matches of the demands the key may see, oldest first."""
    found = state.store.matches.list(
        demand_id=demand_id, expert_id=expert_id, statuses=None if status is None else [status]
    )
    if principal.station_ids is not None:
        demands = state.store.records.get_many("demands", {m.demand_id for m in found})
        visible = {d.id for d in demands if isinstance(d, Demand) and principal.sees_station(d.station_id)}
        found = [m for m in found if m.demand_id in visible]
    return [_out(state, m) for m in found]


@router.get("/{demand_id}/{expert_id}", response_model=MatchOut, summary="Get a match with its history")
def get_match(
    demand_id: str = DemandId,
    expert_id: str = ExpertId,
    principal: Principal = Depends(get_principal),
    state: AppState = Depends(get_state),
) -> MatchOut:
    """The match of a pair and every status change."""
    demand = get_record(state, "demands", demand_id)
    assert isinstance(demand, Demand)
    principal.require_demand_read(demand)
    match = state.store.matches.get(demand_id, expert_id)
    if match is None:
        raise not_found(f"no match between demand {demand_id!r} and expert {expert_id!r} yet")
    return _out(state, match)


@router.post(
    "/{demand_id}/{expert_id}", response_model=MatchOut, summary="Move a match through its lifecycle"
)
def set_match_status(
    body: MatchIn,
    demand_id: str = DemandId,
    expert_id: str = ExpertId,
    principal: Principal = Depends(get_principal),
    state: AppState = Depends(get_state),
) -> MatchOut:
    """recommended → contacted → negotiating → signed | declined | no_response, with a note.

    A pair without a match starts as ``recommended``; marking it ``contacted`` (or ``declined`` …)
    records both steps. Transitions the lifecycle does not allow are rejected with 409.
    """
    demand = get_record(state, "demands", demand_id)
    assert isinstance(demand, Demand)
    principal.require_demand_write(demand)
    get_record(state, "experts", expert_id)
    actor = f"{principal.key.name} ({principal.key.key_id})"
    with state.lock.write(), state.store.transaction():
        current = state.store.matches.get(demand_id, expert_id)
        if current is None and body.status is not MatchStatus.RECOMMENDED:
            check_transition(MatchStatus.RECOMMENDED, body.status)
            state.store.matches.set_status(demand_id, expert_id, MatchStatus.RECOMMENDED, actor=actor)
        match = state.store.matches.set_status(
            demand_id, expert_id, body.status, note=body.note, actor=actor, score=body.score
        )
        detail = {"from": None if current is None else current.status.value, "to": body.status.value}
        AuditLog(state.store).record(
            principal.key, "matches.status", "matches", f"{demand_id}/{expert_id}", detail
        )
        # the demand's project-flow status follows its matches (and closed demands stop matching)
        ProjectFlow(state.store, state.matcher).sync(demand_id, actor=actor)
    return _out(state, match)
