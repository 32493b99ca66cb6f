"""``nianbao crawl`` (the hook in crawler.cli) and ``nianbao demo``'s crawl part (run_crawl_demo)."""

from __future__ import annotations

import argparse
import io
from pathlib import Path

from crawler.cli import add_crawl_parser, run_crawl
from crawler.demo_portal import DemoPortal, run_crawl_demo


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="nianbao")
    add_crawl_parser(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(["crawl", *argv])


def test_crawl_command(portal: DemoPortal, tmp_path: Path) -> None:
    config = portal.write_config(tmp_path / "nianbao.yaml", database="sqlite:///var/nianbao.db", blobs="var/blobs")
    out, err = io.StringIO(), io.StringIO()
    assert run_crawl(_args("-c", str(config)), out, err) == 0, err.getvalue()
    assert out.getvalue().startswith("demo：成功；")
    assert "新文档 7 个" in out.getvalue()
    assert (tmp_path / "var" / "nianbao.db").exists() and (tmp_path / "var" / "blobs").is_dir()
    assert (tmp_path / "var" / "httpcache").is_dir()
    [log] = (tmp_path / "var" / "logs").glob("crawl-demo-*.log")  # the run's own log, named in the output
    assert "Spider closed (finished)" in log.read_text(encoding="utf-8") and f"；日志 {log}" in out.getvalue()

    portal.misbehave("/zwgk/zfxxgknb/", "gone")
    out = io.StringIO()
    assert run_crawl(_args("-c", str(config), "--portal", "demo"), out, err) == 1
    assert "失败（column unavailable" in out.getvalue()


def test_crawl_command_usage_errors(tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert run_crawl(_args("-c", str(tmp_path / "missing.yaml")), out, err) == 2
    assert "configuration file not found" in err.getvalue()
    config = tmp_path / "nianbao.yaml"
    config.write_text("county: {name: 某县}\nportals: [{id: p, name: P, start_urls: ['http://127.0.0.1:9/'], contact: a@b.c}]\n")
    err = io.StringIO()
    assert run_crawl(_args("-c", str(config), "--portal", "nope"), out, err) == 2
    assert "'nope'" in err.getvalue()


def test_run_crawl_demo(tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert run_crawl_demo(out, err, tmp_path / "demo") == 0, out.getvalue() + err.getvalue()
    text = out.getvalue()
    assert "第一次抓取：成功" in text and "新文档 7 个" in text
    assert "尚未发现年度报告的单位：演示县审计局" in text
    assert "第二次抓取（网站没有变化）：成功" in text and "变更文档 1 个" in text
    assert (tmp_path / "demo" / "nianbao.db").exists() and (tmp_path / "demo" / "nianbao.yaml").exists()
