"""The expert page (personal link) in a real headless Chromium against a real uvicorn server."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
SCREENSHOTS = Path(__file__).resolve().parents[1] / "reports" / "screenshots"
HANT = "EX0082"  # 王文博, Hong Kong: the page is in traditional Chinese
ENGLISH = "EX0001"  # Vivian Pan, US, English first
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed")


@pytest.fixture(scope="module")
def server(api_server_factory: Callable[[], SimpleNamespace]) -> SimpleNamespace:
    return api_server_factory()  # its own copy: the test answers and edits a profile


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


def _api(server: SimpleNamespace, method: str, path: str, body: object | None = None) -> dict:
    request = urllib.request.Request(
        server.url + path,
        data=None if body is None else json.dumps(body).encode(),
        method=method,
        headers={"X-API-Key": server.keys["admin"], "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        out: dict = json.loads(response.read() or b"{}")
        return out


def _link(server: SimpleNamespace, expert: str, demands: list[str]) -> str:
    link = _api(server, "POST", f"/v1/experts/{expert}/links", {"demand_ids": demands})
    return f"{server.url}/x/{link['token']}"


def test_expert_answers_and_edits_the_profile_in_the_browser(
    server: SimpleNamespace, browser: object
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    url = _link(server, HANT, ["D0044", "D0122"])
    page = browser.new_page(viewport={"width": 1200, "height": 900})  # type: ignore[attr-defined]
    page.goto(url)
    page.wait_for_selector("body[data-ready]")
    assert page.get_attribute("html", "lang") in {"zh-Hant", "zh-HK", "zh-TW"}
    assert page.locator("article.demand").count() == 2
    page.screenshot(path=str(SCREENSHOTS / "expert-page.png"), full_page=True)

    card = page.locator('article.demand[data-demand-id="D0044"]')
    card.locator("button[data-answer=interested]").click()
    page.wait_for_selector('article.demand[data-demand-id="D0044"][data-status="contacted"]')
    page.fill("#p-keywords", "固態電池\n鈉離子電池")
    page.click("#save-profile")
    page.wait_for_selector("body[data-profile-saved]")
    page.close()

    expert = json.dumps(_api(server, "GET", f"/v1/experts/{HANT}"), ensure_ascii=False)
    assert "鈉離子電池" in expert or "钠离子电池" in expert  # stored as typed or normalised


def test_phone_page_in_english_and_a_revoked_link(server: SimpleNamespace, browser: object) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    link = _api(server, "POST", f"/v1/experts/{ENGLISH}/links", {"demand_ids": ["D0122"]})
    url = f"{server.url}/x/{link['token']}"
    page = browser.new_page(viewport={"width": 390, "height": 844})  # type: ignore[attr-defined]
    page.goto(url)
    page.wait_for_selector("body[data-ready]")
    assert page.get_attribute("html", "lang") == "en"
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"the phone page scrolls sideways by {overflow}px"
    page.screenshot(path=str(SCREENSHOTS / "expert-page-phone.png"), full_page=True)

    _api(server, "DELETE", f"/v1/links/{link['link_id']}")
    page.goto(url)
    page.wait_for_selector("body[data-closed]")
    assert page.get_attribute("body", "data-closed") == "link_revoked"
    page.screenshot(path=str(SCREENSHOTS / "expert-page-revoked.png"), full_page=True)
    page.close()
