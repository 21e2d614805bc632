"""Audit log export for a period (admin): a CSV or XLSX download (``haizhi audit export`` writes the same)."""

from __future__ import annotations

import csv
import json
import os
import tempfile
from collections.abc import Iterable
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Literal

import openpyxl
from fastapi import APIRouter, Depends, Query
from fastapi.responses import FileResponse
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from starlette.background import BackgroundTask

from api.access import AuditEntry, AuditLog, utc_text
from api.auth import Principal, get_principal
from api.errors import ApiError
from api.params import IsoDate
from api.state import AppState, get_state

ExportFormat = Literal["csv", "xlsx"]
MEDIA_TYPES: dict[str, str] = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
AUDIT_COLUMNS = (
    "at_utc",
    "key_id",
    "actor",
    "role",
    "site_id",
    "action",
    "target_kind",
    "target_id",
    "detail",
)

router = APIRouter(prefix="/v1", tags=["system"])


def period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The naive-UTC instants from the first moment of ``start`` to the last of ``end`` (both days included).

    Raises:
        ValueError: if ``start`` is after ``end``.
    """
    if start > end:
        raise ValueError(f"start {start.isoformat()} is after end {end.isoformat()}")
    # time.max rather than end + 1 day: the latter overflows for 9999-12-31.
    return datetime.combine(start, time.min), datetime.combine(end, time.max)


def _row(entry: AuditEntry) -> list[Any]:
    detail = json.dumps(entry.detail, ensure_ascii=False, sort_keys=True)
    who = [entry.key_id, entry.actor, entry.role, entry.site_id or ""]
    return [entry.at, *who, entry.action, entry.target_kind, entry.target_id, detail]


def _csv_safe(value: Any) -> Any:
    """A text cell that a spreadsheet opens as text: a leading = + - @ would start a formula (OWASP)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _write_csv(path: Path, entries: Iterable[AuditEntry]) -> int:
    count = 0
    # UTF-8 with BOM, as the record exports: Excel then shows Chinese correctly.
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(AUDIT_COLUMNS)
        for entry in entries:
            at, *texts = _row(entry)
            writer.writerow([utc_text(at), *(_csv_safe(text) for text in texts)])
            count += 1
    return count


def _text_cell(sheet: Any, value: str) -> WriteOnlyCell:
    # XLSX cannot hold control characters: show them escaped rather than refuse the whole export.
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub(lambda m: f"\\x{ord(m.group()):02x}", value))
    cell.data_type = "s"  # always text: an actor or note starting with "=" must not become a formula
    return cell


def _write_xlsx(path: Path, entries: Iterable[AuditEntry]) -> int:
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("audit")
    sheet.append(list(AUDIT_COLUMNS))
    count = 0
    for entry in entries:
        at, *texts = _row(entry)
        moment = WriteOnlyCell(sheet, value=at)
        moment.number_format = "yyyy-mm-dd hh:mm:ss"
        sheet.append([moment, *(_text_cell(sheet, text) for text in texts)])
        count += 1
    workbook.save(path)
    return count


def write_audit_export(path: Path, entries: Iterable[AuditEntry], export_format: ExportFormat) -> int:
    """Write ``entries`` to ``path`` as CSV or XLSX (one row per entry, `AUDIT_COLUMNS`).

    Writes straight to ``path``: callers wanting an atomic file pass a temporary path (CLI) or a
    throw-away file (API). Returns the number of entries written.
    """
    if export_format == "xlsx":
        return _write_xlsx(path, entries)
    return _write_csv(path, entries)


@router.get(
    "/audit/export",
    summary="Audit log export for a period (admin)",
    response_class=FileResponse,
    responses={
        200: {
            "description": "The entries of the period as a file download, oldest first",
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                MEDIA_TYPES["xlsx"]: {"schema": {"type": "string", "format": "binary"}},
            },
        }
    },
)
def export_audit(
    start: IsoDate = Query(description="First day of the period (UTC), an ISO date such as 2026-01-01."),
    end: IsoDate = Query(description="Last day of the period (UTC, included); not before start."),
    export_format: ExportFormat = Query("csv", alias="format", description="csv (UTF-8 with BOM) or xlsx."),
    principal: Principal = Depends(get_principal),
    state: AppState = Depends(get_state),
) -> FileResponse:
    """Every audit entry from ``start`` to ``end`` (whole UTC days) as CSV or XLSX, oldest first.

    ``start`` must not be after ``end`` (422 otherwise). Columns: at_utc, key_id, actor, role, site_id,
    action, target_kind, target_id, detail (JSON).
    """
    principal.require_admin("export the audit log")
    try:
        first, last = period_bounds(start, end)
    except ValueError as error:
        raise ApiError(
            422, "invalid_input", str(error), [{"where": "query.start", "why": str(error)}]
        ) from None
    handle, name = tempfile.mkstemp(prefix="haizhi-audit-", suffix=f".{export_format}")
    os.close(handle)
    try:
        write_audit_export(Path(name), AuditLog(state.store).iter_entries(first, last), export_format)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return FileResponse(
        name,
        media_type=MEDIA_TYPES[export_format],
        filename=f"haizhi-audit-{start.isoformat()}_{end.isoformat()}.{export_format}",
        background=BackgroundTask(os.unlink, name),  # the file is only for this download
    )
