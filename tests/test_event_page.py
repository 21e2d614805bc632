"""The agenda page (api/static/event.html) in a real headless Chromium against the real uvicorn server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import httpx
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
SHOTS = Path(__file__).resolve().parents[1] / "reports" / "screenshots"
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def event(api_server: SimpleNamespace) -> str:
    headers = {"X-API-Key": api_server.keys["admin"]}
    slots = [
        {
            "id": f"S{d}{i}",
            "starts_at": f"2026-06-0{d}T{9 + i // 2:02d}:{30 * (i % 2):02d}:00",
            "ends_at": f"2026-06-0{d}T{9 + i // 2:02d}:{30 * (i % 2) + 25:02d}:00",
            "tables": 4,
            "rooms": 1,
        }
        for d in (1, 2)
        for i in range(6)
    ]
    body = {
        "id": "EV-PAGE",
        "name": "2026 海交会 · 新能源与智能制造洽谈专场",
        "slots": slots,
        "expert_limit": 4,
    }
    assert httpx.post(f"{api_server.url}/v1/events", json=body, headers=headers).status_code == 201
    people = [{"kind": "expert", "id": f"EX{i:04d}", "remote": i % 7 == 0} for i in range(1, 41)]
    demands = ["D0047", "D0122", "D0001", "D0003", "D0009", "D0015", "D0017", "D0026", "D0034", "D0038"]
    people += [
        {"kind": "enterprise", "id": f"ENT{i}", "demands": demands[2 * i : 2 * i + 2]} for i in range(5)
    ]
    response = httpx.post(
        f"{api_server.url}/v1/events/EV-PAGE/participants", json={"participants": people}, headers=headers
    )
    assert response.status_code == 200, response.text
    planned = httpx.post(f"{api_server.url}/v1/events/EV-PAGE/plan", headers=headers, timeout=120)
    assert planned.status_code == 200, planned.text
    return "EV-PAGE"


def _sign_in(page: object, server: SimpleNamespace, who: str, event: str) -> None:
    page.goto(f"{server.url}/static/event.html?event={event}")  # type: ignore[attr-defined]
    page.fill("#api-key", server.keys[who])  # type: ignore[attr-defined]
    page.click("#login-form button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_selector("body[data-ready]")  # type: ignore[attr-defined]


def test_agenda_grid_participant_view_language_and_phone(
    browser: object, api_server: SimpleNamespace, event: str
) -> None:
    agenda = httpx.get(
        f"{api_server.url}/v1/events/{event}/agenda", headers={"X-API-Key": api_server.keys["admin"]}
    ).json()
    page = browser.new_page(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    _sign_in(page, api_server, "admin", event)
    assert page.locator("#grid tbody tr").count() == len(agenda["slots"])
    assert page.locator("#grid .meeting").count() == len(agenda["meetings"])
    assert "1 号桌" in page.text_content("#grid thead")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.select_option("#day-select", "2026-06-01")
    assert page.locator("#grid tbody tr").count() == 6
    page.screenshot(path=str(SHOTS / "event-agenda.png"), full_page=True)

    page.select_option("#person-select", "enterprise:ENT0")
    mine = [m for m in agenda["meetings"] if m["enterprise_id"] == "ENT0" and m["slot_id"].startswith("S1")]
    assert page.locator("#person-view li").count() == len(mine)
    page.click("#lang-switch")
    assert page.text_content("h1") == "Haizhi Match · meeting agenda"
    assert "Table" in page.text_content("#person-view") or "Online" in page.text_content("#person-view")
    page.click("#lang-switch")
    assert errors == []
    page.close()

    phone = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)  # type: ignore[attr-defined]
    _sign_in(phone, api_server, "station", event)
    assert phone.is_hidden("#grid-wrap")  # a phone lists the meetings as cards
    shown = phone.locator("#person-view li").count()
    assert 0 < shown == sum(m["enterprise_id"] == "ENT0" for m in agenda["meetings"])  # ST001's demands
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # the grid scrolls inside its box, not the page
    phone.screenshot(path=str(SHOTS / "event-agenda-phone.png"), full_page=True)
    phone.select_option("#person-select", "enterprise:ENT0")
    phone.screenshot(path=str(SHOTS / "event-agenda-phone-enterprise.png"), full_page=True)
    phone.close()
