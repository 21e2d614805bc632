"""Bases and stations: scoped list, search, get; create and update by admins."""

from __future__ import annotations

from fastapi import APIRouter, Body, Depends, Query

from api.auth import Principal, get_principal
from api.errors import forbidden
from api.params import IdQuery, id_path
from api.patches import SitePatch, changes_of
from api.routers.common import PageParams, create_one, list_page, page_params, update_one
from api.schemas_records import Page, SiteOut, WriteResult
from api.state import AppState, get_state
from api.writes import get_record
from matcher.domain.records import Record, Site, SiteKind

router = APIRouter(prefix="/v1/sites", tags=["sites"])
SiteId = id_path("Site id, e.g. B-GZ or ST001.")


def _out(record: Record) -> SiteOut:
    return SiteOut.model_validate(record.model_dump())


@router.get("", response_model=Page[SiteOut], summary="List or search bases and stations (scoped)")
def list_sites(
    page: PageParams = Depends(page_params),
    kind: SiteKind | None = Query(None),
    parent_id: IdQuery = None,
    principal: Principal = Depends(get_principal),
    state: AppState = Depends(get_state),
) -> Page[SiteOut]:
    """Sites in scope: everything for admin and analyst, a base and its stations, a station and its base."""
    within = None
    if principal.station_ids is not None:
        within = {"id": [*principal.station_ids, *([principal.parent_site] if principal.parent_site else [])]}
    equals = {"kind": kind.value if kind else None, "parent_id": parent_id}
    return list_page(state, "sites", page, _out, equals=equals, within=within)


@router.get("/{site_id}", response_model=SiteOut, summary="Get a base or station")
def get_site(
    site_id: str = SiteId,
    principal: Principal = Depends(get_principal),
    state: AppState = Depends(get_state),
) -> SiteOut:
    """One site, if in the key's scope."""
    record = get_record(state, "sites", site_id)
    assert isinstance(record, Site)
    if not principal.sees_site(record):
        raise forbidden(f"site {site_id!r} is outside this key's scope")
    return _out(record)


@router.post("", response_model=WriteResult, status_code=201, summary="Create a base or station (admin)")
def create_site(
    site: Site,
    principal: Principal = Depends(get_principal),
    state: AppState = Depends(get_state),
) -> WriteResult:
    """Create a site."""
    return create_one(state, principal, "sites", site)


@router.patch("/{site_id}", response_model=WriteResult, summary="Update a base or station (admin)")
def update_site(
    site_id: str = SiteId,
    patch: SitePatch = Body(..., description="Fields to change."),
    principal: Principal = Depends(get_principal),
    state: AppState = Depends(get_state),
) -> WriteResult:
    """Change some fields of a site."""
    return update_one(state, principal, "sites", site_id, changes_of(patch))[0]
