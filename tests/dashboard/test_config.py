"""The dashboard section of nianbao.yaml: defaults keep old files valid; mistakes name the key."""

from __future__ import annotations

from typing import Any

import pytest

from monitor.config import ConfigError, Dashboard, parse_config
from monitor.dashboard.passwords import hash_password, verify_password

BASE: dict[str, Any] = {"county": {"name": "某县"}}
HASH = hash_password("a long enough password", n=2**10)


def _parse(section: Any) -> Dashboard:
    return parse_config({**BASE, "dashboard": section}).dashboard


def test_a_file_without_the_section_gets_the_defaults() -> None:
    dashboard = parse_config(BASE).dashboard
    assert dashboard == Dashboard()
    assert (dashboard.enabled, dashboard.host, dashboard.port, dashboard.secret_env) == (
        True,
        "127.0.0.1",
        8080,
        "NIANBAO_SECRET",
    )
    assert dashboard.users == ()


def test_a_full_section() -> None:
    dashboard = _parse(
        {
            "enabled": True,
            "host": "0.0.0.0",
            "port": 9000,
            "session_hours": 4,
            "secret_env": "COUNTY_SECRET",
            "secure_cookie": True,
            "behind_proxy": True,
            "users": [{"name": "zhangsan", "password_hash": HASH}],
        }
    )
    assert (dashboard.host, dashboard.port, dashboard.session_hours, dashboard.secret_env) == (
        "0.0.0.0",
        9000,
        4,
        "COUNTY_SECRET",
    )
    assert dashboard.secure_cookie and dashboard.behind_proxy
    assert dashboard.users[0].name == "zhangsan" and verify_password("a long enough password", dashboard.users[0].password_hash)


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"colour": "red"}, "dashboard.colour: unknown key"),
        ({"port": 70000}, "dashboard.port: must be a TCP port"),
        ({"port": "8080"}, "dashboard.port: must be a whole number"),
        ({"session_hours": 0}, "dashboard.session_hours: must be between 1 and 744"),
        ({"enabled": "yes"}, "dashboard.enabled: must be true or false"),
        ({"secret_env": "my secret"}, "dashboard.secret_env: 'my secret' is not an environment variable name"),
        ({"users": [{"name": "zhangsan", "password_hash": "hunter2"}]}, "dashboard.users[0].password_hash: not a password hash"),
        ({"users": [{"name": "zhangsan", "password": "hunter2"}]}, "dashboard.users[0].password_hash: missing"),
        ({"users": [{"name": "zhangsan", "password_hash": HASH, "role": "admin"}]}, "dashboard.users[0].role: unknown key"),
        ({"users": [{"name": "张 三", "password_hash": HASH}]}, "dashboard.users[0].name: '张 三' must be"),
        (
            {"users": [{"name": "a", "password_hash": HASH}, {"name": "a", "password_hash": HASH}]},
            "dashboard.users[1].name: 'a' is used twice",
        ),
        ({"users": "zhangsan"}, "dashboard.users: must be a list of mappings"),
        ("on", "dashboard: must be a mapping of keys"),
    ],
)
def test_mistakes_name_the_key(section: Any, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        _parse(section)
    assert str(caught.value).startswith(message), str(caught.value)


def test_the_other_sections_still_reject_unknown_keys() -> None:
    with pytest.raises(ConfigError, match=r"^dashbord: unknown key"):
        parse_config({**BASE, "dashbord": {}})


def test_every_dashboard_setting_is_documented() -> None:
    from dataclasses import fields
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    operations = (root / "docs" / "operations.md").read_text(encoding="utf-8")
    example = (root / "deploy" / "nianbao.example.yaml").read_text(encoding="utf-8")
    for setting in fields(Dashboard):
        assert f"{setting.name}:" in example, f"dashboard.{setting.name} is not in deploy/nianbao.example.yaml"
        assert setting.name in operations, f"dashboard.{setting.name} is not in docs/operations.md"
