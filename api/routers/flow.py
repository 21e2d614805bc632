"""Project flow routes: demand status (close, withdraw, reopen), flow-aware match moves, cooperations."""

from __future__ import annotations

from datetime import date
from typing import Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from api.access import AuditLog
from api.auth import Principal, get_principal
from api.errors import ApiError
from api.params import IdQuery, id_path
from api.schemas import UtcDateTime
from api.state import AppState, get_state
from api.writes import get_record
from matcher.domain.records import CooperationMode, Demand, DemandStatus, MatchStatus
from matcher.domain.text_fields import IdRef, NoteText
from matcher.operations.flow import Cooperation, CooperationResult, DemandEvent, FlowError, ProjectFlow

router = APIRouter(tags=["project flow"])
DemandId = id_path("Demand id.")
ExpertId = id_path("Expert id.")


class DemandEventOut(BaseModel):
    """One status change of a demand."""

    from_status: DemandStatus | None
    to_status: DemandStatus
    reason: str
    note: str
    actor: str
    at: UtcDateTime


class FlowOut(BaseModel):
    """A demand's place in the project flow."""

    demand_id: str
    status: DemandStatus
    matches: dict[str, MatchStatus]
    history: list[DemandEventOut]
    cooperations: list[Cooperation]


class CloseIn(BaseModel):
    """Close a demand."""

    model_config = ConfigDict(extra="forbid")
    outcome: Literal["solved", "unsolved"]
    note: NoteText = ""


class NoteIn(BaseModel):
    """An optional note for withdraw / reopen."""

    model_config = ConfigDict(extra="forbid")
    note: NoteText = ""


class FlowMatchIn(BaseModel):
    """A match status change."""

    model_config = ConfigDict(extra="forbid")
    status: MatchStatus
    note: NoteText = ""
    score: float | None = None


class CooperationIn(BaseModel):
    """A signed cooperation to record."""

    model_config = ConfigDict(extra="forbid")
    demand_id: IdRef
    expert_id: IdRef
    mode: CooperationMode
    start_date: date
    contract_amount_wan: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    result: CooperationResult = CooperationResult.ONGOING
    note: NoteText = ""


def _event_out(event: DemandEvent) -> DemandEventOut:
    return DemandEventOut(**event.__dict__)


def _flow_out(state: AppState, demand_id: str) -> FlowOut:
    demand = get_record(state, "demands", demand_id)
    assert isinstance(demand, Demand)
    return FlowOut(
        demand_id=demand.id,
        status=demand.status,
        matches={m.expert_id: m.status for m in state.store.matches.list(demand_id=demand_id)},
        history=[_event_out(e) for e in state.store.flow.demand_events(demand_id)],
        cooperations=state.store.flow.cooperations(demand_id=demand_id),
    )


def _writable_demand(state: AppState, principal: Principal, demand_id: str) -> Demand:
    demand = get_record(state, "demands", demand_id)
    assert isinstance(demand, Demand)
    principal.require_demand_write(demand)
    return demand


def _actor(principal: Principal) -> str:
    return f"{principal.key.name} ({principal.key.key_id})"


def _conflict(error: FlowError) -> ApiError:
    return ApiError(409, "invalid_flow_action", str(error))


@router.get("/v1/flow/demands/{demand_id}", response_model=FlowOut, summary="A demand's project flow")
def get_flow(
    demand_id: str = DemandId,
    principal: Principal = Depends(get_principal),
    state: AppState = Depends(get_state),
) -> FlowOut:
    """Status, match statuses, status history and cooperation records of a demand."""
    demand = get_record(state, "demands", demand_id)
    assert isinstance(demand, Demand)
    principal.require_demand_read(demand)
    return _flow_out(state, demand_id)


@router.post("/v1/flow/demands/{demand_id}/close", response_model=FlowOut, summary="Close a demand")
def close_demand(
    body: CloseIn,
    demand_id: str = DemandId,
    principal: Principal = Depends(get_principal),
    state: AppState = Depends(get_state),
) -> FlowOut:
    """Close as solved or unsolved: the demand leaves the open set and is no longer matched."""
    return _explicit(state, principal, demand_id, "close", body.note, body.outcome)


@router.post("/v1/flow/demands/{demand_id}/withdraw", response_model=FlowOut, summary="Withdraw a demand")
def withdraw_demand(
    body: NoteIn,
    demand_id: str = DemandId,
    principal: Principal = Depends(get_principal),
    state: AppState = Depends(get_state),
) -> FlowOut:
    """The enterprise no longer needs it: the demand is no longer matched."""
    return _explicit(state, principal, demand_id, "withdraw", body.note, None)


@router.post("/v1/flow/demands/{demand_id}/reopen", response_model=FlowOut, summary="Reopen a demand")
def reopen_demand(
    body: NoteIn,
    demand_id: str = DemandId,
    principal: Principal = Depends(get_principal),
    state: AppState = Depends(get_state),
) -> FlowOut:
    """Reopen a closed or withdrawn demand; its status is derived from its matches again."""
    return _explicit(state, principal, demand_id, "reopen", body.note, None)


def _explicit(
    state: AppState, principal: Principal, demand_id: str, action: str, note: str, outcome: str | None
) -> FlowOut:
    _writable_demand(state, principal, demand_id)
    flow = ProjectFlow(state.store, state.matcher)
    actor = _actor(principal)
    with state.lock.write():
        try:
            if action == "close":
                flow.close(demand_id, outcome, note=note, actor=actor)  # type: ignore[arg-type]
            elif action == "withdraw":
                flow.withdraw(demand_id, note=note, actor=actor)
            else:
                flow.reopen(demand_id, note=note, actor=actor)
        except FlowError as error:
            raise _conflict(error) from None
        AuditLog(state.store).record(
            principal.key, f"flow.{action}", "demands", demand_id, {"outcome": outcome}
        )
    return _flow_out(state, demand_id)


@router.post(
    "/v1/flow/matches/{demand_id}/{expert_id}",
    response_model=FlowOut,
    summary="Move a match; the demand's status follows",
)
def flow_match(
    body: FlowMatchIn,
    demand_id: str = DemandId,
    expert_id: str = ExpertId,
    principal: Principal = Depends(get_principal),
    state: AppState = Depends(get_state),
) -> FlowOut:
    """Like ``POST /v1/matches/{demand_id}/{expert_id}``, then re-derives the demand's flow status."""
    _writable_demand(state, principal, demand_id)
    get_record(state, "experts", expert_id)
    with state.lock.write():
        try:
            ProjectFlow(state.store, state.matcher).set_match_status(
                demand_id, expert_id, body.status, note=body.note, actor=_actor(principal), score=body.score
            )
        except FlowError as error:
            raise _conflict(error) from None
        detail = {"to": body.status.value}
        AuditLog(state.store).record(
            principal.key, "flow.match", "matches", f"{demand_id}/{expert_id}", detail
        )
    return _flow_out(state, demand_id)


@router.post("/v1/cooperations", response_model=FlowOut, summary="Record a cooperation (合作)")
def record_cooperation(
    body: CooperationIn,
    principal: Principal = Depends(get_principal),
    state: AppState = Depends(get_state),
) -> FlowOut:
    """Store a signed cooperation; a match still negotiating is signed first (409 otherwise)."""
    _writable_demand(state, principal, body.demand_id)
    get_record(state, "experts", body.expert_id)
    values = body.model_dump()
    with state.lock.write():
        try:
            ProjectFlow(state.store, state.matcher).record_cooperation(
                values.pop("demand_id"), values.pop("expert_id"), actor=_actor(principal), **values
            )
        except FlowError as error:
            raise _conflict(error) from None
        target = f"{body.demand_id}/{body.expert_id}"
        AuditLog(state.store).record(principal.key, "flow.cooperation", "cooperations", target, None)
    return _flow_out(state, body.demand_id)


@router.get("/v1/cooperations", response_model=list[Cooperation], summary="List cooperations (scoped)")
def list_cooperations(
    demand_id: IdQuery = None,
    expert_id: IdQuery = None,
    principal: Principal = Depends(get_principal),
    state: AppState = Depends(get_state),
) -> list[Cooperation]:
    """Cooperation records of the demands this key may see."""
    found = state.store.flow.cooperations(demand_id=demand_id, expert_id=expert_id)
    if principal.station_ids is None:
        return found
    demands = state.store.records.get_many("demands", {c.demand_id for c in found})
    visible = {d.id for d in demands if isinstance(d, Demand) and principal.sees_station(d.station_id)}
    return [c for c in found if c.demand_id in visible]
