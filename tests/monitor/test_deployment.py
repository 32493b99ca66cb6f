"""Several counties in one deployment (issue 15): the deployment file, each county's own store, the command line.

Real parts: two demo portals on 127.0.0.1, real crawls and checks by ``nianbao run-once``, SQLite files (the
embedded default runs every county's work in the process itself). PostgreSQL deployments with workers are in
test_workers.py, the dashboard's county users in tests/dashboard/test_counties.py.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from crawler.demo_portal import DemoPortal
from documents import needs_ocr
from monitor.app import App
from monitor.config import ConfigError, load_deployment
from monitor.deployment import Deployment
from monitor.store.crawl import FetchedDocument
from monitor.store.models import Body, DocumentVersion, Finding
from tests.formats_build import reportlab_pdf, scan_pdf
from tests.monitor.deployments import write_deployment
from tests.monitor.test_service import NIANBAO

NOW = "2026-03-05T10:00:00+08:00"


@pytest.fixture(scope="module")
def portals() -> Iterator[dict[str, DemoPortal]]:
    with DemoPortal("trs") as trs, DemoPortal("hanweb") as hanweb:
        yield {"anxian": trs, "boxian": hanweb}


def nianbao(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NIANBAO_")} | {"NIANBAO_NOW": NOW}
    return subprocess.run([NIANBAO, *args], capture_output=True, text=True, env=env, timeout=300, check=False)


def test_two_counties_on_sqlite_each_in_its_own_file(portals: dict[str, DemoPortal], tmp_path: Path) -> None:
    config = write_deployment(tmp_path, f"sqlite:///{tmp_path / 'nianbao.db'}", portals, engine="inprocess")
    done = nianbao("run-once", "-c", str(config))
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "nianbao.anxian.db").exists() and (tmp_path / "nianbao.boxian.db").exists()
    deployment = Deployment.load(str(config))
    try:
        assert deployment.several and list(deployment.apps) == ["anxian", "boxian"]
        for county, app in deployment.apps.items():
            assert app.county == county and app.config.county_name in ("安县", "博县")
            with app.store.db.transaction() as session:
                assert (
                    session.scalar(select(func.count()).select_from(DocumentVersion).where(DocumentVersion.state == "checked"))
                    == 7
                )
                assert session.scalar(select(func.count()).select_from(Finding)) > 0
                assert {b.id for b in session.scalars(select(Body))} == {b.id for b in app.config.bodies}
    finally:
        deployment.close()

    # One county's commands name it; without --county they say which counties there are.
    listed = nianbao("findings", "list", "-c", str(config), "--county", "anxian")
    assert listed.returncode in (0, 1), listed.stderr
    assert listed.stdout.strip()
    refused = nianbao("findings", "list", "-c", str(config))
    assert refused.returncode == 2
    assert "--county" in refused.stderr and "anxian" in refused.stderr and "boxian" in refused.stderr
    unknown = nianbao("findings", "list", "-c", str(config), "--county", "xian")
    assert unknown.returncode == 2 and "xian" in unknown.stderr


def test_a_county_file_alone_still_works_as_before(portals: dict[str, DemoPortal], tmp_path: Path) -> None:
    config = write_deployment(tmp_path, f"sqlite:///{tmp_path / 'nianbao.db'}", portals, engine="inprocess")
    app = App.load(str(tmp_path / "anxian.yaml"))  # a county's file is a single-county configuration
    try:
        assert app.county == "county" and app.engine == "inprocess"
    finally:
        app.close()
    assert load_deployment(config).county("boxian").config_file == str(tmp_path / "boxian.yaml")


def _deployment_data(tmp_path: Path, **changes: object) -> Path:
    (tmp_path / "a.yaml").write_text("county: {name: 安县}\n", encoding="utf-8")
    data: dict[str, object] = {
        "deployment": {"name": "演示市"},
        "storage": {"database": f"sqlite:///{tmp_path / 'x.db'}"},
        "counties": [{"id": "anxian", "config": "a.yaml"}],
    } | changes
    path = tmp_path / "deployment.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"tasks": {"engine": "procrastinate"}}, "tasks.engine: procrastinate queues its tasks in PostgreSQL"),
        ({"tasks": {"engine": "celery"}}, "tasks.engine: 'celery' is not a task engine"),
        (
            {"counties": [{"id": "anxian", "config": "a.yaml"}, {"id": "anxian", "config": "a.yaml"}]},
            "counties[1].id: 'anxian' is used twice",
        ),
        ({"counties": []}, "counties: list at least one county"),
        ({"counties": [{"id": "An Xian", "config": "a.yaml"}]}, "counties[0].id: 'An Xian' is not a valid id"),
        (
            {"dashboard": {"users": [{"name": "a", "county": "boxian", "password_hash": "scrypt$16384$8$1$YWJj$ZGVm"}]}},
            "dashboard.users[0].county: 'boxian' is not a county id (known: anxian)",
        ),
    ],
)
def test_deployment_errors_name_the_key(tmp_path: Path, changes: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_deployment(_deployment_data(tmp_path, **changes))
    assert message in str(raised.value)


def test_a_county_of_a_deployment_may_not_name_its_own_database(tmp_path: Path) -> None:
    path = _deployment_data(tmp_path)
    (tmp_path / "a.yaml").write_text("county: {name: 安县}\nstorage: {database: 'sqlite:///a.db'}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"storage\.database: a county of a deployment is stored in the deployment's database"):
        App.load(str(path), county="anxian")


def test_county_users_only_in_a_deployment(tmp_path: Path) -> None:
    path = tmp_path / "nianbao.yaml"
    path.write_text(
        "county: {name: 安县}\ndashboard: {users: [{name: a, county: anxian, password_hash: 'scrypt$16384$8$1$YWJj$ZGVm'}]}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="only a deployment of several counties"):
        App.load(str(path))


def test_config_check_and_db_upgrade_of_a_deployment(portals: dict[str, DemoPortal], tmp_path: Path) -> None:
    config = write_deployment(tmp_path, f"sqlite:///{tmp_path / 'nianbao.db'}", portals, engine="inprocess")
    checked = nianbao("config", "check", "-c", str(config))
    assert checked.returncode == 0, checked.stderr
    assert "部署配置正确：演示市政务公开办，2 个县" in checked.stdout
    assert "anxian：安县，1 个门户网站，6 个单位" in checked.stdout
    upgraded = nianbao("db", "upgrade", "-c", str(config))
    assert upgraded.returncode == 0, upgraded.stderr
    assert upgraded.stdout.count("数据库已升级到版本") == 2
    (tmp_path / "boxian.yaml").write_text("county: {name: 博县}\nstorage: {database: 'sqlite:///b.db'}\n", encoding="utf-8")
    refused = nianbao("config", "check", "-c", str(config))
    assert refused.returncode == 2 and "boxian.yaml: storage.database" in refused.stderr


def test_a_scan_beside_a_text_version_is_read_by_the_ocr_queue_only(portals: dict[str, DemoPortal], tmp_path: Path) -> None:
    """The check of a text version whose body and year have a scan still waiting for the OCR queue waits for it: the
    OCR queue's check reads both (the OCR is not done by a check-queue worker)."""
    config = write_deployment(tmp_path, f"sqlite:///{tmp_path / 'nianbao.db'}", portals, engine="inprocess")
    app = App.load(str(config), county="anxian")
    try:
        seed = (Path(__file__).parents[1] / "fixtures" / "seeds" / "000_ad9f366bd17ffa18.txt").read_bytes()
        scan = scan_pdf(reportlab_pdf("000"))
        at = datetime(2026, 2, 1, tzinfo=UTC)
        for url, data in (("http://127.0.0.1:1/page.txt", seed), ("http://127.0.0.1:1/scan.pdf", scan)):
            app.store.crawl.record(
                FetchedDocument(url=url, data=data, fetched_at=at, body_id="ciying", year=2025, needs_ocr=needs_ocr(data))
            )
        text_only = app.process(ocr=False)
        assert (text_only.checked, text_only.deferred) == (0, 1)
        scans = app.process(ocr=True)
        assert scans.checked == 1
        with app.store.db.transaction() as session:
            states = session.scalars(select(DocumentVersion.state)).all()
        assert sorted(states) == ["checked", "checked"]
    finally:
        app.close()
