"""The expert page and its JSON API through the real app: scope, refusal pages, lifecycle, profile, limits."""

from __future__ import annotations

import base64
import re
import shutil
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient

from api.access import ApiKeys, AuditLog
from api.access.links import ExpertLinks, LinkSettings
from api.app import create_app
from api.settings import ApiSettings
from embeddings.encoders.base import Encoder
from matcher.config import Settings
from matcher.domain.records import Demand, Expert, Site
from matcher.operations.freshness import expert_freshness
from matcher.store import Store, utc_now

HANT = "EX0082"  # 王文博, Hong Kong, zh;en → traditional Chinese page
ENGLISH = "EX0001"  # Vivian Pan, US, en;zh → English page
OTHER = "EX0007"  # 曹志强, US, zh;en → simplified Chinese page
SECRET = "test-link-secret"


def _app(data_dir: Path, encoder: Encoder, **links: object) -> TestClient:
    settings = ApiSettings(
        matcher=Settings(data_dir=data_dir),
        links=LinkSettings(link_secret=SECRET, public_url="https://match.example.cn", **links),  # type: ignore[arg-type]
    )
    return TestClient(create_app(settings, encoder=encoder), base_url="http://testserver")


@pytest.fixture(scope="module")
def env(
    demo_data_dir: Path, use_encoder: Encoder, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SimpleNamespace]:
    data_dir = tmp_path_factory.mktemp("links") / "data"
    shutil.copytree(demo_data_dir, data_dir)
    store = Store(Settings(data_dir=data_dir).resolved_database_url)
    keys = {
        "admin": ApiKeys(store).create("admin", "admin")[1],
        "base": ApiKeys(store).create("base gz", "base", "B-GZ")[1],
        "station": ApiKeys(store).create("st001", "station", "ST001")[1],
        "analyst": ApiKeys(store).create("analyst", "analyst")[1],
    }
    with _app(data_dir, use_encoder) as client:
        yield SimpleNamespace(client=client, keys=keys, store=store, data_dir=data_dir)
    store.close()


def _h(env: SimpleNamespace, who: str = "admin") -> dict[str, str]:
    return {"X-API-Key": env.keys[who]}


def _link(env: SimpleNamespace, expert: str, demands: list[str], who: str = "admin", **body: object) -> dict:
    response = env.client.post(
        f"/v1/experts/{expert}/links", json={"demand_ids": demands, **body}, headers=_h(env, who)
    )
    assert response.status_code == 201, response.text
    return response.json()


def _path(link: dict) -> str:
    assert link["url"] == f"https://match.example.cn/x/{link['token']}"
    return f"/x/{link['token']}"


def _contact_strings(store: Store) -> set[str]:
    """Every contact e-mail and phone of sites and organisations, and of the experts' records."""
    found: set[str] = set()
    for site in store.records.list("sites"):
        assert isinstance(site, Site)
        found |= set(site.contact_emails)
    for organization in store.records.list("organizations"):
        if getattr(organization, "email", None):
            found.add(organization.email)  # type: ignore[attr-defined]
    for expert in store.records.list("experts"):
        assert isinstance(expert, Expert)
        found |= {value for value in (expert.email, expert.phone) if value}
    return found


def test_the_page_shows_the_experts_demands_in_traditional_chinese(env: SimpleNamespace) -> None:
    link = _link(env, HANT, ["D0044", "D0122", "D0047"])
    response = env.client.get(_path(link))
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"
    html = response.text
    assert '<html lang="zh-HK">' in html
    assert "為您推薦的需求" in html and "感興趣" in html and "暫不考慮" in html and "需要更多信息" in html
    assert 'data-demand-id="D0044"' in html and 'data-demand-id="D0122"' in html
    assert 'data-demand-id="D0047"' not in html  # cooperating already: no longer open for matching
    closed = env.client.post(_path(link) + "/answers", json={"demand_id": "D0047", "answer": "not_now"})
    assert closed.status_code == 404 and env.store.matches.get("D0047", HANT).status.value == "recommended"
    assert "水性塗料產業化技術需求" in html  # the demand's title, converted for Hong Kong
    english = env.client.get(_path(link) + "?lang=en").text
    assert '<html lang="en">' in english and "Needs recommended to you" in english and "Interested" in english
    simplified = env.client.get(_path(link) + "?lang=zh").text
    assert "为您推荐的需求" in simplified and "水性涂料产业化技术需求" in simplified
    assert env.client.get(f"/v1/links?expert_id={HANT}", headers=_h(env)).json()[-1]["visits"] == 3


def test_page_language_follows_the_expert(env: SimpleNamespace) -> None:
    assert '<html lang="en">' in env.client.get(_path(_link(env, ENGLISH, []))).text
    assert '<html lang="zh-CN">' in env.client.get(_path(_link(env, OTHER, []))).text


def test_no_contacts_other_experts_or_private_demand_fields_leak(env: SimpleNamespace) -> None:
    link = _link(env, HANT, ["D0044", "D0131"])
    bodies = [
        env.client.get(_path(link)).text,
        env.client.get(_path(link) + "?lang=en").text,
        env.client.get(_path(link) + "/data").text,
        env.client.get(_path(link) + "/profile").text,
    ]
    contacts = _contact_strings(env.store)
    others = [
        e
        for e in env.store.records.list("experts")
        if isinstance(e, Expert) and e.id != HANT and len(e.name) > 2
    ]
    demands = [d for d in env.store.records.get_many("demands", ["D0044", "D0131"]) if isinstance(d, Demand)]
    for body in bodies:
        leaked = [c for c in contacts if c in body]
        assert leaked == [], leaked
        assert not re.search(r"[\w.+-]+@[\w-]+\.[\w.]+", body), "an e-mail address is on the page"
        assert [e.id for e in others if e.name in body or f'"{e.id}"' in body] == []
        for demand in demands:
            assert f'"{demand.station_id}"' not in body and f">{demand.station_id}<" not in body
    data = env.client.get(_path(link) + "/data").json()
    for shown in data["demands"]:
        assert not {"enterprise", "station_id", "budget_wan", "contact_emails"} & set(shown)
    assert not {"email", "phone", "orcid"} & set(data["profile"])


def test_a_link_never_reaches_another_experts_data(env: SimpleNamespace) -> None:
    mine = _link(env, ENGLISH, ["D0044"])
    theirs = _link(env, OTHER, ["D0122"])
    path = _path(mine)
    data = env.client.get(path + "/data").json()
    assert data["profile"]["id"] == ENGLISH and [d["id"] for d in data["demands"]] == ["D0044"]
    # a demand recommended to the other expert only, and one recommended to nobody
    for demand_id in ("D0122", "D0001", "D0047", "NOPE"):
        response = env.client.post(path + "/answers", json={"demand_id": demand_id, "answer": "interested"})
        assert response.status_code == 404, (demand_id, response.text)
    assert env.store.matches.get("D0122", OTHER).status.value == "recommended"
    assert env.store.matches.get("D0122", ENGLISH) is None
    # the body names no expert: trying to smuggle one in is refused as an unknown field
    for body in ({"demand_id": "D0044", "answer": "interested", "expert_id": OTHER},):
        assert env.client.post(path + "/answers", json=body).status_code == 422
    for body in ({"id": OTHER}, {"expert_id": OTHER}, {"name": "x"}, {"email": "a@b.cn"}):
        assert env.client.put(path + "/profile", json=body).status_code == 422
    # other experts' ids in the address are not routes of the page
    for suffix in (f"/profile/{OTHER}", f"/experts/{OTHER}", f"/answers/{OTHER}", "/../" + OTHER):
        response = env.client.get(path + suffix)
        assert response.status_code in (404, 405) and OTHER not in response.text
    # the other expert's token opens the other expert only
    assert env.client.get(_path(theirs) + "/profile").json()["id"] == OTHER


def _closed(response: object, code: str) -> str:
    assert response.headers["content-type"].startswith("text/html")  # type: ignore[attr-defined]
    html = response.text  # type: ignore[attr-defined]
    assert f'data-closed="{code}"' in html and "Traceback" not in html
    return html


def test_tampered_tokens_get_the_invalid_page(env: SimpleNamespace) -> None:
    token = _link(env, HANT, [])["token"]
    other = _link(env, OTHER, [])["token"]
    payload, signature = token.split(".")
    raw = base64.urlsafe_b64decode(payload + "==").decode()
    link_id, expert_id, expires = raw.split(".")
    extended = base64.urlsafe_b64encode(f"{link_id}.{expert_id}.{int(expires) + 86400 * 365}".encode())
    tampered = [
        token[:5] + ("x" if token[5] != "x" else "y") + token[6:],
        token[:-3] + ("Q" if token[-3] != "Q" else "R") + token[-2:],
        f"{payload}.{other.split('.')[1]}",
        f"{extended.rstrip(b'=').decode()}.{signature}",
        "garbage",
    ]
    for bad in tampered:
        response = env.client.get(f"/x/{bad}", headers={"Accept-Language": "en-GB,en;q=0.8"})
        assert response.status_code == 404
        assert "Link not valid" in _closed(response, "link_invalid")
        api = env.client.post(f"/x/{bad}/answers", json={"demand_id": "D0047", "answer": "interested"})
        assert api.status_code == 404 and api.json()["error"] == "link_invalid"
    chinese = env.client.get("/x/garbage", headers={"Accept-Language": "zh-TW"})
    assert "連結無效" in _closed(chinese, "link_invalid")


def test_expired_revoked_and_used_links_get_their_pages(env: SimpleNamespace) -> None:
    links = ExpertLinks(env.store, SECRET)
    _old, expired = links.create(HANT, created_by="test", days=1, now=utc_now() - timedelta(days=3))
    response = env.client.get(f"/x/{expired}")
    assert response.status_code == 410
    assert "鏈接已過期" in _closed(response, "link_expired")  # in the expert's language
    assert env.client.get(f"/x/{expired}/data").json()["error"] == "link_expired"

    revoked = _link(env, ENGLISH, [])
    assert env.client.delete(f"/v1/links/{revoked['link_id']}", headers=_h(env)).json()["state"] == "revoked"
    page = env.client.get(_path(revoked))
    assert page.status_code == 410 and "Link withdrawn" in _closed(page, "link_revoked")
    answer = env.client.post(_path(revoked) + "/answers", json={"demand_id": "D0047", "answer": "interested"})
    assert answer.status_code == 410 and answer.json()["error"] == "link_revoked"

    profile = _link(env, OTHER, [], purpose="profile")
    assert env.client.get(_path(profile)).status_code == 200
    assert env.client.put(_path(profile) + "/profile", json={}).status_code == 200  # confirm: consumes it
    used = env.client.get(_path(profile))
    assert used.status_code == 410 and "链接已使用" in _closed(used, "link_used")
    again = env.client.put(_path(profile) + "/profile", json={"keywords": ["x"]})
    assert again.status_code == 410 and again.json()["error"] == "link_used"
    assert "x" not in env.store.records.get("experts", OTHER).keywords
    listed = {row["link_id"]: row for row in env.client.get("/v1/links", headers=_h(env)).json()}
    assert listed[profile["link_id"]]["state"] == "used" and "token" not in listed[profile["link_id"]]


def test_answers_move_the_lifecycle_and_are_audited(env: SimpleNamespace) -> None:
    link = _link(env, ENGLISH, ["D0122", "D0131", "D0003"])
    path = _path(link)
    out = env.client.post(
        path + "/answers", json={"demand_id": "D0122", "answer": "interested", "note": "Happy to talk"}
    )
    assert out.status_code == 200, out.text
    assert out.json() == {"demand_id": "D0122", "answer": "interested", "status": "contacted"}
    match = env.store.matches.get("D0122", ENGLISH)
    assert match is not None and match.status.value == "contacted" and "Happy to talk" in match.note
    last = env.store.matches.history("D0122", ENGLISH)[-1]
    assert (last.from_status.value, last.to_status.value) == ("recommended", "contacted")
    assert last.actor == f"expert:{ENGLISH} via link {link['link_id']}"
    entry = AuditLog(env.store).entries(target_id=f"D0122/{ENGLISH}")[0]
    assert (entry.action, entry.key_id, entry.actor, entry.role) == (
        "expert_portal.answer",
        link["link_id"],
        f"expert:{ENGLISH}",
        "expert",
    )
    assert entry.detail == {
        "answer": "interested",
        "from": "recommended",
        "to": "contacted",
        "link": link["link_id"],
    }

    more = env.client.post(path + "/answers", json={"demand_id": "D0131", "answer": "more_info"}).json()
    assert more["status"] == "contacted"
    assert "需要更多信息 more information" in env.store.matches.get("D0131", ENGLISH).note

    declined = env.client.post(path + "/answers", json={"demand_id": "D0122", "answer": "not_now"}).json()
    assert declined["status"] == "declined"
    settled = env.client.post(path + "/answers", json={"demand_id": "D0122", "answer": "interested"})
    assert settled.status_code == 409 and settled.json()["error"] == "settled"
    # no response yet: the answer is a contact first, then the decline
    env.store.matches.set_status("D0003", ENGLISH, "no_response", actor="test")
    env.client.post(path + "/answers", json={"demand_id": "D0003", "answer": "not_now"})
    steps = [
        (e.from_status and e.from_status.value, e.to_status.value)
        for e in env.store.matches.history("D0003", ENGLISH)
    ]
    assert steps[-2:] == [("no_response", "contacted"), ("contacted", "declined")]
    shown = {d["id"]: d for d in env.client.get(path + "/data").json()["demands"]}
    assert shown["D0122"]["answer"] == "not_now" and not shown["D0122"]["answerable"]
    assert shown["D0131"]["answer"] == "more_info" and shown["D0131"]["answerable"]
    assert (
        env.client.post(path + "/answers", json={"demand_id": "D0131", "answer": "maybe"}).status_code == 422
    )


def _top_ids(env: SimpleNamespace, text: str) -> list[str]:
    body = {"text": text, "k": 10, "filters": {"countries": ["HK"]}}
    response = env.client.post("/v1/recommendations", json=body, headers=_h(env))
    assert response.status_code == 200, response.text
    return [r["expert_id"] for r in response.json()["results"]]


def test_a_profile_edit_is_stored_re_indexed_fresh_and_audited(env: SimpleNamespace) -> None:
    need = "magnetocaloric refrigeration gadolinium alloys 磁制冷"
    assert HANT not in _top_ids(env, need)[:3]
    before = next(row for row in expert_freshness(env.store) if row.expert_id == HANT)
    link = _link(env, HANT, [])
    body = {
        "affiliation": "香港科技大學",
        "keywords": ["magnetocaloric refrigeration", "gadolinium alloys", "磁制冷"],
        "publications": ["Magnetocaloric gadolinium alloys for room-temperature refrigeration (2025)"],
        "cooperation_modes": ["consulting", "offshore"],
        "available": True,
    }
    response = env.client.put(_path(link) + "/profile", json=body)
    assert response.status_code == 200, response.text
    assert (
        response.json()["keywords"] == body["keywords"]
        and response.json()["updated_at"] == date.today().isoformat()
    )
    stored = env.store.records.get("experts", HANT)
    assert isinstance(stored, Expert)
    assert stored.affiliation == "香港科技大學" and [m.value for m in stored.cooperation_modes] == [
        "consulting",
        "offshore",
    ]
    assert stored.updated_at == date.today() and stored.name == "王文博"  # untouched fields stay
    assert _top_ids(env, need)[0] == HANT  # found through the real index at once
    after = next(row for row in expert_freshness(env.store) if row.expert_id == HANT)
    assert after.updated_at == date.today() and after.months_since_update == 0 and not after.stale
    assert before.updated_at != date.today()
    entry = AuditLog(env.store).entries(key_id=link["link_id"])[0]
    assert (
        entry.action == "expert_portal.profile"
        and entry.actor == f"expert:{HANT}"
        and entry.target_id == HANT
    )
    invalid = env.client.put(_path(link) + "/profile", json={"cooperation_modes": ["sometimes"]})
    assert invalid.status_code == 422
    assert env.client.get(_path(link)).status_code == 200  # a respond link stays usable after an edit


def test_link_management_is_for_admin_and_base_keys(env: SimpleNamespace) -> None:
    for who in ("station", "analyst"):
        response = env.client.post(f"/v1/experts/{HANT}/links", json={}, headers=_h(env, who))
        assert response.status_code == 403, who
        assert env.client.get("/v1/links", headers=_h(env, who)).status_code == 403
    assert env.client.post(f"/v1/experts/{HANT}/links", json={}).status_code == 401
    base_link = _link(env, HANT, ["D0047"], who="base")  # D0047 belongs to ST001 under B-GZ
    outside = env.client.post(
        f"/v1/experts/{HANT}/links", json={"demand_ids": ["D0001"]}, headers=_h(env, "base")
    )
    assert outside.status_code == 403  # D0001 belongs to a station of another base
    admin_link = _link(env, HANT, [])
    seen = {row["link_id"] for row in env.client.get("/v1/links", headers=_h(env, "base")).json()}
    assert base_link["link_id"] in seen and admin_link["link_id"] not in seen
    assert env.client.delete(f"/v1/links/{admin_link['link_id']}", headers=_h(env, "base")).status_code == 403
    assert env.client.delete(f"/v1/links/{base_link['link_id']}", headers=_h(env, "base")).status_code == 200
    assert env.client.delete("/v1/links/Lnope", headers=_h(env)).status_code == 404
    assert env.client.post("/v1/experts/NOPE/links", json={}, headers=_h(env)).status_code == 404
    assert env.client.post(f"/v1/experts/{HANT}/links", json={"days": 0}, headers=_h(env)).status_code == 422
    created = AuditLog(env.store).entries(target_id=base_link["link_id"])
    assert [e.action for e in created] == ["links.revoke", "links.create"]


def test_links_are_rate_limited(env: SimpleNamespace, use_encoder: Encoder) -> None:
    link = _link(env, HANT, [])
    with _app(env.data_dir, use_encoder, link_rate_limit=3, link_failure_limit=2) as client:
        assert [client.get(_path(link)).status_code for _ in range(3)] == [200, 200, 200]
        limited = client.get(_path(link))
        assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0
        assert "請求過於頻繁" in _closed(limited, "too_many_requests")
        assert client.get(_path(link) + "/data").json()["error"] == "too_many_requests"
        other = _link(env, OTHER, [])  # another link is not held back by this one
        assert client.get(_path(other)).status_code == 200
        for _ in range(2):  # guessing tokens locks the address out, for every link
            assert client.get("/x/guess.guess").status_code == 404
        assert client.get(_path(other)).status_code == 429
