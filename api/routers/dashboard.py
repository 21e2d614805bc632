"""The bases' and administrators' dashboard: JSON for the charts and tables of ``/dashboard``.

Every figure comes from the operations code the CLI reports use (`matcher.operations`), the store's
ledger rows (`store.ledger`, read here without `pipelines`) and the index freshness check of
``GET /v1/health``. Scoping (docs/dashboard.md):

* admin and analyst keys see every station and base and the plan overall;
* a base key sees its own base and its stations only (no ``overall`` figures, its own gaps and
  deliveries); the stale expert list is the same for everyone (experts are public profiles);
* station keys are refused (403): a station's own figures are ``GET /v1/stats/stations``.

Only admins get ``scope.can_write`` (the page's "profile still current" control, which is
``PATCH /v1/experts/{id}``, admin only); analysts read the same panels, and the server refuses their
writes whatever the page shows.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

from fastapi import APIRouter, Depends, Query

from api.auth import Principal, get_principal
from api.dashboard_rows import AGE_BANDS, age_band, delivery_out, month_periods, rank_out, run_out
from api.errors import ApiError, forbidden
from api.schemas_dashboard import (
    CollectionFreshnessOut,
    DashboardScope,
    EvaluationOut,
    GapFieldOut,
    GapsOut,
    IndexFreshnessOut,
    MonthlyOut,
    MonthOut,
    NightlyOut,
    StaleExpertOut,
    StaleOut,
)
from api.state import AppState, get_state
from matcher.operations.freshness import stale_experts
from matcher.operations.gaps import GapAnalyzer
from matcher.operations.station_eval import EvaluationConfig, evaluate_stations
from matcher.operations.stats import Period, ScopeStats, StatsCalculator
from matcher.retrieval.maintenance import INDEXED_KINDS
from matcher.store import Row

router = APIRouter(prefix="/v1/dashboard", tags=["dashboard"])

OVERALL = "all"
_FAILING = frozenset({"failed", "sending"})


def dashboard_scope(principal: Principal = Depends(get_principal)) -> DashboardScope:
    """Dependency: the caller's dashboard scope; station keys get 403."""
    if principal.role == "station":
        raise forbidden(
            "the dashboard is for base, admin and analyst keys; a station's own figures are "
            "GET /v1/stats/stations"
        )
    stations = None if principal.station_ids is None else sorted(principal.station_ids)
    return DashboardScope(
        role=principal.role,
        site_id=principal.key.site_id if principal.role == "base" else None,
        station_ids=stations,
        can_write=principal.role == "admin",
    )


def _sees(scope: DashboardScope, site_id: str | None) -> bool:
    return scope.station_ids is None or (site_id is not None and site_id in scope.station_ids)


def _this_year() -> int:
    return date.today().year


@router.get("/evaluation", response_model=EvaluationOut, summary="Station ranking of a year, flagged ones")
def evaluation(
    year: int | None = Query(None, ge=1990, le=2100, description="Calendar year; this year by default."),
    scope: DashboardScope = Depends(dashboard_scope),
    state: AppState = Depends(get_state),
) -> EvaluationOut:
    """The yearly station evaluation (动态管理) in the caller's scope, best first, with the review flags."""
    year = year or _this_year()
    config = EvaluationConfig.load(state.settings.matcher.station_evaluation)
    report = StatsCalculator(state.store).report(Period.year(year))
    ranked = [rank_out(e) for e in evaluate_stations(report, config) if _sees(scope, e.stats.scope_id)]
    return EvaluationOut(
        scope=scope,
        year=year,
        period=report.period.label(),
        review_threshold=config.review_threshold,
        weights=config.weights,
        stations=ranked,
        flagged=sum(r.flagged for r in ranked),
    )


def _pick(stats: list[ScopeStats], overall: ScopeStats, scope_id: str) -> ScopeStats | None:
    if scope_id == OVERALL:
        return overall
    return next((s for s in stats if s.scope_id == scope_id), None)


@router.get("/monthly", response_model=MonthlyOut, summary="Docking and signing rates by month")
def monthly(
    year: int | None = Query(None, ge=1990, le=2100, description="Calendar year; this year by default."),
    scope_id: str | None = Query(
        None,
        alias="scope",
        max_length=64,
        description="all, a base or a station id; the key's own by default.",
    ),
    scope: DashboardScope = Depends(dashboard_scope),
    state: AppState = Depends(get_state),
) -> MonthlyOut:
    """For each month of the year: the demands posted that month and how many were contacted and signed
    by now (the cohort definitions of `matcher.operations.stats`, one report per month)."""
    year = year or _this_year()
    calculator = StatsCalculator(state.store)
    reports = [(label, calculator.report(period)) for label, period in month_periods(year)]
    first = reports[0][1]
    everything = [*first.stations, *first.bases]
    allowed = [OVERALL] if scope.station_ids is None else []
    allowed += [s.scope_id for s in everything if _sees(scope, s.scope_id)]
    wanted = scope_id or (scope.site_id if scope.site_id else OVERALL)
    if wanted not in allowed:
        known = wanted == OVERALL or any(s.scope_id == wanted for s in everything)
        if known:
            raise forbidden(f"scope {wanted!r} is outside this key's scope")
        raise ApiError(404, "not_found", f"no base or station with id {wanted!r}")
    months = []
    name = ""
    for label, report in reports:
        picked = _pick([*report.stations, *report.bases], report.overall, wanted)
        assert picked is not None  # the sites are the same in every month's report
        name = picked.name
        months.append(
            MonthOut(
                month=label,
                demands_posted=picked.demands_posted,
                contacted=picked.contacted,
                signed=picked.signed,
                docking_rate=round(picked.docking_rate, 4),
                signing_rate=round(picked.signing_rate, 4),
            )
        )
    return MonthlyOut(scope=scope, year=year, scope_id=wanted, scope_name=name, months=months, scopes=allowed)


@router.get("/gaps", response_model=GapsOut, summary="Catalogue fields with unmet demand")
def gaps(
    top: int = Query(15, ge=1, le=200, description="Fields to return, largest gap first."),
    scope: DashboardScope = Depends(dashboard_scope),
    state: AppState = Depends(get_state),
) -> GapsOut:
    """The guidance catalogue (导向目录) fields ranked by open demands whose best expert is weak or
    missing (`matcher.operations.gaps`): overall for admin and analyst keys, the base's own for a base."""
    with state.lock.read():
        report = GapAnalyzer(state.matcher).report()
    if scope.site_id is None:
        rows, scope_id = report.overall, "overall"
    else:
        rows, scope_id = report.by_base.get(scope.site_id, []), scope.site_id
    fields = [
        GapFieldOut(
            field=r.field,
            label_zh=r.label_zh,
            label_en=r.label_en,
            industry=r.industry,
            open_demands=r.open_demands,
            weak_demands=r.weak_demands,
            weak_share=round(r.weak_share, 4),
            supply_experts=r.supply,
            gap_score=r.gap_score,
        )
        for r in rows[:top]
    ]
    return GapsOut(
        scope=scope, scope_id=scope_id, dense_threshold=report.dense_threshold, k=report.k, fields=fields
    )


@router.get("/stale", response_model=StaleOut, summary="Expert profiles whose data is outdated")
def stale(
    months: int | None = Query(
        None, ge=1, le=600, description="Stale after; the server's setting by default."
    ),
    limit: int = Query(50, ge=1, le=1000),
    scope: DashboardScope = Depends(dashboard_scope),
    state: AppState = Depends(get_state),
) -> StaleOut:
    """Active experts not updated for ``months`` months (or with no update date), stalest first, with
    their engagement (`matcher.operations.freshness.stale_experts`); no contact fields."""
    age = months or state.settings.matcher.stale_after_months
    rows = stale_experts(state.store, months=age)
    bands = Counter(age_band(r.months_since_update) for r in rows)
    items = [
        StaleExpertOut(
            expert_id=r.expert_id,
            name=r.name,
            country=r.country,
            updated_at=r.updated_at,
            months_since_update=r.months_since_update,
            matches=r.matches,
            open_engagements=r.open_engagements,
            signed=r.signed,
            last_engagement_at=r.last_engagement_at,
        )
        for r in rows[:limit]
    ]
    return StaleOut(
        scope=scope,
        months=age,
        total=len(rows),
        unknown_date=bands.get("unknown", 0),
        by_age={label: bands.get(label, 0) for _, label in AGE_BANDS},
        items=items,
    )


@router.get("/nightly", response_model=NightlyOut, summary="Nightly run ledger: runs, deliveries, failures")
def nightly(
    limit: int = Query(10, ge=1, le=100, description="Latest runs to list."),
    scope: DashboardScope = Depends(dashboard_scope),
    state: AppState = Depends(get_state),
) -> NightlyOut:
    """The latest nightly runs, what each base was sent on the latest run date, and the bases whose
    latest delivery failed (the next run retries them). A base key sees its own deliveries only, and
    runs without their plan-wide figures."""
    ledger = state.store.ledger
    whole = scope.station_ids is None
    run_rows = ledger.run_rows(limit=limit)
    runs = [run_out(r, ledger.smtp_check_row(r["run_id"]), with_counts=whole) for r in run_rows]
    latest: dict[str, Row] = {}
    for row in ledger.delivery_states():
        latest[row["base_id"]] = row
    last_day = max((r["run_date"] for r in latest.values()), default=None)
    deliveries = []
    if last_day is not None:
        deliveries = [
            delivery_out(r) for r in ledger.delivery_rows(run_date=last_day) if _sees(scope, r["base_id"])
        ]
    failing = []
    for base_id, row in sorted(latest.items()):
        if row["status"] in _FAILING and _sees(scope, base_id):
            full = ledger.delivery_row(row["run_date"], base_id)
            if full is not None:
                failing.append(delivery_out(full))
    return NightlyOut(
        scope=scope,
        runs=runs,
        deliveries=deliveries,
        failed_bases=failing,
        pairs_sent=sum(d.pairs for d in deliveries if d.status == "sent"),
    )


@router.get("/index", response_model=IndexFreshnessOut, summary="Records not yet indexed")
def index_freshness(
    scope: DashboardScope = Depends(dashboard_scope), state: AppState = Depends(get_state)
) -> IndexFreshnessOut:
    """Per collection: stored and indexed records, and those not yet indexed, changed since indexed or
    deleted but still indexed — the figures of ``GET /v1/health``, with the index version in use."""
    with state.lock.read():
        freshness = state.matcher.index_freshness()
        versions = {kind: state.matcher.loaded_version(kind) for kind in INDEXED_KINDS}
    collections = [
        CollectionFreshnessOut(
            kind=c.kind,
            stored=c.stored,
            indexed=c.indexed,
            not_indexed=c.not_indexed,
            changed=c.changed,
            deleted=c.deleted,
            behind=c.behind,
            version=versions.get(c.kind),
        )
        for c in (freshness.experts, freshness.demands)
    ]
    return IndexFreshnessOut(
        scope=scope, behind=freshness.behind, notice=freshness.notice(), collections=collections
    )
