"""File readers for imports: CSV/TSV, XLSX (first sheet) and JSONL, with encoding detection.

Readers only produce raw cells with the row numbers a user sees, plus the problems they can see in
the cells themselves (see `RawTable.problems`); validation lives in `importer`. Decoding is in
`encodings`, the CSV and XLSX details in `read_csv` and `read_xlsx`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from matcher.ingest.cell_checks import text_problem
from matcher.ingest.encodings import decode_text
from matcher.ingest.import_types import MAX_LISTED_PROBLEMS, ImportFileError, Problem, RawTable, file_error
from matcher.ingest.read_csv import read_csv
from matcher.ingest.read_xlsx import read_xlsx

__all__ = [
    "JSONL_SUFFIXES",
    "MAX_LISTED_PROBLEMS",
    "TABLE_SUFFIXES",
    "ImportFileError",
    "Problem",
    "RawTable",
    "decode_text",
    "read_raw",
    "read_table",
]

# Not str.splitlines(): it also breaks at U+2028, U+0085 …, which JSON strings may hold unescaped.
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
TABLE_SUFFIXES = {".csv": ",", ".tsv": "\t", ".xlsx": "", ".xlsm": ""}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}


def _read_jsonl(path: Path) -> RawTable:
    text = decode_text(path.read_bytes(), path)
    table = RawTable(header=[], jsonl=True)
    problems: list[Problem] = []
    for number, line in enumerate(_LINE_BREAK.split(text), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(Problem(str(path), number, "", f"invalid JSON: {exc.msg} at column {exc.colno}"))
            continue
        if not isinstance(obj, dict):
            problems.append(Problem(str(path), number, "", "each line must be a JSON object"))
            continue
        table.rows.append((number, obj))
        table.problems += _jsonl_text_problems(str(path), number, obj)
    if problems:
        raise ImportFileError(problems)
    return table


def _jsonl_text_problems(file: str, number: int, obj: dict[str, Any]) -> list[Problem]:
    """Control characters (``\\u0000`` escapes decode to NUL) and garbled text in keys and values."""
    problems = []
    for key, value in obj.items():
        reason = text_problem(key)
        if reason is not None:
            problems.append(Problem(file, number, key, f"in the key: {reason}"))
            continue
        texts = value if isinstance(value, list) else [value]
        for item in texts:
            reason = text_problem(item) if isinstance(item, str) else None
            if reason is not None:
                problems.append(Problem(file, number, key, reason))
                break
    return problems


def read_table(path: Path) -> RawTable:
    """Read the cells of a .csv, .tsv, .xlsx/.xlsm or .jsonl/.ndjson file, with their cell problems.

    Raises:
        ImportFileError: for a missing, unreadable, undecodable or unsupported file, or one whose
            structure (header, JSON lines) cannot be read at all.
    """
    suffix = path.suffix.lower()
    if not path.is_file():
        raise file_error(path, "file not found")
    try:
        if suffix in JSONL_SUFFIXES:
            return _read_jsonl(path)
        if suffix in (".xlsx", ".xlsm"):
            return read_xlsx(path)
        if suffix in TABLE_SUFFIXES:
            return read_csv(path, TABLE_SUFFIXES[suffix])
    except OSError as exc:
        raise file_error(path, f"cannot read the file: {exc.strerror or exc}") from None
    if suffix == ".xls":
        raise file_error(path, "old Excel .xls files are not supported: save the sheet as .xlsx or UTF-8 CSV")
    raise file_error(path, f"unsupported file type {suffix or '(none)'!r}: use .csv, .tsv, .xlsx or .jsonl")


def read_raw(path: Path) -> RawTable:
    """`read_table`, refusing the file if any cell has a problem (for callers without their own checks).

    Raises:
        ImportFileError: as `read_table`, and for every cell problem.
    """
    table = read_table(path)
    if table.problems:
        raise ImportFileError(sorted(table.problems, key=lambda p: p.row))
    return table
