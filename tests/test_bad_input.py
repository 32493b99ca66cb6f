"""Acceptance: bad input exits 2 with one line on stderr naming the file and the reason; never a traceback."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import seed_text

NIANBAO = str(Path(sys.executable).parent / "nianbao")

NOT_A_REPORT_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>关于召开2025年度安全生产工作会议的通知 - 某某县人民政府</title>
<meta name="ArticleTitle" content="关于召开2025年度安全生产工作会议的通知"></head>
<body><div class="nav"><a href="/">首页</a><a href="/zwgk/">政务公开</a></div>
<div class="TRS_Editor"><p>各乡镇人民政府，县直各部门：</p><p>经研究，定于2025年3月5日召开全县安全生产工作会议。请各单位主要负责人准时参加。</p>
<p>特此通知。</p></div><div class="footer">主办单位：某某县人民政府办公室</div></body></html>"""


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([NIANBAO, "check", *args], capture_output=True, text=True, timeout=60, check=False)


def assert_refused(result: subprocess.CompletedProcess[str], path: str, reason: str) -> None:
    assert result.returncode == 2, result
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert path in lines[0]
    assert reason in lines[0], lines[0]


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    assert_refused(run(str(path)), str(path), "文件为空")


def test_random_bytes(tmp_path: Path) -> None:
    path = tmp_path / "junk.bin"
    path.write_bytes(random.Random(7).randbytes(200_000))
    assert_refused(run(str(path)), str(path), "二进制")


def test_non_report_html_page(tmp_path: Path) -> None:
    path = tmp_path / "notice.html"
    path.write_text(NOT_A_REPORT_PAGE, encoding="utf-8")
    assert_refused(run(str(path)), str(path), "不是政府信息公开工作年度报告")


def test_fifty_megabyte_file(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    assert_refused(run(str(path)), str(path), "文件过大")


def test_empty_directory(tmp_path: Path) -> None:
    folder = tmp_path / "nothing"
    folder.mkdir()
    assert_refused(run(str(folder)), str(folder), "没有可检查的文件")


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "missing.txt"
    assert_refused(run(str(path)), str(path), "文件不存在")


def test_dangling_symlink(tmp_path: Path) -> None:
    path = tmp_path / "link.txt"
    path.symlink_to(tmp_path / "moved-away.txt")
    assert_refused(run(str(path)), str(path), "文件不存在")


def test_broken_pdf_is_refused_not_crashed(tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
    assert_refused(run(str(path)), str(path), "PDF 文件已损坏或不完整")


def test_bad_previous_file_names_it(tmp_path: Path) -> None:
    report = tmp_path / "r.txt"
    report.write_text(seed_text("000"), encoding="utf-8")
    previous = tmp_path / "gone.txt"
    assert_refused(run("--previous", str(previous), str(report)), str(previous), "文件不存在")


def test_bad_option_value_exits_2() -> None:
    result = run("--published", "2026-13-45", "x.txt")
    assert result.returncode == 2
    assert "日期格式" in result.stderr
    assert "Traceback" not in result.stderr


def test_one_bad_file_does_not_hide_the_others(tmp_path: Path) -> None:
    good = tmp_path / "a.txt"
    good.write_text(seed_text("003"), encoding="utf-8")
    bad = tmp_path / "b.txt"
    bad.write_bytes(b"")
    result = run(str(tmp_path))
    assert result.returncode == 2
    assert "S109" in result.stdout
    assert str(bad) in result.stderr and "文件为空" in result.stderr


def test_gbk_text_report_is_read(tmp_path: Path) -> None:
    path = tmp_path / "gbk.txt"
    path.write_bytes(seed_text("003").encode("gbk"))
    result = run("--format", "json", str(path))
    assert result.returncode == 1, result.stderr
    assert '"body": "焦虎镇"' in result.stdout


def test_an_internal_fault_on_one_file_is_one_line_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Whatever goes wrong inside the reader of one file ends as exit 2 and one line naming it."""
    import monitor.checking
    from monitor.cli import main

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("a bug")

    path = tmp_path / "report.txt"
    path.write_text(seed_text("000"), encoding="utf-8")
    monkeypatch.setattr(monitor.checking, "parse_report", broken)
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert str(path) in err and "内部错误" in err
