"""`nianbao findings list|show` in a clerk's words: places as 第N行 / 表三「…」, times in the county's time zone
(configured, not assumed), events named in Chinese."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from monitor.app import App
from monitor.dashboard.labels import EVENT_ZH
from monitor.store import FetchedDocument
from tests.conftest import FIXTURES, seed_text
from tests.monitor.test_admin_cli import cli, write_config

ROOT = FIXTURES.parents[1]
NOW = "2026-01-20T02:00:00+00:00"  # 08:00 in Urumqi (UTC+6), 10:00 in Shanghai: only the configured zone fits


@pytest.fixture
def county(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A county on Urumqi time whose town published seed 003 (a text file: its findings are located by lines)."""
    monkeypatch.setenv("NIANBAO_NOW", NOW)
    path = write_config(tmp_path, county={"name": "某县", "timezone": "Asia/Urumqi"})
    app = App.load(str(path))
    app.store.crawl.record(
        FetchedDocument(
            url="http://127.0.0.1/jh/2025.html",
            data=seed_text("003").encode(),
            fetched_at=app.clock.now(),
            body_id="jiaohu",
            year=2025,
            published_on=date(2026, 1, 20),
        )
    )
    app.process()
    app.close()
    return path


def test_show_prints_county_times_and_chinese_event_names(county: Path) -> None:
    status, out, _err = cli("findings", "list", "-c", str(county), "--state", "open")
    assert status == 0
    s109 = next(line.split()[0] for line in out.splitlines() if "S109" in line)
    assert cli("findings", "ack", s109, "--by", "王科员", "--reason", "已电话通知", "-c", str(county))[0] == 0
    status, out, _err = cli("findings", "show", s109, "-c", str(county))
    assert status == 0
    assert "首次发现：2026-01-20 08:00" in out and "最近发现：2026-01-20 08:00" in out
    assert "02:00" not in out and "10:00" not in out  # neither UTC nor an assumed Asia/Shanghai
    events = [line.split() for line in out.splitlines() if re.match(r"  \d{4}-", line)]
    assert [e[:3] for e in events] == [["2026-01-20", "08:00", "发现"], ["2026-01-20", "08:00", "已确认"]]
    assert "王科员" in events[1] and "system" not in out
    assert not re.search(r"finding\.|opened|acknowledged", out)


def test_list_tells_places_as_a_clerk_says_them(county: Path) -> None:
    status, out, _err = cli("findings", "list", "-c", str(county))
    assert status == 0
    lines = [line for line in out.splitlines() if line.strip()[:1].isdigit()]
    assert lines and all("待整改" in line for line in lines)
    s109 = next(line for line in lines if "S109" in line)
    assert re.search(r"第六部分（第\d+行）", s109), s109
    assert not re.search(r"\bline \d|/html|box ", out)


def test_every_event_kind_the_code_writes_has_a_chinese_name() -> None:
    written: set[str] = set()
    for folder in ("monitor", "crawler", "notifications"):
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            written |= set(
                re.findall(r'(?:kind=|_event\(\s*session,\s*\w+,\s*|event_exists\(\s*session,\s*)"([a-z_]+\.[a-z_]+)"', text)
            )
    written |= {"document.new", "document.changed"}  # kind=f"document.{outcome}" in monitor/store/crawl.py
    assert {"finding.opened", "finding.acknowledged", "crawl.failed", "deadline.reminder"} <= written
    assert written <= set(EVENT_ZH), sorted(written - set(EVENT_ZH))
    assert all(not name.isascii() for name in EVENT_ZH.values())
