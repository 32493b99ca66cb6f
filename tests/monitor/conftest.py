"""Fixtures of the monitor tests: a store on SQLite and on PostgreSQL, a configuration, a clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from monitor.clock import FixedClock
from monitor.config import Config, parse_config
from monitor.store import Store
from tests.monitor.postgres import reset_database


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'nianbao.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
        reset_database(url)
    opened = Store.open(url, tmp_path / "blobs")
    opened.db.upgrade()
    yield opened
    opened.close()


CONFIG: dict[str, Any] = {
    "county": {"name": "某县", "timezone": "Asia/Shanghai"},
    "deadlines": {"town": "02-10"},
    "bodies": [
        {"id": "jiaohu", "name": "焦虎镇人民政府", "aliases": ["焦虎镇"], "type": "town"},
        {"id": "ciying", "name": "次营镇人民政府", "aliases": ["次营镇"], "type": "town"},
        {"id": "shenji", "name": "某县审计局", "type": "department"},
        {"id": "xianfu", "name": "某县人民政府", "type": "county"},
    ],
}


@pytest.fixture
def config() -> Config:
    return parse_config(CONFIG)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 1, 20, 2, 0, tzinfo=UTC))
