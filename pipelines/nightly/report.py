"""What a nightly run reports: its outcome per base and summary (`NightlyReport`), and the XLSX
attachment of a base's list (one row per (demand, expert), bilingual headers)."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from pipelines.nightly.ledger_records import SmtpCheck
from pipelines.nightly.plan import BaseDigest

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


@dataclass
class BaseOutcome:
    """What happened to one base in a run."""

    base_id: str
    status: str  # sent | failed | nothing_new | no_contacts | dry_run | reconciled
    recipients: list[str] = field(default_factory=list)
    demands: int = 0
    experts: int = 0
    pairs: int = 0
    message_id: str | None = None
    refused: dict[str, str] = field(default_factory=dict)
    error: str = ""
    path: str | None = None


@dataclass
class NightlyReport:
    """Outcome of one nightly run."""

    run_id: str
    run_date: date
    dry_run: bool
    counts: dict[str, Any] = field(default_factory=dict)
    bases: list[BaseOutcome] = field(default_factory=list)
    smtp_check: SmtpCheck | None = None

    @property
    def mail_path_broken(self) -> bool:
        """The SMTP check at the start failed, so the run stopped before sending or recording anything."""
        return self.smtp_check is not None and not self.smtp_check.ok

    @property
    def failure(self) -> str:
        """The one-line reason a run failed at its SMTP check, e.g. ``SMTP check failed: …``; else empty."""
        return self.smtp_check.line() if self.mail_path_broken and self.smtp_check is not None else ""

    @property
    def status(self) -> str:
        """``failed`` when the SMTP check failed, ``partial`` when a base failed, else ``finished``."""
        if self.mail_path_broken:
            return "failed"
        return "partial" if any(b.status == "failed" for b in self.bases) else "finished"

    def summary(self) -> str:
        """Human-readable lines for the CLI."""
        dry = " (dry run)" if self.dry_run else ""
        head = f"nightly {self.run_date} run {self.run_id}{dry}: {self.status}"
        check = [f"  {self.smtp_check.line()}"] if self.smtp_check is not None else []
        if self.mail_path_broken:
            return "\n".join([head, *check, "  nothing was sent or recorded as sent; the next run retries"])
        c = self.counts
        lines = [
            head,
            *check,
            f"  demands {c.get('open_demands', 0)}, candidates {c.get('candidates', 0)}, "
            f"assigned {c.get('assigned_pairs', 0)} pairs ({c.get('assign_method', '-')}); "
            f"caps cost {c.get('cap_cost', 0)} of {c.get('uncapped_score', 0)} score "
            f"({c.get('cap_cost_pct', 0)} %)",
        ]
        for b in self.bases:
            detail = b.path or b.error or ", ".join(b.recipients)
            lines.append(
                f"  {b.base_id:<10} {b.status:<12} {b.demands:>3} demands {b.pairs:>4} pairs  {detail}"
            )
        if c.get("skipped_bases"):
            lines.append(f"  already sent today, skipped: {', '.join(c['skipped_bases'])}")
        return "\n".join(lines)
