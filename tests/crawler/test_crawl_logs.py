"""The crawler's log of every crawl is kept: by default under the data folder (the blob folder's parent) as
``logs/crawl-<portal>-<run id>.log``, named in the run's row, bounded in size, and only the newest few per portal
kept. A log path the caller gives still wins."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

from crawler.demo_portal import DemoPortal
from crawler.run import BoundedLog, default_log_path, prune_logs
from tests.crawler.conftest import Workspace


def _log_path_of(workspace: Workspace, run_id: int) -> str | None:
    store = workspace.store()
    try:
        return store.crawl.run(run_id).log_path
    finally:
        store.close()


def test_each_crawl_keeps_its_log_in_the_data_folder_and_only_the_newest_are_kept(
    portal: DemoPortal, workspace: Workspace
) -> None:
    logs = workspace.folder / "logs"
    unrelated = [logs / "crawl-demo-notes.log", logs / "crawl-demo-x-1.log", logs / "crawl-other-1.log"]
    logs.mkdir()
    for path in unrelated:
        path.write_text("not a log of portal demo\n", encoding="utf-8")

    runs = [workspace.crawl(portal.config, log_path=None, logs_kept=2) for _ in range(3)]

    first = runs[0]
    assert first.log_path == str(default_log_path(workspace.blobs, "demo", first.run_id))
    assert _log_path_of(workspace, first.run_id) == first.log_path
    kept = sorted(path.name for path in logs.glob("crawl-demo-*.log") if path not in unrelated)
    assert kept == [f"crawl-demo-{run.run_id}.log" for run in runs[1:]]
    last = Path(runs[-1].log_path or "")
    text = last.read_text(encoding="utf-8")
    assert f"run {runs[-1].run_id}: finished" in text and "Spider closed (finished)" in text
    assert all(path.exists() for path in unrelated)


def test_a_log_path_given_by_the_caller_wins(portal: DemoPortal, workspace: Workspace) -> None:
    given = workspace.folder / "elsewhere" / "demo.log"
    summary = workspace.crawl(portal.config, log_path=given)
    assert summary.log_path == str(given) and _log_path_of(workspace, summary.run_id) == str(given)
    assert "Spider closed (finished)" in given.read_text(encoding="utf-8")
    assert not (workspace.folder / "logs").exists()


def test_a_long_log_keeps_its_start_and_its_end_within_the_bound() -> None:
    """A child printing 200 numbered lines (~4 KB) into a log bounded to 1 KB, of which the last 300 bytes."""
    sink = io.BytesIO()
    log = BoundedLog(sink, max_bytes=1024, end_bytes=300)
    script = "for i in range(200): print(f'line {i:04d} ' + 'x' * 10)"
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE)
    assert child.stdout is not None
    log.copy(child.stdout)
    assert child.wait() == 0
    log.finish()
    log.write(b"after the end\n")
    text = sink.getvalue().decode("ascii")
    start, note, end = text[: 1024 - 300], text[1024 - 300 :].split("\n")[1], text.rsplit("\n[nianbao]", 1)[1]
    assert start.startswith("line 0000 ")
    assert note.startswith("[nianbao] ") and "bytes of this crawl's log were cut here" in note
    assert end.splitlines()[1].startswith("line 0") and end.rstrip().endswith("line 0199 " + "x" * 10)
    assert len(sink.getvalue()) <= 1024 + len(note) + 2
    assert "after the end" not in text
    assert log.tail().rstrip().endswith("line 0199 " + "x" * 10)
    dropped = int(note.split()[1])
    assert len(text) - len(note) - 2 + dropped == 200 * len("line 0000 xxxxxxxxxx\n")


def test_pruning_keeps_the_newest_by_time(tmp_path: Path) -> None:
    """By the time written, then the run id: run 7 of a database made again after run 10 is the newer log."""
    for written, run in enumerate((3, 10, 7)):
        path = tmp_path / f"crawl-p-{run}.log"
        path.write_text(str(run), encoding="utf-8")
        os.utime(path, (1_700_000_000 + written * 60, 1_700_000_000 + written * 60))
    removed = prune_logs(tmp_path, "p", keep=2)
    assert [path.name for path in removed] == ["crawl-p-3.log"]
    assert prune_logs(tmp_path, "p", keep=0) == [tmp_path / "crawl-p-10.log"]  # the newest is always kept
