"""The weekly digest: every body × status, the week's changes, open findings by severity and age, review items,
crawl health and given-up deliveries; saved, queued, sent by ``nianbao digest``, and laid out correctly in
headless Chromium (Debian's) on a desktop and a phone."""

from __future__ import annotations

import io
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from playwright.sync_api import sync_playwright

from monitor.config import Config, parse_config
from monitor.processing import sync
from monitor.store import CrawlStats, Store
from monitor.store.findings import reconcile
from monitor.store.outbox import OutboxDraft, add_drafts
from monitor.store.review import ReviewInput, record_review_items
from notifications.cli import run_digest
from notifications.digest import Digest, build_digest, last_complete_week, parse_week, queue_digest, save_digest
from notifications.dispatch import dispatch_once
from notifications.policy import check_policy
from tests.notifications.conftest import Receiver, add_report, config_data, findings

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTEFACTS = Path(__file__).resolve().parents[2] / "bench" / "out"
WEEK = "2026-W09"  # Monday 23 February – Sunday 1 March 2026
IN_WEEK = datetime(2026, 2, 24, 2, 0, tzinfo=UTC)
BUILT = datetime(2026, 3, 2, 0, 30, tzinfo=UTC)  # Monday 08:30 in Shanghai
LONG_NAME = "某县经济技术开发区管理委员会党政综合办公室（行政审批服务局、政务服务中心）"


def digest_config(tmp_path: Path, targets: list[dict[str, str]] | None = None) -> dict[str, Any]:
    data = config_data(tmp_path, targets or [])
    data["storage"]["database"] = f"sqlite:///{tmp_path / 'nianbao.db'}"
    data["portals"] = [
        {"id": "yc", "name": "某县人民政府门户网站", "start_urls": ["http://127.0.0.1:9/nb/"], "contact": "zwgk@example.cn"},
        {"id": "kfq", "name": "开发区管委会网站", "start_urls": ["http://127.0.0.2:9/nb/"], "contact": "zwgk@example.cn"},
    ]
    data["bodies"] = [*data["bodies"], {"id": "kfq", "name": LONG_NAME, "type": "department", "portal": "kfq"}]
    return data


def populate(store: Store, config: Config) -> None:
    """A county in late February: on time, late, missing, not yet due; findings, review items, crawls, a lost send."""
    sync(store, config)
    policy = check_policy(config)
    long_url = "http://127.0.0.1/xxgk/nianbao/" + "2025-zhengfu-xinxi-gongkai-gongzuo-niandu-baogao-" * 4 + "index.html"
    ciying = add_report(store, "ciying", 2025, published_on=date(2026, 2, 5), url=long_url)
    jiaohu = add_report(store, "jiaohu", 2025, published_on=date(2026, 2, 20))
    kfq = add_report(store, "kfq", 2025, published_on=None, at=datetime(2026, 1, 20, 2, 0, tzinfo=UTC))
    for body, (document_id, report_id), count, at in (
        ("ciying", ciying, 3, datetime(2026, 2, 6, 2, 0, tzinfo=UTC)),
        ("jiaohu", jiaohu, 2, IN_WEEK),
        ("kfq", kfq, 1, datetime(2025, 11, 1, 2, 0, tzinfo=UTC)),
    ):
        with store.db.transaction() as session:
            scope = {"body_id": body, "year": 2025, "document_id": document_id, "report_id": report_id}
            reconcile(session, findings(body, 2025, count), at=at, policy=policy, **scope)
    with store.db.transaction() as session:  # one of 次营镇's errors fixed this week
        scope = {"body_id": "ciying", "year": 2025, "document_id": ciying[0], "report_id": ciying[1]}
        reconcile(session, findings("ciying", 2025, 2), at=IN_WEEK + timedelta(days=1), policy=policy, **scope)
        record_review_items(
            session,
            [
                ReviewInput(
                    "r1",
                    "A202",
                    "表三“本年新收申请数量”一行少一个数值，无法判断缺的是哪一列。" * 2,
                    {"table": "表三", "row": "一、本年新收政府信息公开申请数量"},
                )
            ],
            at=IN_WEEK,
            **scope,
        )
    crawl = store.crawl
    run = crawl.start_run("yc", IN_WEEK)
    crawl.finish_run(run, IN_WEEK + timedelta(minutes=3), CrawlStats(requests=12, pages=3), failed=False, reason="finished")
    run = crawl.start_run("kfq", IN_WEEK)
    crawl.finish_run(
        run,
        IN_WEEK + timedelta(minutes=1),
        CrawlStats(errors=[{"url": "http://127.0.0.2:9/nb/", "error": "连接被拒绝"}]),
        failed=True,
        reason="连接被拒绝",
    )
    with store.db.transaction() as session:
        add_drafts(
            session,
            [OutboxDraft("lost", "reminder", "shenji", "shenji", {"year": 2025, "deadline": "2026-01-31", "days_left": 1})],
            IN_WEEK,
        )
    broken = parse_config(config_data(Path("/nonexistent"), [{"tag": "shenji", "url": "wecombot://${NO_SUCH_KEY}"}]))
    dispatch_once(store.db, broken, IN_WEEK, keys=["lost"])


@pytest.fixture
def county(synced: Store, tmp_path: Path) -> tuple[Store, Config]:
    config = parse_config(digest_config(tmp_path))
    populate(synced, config)
    return synced, config


def test_weeks() -> None:
    assert parse_week("2026-W05") == date(2026, 1, 26)
    assert last_complete_week(datetime(2026, 3, 2, 0, 30, tzinfo=UTC), "Asia/Shanghai") == "2026-W09"
    # Sunday 16:30 in UTC is already Monday 00:30 in Shanghai: the week of 23 February is complete there.
    assert last_complete_week(datetime(2026, 3, 1, 16, 30, tzinfo=UTC), "Asia/Shanghai") == "2026-W09"
    assert last_complete_week(datetime(2026, 3, 1, 16, 30, tzinfo=UTC), "UTC") == "2026-W08"
    with pytest.raises(ValueError, match="2026-W05"):
        parse_week("2026-5")


def test_every_body_with_its_status(county: tuple[Store, Config]) -> None:
    store, config = county
    digest = build_digest(store.db, config, None, BUILT)
    assert digest.week == WEEK and digest.report_year == 2025
    status = {b.id: (b.status_zh, b.errors, b.warnings) for b in digest.bodies}
    assert status == {
        "ciying": ("按时公开", 2, 0),
        "jiaohu": ("逾期公开（10天）", 2, 0),
        "shenji": ("逾期未公开", 0, 0),
        "xianfu": ("未到期限", 0, 0),
        "kfq": ("按时公开", 1, 0),  # no date on the page: first seen 20 January, before its deadline
    }
    assert digest.counts == {
        "on_time": 2, "late": 1, "missing": 1, "pending": 1, "uncertain": 0, "unreachable": 0, "has_errors": 3
    }
    assert sorted(f.body for f in digest.new) == ["焦虎镇人民政府"] * 2
    assert [(f.body, f.rule) for f in digest.resolved] == [("次营镇人民政府", "S103")]
    errors = next(row for row in digest.age_table if row["severity"] == "error")
    assert errors["total"] == 5 and errors["counts"] == [2, 2, 0, 1]  # 5 and 24 days, and 121 days
    assert [r["rule"] for r in digest.review] == ["A202"]
    assert [(c["name"], c["failing"]) for c in digest.crawl] == [("某县人民政府门户网站", False), ("开发区管委会网站", True)]
    [lost] = digest.deliveries
    assert lost["state"] == "exhausted" and "NO_SUCH_KEY" in lost["error"] and lost["route"] == "某县审计局"


def test_saved_queued_once_and_rendered_in_chinese(county: tuple[Store, Config], tmp_path: Path) -> None:
    store, config = county
    digest = build_digest(store.db, config, WEEK, BUILT)
    html_path, text_path = save_digest(digest, config)
    assert html_path == tmp_path / "digests" / f"{WEEK}.html" and text_path.suffix == ".txt"
    text = text_path.read_text(encoding="utf-8")
    for expected in (
        "【周报】某县政府信息公开年报监测",
        "次营镇人民政府（乡镇（街道））：按时公开",
        "某县审计局（县级政府部门）：逾期未公开",
        "五、待人工核对（1 项）",
        "开发区管委会网站：失败",
    ):
        assert expected in text
    assert queue_digest(store.db, digest, BUILT) and not queue_digest(store.db, digest, BUILT)


def test_nianbao_digest_send(
    county: tuple[Store, Config], tmp_path: Path, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NIANBAO_DATABASE_URL", raising=False)
    config_file = tmp_path / "nianbao.yaml"
    config_file.write_text(
        yaml.safe_dump(digest_config(tmp_path, [{"tag": "county", "url": receiver.url}]), allow_unicode=True), encoding="utf-8"
    )
    out, err = io.StringIO(), io.StringIO()
    assert run_digest(str(config_file), None, True, out, err, now=BUILT) == 0, err.getvalue()
    assert f"{WEEK} 周报已保存" in out.getvalue() and "已发送给县政府办公室" in out.getvalue()
    [post] = receiver.posts
    assert post["title"].startswith("【周报】") and "某县审计局" in post["message"]
    out = io.StringIO()
    assert run_digest(str(config_file), WEEK, True, out, err, now=BUILT + timedelta(hours=1)) == 0
    assert "发送过" in out.getvalue() and len(receiver.posts) == 1
    assert run_digest(str(config_file), "2026W9", False, out, err) == 2 and "2026-W05" in err.getvalue()


def _layout(page: Any) -> dict[str, Any]:
    result: dict[str, Any] = page.evaluate(
        """() => {
        const width = document.documentElement.clientWidth;
        const tables = [...document.querySelectorAll('table')].map(t => {
            const box = t.getBoundingClientRect();
            return {id: t.id, left: box.left, right: box.right, scroll: t.scrollWidth, client: t.clientWidth};
        });
        const rows = [...document.querySelectorAll('#bodies tr[data-body]')].map(r => ({
            id: r.dataset.body, text: r.innerText, height: r.getBoundingClientRect().height,
            right: r.getBoundingClientRect().right}));
        return {width, page: document.documentElement.scrollWidth, tables, rows};
    }"""
    )
    return result


def test_digest_layout_in_headless_chromium(county: tuple[Store, Config], tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing: run `bash deploy/system-packages.sh` (make test does)")
    store, config = county
    digest: Digest = build_digest(store.db, config, WEEK, BUILT)
    html_path, _text = save_digest(digest, config)
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            for name, width in (("desktop", 1280), ("phone", 390)):
                page = browser.new_page(viewport={"width": width, "height": 900})
                page.goto(html_path.as_uri())
                layout = _layout(page)
                assert layout["width"] == width
                assert layout["page"] <= width, f"{name}: the page scrolls sideways ({layout['page']} > {width})"
                for table in layout["tables"]:
                    assert table["left"] >= 0 and table["right"] <= width + 0.5, f"{name}: table {table['id']} overflows: {table}"
                    assert table["scroll"] <= table["client"] + 1, f"{name}: table {table['id']} content overflows: {table}"
                rows = {row["id"]: row for row in layout["rows"]}
                assert set(rows) == {b.id for b in config.bodies}
                for body in config.bodies:
                    assert body.name in rows[body.id]["text"] and rows[body.id]["height"] > 0
                    assert rows[body.id]["right"] <= width + 0.5
                screenshot = tmp_path / f"digest-{name}.png"
                page.screenshot(path=str(screenshot), full_page=True)
                assert screenshot.stat().st_size > 10_000
                shutil.copy(screenshot, ARTEFACTS / screenshot.name)
                page.close()
        finally:
            browser.close()
