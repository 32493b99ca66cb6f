"""The demo portal itself: a web server that revalidates like a portal's (ETag, Last-Modified, 304), robots.txt,
a GBK page, valid PDF and DOCX attachments, deterministic files, and the misbehaviour hooks."""

from __future__ import annotations

import errno
import http.client
import io
import socket
import zipfile
from pathlib import Path

import pytest

from crawler.demo_portal import BODIES, DEMO_PORT, DemoPortal, serve_demo, written_port
from crawler.demo_portal.site import DemoSite
from tests.crawler.conftest import assert_loopback

PDF = "/zwgk/zfxxgknb/xiping/W020260119_1003.pdf"
DOCX = "/zwgk/zfxxgknb/dayu/202601/P020260123384756291847.docx"


def _get(portal: DemoPortal, route: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", portal.server.port, timeout=10)
    try:
        connection.request("GET", route, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def test_serve_demo_gives_a_loopback_url_and_a_valid_configuration() -> None:
    with serve_demo() as (base_url, config):
        assert base_url.startswith("http://127.0.0.1:")
        assert_loopback(config)
        assert [b.id for b in config.bodies] == [b.id for b in BODIES] and len(config.bodies) >= 5
        assert all(b.column and b.column.startswith(base_url) for b in config.bodies)
        portal = config.portals[0]
        assert (portal.start_urls, portal.download_delay) == ((base_url + "/zwgk/zfxxgknb/",), 0.0)


def test_a_taken_port_falls_back_to_a_free_one_and_the_config_remembers_the_port(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(OSError) as refused:
            DemoPortal(port=port)
        assert refused.value.errno == errno.EADDRINUSE
        with DemoPortal(port=port, fallback=True) as portal:
            assert portal.moved and portal.port != port and _get(portal, "/zwgk/zfxxgknb/")[0] == 200
            config = portal.write_config(tmp_path / "nianbao.yaml")
        assert written_port(config) == portal.port
    with DemoPortal(port=portal.port, fallback=True) as again:  # the next run: the same port, the same URLs
        assert not again.moved and again.base_url == portal.base_url
    assert written_port(tmp_path / "missing.yaml") is None
    (tmp_path / "other.yaml").write_text("portals: [{start_urls: ['https://www.example.gov.cn/']}]\n", encoding="utf-8")
    assert written_port(tmp_path / "other.yaml") is None
    assert 1024 < DEMO_PORT < 32768  # below Linux's ephemeral ports: no outgoing connection takes it by chance


def test_conditional_requests_answer_304_until_the_file_changes(portal: DemoPortal) -> None:
    status, headers, body = _get(portal, "/zwgk/zfxxgknb/")
    assert status == 200 and headers["Cache-Control"] == "no-cache" and body
    etag, modified = headers["ETag"], headers["Last-Modified"]
    assert _get(portal, "/zwgk/zfxxgknb/", {"If-None-Match": etag})[0] == 304
    assert _get(portal, "/zwgk/zfxxgknb/", {"If-Modified-Since": modified})[0] == 304
    assert _get(portal, "/zwgk/zfxxgknb/", {"If-None-Match": '"other"', "If-Modified-Since": modified})[0] == 200
    route = portal.edit_report("ciying")
    page = _get(portal, route)[1]
    assert _get(portal, route, {"If-None-Match": page["ETag"]})[0] == 304
    assert _get(portal, "/zwgk/zfxxgknb/", {"If-None-Match": etag})[0] == 304  # the list did not change


def test_robots_gbk_page_and_missing_pages(portal: DemoPortal) -> None:
    assert b"Disallow: /admin/" in _get(portal, "/robots.txt")[2]
    status, headers, body = _get(portal, "/zwgk/zfxxgknb/jiaohu/content_1004.html")
    assert status == 200 and headers["Content-Type"] == "text/html; charset=GBK"
    text = body.decode("gbk")
    assert "charset=gb2312" in text and "发布时间：2026-01-16 09:30" in text and 'name="PubDate"' not in text
    assert _get(portal, "/no/such/page.html")[0] == 404


def test_the_attachments_are_valid_files(portal: DemoPortal) -> None:
    pdf = _get(portal, PDF)[2]
    assert pdf.startswith(b"%PDF-1.4") and pdf.rstrip().endswith(b"%%EOF")
    pdfplumber = pytest.importorskip("pdfplumber")
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        text = "".join(page.extract_text() or "" for page in document.pages)
    assert "西坪镇人民政府" in text and "信息公开" in text
    docx_bytes = _get(portal, DOCX)[2]
    assert zipfile.ZipFile(io.BytesIO(docx_bytes)).namelist() == ["[Content_Types].xml", "_rels/.rels", "word/document.xml"]
    docx = pytest.importorskip("docx")
    document = docx.Document(io.BytesIO(docx_bytes))
    assert "大峪镇人民政府" in document.paragraphs[0].text
    assert len(document.tables) >= 3


def test_the_site_is_deterministic(tmp_path: Path) -> None:
    first, second = DemoSite(tmp_path / "a"), DemoSite(tmp_path / "b")
    first.build()
    second.build()
    assert sorted(first.routes) == sorted(second.routes)
    for route, resource in first.routes.items():
        assert resource.path.read_bytes() == second.routes[route].path.read_bytes(), route


@pytest.mark.parametrize(("mode", "status"), [("error", 500), ("gone", 404), ("moved", 301), ("redirect-loop", 302)])
def test_misbehaving_routes(portal: DemoPortal, mode: str, status: int) -> None:
    portal.misbehave("/zwgk/zfxxgknb/", mode)
    answer, headers, _ = _get(portal, "/zwgk/zfxxgknb/")
    assert answer == status
    if mode == "redirect-loop":
        assert headers["Location"] == "/zwgk/zfxxgknb/?loop=1"
        assert _get(portal, headers["Location"])[1]["Location"] == "/zwgk/zfxxgknb/"
    portal.behave("/zwgk/zfxxgknb/")
    assert _get(portal, "/zwgk/zfxxgknb/")[0] == 200


def test_the_huge_file_announces_2gb_and_streams_lazily(portal: DemoPortal) -> None:
    portal.misbehave(PDF, "huge")
    connection = http.client.HTTPConnection("127.0.0.1", portal.server.port, timeout=10)
    connection.request("GET", PDF)
    response = connection.getresponse()
    assert response.status == 200 and response.getheader("Content-Length") == str(2 * 1024**3)
    assert response.read(1024) == b"\0" * 1024
    connection.close()


@pytest.mark.parametrize("seed", ["000", "001", "002", "003", "004"])
def test_a_seed_as_the_portals_pdf_gives_the_findings_of_its_text(seed: str) -> None:
    """The demo portal's PDF attachments are ruled tables with merged cells, as a word processor prints them: the
    PDF reader finds the same tables, so the demo shows the seed's own findings (not artefacts of the file)."""
    from crawler.demo_portal.files import pdf_bytes
    from crawler.demo_portal.markup import read_seed
    from crawler.demo_portal.site import seed_text
    from documents import extract
    from documents.model import Document
    from rules import Context, parse_report, run_rules

    def findings(document: Document) -> list[tuple[object, ...]]:
        result = run_rules(parse_report(document), Context())
        return sorted(
            (f.outcome.rule.id, f.outcome.locator.table, f.outcome.locator.row, f.outcome.locator.column, f.outcome.message)
            for f in result.findings
        )

    text = seed_text(seed)
    pdf = extract(pdf_bytes("年报", read_seed(text)))
    assert pdf.format == "pdf" and pdf.machine_readable
    assert findings(pdf) == findings(extract(text.encode("utf-8")))
