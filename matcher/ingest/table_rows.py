"""Turn a grid of cells (CSV records, XLSX rows) into a `RawTable`, checking every text cell."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from matcher.ingest.cell_checks import text_problem
from matcher.ingest.import_types import Problem, RawTable, file_error


def blank(value: Any) -> bool:
    """True for an empty cell (None or only whitespace)."""
    return value is None or (isinstance(value, str) and not value.strip())


def column_name(header: list[str], index: int) -> str:
    """The header of column ``index`` as written, or ``column N`` where it has none."""
    if index < len(header) and header[index].strip():
        return header[index]
    return f"column {index + 1}"


def table_from_rows(
    path: Path, records: list[list[Any]], notes: Mapping[tuple[int, int], str] | None = None
) -> RawTable:
    """Header = first record, then every non-blank row with the row number the user sees.

    ``notes`` explains cells whose value cannot be read as shown, by (row number, column index), e.g. a
    formula without a saved value; those become problems in non-blank rows under a named column.

    Raises:
        ImportFileError: if there is no header row.
    """
    if not records or all(blank(v) for v in records[0]):
        raise file_error(path, "the file is empty or its first row (the header) is blank", row=1)
    header = ["" if v is None else str(v) for v in records[0]]
    table = RawTable(header=header)
    table.problems += _text_problems(str(path), 1, header, header)
    for number, values in enumerate(records[1:], start=2):
        if all(blank(v) for v in values):
            continue
        table.rows.append((number, list(values)))
        table.problems += _text_problems(str(path), number, header, values)
    if notes:
        table.problems += _note_problems(str(path), table, notes)
    return table


def _text_problems(file: str, row: int, header: list[str], values: list[Any]) -> list[Problem]:
    problems = []
    for index, value in enumerate(values):
        if isinstance(value, str):
            reason = text_problem(value)
            if reason is not None:
                column = f"column {index + 1}" if row == 1 else column_name(header, index)
                problems.append(Problem(file, row, column, reason))
    return problems


def _note_problems(file: str, table: RawTable, notes: Mapping[tuple[int, int], str]) -> list[Problem]:
    named = {i for i, title in enumerate(table.header) if title.strip()}
    rows = {number for number, _ in table.rows}
    return [
        Problem(file, row, table.header[index], reason)
        for (row, index), reason in sorted(notes.items())
        if row in rows and index in named
    ]
