"""Guidance catalogue export / edit / validated re-import as the data directory's override."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from matcher.catalogue.catalogue import Catalogue
from matcher.catalogue.tagging import catalogue_document, load_catalogue
from matcher.config import Settings
from matcher.domain.records import Demand
from matcher.ingest.readers import ImportFileError
from matcher.service import Matcher
from pipelines.cli.main import app as cli_app
from pipelines.reports.catalogue_io import COLUMNS, export_catalogue, read_catalogue


def edit_rows(path: Path, edits: dict[tuple[int, str], object]) -> None:
    workbook = openpyxl.load_workbook(path)
    sheet = workbook.worksheets[0]
    header = [c.value for c in sheet[1]]
    for (row, column), value in edits.items():
        sheet.cell(row=row, column=header.index(column) + 1).value = value
    workbook.save(path)


def test_xlsx_and_json_round_trip_the_bundled_catalogue(tmp_path: Path) -> None:
    bundled = Catalogue.load()
    for name in ("catalogue.xlsx", "catalogue.json"):
        path = export_catalogue(bundled, tmp_path / name)
        assert catalogue_document(read_catalogue(path)) == catalogue_document(bundled)
    sheet = openpyxl.load_workbook(tmp_path / "catalogue.xlsx").worksheets[0]
    assert tuple(c.value for c in sheet[1]) == COLUMNS
    assert sheet.max_row == 1 + len(bundled.fields)


def test_validation_errors_name_row_and_column(tmp_path: Path) -> None:
    path = export_catalogue(Catalogue.load(), tmp_path / "catalogue.xlsx")
    row_4_code = Catalogue.load().fields[2].code
    edit_rows(
        path,
        {
            (2, "keywords_en"): None,  # empty cell
            (3, "field_code"): "ai.new_field",  # wrong industry prefix (row 3 is an ngit field)
            (4, "industry_zh"): "信息技术",  # differs from row 2's name of the same industry
            (5, "field_code"): row_4_code,  # repeats row 4
            (6, "keywords_en"): "quantum; c++/optics",  # characters an English keyword cannot hold
        },
    )
    with pytest.raises(ImportFileError) as caught:
        read_catalogue(path)
    found = {(p.row, p.column) for p in caught.value.problems}
    assert found == {
        (2, "keywords_en"),
        (3, "field_code"),
        (4, "industry_zh"),
        (5, "field_code"),
        (6, "keywords_en"),
    }
    assert f"{path}:3:field_code: must start with 'ngit.'" in str(caught.value)
    workbook = openpyxl.load_workbook(path)
    workbook.worksheets[0].delete_cols(8)
    workbook.save(path)
    with pytest.raises(ImportFileError, match="1:keywords_en: required column is missing"):
        read_catalogue(path)


def test_imported_catalogue_is_used_by_the_analyzer(tmp_path: Path) -> None:
    runner = CliRunner()
    data = ["--data-dir", str(tmp_path)]
    xlsx = tmp_path / "edit.xlsx"
    assert runner.invoke(cli_app, ["catalogue", "export", str(xlsx), *data]).exit_code == 0
    workbook = openpyxl.load_workbook(xlsx)
    sheet = workbook.worksheets[0]
    sheet.append(
        [
            "agriculture",
            "现代农业",
            "Modern agriculture",
            "agriculture.truffle",
            "松露栽培",
            "Truffle cultivation",
            "松露;菌根苗",
            "truffle;mycorrhizal seedling",
        ]
    )
    workbook.save(xlsx)
    result = runner.invoke(cli_app, ["catalogue", "import", str(xlsx), *data])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "catalogue.json").exists()
    assert load_catalogue(tmp_path).field("agriculture.truffle").zh == "松露栽培"
    matcher = Matcher(Settings(data_dir=tmp_path))
    analysis = matcher.analyzer.analyze_demand(
        Demand(id="D1", title="黑松露菌根苗培育", description="需要松露栽培专家")
    )
    assert analysis.fields[0] == "agriculture.truffle"
    assert "agriculture.truffle" not in {f.code for f in Catalogue.load().fields}  # bundled file untouched
    bad = tmp_path / "bad.json"
    bad.write_text(
        '{"industries": [{"code": "ai", "zh": "人工智能", "en": "AI", "fields": [{"code": "x"}]}]}',
        encoding="utf-8",
    )
    failed = runner.invoke(cli_app, ["catalogue", "import", str(bad), *data])
    assert failed.exit_code == 1 and "catalogue field 'x'" in failed.output
    assert load_catalogue(tmp_path).field("agriculture.truffle")  # the failed import changed nothing
    assert runner.invoke(cli_app, ["catalogue", "reset", *data]).exit_code == 0
    assert "agriculture.truffle" not in {f.code for f in load_catalogue(tmp_path).fields}
