"""Docking events (洽谈活动): create, participants, plan, cancel, the agenda and calendar files.

Roles: admin and base keys write; analyst keys read; station keys read their own enterprises' meetings
(enterprises whose demands belong to the station). Every write is in the audit log.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from api.access import AuditLog
from api.auth import Principal, get_principal
from api.errors import ApiError, forbidden, not_found
from api.params import id_path
from api.schemas_events import (
    AgendaOut,
    CancelIn,
    EventIn,
    EventOut,
    MeetingOut,
    ParticipantOut,
    ParticipantsIn,
    PlanOut,
    SlotOut,
)
from api.state import AppState, get_state
from matcher.docking import Plan, PlanningError, Slot
from matcher.docking.exports import participant_ics
from matcher.docking.records import Agenda, EventError, EventInfo, PairRule, Participant
from matcher.docking.service import EventService
from matcher.store import utc_now

router = APIRouter(prefix="/v1/events", tags=["docking events"])
EventId = id_path("Event id.")
ParticipantId = id_path("Expert or enterprise id.")


def _service(state: AppState) -> EventService:
    return EventService(state.store, state.matcher)


def _require_writer(principal: Principal) -> None:
    if principal.role not in ("admin", "base"):
        raise forbidden(f"a {principal.role} key may not change docking events (admin and base keys may)")


def _event_out(info: EventInfo) -> EventOut:
    return EventOut(
        id=info.id,
        name=info.name,
        location=info.location,
        expert_limit=info.expert_limit,
        enterprise_limit=info.enterprise_limit,
        top_n=info.top_n,
        planned_at=info.planned_at,
        plan=info.summary,
    )


def _visible_enterprises(principal: Principal, agenda: Agenda) -> set[str] | None:
    """Enterprise ids a station key may see (None: all)."""
    if principal.role != "station":
        return None
    return {
        pid
        for (kind, pid), p in agenda.participants.items()
        if kind == "enterprise" and principal.sees_station(p.station_id)
    }


def _agenda(state: AppState, event_id: str) -> Agenda:
    try:
        return _service(state).agenda(event_id)
    except EventError as error:
        raise not_found(str(error)) from None


def _plan_out(plan: Plan) -> PlanOut:
    return PlanOut(
        meetings=len(plan.meetings),
        objective=plan.objective,
        bound=plan.bound,
        gap=plan.gap,
        status=plan.status,
        seconds=plan.seconds,
        variables=plan.variables,
    )


def _invalid(error: Exception) -> ApiError:
    return ApiError(422, "invalid_event", str(error))


@router.get("", response_model=list[EventOut], summary="List docking events")
def list_events(
    principal: Principal = Depends(get_principal), state: AppState = Depends(get_state)
) -> list[EventOut]:
    """Every event with its last plan's figures."""
    return [_event_out(info) for info in _service(state).events()]


@router.post("", response_model=EventOut, status_code=201, summary="Create a docking event")
def create_event(
    body: EventIn, principal: Principal = Depends(get_principal), state: AppState = Depends(get_state)
) -> EventOut:
    """An event with its slots (admin and base keys)."""
    _require_writer(principal)
    info = EventInfo(body.id, body.name, body.expert_limit, body.enterprise_limit, body.top_n, body.location)
    slots = [Slot(s.id, s.starts_at, s.ends_at, s.tables, s.rooms) for s in body.slots]
    service = _service(state)
    try:
        with state.store.transaction():
            created = service.create(info, slots)
            AuditLog(state.store).record(
                principal.key, "events.create", "events", body.id, {"slots": len(slots)}
            )
    except EventError as error:
        raise ApiError(409 if "already exists" in str(error) else 422, "invalid_event", str(error)) from None
    return _event_out(created)


@router.get("/{event_id}/agenda", response_model=AgendaOut, summary="The agenda of an event")
def get_agenda(
    event_id: str = EventId,
    principal: Principal = Depends(get_principal),
    state: AppState = Depends(get_state),
) -> AgendaOut:
    """Slots, participants and meetings; a station key sees its own enterprises only."""
    agenda = _agenda(state, event_id)
    visible = _visible_enterprises(principal, agenda)
    meetings = [m for m in agenda.meetings if visible is None or m.enterprise_id in visible]
    shown_experts = {m.expert_id for m in meetings}
    participants = [
        p
        for p in agenda.participants.values()
        if visible is None or (p.kind == "enterprise" and p.id in visible) or p.id in shown_experts
    ]
    return AgendaOut(
        event=_event_out(agenda.event),
        slots=[
            SlotOut(id=s.id, starts_at=s.starts_at, ends_at=s.ends_at, tables=s.tables, rooms=s.rooms)
            for s in agenda.slots
        ],
        participants=[_participant_out(agenda, p) for p in participants],
        meetings=[
            MeetingOut(
                slot_id=m.slot_id,
                venue=m.venue,
                number=m.number,
                expert_id=m.expert_id,
                expert_name=agenda.name_of("expert", m.expert_id),
                demand_id=m.demand_id,
                demand_title=agenda.demand_titles.get(m.demand_id, m.demand_id),
                enterprise_id=m.enterprise_id,
                enterprise_name=agenda.name_of("enterprise", m.enterprise_id),
                weight=round(m.weight, 6),
            )
            for m in meetings
        ],
    )


def _participant_out(agenda: Agenda, p: Participant) -> ParticipantOut:
    return ParticipantOut(
        kind=p.kind,  # type: ignore[arg-type]
        id=p.id,
        name=agenda.name_of(p.kind, p.id),
        remote=p.remote,
        limit=p.limit,
        priority=p.priority,
        slots=None if p.slots is None else list(p.slots),
        demands=list(p.demands),
        cancelled=p.cancelled,
    )


@router.post("/{event_id}/participants", response_model=EventOut, summary="Add participants and pair rules")
def add_participants(
    body: ParticipantsIn,
    event_id: str = EventId,
    principal: Principal = Depends(get_principal),
    state: AppState = Depends(get_state),
) -> EventOut:
    """Add or update experts, enterprises (with demands) and requested / forbidden pairs, all or nothing."""
    _require_writer(principal)
    service = _service(state)
    people = [
        Participant(
            p.kind,
            p.id,
            p.name,
            p.email,
            p.remote,
            p.limit,
            p.priority,
            None if p.slots is None else tuple(p.slots),
            tuple(p.demands),
        )
        for p in body.participants
    ]
    rules = [PairRule(r.expert_id, r.demand_id, r.rule, r.bonus) for r in body.pair_rules]
    try:
        info = service.event(event_id)
    except EventError as error:
        raise not_found(str(error)) from None
    try:
        with state.store.transaction():
            service.add_participants(event_id, people)
            service.set_pair_rules(event_id, rules)
            detail = {"participants": len(people), "pair_rules": len(rules)}
            AuditLog(state.store).record(principal.key, "events.participants", "events", event_id, detail)
    except EventError as error:
        raise _invalid(error) from None
    return _event_out(info)


@router.post("/{event_id}/plan", response_model=PlanOut, summary="Plan the meetings")
def plan_event(
    event_id: str = EventId,
    principal: Principal = Depends(get_principal),
    state: AppState = Depends(get_state),
) -> PlanOut:
    """Plan every meeting anew, maximising the total match score (HiGHS MILP, optimal)."""
    _require_writer(principal)
    _agenda(state, event_id)
    try:
        with state.lock.read():
            plan = _service(state).plan(event_id)
    except (EventError, PlanningError) as error:
        raise _invalid(error) from None
    detail = {"meetings": len(plan.meetings), "objective": plan.objective, "status": plan.status}
    AuditLog(state.store).record(principal.key, "events.plan", "events", event_id, detail)
    return _plan_out(plan)


@router.post("/{event_id}/cancel", response_model=PlanOut, summary="Cancel a participant or a meeting")
def cancel(
    body: CancelIn,
    event_id: str = EventId,
    principal: Principal = Depends(get_principal),
    state: AppState = Depends(get_state),
) -> PlanOut:
    """Cancel and re-plan: every unaffected meeting keeps its slot and place; freed places are refilled."""
    _require_writer(principal)
    _agenda(state, event_id)
    service = _service(state)
    try:
        with state.lock.read():
            if body.kind is not None and body.id is not None:
                plan = service.cancel_participant(event_id, body.kind, body.id)
            else:
                plan = service.cancel_meeting(event_id, str(body.expert_id), str(body.demand_id))
    except (EventError, PlanningError) as error:
        raise _invalid(error) from None
    AuditLog(state.store).record(principal.key, "events.cancel", "events", event_id, body.model_dump())
    return _plan_out(plan)


@router.get("/{event_id}/calendar/{kind}/{participant_id}.ics", summary="A participant's calendar file")
def calendar(
    kind: str,
    event_id: str = EventId,
    participant_id: str = ParticipantId,
    principal: Principal = Depends(get_principal),
    state: AppState = Depends(get_state),
) -> Response:
    """RFC 5545 calendar of one participant's meetings."""
    agenda = _agenda(state, event_id)
    if (kind, participant_id) not in agenda.participants:
        raise not_found(f"event {event_id} has no {kind} {participant_id!r}")
    visible = _visible_enterprises(principal, agenda)
    if visible is not None and (kind != "enterprise" or participant_id not in visible):
        raise forbidden(f"{kind} {participant_id} is outside this key's scope")
    body = participant_ics(agenda, kind, participant_id, stamp=utc_now())
    return Response(body.encode(), media_type="text/calendar; charset=utf-8")
