"""Low-level file readers for imports: encoding detection, CSV/TSV, XLSX (first sheet) and JSONL.

Readers only produce raw cells with the row numbers a user sees; validation lives in `importer`.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import charset_normalizer
import openpyxl

MAX_LISTED_PROBLEMS = 50

TABLE_SUFFIXES = {".csv": ",", ".tsv": "\t", ".xlsx": "", ".xlsm": ""}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
# Decodings tried after strict UTF-8: GB18030 is a superset of GBK/GB2312, the usual
# encoding of Chinese Excel "CSV" exports.
_CHINESE_ENCODINGS = {"gb2312", "gbk", "gb18030", "hz", "cp936"}
_SINGLE_BYTE_PREFIXES = ("cp125", "latin", "iso8859", "mac_", "koi8", "cp437", "cp850", "cp858", "ascii")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an import file, located as the user sees it (row 1 = header)."""

    file: str
    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        if self.row <= 0:
            return f"{self.file}: {self.reason}"
        if not self.column:
            return f"{self.file}:{self.row}: {self.reason}"
        return f"{self.file}:{self.row}:{self.column}: {self.reason}"


class ImportFileError(ValueError):
    """An import file has problems; ``problems`` lists all of them, nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(self._message())

    def _message(self) -> str:
        lines = [str(p) for p in self.problems[:MAX_LISTED_PROBLEMS]]
        hidden = len(self.problems) - len(lines)
        if hidden > 0:
            lines.append(f"… and {hidden} more")
        count = len(self.problems)
        return f"{count} problem{'s' if count != 1 else ''} in import file:\n" + "\n".join(lines)


@dataclass
class RawTable:
    """Cells of a file: a header (empty for JSONL) and ``(row number, values)`` per non-empty row.

    For CSV/XLSX ``values`` is a list aligned with ``header``; for JSONL it is the line's object.
    """

    header: list[str]
    rows: list[tuple[int, Any]] = field(default_factory=list)
    jsonl: bool = False


def _fail(path: Path, reason: str, row: int = 0) -> ImportFileError:
    return ImportFileError([Problem(str(path), row, "", reason)])


def _plausible(text: str) -> bool:
    """Reject decodings full of control characters (a binary file decoded "successfully")."""
    bad = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\r\n")
    return bad == 0


def _single_byte(encoding: str) -> bool:
    return encoding.startswith(_SINGLE_BYTE_PREFIXES)


def decode_text(data: bytes, path: Path) -> str:
    """Decode UTF-8 (with or without BOM), else GBK/GB18030, else what charset-normalizer finds.

    GB18030 decodes most byte soup without error, so a confident single-byte guess from
    charset-normalizer (e.g. a Windows-1252 file with accented European names) wins over it.

    Raises:
        ImportFileError: if no encoding yields readable text.
    """
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    chinese: str | None = None
    with contextlib.suppress(UnicodeDecodeError):
        chinese = data.decode("gb18030")
    if chinese is not None and not _plausible(chinese):
        chinese = None
    best = charset_normalizer.from_bytes(data).best()
    guess = str(best) if best is not None and best.encoding not in _CHINESE_ENCODINGS else None
    if guess is not None and not _plausible(guess):
        guess = None
    if guess is not None and best is not None and (chinese is None or _single_byte(best.encoding)):
        return guess
    if chinese is not None:
        return chinese
    raise _fail(path, "cannot decode the file: it is not UTF-8 or GBK/GB18030 text; save it as UTF-8 CSV")


def _read_csv(path: Path, delimiter: str) -> RawTable:
    text = decode_text(path.read_bytes(), path)
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise _fail(path, f"not a valid CSV file: {exc}") from None
    return _table_from_rows(path, records)


def _read_xlsx(path: Path) -> RawTable:
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise _fail(path, f"not a valid .xlsx workbook ({exc})") from None
    try:
        sheet = workbook.worksheets[0]
        records = [list(values) for values in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()
    return _table_from_rows(path, records)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _table_from_rows(path: Path, records: list[list[Any]]) -> RawTable:
    if not records or all(_blank(v) for v in records[0]):
        raise _fail(path, "the file is empty or its first row (the header) is blank", row=1)
    header = ["" if v is None else str(v) for v in records[0]]
    table = RawTable(header=header)
    for number, values in enumerate(records[1:], start=2):
        if all(_blank(v) for v in values):
            continue
        table.rows.append((number, list(values)))
    return table


def _read_jsonl(path: Path) -> RawTable:
    text = decode_text(path.read_bytes(), path)
    table = RawTable(header=[], jsonl=True)
    problems: list[Problem] = []
    for number, line in enumerate(text.splitlines(), start=1):
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
    if problems:
        raise ImportFileError(problems)
    return table


def read_raw(path: Path) -> RawTable:
    """Read the cells of a .csv, .tsv, .xlsx/.xlsm or .jsonl/.ndjson file.

    Raises:
        ImportFileError: for a missing, unreadable, undecodable or unsupported file.
    """
    suffix = path.suffix.lower()
    if not path.is_file():
        raise _fail(path, "file not found")
    if suffix in JSONL_SUFFIXES:
        return _read_jsonl(path)
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    if suffix in TABLE_SUFFIXES:
        return _read_csv(path, TABLE_SUFFIXES[suffix])
    if suffix == ".xls":
        raise _fail(path, "old Excel .xls files are not supported: save the sheet as .xlsx or UTF-8 CSV")
    raise _fail(path, f"unsupported file type {suffix or '(none)'!r}: use .csv, .tsv, .xlsx or .jsonl")
