"""The XLSX attachment of a base's nightly list: one row per (demand, expert), bilingual headers."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from pipelines.nightly_plan import BaseDigest

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

COLUMNS: tuple[tuple[str, int], ...] = (
    ("工作站 Station", 30),
    ("需求编号 Demand ID", 14),
    ("需求 Demand", 36),
    ("企业 Enterprise", 26),
    ("序号 No.", 8),
    ("专家编号 Expert ID", 14),
    ("专家 Expert", 16),
    ("英文名 Name (en)", 18),
    ("单位 Affiliation", 30),
    ("国家 Country", 10),
    ("得分 Score", 10),
    ("匹配理由", 60),
    ("Why matched", 60),
)
SHEET_TITLE = "新推荐 New matches"


def digest_rows(digest: BaseDigest) -> list[list[object]]:
    """The data rows of the sheet, in e-mail order (station, demand, best expert first)."""
    rows: list[list[object]] = []
    for station in digest.stations:
        for section in station.demands:
            demand = section.demand
            for number, row in enumerate(section.rows, start=1):
                rows.append(
                    [
                        station.station.name,
                        demand.id,
                        demand.title,
                        demand.enterprise or "",
                        number,
                        row.expert_id,
                        row.name,
                        row.name_en,
                        row.affiliation,
                        row.country,
                        row.score,
                        row.reason_zh,
                        row.reason_en,
                    ]
                )
    return rows


def digest_xlsx(digest: BaseDigest, run_date: date) -> bytes:
    """The workbook as bytes: a header row, one row per proposed expert, frozen header, filters."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # a new workbook always has one sheet
    sheet.title = SHEET_TITLE
    sheet.append([name for name, _ in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in digest_rows(digest):
        sheet.append(row)
    for index, (_, width) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    for cells in sheet.iter_rows(min_row=2, min_col=12, max_col=13):
        for cell in cells:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    workbook.properties.title = f"{digest.base.name} {run_date.isoformat()}"
    workbook.properties.creator = "Haizhi Match"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
