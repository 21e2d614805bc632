"""The request boundary, the same on SQLite and PostgreSQL: the text rule, text limits, strict bodies.

PostgreSQL cannot store NUL, so before this rule a NUL answered 500 there and was stored (or matched
every row) on SQLite; both now refuse it with 422 naming the field.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from types import SimpleNamespace

import httpx
import pytest

from matcher.domain.records import TEXT_LIMITS

DATABASES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(scope="module", params=DATABASES)
def server(
    request: pytest.FixtureRequest, api_server_factory: Callable[[str], SimpleNamespace]
) -> Iterator[SimpleNamespace]:
    yield api_server_factory(request.param)


@pytest.fixture
def admin(server: SimpleNamespace) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, headers={"X-API-Key": server.keys["admin"]}, timeout=60) as client:
        yield client


def _refused(response: httpx.Response, where: str, why: str) -> None:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] == "invalid_input"
    assert any(d["where"] == where and why in d["why"] for d in body["details"]), body


def _expert(expert_id: str, **changes: object) -> dict[str, object]:
    return {"id": expert_id, "name": "Lena Hoffmann", "country": "DE", "keywords": ["SiC"], **changes}


@pytest.mark.parametrize(
    "query",
    ["/v1/experts?q=%00", "/v1/demands?q=a%00b", "/v1/experts?industry=%00", "/v1/demands?industry=ai%01"],
)
def test_control_characters_in_query_parameters_are_422(admin: httpx.Client, query: str) -> None:
    response = admin.get(query)
    assert response.status_code == 422, response.text
    assert "control character U+000" in response.json()["message"]


def test_control_characters_in_paths_are_422_not_500(admin: httpx.Client) -> None:
    for path in ["/v1/experts/EX%000001", "/v1/demands/D%00/recommendations", "/v1/matches/D%00/E1"]:
        assert admin.get(path).status_code == 422, path


def test_nul_in_a_json_body_is_refused_and_nothing_is_written(admin: httpx.Client) -> None:
    _refused(admin.post("/v1/experts", json=_expert("NUL-1", name="Le\u0000na")), "name", "U+0000")
    _refused(admin.post("/v1/experts", json=_expert("NUL-1", keywords=["S\u0000iC"])), "keywords.0", "U+0000")
    assert admin.get("/v1/experts/NUL-1").status_code == 404
    assert admin.post("/v1/experts", json=_expert("NUL-1")).status_code == 201
    _refused(admin.patch("/v1/experts/NUL-1", json={"bio": "x\u0007y"}), "bio", "U+0007")
    assert admin.get("/v1/experts/NUL-1").json()["bio"] == ""


def test_nul_in_a_match_note_is_refused(admin: httpx.Client) -> None:
    demand = admin.get("/v1/demands", params={"limit": 1}).json()["items"][0]["id"]
    expert = admin.get("/v1/experts", params={"limit": 1}).json()["items"][0]["id"]
    response = admin.post(f"/v1/matches/{demand}/{expert}", json={"status": "contacted", "note": "a\u0000"})
    _refused(response, "note", "U+0000")


def test_nul_in_a_jsonl_import_names_the_row_and_writes_nothing(admin: httpx.Client) -> None:
    rows = '{"id": "NUL-J1", "name": "A", "country": "US"}\n'
    rows += '{"id": "NUL-J2", "name": "B\\u0000", "country": "US"}\n'
    response = admin.post("/v1/imports/experts", files={"file": ("experts.jsonl", rows.encode())})
    assert response.status_code == 422, response.text
    assert any(p["row"] == 2 and "U+0000" in p["why"] for p in response.json()["details"])
    assert admin.get("/v1/experts/NUL-J1").status_code == 404


def test_text_limits_are_documented_and_enforced(admin: httpx.Client) -> None:
    schema = admin.get("/openapi.json").json()["components"]["schemas"]
    demand = schema["Demand"]["properties"]
    assert demand["title"]["maxLength"] == TEXT_LIMITS["short"]
    assert demand["description"]["maxLength"] == TEXT_LIMITS["long"]
    assert demand["keywords"]["maxItems"] == TEXT_LIMITS["items"]
    assert demand["keywords"]["items"]["maxLength"] == TEXT_LIMITS["item"]
    too_long = {"id": "LONG-1", "title": "x" * (TEXT_LIMITS["short"] + 1)}
    _refused(admin.post("/v1/demands", json=too_long), "title", "at most 300")
    huge = {"id": "LONG-1", "title": "ok", "description": "长" * 300_000}
    _refused(admin.post("/v1/demands", json=huge), "description", "at most 20000")
    _refused(admin.get("/v1/experts", params={"q": "q" * 201}), "query.q", "at most 200")
    at_limit = {"id": "LONG-1", "title": "t" * 300, "description": "储能 " * (TEXT_LIMITS["long"] // 3)}
    assert admin.post("/v1/demands", json=at_limit).status_code == 201


def test_bodies_take_exactly_the_schema_shapes(admin: httpx.Client) -> None:
    _refused(
        admin.post("/v1/experts", json=_expert("STRICT-1", keywords="SiC; GaN")), "keywords", "JSON array"
    )
    _refused(
        admin.post("/v1/experts", json=_expert("STRICT-1", country="德国")), "country", "unknown country"
    )
    _refused(
        admin.post("/v1/experts", json=_expert("STRICT-1", cooperation_modes=["全职"])),
        "cooperation_modes",
        "",
    )
    _refused(
        admin.post("/v1/demands", json={"id": "STRICT-D", "title": "t", "station_id": ""}), "station_id", ""
    )
    _refused(admin.post("/v1/experts", json=_expert("STRICT-1", country="")), "country", "unknown country")
    assert (
        admin.post("/v1/experts", json=_expert("STRICT-1", cooperation_modes=["consulting"])).status_code
        == 201
    )


def test_files_stay_lenient_where_bodies_are_strict(admin: httpx.Client) -> None:
    csv = "id,name,country,keywords,cooperation_modes\nLENIENT-1,王芳,德国,SiC；GaN,全职\n"
    response = admin.post("/v1/imports/experts", files={"file": ("experts.csv", csv.encode())})
    assert response.status_code == 200, response.text
    stored = admin.get("/v1/experts/LENIENT-1").json()
    assert (stored["country"], stored["keywords"], stored["cooperation_modes"]) == (
        "DE",
        ["SiC", "GaN"],
        ["full_time"],
    )


def test_patch_bodies_list_their_fields_and_refuse_others(admin: httpx.Client) -> None:
    spec = admin.get("/openapi.json").json()
    body = spec["paths"]["/v1/experts/{expert_id}"]["patch"]["requestBody"]["content"]["application/json"]
    patch = spec["components"]["schemas"][body["schema"]["$ref"].rsplit("/", 1)[-1]]
    assert patch["additionalProperties"] is False and "id" not in patch["properties"]
    assert "keywords" in patch["properties"]
    assert admin.post("/v1/experts", json=_expert("PATCH-1")).status_code == 201
    _refused(admin.patch("/v1/experts/PATCH-1", json={"favourite_colour": "blue"}), "favourite_colour", "")
    _refused(admin.patch("/v1/experts/PATCH-1", json={"id": "OTHER"}), "id", "")
    assert admin.patch("/v1/experts/PATCH-1", json={"keywords": ["GaN"]}).status_code == 200
    assert admin.get("/v1/experts/PATCH-1").json()["keywords"] == ["GaN"]


def test_unknown_station_is_a_conflict_not_a_malformed_body(admin: httpx.Client) -> None:
    response = admin.post("/v1/demands", json={"id": "REF-1", "title": "t", "station_id": "NO-SUCH-STATION"})
    assert response.status_code == 409 and response.json()["error"] == "unknown_reference"


def test_method_not_allowed_names_the_allowed_methods(server: SimpleNamespace) -> None:
    response = httpx.request("TRACE", f"{server.url}/v1/experts", headers={"X-API-Key": server.keys["admin"]})
    assert response.status_code == 405
    assert set(response.headers["allow"].replace(" ", "").split(",")) == {"GET", "HEAD", "POST"}
