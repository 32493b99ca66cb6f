"""Confinement by origin: a crawl asks only for the portal's own origins (scheme, host and port), so a link, a
redirect or an attachment to the same host on another port is never requested and never stored.

Two demo portals run on 127.0.0.1 on two ports; the crawl is configured for the first one only.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from crawler.demo_portal import DemoPortal
from crawler.demo_portal.markup import body_html, read_seed
from crawler.demo_portal.pages import trs_article
from crawler.demo_portal.site import seed_text
from crawler.origins import origin, portal_origins, url_allowed
from tests.crawler.conftest import Workspace

TITLE = "演示县审计局2025年政府信息公开工作年度报告"
COLUMN = "/zwgk/zfxxgknb/shenji/index.html"


@pytest.fixture
def other() -> Iterator[DemoPortal]:
    """A second portal on another port of 127.0.0.1: what the first one links and redirects to."""
    with DemoPortal() as running:
        yield running


def _list_page(links: list[tuple[str, str]]) -> bytes:
    items = "".join(f'<li><a href="{href}" title="{title}">{title}</a><span>2026-03-01</span></li>' for href, title in links)
    head = '<html><head><meta charset="utf-8"><title>县审计局政府信息公开年报</title></head>'
    return f'{head}<body><ul class="list">{items}</ul></body></html>'.encode()


def test_links_redirects_and_attachments_to_another_port_are_never_requested(
    portal: DemoPortal, other: DemoPortal, workspace: Workspace
) -> None:
    publication = next(p for p in other.site.publications if p.attachment)
    elsewhere_page = other.url(publication.page)
    elsewhere_file = other.url(other.site.attachment_route(publication) or "")
    redirected = "/zwgk/zfxxgknb/shenji/t20260301_11.html"
    with_attachment = "/zwgk/zfxxgknb/shenji/t20260301_12.html"
    article = trs_article(
        TITLE,
        body_html(read_seed(seed_text("000")), "trs"),
        source="演示县审计局",
        pubdate="2026-03-01 09:00",
        visible_date="2026-03-01 09:00",
        attachments=[(elsewhere_file, "审计局2025年年报.pdf")],
    )
    portal.add_page(with_attachment, article.encode())
    portal.redirect(redirected, elsewhere_page)
    portal.add_page(
        COLUMN,
        _list_page(
            [
                (elsewhere_page, TITLE),  # a report link to the other port
                (other.url("/zwgk/zfxxgknb/shenji/index_1.html"), "县审计局"),  # a sub-column there
                (redirected, TITLE),  # here, but redirected to the other port
                (with_attachment, TITLE),  # here, with its attachment on the other port
            ]
        ),
    )
    summary = workspace.crawl(portal.config)

    assert other.log == []  # not even robots.txt
    stored = {d.url for d in workspace.documents()}
    assert portal.url(with_attachment) in stored
    assert not [url for url in stored if url.startswith(other.base_url)]
    assert portal.url(redirected) not in stored
    assert redirected in {e.route for e in portal.log}  # asked here, its redirect not followed
    outside = [e for e in summary.errors if e["reason"] == "outside the configured domains"]
    assert {e["url"] for e in outside} >= {portal.url(redirected)}


def test_origins_of_the_configuration_and_the_standard_ports() -> None:
    origins = portal_origins(["http://www.x.gov.cn/zwgk/", "http://127.0.0.1:8081/a/", "HTTPS://Files.X.gov.cn/b/"])
    assert origins == ["http://127.0.0.1:8081", "http://www.x.gov.cn:80", "https://files.x.gov.cn:443"]
    domains = ["x.gov.cn", "127.0.0.1"]
    allowed = [
        "http://www.x.gov.cn/a.html",
        "https://www.x.gov.cn/a.html",  # the https twin of a configured origin
        "http://www.x.gov.cn:80/a.html",
        "https://xxgk.x.gov.cn/a.pdf",  # a subdomain of allowed_domains on the standard port
        "http://127.0.0.1:8081/c.html",  # the configured non-standard origin
    ]
    refused = [
        "http://www.x.gov.cn:8080/a.html",  # same host, another port
        "https://www.x.gov.cn:8443/a.html",
        "http://127.0.0.1:8082/c.html",
        "https://127.0.0.1:8081/c.html",  # same host and port, another scheme
        "http://evil.example/a.html",
        "ftp://www.x.gov.cn/a.pdf",
        "http://www.x.gov.cn:99999/a.html",
    ]
    assert [u for u in allowed if not url_allowed(u, domains, origins)] == []
    assert [u for u in refused if url_allowed(u, domains, origins)] == []
    assert origin("mailto:a@x.gov.cn") is None
