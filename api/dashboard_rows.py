"""Dashboard rows: stored ledger rows and operations results turned into the dashboard's response models.

Kept apart from `api.routers.dashboard` so the router holds only scoping and the endpoints.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from api.schemas_dashboard import DeliveryOut, NightlyRunOut, StationRankOut
from matcher.operations.station_eval import StationEvaluation
from matcher.operations.stats import Period
from matcher.store import Row

AGE_BANDS = ((None, "unknown"), (36, "36+"), (24, "24–35"), (0, "<24"))
"""Stale profiles per band of months since the update, oldest band first (``unknown``: no date)."""


def rank_out(evaluation: StationEvaluation) -> StationRankOut:
    """One station of the yearly evaluation, with its figures and review flags."""
    stats = evaluation.stats
    return StationRankOut(
        rank=evaluation.rank,
        station_id=stats.scope_id,
        name=stats.name,
        base_id=stats.base_id,
        score=evaluation.score,
        flagged=evaluation.flagged,
        reasons=list(evaluation.reasons),
        demands_posted=stats.demands_posted,
        contacted=stats.contacted,
        signed=stats.signed,
        docking_rate=round(stats.docking_rate, 4),
        signing_rate=round(stats.signing_rate, 4),
        median_days_to_first_contact=stats.median_days_to_first_contact,
        contract_amount_wan=round(stats.contract_amount_wan, 2),
    )


def month_periods(year: int) -> list[tuple[str, Period]]:
    """The twelve calendar months of ``year`` as ``("YYYY-MM", period)``."""
    periods = []
    for month in range(1, 13):
        start = date(year, month, 1)
        end = date(year + month // 12, month % 12 + 1, 1)
        periods.append((f"{year}-{month:02d}", Period(start, date.fromordinal(end.toordinal() - 1))))
    return periods


def age_band(months: int | None) -> str:
    """The `AGE_BANDS` label for a profile last updated ``months`` ago (None: no date)."""
    for floor, label in AGE_BANDS:
        if floor is None and months is None:
            return label
        if floor is not None and months is not None and months >= floor:
            return label
    return AGE_BANDS[-1][1]


def _json(text: Any, empty: Any) -> Any:
    try:
        value = json.loads(text) if text else empty
    except (TypeError, ValueError):
        return empty
    return value if isinstance(value, type(empty)) else empty


def delivery_out(row: Row) -> DeliveryOut:
    """A stored nightly delivery row, with its JSON lists reduced to counts."""
    return DeliveryOut(
        run_date=row["run_date"],
        base_id=row["base_id"],
        run_id=row["run_id"],
        status=row["status"],
        recipients=len(_json(row["recipients"], [])),
        refused=len(_json(row["refused"], {})),
        pairs=len(_json(row["pairs"], [])),
        demands=row["demands"],
        experts=row["experts"],
        attempts=row["attempts"],
        error=row["error"] or "",
        updated_at=row["updated_at"],
    )


def run_out(row: Row, smtp: Row | None, *, with_counts: bool) -> NightlyRunOut:
    """A stored nightly run row; ``with_counts``: include its plan-wide figures."""
    counts = _json(row["counts"], {})
    demands = counts.get("demands") if with_counts else None
    return NightlyRunOut(
        run_id=row["run_id"],
        run_date=row["run_date"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        status=row["status"],
        dry_run=bool(row["dry_run"]),
        base_filter=row["base_filter"],
        error=row["error"] or "",
        demands=demands if isinstance(demands, int) else None,
        smtp_check=None if smtp is None else smtp["status"],
    )
