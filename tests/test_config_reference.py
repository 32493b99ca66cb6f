"""docs/configuration.md lists every key nianbao.yaml accepts, a county's file and a deployment's file alike.

The keys are collected from the parser itself: ``monitor.config._Reader``'s reading methods are wrapped to record
every name asked while parsing a county's configuration (``parse_config``) and a deployment's (``parse_deployment``)
that have every section (and an item in every list) present. A scan of monitor/config.py's source cross-checks that
the recording saw every ``.get("name"`` / ``.section("name"`` call. Each key must appear backticked (`` `key` ``) in
the reference, and in the section of the reference that documents its parent (``## `portals[]` ``,
``### `portals[].selectors` `` …). The keys only a deployment's file has must also be in the reference's part on
the deployment file, by their full path (`` `counties[].config` ``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import monitor.config as config_module
from monitor.config import BODY_TYPES, PRESET_NAMES, SELECTOR_NAMES, _Reader, parse_config, parse_deployment

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "docs" / "configuration.md"
SOURCE = ROOT / "monitor" / "config.py"

#: The reading methods of ``_Reader`` this test wraps; ``key`` and ``done`` read no key.
READING_METHODS = ("get", "section", "items")
NOT_READING = ("key", "done")
#: The unwrapped reading methods (each recording wraps these, never a wrapper of an earlier recording).
ORIGINALS = {name: vars(_Reader)[name] for name in READING_METHODS if name in vars(_Reader)}
#: The heading of the reference's part on the deployment file (up to the next level-2 heading).
DEPLOYMENT_PART = "## Several counties: the deployment file"

PASSWORD_HASH = "scrypt$32768$8$1$zSjR/KtoNXxr+3QNAXzaaQ==$zPYn3u43R4zL7Y3hGn5PPfPLYEp97C2HKGZlBi/rWrI="


def full_configuration() -> dict[str, Any]:
    """A valid configuration with every section present and one item (at least) in every list."""
    return {
        "county": {
            "name": "演示县",
            "timezone": "Asia/Shanghai",
            "notify": ["county"],
            "dashboard_url": "https://nianbao.example.gov.cn/",
        },
        "deadlines": {"department": "01-31", "town": "02-15", "county": "03-31"},
        "reminders": {"days_before": [7, 3, 1]},
        "storage": {"database": "sqlite:///var/nianbao.db", "blobs": "var/blobs", "digests": "var/digests"},
        "portals": [
            {
                "id": "demo",
                "name": "演示县人民政府门户网站",
                "start_urls": ["http://www.example.gov.cn/zwgk/ndbg/"],
                "allowed_domains": ["www.example.gov.cn"],
                "contact": "zwgk@example.gov.cn",
                "poll_interval": "6h",
                "max_pages": 50,
                "concurrency": 2,
                "download_delay": 1.0,
                "timeout": "30s",
                "max_bytes": "20MB",
                "time_limit": "15m",
                "preset": "trs",
                "selectors": dict.fromkeys(SELECTOR_NAMES, "div.x"),
            }
        ],
        "bodies": [
            {
                "id": "chengguan",
                "name": "城关镇人民政府",
                "type": "town",
                "portal": "demo",
                "aliases": ["城关镇"],
                "column": "http://www.example.gov.cn/zwgk/ndbg/cgz/",
                "deadline": "02-15",
                "notify": ["chengguan"],
            }
        ],
        "notifications": {
            "targets": [
                {"tag": "county", "url": "mailto://${SMTP_USER}:${SMTP_PASSWORD}@smtp.example.gov.cn?to=a@example.gov.cn"},
                {"tag": "chengguan", "url": "dingtalk://${CHENGGUAN_TOKEN}/"},
            ],
            "apprise_config": "apprise.yml",
            "repeat_days": 7,
            "escalate_days": 14,
            "county_summary": True,
            "quiet_hours": "22:00-07:00",
            "max_attempts": 8,
            "retry_base_seconds": 60,
            "slow_retry_interval": "6h",
        },
        "schedule": {
            "process_interval": "5m",
            "dispatch_interval": "1m",
            "deadline_sweep": "08:00",
            "digest": {"day": "mon", "time": "08:30"},
        },
        "dashboard": full_dashboard([{"name": "zhangsan", "password_hash": PASSWORD_HASH}]),
        "tasks": {"engine": "inprocess"},
    }


def full_dashboard(users: list[dict[str, Any]]) -> dict[str, Any]:
    """A ``dashboard`` section with every key present (the same in a county's file and a deployment's)."""
    return {
        "enabled": True,
        "host": "127.0.0.1",
        "port": 8080,
        "session_hours": 12,
        "secret_env": "NIANBAO_SECRET",
        "secure_cookie": False,
        "behind_proxy": False,
        "users": users,
    }


def full_deployment() -> dict[str, Any]:
    """A valid deployment's configuration with every section present, a county user and a supervisor."""
    return {
        "deployment": {"name": "演示市年报监测", "timezone": "Asia/Shanghai"},
        "storage": {"database": "postgresql+psycopg://nianbao@db:5432/nianbao"},
        "counties": [
            {"id": "yangcheng", "config": "counties/yangcheng.yaml"},
            {"id": "qinshui", "config": "/etc/nianbao/counties/qinshui.yaml"},
        ],
        "dashboard": full_dashboard(
            [
                {"name": "shi-zwgk", "password_hash": PASSWORD_HASH},
                {"name": "yangcheng-zhangsan", "password_hash": PASSWORD_HASH, "county": "yangcheng"},
            ]
        ),
        "tasks": {"engine": "procrastinate"},
    }


def normalized(path: str) -> str:
    """A reader's path with list indexes dropped: ``portals[0].selectors`` → ``portals[].selectors``."""
    return re.sub(r"\[\d+\]", "[]", path)


def record(monkeypatch: pytest.MonkeyPatch, parse: Callable[[], object]) -> tuple[set[tuple[str, str]], set[str]]:
    """Run ``parse`` with ``_Reader``'s reading methods wrapped: every (parent, name) asked, and the keys read as
    lists of mappings (``portals``, ``notifications.targets`` …)."""
    asked: set[tuple[str, str]] = set()
    lists: set[str] = set()
    for method, original in ORIGINALS.items():

        def wrapper(self: _Reader, name: str, *args: Any, _original: Callable[..., Any] = original, **kwargs: Any) -> Any:
            parent = normalized(self.path)
            asked.add((parent, name))
            if args and args[0] is config_module._items:
                lists.add(f"{parent}.{name}" if parent else name)
            return _original(self, name, *args, **kwargs)

        monkeypatch.setattr(_Reader, method, wrapper)
    parse()
    return asked, lists


def record_county_keys(monkeypatch: pytest.MonkeyPatch) -> tuple[set[tuple[str, str]], set[str]]:
    """The keys a county's file is read with."""

    def parse() -> None:
        config = parse_config(full_configuration())
        # Sanity: every list had an item, so the keys of its items were asked.
        assert config.portals and config.bodies and config.notifications.targets and config.dashboard.users

    asked, lists = record(monkeypatch, parse)
    # Keys read from the mapping directly, not through a reader method.
    asked |= {("portals[].selectors", name) for name in SELECTOR_NAMES}
    return asked, lists


def record_deployment_keys(monkeypatch: pytest.MonkeyPatch) -> tuple[set[tuple[str, str]], set[str]]:
    """The keys a deployment's file is read with."""

    def parse() -> None:
        deployment = parse_deployment(full_deployment(), Path("/etc/nianbao"))
        assert deployment.counties and deployment.tasks.engine == "procrastinate"
        assert {user.county for user in deployment.dashboard.users} == {None, "yangcheng"}

    return record(monkeypatch, parse)


def record_keys(monkeypatch: pytest.MonkeyPatch) -> tuple[set[tuple[str, str]], set[str]]:
    """The keys of both files."""
    county, county_lists = record_county_keys(monkeypatch)
    deployment, deployment_lists = record_deployment_keys(monkeypatch)
    return county | deployment, county_lists | deployment_lists


def source_keys() -> set[str]:
    """The literal names of ``.get("name"`` and ``.section("name"`` calls in monitor/config.py."""
    text = SOURCE.read_text(encoding="utf-8")
    return set(re.findall(r"\.(?:get|section|items)\(\s*\"([A-Za-z_][A-Za-z0-9_]*)\"", text))


def source_list_keys() -> set[str]:
    """The names read as lists of mappings (``reader.get("name", _items, …)``) in monitor/config.py."""
    text = SOURCE.read_text(encoding="utf-8")
    return set(re.findall(r"\.get\(\s*\"([A-Za-z_][A-Za-z0-9_]*)\"\s*,\s*_items\b", text))


def reference_sections(text: str) -> dict[str, str]:
    """The reference's sections by the key path of their heading (``## `county` ``, ``### `portals[].selectors` ``):
    the text up to the next heading that names a key path."""
    sections: dict[str, str] = {}
    current: str | None = None
    for line in text.splitlines():
        heading = re.match(r"^#{2,4}\s+`([a-z_][a-z0-9_.\[\]]*)`\s*$", line)
        if heading:
            current = heading.group(1)
            sections[current] = ""
        elif current is not None:
            sections[current] += line + "\n"
    return sections


def test_the_reader_has_no_reading_method_this_test_misses() -> None:
    methods = {name for name in vars(_Reader) if not name.startswith("_") and callable(getattr(_Reader, name))}
    unknown = methods - set(READING_METHODS) - set(NOT_READING)
    assert not unknown, f"_Reader has new methods {sorted(unknown)}: wrap them in READING_METHODS if they read keys"


def test_the_recording_saw_every_key_the_source_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    asked, lists = record_keys(monkeypatch)
    names = {name for _parent, name in asked}
    missed = source_keys() - names
    assert not missed, f"keys read in monitor/config.py but not while parsing the test configuration: {sorted(missed)}"
    list_names = {key.rsplit(".", 1)[-1] for key in lists}
    assert source_list_keys() <= list_names, "a list of mappings was not read; add an item to full_configuration()"
    assert {("deadlines", kind) for kind in BODY_TYPES} <= asked


def test_every_key_is_in_the_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    asked, _lists = record_keys(monkeypatch)
    text = REFERENCE.read_text(encoding="utf-8")
    missing = sorted({name for _parent, name in asked} | source_keys())
    missing = [name for name in missing if f"`{name}`" not in text]
    assert not missing, f"docs/configuration.md does not mention these keys (as `key`): {missing}"


def test_every_key_is_in_the_section_of_its_parent(monkeypatch: pytest.MonkeyPatch) -> None:
    asked, lists = record_keys(monkeypatch)
    text = REFERENCE.read_text(encoding="utf-8")
    sections = reference_sections(text)
    parents = {parent for parent, _name in asked if parent}
    headings = sorted(parents - set(sections))
    assert not headings, f"docs/configuration.md has no section headed with these key paths: {headings}"
    for key in lists:  # the items of a list are documented under `key[]`
        assert f"{key}[]" in sections, f"docs/configuration.md has no section `{key}[]`"
    misplaced = sorted(f"{parent}.{name}" for parent, name in asked if parent and f"`{name}`" not in sections[parent])
    assert not misplaced, f"keys not documented in the section of their parent: {misplaced}"


def test_every_selector_and_preset_is_described() -> None:
    text = REFERENCE.read_text(encoding="utf-8")
    sections = reference_sections(text)
    selectors = sections.get("portals[].selectors", "")
    missing = [name for name in SELECTOR_NAMES if f"`{name}`" not in selectors]
    assert not missing, f"selectors not described under `portals[].selectors`: {missing}"
    portals = sections.get("portals[]", "")
    missing = [name for name in PRESET_NAMES if f"`{name}`" not in portals]
    assert not missing, f"preset values not described under `portals[]`: {missing}"


def test_the_presets_named_by_the_configuration_are_the_crawlers() -> None:
    from crawler.presets import preset_names

    assert set(PRESET_NAMES) == set(preset_names())


def deployment_part(text: str) -> str:
    """The reference's part on the deployment file: from its heading to the next level-2 heading."""
    assert DEPLOYMENT_PART in text, f"docs/configuration.md has no part headed {DEPLOYMENT_PART!r}"
    part = text.split(DEPLOYMENT_PART, 1)[1]
    return re.split(r"^## ", part, maxsplit=1, flags=re.M)[0]


def test_the_deployment_file_is_described_in_its_part(monkeypatch: pytest.MonkeyPatch) -> None:
    county, _lists = record_county_keys(monkeypatch)
    deployment, _lists = record_deployment_keys(monkeypatch)
    part = deployment_part(REFERENCE.read_text(encoding="utf-8"))
    # Every section of a deployment's file is named there; the keys a county's file does not have, by full path.
    missing = [name for parent, name in sorted(deployment) if not parent and f"`{name}`" not in part]
    own = sorted(deployment - county)
    missing += [f"{parent}.{name}" for parent, name in own if parent and f"`{parent}.{name}`" not in part]
    assert not missing, f"the deployment file's part of docs/configuration.md does not name: {missing}"
    assert own, "the deployment file has keys of its own (deployment.name, counties[].config …)"
