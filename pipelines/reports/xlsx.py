"""XLSX reports of the operations area: station statistics and evaluation, gaps, stale profiles.

Every workbook is written to a temporary file next to the target and moved into place, so a reader
never sees a half-written report.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from embeddings.atomic import atomic_path
from matcher.operations.freshness import ExpertFreshness
from matcher.operations.gaps import GapReport
from matcher.operations.station_eval import StationEvaluation
from matcher.operations.stats import StatsReport

Sheet = tuple[str, Sequence[Mapping[str, Any]]]


def write_workbook(path: Path, sheets: Sequence[Sheet]) -> Path:
    """Write one sheet per ``(title, rows)``; the header is the first row's keys. Atomic.

    Raises:
        ValueError: if ``path`` does not end in ``.xlsx``.
    """
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise ValueError(f"{path}: reports are written as .xlsx files")
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets:
        sheet = workbook.create_sheet(title[:31])
        header = list(rows[0]) if rows else ["(no rows)"]
        sheet.append(header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([_cell(row.get(name)) for name in header])
        for index, name in enumerate(header, start=1):
            width = max([len(str(name)), *(len(str(_cell(r.get(name)) or "")) for r in rows[:200])])
            sheet.column_dimensions[get_column_letter(index)].width = min(60, width + 2)
        sheet.freeze_panes = "A2"
    with atomic_path(path) as temporary:
        workbook.save(temporary)
    return path


def _cell(value: Any) -> Any:
    if isinstance(value, list | tuple | set):
        return "; ".join(str(v) for v in value)
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    return str(value)


def stats_sheets(report: StatsReport, evaluations: Sequence[StationEvaluation] | None = None) -> list[Sheet]:
    """Sheets ``stations``, ``bases``, ``overall`` and, with evaluations, ``evaluation``."""
    period = {"period": report.period.label()}
    sheets: list[Sheet] = [
        ("stations", [{**period, **s.as_dict()} for s in report.stations]),
        ("bases", [{**period, **s.as_dict()} for s in report.bases]),
        ("overall", [{**period, **report.overall.as_dict()}]),
    ]
    if evaluations is not None:
        sheets.insert(0, ("evaluation", [{**period, **e.as_dict()} for e in evaluations]))
    return sheets


def write_stats_xlsx(
    path: Path, report: StatsReport, evaluations: Sequence[StationEvaluation] | None = None
) -> Path:
    """Station/base statistics (and the ranked evaluation) as a workbook."""
    return write_workbook(path, stats_sheets(report, evaluations))


def write_gaps_xlsx(path: Path, report: GapReport) -> Path:
    """Gap report: ``overall``, ``by_base`` and ``demands`` (why each open demand is weak or not)."""
    by_base = [row.as_dict() for rows in report.by_base.values() for row in rows]
    demands = [
        {
            "demand_id": g.demand_id,
            "title": g.title,
            "base_id": g.base_id,
            "field": g.field,
            "industry": g.industry,
            "top_expert": g.top_expert,
            "top_dense": round(g.top_dense, 4),
            "weak": g.weak,
            "reasons": "; ".join(g.reasons),
        }
        for g in report.demands
    ]
    settings = [
        {"dense_threshold": report.dense_threshold, "k": report.k, "open_demands": len(report.demands)}
    ]
    return write_workbook(
        path,
        [
            ("overall", [r.as_dict() for r in report.overall]),
            ("by_base", by_base),
            ("demands", demands),
            ("settings", settings),
        ],
    )


def write_stale_xlsx(path: Path, rows: Sequence[ExpertFreshness]) -> Path:
    """Stale-profile report, one row per expert."""
    return write_workbook(path, [("stale_experts", [r.as_dict() for r in rows])])
