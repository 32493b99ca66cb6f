"""Templates: every kind renders in text and HTML with the fields an office needs; HTML is escaped."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from monitor.store.notify_queries import ReportRef
from notifications.render import render_message, requirement, rule_basis, where
from tests.notifications.conftest import make_config

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
        "位置：表三 / 其他（第48行）",
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
        == "表二 / （一）规章 / 本年制发件数（第3页）"
    )
    assert where({}) == "全文"
    assert "第四十九条" in rule_basis("D601") and "第四十九条" in rule_basis("D602")
    assert requirement("A201").startswith("请核对表格数据") and requirement("D601") != requirement("D602")


def test_unknown_kind_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown notification kind"):
        render_message("telegram", {"findings": []}, make_config(tmp_path, []), now=NOW)
