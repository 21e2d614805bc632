"""Role scopes through the real HTTP server: station A never reads or changes station B's data."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import httpx

OWN_DEMAND = "D0047"  # ST001 (base B-GZ)
DEMANDS_CSV = Path(__file__).resolve().parents[1] / "pipelines" / "demo" / "data" / "demands.csv"


def _first_demand_of(station: str) -> str:
    lines = DEMANDS_CSV.read_text(encoding="utf-8").splitlines()
    return next(line.split(",")[0] for line in lines if line.split(",")[1:2] == [station])


OTHER_DEMAND = _first_demand_of("ST002")  # same base (B-GZ) as ST001
SZ_DEMAND = _first_demand_of("ST008")  # base B-SZ


def client(server: SimpleNamespace, who: str) -> httpx.Client:
    return httpx.Client(base_url=server.url, headers={"X-API-Key": server.keys[who]}, timeout=60)


def test_station_lists_only_its_own_demands(api_server: SimpleNamespace) -> None:
    page = client(api_server, "station").get("/v1/demands", params={"limit": 200}).json()
    assert page["total"] == len(page["items"]) >= 3
    assert {d["station_id"] for d in page["items"]} == {"ST001"}
    # asking for another station's demands explicitly yields nothing, not their data
    other = client(api_server, "station").get("/v1/demands", params={"station_id": "ST002"}).json()
    assert other["total"] == 0 and other["items"] == []


def test_station_cannot_read_or_change_another_stations_demand(api_server: SimpleNamespace) -> None:
    http = client(api_server, "station")
    assert http.get(f"/v1/demands/{OWN_DEMAND}").status_code == 200
    for response in (
        http.get(f"/v1/demands/{OTHER_DEMAND}"),
        http.get(f"/v1/demands/{OTHER_DEMAND}/recommendations"),
        http.post("/v1/recommendations", json={"demand_id": OTHER_DEMAND}),
        http.patch(f"/v1/demands/{OTHER_DEMAND}", json={"status": "closed"}),
        http.post(f"/v1/matches/{OTHER_DEMAND}/EX0001", json={"status": "contacted"}),
        http.get(f"/v1/matches/{OTHER_DEMAND}/EX0001"),
        http.post("/v1/demands", json={"id": "DX-SCOPE-1", "title": "偷偷发布", "station_id": "ST002"}),
    ):
        assert response.status_code == 403, (response.request.url, response.text)
        assert response.json()["error"] == "forbidden"
    # nothing changed
    demand = client(api_server, "admin").get(f"/v1/demands/{OTHER_DEMAND}").json()
    assert demand["status"] != "closed" or demand["id"] != OTHER_DEMAND
    assert client(api_server, "admin").get("/v1/demands/DX-SCOPE-1").status_code == 404


def test_station_never_sees_another_stations_outcomes(api_server: SimpleNamespace) -> None:
    other = client(api_server, "station2")
    moved = other.post(
        f"/v1/matches/{OTHER_DEMAND}/EX0003", json={"status": "contacted", "note": "电话已联系"}
    )
    assert moved.status_code == 200, moved.text
    assert client(api_server, "station").get("/v1/matches").json() == [] or all(
        m["demand_id"] != OTHER_DEMAND for m in client(api_server, "station").get("/v1/matches").json()
    )
    filtered = client(api_server, "station").get("/v1/matches", params={"demand_id": OTHER_DEMAND}).json()
    assert filtered == []
    seen_by_base = client(api_server, "base").get("/v1/matches", params={"demand_id": OTHER_DEMAND}).json()
    assert [m["status"] for m in seen_by_base] == ["contacted"]


def test_station_demand_defaults_to_its_station_and_sites_are_scoped(api_server: SimpleNamespace) -> None:
    http = client(api_server, "station")
    created = http.post("/v1/demands", json={"id": "DX-SCOPE-2", "title": "需要水处理膜材料专家"})
    assert created.status_code == 201, created.text
    assert http.get("/v1/demands/DX-SCOPE-2").json()["station_id"] == "ST001"
    sites = http.get("/v1/sites", params={"limit": 200}).json()
    assert {s["id"] for s in sites["items"]} == {"ST001", "B-GZ"}
    assert http.get("/v1/sites/ST002").status_code == 403
    assert http.post("/v1/experts", json={"id": "EXX", "name": "x", "country": "US"}).status_code == 403
    assert http.patch("/v1/experts/EX0001", json={"title": "x"}).status_code == 403
    assert http.get("/v1/audit").status_code == 403


def test_base_sees_its_stations_but_not_other_bases(api_server: SimpleNamespace) -> None:
    http = client(api_server, "base")
    page = http.get("/v1/demands", params={"limit": 200}).json()
    stations = {d["station_id"] for d in page["items"]}
    assert {"ST001", "ST002"} <= stations and "ST008" not in stations
    assert http.get(f"/v1/demands/{SZ_DEMAND}").status_code == 403
    assert http.patch(f"/v1/demands/{SZ_DEMAND}", json={"status": "closed"}).status_code == 403
    assert client(api_server, "station_sz").get(f"/v1/demands/{SZ_DEMAND}").status_code == 200
    assert client(api_server, "station_sz").get(f"/v1/demands/{OWN_DEMAND}").status_code == 403
    sites = http.get("/v1/sites", params={"limit": 200}).json()
    assert "B-GZ" in {s["id"] for s in sites["items"]} and "ST008" not in {s["id"] for s in sites["items"]}


def test_analyst_reads_everything_but_writes_nothing(api_server: SimpleNamespace) -> None:
    http = client(api_server, "analyst")
    assert http.get("/v1/demands", params={"limit": 1}).json()["total"] >= 160
    assert http.get(f"/v1/demands/{SZ_DEMAND}").status_code == 200
    for response in (
        http.patch(f"/v1/demands/{OWN_DEMAND}", json={"status": "closed"}),
        http.post(f"/v1/matches/{OWN_DEMAND}/EX0001", json={"status": "contacted"}),
        http.post("/v1/demands", json={"id": "DX-AN", "title": "t", "station_id": "ST001"}),
    ):
        assert response.status_code == 403, response.text


def test_every_write_is_audited(api_server: SimpleNamespace) -> None:
    http = client(api_server, "station")
    assert http.patch("/v1/demands/D0122", json={"budget_wan": 88}).status_code == 200
    entries = client(api_server, "admin").get("/v1/audit", params={"target_id": "D0122"}).json()
    entry = entries[0]
    assert entry["action"] == "demands.update" and entry["actor"] == "test station"
    assert (
        entry["role"] == "station"
        and entry["site_id"] == "ST001"
        and entry["detail"] == {"fields": ["budget_wan"]}
    )
    assert entry["at"]
