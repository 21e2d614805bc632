"""The dashboard page in a real headless Chromium against the real uvicorn server (seeded history)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from dashboard_seed import FAILED_BASE, seed  # tests/ is on sys.path (pytest rootdir conftest)
from test_page import ARGS, CHROMIUM

playwright_api = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed")
SHOTS = Path(__file__).resolve().parents[1] / "reports" / "screenshots"
CHARTS = ["evaluation", "monthly", "gaps", "stale"]
TABLES = ["evaluation", "monthly", "gaps", "stale", "deliveries", "runs", "index"]


@pytest.fixture(scope="module")
def server(api_server_factory: Callable[[], SimpleNamespace]) -> SimpleNamespace:
    started = api_server_factory()
    seed(started.data_dir)
    return started


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


def open_board(browser: object, server: SimpleNamespace, who: str, width: int = 1280) -> object:
    page = browser.new_page(viewport={"width": width, "height": 900})  # type: ignore[attr-defined]
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.goto(server.url + "/dashboard")
    page.fill("#api-key", server.keys[who])
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("body[data-ready]", timeout=120_000)
    return page


def check_rendered(page: object) -> None:
    """Every chart is a drawn canvas of non-zero size, every table fallback has rows, no script error."""
    for name in CHARTS:
        box = page.locator(f"#chart-{name}").bounding_box()  # type: ignore[attr-defined]
        assert box and box["width"] > 100 and box["height"] > 100, name
        drawn = page.evaluate(f"Chart.getChart('chart-{name}').data.datasets[0].data.length")  # type: ignore[attr-defined]
        assert drawn > 0, name
    for name in TABLES:
        rows = page.locator(f"#table-{name} tbody tr").count()  # type: ignore[attr-defined]
        assert rows > 0, name
    assert page.locator("#board-error").text_content() == ""  # type: ignore[attr-defined]
    assert page.errors == []  # type: ignore[attr-defined]


def test_admin_sees_every_panel_flags_and_write_controls_in_both_languages(
    browser: object, server: SimpleNamespace
) -> None:
    page = open_board(browser, server, "admin")
    check_rendered(page)
    # the ranking highlights exactly the flagged stations the API reports
    evaluation = httpx.get(
        f"{server.url}/v1/dashboard/evaluation", headers={"X-API-Key": server.keys["admin"]}, timeout=60
    ).json()
    assert page.locator("#table-evaluation tbody tr").count() == len(evaluation["stations"])  # type: ignore[attr-defined]
    assert page.locator("#table-evaluation tr.flagged").count() == evaluation["flagged"] > 0  # type: ignore[attr-defined]
    colours = page.evaluate("Chart.getChart('chart-evaluation').data.datasets[0].backgroundColor")  # type: ignore[attr-defined]
    assert [c == "#b3261e" for c in colours] == [s["flagged"] for s in evaluation["stations"]]
    assert FAILED_BASE in page.text_content("#failed-bases")  # type: ignore[attr-defined]
    assert page.is_visible("#failed-bases")  # type: ignore[attr-defined]
    assert page.locator("#table-stale .write-control").count() > 0  # type: ignore[attr-defined]
    assert "工作站考核排名" in page.text_content("#h-evaluation")  # type: ignore[attr-defined]
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "dashboard.png"), full_page=True)  # type: ignore[attr-defined]
    page.click("#lang-switch")  # type: ignore[attr-defined]
    assert page.text_content("#h-evaluation") == "Station evaluation ranking"  # type: ignore[attr-defined]
    assert page.text_content("#table-evaluation th") == "Rank"  # type: ignore[attr-defined]
    check_rendered(page)
    page.screenshot(path=str(SHOTS / "dashboard-en.png"), full_page=True)  # type: ignore[attr-defined]
    page.click("#lang-switch")  # type: ignore[attr-defined]
    # confirming a stale profile writes through the API and takes it off the list
    first = page.locator("#table-stale tbody tr").first  # type: ignore[attr-defined]
    name = first.locator("td").first.text_content()
    first.locator(".write-control").click()
    page.wait_for_function("document.querySelector('#stale-msg').textContent.length > 0")  # type: ignore[attr-defined]
    assert "已确认" in page.text_content("#stale-msg")  # type: ignore[attr-defined]
    assert name not in [c.text_content() for c in page.locator("#table-stale tbody tr td:first-child").all()]  # type: ignore[attr-defined]
    page.close()  # type: ignore[attr-defined]


def test_base_sees_only_its_stations_on_a_phone(browser: object, server: SimpleNamespace) -> None:
    page = open_board(browser, server, "base", width=390)
    check_rendered(page)
    stations = page.eval_on_selector_all(  # type: ignore[attr-defined]
        "#table-evaluation tbody tr td:nth-child(4)", "cells => cells.map(c => c.textContent)"
    )
    assert stations and set(stations) == {"B-GZ"}
    assert page.locator("#table-deliveries tbody tr").count() == 1  # type: ignore[attr-defined]
    assert not page.is_visible("#failed-bases")  # type: ignore[attr-defined]
    assert page.locator(".write-control").count() == 0  # type: ignore[attr-defined]
    scopes = page.eval_on_selector_all("#scope option", "els => els.map(e => e.value)")  # type: ignore[attr-defined]
    assert "all" not in scopes and "B-GZ" in scopes and "B-SZ" not in scopes
    # nothing wider than the phone screen but the scrolling table boxes
    width = page.evaluate("document.documentElement.scrollWidth")  # type: ignore[attr-defined]
    assert width <= 390
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "dashboard-phone.png"), full_page=True)  # type: ignore[attr-defined]
    page.close()  # type: ignore[attr-defined]


def test_analyst_reads_without_write_controls_and_station_is_turned_away(
    browser: object, server: SimpleNamespace
) -> None:
    page = open_board(browser, server, "analyst")
    check_rendered(page)
    assert page.locator(".write-control").count() == 0  # type: ignore[attr-defined]
    assert page.locator("#table-stale th").count() == 7  # type: ignore[attr-defined]  # no action column
    assert page.is_visible("#read-only")  # type: ignore[attr-defined]
    assert FAILED_BASE in page.text_content("#failed-bases")  # type: ignore[attr-defined]
    page.close()  # type: ignore[attr-defined]
    station = browser.new_page()  # type: ignore[attr-defined]
    station.goto(server.url + "/dashboard")
    station.fill("#api-key", server.keys["station"])
    station.click("#login-form button[type=submit]")
    station.wait_for_function("document.querySelector('#login-error').textContent.length > 0")
    assert "工作站" in station.text_content("#login-error") and not station.is_visible("#board")
    station.close()
