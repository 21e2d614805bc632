"""Project flow, cooperations and operations statistics through the real API server."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import httpx

from matcher.config import Settings
from matcher.operations.freshness import stale_experts
from matcher.store import Store

NEED = "工业余热回收：需要有机朗肯循环（ORC）余热发电与能效诊断方面的海外专家"
EXPERT = "EX0002"  # 贾磊, industrial waste heat and ORC


def client(server: SimpleNamespace, who: str = "admin") -> httpx.Client:
    return httpx.Client(base_url=server.url, headers={"X-API-Key": server.keys[who]}, timeout=120)


def expert_demands(server: SimpleNamespace) -> set[str]:
    body = client(server).get(f"/v1/experts/{EXPERT}/demands", params={"k": 50}).json()
    return {r["demand_id"] for r in body["results"]}


def test_flow_through_the_api(api_server: SimpleNamespace) -> None:
    demand = {
        "id": "DX-OPS-FLOW-1",
        "station_id": "ST001",
        "title": "余热发电项目技术需求",
        "description": NEED,
        "posted_at": date.today().isoformat(),
    }
    created = client(api_server).post("/v1/demands", json=demand)
    assert created.status_code == 201, created.text
    assert "DX-OPS-FLOW-1" in expert_demands(api_server)
    station = client(api_server, "station")
    path = f"/v1/flow/matches/DX-OPS-FLOW-1/{EXPERT}"
    moved = station.post(path, json={"status": "recommended"})
    assert moved.status_code == 200, moved.text
    assert moved.json()["status"] == "matching" and moved.json()["matches"] == {EXPERT: "recommended"}
    assert client(api_server, "station2").post(path, json={"status": "contacted"}).status_code == 403
    assert client(api_server, "analyst").post(path, json={"status": "contacted"}).status_code == 403
    assert station.post(path, json={"status": "signed"}).status_code == 409  # lifecycle rule
    for step in ("contacted", "negotiating"):
        assert station.post(path, json={"status": step}).json()["status"] in ("matching", "negotiating")
    cooperation = {
        "demand_id": "DX-OPS-FLOW-1",
        "expert_id": EXPERT,
        "mode": "flexible",
        "start_date": date.today().isoformat(),
        "contract_amount_wan": 60,
    }
    recorded = station.post("/v1/cooperations", json=cooperation)
    assert recorded.status_code == 200, recorded.text
    assert recorded.json()["status"] == "cooperating" and recorded.json()["matches"][EXPERT] == "signed"
    assert client(api_server, "station2").get("/v1/cooperations", params={"expert_id": EXPERT}).json() == []
    closed = station.post(
        "/v1/flow/demands/DX-OPS-FLOW-1/close", json={"outcome": "solved", "note": "已解决"}
    )
    assert closed.status_code == 200, closed.text
    body = closed.json()
    assert body["status"] == "closed" and body["history"][-1]["reason"] == "solved"
    assert [h["to_status"] for h in body["history"]] == ["matching", "negotiating", "cooperating", "closed"]
    assert "DX-OPS-FLOW-1" not in expert_demands(api_server)  # the closed demand is no longer matched
    again = station.post("/v1/flow/demands/DX-OPS-FLOW-1/close", json={"outcome": "solved"})
    assert again.status_code == 409 and "already closed" in again.json()["message"]
    bad = station.post("/v1/flow/demands/DX-OPS-FLOW-1/close", json={"outcome": "maybe"})
    assert bad.status_code == 422

    year = date.today().year
    everything = client(api_server).get("/v1/stats/stations", params={"year": year}).json()
    st001 = next(s for s in everything["stations"] if s["scope_id"] == "ST001")
    assert st001["signed"] >= 1 and st001["contract_amount_wan"] >= 60 and everything["overall"]
    own = station.get("/v1/stats/stations", params={"year": year}).json()
    assert (
        [s["scope_id"] for s in own["stations"]] == ["ST001"]
        and own["overall"] is None
        and own["bases"] == []
    )
    evaluation = client(api_server, "analyst").get("/v1/stats/evaluation", params={"year": year}).json()
    assert evaluation["weights"]["docking_rate"] == 0.3 and evaluation["stations"][0]["rank"] == 1
    assert station.get("/v1/stats/stations", params={"year": year, "start": "2025-01-01"}).status_code == 422


def test_stale_profiles_and_gaps_endpoints(api_server: SimpleNamespace) -> None:
    body = (
        client(api_server, "analyst").get("/v1/stats/stale-experts", params={"months": 18, "limit": 5}).json()
    )
    expected = stale_experts(Store(Settings(data_dir=api_server.data_dir).resolved_database_url), months=18)
    assert body["total"] == len(expected) > 0
    assert [r["expert_id"] for r in body["items"]] == [r.expert_id for r in expected[:5]]
    assert "email" not in body["items"][0]
    gaps = client(api_server, "base").get("/v1/stats/gaps", params={"top": 3}).json()
    assert gaps["overall"] is None and set(gaps["by_base"]) == {"B-GZ"}
    assert len(gaps["by_base"]["B-GZ"]) <= 3 and gaps["dense_threshold"] == 0.6
