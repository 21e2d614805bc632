"""Export stored records to CSV (UTF-8 with BOM, so Excel shows Chinese correctly) or XLSX.

Files use the importer's column names, so an exported file imports back unchanged.
"""

from __future__ import annotations

import csv
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.cell import WriteOnlyCell

from embeddings.atomic import atomic_path
from matcher.domain.records import RECORD_TYPES, Record
from matcher.ingest.import_columns import aliases
from matcher.store import Store

LIST_JOINER = "; "


def _cell_text(value: Any) -> str | float | None:
    """Plain cell value: lists joined with ``; ``, enums as codes, dates ISO, booleans true/false."""
    if value is None:
        return None
    if isinstance(value, list):
        return LIST_JOINER.join(str(v.value if isinstance(v, Enum) else v) for v in value) or None
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float):
        return float(value)
    return str(value) or None


def export_columns(kind: str, header_language: str = "en") -> list[tuple[str, str]]:
    """(header, field) pairs in field order; ``zh`` uses each field's first Chinese alias."""
    names = list(RECORD_TYPES[kind].model_fields)
    if header_language == "en":
        return [(name, name) for name in names]
    spelled = aliases(kind)
    return [(next(iter(spelled[name]), name), name) for name in names]


def _write_csv(path: Path, header: list[str], rows: list[list[Any]]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            writer.writerow(
                ["" if v is None else (_number_text(v) if isinstance(v, float) else v) for v in row]
            )


def _number_text(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)


def _write_xlsx(path: Path, header: list[str], rows: list[list[Any]], title: str) -> None:
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    sheet.append(header)
    for row in rows:
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                # Force text: a bio starting with "=" must not become a formula.
                cell.data_type = "s"
            cells.append(cell)
        sheet.append(cells)
    workbook.save(path)


def records_to_rows(records: list[Record], fields: list[str]) -> list[list[Any]]:
    """Cell values of ``records`` for the given field order."""
    return [[_cell_text(getattr(record, name)) for name in fields] for record in records]


def export_records(store: Store, kind: str, path: Path, *, header_language: str = "en") -> int:
    """Write every record of ``kind`` to ``path`` (.csv or .xlsx, chosen by extension).

    Args:
        store: the store to read from.
        kind: ``experts``, ``organizations``, ``sites`` or ``demands``.
        path: target file; replaced atomically.
        header_language: ``en`` (field names) or ``zh`` (Chinese headers the importer accepts).

    Returns:
        Number of records written.

    Raises:
        ValueError: for an unknown kind or an unsupported extension.
    """
    if kind not in RECORD_TYPES:
        raise ValueError(f"unknown record kind {kind!r} (allowed: {', '.join(RECORD_TYPES)})")
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise ValueError(f"cannot export to {path}: use a .csv or .xlsx file name")
    columns = export_columns(kind, header_language)
    records = store.records.list(kind)
    rows = records_to_rows(records, [name for _, name in columns])
    header = [title for title, _ in columns]
    with atomic_path(path, mode=0o644) as temp:
        if suffix == ".csv":
            _write_csv(temp, header, rows)
        else:
            _write_xlsx(temp, header, rows, title=kind)
    return len(records)
