"""Demands: scoped list, search, get, create, update, and their recommended experts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Query

from api.auth import Principal, get_principal
from api.errors import ApiError
from api.params import CodeText, IdQuery, LanguageText, id_path
from api.patches import DemandPatch, changes_of
from api.recommend_out import recommend_experts
from api.routers.common import PageParams, create_one, list_page, page_params, update_one
from api.schemas import FiltersIn, RecommendOut
from api.schemas_records import DemandOut, Page, WriteResult
from api.state import AppState, get_state
from api.writes import get_record
from matcher.domain.records import CooperationMode, CountryCode, Demand, DemandStatus, Record, Site, SiteKind

router = APIRouter(prefix="/v1/demands", tags=["demands"])
DemandId = id_path("Demand id, e.g. D0001.")
_STATION_KINDS = (SiteKind.STATION, SiteKind.OVERSEAS_STATION, SiteKind.BASE, SiteKind.OFFSHORE_BASE)


def _out(record: Record) -> DemandOut:
    return DemandOut.model_validate(record.model_dump())


def _require_station(state: AppState, demand: Demand) -> None:
    if demand.station_id is None:
        return
    site = state.store.records.get("sites", demand.station_id)
    if not isinstance(site, Site) or site.kind not in _STATION_KINDS:
        # 409, not 422: the body is well formed; it names a station the database does not hold (yet)
        raise ApiError(409, "unknown_reference", f"station_id {demand.station_id!r} is not a known station")


@router.get("", response_model=Page[DemandOut], summary="List or search demands (scoped)")
def list_demands(
    page: PageParams = Depends(page_params),
    station_id: IdQuery = None,
    status: DemandStatus | None = Query(None),
    industry: Annotated[CodeText | None, Query(description="Catalogue industry code.")] = None,
    principal: Principal = Depends(get_principal),
    state: AppState = Depends(get_state),
) -> Page[DemandOut]:
    """Demands of the key's stations (all for admin and analyst), ordered by id."""
    within = None if principal.station_ids is None else {"station_id": principal.station_ids}
    equals = {"station_id": station_id, "status": status.value if status else None, "industry": industry}
    return list_page(state, "demands", page, _out, equals=equals, within=within)


@router.get("/{demand_id}", response_model=DemandOut, summary="Get a demand")
def get_demand(
    demand_id: str = DemandId,
    principal: Principal = Depends(get_principal),
    state: AppState = Depends(get_state),
) -> DemandOut:
    """One demand, if the key's scope covers its station."""
    record = get_record(state, "demands", demand_id)
    assert isinstance(record, Demand)
    principal.require_demand_read(record)
    return _out(record)


@router.post("", response_model=WriteResult, status_code=201, summary="Create a demand")
def create_demand(
    demand: Demand,
    principal: Principal = Depends(get_principal),
    state: AppState = Depends(get_state),
) -> WriteResult:
    """Create a demand; a station key's demand defaults to its own station. Matchable at once."""
    if demand.station_id is None and principal.role == "station":
        demand = demand.model_copy(update={"station_id": principal.key.site_id})
    principal.require_demand_write(demand)
    _require_station(state, demand)
    return create_one(state, principal, "demands", demand)


@router.patch("/{demand_id}", response_model=WriteResult, summary="Update a demand")
def update_demand(
    demand_id: str = DemandId,
    patch: DemandPatch = Body(..., description='Fields to change, e.g. {"status": "closed"}.'),
    principal: Principal = Depends(get_principal),
    state: AppState = Depends(get_state),
) -> WriteResult:
    """Change some fields of a demand of the key's stations; re-indexed at once."""
    changes = changes_of(patch)
    if isinstance(changes.get("station_id"), str):
        _require_station(state, Demand(id="check", title="check", station_id=changes["station_id"]))
    return update_one(state, principal, "demands", demand_id, changes)[0]


@router.get("/{demand_id}/recommendations", response_model=RecommendOut, summary="Experts for a demand")
def recommendations_for_demand(
    demand_id: str = DemandId,
    k: int = Query(10, ge=1, le=50),
    industry: Annotated[list[CodeText], Query(max_length=50)] = [],  # noqa: B006
    country: Annotated[list[CountryCode], Query(max_length=50)] = [],  # noqa: B006
    mode: Annotated[list[CooperationMode], Query(max_length=7)] = [],  # noqa: B006
    language: Annotated[list[LanguageText], Query(max_length=20)] = [],  # noqa: B006
    principal: Principal = Depends(get_principal),
    state: AppState = Depends(get_state),
) -> RecommendOut:
    """Top-k experts for a stored demand, with explanations and each pair's lifecycle status."""
    record = get_record(state, "demands", demand_id)
    assert isinstance(record, Demand)
    principal.require_demand_read(record)
    filters = FiltersIn(industries=industry, countries=country, cooperation_modes=mode, languages=language)
    results = recommend_experts(state, principal, demand_id=demand_id, k=k, filters=filters.to_filters())
    return RecommendOut(demand_id=demand_id, k=k, results=results)
