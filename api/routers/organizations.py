"""Overseas organisations: list, search, get, create, update (writes: admin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Query

from api.auth import Principal, get_principal
from api.params import CodeText, id_path
from api.patches import OrganizationPatch, changes_of
from api.routers.common import PageParams, create_one, list_page, page_params, update_one
from api.schemas_records import OrganizationOut, Page, WriteResult
from api.state import AppState, get_state
from api.writes import get_record
from matcher.domain.records import Organization, Record

router = APIRouter(prefix="/v1/organizations", tags=["organizations"])
OrganizationId = id_path("Organisation id, e.g. ORG001.")


def _out(record: Record) -> OrganizationOut:
    return OrganizationOut.model_validate(record.model_dump())


@router.get("", response_model=Page[OrganizationOut], summary="List or search organisations")
def list_organizations(
    page: PageParams = Depends(page_params),
    country: Annotated[CodeText | None, Query(description="ISO country code (any case), e.g. DE.")] = None,
    _principal: Principal = Depends(get_principal),
    state: AppState = Depends(get_state),
) -> Page[OrganizationOut]:
    """Organisations ordered by id."""
    equals = {"country": country.upper() if country else None}
    return list_page(state, "organizations", page, _out, equals=equals)


@router.get("/{organization_id}", response_model=OrganizationOut, summary="Get an organisation")
def get_organization(
    organization_id: str = OrganizationId,
    _principal: Principal = Depends(get_principal),
    state: AppState = Depends(get_state),
) -> OrganizationOut:
    """One organisation."""
    return _out(get_record(state, "organizations", organization_id))


@router.post("", response_model=WriteResult, status_code=201, summary="Create an organisation (admin)")
def create_organization(
    organization: Organization,
    principal: Principal = Depends(get_principal),
    state: AppState = Depends(get_state),
) -> WriteResult:
    """Create an organisation."""
    return create_one(state, principal, "organizations", organization)


@router.patch("/{organization_id}", response_model=WriteResult, summary="Update an organisation (admin)")
def update_organization(
    organization_id: str = OrganizationId,
    patch: OrganizationPatch = Body(..., description="Fields to change."),
    principal: Principal = Depends(get_principal),
    state: AppState = Depends(get_state),
) -> WriteResult:
    """Change some fields of an organisation."""
    return update_one(state, principal, "organizations", organization_id, changes_of(patch))[0]
