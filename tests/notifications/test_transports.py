"""Transports with real apprise against local receivers: an SMTP sink (aiosmtpd), a JSON webhook, and
apprise's own parser for the DingTalk, WeCom and Feishu URL forms (which post to fixed cloud hosts)."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from dataclasses import replace
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import apprise
import pytest
from aiosmtpd.controller import Controller

from monitor.config import Target
from notifications.transports import (
    IDEMPOTENCY_HEADER,
    NOTICE_FIELD,
    AppriseTransport,
    FileTransport,
    Message,
    TransportError,
    _stamp,
    build_transport,
    target_problems,
    validate_url,
)
from tests.notifications.conftest import Receiver, free_port, make_config

MESSAGE = Message(
    title="【年报问题】次营镇人民政府2025年度报告发现2个问题，请整改",
    text="单位：次营镇人民政府\n问题：表三表头缺少「其他」列。",
    html="<p>单位：次营镇人民政府</p><p>问题：表三表头缺少「其他」列。</p>",
)


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


def test_email_arrives_multipart_with_chinese_subject_and_body(smtp: tuple[int, _Sink]) -> None:
    port, sink = smtp
    transport = AppriseTransport([Target("county", f"mailto://127.0.0.1:{port}?from=nianbao@example.cn&to=zwgk@example.cn")])
    delivered = transport.send(["county"], MESSAGE)
    assert len(delivered) == 1
    [mail] = sink.messages
    assert mail["Subject"] == MESSAGE.title
    assert mail.is_multipart() and mail.get_content_type() == "multipart/alternative"
    plain, html = mail.get_body(("plain",)), mail.get_body(("html",))
    assert plain is not None and html is not None
    assert "表三表头缺少「其他」列" in plain.get_content()
    assert "<p>单位：次营镇人民政府</p>" in html.get_content()


def test_webhook_receives_the_text_body(receiver: Receiver) -> None:
    transport = AppriseTransport([Target("ciying", receiver.url)])
    transport.send(["ciying"], MESSAGE)
    [post] = receiver.posts
    assert post["title"] == MESSAGE.title
    assert post["message"] == MESSAGE.text  # a text service gets our text template, not converted HTML
    assert post["path"] == "/hook"


def test_tags_route_only_to_their_targets(receiver: Receiver, county_receiver: Receiver) -> None:
    transport = AppriseTransport([Target("ciying", receiver.url), Target("county", county_receiver.url)])
    transport.send(["county"], MESSAGE)
    assert (len(receiver.posts), len(county_receiver.posts)) == (0, 1)
    with pytest.raises(TransportError) as caught:
        transport.send(["nobody"], MESSAGE)
    assert caught.value.permanent and "nobody" in caught.value.message


@pytest.mark.parametrize(
    "url",
    [
        "dingtalk://0123456789abcdef0123456789abcdef/",
        "dingtalk://SECabcdef0123@0123456789abcdef0123456789abcdef/",
        "wecombot://0123456789abcdef-0123-4567",
        "feishu://0123456789abcdef-0123-4567",
        "json://127.0.0.1:8080/hook",
        "mailto://127.0.0.1:2525?from=a@example.cn&to=b@example.cn",
    ],
)
def test_apprise_parses_the_url_forms(url: str) -> None:
    assert validate_url(url)


@pytest.mark.parametrize("url", ["dingtalk://", "wecombot://", "feishu://", "weixin://abc", "not a url"])
def test_apprise_rejects_malformed_urls(url: str) -> None:
    assert not validate_url(url)


def test_secrets_come_from_the_environment_at_send_time(receiver: Receiver) -> None:
    target = Target("ciying", f"json://127.0.0.1:{receiver.port}/hook/${{CIYING_TOKEN}}")
    with pytest.raises(TransportError) as caught:
        AppriseTransport([target], environ={}).send(["ciying"], MESSAGE)
    assert caught.value.permanent
    assert "CIYING_TOKEN" in caught.value.message
    AppriseTransport([target], environ={"CIYING_TOKEN": "s3cr3t-token"}).send(["ciying"], MESSAGE)
    assert receiver.posts[0]["path"] == "/hook/s3cr3t-token"


def test_a_failing_target_reports_without_the_secret(receiver: Receiver) -> None:
    receiver.status = 500
    target = Target("ciying", f"json://127.0.0.1:{receiver.port}/hook/${{CIYING_TOKEN}}")
    with pytest.raises(TransportError) as caught:
        AppriseTransport([target], environ={"CIYING_TOKEN": "s3cr3t-token"}).send(["ciying"], MESSAGE)
    assert not caught.value.permanent and caught.value.delivered == ()
    assert "s3cr3t-token" not in caught.value.message
    assert "ciying" in caught.value.message


def test_apprise_config_file_with_its_own_templating(receiver: Receiver, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config_file = tmp_path / "apprise.yml"
    config_file.write_text(
        f"version: 1\ntemplate:\n  path:\nurls:\n  - json://127.0.0.1:{receiver.port}/${{path}}:\n      tag: county\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("APPRISE_TEMPLATE_PATH", "from-env")
    AppriseTransport(config_file=config_file).send(["county"], MESSAGE)
    assert receiver.posts[0]["path"] == "/from-env"
    with pytest.raises(TransportError) as caught:
        AppriseTransport(config_file=tmp_path / "missing.yml").send(["county"], MESSAGE)
    assert caught.value.permanent


def test_without_targets_messages_go_to_the_local_file(tmp_path: Path) -> None:
    config = make_config(tmp_path, [])
    transport = build_transport(config)
    assert isinstance(transport, FileTransport)
    assert transport.path == tmp_path / "notifications" / "outbox.log"
    transport.send(["ciying"], MESSAGE)
    written = transport.path.read_text(encoding="utf-8")
    assert MESSAGE.title in written and "发往：ciying" in written and "表三表头缺少「其他」列" in written


def test_target_problems_name_variables_and_bad_urls(tmp_path: Path) -> None:
    config = make_config(
        tmp_path,
        [{"tag": "county", "url": "dingtalk://${NO_SUCH_VARIABLE}/"}, {"tag": "ciying", "url": "wecombot://"}],
    )
    problems = target_problems(config, environ={})
    assert len(problems) == 2
    assert "NO_SUCH_VARIABLE" in problems[0] and "ciying" in problems[1]


def test_the_stable_id_travels_as_message_id_idempotency_key_or_footer(smtp: tuple[int, _Sink], receiver: Receiver) -> None:
    port, sink = smtp
    stamped = replace(MESSAGE, notice_id="nianbao-7-0123456789ab")
    transport = AppriseTransport(
        [
            Target("county", f"mailto://127.0.0.1:{port}?from=nianbao@example.cn&to=zwgk@example.cn"),
            Target("county", receiver.url),
        ]
    )
    seen: list[tuple[str, str]] = []
    for _ in range(2):  # a retry carries the same id
        transport.send(
            ["county"], stamped, before=lambda t: seen.append(("before", t)), after=lambda t: seen.append(("after", t))
        )
    ids = [m["Message-ID"] for m in sink.messages]
    assert len(ids) == 2 and ids[0] == ids[1] and ids[0].startswith("<nianbao-7-0123456789ab@")
    assert len(sink.messages[0].get_all("Message-ID") or []) == 1
    assert [h[IDEMPOTENCY_HEADER] for h in receiver.headers] == ["nianbao-7-0123456789ab"] * 2
    assert receiver.posts[0][NOTICE_FIELD] == "nianbao-7-0123456789ab"
    assert receiver.posts[0]["message"] == MESSAGE.text  # no footer where a header carries the id
    assert [kind for kind, _ in seen] == ["before", "after"] * 4
    unstamped = AppriseTransport([Target("county", f"mailto://127.0.0.1:{port}?from=nianbao@example.cn&to=a@example.cn")])
    unstamped.send(["county"], MESSAGE)
    assert "nianbao-" not in sink.messages[-1]["Message-ID"]  # apprise's own id without a notice


@pytest.mark.parametrize("url", ["dingtalk://0123456789abcdef0123456789abcdef/", "wecombot://0123456789abcdef-0123-4567"])
def test_chat_robots_get_the_id_in_a_footer(url: str) -> None:
    plugin = apprise.Apprise.instantiate(url)
    assert plugin is not None
    sent = _stamp(plugin, replace(MESSAGE, notice_id="nianbao-7-0123456789ab", repeat=True))
    assert sent.text.startswith(MESSAGE.text) and "通知编号：nianbao-7-0123456789ab" in sent.text
    assert "如已收到相同编号的通知，请忽略本条" in sent.text
    assert _stamp(plugin, MESSAGE) == MESSAGE  # no id, no footer
