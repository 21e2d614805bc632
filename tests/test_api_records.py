"""Writes through the real HTTP server: incremental indexing, validation, lifecycle, bulk import."""

from __future__ import annotations

from types import SimpleNamespace

import httpx
import pytest


def client(server: SimpleNamespace, who: str = "admin") -> httpx.Client:
    return httpx.Client(base_url=server.url, headers={"X-API-Key": server.keys[who]}, timeout=120)


NEW_EXPERT = {
    "id": "EX9001",
    "name": "Quintus Vorlander",
    "email": "q.vorlander@example.edu",
    "country": "NL",
    "affiliation": "Delft University of Technology",
    "industries": ["agriculture"],
    "fields": [],
    "keywords": ["aquaponics", "duckweed protein", "zebrafish feed"],
    "bio": "Quintus Vorlander develops duckweed protein extraction and aquaponics for zebrafish feed.",
    "languages": ["en"],
    "cooperation_modes": ["consulting"],
}


def test_created_expert_is_recommended_without_a_rebuild(api_server: SimpleNamespace) -> None:
    http = client(api_server)
    need = {"text": "duckweed protein extraction for aquaponics zebrafish feed", "k": 3}
    before = http.post("/v1/recommendations", json=need).json()["results"]
    assert "EX9001" not in [r["expert_id"] for r in before]
    created = http.post("/v1/experts", json=NEW_EXPERT)
    assert created.status_code == 201, created.text
    assert created.json() == {"id": "EX9001", "created": True, "indexed": True}
    after = http.post("/v1/recommendations", json=need).json()["results"]
    assert after[0]["expert_id"] == "EX9001"
    assert http.post("/v1/experts", json=NEW_EXPERT).status_code == 409
    # an update is re-indexed too: the expert becomes inactive and drops out
    assert http.patch("/v1/experts/EX9001", json={"active": False}).status_code == 200
    gone = http.post("/v1/recommendations", json=need).json()["results"]
    assert "EX9001" not in [r["expert_id"] for r in gone]


def test_created_demand_is_matchable_at_once(api_server: SimpleNamespace) -> None:
    http = client(api_server, "station")
    demand = {
        "id": "DX-NEW-1",
        "title": "需要碳化硅功率器件可靠性专家",
        "description": "车规级SiC MOSFET栅氧可靠性与功率模块封装",
        "industry": "semiconductors",
    }
    assert http.post("/v1/demands", json=demand).status_code == 201
    results = http.get("/v1/demands/DX-NEW-1/recommendations", params={"k": 5}).json()["results"]
    assert len(results) == 5 and all(r["match_status"] is None for r in results)
    top_expert = results[0]["expert_id"]
    outreach = http.get(f"/v1/experts/{top_expert}/demands", params={"k": 10}).json()["results"]
    assert "DX-NEW-1" in [r["demand_id"] for r in outreach]


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"id": "EX0002"}, "id"),
        ({"shoe_size": 44}, "shoe_size"),
        ({"cooperation_modes": ["teleport"]}, "cooperation"),
        ({"name": ""}, "name"),
    ],
)
def test_invalid_updates_are_422_and_change_nothing(
    api_server: SimpleNamespace, changes: dict, fragment: str
) -> None:
    http = client(api_server)
    before = http.get("/v1/experts/EX0001").json()
    response = http.patch("/v1/experts/EX0001", json=changes)
    assert response.status_code == 422, response.text
    assert fragment in response.json()["message"]
    assert http.get("/v1/experts/EX0001").json() == before


def test_invalid_create_is_422(api_server: SimpleNamespace) -> None:
    response = client(api_server).post("/v1/experts", json={"id": "bad id!", "name": "x", "country": "US"})
    assert response.status_code == 422
    assert any(d["where"] == "id" for d in response.json()["details"])
    unknown_station = client(api_server).post(
        "/v1/demands", json={"id": "DX-BAD", "title": "t", "station_id": "ZZ"}
    )
    # well formed, but it names a station the database does not hold: a conflict, not a schema error
    assert unknown_station.status_code == 409 and "ZZ" in unknown_station.json()["message"]


def test_match_lifecycle_with_history_and_invalid_moves(api_server: SimpleNamespace) -> None:
    http = client(api_server, "station")
    path = "/v1/matches/D0131/EX0010"
    assert http.get(path).status_code == 404
    assert http.post(path, json={"status": "signed"}).status_code == 409  # cannot start signed
    assert http.post(path, json={"status": "maybe"}).status_code == 422
    contacted = http.post(path, json={"status": "contacted", "note": "已发邮件"}).json()
    assert contacted["status"] == "contacted"
    assert [(e["from_status"], e["to_status"]) for e in contacted["history"]] == [
        (None, "recommended"),
        ("recommended", "contacted"),
    ]
    skip = http.post(path, json={"status": "signed"})
    assert skip.status_code == 409 and skip.json()["error"] == "invalid_transition"
    assert "negotiating" in skip.json()["message"]
    assert http.post(path, json={"status": "negotiating", "note": "视频会议"}).status_code == 200
    signed = http.post(path, json={"status": "signed", "note": "签约柔性引进"}).json()
    assert signed["status"] == "signed" and signed["note"] == "签约柔性引进"
    assert len(signed["history"]) == 4 and signed["history"][-1]["actor"].startswith("test station")
    final = http.post(path, json={"status": "declined"})
    assert final.status_code == 409 and "final" in final.json()["message"]
    listed = http.get("/v1/demands/D0131/recommendations", params={"k": 50}).json()["results"]
    assert any(r["expert_id"] == "EX0010" and r["match_status"] == "signed" for r in listed) or all(
        r["expert_id"] != "EX0010" for r in listed
    )
    assert http.post("/v1/matches/D0131/NOPE", json={"status": "contacted"}).status_code == 404
    audit = client(api_server).get("/v1/audit", params={"target_id": "D0131/EX0010"}).json()
    assert [e["detail"]["to"] for e in audit] == ["signed", "negotiating", "contacted"]


BAD_CSV = (
    "id,name,email,country,bio\n"
    "EX9101,Ada Good,ada@example.edu,US,Battery expert\n"
    "EX9102,Bob Bad,not-an-email,US,Battery expert\n"
    "EX9103,,c@example.edu,Atlantis,Battery expert\n"
)


def test_bulk_import_reports_row_level_errors_and_writes_nothing(api_server: SimpleNamespace) -> None:
    http = client(api_server)
    total = http.get("/v1/experts", params={"limit": 1}).json()["total"]
    response = http.post("/v1/imports/experts", files={"file": ("experts.csv", BAD_CSV.encode(), "text/csv")})
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] == "import_failed"
    assert "experts.csv:3:email" in body["message"]
    located = {(d["row"], d["column"]) for d in body["details"]}
    assert (3, "email") in located and (4, "name") in located and (4, "country") in located
    assert http.get("/v1/experts", params={"limit": 1}).json()["total"] == total
    assert http.get("/v1/experts/EX9101").status_code == 404


def test_bulk_import_of_a_good_file_is_indexed(api_server: SimpleNamespace) -> None:
    good = (
        "编号,姓名,国家,简介,关键词\n"
        "EX9201,Orla Fennimore,IE,Orla Fennimore works on perovskite tandem solar cell packaging,perovskite\n"
        "EX9202,Piet Quarles,BE,Piet Quarles designs cryogenic hydrogen tanks for aircraft,liquid hydrogen\n"
    )
    response = client(api_server).post(
        "/v1/imports/experts", files={"file": ("新专家.csv", good.encode("gbk", errors="strict"), "text/csv")}
    )
    assert response.status_code == 200, response.text
    assert response.json() == {
        "kind": "experts",
        "rows": 2,
        "inserted": 2,
        "updated": 0,
        "unchanged": 0,
        "indexed": 2,
    }
    need = {"text": "cryogenic hydrogen tanks for aircraft", "k": 3}
    top = client(api_server).post("/v1/recommendations", json=need).json()["results"][0]
    assert top["expert_id"] == "EX9202"
    # the demo's photovoltaics experts have several close publications, so the new one-line profile
    # ranks among them rather than necessarily first
    need = {"text": "perovskite tandem solar cell packaging", "k": 3}
    found = client(api_server).post("/v1/recommendations", json=need).json()["results"]
    assert "EX9201" in [r["expert_id"] for r in found]


def test_bulk_import_scope_and_format_errors(api_server: SimpleNamespace) -> None:
    jsonl = (
        '{"id": "DX-IMP-1", "title": "需求一", "station_id": "ST001"}\n'
        '{"id": "DX-IMP-2", "title": "需求二", "station_id": "ST008"}\n'
    )
    station = client(api_server, "station")
    response = station.post(
        "/v1/imports/demands", files={"file": ("d.jsonl", jsonl.encode(), "application/json")}
    )
    assert response.status_code == 403 and "DX-IMP-2" in response.json()["message"]
    assert (
        station.post(
            "/v1/imports/experts", files={"file": ("e.csv", BAD_CSV.encode(), "text/csv")}
        ).status_code
        == 403
    )
    http = client(api_server)
    assert (
        http.post("/v1/imports/experts", files={"file": ("e.pdf", b"%PDF", "application/pdf")}).status_code
        == 422
    )
    assert (
        http.post("/v1/imports/widgets", files={"file": ("e.csv", b"id\n1\n", "text/csv")}).status_code == 422
    )
    broken = http.post(
        "/v1/imports/experts", files={"file": ("e.xlsx", b"not a zip", "application/octet-stream")}
    )
    assert broken.status_code == 422 and broken.json()["message"]
