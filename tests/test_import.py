"""Import/export tests on real files and a real SQLite store."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from matcher.domain.records import CooperationMode, Demand, DemandStatus, Expert, Site, SiteKind
from matcher.ingest.exporter import export_records
from matcher.ingest.importer import ImportFileError, Problem, import_file, read_records
from matcher.store import Store

EXPERT_HEADER = "id,name,name_en,email,country,affiliation,fields,keywords,cooperation_modes,updated_at"
EXPERT_ROWS = [
    "E1,张伟,Wei Zhang,wz@stanford.edu,美国,Stanford University,new_energy.battery;materials.nano,"
    "锂电池；固态电解质,柔性、项目合作,2024-05-01",
    "E2,Anna Schmidt,,anna@tum.de,DE,TU München,ai.nlp,NLP|machine translation,consulting,",
]
GBK_HEADER = "编号,姓名,英文名,电子邮箱,国别,工作单位,研究领域,关键词,合作方式,更新时间"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store(f"sqlite:///{tmp_path / 'import.db'}")
    opened.create_schema()
    yield opened
    opened.close()


def write(path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def check_experts(records: list[object]) -> None:
    assert [r.id for r in records] == ["E1", "E2"]  # type: ignore[attr-defined]
    first = records[0]
    assert isinstance(first, Expert)
    assert first.country == "US" and first.name_en == "Wei Zhang"
    assert first.keywords == ["锂电池", "固态电解质"]
    assert first.cooperation_modes == [CooperationMode.FLEXIBLE, CooperationMode.PROJECT]
    assert first.updated_at is not None and first.updated_at.isoformat() == "2024-05-01"
    second = records[1]
    assert isinstance(second, Expert)
    assert second.name_en is None and second.updated_at is None
    assert second.keywords == ["NLP", "machine translation"]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig"])
def test_csv_utf8_with_and_without_bom(tmp_path: Path, encoding: str) -> None:
    path = write(tmp_path / "experts.csv", [EXPERT_HEADER, *EXPERT_ROWS], encoding)
    check_experts(list(read_records(path, "experts")))


def test_gbk_csv_with_chinese_headers(tmp_path: Path) -> None:
    path = write(tmp_path / "专家.csv", [GBK_HEADER, *EXPERT_ROWS], "gbk")
    check_experts(list(read_records(path, "experts")))


def test_headers_ignore_case_space_and_full_width(tmp_path: Path) -> None:
    header = "ＩＤ, Name ,Name EN,邮箱,国家,单位*,领域,关键字,合作方式,updated_at"
    path = write(tmp_path / "experts.csv", [header, *EXPERT_ROWS])
    check_experts(list(read_records(path, "experts")))


def test_xlsx_first_sheet(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["需求编号", "需求名称", "需求描述", "行业", "预算(万元)", "截止日期", "状态", "合作方式"])
    sheet.append(
        [
            1001,
            "固态电池电解质",
            "需要长寿命电解质",
            "new_energy",
            50,
            datetime(2025, 6, 30),
            "匹配中",
            "咨询",
        ]
    )
    sheet.append([None, None, None, None, None, None, None, None])
    sheet.append([1002, "视觉检测", None, "ai", 12.5, "2025-07-01", None, None])
    workbook.create_sheet("ignored").append(["whatever"])
    path = tmp_path / "demands.xlsx"
    workbook.save(path)
    records = read_records(path, "demands")
    assert [r.id for r in records] == ["1001", "1002"]
    first, second = records
    assert isinstance(first, Demand) and isinstance(second, Demand)
    assert first.status is DemandStatus.MATCHING and first.budget_wan == 50.0
    assert first.deadline is not None and first.deadline.isoformat() == "2025-06-30"
    assert second.status is DemandStatus.OPEN and second.description == "" and second.budget_wan == 12.5


def test_jsonl_with_lists_and_line_numbers(tmp_path: Path) -> None:
    lines = [
        json.dumps(
            {"id": "s1", "name": "杭州海智基地", "kind": "海智基地", "contact_emails": ["a@x.cn", "b@x.cn"]}
        ),
        "",
        json.dumps({"id": "s2", "name": "某工作站", "kind": "station", "parent_id": "s1", "active": "否"}),
    ]
    path = write(tmp_path / "sites.jsonl", lines)
    records = read_records(path, "sites")
    first, second = records
    assert isinstance(first, Site) and isinstance(second, Site)
    assert first.kind is SiteKind.BASE and first.contact_emails == ["a@x.cn", "b@x.cn"]
    assert second.parent_id == "s1" and second.active is False
    bad = write(tmp_path / "bad.jsonl", [lines[0], "", '{"id": "s3", "name": "x", "kind": "moon"}', "[1]"])
    with pytest.raises(ImportFileError) as caught:
        read_records(bad, "sites")
    assert [(p.row, p.column) for p in caught.value.problems] == [(4, "")]  # JSON shape errors first
    assert "bad.jsonl:4: each line must be a JSON object" in str(caught.value)
    bad.write_text(lines[0] + "\n\n" + '{"id": "s3", "name": "x", "kind": "moon"}\n', encoding="utf-8")
    with pytest.raises(ImportFileError, match=r"bad\.jsonl:3:kind: Input should be"):
        read_records(bad, "sites")


def test_undecodable_file_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "experts.csv"
    path.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(ImportFileError, match=r"experts\.csv: cannot decode the file"):
        read_records(path, "experts")


def test_unsupported_and_missing_files(tmp_path: Path) -> None:
    with pytest.raises(ImportFileError, match="file not found"):
        read_records(tmp_path / "nope.csv", "experts")
    legacy = tmp_path / "old.xls"
    legacy.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(ImportFileError, match=r"save the sheet as \.xlsx"):
        read_records(legacy, "experts")
    broken = tmp_path / "broken.xlsx"
    broken.write_text("not a zip", encoding="utf-8")
    with pytest.raises(ImportFileError, match=r"not a valid \.xlsx"):
        read_records(broken, "experts")


def test_missing_and_unknown_columns(tmp_path: Path) -> None:
    path = write(tmp_path / "experts.csv", ["id,name,emial", "E1,张伟,x@y.cn"])
    with pytest.raises(ImportFileError) as caught:
        read_records(path, "experts")
    problems = caught.value.problems
    assert (
        Problem(str(path), 1, "emial", "unknown column for experts (see docs/import-format.md)") in problems
    )
    assert Problem(str(path), 1, "country", "required column is missing") in problems


def test_bad_rows_name_file_row_column_and_write_nothing(tmp_path: Path, store: Store) -> None:
    good = write(tmp_path / "good.csv", [EXPERT_HEADER, *EXPERT_ROWS])
    import_file(store, "experts", good)
    before = store.records.content_hashes("experts")
    rows = [
        EXPERT_ROWS[0].replace("Stanford University", '"Stanford University, CA"'),  # valid change
        "E3,李娜,Na Li,not-an-email,美国,MIT,,,,",
        "E4,王芳,,wf@x.org,Atlantis,MIT,,,,",
        "E5,赵磊,,zl@x.org,US,MIT,,,telepathy,",
        "E1,重复,,dup@x.org,US,MIT,,,,",
        "E6,,,e6@x.org,US,MIT,,,,2024-13-45",
    ]
    bad = write(tmp_path / "bad.csv", [EXPERT_HEADER, *rows])
    with pytest.raises(ImportFileError) as caught:
        import_file(store, "experts", bad)
    message = str(caught.value)
    assert f"{bad}:3:email: not an email address: 'not-an-email'" in message
    assert f"{bad}:4:country: unknown country 'Atlantis'" in message
    assert f"{bad}:5:cooperation_modes: unknown cooperation mode 'telepathy'" in message
    assert f"{bad}:7:name:" in message and f"{bad}:7:updated_at:" in message
    assert f"{bad}:6:id: duplicate id 'E1' (first at row 2)" in message
    assert store.records.content_hashes("experts") == before


def test_message_is_capped(tmp_path: Path) -> None:
    rows = [f"E{i},名{i},,bad{i},US,,,,," for i in range(80)]
    path = write(tmp_path / "many.csv", [EXPERT_HEADER, *rows])
    with pytest.raises(ImportFileError) as caught:
        read_records(path, "experts")
    assert len(caught.value.problems) == 80
    assert str(caught.value).endswith("… and 30 more")


def test_reimport_is_idempotent(tmp_path: Path, store: Store) -> None:
    path = write(tmp_path / "experts.csv", [EXPERT_HEADER, *EXPERT_ROWS])
    first = import_file(store, "experts", path)
    assert (first.rows, first.inserted, first.updated, first.unchanged) == (2, 2, 0, 0)
    second = import_file(store, "experts", path)
    assert (second.inserted, second.updated, second.unchanged) == (0, 0, 2)
    changed = write(tmp_path / "experts.csv", [EXPERT_HEADER, EXPERT_ROWS[0].replace("Stanford", "MIT")])
    third = import_file(store, "experts", changed)
    assert (third.inserted, third.updated, third.unchanged) == (0, 1, 0)


@pytest.mark.parametrize(
    ("suffix", "language"), [(".csv", "en"), (".xlsx", "en"), (".csv", "zh"), (".xlsx", "zh")]
)
def test_export_import_round_trip(tmp_path: Path, store: Store, suffix: str, language: str) -> None:
    experts = [
        Expert(
            id="E1",
            name="张伟",
            country="US",
            email="wz@x.edu",
            bio="=SUM(A1) 不是公式",
            fields=["ai.nlp"],
            cooperation_modes=["柔性", "咨询"],
            languages=["en", "zh"],
            updated_at="2024-01-02",
            active=False,
        ),
        Expert(id="E2", name="Anna Schmidt", country="DE", phone="13800000000"),
    ]
    demands = [Demand(id="D1", title="电池", budget_wan=50, status="closed", deadline="2025-01-31")]
    store.records.upsert("experts", experts)
    store.records.upsert("demands", demands)
    for kind, records in (("experts", experts), ("demands", demands)):
        path = tmp_path / f"{kind}{suffix}"
        assert export_records(store, kind, path, header_language=language) == len(records)
        assert read_records(path, kind) == records
        report = import_file(store, kind, path)
        assert report.unchanged == len(records) and report.inserted == report.updated == 0


def test_csv_export_has_bom_for_excel(tmp_path: Path, store: Store) -> None:
    store.records.upsert("experts", [Expert(id="E1", name="张伟", country="US")])
    path = tmp_path / "out.csv"
    export_records(store, "experts", path)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    with pytest.raises(ValueError, match=r"\.csv or \.xlsx"):
        export_records(store, "experts", tmp_path / "out.json")


def test_format_doc_lists_every_field_and_alias() -> None:
    from matcher.domain.records import RECORD_TYPES
    from matcher.ingest.import_columns import aliases

    doc = (Path(__file__).resolve().parents[1] / "docs" / "import-format.md").read_text(encoding="utf-8")
    for kind, model in RECORD_TYPES.items():
        section = doc.split(f"### {kind}\n", 1)[1].split("\n### ", 1)[0]
        for name in model.model_fields:
            row = next((line for line in section.splitlines() if line.startswith(f"| `{name}` |")), None)
            assert row is not None, f"docs/import-format.md: {kind}.{name} is not documented"
            for alias in aliases(kind)[name]:
                assert alias in row, f"docs/import-format.md: {kind}.{name} lacks header {alias!r}"


def test_values_under_blank_headers_and_ragged_rows_are_reported(tmp_path: Path) -> None:
    path = write(tmp_path / "experts.csv", ["id,name,country,", "E1,a,US,", "E2,b,US,oops", "E3,c,US,,extra"])
    with pytest.raises(ImportFileError) as caught:
        read_records(path, "experts")
    assert [(p.row, p.reason) for p in caught.value.problems] == [
        (3, "value in column 4, which has no header"),
        (4, "row has 5 cells but the header has 4 columns"),
    ]
