"""Templates: every kind renders in text and HTML with the fields an office needs; HTML is escaped; places are
told as a clerk says them; the text of every kind (and of the digest) is one field per line, a blank line between
findings, and it is the e-mail's plain-text part; monitor rules are titled from the registry; times are local."""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller

from monitor.config import Target
from monitor.dashboard.labels import NOTIFICATION_ZH, rule_info
from monitor.store.notify_queries import ReportRef
from notifications.digest import BodyRow, Digest, FindingLine, render_digest
from notifications.render import KINDS, environment, render_message, requirement, rule_basis, rule_title, where
from notifications.transports import AppriseTransport, build_transport
from rules.locations import describe, position, raw_source
from rules.registry import MONITOR_RULE_INFO
from tests.notifications.conftest import free_port, make_config

ROOT = Path(__file__).resolve().parents[2]

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
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
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
    after = datetime.now(ZoneInfo("Asia/Urumqi")).replace(tzinfo=None)
    header = re.search(
        r"^===== (\S+ \S+) 发往：ciying =====$", (tmp_path / "notifications" / "outbox.log").read_text("utf-8"), re.M
    )
    assert header is not None and "+00:00" not in header.group(1)
    assert before <= datetime.fromisoformat(header.group(1)) <= after  # stamped between the two, on Urumqi's clock


# ---------------------------------------------------------------------------------------------------------------
# One field per line, for every kind


#: The labels of the fields a message's text carries; a line holds at most one of them.
FIELDS = ("单位", "年报", "地址", "问题", "规则", "位置", "依据", "要求", "发现", "详情", "公开期限", "内容", "已过", "起始")
_FIELD = re.compile(f"^({'|'.join(FIELDS)})：(.*)$")
_ANY_FIELD = re.compile(f"(?:{'|'.join(FIELDS)})：")
CRAWL_PROBLEM = {
    "portal_id": "yc",
    "portal_name": "某县人民政府门户网站",
    "since": "2026-02-03T01:00:00+00:00",
    "runs": 2,
    "first_run": 7,
    "run": 8,
    "reason": "column unavailable: http://127.0.0.1/zwgk/nb/: HTTP 404 (+1 more)",
    "columns": [
        {"url": "http://127.0.0.1/zwgk/nb/", "reason": "HTTP 404"},
        {"url": "http://127.0.0.1/zwgk/nb/ciying/", "reason": "column empty: listed 0 reports, the last run listed 12"},
    ],
}
ALL_PAYLOADS = LOCATED_PAYLOADS | {"reminder": PAYLOADS["reminder"], "crawl_problem": CRAWL_PROBLEM}


def _fields(block: list[str]) -> dict[str, str]:
    """The ``label：value`` lines of a block, checked to hold one field each."""
    found: dict[str, str] = {}
    for line in block:
        match = _FIELD.match(line.strip())
        if match:
            assert match.group(2), f"{line!r}: a label without its value"
            assert len(_ANY_FIELD.findall(line)) == 1, f"{line!r}: two fields on one line"
            found[match.group(1)] = match.group(2)
    return found


def _blocks(text: str, head: str) -> list[list[str]]:
    """The blocks of lines that start with a line matching ``head``, up to the next blank line. A block follows a
    blank line or a section's heading, never the lines of the finding before it (findings are set apart)."""
    lines = text.splitlines()
    blocks = []
    for index, line in enumerate(lines):
        if re.match(head, line):
            before = lines[index - 1] if index else ""
            assert not before.startswith((" ", "-")), f"{before!r} before {line!r}"  # blank, or a heading
            end = next((i for i in range(index + 1, len(lines)) if not lines[i].strip()), len(lines))
            blocks.append(lines[index:end])
    return blocks


def test_every_kind_the_policy_queues_has_a_title_templates_and_a_chinese_name() -> None:
    queued = set(re.findall(r'kind="([a-z_]+)"', (ROOT / "notifications" / "policy.py").read_text("utf-8")))
    assert {"findings", "missing", "resolved", "reminder", "repeat", "escalation", "summary"} <= queued
    assert queued <= set(KINDS)
    assert set(KINDS) | {"digest"} == set(NOTIFICATION_ZH)
    for spec in KINDS.values():
        environment().get_template(f"{spec.template}.txt.j2")
        environment().get_template(f"{spec.template}.html.j2")


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_kinds_text_is_one_field_per_line_with_a_blank_line_between_findings(kind: str, tmp_path: Path) -> None:
    message = render_message(kind, ALL_PAYLOADS[kind], make_config(tmp_path, []), now=NOW, refs={3: REPORT})
    text = message.text
    assert text.startswith(message.title + "\n\n") and "\n\n\n" not in text
    assert not RAW.search(text)
    for line in text.splitlines():
        _fields([line])  # a field's label is followed by its value, never a second field
    if kind == "reminder":
        assert _fields(text.splitlines()) == {
            "单位": "次营镇人民政府",
            "年报": "2025年度政府信息公开工作年度报告",
            "公开期限": "2026年1月31日（距期限不足 3 天）",
        }
        return
    if kind == "crawl_problem":
        blocks = _blocks(text, r"^\d+\. 无法读取的栏目")
        assert [_fields(block)["地址"] for block in blocks] == [c["url"] for c in CRAWL_PROBLEM["columns"]]
        assert _fields(text.splitlines())["起始"] == "2026-02-03 09:00"  # the episode's first run, in the county's zone
        return
    blocks = _blocks(text, r"^\d+\. ")
    assert len(blocks) == len(LOCATED)
    for block in blocks:
        fields = _fields(block)
        assert len(fields) == len(block) - 1  # every line after the heading is one field
        assert fields["位置"] in {"第六部分", "第三部分", "表三「其他」", "表三「其他」（第2页）", "表三「其他」（第4页第7行）"}
        assert re.fullmatch(r"https://nianbao\.example\.cn/findings/1[1-5]", fields["详情"])
        if kind != "resolved":
            assert {"问题", "依据", "要求", "发现"} <= set(fields)


def test_monitor_rules_are_titled_from_the_registry_in_messages_and_on_the_dashboard() -> None:
    assert set(MONITOR_RULE_INFO) >= {"D601", "D603", "D605", "D606"}
    for rule_id, info in MONITOR_RULE_INFO.items():
        assert rule_title(rule_id) == rule_info(rule_id).title == info.title
        assert rule_basis(rule_id) == rule_info(rule_id).basis == info.basis
        assert requirement(rule_id) != requirement("D")  # each has its own requirement
    assert requirement("D606") == "请修复年报链接（页面或附件）使其可以正常打开，或在原栏目重新发布年度报告。"


# ---------------------------------------------------------------------------------------------------------------
# The digest's templates (the data is notifications/digest.py's; here it is given as the dataclasses hold it)

FAR = ZoneInfo("America/New_York")


def _digest_line(n: int, year: int | None, severity: str = "error") -> FindingLine:
    return FindingLine(
        id=n,
        body_id="ciying",
        year=year,
        body="次营镇人民政府",
        rule="S105",
        rule_title="表格缺少规定列",
        severity=severity,
        severity_zh={"error": "错误", "warning": "警告"}[severity],
        message="表三表头缺少「其他」列。",
        where=describe({"section": "三", "table": "表三", "column": "其他", "source": "page 2, box 56,120,300,140"}),
        age_days=3,
        link=f"https://nianbao.example.cn/findings/{n}",
    )


def _body(body_id: str, status: str, status_zh: str, published_on: date | None) -> BodyRow:
    return BodyRow(
        id=body_id,
        name={"ciying": "次营镇人民政府", "jiaohu": "焦虎镇人民政府", "shenji": "某县审计局"}[body_id],
        type_zh="乡镇（街道）",
        status=status,
        deadline=date(2026, 1, 31),
        published_on=published_on,
        days_late=None,
        url=None,
        errors=1,
        warnings=0,
        infos=0,
        status_zh=status_zh,
    )


DIGEST = Digest(
    county="某县",
    week="2026-W09",
    start=date(2026, 2, 23),
    end=date(2026, 3, 1),
    generated_at=datetime(2026, 3, 2, 0, 30, tzinfo=UTC).astimezone(FAR),  # 19:30 on 1 March in New York
    report_year=2025,
    bodies=[
        _body("ciying", "on_time", "按时公开", date(2026, 1, 20)),
        _body("jiaohu", "uncertain", "发布日期无法确定，首次发现于2026-02-03", None),
        _body("shenji", "unreachable", "链接无法打开", None),
    ],
    new=[_digest_line(1, 2025), _digest_line(2, 2024, "warning")],
    resolved=[_digest_line(3, 2025)],
    open_findings=[_digest_line(1, 2025), _digest_line(4, 2025)],
    age_table=[{"severity": "error", "severity_zh": "错误", "counts": [2, 0, 0, 0], "total": 2}],
    muted=0,
    review=[
        {
            "body": "焦虎镇人民政府",
            "year": 2025,
            "rule": "A202",
            "rule_title": "表三（七）总计 ≠ 各办理结果之和",
            "message": "表三一行少一个数值，无法判断缺的是哪一列。",
            "where": "表三「一、本年新收政府信息公开申请数量」（第50行）",
            "since": date(2026, 2, 24),
        }
    ],
    crawl=[
        {
            "name": "某县人民政府门户网站",
            "last_run": datetime(2026, 2, 24, 2, 0, tzinfo=UTC).astimezone(FAR),  # 21:00 on 23 February there
            "status_zh": "正常",
            "reason": None,
            "errors": 0,
            "unreachable": 0,
            "last_success": datetime(2026, 2, 24, 2, 0, tzinfo=UTC).astimezone(FAR),
            "failing": False,
            "run_id": 1,
        }
    ],
    deliveries=[],
    outbox={"waiting": 0, "exhausted": 0, "sent": 3, "gave_up": 0, "dropped": 0},
    dashboard="https://nianbao.example.cn",
    counts={"on_time": 1, "late": 0, "missing": 0, "pending": 0, "uncertain": 1, "unreachable": 1, "has_errors": 3},
)


def test_the_digest_text_shows_the_year_of_every_finding_one_field_per_line() -> None:
    html, text = render_digest(DIGEST)
    blocks = _blocks(text, r"^- 次营镇人民政府 \d{4}年度报告：")
    assert len(blocks) == 5  # two new, one resolved, two unresolved
    heads = [block[0] for block in blocks]
    assert heads == [
        "- 次营镇人民政府 2025年度报告：【错误】表三表头缺少「其他」列。",
        "- 次营镇人民政府 2024年度报告：【警告】表三表头缺少「其他」列。",
        "- 次营镇人民政府 2025年度报告：【错误】表三表头缺少「其他」列。",
        "- 次营镇人民政府 2025年度报告：【错误】表三表头缺少「其他」列。",
        "- 次营镇人民政府 2025年度报告：【错误】表三表头缺少「其他」列。",
    ]
    for block in blocks:
        fields = _fields(block)
        assert len(fields) == len(block) - 1  # after the finding's line, one field per line
        assert fields["位置"] == "表三「其他」（第2页）" and fields["规则"] == "S105 表格缺少规定列"
        assert fields["详情"].startswith("https://nianbao.example.cn/findings/")
    [review] = _blocks(text, r"^- 焦虎镇人民政府 2025年度报告$")
    assert _fields(review)["位置"] == "表三「一、本年新收政府信息公开申请数量」（第50行）"
    assert "\n\n\n" not in text
    # HTML: each finding row names its report year beside the body
    assert html.count('<span class="muted year">2025年度报告</span>') == 5 and html.count(">2024年度报告<") == 1


def test_the_digest_shows_a_bodys_status_as_given_and_times_in_the_county_zone() -> None:
    html, text = render_digest(DIGEST)
    assert "- 焦虎镇人民政府（乡镇（街道））：发布日期无法确定，首次发现于2026-02-03，期限 2026年1月31日" in text
    assert "- 某县审计局（乡镇（街道））：链接无法打开，期限 2026年1月31日" in text
    assert "发布日期无法确定 1，链接无法打开 1；有错误 3" in text
    assert ">发布日期无法确定，首次发现于2026-02-03</td>" in html and ">链接无法打开</td>" in html
    assert "<li>链接无法打开 1</li>" in html
    # 00:30 UTC on 2 March is 19:30 on 1 March in New York; the crawl at 02:00 UTC on the 24th is 21:00 on the 23rd
    assert "生成时间：2026-03-01 19:30" in text and "生成时间：2026-03-01 19:30" in html
    assert "某县人民政府门户网站：正常（2026-02-23 21:00）" in text and html.count("2026-02-23 21:00") == 2
    assert "08:30" not in text + html and "00:30" not in text + html


def test_the_crawl_problem_notice_names_the_portal_the_columns_the_reasons_and_what_to_do(tmp_path: Path) -> None:
    config = make_config(tmp_path, [])
    message = render_message("crawl_problem", CRAWL_PROBLEM, config, now=NOW)
    assert message.title == "【抓取异常】某县人民政府门户网站的年报栏目无法正常读取"  # the payload's name: no such portal now
    for expected in (
        "地址：http://127.0.0.1/zwgk/nb/",
        "原因：网页不存在（404）",
        "原因：栏目中没有任何年报（上次抓取有12份）",
        "失败次数：连续 2 次抓取没有成功",
        "nianbao.yaml",
        "抓取情况：https://nianbao.example.cn/crawls",
    ):
        assert expected in message.text, expected
    html = message.html or ""
    assert '<a href="http://127.0.0.1/zwgk/nb/">' in html and "栏目中没有任何年报（上次抓取有12份）" in html
    assert 'href="https://nianbao.example.cn/crawls"' in html
    assert NOTIFICATION_ZH["crawl_problem"] == "抓取异常通知"

    other = CRAWL_PROBLEM | {"columns": [], "reason": "time limit", "runs": 3}
    message = render_message("crawl_problem", other, type(config)(**{**config.__dict__, "dashboard_url": None}), now=NOW)
    assert "原因：抓取超过时间限制，没有完成" in message.text and "连续 3 次" in message.text
    assert "/crawls" not in message.text and "/crawls" not in (message.html or "")
