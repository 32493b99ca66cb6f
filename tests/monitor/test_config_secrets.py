"""Secrets written into nianbao.yaml are refused for every apprise scheme the county offices use, naming the key,
the scheme and the secret's field; the same URL with ``${VAR}`` references is accepted (and apprise accepts it
once the variables are expanded)."""

from __future__ import annotations

from typing import Any

import pytest

from monitor.config import ConfigError, parse_config
from monitor.secrets import inline_secrets
from notifications.transports import expand, validate_url

TOKEN = "8f3a9c2b7d4e6f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a"
SECRET = "SEC7d9e2f4a6b8c0d1e3f5a7b9c1d3e5f7a9b1c3d5e7f9a1b3c5d7e9f1a3b5c7d9e"
BOT = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"

# (scheme, URL with the secrets written out, the same with references, the fields named)
CASES = [
    ("dingtalk", f"dingtalk://{TOKEN}/", "dingtalk://${DT_TOKEN}/", ["token"]),
    ("dingtalk", f"dingtalk://{SECRET}@{TOKEN}/", "dingtalk://${DT_SECRET}@${DT_TOKEN}/", ["token", "secret"]),
    ("dingtalk", f"dingtalk://${{DT_SECRET}}@{TOKEN}/", "dingtalk://${DT_SECRET}@${DT_TOKEN}/", ["token"]),
    ("wecombot", "wecombot://693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa", "wecombot://${WECOM_KEY}", ["key"]),
    ("feishu", "feishu://0e8d1b6a-3c2f-4e5d-9a7b-1c2d3e4f5a6b", "feishu://${FEISHU_TOKEN}", ["token"]),
    ("lark", "lark://0e8d1b6a-3c2f-4e5d-9a7b-1c2d3e4f5a6b", "lark://${LARK_TOKEN}", ["token"]),
    ("tgram", f"tgram://{BOT}/-1001234567890", "tgram://${TG_BOT}/-1001234567890", ["bot_token"]),
    (
        "slack",
        "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ",
        "slack://${SLACK_A}/${SLACK_B}/${SLACK_C}",
        ["token_a", "token_b", "token_c"],
    ),
    (
        "slack",
        "slack://xoxb-1234-1234-4ddbc191d40ee098cbaae6f3523ada2d/#general",
        "slack://${SLACK_BOT}/#general",
        ["access_token"],
    ),
    (
        "discord",
        "discord://4174216298/JHMHI8qBe7bk2ZwO5U711o3dV_js",
        "discord://${DISCORD_ID}/${DISCORD_TOKEN}",
        ["webhook_id", "webhook_token"],
    ),
    (
        "mailto",
        "mailto://zwgk:Pa55word@smtp.example.gov.cn?to=a@example.gov.cn",
        "mailto://zwgk:${SMTP_PASSWORD}@smtp.example.gov.cn?to=a@example.gov.cn",
        ["password"],
    ),
    (
        "mailtos",
        "mailtos://zwgk:Pa55word@smtp.example.gov.cn",
        "mailtos://${SMTP_USER}:${SMTP_PASSWORD}@smtp.example.gov.cn",
        ["password"],
    ),
    (
        "json",
        "json://127.0.0.1/hook?+Authorization=Bearer%20abc",
        "json://127.0.0.1/hook?+Authorization=Bearer%20${HOOK}",
        ["+Authorization"],
    ),
    ("xml", "xml://127.0.0.1/hook?+X-Token=abc", "xml://127.0.0.1/hook?+X-Token=${HOOK}", ["+X-Token"]),
    ("form", f"form://127.0.0.1/hook?+X-Custom={TOKEN}", "form://127.0.0.1/hook?+X-Custom=${HOOK}", ["+X-Custom"]),
    ("json", "json://127.0.0.1/hook?token=abc123", "json://127.0.0.1/hook?token=${HOOK}", ["?token="]),
    ("json", "json://127.0.0.1/hook?key=abc", "json://127.0.0.1/hook?key=${HOOK}", ["?key="]),
    ("json", "json://127.0.0.1/hook?secret=abc", "json://127.0.0.1/hook?secret=${HOOK}", ["?secret="]),
    ("json", "json://127.0.0.1/hook?password=abc", "json://127.0.0.1/hook?password=${HOOK}", ["?password="]),
    ("json", f"json://127.0.0.1/hooks/{TOKEN}", "json://127.0.0.1/hooks/${HOOK}", ["path"]),
    (
        "pover",
        "pover://uQiRzpo4DXghDmr9QzzfQu27cmVRsG@azGDORePK8gMaC0QOYAMyEEuzJnyUi",
        "pover://${PO_USER}@${PO_TOKEN}",
        ["user_key", "token"],
    ),
]


def _config(url: str) -> dict[str, Any]:
    return {"county": {"name": "演示县"}, "notifications": {"targets": [{"tag": "county", "url": url}]}}


@pytest.mark.parametrize(("scheme", "inline", "referenced", "fields"), CASES)
def test_a_secret_written_inline_is_refused_and_a_reference_accepted(
    scheme: str, inline: str, referenced: str, fields: list[str]
) -> None:
    with pytest.raises(ConfigError) as refused:
        parse_config(_config(inline))
    message = str(refused.value)
    assert message.startswith("notifications.targets[0].url: ")
    assert f"（{scheme}://）中直接写入了密钥" in message and "${环境变量名}" in message
    assert all(field in message for field in fields), message
    assert inline_secrets(inline) == fields
    for part in (TOKEN, SECRET, BOT, "Pa55word"):
        assert part not in message  # the error never repeats the secret

    config = parse_config(_config(referenced))
    assert config.notifications.targets[0].url == referenced
    assert inline_secrets(referenced) == []


@pytest.mark.parametrize(
    "referenced",
    [
        "dingtalk://${DT_SECRET}@${DT_TOKEN}/",
        "wecombot://${WECOM_KEY}",
        "tgram://${TG_BOT}/-1001234567890",
        "discord://${DISCORD_ID}/${DISCORD_TOKEN}",
        "json://127.0.0.1/hook?+Authorization=Bearer%20${HOOK}",
    ],
)
def test_apprise_takes_the_referenced_url_once_expanded(referenced: str) -> None:
    environ = {
        "DT_SECRET": SECRET,
        "DT_TOKEN": TOKEN,
        "WECOM_KEY": "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa",
        "TG_BOT": BOT,
        "DISCORD_ID": "4174216298",
        "DISCORD_TOKEN": "JHMHI8qBe7bk2ZwO5U711o3dV_js",
        "HOOK": "abc",
    }
    url, _secrets = expand(referenced, environ)
    assert validate_url(url), url
    assert inline_secrets(url)  # and the expanded form is what the detector refuses


def test_urls_without_secrets_pass() -> None:
    for url in (
        "mailto://smtp.example.gov.cn?to=zwgk@example.gov.cn",
        "json://127.0.0.1:8099/notify?+Content-Type=application/json",
        "dingtalk://${DT_TOKEN}/13800000000",
        "slack://${A}/${B}/${C}/#general",
        "gotify://push.example.gov.cn/${GOTIFY_TOKEN}",
    ):
        assert inline_secrets(url) == [], url
        parse_config(_config(url))
