"""Experts: list, search, get, create, update, and expert → demands for outreach."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Query

from api.auth import Principal, get_principal
from api.params import CodeText, LanguageText, id_path
from api.patches import ExpertPatch, changes_of
from api.recommend_out import demand_recommendations
from api.routers.common import PageParams, create_one, list_page, page_params, update_one
from api.schemas import ExpertDemandsOut
from api.schemas_records import ExpertOut, Page, WriteResult
from api.state import AppState, get_state
from api.writes import get_record
from matcher.domain.records import Expert, Record

router = APIRouter(prefix="/v1/experts", tags=["experts"])
ExpertId = id_path("Expert id, e.g. EX0001.")
CountryQuery = Annotated[CodeText | None, Query(description="ISO country code (any case), e.g. DE.")]


@router.get("", response_model=Page[ExpertOut], summary="List or search experts")
def list_experts(
    page: PageParams = Depends(page_params),
    country: CountryQuery = None,
    industry: Annotated[CodeText | None, Query(description="Catalogue industry code.")] = None,
    language: Annotated[LanguageText | None, Query(description="A language code: zh, en …")] = None,
    principal: Principal = Depends(get_principal),
    state: AppState = Depends(get_state),
) -> Page[ExpertOut]:
    """Experts ordered by id; contact fields only for admin and base keys."""

    def convert(record: Record) -> ExpertOut:
        assert isinstance(record, Expert)
        return ExpertOut.of(record, contacts=principal.sees_contacts)

    equals = {"country": country.upper() if country else None, "industries": industry, "languages": language}
    return list_page(state, "experts", page, convert, equals=equals)


@router.get("/{expert_id}", response_model=ExpertOut, summary="Get an expert's profile")
def get_expert(
    expert_id: str = ExpertId,
    principal: Principal = Depends(get_principal),
    state: AppState = Depends(get_state),
) -> ExpertOut:
    """One expert; contact fields only for admin and base keys."""
    record = get_record(state, "experts", expert_id)
    assert isinstance(record, Expert)
    return ExpertOut.of(record, contacts=principal.sees_contacts)


@router.post("", response_model=WriteResult, status_code=201, summary="Create an expert (admin)")
def create_expert(
    expert: Expert,
    principal: Principal = Depends(get_principal),
    state: AppState = Depends(get_state),
) -> WriteResult:
    """Create an expert; it is searchable as soon as this returns."""
    return create_one(state, principal, "experts", expert)


@router.patch("/{expert_id}", response_model=WriteResult, summary="Update an expert (admin)")
def update_expert(
    expert_id: str = ExpertId,
    patch: ExpertPatch = Body(..., description='Fields to change, e.g. {"keywords": ["SiC"]}.'),
    principal: Principal = Depends(get_principal),
    state: AppState = Depends(get_state),
) -> WriteResult:
    """Change some fields; the profile is re-indexed at once."""
    return update_one(state, principal, "experts", expert_id, changes_of(patch))[0]


@router.get("/{expert_id}/demands", response_model=ExpertDemandsOut, summary="Demands for an expert")
def demands_for_expert(
    expert_id: str = ExpertId,
    k: int = Query(10, ge=1, le=50),
    only_open: bool = Query(True, description="Only demands still open for matching."),
    principal: Principal = Depends(get_principal),
    state: AppState = Depends(get_state),
) -> ExpertDemandsOut:
    """The demands this expert could solve (for outreach), limited to demands the key may see."""
    get_record(state, "experts", expert_id)
    results = demand_recommendations(state, principal, expert_id, k=k, only_open=only_open)
    return ExpertDemandsOut(expert_id=expert_id, results=results)
