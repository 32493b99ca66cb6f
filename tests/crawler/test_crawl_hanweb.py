"""Acceptance 5: the same spider on a portal in a second markup style — Hanweb column pages whose list sits in
``<script type="text/xml">`` records, the next group of records behind a POST to ``dataproxy.jsp``, GBK article pages,
attachments behind ``downfile.jsp?filename=…`` — read by the Hanweb preset the configuration names."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from crawler.demo_portal import DemoPortal
from tests.crawler.conftest import Workspace, by_route, with_portal


@pytest.fixture
def hanweb() -> Iterator[DemoPortal]:
    with DemoPortal("hanweb") as running:
        yield running


def test_the_hanweb_portal_is_crawled_through_its_configuration(hanweb: DemoPortal, workspace: Workspace) -> None:
    assert (hanweb.config.portals[0].preset, dict(hanweb.config.portals[0].selectors)) == ("hanweb", {})
    summary = workspace.crawl(hanweb.config)
    assert (summary.status, summary.errors) == ("finished", ())
    documents = by_route(workspace.documents(), hanweb.base_url)
    expected = hanweb.expected()
    assert sorted(documents) == sorted(e.route for e in expected)
    for item in expected:
        document = documents[item.route]
        assert (document.body_id, document.year, str(document.published_on), document.published_from) == (
            item.body_id,
            item.year,
            item.published_on,
            item.published_from,
        )
    posts = [entry for entry in hanweb.log if entry.method == "POST"]
    assert any(entry.route.startswith("/module/web/jpage/dataproxy.jsp?startrecord=") for entry in posts)  # the next group
    assert {d.content_type for d in documents.values() if d.parent_url is None} == {"text/html; charset=GBK"}

    hanweb.clear_log()
    again = workspace.crawl(hanweb.config)
    assert again.requests == again.responses_304 and again.new_documents == 0


def test_the_records_selector_decides_what_is_read(hanweb: DemoPortal, workspace: Workspace) -> None:
    """With records read from no script, the Hanweb lists are empty: the configuration is what finds them."""
    selectors = {"script_records": "script.no-such-list"}
    summary = workspace.crawl(with_portal(hanweb.config, selectors=selectors))
    assert summary.status == "finished"
    assert summary.new_documents == 0
