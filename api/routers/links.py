"""Experts' personal links for admin and base keys: create, list, revoke (`api.access.links`).

- ``POST /v1/experts/{id}/links`` creates a link (the token and its address are returned once here);
  ``demand_ids`` proposes demands to the expert (a ``recommended`` match each, if it has none).
- ``GET /v1/experts/{id}/links`` and ``GET /v1/links`` list links without their tokens.
- ``DELETE /v1/links/{link_id}`` revokes one; the expert then sees the "withdrawn" page.

Admins manage every link; a base key the links it created itself. Every change is audited.
"""

from __future__ import annotations

from fastapi import APIRouter, Body, Depends, Query, Request

from api.access import AuditLog
from api.access.links import ExpertLink
from api.auth import Principal, get_principal
from api.errors import forbidden, not_found
from api.params import IdQuery, id_path
from api.routers.expert_portal import PortalContext, portal_context
from api.schemas_links import LinkCreatedOut, LinkIn, LinkOut
from api.state import AppState, get_state
from api.writes import get_record
from matcher.domain.records import Demand, MatchStatus

router = APIRouter(tags=["expert links"])
ExpertId = id_path("Expert id, e.g. EX0001.")
LinkId = id_path("Link id, e.g. L3f9a0c12d4e5.")
MANAGING_ROLES = frozenset({"admin", "base"})


def link_out(link: ExpertLink) -> LinkOut:
    """A link as listed."""
    return LinkOut(
        link_id=link.link_id,
        expert_id=link.expert_id,
        purpose=link.purpose,
        state=link.state().value,
        created_at=link.created_at,
        created_by=link.created_by,
        expires_at=link.expires_at,
        revoked_at=link.revoked_at,
        used_at=link.used_at,
        last_seen_at=link.last_seen_at,
        visits=link.visits,
        note=link.note,
    )


def _require_manager(principal: Principal) -> None:
    principal.require_write()
    if principal.role not in MANAGING_ROLES:
        raise forbidden("only admin and base keys manage experts' links")


def _require_owner(principal: Principal, link: ExpertLink) -> None:
    if principal.role != "admin" and link.created_by != principal.key.key_id:
        raise forbidden(f"link {link.link_id} was not created with this key")


@router.post(
    "/v1/experts/{expert_id}/links",
    response_model=LinkCreatedOut,
    status_code=201,
    summary="Create an expert's personal link (admin, base)",
)
def create_link(
    request: Request,
    expert_id: str = ExpertId,
    body: LinkIn | None = Body(None),
    principal: Principal = Depends(get_principal),
    state: AppState = Depends(get_state),
    context: PortalContext = Depends(portal_context),
) -> LinkCreatedOut:
    """A signed link opening the expert's page; send ``url`` to the expert (shown only once)."""
    _require_manager(principal)
    body = body or LinkIn()
    get_record(state, "experts", expert_id)
    demands = [get_record(state, "demands", demand_id) for demand_id in body.demand_ids]
    for demand in demands:
        assert isinstance(demand, Demand)
        principal.require_demand_write(demand)
    settings = state.settings.links
    actor = f"{principal.key.name} ({principal.key.key_id})"
    with state.lock.write(), state.store.transaction():
        for demand in demands:
            if state.store.matches.get(demand.id, expert_id) is None:
                state.store.matches.set_status(
                    demand.id, expert_id, MatchStatus.RECOMMENDED, note="personal link", actor=actor
                )
        link, token = context.links.create(
            expert_id,
            created_by=principal.key.key_id,
            days=body.days or settings.link_days,
            purpose=body.purpose,
            note=body.note,
        )
        detail = {"expert_id": expert_id, "purpose": link.purpose, "demand_ids": body.demand_ids}
        AuditLog(state.store).record(principal.key, "links.create", "expert_links", link.link_id, detail)
    base_url = settings.public_url or str(request.base_url)
    return LinkCreatedOut(**link_out(link).model_dump(), token=token, url=context.links.url(base_url, token))


def _visible(principal: Principal, links: list[ExpertLink]) -> list[LinkOut]:
    if principal.role != "admin":
        links = [link for link in links if link.created_by == principal.key.key_id]
    return [link_out(link) for link in links]


@router.get("/v1/experts/{expert_id}/links", response_model=list[LinkOut], summary="An expert's links")
def expert_links(
    expert_id: str = ExpertId,
    principal: Principal = Depends(get_principal),
    state: AppState = Depends(get_state),
    context: PortalContext = Depends(portal_context),
) -> list[LinkOut]:
    """The expert's links, oldest first (a base key: those it created)."""
    _require_manager(principal)
    get_record(state, "experts", expert_id)
    return _visible(principal, context.links.list(expert_id=expert_id))


@router.get("/v1/links", response_model=list[LinkOut], summary="List experts' links")
def list_links(
    expert_id: IdQuery = None,
    state_: str | None = Query(None, alias="state", pattern="^(accepted|expired|revoked|used)$"),
    principal: Principal = Depends(get_principal),
    context: PortalContext = Depends(portal_context),
) -> list[LinkOut]:
    """Links, oldest first, optionally of one expert or in one state (a base key: those it created)."""
    _require_manager(principal)
    found = _visible(principal, context.links.list(expert_id=expert_id))
    return [link for link in found if state_ is None or link.state == state_]


@router.delete("/v1/links/{link_id}", response_model=LinkOut, summary="Revoke an expert's link")
def revoke_link(
    link_id: str = LinkId,
    principal: Principal = Depends(get_principal),
    state: AppState = Depends(get_state),
    context: PortalContext = Depends(portal_context),
) -> LinkOut:
    """Revoke a link at once (idempotent); the expert gets the "withdrawn" page."""
    _require_manager(principal)
    link = context.links.get(link_id)
    if link is None:
        raise not_found(f"no link with id {link_id!r}")
    _require_owner(principal, link)
    with state.store.transaction():
        revoked = context.links.revoke(link_id)
        detail = {"expert_id": link.expert_id, "already_revoked": link.revoked_at is not None}
        AuditLog(state.store).record(principal.key, "links.revoke", "expert_links", link_id, detail)
    return link_out(revoked)
