"""Import experts, organisations, sites and demands from CSV, XLSX or JSONL files.

Every row is validated before anything is written; all problems are reported together as
``file:row:column: reason`` lines, and a file with any problem writes nothing.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from matcher.domain.records import RECORD_TYPES, Record
from matcher.ingest.import_columns import VALUE_ALIASES, header_lookup, normalise_header
from matcher.ingest.readers import ImportFileError, Problem, RawTable, read_table
from matcher.store import Store

__all__ = ["ImportFileError", "ImportReport", "Problem", "import_file", "read_records"]


@dataclass(frozen=True)
class ImportReport:
    """Outcome of `import_file`."""

    kind: str
    path: str
    rows: int
    inserted: int
    updated: int
    unchanged: int

    def __str__(self) -> str:
        return (
            f"{self.path}: {self.rows} {self.kind} read, {self.inserted} inserted, "
            f"{self.updated} updated, {self.unchanged} unchanged"
        )


def _is_date_field(annotation: Any) -> bool:
    return date in typing.get_args(annotation) or annotation is date


def _cell_input(value: Any, is_date: bool) -> Any:
    """Turn a raw cell into what the record model parses (None = leave the field out)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.date().isoformat() if is_date else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # Excel stores ids and phone numbers as floats: 1001.0 must become "1001".
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, list):
        return [str(v) for v in value if v is not None]
    return value  # dicts etc. are rejected by the model with a type error


def _reason(error: Any) -> str:
    message = str(error["msg"]).removeprefix("Value error, ")
    given = error.get("input")
    if isinstance(given, str) and given not in message and error["type"] != "missing":
        message += f" (got {given!r})"
    return message


class _RowValidator:
    """Maps columns to fields and validates rows of one file."""

    def __init__(self, path: Path, kind: str) -> None:
        self.file = str(path)
        self.kind = kind
        self.model = RECORD_TYPES[kind]
        self.lookup = header_lookup(kind)
        self.date_fields = {n for n, f in self.model.model_fields.items() if _is_date_field(f.annotation)}
        self.problems: list[Problem] = []

    def problem(self, row: int, column: str, reason: str) -> None:
        self.problems.append(Problem(self.file, row, column, reason))

    def map_header(self, header: list[str], row: int = 1) -> dict[int, tuple[str, str]]:
        """column index → (header as written, field name); unknown/duplicate columns are problems."""
        mapping: dict[int, tuple[str, str]] = {}
        seen: dict[str, str] = {}
        for index, title in enumerate(header):
            if not title.strip():
                continue
            name = self.lookup.get(normalise_header(title))
            if name is None:
                self.problem(row, title, f"unknown column for {self.kind} (see docs/import-format.md)")
            elif name in seen:
                self.problem(row, title, f"column {seen[name]!r} already provides {name}")
            else:
                seen[name] = title
                mapping[index] = (title, name)
        if row == 1:
            for name, info in self.model.model_fields.items():
                if info.is_required() and name not in seen:
                    self.problem(1, name, "required column is missing")
        return mapping

    def validate(self, row: int, cells: dict[str, tuple[str, Any]]) -> Record | None:
        """Validate one row given as field → (column title, raw value)."""
        data: dict[str, Any] = {}
        for name, (_title, raw) in cells.items():
            value = _cell_input(raw, name in self.date_fields)
            if isinstance(value, str):
                value = VALUE_ALIASES.get(name, {}).get(value, value)
            if value is not None and value != []:
                data[name] = value
        try:
            return self.model.model_validate(data)
        except ValidationError as exc:
            for error in exc.errors():
                name = str(error["loc"][0]) if error["loc"] else ""
                column = cells[name][0] if name in cells else name
                if error["type"] == "missing":
                    reason = "a value is required here" if name in cells else "required field is missing"
                else:
                    reason = _reason(error)
                self.problem(row, column, reason)
            return None


def _validate_table(validator: _RowValidator, table: RawTable) -> list[tuple[int, Record]]:
    mapping = validator.map_header(table.header)
    if validator.problems:  # a broken header would make every row fail: report the header only
        return []
    records: list[tuple[int, Record]] = []
    width = len(table.header)
    for number, values in table.rows:
        extra = [v for v in values[width:] if v not in (None, "")]
        if extra:
            validator.problem(number, "", f"row has {len(values)} cells but the header has {width} columns")
            continue
        unnamed = [i for i, v in enumerate(values[:width]) if i not in mapping and v not in (None, "")]
        if unnamed:
            validator.problem(number, "", f"value in column {unnamed[0] + 1}, which has no header")
            continue
        cells = {
            name: (title, values[i] if i < len(values) else None) for i, (title, name) in mapping.items()
        }
        record = validator.validate(number, cells)
        if record is not None:
            records.append((number, record))
    return records


def _validate_jsonl(validator: _RowValidator, table: RawTable) -> list[tuple[int, Record]]:
    records: list[tuple[int, Record]] = []
    for number, obj in table.rows:
        keys = [str(k) for k in obj]
        before = len(validator.problems)
        mapping = validator.map_header(keys, row=number)
        if len(validator.problems) > before:
            continue
        cells = {name: (title, obj[title]) for title, name in mapping.values()}
        record = validator.validate(number, cells)
        if record is not None:
            records.append((number, record))
    return records


def read_records(path: Path, kind: str) -> list[Record]:
    """Read and validate every row of a .csv/.tsv/.xlsx/.jsonl file of ``kind`` records.

    Raises:
        ValueError: for an unknown kind.
        ImportFileError: listing every problem (bad encoding, unknown or missing columns,
            invalid values, duplicate ids) as ``file:row:column: reason``.
    """
    if kind not in RECORD_TYPES:
        raise ValueError(f"unknown record kind {kind!r} (allowed: {', '.join(RECORD_TYPES)})")
    path = Path(path)
    table = read_table(path)
    validator = _RowValidator(path, kind)
    rows = _validate_jsonl(validator, table) if table.jsonl else _validate_table(validator, table)
    first_row: dict[str, int] = {}
    for number, record in rows:
        if record.id in first_row:
            validator.problem(
                number, "id", f"duplicate id {record.id!r} (first at row {first_row[record.id]})"
            )
        else:
            first_row[record.id] = number
    problems = _merge_problems(table.problems, validator.problems)
    if problems:
        raise ImportFileError(sorted(problems, key=lambda p: p.row))
    return [record for _, record in rows]


def _merge_problems(found_reading: list[Problem], found_validating: list[Problem]) -> list[Problem]:
    """All problems, the reader's first; a cell the reader explained is not reported again.

    The reader knows the cause (a formula without a saved value, a merged cell, a control character),
    validation only the consequence ("a value is required here").
    """
    explained = {(p.row, p.column) for p in found_reading}
    return found_reading + [p for p in found_validating if (p.row, p.column) not in explained]


def import_file(store: Store, kind: str, path: Path) -> ImportReport:
    """Validate a whole file, then upsert its records in one transaction (all or nothing).

    Raises:
        ImportFileError: if the file has any problem; nothing is written then.
    """
    records = read_records(path, kind)
    with store.transaction():
        result = store.records.upsert(kind, records)
    return ImportReport(
        kind=kind,
        path=str(path),
        rows=len(records),
        inserted=result.inserted,
        updated=result.updated,
        unchanged=result.unchanged,
    )
