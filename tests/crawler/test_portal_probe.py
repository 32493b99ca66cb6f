"""Acceptance 1 and 2 of issue 14: ``nianbao portal probe`` on each system's demo column detects the system and
prints a configuration that, used unchanged, finds every report of the column with its year and date; the
25-item script-paged TRS column and the POST-paged Hanweb column are crawled completely, and a second poll
downloads no document again.

Real parts: the demo portal of each system on 127.0.0.1, the real command line, real crawls in child processes,
real SQLite. The probe's printed YAML is read back as it is and only given a ``county`` and a ``storage`` section.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import yaml

from crawler.demo_portal.system_portal import SystemPortal
from crawler.demo_portal.systems import SYSTEMS
from crawler.presets import PRESETS
from crawler.run import crawl_portal
from monitor.cli import main
from monitor.config import parse_config
from monitor.store import Store
from tests.crawler.conftest import assert_loopback

CONTACT = "nianbao-test@example.invalid"
SNIPPET = "可以放进 nianbao.yaml 的配置"


def probe(url: str, *extra: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["portal", "probe", url, "--contact", CONTACT, "--delay", "0", *extra], out, err)
    return code, out.getvalue(), err.getvalue()


def snippet(printed: str) -> dict[str, object]:
    """The YAML the probe printed: from the line after the announcement to the 下一步 line."""
    text = printed.split(SNIPPET, 1)[1].split("\n", 1)[1].split("下一步：", 1)[0]
    data = yaml.safe_load(text)
    assert isinstance(data, dict)
    return data


def facts(database: str, blobs: Path, portal_id: str, base_url: str) -> dict[str, tuple[int | None, str | None]]:
    store = Store.open(database, blobs)
    try:
        return {
            d.url.removeprefix(base_url): (d.year, d.published_on.isoformat() if d.published_on else None)
            for d in store.crawl.documents(portal_id)
            if d.status != "rejected"
        }
    finally:
        store.close()


@pytest.mark.parametrize("system", SYSTEMS)
def test_probe_detects_the_system_and_its_configuration_finds_every_report(system: str, tmp_path: Path) -> None:
    with SystemPortal(system) as portal:
        code, printed, errors = probe(portal.column_url, "--max-pages", "30")
        assert (code, errors) == (0, ""), printed
        assert f"门户系统：{PRESETS[system].label}（自动识别）" in printed
        expected = {e.route: (e.year, e.published_on) for e in portal.expected()}
        assert f"发现年度报告 {sum(1 for e in portal.expected() if e.kind == 'page')} 份" in printed

        data = {"county": {"name": "演示县"}, **snippet(printed), "storage": {"database": "sqlite:///x.db"}}
        config = parse_config(data)
        (configured,) = config.portals
        assert configured.preset == system
        assert config.bodies, "the probe suggests the bodies it found"
        assert_loopback(config)
        database = f"sqlite:///{tmp_path / 'nianbao.db'}"
        summary = crawl_portal(config, configured.id, database, tmp_path / "blobs", log_path=tmp_path / "crawl.log")
        assert summary.status == "finished", summary.errors
        assert summary.system == system
        found = facts(database, tmp_path / "blobs", configured.id, portal.base_url)
        assert found == expected
        # The suggested bodies are the ones the reports name: every report is attributed.
        store = Store.open(database, tmp_path / "blobs")
        try:
            assert all(d.body_id for d in store.crawl.documents(configured.id) if d.parent_url is None)
        finally:
            store.close()


def test_probe_of_a_page_without_reports_says_what_to_do() -> None:
    with SystemPortal("trs") as portal:
        code, printed, _errors = probe(portal.url("/robots.txt"))
    assert code == 1
    assert "没有找到年度报告" in printed


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["portal", "probe", "ftp://127.0.0.1/x", "--contact", CONTACT], "不是网址"),
        (["portal", "probe", "http://127.0.0.1:9/x", "--contact", CONTACT, "--preset", "wordpress"], "未知的网站系统"),
        (["portal", "probe", "http://127.0.0.1:9/x", "--contact", CONTACT, "--max-pages", "0"], "--max-pages"),
    ],
)
def test_probe_arguments_are_checked(argv: list[str], message: str) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert main(argv, out, err) == 2
    assert message in err.getvalue() and out.getvalue() == ""


def test_probe_needs_a_contact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NIANBAO_CONFIG", raising=False)
    out, err = io.StringIO(), io.StringIO()
    assert main(["portal", "probe", "http://127.0.0.1:9/x"], out, err) == 2
    assert "--contact" in err.getvalue()


@pytest.mark.parametrize("system", ["trs", "hanweb"])
def test_long_columns_are_read_whole_and_a_second_poll_downloads_nothing(system: str, tmp_path: Path) -> None:
    with SystemPortal(system) as portal:
        config = portal.config
        database = f"sqlite:///{tmp_path / 'nianbao.db'}"
        blobs = tmp_path / "blobs"
        first = crawl_portal(config, "demo", database, blobs, cache_dir=tmp_path / "cache", log_path=tmp_path / "c.log")
        assert first.status == "finished", first.errors
        expected = {e.route: (e.year, e.published_on) for e in portal.expected()}
        assert facts(database, blobs, "demo", portal.base_url) == expected
        if system == "trs":
            assert len([e for e in portal.expected() if e.kind == "page"]) == 25
            assert {"/zwgk/zfxxgknb/index_1.html", "/zwgk/zfxxgknb/index_2.html"} <= {e.route for e in portal.log}
        else:
            posts = [e for e in portal.log if e.method == "POST"]
            assert posts and all(dict(e.form).get("columnid") for e in posts)
        documents = set(expected)

        portal.clear_log()
        again = crawl_portal(config, "demo", database, blobs, cache_dir=tmp_path / "cache", log_path=tmp_path / "c.log")
        assert again.status == "finished" and again.new_documents == 0 and again.changed_documents == 0
        downloaded = [e.route for e in portal.log if e.status == 200 and e.route in documents]
        assert downloaded == []


def test_without_the_post_a_hanweb_column_is_read_only_in_part(tmp_path: Path) -> None:
    """The generic reading of the same column (no POST to the data proxy) misses the records behind it: the
    preset is what reads the column whole."""
    with SystemPortal("hanweb") as portal:
        config = parse_config({**portal.config_data(preset="generic")})
        database = f"sqlite:///{tmp_path / 'nianbao.db'}"
        crawl_portal(config, "demo", database, tmp_path / "blobs", log_path=tmp_path / "c.log")
        found = facts(database, tmp_path / "blobs", "demo", portal.base_url)
        expected = {e.route for e in portal.expected()}
    assert set(found) < expected


def test_portal_test_is_a_dry_run_that_stores_nothing(tmp_path: Path) -> None:
    with SystemPortal("gkmlpt") as portal:
        data = {**portal.config_data(), "storage": {"database": "sqlite:///nianbao.db", "blobs": "blobs"}}
        path = tmp_path / "nianbao.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        out, err = io.StringIO(), io.StringIO()
        code = main(["portal", "test", "-c", str(path)], out, err)
        printed = out.getvalue()
    assert (code, err.getvalue()) == (0, ""), printed
    assert "试运行 demo（不保存、不检查、不通知）" in printed
    assert "门户系统：广东政府信息公开目录管理平台 gkmlpt（配置指定）" in printed
    reports = [e for e in portal.expected() if e.kind == "page"]
    assert f"发现年度报告 {len(reports)} 份" in printed
    assert "（推测）" not in printed and "无法对应" not in printed  # every report is one of the configured bodies
    assert not (tmp_path / "nianbao.db").exists() and not (tmp_path / "blobs").exists()


def test_portal_test_names_reports_no_configured_body_claims(tmp_path: Path) -> None:
    with SystemPortal("generic") as portal:
        data = {**portal.config_data(), "storage": {"database": "sqlite:///nianbao.db"}}
        data["bodies"] = data["bodies"][:1]
        path = tmp_path / "nianbao.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        out, err = io.StringIO(), io.StringIO()
        code = main(["portal", "test", "-c", str(path), "--portal", "demo"], out, err)
    assert code == 0
    assert "份年报无法对应到配置中的单位" in out.getvalue()
    out, err = io.StringIO(), io.StringIO()
    assert main(["portal", "test", "-c", str(path), "--portal", "nope"], out, err) == 2
    assert "没有 id 为 'nope' 的门户网站" in err.getvalue()


def test_probe_of_a_column_that_is_gone_says_so_in_chinese() -> None:
    with SystemPortal("trs") as portal:
        portal.server.misbehaving["/zwgk/zfxxgknb/"] = ("gone", 0.0)
        code, printed, _errors = probe(portal.column_url)
    assert code == 1
    assert "抓取失败：年报栏目无法读取" in printed and "404" in printed
    assert "column unavailable" not in printed
