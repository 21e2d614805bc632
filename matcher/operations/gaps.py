"""Catalogue gaps (导向目录): fields where open demand finds no strong overseas expert.

For every open demand (open, matching, negotiating) the matcher recommends its top ``k`` experts
(active experts only). The demand is **weak** when any of these holds:

* ``no_expert`` — no expert passes the hard filters at all;
* ``low_similarity`` — the best dense (semantic) similarity among the top ``k`` is below ``dense_threshold``
  (``Settings.gap_dense_threshold``, default 0.6; on the demo data the median top-1 is about 0.70);
* ``no_field_expert`` — none of the top ``k`` experts is tagged with the demand's primary field.

A demand counts under its primary catalogue field (the first of its analysed fields — explicit field
codes, then fields tagged from its text — that belongs to its declared industry, else the first
field), or under its industry when no field is tagged. Per field:
``supply`` = active experts tagged with that field in the expert index, and the
``gap_score`` = weak demands / (1 + supply) — unmet demand per available expert. Rows are ranked by
gap score, then weak demands, then open demands; they tell the plan which overseas talent to recruit.
"""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from matcher.catalogue.catalogue import Catalogue
from matcher.domain.records import Demand, Site
from matcher.operations.flow import open_demands
from matcher.operations.stats import BASE_KINDS, STATION_KINDS
from matcher.retrieval.corpus import Filters
from matcher.service import Matcher, Recommendation

if TYPE_CHECKING:
    import pandas as pd

NO_BASE = "(none)"
REASONS = ("no_expert", "low_similarity", "no_field_expert")  # what makes a demand weak (see above)


@dataclass(frozen=True)
class DemandGap:
    """How well one open demand is served."""

    demand_id: str
    title: str
    base_id: str
    field: str
    industry: str
    top_expert: str | None
    top_dense: float
    reasons: tuple[str, ...]

    @property
    def weak(self) -> bool:
        """True when any weakness reason applies."""
        return bool(self.reasons)


@dataclass
class GapRow:
    """Unmet demand of one catalogue field in one scope (overall or a base)."""

    scope: str
    field: str
    label_zh: str
    label_en: str
    industry: str
    open_demands: int = 0
    weak_demands: int = 0
    supply: int = 0
    mean_top_dense: float = 0.0
    reasons: Counter[str] = dataclasses.field(default_factory=Counter)

    @property
    def gap_score(self) -> float:
        """Weak demands per available expert (+1, so an empty field still ranks by its demand)."""
        return round(self.weak_demands / (1 + self.supply), 4)

    @property
    def weak_share(self) -> float:
        """Share of the open demands that are weak (0 when there are none)."""
        return self.weak_demands / self.open_demands if self.open_demands else 0.0

    def row(self) -> dict[str, object]:
        """Every figure unrounded, with one column per weakness reason (`REASONS`) counting its demands."""
        return {
            "scope": self.scope,
            "field": self.field,
            "label_zh": self.label_zh,
            "label_en": self.label_en,
            "industry": self.industry,
            "open_demands": self.open_demands,
            "weak_demands": self.weak_demands,
            "weak_share": self.weak_share,
            "supply_experts": self.supply,
            "gap_score": self.gap_score,
            "mean_top_dense": self.mean_top_dense,
            **{reason: self.reasons[reason] for reason in REASONS},
        }

    def as_dict(self) -> dict[str, object]:
        """Plain values for JSON and spreadsheets: shares rounded to 4 places, the reasons as one text."""
        plain = {name: value for name, value in self.row().items() if name not in REASONS}
        return plain | {
            "weak_share": round(self.weak_share, 4),
            "mean_top_dense": round(self.mean_top_dense, 4),
            "reasons": "; ".join(f"{k} {v}" for k, v in sorted(self.reasons.items())),
        }


@dataclass
class GapReport:
    """Gap rows overall and per base, and the per-demand details behind them."""

    dense_threshold: float
    k: int
    overall: list[GapRow]
    by_base: dict[str, list[GapRow]]
    demands: list[DemandGap]

    def to_frame(self) -> pd.DataFrame:
        """The overall rows, then each base's, with `GapRow.row` columns (``scope`` tells them apart)."""
        import pandas as pd  # lazily: only analysts need pandas, not the serving path

        rows = [*self.overall, *(row for base_rows in self.by_base.values() for row in base_rows)]
        return pd.DataFrame([row.row() for row in rows], columns=list(GapRow("", "", "", "", "").row()))


class GapAnalyzer:
    """Builds `GapReport` s from a matcher's demands, experts and indexes.

    Args:
        matcher: a matcher with built indexes.
        dense_threshold: top-1 dense similarity below which a demand is weak (settings when None).
        k: how many experts per demand to look at for a field match.
    """

    def __init__(self, matcher: Matcher, dense_threshold: float | None = None, k: int = 5) -> None:
        self.matcher = matcher
        self.dense_threshold = (
            matcher.settings.gap_dense_threshold if dense_threshold is None else dense_threshold
        )
        self.k = k

    def report(self, demands: Sequence[Demand] | None = None) -> GapReport:
        """Gap report over ``demands`` (default: every open demand in the store)."""
        demands = list(open_demands(self.matcher.store) if demands is None else demands)
        experts = self.matcher.collection("experts").corpus
        supply: Counter[str] = Counter()
        for entry in experts.entries():
            if entry.active:
                supply.update(set(entry.fields) | set(entry.industries))
        base_of = self._base_of_station()
        results = (
            self.matcher.recommend_many(demands, k=self.k, filters=Filters(), explain=False)
            if demands
            else []
        )
        gaps = [
            self._demand_gap(d, recs, base_of.get(d.station_id or "", NO_BASE))
            for d, recs in zip(demands, results, strict=True)
        ]
        by_base: dict[str, list[DemandGap]] = defaultdict(list)
        for gap in gaps:
            by_base[gap.base_id].append(gap)
        return GapReport(
            dense_threshold=self.dense_threshold,
            k=self.k,
            overall=self._rows("overall", gaps, supply),
            by_base={base: self._rows(base, items, supply) for base, items in sorted(by_base.items())},
            demands=gaps,
        )

    def _base_of_station(self) -> dict[str, str]:
        sites = [s for s in self.matcher.store.records.list("sites") if isinstance(s, Site)]
        mapping = {s.id: s.parent_id or NO_BASE for s in sites if s.kind in STATION_KINDS}
        mapping.update({s.id: s.id for s in sites if s.kind in BASE_KINDS})
        return mapping

    def _demand_gap(self, demand: Demand, recs: list[Recommendation], base_id: str) -> DemandGap:
        analysis = self.matcher.analyzer.analyze_demand(demand)
        declared = analysis.industries[0] if analysis.industries else ""
        # prefer a field of the demand's own industry over a stray keyword from another one
        in_industry = [f for f in analysis.fields if f.split(".", 1)[0] == declared]
        primary = (in_industry or list(analysis.fields) or [declared])[0]
        industry = primary.split(".", 1)[0]
        reasons: list[str] = []
        top_dense = max((r.features["dense"] for r in recs), default=0.0)
        if not recs:
            reasons.append("no_expert")
        else:
            if top_dense < self.dense_threshold:
                reasons.append("low_similarity")
            corpus = self.matcher.collection("experts").corpus
            tagged = [corpus.get(pk) for r in recs if (pk := corpus.pk_of(r.id)) is not None]
            if primary and not any(primary in e.fields or primary in e.industries for e in tagged):
                reasons.append("no_field_expert")
        return DemandGap(
            demand_id=demand.id,
            title=demand.title,
            base_id=base_id,
            field=primary or "(untagged)",
            industry=industry,
            top_expert=recs[0].id if recs else None,
            top_dense=float(top_dense),
            reasons=tuple(reasons),
        )

    def _rows(self, scope: str, gaps: list[DemandGap], supply: Counter[str]) -> list[GapRow]:
        catalogue = self.matcher.analyzer.catalogue
        rows: dict[str, GapRow] = {}
        dense_sums: dict[str, float] = defaultdict(float)
        for gap in gaps:
            row = rows.get(gap.field)
            if row is None:
                zh, en = _labels(catalogue, gap.field)
                row = rows[gap.field] = GapRow(
                    scope, gap.field, zh, en, gap.industry, supply=supply[gap.field]
                )
            row.open_demands += 1
            row.weak_demands += gap.weak
            row.reasons.update(gap.reasons)
            dense_sums[gap.field] += gap.top_dense
        for code, row in rows.items():
            row.mean_top_dense = dense_sums[code] / row.open_demands
        return sorted(rows.values(), key=lambda r: (-r.gap_score, -r.weak_demands, -r.open_demands, r.field))


def _labels(catalogue: Catalogue, code: str) -> tuple[str, str]:
    try:
        return catalogue.label(code, "zh"), catalogue.label(code, "en")
    except KeyError:
        return code, code
