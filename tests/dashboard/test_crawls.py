"""The crawls page: each crawl's health with the number of listed documents it could not fetch and a link to the
log kept in the data folder, and every listed report that cannot be opened (URL, reason, since when). A real crawl
of the demo portal over 127.0.0.1 with one report page answering 404, served by the real dashboard."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from crawler.demo_portal import DemoPortal
from crawler.run import crawl_portal
from monitor.app import App
from monitor.clock import FixedClock
from monitor.dashboard import ServerHandle, start_server
from monitor.dashboard.passwords import hash_password
from tests.dashboard.conftest import Client
from tests.dashboard.demo_data import PASSWORD

AT = datetime(2026, 2, 2, 16, 30, tzinfo=UTC)  # 2026-02-03 00:30 in Asia/Shanghai: a UTC date would say 02-02


@dataclass
class Crawled:
    portal: DemoPortal
    app: App
    server: ServerHandle
    dead_route: str
    folder: Path


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    folder = tmp_path_factory.mktemp("crawls")
    with DemoPortal() as portal:
        dead = next(e.route for e in portal.expected() if e.route.endswith(".html") and e.body_id == "dayu")
        portal.misbehave(dead, "gone")
        data = portal.config_data(database="sqlite:///var/nianbao.db", blobs="var/blobs")
        data["dashboard"] = {"users": [{"name": "zhangsan", "password_hash": hash_password(PASSWORD)}]}
        config = folder / "nianbao.yaml"
        config.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        app = App.load(str(config), clock=FixedClock(AT))
        summary = crawl_portal(app.config, "demo", app.store.db.url, app.store.blobs.root, clock=app.clock)
        assert not summary.failed and summary.unreachable_documents == 1 and summary.log_path
        app.process()
        app.reconcile_unreachable()
        server = start_server(app, "127.0.0.1", 0)
        try:
            yield Crawled(portal, app, server, dead, folder)
        finally:
            server.stop()
            app.close()


@pytest.fixture
def clerk(crawled: Crawled) -> Client:
    client = Client(crawled.server.url)
    assert client.login("zhangsan", PASSWORD).status == 302
    return client


def test_the_crawls_page_needs_a_login(crawled: Crawled) -> None:
    reply = Client(crawled.server.url).get("/crawls")
    assert reply.status == 302 and "/login" in reply.headers["Location"]


def test_the_crawl_lists_its_unreachable_documents_and_links_its_kept_log(crawled: Crawled, clerk: Client) -> None:
    page = clerk.get("/crawls")
    assert page.status == 200
    assert "抓取情况" in page.text and "最近的抓取" in page.text
    row = page.text.split('data-run="1"', 1)[1].split("</tr>", 1)[0]
    assert "2026-02-03 00:30" in row and "正常" in row  # started at, in the county's time zone
    assert "拓尔思 TRS WCM" in row  # the portal system the crawl detected
    assert '<td class="num">1</td>' in row  # one listed document could not be fetched
    assert 'href="/crawls/1/log"' in row
    log = clerk.get("/crawls/1/log")
    assert log.status == 200 and log.headers["Content-Type"].startswith("text/plain")
    assert "Spider closed (finished)" in log.text
    kept = Path(crawled.app.store.blobs.root).parent / "logs" / "crawl-demo-1.log"
    assert kept.is_file()  # in the data folder, not a temporary one: it outlives the crawl


def test_the_dead_link_is_listed_with_its_url_reason_and_since_when(crawled: Crawled, clerk: Client) -> None:
    page = clerk.get("/crawls").text
    table = page.split('id="dead-links"', 1)[1].split("</table>", 1)[0]
    assert crawled.portal.url(crawled.dead_route) in table
    assert "网页不存在（404）" in table and "2026-02-03" in table and "大峪镇人民政府" in table
    assert "2025年度报告" in table


def test_a_log_that_is_gone_or_outside_the_logs_folder_is_not_served(crawled: Crawled, clerk: Client) -> None:
    store = crawled.app.store.crawl
    outside = crawled.folder / "nianbao.yaml"  # exists, but is not a crawl log
    run = store.start_run("demo", AT)
    store.set_log_path(run, outside)
    assert clerk.get(f"/crawls/{run}/log").status == 404
    missing = store.start_run("demo", AT)
    store.set_log_path(missing, Path(crawled.app.store.blobs.root).parent / "logs" / "crawl-demo-999.log")
    assert clerk.get(f"/crawls/{missing}/log").status == 404
    assert clerk.get("/crawls/424242/log").status == 404
    assert f'href="/crawls/{run}/log"' not in clerk.get("/crawls").text
