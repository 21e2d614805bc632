"""Station and base statistics (动态管理): the docking funnel, speed and cooperation results.

Definitions (one period, e.g. a calendar year; ``as_of`` defaults to now):

* cohort — demands *posted* in the period (``posted_at`` within ``[start, end]``; with no period
  every demand counts). The funnel follows this cohort through its match history up to ``as_of``:
  ``recommended`` = demands with ≥ 1 match, ``contacted`` = demands with a match that reached
  contacted / negotiating / signed, ``negotiating`` = reached negotiating or signed, ``signed``.
* docking rate 需求对接率 = contacted / posted; signing rate 签约率 = signed / posted.
* median days to first contact — over contacted cohort demands with a ``posted_at``: days from posting
  to the first match event entering contacted (or a later stage).
* experts / projects introduced and contract amounts — cooperation records whose ``start_date`` is in
  the period, on any demand of the station (activity, not cohort: a project signed this year counts
  this year even if the demand was posted last year). Experts are counted once per scope.

A base's figures cover the demands of all its stations (and demands posted by the base itself);
medians are taken over those demands, never as a median of station medians.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

from matcher.domain.records import Demand, MatchStatus, Site, SiteKind
from matcher.store import Cooperation, MatchEvent, Store

if TYPE_CHECKING:
    import pandas as pd

STATION_KINDS = (SiteKind.STATION, SiteKind.OVERSEAS_STATION)
BASE_KINDS = (SiteKind.BASE, SiteKind.OFFSHORE_BASE)
_CONTACTED_OR_LATER = frozenset({MatchStatus.CONTACTED, MatchStatus.NEGOTIATING, MatchStatus.SIGNED})
_NEGOTIATING_OR_LATER = frozenset({MatchStatus.NEGOTIATING, MatchStatus.SIGNED})


@dataclass(frozen=True)
class Period:
    """A closed date interval; ``None`` ends are open."""

    start: date | None = None
    end: date | None = None

    @classmethod
    def year(cls, year: int) -> Period:
        """1 January to 31 December of ``year``."""
        return cls(date(year, 1, 1), date(year, 12, 31))

    def __contains__(self, day: object) -> bool:
        if not isinstance(day, date):
            return False
        return (self.start is None or day >= self.start) and (self.end is None or day <= self.end)

    @property
    def is_open(self) -> bool:
        """True when neither end is set (all time)."""
        return self.start is None and self.end is None

    def label(self) -> str:
        """``2025-01-01..2025-12-31`` style label (``…`` for an open end)."""
        return f"{self.start or '…'}..{self.end or '…'}"


@dataclass
class ScopeStats:
    """Funnel and results of one station, base, or the whole plan (``kind`` = ``overall``)."""

    scope_id: str
    name: str
    kind: str
    base_id: str | None = None
    demands_posted: int = 0
    recommended: int = 0
    contacted: int = 0
    negotiating: int = 0
    signed: int = 0
    experts_introduced: int = 0
    projects_introduced: int = 0
    contract_amount_wan: float = 0.0
    median_days_to_first_contact: float | None = None

    @property
    def docking_rate(self) -> float:
        """需求对接率: contacted / posted (0 when nothing was posted)."""
        return self.contacted / self.demands_posted if self.demands_posted else 0.0

    @property
    def signing_rate(self) -> float:
        """签约率: signed / posted (0 when nothing was posted)."""
        return self.signed / self.demands_posted if self.demands_posted else 0.0

    def row(self) -> dict[str, object]:
        """Every figure unrounded, in report column order (the rates after the funnel counts)."""
        return {
            "scope_id": self.scope_id,
            "name": self.name,
            "kind": self.kind,
            "base_id": self.base_id,
            "demands_posted": self.demands_posted,
            "recommended": self.recommended,
            "contacted": self.contacted,
            "negotiating": self.negotiating,
            "signed": self.signed,
            "docking_rate": self.docking_rate,
            "signing_rate": self.signing_rate,
            "experts_introduced": self.experts_introduced,
            "projects_introduced": self.projects_introduced,
            "contract_amount_wan": self.contract_amount_wan,
            "median_days_to_first_contact": self.median_days_to_first_contact,
        }

    def as_dict(self) -> dict[str, object]:
        """`row` for JSON and spreadsheets: rates rounded to 4 places, amounts to 2."""
        return self.row() | {
            "docking_rate": round(self.docking_rate, 4),
            "signing_rate": round(self.signing_rate, 4),
            "contract_amount_wan": round(self.contract_amount_wan, 2),
        }


@dataclass
class _DemandProgress:
    """How far one demand got by ``as_of``."""

    recommended: bool = False
    contacted: bool = False
    negotiating: bool = False
    signed: bool = False
    first_contact: datetime | None = None


@dataclass
class StatsReport:
    """Statistics of every station, every base and overall for one period."""

    period: Period
    stations: list[ScopeStats] = field(default_factory=list)
    bases: list[ScopeStats] = field(default_factory=list)
    overall: ScopeStats = field(default_factory=lambda: ScopeStats("all", "全部 / all", "overall"))

    @property
    def scopes(self) -> list[ScopeStats]:
        """Stations, then bases, then the overall figures."""
        return [*self.stations, *self.bases, self.overall]

    def to_frame(self) -> pd.DataFrame:
        """One row per scope (`scopes` order) with `ScopeStats.row` columns, unrounded."""
        import pandas as pd  # lazily: only analysts need pandas, not the serving path

        frame = pd.DataFrame([scope.row() for scope in self.scopes], columns=list(self.overall.row()))
        # an empty sum is the int 0 and an unknown median None: keep both columns numeric (NaN = none)
        return frame.astype({"contract_amount_wan": float, "median_days_to_first_contact": float})


def _progress(events: Iterable[MatchEvent], as_of: datetime | None) -> dict[str, _DemandProgress]:
    progress: dict[str, _DemandProgress] = defaultdict(_DemandProgress)
    for event in events:
        if as_of is not None and event.at > as_of:
            continue
        state = progress[event.demand_id]
        state.recommended = True
        status = event.to_status
        if status in _CONTACTED_OR_LATER:
            state.contacted = True
            if state.first_contact is None or event.at < state.first_contact:
                state.first_contact = event.at
        state.negotiating |= status in _NEGOTIATING_OR_LATER
        state.signed |= status is MatchStatus.SIGNED
    return progress


class StatsCalculator:
    """Computes `StatsReport` s from a store (reads every table once per report).

    Args:
        store: the store with sites, demands, matches history and cooperations.
    """

    def __init__(self, store: Store) -> None:
        self.store = store

    def report(self, period: Period | None = None, *, as_of: datetime | None = None) -> StatsReport:
        """Statistics for ``period`` (all time when None), following match history up to ``as_of``."""
        period = period or Period()
        sites = [s for s in self.store.records.list("sites") if isinstance(s, Site)]
        demands = [d for d in self.store.records.list("demands") if isinstance(d, Demand)]
        progress = _progress(self.store.flow.match_events_for(), as_of)
        cooperations = [c for c in self.store.flow.cooperations() if c.start_date in period]
        cohort = [d for d in demands if period.is_open or d.posted_at in period]

        station_base = {s.id: s.parent_id for s in sites if s.kind in STATION_KINDS}

        station_of_demand = {d.id: d.station_id for d in demands}
        report = StatsReport(period=period)
        for site in sites:
            if site.kind in STATION_KINDS:
                scope = ScopeStats(site.id, site.name, "station", site.parent_id)
                member = {site.id}
                report.stations.append(
                    self._fill(scope, cohort, progress, cooperations, station_of_demand, member)
                )
        for site in sites:
            if site.kind in BASE_KINDS:
                scope = ScopeStats(site.id, site.name, "base", None)
                member = {site.id} | {s for s, b in station_base.items() if b == site.id}
                report.bases.append(
                    self._fill(scope, cohort, progress, cooperations, station_of_demand, member)
                )
        report.overall = self._fill(report.overall, cohort, progress, cooperations, station_of_demand, None)
        return report

    @staticmethod
    def _fill(
        scope: ScopeStats,
        cohort: list[Demand],
        progress: dict[str, _DemandProgress],
        cooperations: list[Cooperation],
        station_of_demand: dict[str, str | None],
        members: set[str] | None,
    ) -> ScopeStats:
        """Fill ``scope`` from the demands whose station is in ``members`` (all when None)."""
        mine = [d for d in cohort if members is None or d.station_id in members]
        days: list[int] = []
        for demand in mine:
            state = progress.get(demand.id, _DemandProgress())
            scope.demands_posted += 1
            scope.recommended += state.recommended
            scope.contacted += state.contacted
            scope.negotiating += state.negotiating
            scope.signed += state.signed
            if state.first_contact is not None and demand.posted_at is not None:
                days.append(max(0, (state.first_contact.date() - demand.posted_at).days))
        scope.median_days_to_first_contact = float(statistics.median(days)) if days else None
        projects = [
            c for c in cooperations if members is None or station_of_demand.get(c.demand_id) in members
        ]
        scope.projects_introduced = len(projects)
        scope.experts_introduced = len({c.expert_id for c in projects})
        scope.contract_amount_wan = sum(c.contract_amount_wan or 0.0 for c in projects)
        return scope
