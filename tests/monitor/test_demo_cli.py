"""Acceptance (issue 12, the newcomer's first ten minutes): `nianbao demo` run twice into one workspace stores
nothing new the second time, its weekly digest covers the demo's own week and agrees with the console's table,
every command it prints runs as printed, its table lines up on a terminal, and a failed step ends it non-zero."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest

from crawler.run import CrawlSummary
from monitor.app import App
from monitor.cli import main
from monitor.demo import DEMO_NOW, DEMO_WEEK, display_width, run_demo, status_table
from monitor.processing import ProcessStats
from monitor.store import Store
from monitor.store.status import STATUS_ZH, BodyStatus
from notifications.digest import build_digest

WORKSPACE = "var/demo"
#: A command the demo prints: the nianbao program (by whatever path) and a subcommand, up to the end of the clause.
COMMAND = re.compile(r"[A-Za-z0-9_./~-]*nianbao [a-z][^；。\n]*")


def _demo() -> str:
    out, err = io.StringIO(), io.StringIO()
    code = main(["demo", "--workspace", WORKSPACE], out, err)
    assert code == 0, out.getvalue() + err.getvalue()
    return out.getvalue()


def _documents(folder: Path) -> list[tuple[str, int, str | None]]:
    store = Store.open(f"sqlite:///{folder / 'nianbao.db'}", folder / "blobs")
    try:
        return [(d.url, d.versions, d.sha256) for d in store.crawl.documents()]
    finally:
        store.close()


def _table(output: str) -> list[str]:
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if "年度报告发布和检查情况" in line) + 1
    table = []
    for line in lines[start:]:
        if not line.startswith("  "):
            break
        table.append(line)
    return table


def _status_key(status_zh: str) -> str:
    return next(key for key, label in STATUS_ZH.items() if status_zh.startswith(label))


def _field_edges(line: str) -> list[tuple[int, int]]:
    """(start, end) of each field of a table line, in terminal columns."""
    edges = []
    for match in re.finditer(r"\S+", line):
        start = display_width(line[: match.start()])
        edges.append((start, start + display_width(match.group())))
    return edges


def test_demo_twice_stores_nothing_new_agrees_with_its_digest_and_prints_runnable_commands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / WORKSPACE
    _demo()
    first = _documents(folder)
    assert len(first) >= 7 and all(versions == 1 for _url, versions, _sha in first)

    output = _demo()
    assert _documents(folder) == first, "the second run stored documents or versions again"

    # The console's table and the digest of the demo's own week (the one the crawl happened in) agree.
    rows = [line.split() for line in _table(output)[1:]]
    assert rows and all(len(row) == 6 for row in rows), rows
    console = {row[0]: row[2] for row in rows}
    assert f"{DEMO_WEEK}.html" in output and (folder / "var" / "digests" / f"{DEMO_WEEK}.html").exists()
    app = App.load(str(folder / "nianbao.yaml"))
    try:
        monday = date.fromisocalendar(*DEMO_NOW.isocalendar()[:2], 1)
        assert monday <= DEMO_NOW.date() < monday + timedelta(days=7)
        digest = build_digest(app.store.db, app.config, DEMO_WEEK, DEMO_NOW + timedelta(days=30))
    finally:
        app.close()
    assert {b.name: b.status_zh for b in digest.bodies} == console
    assert Counter(_status_key(s) for s in console.values()) == Counter(
        {k: n for k, n in digest.counts.items() if k in STATUS_ZH and n}
    )
    assert Counter(_status_key(s) for s in console.values())["on_time"] >= 3

    # Every path it names exists and every command it prints runs, as printed, from where it was run (a shell
    # that has not activated the virtual environment).
    saved = re.findall(r"^  .+?  +(var/\S+)$", output, re.M)
    assert len(saved) == 5 and all((tmp_path / path).exists() for path in saved), saved
    commands = COMMAND.findall(output)
    assert any(" findings list " in c for c in commands), output
    venv_bin = str(Path(sys.executable).parent)
    path = os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep) if p and Path(p) != Path(venv_bin))
    environment = {k: v for k, v in os.environ.items() if not k.startswith("NIANBAO_")} | {"PATH": path}
    for command in commands:
        done = subprocess.run(
            command, check=False, shell=True, cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, f"{command!r} → {done.returncode}\n{done.stdout}\n{done.stderr}"
        assert done.stdout.strip()

    # The table lines up on a terminal: left-aligned columns start, right-aligned ones end, where the header's do.
    table = [_field_edges(line) for line in _table(output)]
    header = table[0]
    for edges in table[1:]:
        assert [e[0] for e in edges[:4]] == [h[0] for h in header[:4]], output
        assert [e[1] for e in edges[4:]] == [h[1] for h in header[4:]], output


def test_display_width_counts_wide_characters_twice_and_the_table_lines_up() -> None:
    assert display_width("abc 12") == 6
    assert display_width("七里营镇人民政府") == 16
    assert display_width("（10天）") == 8  # full-width brackets take two columns, the digits one
    assert display_width("ｅ") == 2  # a full-width Latin letter (F)
    assert display_width("e\u0301") == 1  # a combining accent takes none
    statuses = [
        BodyStatus("a", "演示县审计局", "department", 2025, date(2026, 1, 31), "missing", None, None, 1, 0),
        BodyStatus("b", "七里营镇人民政府", "town", 2025, date(2026, 1, 31), "late", date(2026, 2, 10), None, 12, 3),
        BodyStatus("c", "Xiping Town", "town", 2025, date(2026, 1, 31), "on_time", date(2026, 1, 20), None, 0, 0),
    ]
    lines = status_table(statuses)
    assert len(lines) == 4
    edges = [_field_edges(line) for line in lines]  # a name may hold a space: fields are counted from the end
    widest = max(display_width(s.name) for s in statuses)
    assert [row[-5][0] for row in edges] == [2 + widest + 2] * 4, lines  # the type column starts after the widest name
    assert len({tuple(e[0] for e in row[-5:-2]) for row in edges}) == 1, lines  # type, status, date: same starts
    assert len({tuple(e[1] for e in row[-2:]) for row in edges}) == 1, lines  # the counts, right-aligned: same ends


def _failed_crawl(*_args: object, **_kwargs: object) -> CrawlSummary:
    return CrawlSummary(
        run_id=0, portal_id="demo", status="failed", finish_reason="time limit", requests=3, responses_304=0, bytes=0,
        pages=1, new_documents=0, changed_documents=0, errors=(), seconds=1.0,
    )  # fmt: skip


def test_a_failed_crawl_ends_the_demo_with_status_1_and_a_reason(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("monitor.demo.crawl_portal", _failed_crawl)
    out, err = io.StringIO(), io.StringIO()
    assert run_demo(out, err, tmp_path / "demo", port=0) == 1
    assert "演示没有完成" in err.getvalue() and "抓取" in err.getvalue() and "time limit" in err.getvalue()
    assert "年度报告发布和检查情况" not in out.getvalue()


def test_a_step_that_raises_ends_the_demo_with_status_1_naming_the_step(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(self: App, limit: int = 100) -> ProcessStats:
        raise RuntimeError("磁盘已满")

    monkeypatch.setattr(App, "process", broken)
    out, err = io.StringIO(), io.StringIO()
    assert run_demo(out, err, tmp_path / "demo", port=0) == 1
    assert err.getvalue().startswith("nianbao: 演示没有完成：检查报告时出错") and "磁盘已满" in err.getvalue()
