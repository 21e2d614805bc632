"""Guidance catalogue (导向目录) ↔ spreadsheets: export for editing, validated re-import.

Sheet layout (first sheet, one row per field; keywords separated by ``;`` ``；`` ``、`` ``|`` or newlines):

| industry_code | industry_zh | industry_en | field_code | field_zh | field_en | keywords_zh | keywords_en |

Rows of one industry must repeat the same industry names; ``field_code`` must start with
``<industry_code>.``. Every problem is reported as ``file:row:column: reason`` (row 1 = header) and
nothing is stored unless the whole file is valid. JSON files use the bundled catalogue's shape.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from matcher.catalogue.catalogue import Catalogue, Field, Industry
from matcher.catalogue.tagging import write_catalogue_json
from matcher.domain.records import split_multi
from matcher.ingest.readers import ImportFileError, Problem, read_raw
from pipelines.reports.xlsx import write_workbook

COLUMNS = (
    "industry_code",
    "industry_zh",
    "industry_en",
    "field_code",
    "field_zh",
    "field_en",
    "keywords_zh",
    "keywords_en",
)


def catalogue_rows(catalogue: Catalogue) -> list[dict[str, str]]:
    """One row per field, in catalogue order (keywords joined with ``;``)."""
    return [
        {
            "industry_code": f.industry,
            "industry_zh": catalogue.industry(f.industry).zh,
            "industry_en": catalogue.industry(f.industry).en,
            "field_code": f.code,
            "field_zh": f.zh,
            "field_en": f.en,
            "keywords_zh": ";".join(f.keywords_zh),
            "keywords_en": ";".join(f.keywords_en),
        }
        for f in catalogue.fields
    ]


def export_catalogue(catalogue: Catalogue, path: Path) -> Path:
    """Write the catalogue as ``.xlsx`` (sheet ``fields``) or ``.json``, atomically.

    Raises:
        ValueError: for another file type.
    """
    path = Path(path)
    if path.suffix.lower() == ".json":
        return write_catalogue_json(catalogue, path)
    if path.suffix.lower() != ".xlsx":
        raise ValueError(f"{path}: export the catalogue as .xlsx or .json")
    return write_workbook(path, [("fields", catalogue_rows(catalogue))])


def read_catalogue(path: Path) -> Catalogue:
    """Read and validate a catalogue from ``.xlsx`` / ``.csv`` (the layout above) or ``.json``.

    Raises:
        ImportFileError: listing every problem as file:row:column: reason.
    """
    path = Path(path)
    if path.suffix.lower() == ".json":
        try:
            return Catalogue.from_dict(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, ValueError) as error:
            raise ImportFileError([Problem(str(path), 0, "", str(error))]) from None
    table = read_raw(path)
    name = str(path)
    header = [h.strip().lower() for h in table.header]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise ImportFileError([Problem(name, 1, c, "required column is missing") for c in missing])
    problems: list[Problem] = []
    industries: dict[str, tuple[Industry, int]] = {}
    fields: list[Field] = []
    seen: dict[str, int] = {}
    for number, values in table.rows:
        cells = {h: _text(values[i]) if i < len(values) else "" for i, h in enumerate(header)}
        row_problems = [Problem(name, number, c, "must not be empty") for c in COLUMNS if not cells[c]]
        if row_problems:
            problems += row_problems
            continue
        code, field_code = cells["industry_code"], cells["field_code"]
        industry = Industry(code, cells["industry_zh"], cells["industry_en"])
        first = industries.setdefault(code, (industry, number))
        if first[0] != industry:
            problems.append(
                Problem(
                    name, number, "industry_zh", f"industry {code!r} is named differently on row {first[1]}"
                )
            )
        if field_code in seen:
            problems.append(
                Problem(name, number, "field_code", f"{field_code!r} repeats row {seen[field_code]}")
            )
            continue
        seen[field_code] = number
        field = Field(
            code=field_code,
            industry=code,
            zh=cells["field_zh"],
            en=cells["field_en"],
            keywords_zh=tuple(split_multi(cells["keywords_zh"])),
            keywords_en=tuple(split_multi(cells["keywords_en"])),
        )
        problems += _field_problems(name, number, industry, field)
        fields.append(field)
    if not table.rows:
        problems.append(Problem(name, 2, "", "the sheet has no field rows"))
    if problems:
        raise ImportFileError(problems)
    try:
        return Catalogue([industry for industry, _ in industries.values()], fields)
    except ValueError as error:
        raise ImportFileError([Problem(name, 0, "", str(error))]) from None


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _field_problems(name: str, number: int, industry: Industry, field: Field) -> list[Problem]:
    """Validate one row on its own, attributing a failure to the column that causes it."""
    if not field.code.startswith(industry.code + ".") or field.code == industry.code + ".":
        return [Problem(name, number, "field_code", f"must start with {industry.code + '.'!r}")]
    problems = []
    for column, probe in (
        ("keywords_zh", Field(field.code, industry.code, field.zh, field.en, field.keywords_zh, ("x",))),
        ("keywords_en", Field(field.code, industry.code, field.zh, field.en, ("x",), field.keywords_en)),
    ):
        try:
            Catalogue([industry], [probe])
        except ValueError as error:
            problems.append(Problem(name, number, column, str(error)))
    return problems
