"""The crawl-problem notice's policy, on SQLite and PostgreSQL: one notice to the county office per failing episode
of a portal — at once when a configured column cannot be read, after three failed runs in a row otherwise — never
again while the portal keeps failing, and a new one for the next episode after a finished run. And the Chinese
wording of crawl failure reasons."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from crawler.health import TIME_LIMIT, empty_reason
from monitor.config import Config, parse_config
from monitor.store import CrawlStats, Store
from monitor.store.models import Outbox
from monitor.store.outbox import add_drafts
from monitor.store.status import reason_zh, run_reason_zh
from notifications.policy import CRAWL_FAILURES_BEFORE_NOTICE, crawl_problem_drafts
from notifications.routes import COUNTY
from tests.monitor.postgres import reset_database
from tests.notifications.conftest import T0, config_data

COLUMN = "http://127.0.0.1:9/zwgk/nb/"
COLUMN_404 = f"column unavailable: {COLUMN}: HTTP 404"


def _config(tmp_path: Path) -> Config:
    data: dict[str, Any] = config_data(tmp_path, [])
    data["portals"] = [
        {"id": "yc", "name": "某县人民政府门户网站", "start_urls": [COLUMN], "contact": "nianbao-test@example.invalid"},
        {"id": "other", "name": "另一个门户网站", "start_urls": ["http://127.0.0.1:9/other/"], "contact": "x@example.invalid"},
    ]
    return parse_config(data, "test configuration")


@pytest.fixture(params=["sqlite", "postgresql"])
def both(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Store, Config]]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'nianbao.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
        reset_database(url)
    opened = Store.open(url, tmp_path / "blobs")
    opened.db.upgrade()
    config = _config(tmp_path)
    opened.crawl.sync(config)
    yield opened, config
    opened.close()


class Portal:
    """Crawl runs of one portal recorded one after another, an hour apart, and the notices queued after each."""

    def __init__(self, store: Store, config: Config, portal_id: str = "yc") -> None:
        self.store, self.config, self.portal_id = store, config, portal_id
        self.at = T0
        self.runs: list[int] = []

    def run(self, reason: str | None, *, column: str | None = None) -> int:
        """Record a run (``reason`` None: finished) and queue what the policy says; returns the notices added."""
        self.at += timedelta(hours=1)
        run_id = self.store.crawl.start_run(self.portal_id, self.at)
        errors = [{"kind": "column", "url": COLUMN, "reason": column}] if column else []
        stats = CrawlStats(errors=errors)
        self.store.crawl.finish_run(run_id, self.at, stats, failed=reason is not None, reason=reason or "finished")
        self.runs.append(run_id)
        with self.store.db.transaction() as session:
            return add_drafts(session, crawl_problem_drafts(session, self.config, self.portal_id, self.at), self.at)

    def notices(self) -> list[Outbox]:
        with self.store.db.transaction() as session:
            rows = list(session.scalars(select(Outbox).where(Outbox.kind == "crawl_problem").order_by(Outbox.id)))
            session.expunge_all()
            return rows


def test_a_column_that_cannot_be_read_is_told_at_once_and_once_per_episode(both: tuple[Store, Config]) -> None:
    store, config = both
    portal = Portal(store, config)
    assert portal.run(None) == 0  # fine: nothing to tell
    assert portal.run(COLUMN_404, column="HTTP 404") == 1  # the first failing run, at once
    assert portal.run(COLUMN_404, column="HTTP 404") == 0  # still failing: the same episode, told already
    assert portal.run(TIME_LIMIT) == 0  # another failure in the same episode
    [notice] = portal.notices()
    assert (notice.route, notice.body_id, notice.key) == (COUNTY, None, f"crawl_problem:yc:{portal.runs[1]}")
    assert notice.payload["portal_name"] == "某县人民政府门户网站" and notice.payload["runs"] == 1
    assert notice.payload["columns"] == [{"url": COLUMN, "reason": "HTTP 404"}]
    assert notice.payload["since"] == (T0 + timedelta(hours=2)).isoformat()

    assert portal.run(None) == 0  # back: the episode is over, nothing to tell (no recovery notice)
    assert portal.run(f"column unavailable: {COLUMN}: {empty_reason(12)}", column=empty_reason(12)) == 1
    first, second = portal.notices()
    assert second.key == f"crawl_problem:yc:{portal.runs[-1]}" != first.key
    assert second.payload["columns"] == [{"url": COLUMN, "reason": "column empty: listed 0 reports, the last run listed 12"}]


def test_other_failures_are_told_after_three_failed_runs_in_a_row(both: tuple[Store, Config]) -> None:
    store, config = both
    portal = Portal(store, config)
    assert CRAWL_FAILURES_BEFORE_NOTICE == 3
    assert [portal.run(TIME_LIMIT), portal.run("crawler error on 1 page(s)")] == [0, 0]
    assert portal.run(None) == 0  # a finished run: the count starts again
    assert [portal.run(TIME_LIMIT), portal.run(TIME_LIMIT)] == [0, 0]
    assert portal.run("crawler exited with status 1: Traceback") == 1  # the third failed run in a row
    assert [portal.run(TIME_LIMIT), portal.run(TIME_LIMIT)] == [0, 0]  # never again while it keeps failing
    [notice] = portal.notices()
    assert notice.key == f"crawl_problem:yc:{portal.runs[3]}"  # named by the episode's first run
    assert (notice.payload["runs"], notice.payload["columns"]) == (3, [])
    assert notice.payload["reason"] == "crawler exited with status 1: Traceback"


def test_a_column_failure_after_other_failures_is_told_at_once_for_the_whole_episode(both: tuple[Store, Config]) -> None:
    store, config = both
    portal = Portal(store, config)
    assert portal.run(TIME_LIMIT) == 0
    assert portal.run(COLUMN_404, column="HTTP 404") == 1
    [notice] = portal.notices()
    assert notice.key == f"crawl_problem:yc:{portal.runs[0]}" and notice.payload["runs"] == 2
    # A column that never answered has no error of its own: the run's reason names it.
    assert portal.run(TIME_LIMIT) == 0
    other = Portal(store, config, "other")
    other.at = portal.at
    assert other.run("column unavailable: http://127.0.0.1:9/other/: no answer") == 1
    assert other.notices()[-1].payload["columns"] == [{"url": "http://127.0.0.1:9/other/", "reason": "no answer"}]


def test_a_run_still_going_neither_starts_nor_ends_an_episode(both: tuple[Store, Config]) -> None:
    store, config = both
    portal = Portal(store, config)
    assert portal.run(COLUMN_404, column="HTTP 404") == 1
    store.crawl.start_run("other", portal.at)  # another portal's run going on does not matter
    portal.at += timedelta(hours=1)
    store.crawl.start_run("yc", portal.at)  # a crawl going on now: the episode is not over
    with store.db.transaction() as session:
        assert crawl_problem_drafts(session, config, "yc", portal.at)[0].key == f"crawl_problem:yc:{portal.runs[0]}"
        assert crawl_problem_drafts(session, config, "other", portal.at) == []


def test_crawl_failure_reasons_in_chinese() -> None:
    assert reason_zh("HTTP 404") == "网页不存在（404）"
    assert reason_zh(empty_reason(12)) == "栏目中没有任何年报（上次抓取有12份）"
    assert reason_zh("moved: redirected to http://127.0.0.1/") == "栏目地址跳转到了其他页面（http://127.0.0.1/）"
    assert reason_zh("the page says it does not exist (soft 404)") == "网页显示“页面不存在”"
    assert reason_zh("timed out after 10s") == "连接超时"
    assert run_reason_zh(f"{COLUMN_404} (+2 more)") == "年报栏目无法读取：网页不存在（404），另有2个栏目也无法读取"
    assert (
        run_reason_zh(f"column unavailable: {COLUMN}: {empty_reason(5)}")
        == "年报栏目无法读取：栏目中没有任何年报（上次抓取有5份）"
    )
    assert run_reason_zh(TIME_LIMIT) == "抓取超过时间限制，没有完成"
    assert run_reason_zh("crawler error on 2 page(s)") == "抓取程序出错"
    assert run_reason_zh("中断（服务在抓取中途停止）") == "中断（服务在抓取中途停止）"
    assert run_reason_zh("something else") == "抓取失败（something else）"
