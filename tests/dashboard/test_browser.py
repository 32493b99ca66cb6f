"""Acceptance in headless Chromium (Debian's /usr/bin/chromium driven by Playwright, no browser download):
log in, overview, a body, a finding with its highlighted cell, acknowledge it, see the state change.
Every page is checked at phone width (390 px) for horizontal scrolling; screenshots go to tmp_path and
bench/out/screenshots/.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from monitor.dashboard import ServerHandle
from tests.dashboard.conftest import SCREENSHOTS
from tests.dashboard.demo_data import PASSWORD, Demo, finding_id

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is not installed: run `make test` (deploy/system-packages.sh installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield launched
        launched.close()


class Shots:
    """Saves full-page screenshots in tmp_path and in bench/out/screenshots/."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(self, page: Any, name: str) -> None:
        path = self.folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        shutil.copy(path, SCREENSHOTS / path.name)


def no_horizontal_scroll(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url}: the page is {width} px wide on a phone"


def test_login_overview_body_finding_acknowledge(browser: Any, server: ServerHandle, demo: Demo, tmp_path: Path) -> None:
    shots = Shots(tmp_path)
    page = browser.new_page(viewport=PHONE, locale="zh-CN")
    page.goto(server.url)
    assert "/login" in page.url  # no session: the overview sends to the login page
    shots.take(page, "01-login")
    page.fill("input[name=name]", "zhangsan")
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")

    page.wait_for_selector("table#bodies")
    assert page.locator("h1").inner_text() == "2025年度报告总览"
    statuses = {row.get_attribute("data-body"): row.get_attribute("data-status") for row in page.locator("tr[data-body]").all()}
    assert statuses == {
        "xianfu": "pending",
        "shenji": "missing",
        "ciying": "on_time",
        "dayu": "on_time",
        "xiping": "on_time",
        "jiaohu": "late",
        "qiliying": "on_time",
        "gaozhuang": "on_time",
    }
    assert page.locator("tr[data-body=jiaohu]").inner_text().count("逾期公开") == 1
    no_horizontal_scroll(page)
    shots.take(page, "02-overview")

    page.click("text=次营镇人民政府")
    page.wait_for_selector("h1:has-text('次营镇人民政府')")
    assert page.locator("article.document table.versions tbody tr").count() == 2  # the first and the corrected version
    assert page.locator("tr.state-resolved").count() == 1  # 表四 fixed by the second version
    no_horizontal_scroll(page)
    shots.take(page, "03-body")

    target = finding_id(demo.app, "ciying", "A203")
    page.click(f"tr[data-finding='{target}'] a")
    page.wait_for_selector("table#evidence-table")
    cells = page.locator("#evidence-table td.hit")
    assert cells.count() == 1
    assert cells.first.inner_text() == "0"  # the 总计 written as 0 …
    assert page.locator("#evidence-table thead th.hit").inner_text() == "总计"
    assert "一、本年新收政府信息公开申请数量" in page.locator("#evidence-table tr.hit-row th").inner_text()
    assert page.locator("#evidence-table tr.hit-row td").first.inner_text() == "3"  # … though 自然人 is 3
    assert "国办公开办函〔2021〕30号" in page.locator("dl.facts").inner_text()
    assert page.locator("#finding-state").get_attribute("data-state") == "open"
    no_horizontal_scroll(page)
    shots.take(page, "04-finding")

    page.fill("#ack-form input[name=reason]", "已电话通知次营镇更正表三")
    page.click("#ack-form button[type=submit]")
    page.wait_for_selector("#finding-state[data-state=acknowledged]")
    assert page.locator("#finding-state").inner_text() == "已确认"
    assert "已确认该问题" in page.locator("p.flash").inner_text()
    history = page.locator("#events").inner_text()
    assert "已确认 · zhangsan：已电话通知次营镇更正表三" in history
    assert page.locator("#ack-form").count() == 0  # nothing left to acknowledge
    no_horizontal_scroll(page)
    shots.take(page, "05-acknowledged")

    page.goto(server.url + "findings?state=acknowledged")
    assert page.locator(f"tr[data-finding='{target}']").count() == 1
    page.goto(server.url + "digests")
    page.click("text=2026-W08")
    assert "2026年第8周汇总" in page.content()
    page.close()


def test_finding_page_on_a_desktop_screen(browser: Any, server: ServerHandle, demo: Demo, tmp_path: Path) -> None:
    shots = Shots(tmp_path)
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page.goto(server.url + f"findings/{finding_id(demo.app, 'qiliying', 'S106')}")
    page.fill("input[name=name]", "zhangsan")
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_selector("table#evidence-table")  # login returned to the page asked for
    assert page.locator("#evidence-table tr.hit-row").count() == 19
    assert page.locator("#evidence-table td.gap").count() == 19  # one value missing in each of the 19 rows
    shots.take(page, "06-finding-desktop")
    page.close()


def _login(page: Any, url: str) -> None:
    page.goto(url)
    page.fill("input[name=name]", "zhangsan")
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_selector("dl.facts")  # login returned to the finding asked for


def _only_behind_toggles(page: Any, pattern: str) -> int:
    """How many elements show text matching ``pattern``; each must sit inside a <details> (the 技术定位 toggle)."""
    holders = page.locator(f"text=/{pattern}/").all()
    assert all(element.evaluate("e => !!e.closest('details')") for element in holders)
    return len(holders)


def test_finding_page_tells_the_place_in_words_and_times_in_the_county_zone(
    browser: Any, far_server: ServerHandle, far_demo: Demo, tmp_path: Path
) -> None:
    """The far county (America/New_York) has a web-page report, whose S109 is located by an element path that
    only the expert's 技术定位 toggle shows, and times that are shown in its own zone."""
    shots = Shots(tmp_path)
    page = browser.new_page(viewport=PHONE, locale="zh-CN")
    _login(page, far_server.url + f"findings/{finding_id(far_demo.app, 'gaozhuang', 'S109')}")
    main = page.locator("body").inner_text()  # what a reader sees: closed toggles and hover titles are not in it
    assert "/html" not in main and "原文 /" not in main, main
    assert page.locator("#finding-where").inner_text().startswith("第六部分")
    assert "其他需要报告的事项" in page.locator("#evidence .paragraphs").inner_text()  # the quoted paragraph
    raw = page.locator("#finding-where details.source")
    assert raw.get_attribute("open") is None and raw.locator("summary").inner_text() == "技术定位"
    assert raw.locator("code").text_content() == "/html/body/div/table/tr/td[2]/div[2]/div[3]/p[21]"
    assert _only_behind_toggles(page, "\\/html\\/") >= 1  # wherever the path is in the page's text
    assert page.locator("#evidence .paragraphs p[title*='/html/']").count() >= 1  # … or a hover
    # First seen at 02:00 UTC on 6 February: 21:00 on 5 February in New York (10:00 on the 6th in Shanghai).
    facts = page.locator("dl.facts").inner_text()
    assert "首次发现\n2026-02-05 21:00" in facts.replace("\t", "\n"), facts
    assert "02:00" not in facts and "10:00" not in facts and "2026-02-06" not in facts
    events = page.locator("#events li").all_inner_texts()
    assert events and events[0].startswith("2026-02-05 21:00 发现"), events
    no_horizontal_scroll(page)
    page.click("#finding-where details.source summary")
    assert "/html/body/div" in page.locator("#finding-where").inner_text()  # opened on purpose, it shows
    no_horizontal_scroll(page)
    shots.take(page, "07-finding-web-page")

    page.goto(far_server.url + "findings?body=gaozhuang&state=all")
    listing = page.locator("table.findings").inner_text()
    assert "位置：第六部分" in listing and "/html" not in listing
    no_horizontal_scroll(page)
    page.close()


def test_a_pdf_finding_is_placed_by_its_page(browser: Any, far_server: ServerHandle, far_demo: Demo, tmp_path: Path) -> None:
    """The county government's PDF: S106 on 表四 is on page 3; the box the extractor measured is an expert's."""
    page = browser.new_page(viewport=PHONE, locale="zh-CN")
    _login(page, far_server.url + f"findings/{finding_id(far_demo.app, 'xianfu', 'S106')}")
    where = page.locator("#finding-where .place").inner_text()
    assert where == "表四「数据行」「共15列」（第3页）", where
    main = page.locator("body").inner_text()
    assert "box" not in main and "page 3" not in main, main
    assert page.locator("#finding-where details.source code").text_content().startswith("page 3, box ")
    assert _only_behind_toggles(page, "page 3, box") == 1
    # Fetched at 02:00 UTC on 10 February: 21:00 on the 9th in New York.
    assert "2026-02-09 21:00 抓取" in page.locator("#evidence").inner_text()
    no_horizontal_scroll(page)
    Shots(tmp_path).take(page, "08-finding-pdf")
    page.close()
