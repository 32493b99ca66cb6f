"""Acceptance (issue 13): `nianbao check` on hostile names and files. Any file name prints safely on one line (bytes
that are not UTF-8, a newline, control characters), in text and JSON; a directory or file without read permission
is reported as such; a long scan stops at its OCR time limit and a huge web page is refused before it is parsed —
each exits 2 with one line naming the file, within its budget.

The CLI runs as a real process; a test that needs a permission to be denied runs it as an unprivileged user
(``setpriv``), since root reads everything.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import seed_text

NIANBAO = str(Path(sys.executable).parent / "nianbao")
NOBODY = 65534


def run(*args: str | bytes, user: int | None = None, timeout: float = 120) -> tuple[int, str, str]:
    """Run `nianbao check` (as ``user`` when given): (exit status, stdout, stderr)."""
    command: list[str | bytes] = [NIANBAO, "check", *args]
    if user is not None:
        command = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", *command]
    environment = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run(command, capture_output=True, timeout=timeout, check=False, env=environment)
    return result.returncode, result.stdout.decode("utf-8"), result.stderr.decode("utf-8")


_MEASURE = """\
import json, resource, subprocess, sys
done = subprocess.run(sys.argv[1:], capture_output=True, check=False)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps([done.returncode, done.stdout.decode("utf-8"), done.stderr.decode("utf-8"), peak]))
"""


def run_measured(*args: str) -> tuple[int, str, str, int]:
    """Like :func:`run`, with the peak memory (KB) of the check process itself. It is started by a small
    intermediate Python: Linux carries a process's memory high-water mark across ``exec``, so a check started
    straight from this (large) test process would report this process's peak, not its own."""
    measured = subprocess.run(
        [sys.executable, "-c", _MEASURE, NIANBAO, "check", *args], capture_output=True, check=True, timeout=300
    )
    status, out, err, peak = json.loads(measured.stdout)
    return int(status), str(out), str(err), int(peak)


def one_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


@pytest.fixture
def report_text() -> bytes:
    return seed_text("000").encode("utf-8")


# ------------------------------------------------------------------------------------------------ names


def test_a_name_that_is_not_utf8_prints_escaped(tmp_path: Path, report_text: bytes) -> None:
    folder = os.fsencode(tmp_path)
    good, bad = folder + b"/\xb1\xa8\xb8\xe6.txt", folder + b"/\xff\xfe\n.txt"  # GBK 报告.txt; junk with a newline
    with open(good, "wb") as handle:
        handle.write(report_text)
    with open(bad, "wb"):
        pass
    status, out, err = run(good, bad)
    assert status == 2
    line = one_line(err)
    assert line.startswith(f'nianbao: "{tmp_path}/\\xff\\xfe\\n.txt": ') and "文件为空" in line
    findings = [line for line in out.splitlines() if not line.startswith("共检查")]
    assert findings and all(line.startswith(f'"{tmp_path}/\\xb1\\xa8\\xb8\\xe6.txt":') for line in findings)

    status, out, err = run("--format", "json", good)
    assert status in (0, 1), err
    [record] = [json.loads(line) for line in out.splitlines()]
    assert record["source"]["path"] == f'"{tmp_path}/\\xb1\\xa8\\xb8\\xe6.txt"'


def test_newlines_and_control_characters_keep_one_line_per_result(tmp_path: Path, report_text: bytes) -> None:
    path = tmp_path / "年报\n第二行\x1b[31m.txt"
    path.write_bytes(report_text)
    status, out, err = run(str(path))
    assert status in (0, 1), err
    shown = f'"{tmp_path}/年报\\n第二行\\x1b[31m.txt"'
    lines = out.splitlines()
    assert len(lines) >= 2 and all(line.startswith(shown + ":") for line in lines[:-1]), out
    assert lines[-1].startswith("共检查 1 个文件")

    status, out, err = run("--format", "json", str(path))
    [record] = [json.loads(line) for line in out.splitlines()]  # one line, the name JSON-escaped
    assert record["source"]["path"] == str(path)

    empty = tmp_path / "空\n文件.txt"
    empty.write_bytes(b"")
    status, _out, err = run(str(empty))
    assert status == 2
    assert one_line(err) == f'nianbao: "{tmp_path}/空\\n文件.txt": 文件为空'


# ------------------------------------------------------------------------------------------------ permissions


@pytest.fixture
def shared_folder() -> Iterator[Path]:
    """A folder the unprivileged user can reach (tmp_path is under root's private folder)."""
    folder = Path(tempfile.mkdtemp(prefix="nianbao-permissions-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        for path in (folder, *folder.rglob("*")):
            if not path.is_symlink():
                path.chmod(0o755)
        shutil.rmtree(folder, ignore_errors=True)


def _as_user() -> int | None:
    """The user to run as for a permission to be denied: None when this process is not root, else nobody (skip
    when setpriv cannot switch to it)."""
    if os.geteuid() != 0:
        return None
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: a permission cannot be denied")
    probe = subprocess.run(["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", "true"], check=False)
    if probe.returncode != 0:
        pytest.skip("setpriv cannot switch to an unprivileged user here")
    return NOBODY


def test_unreadable_directory_and_file_are_reported_as_such(shared_folder: Path, report_text: bytes) -> None:
    user = _as_user()
    locked = shared_folder / "locked"
    locked.mkdir()
    (locked / "report.txt").write_bytes(report_text)
    locked.chmod(0o000)
    status, _out, err = run(str(locked), user=user)
    assert status == 2
    assert one_line(err) == f"nianbao: {locked}: 没有读取该目录的权限"

    folder = shared_folder / "reports"
    folder.mkdir()
    (folder / "a.txt").write_bytes(report_text)
    secret = folder / "b.txt"
    secret.write_bytes(report_text)
    secret.chmod(0o000)
    inner = folder / "sub"
    inner.mkdir()
    inner.chmod(0o000)
    status, out, err = run(str(folder), user=user)
    assert status == 2
    lines = sorted(line for line in err.splitlines() if line.strip())
    assert lines == [f"nianbao: {secret}: 没有读取该文件的权限", f"nianbao: {inner}: 没有读取该目录的权限"]
    assert out.splitlines()[-1].startswith("共检查 3 个文件；2 个无法读取")  # a.txt is still checked


# ------------------------------------------------------------------------------------------------ budgets


def _long_scan(pages: int) -> bytes:
    """A scanned PDF of ``pages`` image pages, each full of printed lines (so OCR has work on every page)."""
    import io

    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.load_default(size=28)
    images = []
    for number in range(pages):
        image = Image.new("L", (1240, 1754), 255)
        draw = ImageDraw.Draw(image)
        for row in range(40):
            draw.text(
                (90, 90 + row * 40),
                f"Page {number + 1} line {row + 1}: annual report 2025 item {row * 37 % 101}",
                fill=0,
                font=font,
            )
        images.append(image)
    buffer = io.BytesIO()
    images[0].save(buffer, format="PDF", save_all=True, append_images=images[1:], resolution=150)
    return buffer.getvalue()


def test_a_forty_page_scan_stops_at_its_time_limit(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    path.write_bytes(_long_scan(40))
    limit = 6
    started = time.monotonic()
    status, _out, err = run("--time-limit", str(limit), str(path), timeout=300)
    seconds = time.monotonic() - started
    assert status == 2
    line = one_line(err)
    assert line.startswith(f"nianbao: {path}: 扫描件文字识别超过每个文件 {limit} 秒的时限（已识别 ") and "/40 页" in line
    assert seconds < limit + 60  # generous: start-up, the engine's loading, one page at most past the bound


def test_the_time_limit_option_is_checked() -> None:
    status, _out, err = run("--time-limit", "0", "x.pdf")
    assert status == 2 and "时限应为" in err


def test_a_nineteen_megabyte_page_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "huge.html"
    row = "<tr><td>2025年政府信息公开工作年度报告</td><td>主动公开</td><td>123</td></tr>\n"
    head = '<!DOCTYPE html><html><head><meta charset="utf-8"><title>年度报告</title></head><body><table>'
    path.write_text(head + row * (19 * 1024 * 1024 // len(row.encode())) + "</table></body></html>", encoding="utf-8")
    status, _out, err, peak = run_measured(str(path))
    assert status == 2
    line = one_line(err)
    assert line.startswith(f"nianbao: {path}: 网页过大（19.0 MB，网页上限 5 MB）")
    assert peak < 300 * 1024, f"peak {peak / 1024:.0f} MB"  # parsed, it would take some 870 MB


def test_a_page_just_under_the_size_budget_is_still_read(tmp_path: Path) -> None:
    from documents.html import MAX_HTML_BYTES

    text = seed_text("000").replace("\n", "</p>\n<p>")
    page = f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>年度报告</title></head><body><div class="TRS_Editor"><p>{text}</p>'
    padding = "<!-- " + "x" * (MAX_HTML_BYTES - len(page.encode()) - 200) + " -->"
    path = tmp_path / "big.html"
    path.write_text(page + padding + "</div></body></html>", encoding="utf-8")
    assert len(path.read_bytes()) <= MAX_HTML_BYTES
    status, _out, err = run(str(path))
    assert status in (0, 1), err
