"""The HTTP API through a real uvicorn server: auth, recommendations, listings, manifest, CLI keys."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from typer.testing import CliRunner

from api.access import ApiKeys
from pipelines.cli.main import app as cli_app

NEED = "需要锂电池固态电解质方面的海外专家，解决界面阻抗问题"


def client(server: SimpleNamespace, who: str | None = "admin") -> httpx.Client:
    headers = {"X-API-Key": server.keys[who]} if who else {}
    return httpx.Client(base_url=server.url, headers=headers, timeout=60)


def test_health_needs_no_key_and_reports_index_sizes(api_server: SimpleNamespace) -> None:
    body = client(api_server, None).get("/v1/health").json()
    assert body["status"] == "ok"
    assert body["experts_indexed"] >= 656 and body["demands_indexed"] >= 160


@pytest.mark.parametrize("headers", [{}, {"X-API-Key": "hzk_nokey_secret"}, {"X-API-Key": "wrong"}])
def test_requests_without_a_valid_key_get_a_json_401(api_server: SimpleNamespace, headers: dict) -> None:
    response = httpx.get(f"{api_server.url}/v1/experts", headers=headers)
    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized" and response.json()["message"]


def test_bearer_header_works_too(api_server: SimpleNamespace) -> None:
    token = api_server.keys["analyst"]
    response = httpx.get(f"{api_server.url}/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and response.json()["role"] == "analyst"


def test_recommend_free_text_returns_k_explained_experts(api_server: SimpleNamespace) -> None:
    response = client(api_server).post("/v1/recommendations", json={"text": NEED, "k": 5})
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["rank"] for r in results] == [1, 2, 3, 4, 5]
    assert results[0]["score"] >= results[-1]["score"]
    top = results[0]
    terms = top["explanation"]["matched_terms"]
    assert terms and all(t["zh"] and t["en"] for t in terms)
    assert top["explanation"]["text_zh"] and top["explanation"]["text_en"]
    assert top["explanation"]["contributions"][0]["label_en"]
    assert "new_energy" in top["expert"]["industries"]
    assert set(top["features"]) >= {"dense", "lexical", "concept_overlap"}


def test_english_need_with_filters(api_server: SimpleNamespace) -> None:
    body = {
        "text": "SiC power MOSFET reliability for automotive inverters",
        "k": 5,
        "filters": {"countries": ["us", "DE", "JP", "GB", "FI"], "languages": ["en"]},
    }
    results = client(api_server).post("/v1/recommendations", json=body).json()["results"]
    assert results
    assert all(r["expert"]["country"] in {"US", "DE", "JP", "GB", "FI"} for r in results)
    assert all("en" in r["expert"]["languages"] for r in results)


def test_contacts_visible_to_admin_and_base_only(api_server: SimpleNamespace) -> None:
    expert_id = "EX0002"  # has an email in the demo data
    seen = {who: client(api_server, who).get(f"/v1/experts/{expert_id}").json() for who in api_server.keys}
    for who in ("admin", "base"):
        assert seen[who]["email"] == "lei.jia@cnrs.example.edu" and not seen[who]["contacts_hidden"]
    for who in ("station", "station2", "analyst"):
        assert seen[who]["email"] is None and seen[who]["phone"] is None and seen[who]["contacts_hidden"]
    # also inside recommendations and listings
    body = {"text": "工业余热回收 有机朗肯循环", "k": 10}
    listed = client(api_server, "station").post("/v1/recommendations", json=body).json()["results"]
    assert all(r["expert"]["email"] is None for r in listed)
    page = client(api_server, "analyst").get("/v1/experts", params={"limit": 50}).json()
    assert all(e["email"] is None for e in page["items"])
    page = client(api_server, "base").get("/v1/experts", params={"limit": 50}).json()
    assert any(e["email"] for e in page["items"])


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"text": NEED, "demand_id": "D0001"}, 422),
        ({"k": 3}, 422),
        ({"text": "   "}, 422),
        ({"text": NEED, "k": 0}, 422),
        ({"text": NEED, "k": 10_000}, 422),
        ({"text": NEED, "filters": {"cooperation_modes": ["teleport"]}}, 422),
        ({"text": NEED, "unknown": 1}, 422),
        ({"demand_id": "D9999"}, 404),
    ],
)
def test_invalid_recommendation_requests_are_4xx_json(
    api_server: SimpleNamespace, body: dict, status: int
) -> None:
    response = client(api_server).post("/v1/recommendations", json=body)
    assert response.status_code == status, response.text
    assert response.json()["message"]


def test_malformed_json_is_422(api_server: SimpleNamespace) -> None:
    response = client(api_server).post(
        "/v1/recommendations", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422 and response.json()["error"] == "invalid_input"


def test_demand_recommendations_and_expert_demands(api_server: SimpleNamespace) -> None:
    http = client(api_server)
    body = http.get("/v1/demands/D0047/recommendations", params={"k": 3}).json()
    assert body["demand_id"] == "D0047" and len(body["results"]) == 3
    expert_id = body["results"][0]["expert_id"]
    outreach = http.get(f"/v1/experts/{expert_id}/demands", params={"k": 5}).json()
    assert 1 <= len(outreach["results"]) <= 5
    assert outreach["results"][0]["demand"]["title"]
    # a station only gets its own demands back
    mine = client(api_server, "station").get(f"/v1/experts/{expert_id}/demands", params={"k": 5}).json()
    assert mine["results"] and all(r["demand"]["station_id"] == "ST001" for r in mine["results"])


def test_pagination_and_search(api_server: SimpleNamespace) -> None:
    http = client(api_server)
    first = http.get("/v1/experts", params={"limit": 5, "offset": 0}).json()
    second = http.get("/v1/experts", params={"limit": 5, "offset": 5}).json()
    assert first["total"] >= 656 and len(first["items"]) == 5 and len(second["items"]) == 5
    assert not {e["id"] for e in first["items"]} & {e["id"] for e in second["items"]}
    found = http.get("/v1/experts", params={"q": "georgia institute"}).json()
    assert any(e["id"] == "EX0001" for e in found["items"])
    by_country = http.get("/v1/experts", params={"country": "fi", "limit": 200}).json()
    assert by_country["total"] > 0 and all(e["country"] == "FI" for e in by_country["items"])
    by_industry = http.get("/v1/experts", params={"industry": "semiconductors", "limit": 200}).json()
    assert all("semiconductors" in e["industries"] for e in by_industry["items"])
    orgs = http.get("/v1/organizations", params={"limit": 3}).json()
    assert len(orgs["items"]) == 3 and orgs["total"] >= 44
    assert http.get("/v1/organizations/ORG001").json()["name_en"]
    stations = http.get("/v1/sites", params={"parent_id": "B-GZ", "limit": 50}).json()
    assert {"ST001", "ST002"} <= {s["id"] for s in stations["items"]}
    assert http.get("/v1/experts", params={"limit": 0}).status_code == 422
    assert http.get("/v1/experts/NOPE").status_code == 404


def test_index_manifest_and_openapi(api_server: SimpleNamespace) -> None:
    manifest = client(api_server, "analyst").get("/v1/index").json()
    experts = manifest["collections"]["experts"]
    assert experts["count"] >= 656 and experts["dense"]["encoder_id"] == "use-multilingual-v3"
    assert experts["collection"]["checksum"]
    spec = httpx.get(f"{api_server.url}/openapi.json").json()
    assert "/v1/recommendations" in spec["paths"] and "/v1/matches/{demand_id}/{expert_id}" in spec["paths"]
    assert httpx.get(f"{api_server.url}/docs").status_code == 200


def test_keys_cli_create_list_revoke(api_server: SimpleNamespace) -> None:
    runner = CliRunner()
    data_dir = str(api_server.data_dir)
    created = runner.invoke(
        cli_app,
        ["keys", "create", "--role", "station", "--site", "ST003", "--name", "王工", "--data-dir", data_dir],
    )
    assert created.exit_code == 0, created.output
    token = created.output.strip().splitlines()[-1]
    key_id = token.split("_")[1]
    me = httpx.get(f"{api_server.url}/v1/me", headers={"X-API-Key": token}).json()
    assert me["role"] == "station" and me["site_id"] == "ST003" and me["name"] == "王工"
    listed = runner.invoke(cli_app, ["keys", "list", "--data-dir", data_dir])
    assert key_id in listed.output and token.split("_", 2)[2] not in listed.output
    revoked = runner.invoke(cli_app, ["keys", "revoke", key_id, "--data-dir", data_dir])
    assert revoked.exit_code == 0
    assert httpx.get(f"{api_server.url}/v1/me", headers={"X-API-Key": token}).status_code == 401
    bad = runner.invoke(
        cli_app, ["keys", "create", "--role", "station", "--name", "x", "--data-dir", data_dir]
    )
    assert bad.exit_code == 1 and "--site" in bad.output
    wrong_kind = runner.invoke(
        cli_app,
        ["keys", "create", "--role", "base", "--site", "ST001", "--name", "x", "--data-dir", data_dir],
    )
    assert wrong_kind.exit_code == 1


def test_first_serve_creates_an_admin_key_file_once(tmp_path: Path) -> None:
    from matcher.config import Settings
    from matcher.store import Store
    from pipelines.cli.serve import ensure_admin_key

    store = Store(Settings(data_dir=tmp_path).resolved_database_url)
    store.create_schema()
    path = ensure_admin_key(store, tmp_path)
    assert path == tmp_path / "admin.key" and (path.stat().st_mode & 0o777) == 0o600
    key = ApiKeys(store).authenticate(path.read_text().strip())
    assert key is not None and key.role == "admin"
    assert ensure_admin_key(store, tmp_path) is None  # keys exist: nothing new
    assert ApiKeys(store).authenticate(path.read_text().strip()[:-2] + "xx") is None
