"""CSV/TSV reading that names the real cause of a broken file: the row, the column and the line of
an unclosed quote, text after a closing quote, or an over-long cell.

The `csv` module parses (``strict=True``, so an unclosed quote on the last row is an error instead of
silently swallowing the row); only when it fails is the broken record scanned again here, to say where.
"""

from __future__ import annotations

import bisect
import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from matcher.ingest.encodings import decode_text
from matcher.ingest.import_types import Problem, RawTable, file_error
from matcher.ingest.table_rows import table_from_rows

_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # how io.StringIO(newline="") splits lines for csv
_QUOTE = '"'


@dataclass(frozen=True)
class _Break:
    """Where and why one CSV record cannot be read (offsets into the decoded text)."""

    column: int
    kind: str  # "unclosed", "after_quote" or "too_long"
    opened: int  # offset of the opening quote, -1 for an unquoted cell
    at: int  # offset where the scan gave up


def read_csv(path: Path, delimiter: str) -> RawTable:
    """Read a CSV (or TSV) file; a broken record becomes a problem, the records before it are kept.

    Raises:
        ImportFileError: if the file cannot be decoded, or its header itself is broken or blank.
    """
    text = decode_text(path.read_bytes(), path)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records: list[list[Any]] = []
    lines_read = 0
    broken: Problem | None = None
    try:
        for values in reader:
            records.append(values)
            lines_read = reader.line_num
    except csv.Error as exc:
        broken = _locate(path, text, delimiter, records, lines_read, exc)
    if broken is not None and not records:
        raise file_error(path, broken.reason, row=1, column=broken.column)
    table = table_from_rows(path, records)
    if broken is not None:
        table.problems.append(broken)
    return table


def _locate(
    path: Path, text: str, delimiter: str, records: list[list[Any]], lines_read: int, exc: csv.Error
) -> Problem:
    """The problem of the record after ``records`` (it starts on the line after ``lines_read``)."""
    row = len(records) + 1
    starts = [0] + [found.end() for found in _LINE_BREAK.finditer(text)]
    start = starts[lines_read] if lines_read < len(starts) else len(text)
    found = _scan_record(text, start, delimiter, csv.field_size_limit())
    if found is None:  # the scan disagrees with the csv module: report what the module said
        return Problem(str(path), row, "", f"not a valid CSV row: {exc} (line {lines_read + 1})")
    header = records[0] if records else []
    if row > 1 and found.column < len(header) and header[found.column].strip():
        column = header[found.column]
    else:
        column = f"column {found.column + 1}"
    return Problem(str(path), row, column, _reason(found, text, starts))


def _reason(found: _Break, text: str, starts: list[int]) -> str:
    def line(offset: int) -> int:
        return bisect.bisect_right(starts, offset)

    opened = f"unclosed quote opened here (line {line(found.opened)})"
    spans_lines = found.opened >= 0 and line(found.at) > line(found.opened)
    if found.kind == "unclosed":
        return f"{opened}; the rest of the file was read as one cell"
    if found.kind == "after_quote":
        char = text[found.at]
        if spans_lines:
            return (
                f"{opened}: the cell ran on to line {line(found.at)}, where a quote is followed by {char!r}; "
                'close the quote, and write a quote inside a cell as ""'
            )
        return (
            f"{char!r} after the closing quote (line {line(found.at)}): put the whole cell in quotes "
            'and write each quote inside it as ""'
        )
    limit = f"cell longer than {csv.field_size_limit()} characters, the most one cell may hold"
    if spans_lines:
        return (
            f"{limit}; its quote opened on line {line(found.opened)} and was still open on line "
            f"{line(found.at)}: probably an unclosed quote"
        )
    return f"{limit} (line {line(found.at)})"


def _scan_record(text: str, start: int, delimiter: str, limit: int) -> _Break | None:
    """Walk one record from ``start`` with the csv module's (strict, excel dialect) rules."""
    column, position, end = 0, start, len(text)
    while position <= end:
        if position < end and text[position] == _QUOTE:
            found = _scan_quoted(text, position, column, delimiter, limit)
            if isinstance(found, _Break):
                return found
            position = found
        else:
            stop = _field_end(text, position, delimiter)
            if stop - position > limit:
                return _Break(column, "too_long", -1, position + limit)
            position = stop
        if position >= end or text[position] != delimiter:
            return None  # the record ended without a problem
        column += 1
        position += 1
    return None


def _field_end(text: str, position: int, delimiter: str) -> int:
    """Offset of the delimiter or line break that ends the unquoted field at ``position``."""
    stops = [
        i
        for i in (text.find(delimiter, position), text.find("\n", position), text.find("\r", position))
        if i >= 0
    ]
    return min(stops) if stops else len(text)


def _scan_quoted(text: str, opened: int, column: int, delimiter: str, limit: int) -> _Break | int:
    """Scan a quoted field: the offset just after its closing quote, or what breaks it."""
    position, length = opened + 1, 0
    while True:
        close = text.find(_QUOTE, position)
        if close < 0:  # never closed: that, not the length, is the real cause
            return _Break(column, "unclosed", opened, len(text))
        length += close - position
        if length > limit:
            return _Break(column, "too_long", opened, close)
        after = close + 1
        if after < len(text) and text[after] == _QUOTE:  # "" is one quote inside the cell
            position, length = after + 1, length + 1
            continue
        if after < len(text) and text[after] not in (delimiter, "\r", "\n"):
            return _Break(column, "after_quote", opened, after)
        return after
