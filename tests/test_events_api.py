"""The /v1/events routes on the real uvicorn server: roles, station scope, planning, cancel, audit, ics."""

from __future__ import annotations

from types import SimpleNamespace

import httpx
import pytest

SLOTS = [
    {
        "id": f"S{i}",
        "starts_at": f"2026-06-01T{9 + i // 2:02d}:{30 * (i % 2):02d}:00",
        "ends_at": f"2026-06-01T{9 + i // 2:02d}:{30 * (i % 2) + 25:02d}:00",
        "tables": 3,
        "rooms": 1,
    }
    for i in range(6)
]
EXPERTS = [f"EX{i:04d}" for i in range(1, 21)]
# ST001's demands (D0047, D0122) form ENT-A; ENT-B and ENT-C belong to other stations
ENTERPRISES = {"ENT-A": ["D0047", "D0122"], "ENT-B": ["D0001", "D0003"], "ENT-C": ["D0009"]}


def call(server: SimpleNamespace, who: str, method: str, path: str, **kwargs: object) -> httpx.Response:
    return httpx.request(
        method,
        server.url + path,
        headers={"X-API-Key": server.keys[who]},
        timeout=120,
        **kwargs,  # type: ignore[arg-type]
    )


def create_event(server: SimpleNamespace, event_id: str, who: str = "admin") -> httpx.Response:
    body = {
        "id": event_id,
        "name": "API 洽谈会",
        "slots": SLOTS,
        "expert_limit": 3,
        "top_n": 5,
        "location": "广州",
    }
    return call(server, who, "POST", "/v1/events", json=body)


def fill(server: SimpleNamespace, event_id: str) -> None:
    participants = [{"kind": "expert", "id": e, "remote": i == 0} for i, e in enumerate(EXPERTS)]
    participants += [{"kind": "enterprise", "id": k, "demands": v} for k, v in ENTERPRISES.items()]
    rules = [{"expert_id": "EX0003", "demand_id": "D0047", "rule": "require"}]
    response = call(
        server,
        "admin",
        "POST",
        f"/v1/events/{event_id}/participants",
        json={"participants": participants, "pair_rules": rules},
    )
    assert response.status_code == 200, response.text


@pytest.fixture(scope="module")
def planned(api_server: SimpleNamespace) -> str:
    assert create_event(api_server, "EV-API").status_code == 201
    fill(api_server, "EV-API")
    response = call(api_server, "base", "POST", "/v1/events/EV-API/plan")
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "optimal" and response.json()["gap"] < 1e-6
    return "EV-API"


def test_writers_and_readers(api_server: SimpleNamespace, planned: str) -> None:
    for who in ("analyst", "station"):
        assert create_event(api_server, f"EV-NO-{who}", who).status_code == 403
        assert call(api_server, who, "POST", f"/v1/events/{planned}/plan").status_code == 403
        cancel = {"kind": "expert", "id": "EX0001"}
        assert call(api_server, who, "POST", f"/v1/events/{planned}/cancel", json=cancel).status_code == 403
    assert create_event(api_server, "EV-BASE", "base").status_code == 201
    assert create_event(api_server, "EV-BASE", "admin").status_code == 409
    agenda = call(api_server, "analyst", "GET", f"/v1/events/{planned}/agenda").json()
    assert {m["enterprise_id"] for m in agenda["meetings"]} == set(ENTERPRISES)
    assert ("EX0003", "D0047") in {(m["expert_id"], m["demand_id"]) for m in agenda["meetings"]}
    assert any(m["venue"] == "room" for m in agenda["meetings"] if m["expert_id"] == "EX0001") or all(
        m["expert_id"] != "EX0001" for m in agenda["meetings"]
    )
    assert "email" not in agenda["participants"][0]
    listed = call(api_server, "station", "GET", "/v1/events").json()
    assert planned in [e["id"] for e in listed]


def test_station_sees_only_its_enterprises_meetings(api_server: SimpleNamespace, planned: str) -> None:
    agenda = call(api_server, "station", "GET", f"/v1/events/{planned}/agenda").json()
    assert agenda["meetings"] and {m["enterprise_id"] for m in agenda["meetings"]} == {"ENT-A"}
    kinds = {(p["kind"], p["id"]) for p in agenda["participants"] if p["kind"] == "enterprise"}
    assert kinds == {("enterprise", "ENT-A")}
    ics = call(api_server, "station", "GET", f"/v1/events/{planned}/calendar/enterprise/ENT-A.ics")
    assert ics.status_code == 200 and ics.headers["content-type"].startswith("text/calendar")
    assert ics.text.count("BEGIN:VEVENT") == len(agenda["meetings"])
    assert (
        call(api_server, "station", "GET", f"/v1/events/{planned}/calendar/enterprise/ENT-B.ics").status_code
        == 403
    )
    other = call(api_server, "station2", "GET", f"/v1/events/{planned}/agenda").json()
    assert all(m["enterprise_id"] != "ENT-A" for m in other["meetings"])


def test_cancel_keeps_other_meetings_and_is_audited(api_server: SimpleNamespace) -> None:
    assert create_event(api_server, "EV-CANCEL").status_code == 201
    fill(api_server, "EV-CANCEL")
    assert call(api_server, "admin", "POST", "/v1/events/EV-CANCEL/plan").status_code == 200
    before = call(api_server, "admin", "GET", "/v1/events/EV-CANCEL/agenda").json()["meetings"]
    gone = before[0]["expert_id"]
    response = call(
        api_server, "admin", "POST", "/v1/events/EV-CANCEL/cancel", json={"kind": "expert", "id": gone}
    )
    assert response.status_code == 200, response.text
    after = call(api_server, "admin", "GET", "/v1/events/EV-CANCEL/agenda").json()["meetings"]
    key = ("slot_id", "venue", "number", "expert_id", "demand_id")
    kept = {tuple(m[k] for k in key) for m in before if m["expert_id"] != gone}
    assert kept <= {tuple(m[k] for k in key) for m in after}
    assert all(m["expert_id"] != gone for m in after)
    audit = call(api_server, "admin", "GET", "/v1/audit", params={"target_id": "EV-CANCEL"})
    actions = [e["action"] for e in audit.json()]
    assert {"events.create", "events.participants", "events.plan", "events.cancel"} <= set(actions)


def test_bad_requests_are_explained(api_server: SimpleNamespace, planned: str) -> None:
    bad = call(
        api_server,
        "admin",
        "POST",
        f"/v1/events/{planned}/participants",
        json={"participants": [{"kind": "expert", "id": "EX9999"}]},
    )
    assert bad.status_code == 422 and "no such expert" in bad.text
    both = call(api_server, "admin", "POST", f"/v1/events/{planned}/cancel", json={"expert_id": "EX0001"})
    assert both.status_code == 422
    assert call(api_server, "admin", "GET", "/v1/events/NOPE/agenda").status_code == 404
