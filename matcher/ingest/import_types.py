"""What every import reader produces: raw tables and problems located as the user sees them.

Kept apart from the readers so the CSV, XLSX and JSONL readers can share them without import cycles.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from matcher.domain.records import unstorable_character

MAX_LISTED_PROBLEMS = 50


def _printable(text: str) -> str:
    """Escape control characters and lone surrogates so a problem line prints safely on a terminal."""
    if unstorable_character(text) is None:
        return text
    return "".join(ch if unstorable_character(ch) is None else f"\\x{ord(ch):02x}" for ch in text)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an import file, located as the user sees it (row 1 = header)."""

    file: str
    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        if self.row <= 0:
            return _printable(f"{self.file}: {self.reason}")
        if not self.column:
            return _printable(f"{self.file}:{self.row}: {self.reason}")
        return _printable(f"{self.file}:{self.row}:{self.column}: {self.reason}")


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
    ``problems`` are the cells the reader itself could not take as written (control characters,
    garbled text, formulas without saved values, merged cells, a broken CSV quote …); the rows are
    still returned so the importer can list every other problem of the file together with them.
    """

    header: list[str]
    rows: list[tuple[int, Any]] = field(default_factory=list)
    jsonl: bool = False
    problems: list[Problem] = field(default_factory=list)


def file_error(path: Path | str, reason: str, row: int = 0, column: str = "") -> ImportFileError:
    """An `ImportFileError` with one problem."""
    return ImportFileError([Problem(str(path), row, column, reason)])
