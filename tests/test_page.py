"""The station web page in a real headless Chromium against the real uvicorn server."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


def _sign_in(page: object, server: SimpleNamespace, who: str) -> None:
    page.goto(server.url + "/")  # type: ignore[attr-defined]
    page.fill("#api-key", server.keys[who])  # type: ignore[attr-defined]
    page.click("#login-form button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_selector("body[data-ready]")  # type: ignore[attr-defined]


def test_station_searches_sees_why_matched_and_marks_an_outcome(
    browser: object, api_server: SimpleNamespace, tmp_path: Path
) -> None:
    page = browser.new_page(viewport={"width": 1100, "height": 1400})  # type: ignore[attr-defined]
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    _sign_in(page, api_server, "station")
    assert "ST001" in page.text_content("#whoami")
    # the station's own demands are offered, and only those
    options = page.eval_on_selector_all("#demand-select option", "els => els.map(e => e.value)")
    assert "D0047" in options and "D0131" in options
    assert all(o in ("", "D0047", "D0122", "D0131") or o.startswith("DX-") for o in options)

    page.fill("#need", "需要锂电池固态电解质方面的海外专家，解决界面阻抗问题")
    page.select_option("#k", "5")
    page.select_option("#f-industry", "new_energy")
    page.click("#search")
    page.wait_for_selector("#results li.result")
    items = page.locator("#results li.result")
    assert items.count() == 5
    assert page.locator("#results li.result mark").count() > 0  # why-matched highlights in the bio
    assert page.locator("#results li.result .chip").count() > 0
    first_name = items.first.locator(".name").text_content()
    shot = tmp_path / "results.png"
    page.locator("#results-section").screenshot(path=str(shot))
    assert shot.exists() and shot.stat().st_size > 20_000
    kept = Path(__file__).resolve().parents[1] / "reports" / "page-results.png"  # for people to look at
    kept.parent.mkdir(exist_ok=True)
    page.locator("#results-section").screenshot(path=str(kept))

    # the expected expert (the API's top result for the same need) is listed first
    import httpx

    api_top = httpx.post(
        f"{api_server.url}/v1/recommendations",
        headers={"X-API-Key": api_server.keys["station"]},
        json={
            "text": "需要锂电池固态电解质方面的海外专家，解决界面阻抗问题",
            "k": 5,
            "filters": {"industries": ["new_energy"]},
        },
        timeout=60,
    ).json()["results"][0]["expert"]
    assert api_top["name"] in first_name

    # open a profile: no contact fields for a station
    items.first.locator(".open-profile").click()
    page.wait_for_selector("#profile[open]")
    assert "基地和管理员" in page.text_content("#profile-body")
    page.click("#profile-close")

    # English switch
    page.click("#lang-switch")
    assert page.text_content("#search") == "Recommend experts"
    assert (
        "Matched terms" in items.first.locator(".why").text_content()
        or items.first.locator(".why").text_content()
    )
    page.click("#lang-switch")

    # pick one of the station's demands and mark an outcome
    page.select_option("#demand-select", "D0047")
    page.select_option("#f-industry", "")
    page.click("#search")
    page.wait_for_function("document.querySelectorAll('#results li.result .outcome:not(.hidden)').length > 0")
    item = page.locator("#results li.result").nth(1)
    expert_id = item.get_attribute("data-expert-id")
    item.locator(".outcome-status").select_option("contacted")
    item.locator(".outcome-note").fill("已电话联系")
    item.locator(".outcome-save").click()
    page.wait_for_selector(f'#results li.result[data-expert-id="{expert_id}"] .match-status:not(.hidden)')
    badge = page.locator(f'#results li.result[data-expert-id="{expert_id}"] .match-status').text_content()
    assert badge == "已联系"
    stored = httpx.get(
        f"{api_server.url}/v1/matches/D0047/{expert_id}", headers={"X-API-Key": api_server.keys["admin"]}
    ).json()
    assert stored["status"] == "contacted" and stored["note"] == "已电话联系"
    assert errors == []
    page.close()


def test_wrong_key_is_refused_and_not_kept(browser: object, api_server: SimpleNamespace) -> None:
    page = browser.new_page()  # type: ignore[attr-defined]
    page.goto(api_server.url + "/")
    page.fill("#api-key", "hzk_kdeadbeef00_nope")
    page.click("#login-form button[type=submit]")
    page.wait_for_function("document.querySelector('#login-error').textContent.length > 0")
    assert page.is_visible("#login") and not page.is_visible("#workspace")
    assert page.evaluate("sessionStorage.getItem('haizhi.apiKey')") is None
    page.close()


def test_banner_when_the_index_is_behind_the_database(
    browser: object, api_server_factory: Callable[[], SimpleNamespace]
) -> None:
    from matcher.config import Settings
    from matcher.store import Store

    server = api_server_factory()  # its own server: this test writes around its index
    page = browser.new_page()  # type: ignore[attr-defined]
    page.goto(server.url + "/")
    page.wait_for_selector("body[data-health=ok]")
    assert not page.is_visible("#index-notice")
    store = Store(Settings(data_dir=server.data_dir).resolved_database_url)
    store.records.delete(
        "demands", [store.records.list("demands", limit=1)[0].id]
    )  # as an import around the server
    page.reload()
    page.wait_for_selector("body[data-health=behind]")
    assert page.is_visible("#index-notice")
    assert "1 条需求" in page.text_content("#index-notice")
    assert "haizhi build-index" in page.text_content("#index-notice")
    page.click("#lang-switch")
    assert "1 demand not yet indexed, changed or deleted" in page.text_content("#index-notice")
    page.close()
