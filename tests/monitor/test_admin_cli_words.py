"""`nianbao findings list|show` in a clerk's words: places as 第N行 / 表三「…」 (a web page's element path only on
the closing 技术定位 line of ``show``), times in the county's time zone (configured, not assumed), events named in
Chinese; ``--format json`` keeps the codes."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from monitor.app import App
from monitor.dashboard.labels import EVENT_ZH, event_zh
from monitor.store import FetchedDocument
from tests.conftest import FIXTURES, seed_text
from tests.monitor.test_admin_cli import cli, write_config

ROOT = FIXTURES.parents[1]
#: The names the issue asks for ("words a clerk reads").
EVENT_NAMES = {
    "finding.opened": "发现",
    "finding.reopened": "再次出现",
    "finding.resolved": "已整改",
    "finding.acknowledged": "已确认",
    "finding.muted": "静默",
    "finding.unmuted": "取消静默",
    "finding.escalated": "已督办",
    "finding.reattributed": "重新归属",
}
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
    app.store.crawl.record(  # seed 003 as a web page: its findings are located by element paths
        FetchedDocument(
            url="http://127.0.0.1/cy/2025.html",
            data=(FIXTURES / "html" / "003_hanweb.html").read_bytes(),
            fetched_at=app.clock.now(),
            body_id="ciying",
            title="次营镇人民政府2025年政府信息公开工作年度报告",
            year=2025,
            published_on=date(2026, 1, 20),
            content_type="text/html",
        )
    )
    app.process()
    app.close()
    return path


def _finding(county: Path, body: str, rule: str) -> str:
    status, out, _err = cli("findings", "list", "-c", str(county), "--body", body)
    assert status == 0
    return next(line.split()[0] for line in out.splitlines() if f" {rule} " in line)


def test_show_prints_county_times_and_chinese_event_names(county: Path) -> None:
    s109 = _finding(county, "jiaohu", "S109")
    assert cli("findings", "ack", s109, "--by", "王科员", "--reason", "已电话通知", "-c", str(county))[0] == 0
    status, out, _err = cli("findings", "show", s109, "-c", str(county))
    assert status == 0
    assert "首次发现：2026-01-20 08:00" in out and "最近发现：2026-01-20 08:00" in out
    assert "02:00" not in out and "10:00" not in out  # neither UTC nor an assumed Asia/Shanghai
    events = [line.split() for line in out.splitlines() if re.match(r"  \d{4}-", line)]
    assert [e[:3] for e in events] == [["2026-01-20", "08:00", "发现"], ["2026-01-20", "08:00", "已确认"]]
    assert "王科员" in events[1] and "system" not in out
    assert not re.search(r"finding\.|opened|acknowledged", out)


def test_a_mute_is_told_with_its_end_in_the_county_zone(county: Path) -> None:
    s109 = _finding(county, "jiaohu", "S109")
    muted = cli("findings", "mute", s109, "--by", "王科员", "--reason", "等待整改", "--until", "2026-03-01", "-c", str(county))
    assert muted[0] == 0
    status, out, _err = cli("findings", "show", s109, "-c", str(county))
    assert status == 0
    assert "  2026-01-20 08:00  静默（至 2026-03-01）  王科员  等待整改" in out.splitlines()


def test_a_web_pages_element_path_is_only_on_the_closing_technical_line(county: Path) -> None:
    s109 = _finding(county, "ciying", "S109")
    status, out, _err = cli("findings", "list", "-c", str(county), "--body", "ciying")
    assert status == 0 and "/html" not in out
    assert re.search(rf"^\s*{s109}  待整改  S109 警告  ciying 2025年度  第六部分  ", out, re.M), out
    status, out, _err = cli("findings", "show", s109, "-c", str(county))
    assert status == 0
    lines = out.splitlines()
    assert lines[-1] == "技术定位：/html/body/div/table/tr/td[2]/div[2]/div[3]/p[21]"
    assert not any("/html" in line for line in lines[:-1])
    status, out, _err = cli("findings", "list", "-c", str(county), "--body", "ciying", "--format", "json")
    assert status == 0  # the JSON keeps the codes and the raw locator, for other systems
    rows = [json.loads(line) for line in out.splitlines()]
    row = next(r for r in rows if r["rule"] == "S109")
    assert row["state"] == "open" and row["locator"]["source"].startswith("/html/")
    assert row["first_seen"] == "2026-01-20T02:00:00+00:00"


def test_a_text_reports_findings_have_no_technical_line(county: Path) -> None:
    status, out, _err = cli("findings", "show", _finding(county, "jiaohu", "S109"), "-c", str(county))
    assert status == 0 and re.search(r"第六部分（第\d+行）", out)  # the line is said; nothing is left for an expert
    assert "技术定位" not in out and not re.search(r"\bline \d", out)


def test_event_names_are_the_clerks_words() -> None:
    assert {kind: EVENT_ZH[kind] for kind in EVENT_NAMES} == EVENT_NAMES
    assert event_zh("finding.resolved", {"rule": "S109"}) == "已整改"
    # a re-check with new rules is not the body fixing anything
    assert event_zh("finding.resolved", {"rule": "S109", "cause": "recheck"}) == "不再出现（重新检查后）"
    assert event_zh("finding.frobbed") == "其他事件（finding.frobbed）"


def test_list_tells_places_as_a_clerk_says_them(county: Path) -> None:
    status, out, _err = cli("findings", "list", "-c", str(county))
    assert status == 0
    lines = [line for line in out.splitlines() if line.strip()[:1].isdigit()]
    assert lines and all("待整改" in line for line in lines)
    s109 = next(line for line in lines if "S109" in line and "jiaohu" in line)  # the text report: by lines
    assert re.search(r"第六部分（第\d+行）", s109), s109
    assert not re.search(r"\bline \d|/html|box ", out)


def test_every_event_kind_the_code_writes_has_a_chinese_name() -> None:
    written: set[str] = set()
    calls = r'(?:kind=|_event\(\s*session,\s*[\w.()]+,\s*|event_exists\(\s*session,\s*)"([a-z_]+\.[a-z_]+)"'
    for folder in ("monitor", "crawler", "notifications"):
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            written |= set(re.findall(calls, text))
    assert "store.rechecked" in written  # record_event(session, self.clock.now(), "store.rechecked", …) in app.py
    written |= {"document.new", "document.changed"}  # kind=f"document.{outcome}" in monitor/store/crawl.py
    assert {"finding.opened", "finding.acknowledged", "crawl.failed", "deadline.reminder"} <= written
    assert written <= set(EVENT_ZH), sorted(written - set(EVENT_ZH))
    assert all(not name.isascii() for name in EVENT_ZH.values())
