"""XLSX reading (first sheet) that says why a cell is empty or wrong: a formula never calculated (no
saved value), a formula error, a merged cell whose value sits only in its top-left cell.

openpyxl in read-only mode gives values but neither formulas beside them nor merged ranges, so when
the sheet's XML mentions any of those, it is streamed once more here to find them.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any
from xml.etree import ElementTree

import openpyxl
from openpyxl.utils.cell import coordinate_to_tuple, range_boundaries

from matcher.ingest.cell_checks import unescape_ooxml
from matcher.ingest.import_types import RawTable, file_error
from matcher.ingest.table_rows import blank, table_from_rows

_WORTH_SCANNING = re.compile(rb'<(?:\w+:)?(?:f|mergeCell)[\s/>]|\st="e"')
_CHUNK = 1 << 20


def read_xlsx(path: Path) -> RawTable:
    """Read the first sheet of an .xlsx/.xlsm workbook (values as last saved, not formulas).

    Raises:
        ImportFileError: if the file is not a readable workbook, or its header row is blank.
    """
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, ElementTree.ParseError) as exc:
        raise file_error(path, f"not a valid .xlsx workbook ({exc})") from None
    try:
        sheet = workbook.worksheets[0]
        records = [[_value(v) for v in values] for values in sheet.iter_rows(values_only=True)]
        member = getattr(sheet, "_worksheet_path", None)  # the sheet's XML inside the zip
    except (KeyError, ValueError, ElementTree.ParseError) as exc:
        raise file_error(path, f"not a valid .xlsx workbook ({exc})") from None
    finally:
        workbook.close()
    notes = _cell_notes(path, member, records) if isinstance(member, str) else {}
    return table_from_rows(path, records, notes)


def _value(value: Any) -> Any:
    return unescape_ooxml(value) if isinstance(value, str) else value


def _cell_notes(path: Path, member: str, records: list[list[Any]]) -> dict[tuple[int, int], str]:
    """(row number, column index) → why that cell's value is not what the user sees in Excel."""
    try:
        with zipfile.ZipFile(path) as archive:
            if not _worth_scanning(archive, member):
                return {}
            with archive.open(member) as source:
                formulas, errors, merges = _scan_sheet(source)
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError) as exc:
        raise file_error(path, f"not a valid .xlsx workbook ({exc})") from None
    notes: dict[tuple[int, int], str] = {}
    for ref in formulas:
        row, column = coordinate_to_tuple(ref)
        if _cell(records, row, column) is None:
            notes[(row, column - 1)] = (
                f"formula without a saved value in {ref} "
                "(open and save the file in Excel/LibreOffice, or paste values)"
            )
    for ref, error in errors.items():
        row, column = coordinate_to_tuple(ref)
        notes[(row, column - 1)] = f"formula error {error} in {ref} (correct the formula, or paste values)"
    width = len(records[0]) if records else 0
    for area in merges:
        notes.update(_merge_notes(area, records, width))
    return notes


def _merge_notes(area: str, records: list[list[Any]], width: int) -> Iterator[tuple[tuple[int, int], str]]:
    first_column, first_row, last_column, last_row = range_boundaries(area)
    if first_column is None or first_row is None or last_column is None or last_row is None:
        return
    if blank(_cell(records, first_row, first_column)):
        return  # merged empty cells lose nothing
    anchor = area.split(":")[0]
    reason = f"merged cell: value only in the top-left cell {anchor} (unmerge the cells and fill in each row)"
    for row in range(first_row, min(last_row, len(records)) + 1):
        for column in range(first_column, min(last_column, width) + 1):
            if (row, column) != (first_row, first_column):
                yield (row, column - 1), reason


def _cell(records: list[list[Any]], row: int, column: int) -> Any:
    if row > len(records) or column > len(records[row - 1]):
        return None
    return records[row - 1][column - 1]


def _worth_scanning(archive: zipfile.ZipFile, member: str) -> bool:
    """Whether the sheet XML has formulas, error cells or merged cells (a fast byte search)."""
    with archive.open(member) as source:
        tail = b""
        while chunk := source.read(_CHUNK):
            if _WORTH_SCANNING.search(tail + chunk):
                return True
            tail = chunk[-64:]
    return False


def _scan_sheet(source: IO[bytes]) -> tuple[list[str], dict[str, str], list[str]]:
    """Cells with a formula but no saved value, error cells (ref → error) and merged ranges."""
    formulas: list[str] = []
    errors: dict[str, str] = {}
    merges: list[str] = []
    for _event, element in ElementTree.iterparse(source, events=("end",)):
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "c":
            ref, kind = element.get("r"), element.get("t")
            children = {child.tag.rsplit("}", 1)[-1]: child for child in element}
            saved = children.get("v")
            if ref and "f" in children and (saved is None or (not saved.text and kind != "str")):
                formulas.append(ref)
            elif ref and kind == "e" and saved is not None:
                errors[ref] = saved.text or "#ERROR"
            element.clear()
        elif tag == "row":
            element.clear()
        elif tag == "mergeCell" and element.get("ref"):
            merges.append(str(element.get("ref")))
    return formulas, errors, merges
