"""Acceptance (issue 12): a week's digest is the county as it was at the end of that week.

Built two weeks later, the digest of 2026-W09 (23 February – 1 March) must not see what happened after: a report
first found on 3 March, findings opened or resolved or muted after the Sunday. Its statuses, its counts and its
list of findings agree with each other, history (other years) is counted apart, and every finding row names the
year of its report.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from monitor.config import Config, parse_config
from monitor.processing import sync
from monitor.store import Store
from monitor.store.crawl import CrawlStats, FetchFailure
from monitor.store.findings import FindingInput, mute, reconcile
from notifications.digest import Digest, build_digest, render_digest
from tests.notifications.conftest import add_report, config_data, findings, make_config

WEEK = "2026-W09"
SUNDAY_NIGHT = datetime(2026, 3, 1, 15, 59, tzinfo=UTC)  # 23:59 in Shanghai
AFTER = SUNDAY_NIGHT + timedelta(days=2)  # Tuesday 3 March
BUILT = datetime(2026, 3, 16, 0, 30, tzinfo=UTC)  # two weeks later


def county(store: Store, config: Config) -> None:
    """次营镇: on time, 2 errors + 1 warning in the week, one error fixed and the warning muted after it.
    焦虎镇: its report is first found after the week, with 2 errors. 次营镇 also has a 2023 finding (history)."""
    ciying = add_report(store, "ciying", 2025, published_on=date(2026, 2, 5), at=datetime(2026, 2, 6, 2, 0, tzinfo=UTC))
    jiaohu = add_report(store, "jiaohu", 2025, published_on=date(2026, 3, 3), at=AFTER)
    old = add_report(store, "ciying", 2023, published_on=date(2024, 1, 20), at=datetime(2026, 2, 6, 2, 0, tzinfo=UTC))
    errors, warning = findings("ciying", 2025, 2), findings("ciying", 2025, 3, severity="warning")[2:]
    with store.db.transaction() as session:
        scope = {"body_id": "ciying", "year": 2025, "document_id": ciying[0], "report_id": ciying[1]}
        reconcile(session, [*errors, *warning], at=datetime(2026, 2, 24, 2, 0, tzinfo=UTC), **scope)
        reconcile(session, [errors[0], *warning], at=AFTER, **scope)  # one error fixed on Tuesday after the week
        mute(session, warning[0].fingerprint, actor="张三", reason="已说明", until=BUILT + timedelta(days=30), at=AFTER)
        reconcile(session, findings("jiaohu", 2025, 2), at=AFTER, body_id="jiaohu", year=2025, document_id=jiaohu[0],
                  report_id=jiaohu[1])  # fmt: skip
        reconcile(session, findings("ciying", 2023, 1), at=datetime(2026, 2, 6, 2, 0, tzinfo=UTC), body_id="ciying",
                  year=2023, document_id=old[0], report_id=old[1], backlog=True)  # fmt: skip


def consistent(digest: Digest) -> None:
    """Statuses, counts and findings agree with each other."""
    for row in digest.bodies:
        mine = [f for f in digest.open_findings if f.body_id == row.id]
        assert row.errors == sum(1 for f in mine if f.severity == "error"), row
        assert row.warnings == sum(1 for f in mine if f.severity == "warning"), row
        if row.status in ("missing", "pending"):
            assert not mine, f"{row.name} has no report as of the week's end, yet findings are listed on it"
        if row.status == "unreachable":  # listed but cannot be opened: that (D606) is its only finding
            assert {f.rule for f in mine} == {"D606"}, row
    assert digest.counts["has_errors"] == sum(1 for row in digest.bodies if row.errors)
    assert sum(row["total"] for row in digest.age_table if row["severity"] == "error") == sum(
        1 for f in digest.open_findings if f.severity == "error"
    )
    assert all(f.year == digest.report_year for f in digest.open_findings)
    assert sum(digest.counts[s] for s in ("on_time", "late", "missing", "pending", "uncertain", "unreachable")) == len(
        digest.bodies
    )


def test_a_past_week_is_shown_as_it_was_at_its_end(synced: Store, tmp_path: Path) -> None:
    config = make_config(tmp_path, [])
    county(synced, config)
    digest = build_digest(synced.db, config, WEEK, BUILT)
    consistent(digest)
    status = {row.id: (row.status, row.errors, row.warnings) for row in digest.bodies}
    assert status["ciying"] == ("on_time", 2, 1)  # fixed and muted only after the week
    assert status["jiaohu"] == ("missing", 0, 0)  # its report was first found after the week
    assert digest.counts["has_errors"] == 1 and digest.muted == 0
    assert [(f.body_id, f.year) for f in digest.new] == [("ciying", 2025)] * 3  # history is not news
    assert digest.resolved == []
    assert digest.history == [{"year": 2023, "error": 1, "warning": 0, "info": 0, "bodies": 1}]
    assert digest.as_of is not None and digest.as_of.date() == date(2026, 3, 2)


def test_the_week_after_sees_the_changes(synced: Store, tmp_path: Path) -> None:
    config = make_config(tmp_path, [])
    county(synced, config)
    digest = build_digest(synced.db, config, "2026-W10", BUILT)
    consistent(digest)
    status = {row.id: (row.status, row.errors, row.warnings) for row in digest.bodies}
    assert status["ciying"] == ("on_time", 1, 0) and status["jiaohu"] == ("late", 2, 0)
    assert digest.muted == 1
    assert [(f.body_id, f.rule) for f in digest.resolved] == [("ciying", "S102")]


def test_every_finding_row_names_its_report_year(synced: Store, tmp_path: Path) -> None:
    config = make_config(tmp_path, [])
    county(synced, config)
    digest = build_digest(synced.db, config, WEEK, BUILT)
    _html, text = render_digest(digest)
    lines = [line for line in text.splitlines() if "报告缺少" in line]
    assert len(lines) == len(digest.new) + len(digest.open_findings)
    assert all("2025年度" in line for line in lines), lines


def test_dead_links_and_the_crawls_health_as_of_the_weeks_end(store: Store, tmp_path: Path) -> None:
    """焦虎镇's 2025 report is listed but answers 404 since before the week's end: the year is 链接无法打开 (never
    逾期未公开), the D606 error is counted and listed, the link is shown with its reason and since when, and the
    crawl's health says how many listed documents could not be fetched. 次营镇's link that died after the week is
    not in that week's digest."""
    data = config_data(tmp_path, [])
    data["portals"] = [
        {"id": "p", "name": "某县人民政府门户网站", "start_urls": ["http://127.0.0.1:9/zfxxgknb/"], "contact": "zwgk@example.cn"}
    ]
    config = parse_config(data)
    sync(store, config)
    add_report(store, "ciying", 2025, published_on=date(2026, 2, 5), at=datetime(2026, 2, 6, 2, 0, tzinfo=UTC))
    dead = "http://127.0.0.1:9/zfxxgknb/202602/t20260209_7.html"
    later = "http://127.0.0.1:9/zfxxgknb/202601/W020260120384756291847.pdf"
    failed = FetchFailure(failures=1, unreachable=True, retry_after=SUNDAY_NIGHT + timedelta(days=1))
    since = datetime(2026, 2, 25, 2, 0, tzinfo=UTC)
    store.crawl.reject(dead, "HTTP 404", since, "p", body_id="jiaohu", body_from="title", year=2025, failure=failed)
    store.crawl.reject(later, "HTTP 404", AFTER, "p", body_id="ciying", body_from="title", year=2025, failure=failed)
    run = store.crawl.start_run("p", since)
    store.crawl.finish_run(run, since, CrawlStats(requests=9, unreachable_documents=1), failed=False, reason="finished")
    after = store.crawl.start_run("p", AFTER)
    store.crawl.finish_run(after, AFTER, CrawlStats(requests=9, unreachable_documents=2), failed=False, reason="finished")
    d606 = FindingInput("jiaohu-dead", "D606", "error", f"2025年度报告在栏目中列出，但链接无法打开（{dead}）。",
                        {"section": None, "table": None, "row": "报告链接", "column": None, "source": dead}, {"url": dead})  # fmt: skip
    with store.db.transaction() as session:
        reconcile(session, [d606], at=since, body_id="jiaohu", year=2025, document_id=None, report_id=None, scope_rules=["D606"])

    digest = build_digest(store.db, config, WEEK, BUILT)
    consistent(digest)
    status = {row.id: (row.status, row.errors) for row in digest.bodies}
    assert status["jiaohu"] == ("unreachable", 1) and status["ciying"] == ("on_time", 0)
    assert [(x["body"], x["year"], x["url"], x["reason_zh"], x["since"]) for x in digest.dead_links] == [
        ("焦虎镇人民政府", 2025, dead, "网页不存在（404）", date(2026, 2, 25))
    ]
    assert [(c["name"], c["unreachable"]) for c in digest.crawl] == [("某县人民政府门户网站", 1)]
    html, text = render_digest(digest)
    assert f"链接：{dead}" in text and "网页不存在（404），自2026年2月25日起" in text and later not in text
    assert "已列出但无法打开的文档 1 个" in text and "焦虎镇人民政府（乡镇（街道））：链接无法打开" in text
    assert dead in html.split('id="dead-links"', 1)[1]
