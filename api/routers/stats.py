"""Operations routes: station/base statistics and evaluation, stale profiles, catalogue gaps.

Also includes the project-flow routes (`api.routers.flow`), so the app registers one router.
Scoping: station and base keys see their own stations and base only (no ``overall`` row); admin
and analyst keys see everything.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from api.auth import Principal, get_principal
from api.errors import ApiError
from api.params import IsoDate
from api.routers import flow
from api.state import AppState, get_state
from matcher.operations.freshness import stale_experts
from matcher.operations.gaps import GapAnalyzer
from matcher.operations.station_eval import EvaluationConfig, evaluate_stations
from matcher.operations.stats import Period, StatsCalculator, StatsReport

router = APIRouter(tags=["operations"])
router.include_router(flow.router)


def _period(year: int | None, start: date | None, end: date | None) -> Period:
    if year is not None and (start or end):
        raise ApiError(422, "invalid_input", "give either year or start/end, not both")
    if start and end and start > end:
        raise ApiError(422, "invalid_input", f"start {start} is after end {end}")
    return Period.year(year) if year is not None else Period(start, end)


def _visible(principal: Principal, report: StatsReport) -> dict[str, Any]:
    sees = principal.station_ids
    return {
        "period": report.period.label(),
        "stations": [s.as_dict() for s in report.stations if sees is None or s.scope_id in sees],
        "bases": [b.as_dict() for b in report.bases if sees is None or b.scope_id in sees],
        "overall": report.overall.as_dict() if sees is None else None,
    }


@router.get("/v1/stats/stations", summary="Station and base statistics for a period")
def station_stats(
    year: int | None = Query(None, ge=1990, le=2100),
    start: Annotated[IsoDate | None, Query(description="First day (YYYY-MM-DD); not with year.")] = None,
    end: Annotated[IsoDate | None, Query(description="Last day (YYYY-MM-DD), not before start.")] = None,
    principal: Principal = Depends(get_principal),
    state: AppState = Depends(get_state),
) -> dict[str, Any]:
    """Demands posted, recommended, contacted, negotiating, signed, docking and signing rates, experts
    and projects introduced, contract amounts (万元) and median days to first contact.

    The period is a ``year`` or ``start``/``end`` (either may be open), not both; ``start`` must not be
    after ``end`` (422 otherwise)."""
    report = StatsCalculator(state.store).report(_period(year, start, end))
    return _visible(principal, report)


@router.get("/v1/stats/evaluation", summary="Yearly station evaluation, ranked, weak stations flagged")
def station_evaluation(
    year: int = Query(..., ge=1990, le=2100),
    principal: Principal = Depends(get_principal),
    state: AppState = Depends(get_state),
) -> dict[str, Any]:
    """Scores with their components, weights and the review threshold (matcher.operations.station_eval)."""
    config = EvaluationConfig.load(state.settings.matcher.station_evaluation)
    report = StatsCalculator(state.store).report(Period.year(year))
    sees = principal.station_ids
    ranked = [
        e.as_dict() for e in evaluate_stations(report, config) if sees is None or e.stats.scope_id in sees
    ]
    return {
        "period": report.period.label(),
        "weights": config.weights,
        "targets": config.targets,
        "review_threshold": config.review_threshold,
        "stations": ranked,
    }


@router.get("/v1/stats/stale-experts", summary="Expert profiles not updated for N months")
def stale_profiles(
    months: int | None = Query(None, ge=1, le=600),
    limit: int = Query(500, ge=1, le=10_000),
    _principal: Principal = Depends(get_principal),
    state: AppState = Depends(get_state),
) -> dict[str, Any]:
    """Stale active experts, stalest first, with engagement history (no contact fields)."""
    age = months or state.settings.matcher.stale_after_months
    rows = stale_experts(state.store, months=age)
    return {"months": age, "total": len(rows), "items": [r.as_dict() for r in rows[:limit]]}


@router.get("/v1/stats/gaps", summary="Catalogue fields ranked by unmet demand")
def catalogue_gaps(
    threshold: float | None = Query(None, ge=0.0, le=1.0),
    k: int = Query(5, ge=1, le=50),
    top: int = Query(20, ge=1, le=500),
    principal: Principal = Depends(get_principal),
    state: AppState = Depends(get_state),
) -> dict[str, Any]:
    """Open demands whose best expert is weak or missing, per field, overall and per base."""
    with state.lock.read():
        report = GapAnalyzer(state.matcher, dense_threshold=threshold, k=k).report()
    sees = principal.station_ids
    return {
        "dense_threshold": report.dense_threshold,
        "k": report.k,
        "overall": [r.as_dict() for r in report.overall[:top]] if sees is None else None,
        "by_base": {
            base: [r.as_dict() for r in rows[:top]]
            for base, rows in report.by_base.items()
            if sees is None or base in sees
        },
    }
