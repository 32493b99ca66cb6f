"""Templates: every kind renders in text and HTML with the fields an office needs; HTML is escaped; places are
told as a clerk says them; the e-mail's plain-text part is our text, one field per line."""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller

from monitor.config import Target
from monitor.store.notify_queries import ReportRef
from notifications.render import render_message, requirement, rule_basis, where
from notifications.transports import AppriseTransport, build_transport
from rules.locations import describe, position, raw_source
from tests.notifications.conftest import free_port, make_config

NOW = datetime(2026, 2, 3, 2, 0, tzinfo=UTC)
REPORT = ReportRef(5, 3, "次营镇2025年政府信息公开工作年度报告", 2025, "http://127.0.0.1/ciying/2025.html", date(2026, 1, 15))
FINDING = {
    "id": 7,
    "rule": "S105",
    "severity": "error",
    "message": "表三表头缺少「其他」列。<script>alert(1)</script>",
    "locator": {"section": "三", "table": "表三", "row": None, "column": "其他", "source": "line 48"},
    "body_id": "ciying",
    "year": 2025,
    "document_id": 3,
    "first_seen": "2026-01-20T02:00:00+00:00",
}
PAYLOADS = {
    "findings": {"body_id": "ciying", "year": 2025, "report_id": 5, "document_id": 3, "findings": [FINDING], "still_open": 0},
    "repeat": {"body_id": "ciying", "days": 7, "findings": [FINDING]},
    "escalation": {"days": 14, "findings": [FINDING]},
    "resolved": {"body_id": "ciying", "year": 2025, "report_id": 5, "document_id": 3, "findings": [FINDING]},
    "missing": {"body_id": "ciying", "year": 2025, "findings": [FINDING | {"rule": "D601", "document_id": None}]},
    "reminder": {"body_id": "ciying", "year": 2025, "deadline": "2026-01-31", "days_left": 3},
}


@pytest.mark.parametrize("kind", sorted(PAYLOADS))
def test_every_kind_renders_in_chinese_text_and_escaped_html(kind: str, tmp_path: Path) -> None:
    config = make_config(tmp_path, [])
    message = render_message(kind, PAYLOADS[kind], config, now=NOW, report=REPORT, refs={3: REPORT})
    assert message.title.startswith("【") and ("次营镇人民政府" in message.title or kind == "escalation")
    assert message.html is not None and "<script>" not in message.html
    assert "{{" not in message.text and "{%" not in message.html
    if kind in ("findings", "repeat", "escalation", "missing"):
        for label in ("问题：", "位置：", "依据：", "要求："):
            assert label in message.text
        assert "<dt>依据</dt>" in message.html and "&lt;script&gt;" in message.html
        assert "<script>alert(1)</script>" in message.text  # plain text is not escaped
        assert "https://nianbao.example.cn/findings/7" in message.text


def test_finding_message_names_body_report_place_basis_and_links(tmp_path: Path) -> None:
    message = render_message("findings", PAYLOADS["findings"], make_config(tmp_path, []), now=NOW, report=REPORT)
    for expected in (
        "单位：次营镇人民政府",
        "年报：《次营镇2025年政府信息公开工作年度报告》（2026年1月15日发布）",
        "地址：http://127.0.0.1/ciying/2025.html",
        "【错误】S105",
        "位置：表三「其他」（第48行）",
        "依据：国办公开办函〔2021〕30号《政府信息公开工作年度报告格式》",
        "发现：2026年1月20日（已 14 天）",
    ):
        assert expected in message.text


def test_without_a_dashboard_there_are_no_dashboard_links(tmp_path: Path) -> None:
    config = make_config(tmp_path, [])
    config = type(config)(**{**config.__dict__, "dashboard_url": None})
    message = render_message("findings", PAYLOADS["findings"], config, now=NOW, report=REPORT)
    assert "/findings/7" not in message.text and "/findings/7" not in (message.html or "")


def test_metadata_helpers() -> None:
    assert (
        where({"table": "表二", "row": "（一）规章", "column": "本年制发件数", "source": "page 3"})
        == "表二「（一）规章」「本年制发件数」（第3页）"
    )
    assert where({}) == "全文"
    assert "第四十九条" in rule_basis("D601") and "第四十九条" in rule_basis("D602")
    assert requirement("A201").startswith("请核对表格数据") and requirement("D601") != requirement("D602")


def test_unknown_kind_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown notification kind"):
        render_message("telegram", {"findings": []}, make_config(tmp_path, []), now=NOW)


XPATH = "/html/body/div/table/tr/td[2]/div[2]/div[3]/p[21]"
LOCATED = [  # the same kind of finding, as the extractors of a web page, a PDF, a scan and a Word file locate it
    FINDING | {"id": 11, "locator": {"section": "六", "table": None, "row": None, "column": None, "source": XPATH}},
    FINDING | {"id": 12, "locator": {"section": "三", "table": "表三", "column": "其他", "source": XPATH[:-6] + "table[2]"}},
    FINDING | {"id": 13, "locator": {"section": "三", "table": "表三", "column": "其他", "source": "page 2, box 56,120,300,140"}},
    FINDING | {"id": 14, "locator": {"section": "三", "table": "表三", "column": "其他", "source": "page 4, line 7"}},
    FINDING | {"id": 15, "locator": {"section": "三", "source": "/w:document/w:body/w:tbl[2]/w:tr[3]/w:tc[4]"}},
]
LOCATED_PAYLOADS = {
    "findings": PAYLOADS["findings"] | {"findings": LOCATED},
    "repeat": PAYLOADS["repeat"] | {"findings": LOCATED},
    "escalation": PAYLOADS["escalation"] | {"findings": LOCATED},
    "summary": {"since": "2026-02-03T01:00:00+00:00", "bodies": 1, "findings": LOCATED},
    "resolved": PAYLOADS["resolved"] | {"findings": LOCATED},
    "missing": PAYLOADS["missing"] | {"findings": [f | {"rule": "D601", "document_id": None} for f in LOCATED]},
}
RAW = re.compile(r"/html/|/w:|\bbox \d|\d+,\d+,\d+,\d+|\bpage \d|\bline \d|原文 /")


def test_places_are_told_as_a_clerk_says_them() -> None:
    assert position("page 3, box 56,120,300,140") == "第3页" and position("line 48") == "第48行"
    assert position("page 2, line 7") == "第2页第7行"
    assert position(XPATH) == position("meta[ArticleTitle]") == position("unknown") == position(None) == ""
    assert describe({"section": "六", "source": XPATH}) == "第六部分"
    assert describe({"section": "三", "table": "表三", "row": "（七）总计", "column": "自然人", "source": "line 48"}) == (
        "表三「（七）总计」「自然人」（第48行）"
    )
    assert describe({"section": "三", "table": "表三", "column": "其他", "source": "page 2, box 56,120,300,140"}) == (
        "表三「其他」（第2页）"
    )
    assert describe({"row": "标题", "source": "line 1"}) == "标题（第1行）"
    assert (
        describe({"row": "本年共受理申请12件，其中依申请公开8件", "source": XPATH}) == "「本年共受理申请12件，其中依申请公开8件」"
    )
    assert (
        describe({"section": "一、五"}) == "第一、五部分"
        and describe({"section": "主动公开政府信息情况"}) == "「主动公开政府信息情况」"
    )
    assert describe({"source": "page 5, box 1,2,3,4"}) == "第5页" and describe({"source": XPATH}) == "全文"
    assert raw_source({"source": XPATH}) == XPATH and raw_source({"source": "unknown"}) is None and raw_source({}) is None


@pytest.mark.parametrize("kind", sorted(LOCATED_PAYLOADS))
def test_no_message_shows_a_raw_path_or_box(kind: str, tmp_path: Path) -> None:
    message = render_message(kind, LOCATED_PAYLOADS[kind], make_config(tmp_path, []), now=NOW, report=REPORT, refs={3: REPORT})
    for text in (message.title, message.text, message.html or ""):
        assert not RAW.search(text), RAW.search(text)
    places = sorted(line.strip() for line in message.text.splitlines() if line.strip().startswith("位置："))
    assert places == sorted(
        [
            "位置：第六部分",
            "位置：表三「其他」",
            "位置：表三「其他」（第2页）",
            "位置：表三「其他」（第4页第7行）",
            "位置：第三部分",
        ]
    )
    assert "<dd>第六部分</dd>" in (message.html or "") or kind == "resolved"


class _Sink:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd calls it so)
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))  # type: ignore[arg-type]
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[int, _Sink]]:
    sink = _Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, sink
    controller.stop()


@pytest.mark.parametrize("kind", ["findings", "resolved", "missing", "reminder", "summary"])
def test_the_mails_plain_text_part_is_our_text_one_field_per_line(kind: str, smtp: tuple[int, _Sink], tmp_path: Path) -> None:
    port, sink = smtp
    payload = (LOCATED_PAYLOADS | {"reminder": PAYLOADS["reminder"]})[kind]
    message = render_message(kind, payload, make_config(tmp_path, []), now=NOW, report=REPORT, refs={3: REPORT})
    transport = AppriseTransport([Target("office", f"mailto://127.0.0.1:{port}?from=nianbao@example.cn&to=ciying@example.cn")])
    assert len(transport.send(["office"], message)) == 1
    [mail] = sink.messages
    plain, html = mail.get_body(("plain",)), mail.get_body(("html",))
    assert plain is not None and html is not None  # multipart/alternative: our HTML and our text
    text = plain.get_content().replace("\r\n", "\n")
    assert text.strip() == message.text.strip()
    lines = [line.strip() for line in text.splitlines()]
    assert "单位：次营镇人民政府" in lines or kind == "summary"
    for line in lines:  # a field's label is followed by its colon, never run into its value ("位置第三部分")
        assert not re.match("(单位|年报|地址|问题|位置|依据|要求|详情)[^：]", line), line
    if kind == "reminder":
        assert "公开期限：2026年1月31日（距期限不足 3 天）" in lines
    else:
        assert "位置：第六部分" in lines and "详情：https://nianbao.example.cn/findings/11" in lines
    assert not RAW.search(text)


def test_the_local_sink_stamps_messages_in_the_county_zone(tmp_path: Path) -> None:
    config = make_config(tmp_path, [])
    config = type(config)(**{**config.__dict__, "timezone": "Asia/Urumqi"})
    message = render_message("findings", LOCATED_PAYLOADS["findings"], config, now=NOW, report=REPORT)
    transport = build_transport(config)
    before = datetime.now(ZoneInfo("Asia/Urumqi")).replace(tzinfo=None, microsecond=0)
    transport.send(["ciying"], message)
    header = re.search(
        r"^===== (\S+ \S+) 发往：ciying =====$", (tmp_path / "notifications" / "outbox.log").read_text("utf-8"), re.M
    )
    assert header is not None and "+00:00" not in header.group(1)
    assert timedelta(0) <= datetime.fromisoformat(header.group(1)) - before < timedelta(minutes=1)
