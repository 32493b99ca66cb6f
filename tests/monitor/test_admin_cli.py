"""`nianbao config check`, `db upgrade` and `findings list|show|ack|mute|unmute` as a clerk uses them."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
import yaml
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select

from monitor.app import App
from monitor.cli import main
from monitor.config import ConfigError, parse_config
from monitor.store import Database, FetchedDocument, Store
from monitor.store.models import Base, Event
from tests.conftest import seed_text
from tests.monitor.conftest import CONFIG


def write_config(tmp_path: Path, **changes: object) -> Path:
    data = dict(CONFIG, storage={"database": "sqlite:///var/nianbao.db", "blobs": "var/blobs"}, **changes)
    path = tmp_path / "nianbao.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(list(args), out, err)
    return status, out.getvalue(), err.getvalue()


def test_config_check_ok(tmp_path: Path) -> None:
    status, out, _err = cli("config", "check", "-c", str(write_config(tmp_path)))
    assert status == 0 and "配置正确" in out and "4 个单位" in out


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"bodies": [{"id": "a", "name": "甲镇", "type": "village"}]},
            "bodies[0].type: 'village' is not a body type (allowed: town, department, county)",
        ),
        (
            {"bodies": [{"id": "a", "name": "甲镇", "type": "town", "portal": "xian"}]},
            "bodies[0].portal: 'xian' is not a portal id (known: none configured)",
        ),
        ({"schedule": {"digest": {"day": "someday"}}}, "schedule.digest.day: 'someday' is not a weekday"),
        ({"surprise": 1}, "surprise: unknown key"),
        ({"deadlines": {"town": "2-30"}}, "deadlines.town: '2-30' must be a month and day like 01-31"),
        (
            {"notifications": {"targets": [{"tag": "x", "url": "json://127.0.0.1/hook?token=abc123"}]}},
            "notifications.targets[0].url: holds a password or token",
        ),
        (
            {
                "portals": [
                    {
                        "id": "p",
                        "name": "门户",
                        "start_urls": ["http://a.gov.cn/nb/"],
                        "allowed_domains": ["b.gov.cn"],
                        "contact": "x@y.cn",
                    }
                ]
            },
            "portals[0].start_urls[0]: host 'a.gov.cn' is not in allowed_domains",
        ),
    ],
)
def test_config_errors_name_the_key(tmp_path: Path, change: dict[str, object], message: str) -> None:
    status, _out, err = cli("config", "check", "-c", str(write_config(tmp_path, **change)))
    assert status == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_config_file_missing_or_not_yaml(tmp_path: Path) -> None:
    status, _out, err = cli("config", "check", "-c", str(tmp_path / "none.yaml"))
    assert status == 2 and "configuration file not found" in err
    bad = tmp_path / "bad.yaml"
    bad.write_text("county: [unclosed\n", encoding="utf-8")
    status, _out, err = cli("config", "check", "-c", str(bad))
    assert status == 2 and "is not valid YAML" in err
    with pytest.raises(ConfigError, match=r"county\.name: missing"):
        parse_config({"county": {}})


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_db_upgrade_from_empty_and_from_previous(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'x.db'}"
    else:
        from tests.monitor.postgres import reset_database

        url = request.getfixturevalue("postgres_url")
        reset_database(url)
    database = Database(url)
    assert database.revision() is None
    database.upgrade("0001")
    assert database.revision() == "0001"
    database.upgrade()
    assert database.revision() == "0002" or (database.revision() or "") > "0002"
    with database.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    database.upgrade()  # idempotent
    database.dispose()


def test_db_upgrade_command(tmp_path: Path) -> None:
    status, out, _err = cli("db", "upgrade", "-c", str(write_config(tmp_path)))
    assert status == 0 and "数据库已升级到版本" in out
    assert (tmp_path / "var" / "nianbao.db").exists()


def test_findings_lifecycle_commands(tmp_path: Path) -> None:
    path = write_config(tmp_path)
    app = App.load(str(path))
    app.store.crawl.record(
        FetchedDocument(
            url="http://127.0.0.1/jh/2025.html",
            data=seed_text("003").encode(),
            fetched_at=app.clock.now(),
            body_id="jiaohu",
            year=2025,
            published_on=date(2026, 1, 20),
        )
    )
    app.process()
    app.close()
    status, out, _err = cli("findings", "list", "-c", str(path), "--state", "open")
    assert status == 0 and "S109" in out and "共 2 个问题" in out
    s109 = next(line.split()[0] for line in out.splitlines() if "S109" in line)
    assert cli("findings", "ack", s109, "--by", "王科员", "--reason", "已电话通知焦虎镇", "-c", str(path))[0] == 0
    status, _out, err = cli("findings", "mute", s109, "--by", "王科员", "--reason", "", "--until", "2026-03-01", "-c", str(path))
    assert status == 2 and "静默必须说明原因" in err
    status, out, _err = cli(
        "findings", "mute", s109, "--by", "王科员", "--reason", "等待县里统一整改", "--until", "2030-03-01", "-c", str(path)
    )
    assert status == 0 and "已静默" in out
    assert cli("findings", "unmute", s109, "--by", "李主任", "-c", str(path))[0] == 0
    status, out, _err = cli("findings", "show", s109, "-c", str(path))
    assert status == 0
    for name in ("发现", "已确认", "静默（至 2030-03-01）", "取消静默"):  # the events, named in Chinese
        assert name in out
    assert "已电话通知焦虎镇" in out
    status, _out, err = cli("findings", "ack", "99999", "--by", "x", "-c", str(path))
    assert status == 2 and "找不到问题" in err
    store = Store.open(f"sqlite:///{tmp_path / 'var' / 'nianbao.db'}", tmp_path / "var" / "blobs")
    with store.db.transaction() as session:
        actors = {e.actor for e in session.scalars(select(Event).where(Event.finding_id == int(s109)))}
    store.close()
    assert actors == {"system", "王科员", "李主任"}


def test_a_reader_that_goes_away_ends_the_command_quietly() -> None:
    """``nianbao rules list | head -1``: no traceback when the pipe closes, the usual status 141 (128 + SIGPIPE)."""
    import subprocess
    import sys

    script = (
        "import io, sys\n"
        "from monitor.cli import main\n"
        "class Closed(io.StringIO):\n"
        "    def write(self, text):\n"
        "        raise BrokenPipeError(32, 'Broken pipe')\n"
        "sys.exit(main(['rules', 'list'], out=Closed()))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], check=False, capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stderr) == (141, "")


@pytest.mark.parametrize(
    "command",
    [["recheck"], ["outbox", "list"], ["outbox", "drop", "1", "--reason", "x"], ["digest"], ["run-once"], ["findings", "list"]],
)
def test_every_command_reading_the_configuration_reports_a_bad_one_in_one_line(command: list[str], tmp_path: Path) -> None:
    bad = tmp_path / "nianbao.yaml"
    bad.write_text("county: {name: 某县}\nbodies: 3\n", encoding="utf-8")
    status, _out, err = cli(*command, "-c", str(bad))
    assert (status, err) == (2, f"nianbao: 配置错误：{bad}: bodies: must be a list of mappings\n")
