"""Publication dates from the column's list: the date a list page shows beside a report's link is a publication
date, after the page's own (PubDate meta, visible 发布时间) and before the address's; the day first seen is only
ever the last resort, and is replaced when a later crawl finds a real date.

The column page follows the markup of a real TRS column, the 信息公开年报 column of 鄂尔多斯恩格贝生态示范区
(www.ordos.gov.cn; see :func:`tests.crawler.county.gl_list_column`): the date sits in a table cell of its own
beside the link's cell, and can differ from the day in the address (there: ``./201811/t20181102_2290635.html``
listed as 2018-03-26). Served over HTTP on 127.0.0.1 and crawled by the real crawler.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from crawler import dates
from crawler.demo_portal import DemoPortal
from crawler.links import read_list
from monitor.clock import FixedClock
from monitor.store.crawl import StoredDocument
from tests.crawler.conftest import Workspace, by_route
from tests.crawler.county import Row, article, county_config, gl_list_column

COLUMN = "/xxgk/xxgknb/"
BODIES = [
    {"id": "xiping", "name": "西坪镇人民政府", "aliases": ["西坪镇"]},
    {"id": "dayu", "name": "大峪镇人民政府", "aliases": ["大峪镇"]},
    {"id": "jiaohu", "name": "焦虎镇人民政府", "aliases": ["焦虎镇"]},
    {"id": "ciying", "name": "次营镇人民政府", "aliases": ["次营镇"]},
    {"id": "qiliying", "name": "七里营镇人民政府", "aliases": ["七里营镇"]},
    {"id": "shenji", "name": "演示县审计局", "aliases": ["县审计局"], "type": "department"},
]
PDF = b"%PDF-1.4\n% a report's attachment\n"


def title(name: str) -> str:
    return f"{name}2025年政府信息公开工作年度报告"


# Each report: its link (as the list writes it), how the list dates it, and what its own page carries.
XIPING = Row("./202601/t20260123_3001.html", title("西坪镇"), "2026-01-19")  # list ≠ the day in the address
DAYU = Row("./content_3002.html", title("大峪镇"), "2026-01-21")  # no date but the list's; an attachment
JIAOHU = Row("./202601/t20260116_3003.html", title("焦虎镇"), "2026-01-17")  # a visible 发布时间 on its page
CIYING = Row("./202601/t20260120_3004.html", title("次营镇"), "2026-01-22")  # a PubDate meta tag on its page
QILIYING = Row("./202601/t20260124_3005.html", title("七里营镇"), "")  # no date in its row: the address's
SHENJI = Row("./content_3006.html", title("演示县审计局"), "")  # no date anywhere: the day first seen
MEETING = Row("./202601/t20260110_3007.html", "演示县召开2025年度政务公开工作会议", "2026-01-10")  # not a report
ROWS = [XIPING, DAYU, JIAOHU, CIYING, QILIYING, SHENJI, MEETING]
DAYU_PDF = COLUMN + "W020260120384756291847.pdf"  # an upload of 20 January, attached to a page listed on the 21st
SHENJI_PDF = COLUMN + "W020260125384756291848.pdf"  # an upload of 25 January, attached to an undated page


def route(row: Row) -> str:
    return COLUMN + row.href.removeprefix("./")


def publish(portal: DemoPortal, rows: list[Row]) -> None:
    portal.add_page(COLUMN + "index.html", gl_list_column(rows))
    portal.add_page(route(XIPING), article(XIPING.title, source="西坪镇人民政府"))
    portal.add_page(route(DAYU), article(DAYU.title, source="大峪镇人民政府", attachments=[(DAYU_PDF, "报告.pdf")]))
    portal.add_page(route(JIAOHU), article(JIAOHU.title, source="焦虎镇人民政府", visible="2026-01-16 09:30"))
    portal.add_page(route(CIYING), article(CIYING.title, source="次营镇人民政府", pubdate="2026-01-20 10:00"))
    portal.add_page(route(QILIYING), article(QILIYING.title, source="七里营镇人民政府"))
    portal.add_page(route(SHENJI), article(SHENJI.title, source="演示县审计局", attachments=[(SHENJI_PDF, "报告.pdf")]))
    portal.add_page(route(MEETING), article(MEETING.title, source="演示县人民政府办公室"))
    for attachment in (DAYU_PDF, SHENJI_PDF):
        portal.add_page(attachment, PDF, "application/pdf")


def dated(documents: dict[str, StoredDocument], path: str) -> tuple[str, str | None]:
    document = documents[path]
    return str(document.published_on), document.published_from


def test_the_real_list_markup_gives_each_entry_its_own_date() -> None:
    page = read_list(gl_list_column(ROWS).decode(), "http://x" + COLUMN)
    entries = {entry.url.removeprefix("http://x" + COLUMN): (entry.title, entry.date_text) for entry in page.entries}
    for row in ROWS:
        assert entries[row.href.removeprefix("./")] == (row.title, row.date)


def test_a_report_is_dated_by_its_list_before_its_address_and_never_by_the_day_first_seen(
    portal: DemoPortal, workspace: Workspace
) -> None:
    config = county_config(portal, COLUMN, BODIES)
    publish(portal, ROWS)
    clock = FixedClock(datetime(2026, 2, 3, 1, 0, tzinfo=UTC))  # 3 February in the county
    summary = workspace.crawl(config, clock=clock)
    assert (summary.status, summary.errors, summary.new_documents) == ("finished", (), 8)

    documents = by_route(workspace.documents(), portal.base_url)
    assert route(MEETING) not in documents
    assert dated(documents, route(XIPING)) == ("2026-01-19", "list")
    assert dated(documents, route(DAYU)) == ("2026-01-21", "list")
    assert dated(documents, DAYU_PDF) == ("2026-01-21", "list")  # an attachment takes its page's date
    assert dated(documents, route(JIAOHU)) == ("2026-01-16", "visible")
    assert dated(documents, route(CIYING)) == ("2026-01-20", "PubDate")
    assert dated(documents, route(QILIYING)) == ("2026-01-24", "url")
    assert dated(documents, route(SHENJI)) == ("2026-02-03", "first_seen")
    assert dated(documents, SHENJI_PDF) == ("2026-01-25", "url")  # its upload day beats its page's first sighting
    assert {d.body_id for d in documents.values()} == {b["id"] for b in BODIES}

    # The list now dates the report first seen undated: the stored upper bound gives way to it, though the page
    # itself is unchanged (304). Dates from a real source stay, even when the list stops showing them or the
    # page is republished with no date at all.
    clock.advance(days=1)
    portal.add_page(route(DAYU), article(DAYU.title, source="大峪镇人民政府", attachments=[(DAYU_PDF, "报告.pdf")], seed="001"))
    relisted = [Row(SHENJI.href, SHENJI.title, "2026-01-26"), Row(XIPING.href, XIPING.title, ""), Row(DAYU.href, DAYU.title, "")]
    portal.add_page(COLUMN + "index.html", gl_list_column(relisted))
    portal.clear_log()
    again = workspace.crawl(config, clock=clock)
    assert (again.status, again.changed_documents) == ("finished", 1)
    assert {e.route for e in portal.log if e.status == 200} == {COLUMN, route(DAYU)}
    documents = by_route(workspace.documents(), portal.base_url)
    assert dated(documents, route(SHENJI)) == ("2026-01-26", "list")
    assert dated(documents, SHENJI_PDF) == ("2026-01-25", "url")
    assert dated(documents, route(XIPING)) == ("2026-01-19", "list")
    assert dated(documents, route(DAYU)) == ("2026-01-21", "list")
    assert documents[route(DAYU)].versions == 2


def test_an_upload_name_is_a_date_only_when_it_makes_one() -> None:
    assert dates.url_date("http://x" + DAYU_PDF) == date(2026, 1, 20)
    assert dates.url_date("http://x/xxgk/W020261340384756291847.pdf") is None
