"""Imports that never lie: encodings, broken CSV quoting, XLSX formulas and merged cells, control
characters — on real files, real SQLite/PostgreSQL stores, the real CLI and a real API server."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import SimpleNamespace

import httpx
import openpyxl
import pytest
from conftest import database_url

from api.access import ApiKeys
from embeddings.encoders.base import Encoder
from matcher.config import Settings
from matcher.domain.records import Expert
from matcher.ingest.importer import ImportFileError, Problem, import_file, read_records
from matcher.store import Store

HEADER = "id,name,country,affiliation,keywords,bio"
TRADITIONAL = [
    (
        "TW1",
        "陳大文",
        "TW",
        "國立臺灣大學",
        "半導體製程；晶圓檢測",
        "專長為先進封裝與晶圓級測試，曾任台積電研發處長。",
    ),
    ("HK1", "黃志明", "HK", "香港科技大學", "機器學習；醫學影像", "研究醫學影像人工智能與深度學習。"),
]
CANTONESE = (
    "HK2",
    "梁𡃁妹",
    "HK",
    "香港中文大學",
    "粵語語音辨識",
    "佢話啱啱研究嘅係廣東話語音同埋聲學模型。",
)
SIMPLIFIED = [
    ("CN1", "张伟", "US", "斯坦福大学", "锂电池；固态电解质", "从事固态电池电解质与界面研究，具有十年经验。"),
    ("CN2", "刘䶮", "DE", "慕尼黑工业大学", "氢能；燃料电池", "研究质子交换膜燃料电池的耐久性。"),
]


def csv_bytes(rows: Sequence[Sequence[str]], encoding: str) -> bytes:
    lines = [HEADER, *(",".join(row) for row in rows)]
    return ("\n".join(lines) + "\n").encode(encoding)


def problems_of(path: Path, kind: str = "experts") -> list[Problem]:
    with pytest.raises(ImportFileError) as caught:
        read_records(path, kind)
    return caught.value.problems


def located(problems: list[Problem]) -> list[tuple[int, str, str]]:
    return [(p.row, p.column, p.reason) for p in problems]


def check_rows(path: Path, rows: Sequence[Sequence[str]]) -> None:
    records = read_records(path, "experts")
    got = [
        (r.id, r.name, r.country, r.affiliation, r.keywords, r.bio) for r in records if isinstance(r, Expert)
    ]
    assert got == [(i, n, c, a, k.split("；"), b) for i, n, c, a, k, b in rows]


# --- encodings ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "rows"),
    [
        ("big5", TRADITIONAL),
        ("cp950", TRADITIONAL),
        ("big5hkscs", [*TRADITIONAL, CANTONESE]),
    ],
)
def test_big5_family_decodes_exactly(tmp_path: Path, encoding: str, rows: Sequence[Sequence[str]]) -> None:
    path = tmp_path / "experts.csv"
    path.write_bytes(csv_bytes(rows, encoding))
    check_rows(path, rows)


def test_one_short_big5_row_is_not_read_as_gbk(tmp_path: Path) -> None:
    path = tmp_path / "experts.csv"
    path.write_bytes("id,name,country\nTW9,陳志強,TW\n".encode("big5"))
    assert [r.name for r in read_records(path, "experts")] == ["陳志強"]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "encoding", ["gbk", "gb18030", "utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be"]
)
def test_simplified_and_unicode_files_still_decode(tmp_path: Path, encoding: str) -> None:
    rows = SIMPLIFIED if encoding != "gbk" else SIMPLIFIED[:1]  # 䶮 exists in GB18030, not in GBK
    path = tmp_path / "experts.csv"
    path.write_bytes(csv_bytes(rows, encoding))
    check_rows(path, rows)


def test_text_garbled_before_saving_as_gbk_is_refused(tmp_path: Path) -> None:
    # UTF-8 opened as GBK (undecodable bytes became U+FFFD), then saved as GB18030
    garbled = csv_bytes(SIMPLIFIED, "utf-8").decode("gbk", errors="replace").encode("gb18030")
    path = tmp_path / "experts.csv"
    path.write_bytes(garbled)
    [problem] = problems_of(path)
    assert problem.row == 0
    assert problem.reason.startswith(
        "cannot decode the file: it is not UTF-8, and read as GB18030/GBK or Big5"
    )
    assert "(line 2: 'CN1," in problem.reason and problem.reason.endswith("save it as UTF-8")


def test_utf8_file_with_a_pasted_latin1_byte_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "experts.csv"
    path.write_bytes(csv_bytes(SIMPLIFIED, "utf-8") + b"EU1,Jos\xe9,FR,,,\n")
    [problem] = problems_of(path)
    assert problem.reason.startswith(
        "cannot decode the file: it is UTF-8 except for 1 invalid byte sequence(s), "
        "the first on line 4 (b'\\xe9')"
    )


def test_garbled_cells_are_refused_where_they_are(tmp_path: Path) -> None:
    name = "张伟".encode().decode("cp1252")  # "å¼\xa0ä¼Ÿ": UTF-8 read as Windows-1252
    bio = "张伟教授".encode().decode("gbk")  # "寮犱紵鏁欐巿": UTF-8 read as GBK
    path = tmp_path / "experts.csv"
    rows = [("E1", name, "US", "MIT", "电池", "正常的简介"), ("E2", "王芳", "CN", "清华", "电池", bio)]
    path.write_bytes(csv_bytes(rows, "utf-8"))
    problems = problems_of(path)
    assert [(p.row, p.column) for p in problems] == [(2, "name"), (3, "bio")]
    assert "it is '张伟' in UTF-8 read as Windows-1252" in problems[0].reason
    assert "it is '张伟教授' in UTF-8 read as GBK" in problems[1].reason


# --- CSV structure -----------------------------------------------------------------------------


def numbered_rows(count: int) -> list[str]:
    return [f"E{i},Name {i},US,MIT,kw,bio {i}" for i in range(1, count + 1)]


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_unclosed_quote_on_the_last_row(tmp_path: Path) -> None:
    path = write_lines(
        tmp_path / "experts.csv", [HEADER, *numbered_rows(58), 'E99,Last,US,MIT,kw,"bio never closed']
    )
    assert located(problems_of(path)) == [
        (60, "bio", "unclosed quote opened here (line 60); the rest of the file was read as one cell")
    ]


def test_unclosed_quote_mid_file_is_not_a_missing_country(tmp_path: Path) -> None:
    rows = numbered_rows(59)
    rows[55] = 'E56,Mid Quote,"US,MIT,kw,bio'
    path = write_lines(tmp_path / "experts.csv", [HEADER, *rows])
    assert located(problems_of(path)) == [
        (57, "country", "unclosed quote opened here (line 57); the rest of the file was read as one cell")
    ]


def test_quote_closed_only_lines_later(tmp_path: Path) -> None:
    rows = numbered_rows(6)
    rows[2] = 'E3,"Name 3,US,MIT,kw,bio'
    rows[5] = 'E6,Name 6,US,"MIT, CA",kw,bio'
    path = write_lines(tmp_path / "experts.csv", [HEADER, *rows])
    assert located(problems_of(path)) == [
        (
            4,
            "name",
            "unclosed quote opened here (line 4): the cell ran on to line 7, "
            "where a quote is followed by 'M'; close the quote, and write a quote inside a cell as \"\"",
        )
    ]


def test_text_after_a_closing_quote(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "experts.csv", [HEADER, 'E1,"Ann" Lee,US,MIT,kw,bio'])
    assert located(problems_of(path)) == [
        (
            2,
            "name",
            "' ' after the closing quote (line 2): put the whole cell in quotes "
            'and write each quote inside it as ""',
        )
    ]


def test_over_long_cell_names_row_and_column(tmp_path: Path) -> None:
    rows = numbered_rows(5)
    rows[3] = "E4,Long,US,MIT,kw," + "x" * 200_000
    path = write_lines(tmp_path / "experts.csv", [HEADER, *rows])
    assert located(problems_of(path)) == [
        (5, "bio", "cell longer than 131072 characters, the most one cell may hold (line 5)")
    ]


def test_broken_header_and_rows_before_a_broken_row(tmp_path: Path) -> None:
    header = write_lines(tmp_path / "header.csv", ['id,"name,country', "E1,a,US"])
    assert located(problems_of(header)) == [
        (1, "column 2", "unclosed quote opened here (line 1); the rest of the file was read as one cell")
    ]
    rows = ['E1,"Multi\nline",US,MIT,kw,bio', "E2,Bad,Atlantis,MIT,kw,bio", 'E3,x,US,MIT,"kw,bio']
    path = write_lines(tmp_path / "experts.csv", [HEADER, *rows])
    problems = problems_of(path)
    assert [(p.row, p.column) for p in problems] == [(3, "country"), (4, "keywords")]  # rows, not lines
    assert problems[1].reason.startswith("unclosed quote opened here (line 5)")


# --- XLSX ----------------------------------------------------------------------------------------


def workbook_file(path: Path, rows: Sequence[Sequence[object]], merge: tuple[str, ...] = ()) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    for area in merge:
        sheet.merge_cells(area)
    workbook.save(path)
    return path


def rewrite_sheet(path: Path, old: bytes, new: bytes) -> Path:
    """Edit the first sheet's XML (for what openpyxl cannot write: saved formula values, escapes)."""
    entries = {}
    with zipfile.ZipFile(path) as source:
        for info in source.infolist():
            entries[info] = source.read(info.filename)
    sheet = next(info for info in entries if info.filename == "xl/worksheets/sheet1.xml")
    assert old in entries[sheet], entries[sheet]
    entries[sheet] = entries[sheet].replace(old, new)
    with zipfile.ZipFile(path, "w") as target:
        for info, data in entries.items():
            target.writestr(info, data)
    return path


XLSX_HEADER = ["id", "name", "country", "affiliation"]


def test_xlsx_formulas_without_saved_values_and_with_errors(tmp_path: Path) -> None:
    rows = [
        XLSX_HEADER,
        ["E1", "Ann", "US", "MIT"],
        ["E2", '=A2&"-bis"', "US", "MIT"],
        ["E3", "Cy", "US", "=1/0"],
    ]
    path = rewrite_sheet(
        workbook_file(tmp_path / "experts.xlsx", rows),
        b'<c r="D4"><f>1/0</f><v /></c>',
        b'<c r="D4" t="e"><f>1/0</f><v>#DIV/0!</v></c>',
    )
    assert located(problems_of(path)) == [
        (
            3,
            "name",
            "formula without a saved value in B3 "
            "(open and save the file in Excel/LibreOffice, or paste values)",
        ),
        (4, "affiliation", "formula error #DIV/0! in D4 (correct the formula, or paste values)"),
    ]


def test_xlsx_formula_with_a_saved_value_imports_the_value(tmp_path: Path) -> None:
    rows = [XLSX_HEADER, ["E1", '=A1&"-bis"', "US", "MIT"]]
    path = rewrite_sheet(
        workbook_file(tmp_path / "experts.xlsx", rows),
        b'<c r="B2"><f>A1&amp;"-bis"</f><v /></c>',
        b'<c r="B2" t="str"><f>A1&amp;"-bis"</f><v>Ann-bis</v></c>',
    )
    assert [r.name for r in read_records(path, "experts")] == ["Ann-bis"]  # type: ignore[attr-defined]


def test_xlsx_merged_cells(tmp_path: Path) -> None:
    rows: list[Sequence[str | None]] = [
        XLSX_HEADER,
        ["E1", "Ann", "US", "MIT"],
        ["E2", "Bob", None, None],
        ["E3", "Cy", None, "ETH"],
        ["E4", "Di", "DE", None],
        ["E5", "Ed", "DE", None],
    ]
    # D5:D6 merges two empty cells: nothing is lost there
    path = workbook_file(tmp_path / "experts.xlsx", rows, merge=("C2:C4", "D2:D3", "D5:D6"))
    merged = "merged cell: value only in the top-left cell {} (unmerge the cells and fill in each row)"
    assert located(problems_of(path)) == [
        (3, "country", merged.format("C2")),
        (3, "affiliation", merged.format("D2")),
        (4, "country", merged.format("C2")),
    ]


# --- control characters ------------------------------------------------------------------------

NUL_REASON = "control character U+0000 at position 5: not allowed in text, remove it"


def nul_file(directory: Path, suffix: str) -> Path:
    path = directory / f"experts{suffix}"
    if suffix == ".csv":
        path.write_bytes(b"id,name,country\nE1,Ann,US\nE2,Bob \x00Lee,US\n")
    elif suffix == ".jsonl":
        lines = [
            {"id": "E1", "name": "Ann", "country": "US"},
            {"id": "E2", "name": "Bob \u0000Lee", "country": "US"},
        ]
        path.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    else:  # Excel writes a control character as the escape _x0000_
        rows = [["id", "name", "country"], ["E1", "Ann", "US"], ["E2", "Bob NULHERE", "US"]]
        rewrite_sheet(workbook_file(path, rows), b"Bob NULHERE", b"Bob _x0000_Lee")
    return path


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".xlsx"])
def test_control_characters_are_located(tmp_path: Path, suffix: str) -> None:
    path = nul_file(tmp_path, suffix)
    problems = problems_of(path)
    row = 2 if suffix == ".jsonl" else 3  # JSON lines have no header row
    assert located(problems) == [(row, "name", NUL_REASON)]
    assert f"experts{suffix}:{row}:name: {NUL_REASON}" in str(ImportFileError(problems))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    url = database_url(request.param, tmp_path, "haizhi_test_import")
    store = Store(url)
    store.drop_schema()
    store.create_schema()
    store.close()
    yield url
    store = Store(url)
    store.drop_schema()
    store.close()


def haizhi_import(path: Path, db_url: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HAIZHI_DATA_DIR": str(data_dir), "HAIZHI_DATABASE_URL": db_url}
    return subprocess.run(
        [sys.executable, "-m", "pipelines.cli.main", "import", "experts", str(path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


def test_nul_file_gives_a_clear_error_and_writes_nothing(tmp_path: Path, db_url: str) -> None:
    store = Store(db_url)
    try:
        store.records.upsert("experts", [Expert(id="E0", name="Kept", country="US")])
        before = store.records.content_hashes("experts")
        for suffix in (".csv", ".jsonl", ".xlsx"):
            with pytest.raises(ImportFileError, match="control character U\\+0000 at position 5"):
                import_file(store, "experts", nul_file(tmp_path, suffix))
        assert store.records.content_hashes("experts") == before
        result = haizhi_import(nul_file(tmp_path, ".csv"), db_url, tmp_path / "data")
        assert result.returncode == 1, result.stdout + result.stderr
        assert f"experts.csv:3:name: {NUL_REASON}" in result.stderr
        assert "Traceback" not in result.stderr + result.stdout
        assert store.records.content_hashes("experts") == before
    finally:
        store.close()


def test_cli_reports_a_broken_csv_without_traceback_and_imports_a_good_one(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    broken = write_lines(tmp_path / "experts.csv", [HEADER, *numbered_rows(3), 'E9,x,US,MIT,kw,"open'])
    result = haizhi_import(broken, url, tmp_path / "data")
    assert result.returncode == 1
    assert "experts.csv:5:bio: unclosed quote opened here (line 5)" in result.stderr
    assert "Traceback" not in result.stderr
    good = tmp_path / "big5.csv"
    good.write_bytes(csv_bytes(TRADITIONAL, "big5"))
    result = haizhi_import(good, url, tmp_path / "data")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"{good}: 2 experts read, 2 inserted, 0 updated, 0 unchanged"
    unreachable = f"sqlite:///{tmp_path / 'no' / 'such' / 'dir.db'}"
    result = haizhi_import(good, unreachable, tmp_path / "data")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip() == (
        f"{good}: cannot import into the database (unable to open database file); nothing was written"
    )


# --- API -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_api(tmp_path_factory: pytest.TempPathFactory, use_encoder: Encoder) -> Iterator[SimpleNamespace]:
    """A real uvicorn server over an empty data directory (the demo data is not needed here)."""
    import uvicorn

    from api.app import create_app
    from api.settings import ApiSettings

    data_dir = tmp_path_factory.mktemp("import-api")
    store = Store(Settings(data_dir=data_dir).resolved_database_url)
    store.create_schema()
    key = ApiKeys(store).create("import tests", "admin")[1]
    store.close()
    app = create_app(ApiSettings(matcher=Settings(data_dir=data_dir)), encoder=use_encoder)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", workers=1))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        assert thread.is_alive(), "the API server did not start"
        time.sleep(0.05)
    yield SimpleNamespace(url=f"http://127.0.0.1:{sock.getsockname()[1]}", key=key)
    server.should_exit = True
    thread.join(timeout=30)
    sock.close()


def test_api_import_422_lists_the_located_problems(tmp_path: Path, small_api: SimpleNamespace) -> None:
    with httpx.Client(base_url=small_api.url, headers={"X-API-Key": small_api.key}, timeout=120) as http:
        _check_api_imports(http, tmp_path)


def _check_api_imports(http: httpx.Client, tmp_path: Path) -> None:
    broken = (
        HEADER + "\nE1,Bob \x00Lee,US,MIT,kw,bio\nE2,Ann,Atlantis,MIT,kw,bio\n" + 'E3,Cy,US,MIT,kw,"open\n'
    ).encode()
    response = http.post("/v1/imports/experts", files={"file": ("experts.csv", broken, "text/csv")})
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] == "import_failed"
    assert [(d["row"], d["column"]) for d in body["details"]] == [(2, "name"), (3, "country"), (4, "bio")]
    assert (
        body["details"][0]["why"] == "control character U+0000 at position 5: not allowed in text, remove it"
    )
    assert "experts.csv:4:bio: unclosed quote opened here (line 4)" in body["message"]
    merged = workbook_file(
        tmp_path / "merged.xlsx",
        [XLSX_HEADER, ["E1", "Ann", "US", "MIT"], ["E2", "Bob", None, "MIT"]],
        merge=("C2:C3",),
    )
    response = http.post(
        "/v1/imports/experts",
        files={"file": ("merged.xlsx", merged.read_bytes(), "application/octet-stream")},
    )
    assert response.status_code == 422 and response.json()["details"] == [
        {
            "row": 3,
            "column": "country",
            "why": "merged cell: value only in the top-left cell C2 (unmerge the cells and fill in each row)",
        }
    ]
    assert http.get("/v1/experts", params={"limit": 1}).json()["total"] == 0
    big5 = csv_bytes(TRADITIONAL, "big5")
    response = http.post("/v1/imports/experts", files={"file": ("台灣專家.csv", big5, "text/csv")})
    assert response.status_code == 200, response.text
    assert http.get("/v1/experts/TW1").json()["name"] == "陳大文"


def test_jsonl_lone_surrogates_and_keys_are_located(tmp_path: Path) -> None:
    path = tmp_path / "experts.jsonl"
    lines = [
        '{"id": "E1", "name": "Ann \\ud800", "country": "US"}',
        '{"id": "E2", "na\\u0001me": "x", "country": "US"}',
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    problems = problems_of(path)
    assert located(problems)[:2] == [
        (1, "name", "lone surrogate U+D800 at position 5: not allowed in text, remove it"),
        (2, "na\x01me", "in the key: control character U+0001 at position 3: not allowed in text, remove it"),
    ]
    assert "experts.jsonl:2:na\\x01me: in the key: control character U+0001" in str(ImportFileError(problems))
