"""Warm start of crawl children (crawler/zygote.py): a zygote that has imported Scrapy forks each crawl child. A
warm crawl stores what a cold one does, is killed at its time limit with its log kept, carries the crawl's
environment (fault injection) and reports a crash; a zygote killed with SIGKILL is replaced; the service leaves no
process behind, stopped or killed. (Speed is measured by bench/crawl_speed.py, not here.)"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from crawler import zygote
from crawler.demo_portal import DemoPortal
from crawler.run import CrawlSummary
from monitor.store.faults import FAULT_ENV
from tests.crawler.conftest import Workspace, by_route

COLUMN = "/zwgk/zfxxgknb/"
NIANBAO = str(Path(sys.executable).parent / "nianbao")


@pytest.fixture
def warm() -> Iterator[zygote.Zygote]:
    started = zygote.start()
    try:
        yield started
    finally:
        zygote.stop()


def children_of(pid: int) -> list[int]:
    """The processes whose parent is ``pid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_until(predicate: object, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def stored(workspace: Workspace, base_url: str) -> dict[str, tuple[object, ...]]:
    return {
        route: (d.status, d.sha256, d.body_id, d.year, d.published_on, d.published_from, d.title)
        for route, d in by_route(workspace.documents(), base_url).items()
    }


def numbers(summary: CrawlSummary) -> tuple[object, ...]:
    return (summary.status, summary.requests, summary.responses_304, summary.pages, summary.new_documents, summary.errors)


def test_a_warm_crawl_stores_what_a_cold_one_does(portal: DemoPortal, tmp_path: Path) -> None:
    cold_space, warm_space = Workspace(tmp_path / "cold"), Workspace(tmp_path / "warm")
    cold = [cold_space.crawl(portal.config) for _ in range(2)]  # a first crawl and a poll, cold …
    warm = zygote.start()  # … the same, warm
    try:
        hot = [warm_space.crawl(portal.config) for _ in range(2)]
    finally:
        zygote.stop()
    assert [s.start for s in cold] == ["cold", "cold"]
    assert [s.start for s in hot] == ["warm", "warm"] and warm.forked == 2
    assert [numbers(s) for s in hot] == [numbers(s) for s in cold]
    assert hot[1].responses_304 == hot[1].requests  # the second: a poll where nothing changed
    assert stored(warm_space, portal.base_url) == stored(cold_space, portal.base_url)
    assert "Spider closed (finished)" in (warm_space.folder / "crawl.log").read_text(encoding="utf-8")


def test_a_warm_crawl_is_killed_at_its_time_limit_and_its_log_kept(
    portal: DemoPortal, workspace: Workspace, warm: zygote.Zygote
) -> None:
    portal.misbehave(COLUMN, "slow", seconds=60)
    summary = workspace.crawl(portal.config, time_limit=1)
    assert (summary.status, summary.finish_reason, summary.start) == ("failed", "time limit", "warm")
    assert "started (bot: nianbao)" in (workspace.folder / "crawl.log").read_text(encoding="utf-8")
    assert warm.pid is not None and children_of(warm.pid) == []
    portal.behave()
    assert workspace.crawl(portal.config).status == "finished"  # the zygote still serves


def test_a_warm_child_runs_with_the_crawls_environment_and_its_crash_is_reported(
    portal: DemoPortal, workspace: Workspace, warm: zygote.Zygote, monkeypatch: pytest.MonkeyPatch
) -> None:
    """NIANBAO_FAULT set after the zygote started reaches the child: it kills itself after storing a document."""
    monkeypatch.setenv(FAULT_ENV, "crawl.after_record")
    summary = workspace.crawl(portal.config)
    assert (summary.status, summary.start) == ("failed", "warm")
    assert (summary.finish_reason or "").startswith("crawler exited with status -9")
    assert summary.new_documents == 0 and len(workspace.documents()) == 1
    monkeypatch.delenv(FAULT_ENV)
    again = workspace.crawl(portal.config)
    assert (again.status, again.start, len(workspace.documents())) == ("finished", "warm", 7)
    assert warm.pid is not None and children_of(warm.pid) == []  # every child reaped


def test_a_zygote_killed_with_sigkill_is_replaced(portal: DemoPortal, workspace: Workspace, warm: zygote.Zygote) -> None:
    assert workspace.crawl(portal.config).start == "warm"
    first = warm.pid
    assert first is not None
    os.kill(first, signal.SIGKILL)
    wait_until(lambda: not alive(first))
    summary = workspace.crawl(portal.config)
    assert (summary.status, summary.start, summary.requests, summary.responses_304) == ("finished", "warm", 15, 15)
    assert warm.restarts == 1 and warm.pid not in (None, first)


def test_without_a_zygote_the_crawl_starts_cold(portal: DemoPortal, workspace: Workspace) -> None:
    assert zygote.current() is None
    assert workspace.crawl(portal.config).start == "cold"


def test_a_stopped_zygote_ends_and_crawls_start_cold(portal: DemoPortal, workspace: Workspace) -> None:
    started = zygote.start()
    assert workspace.crawl(portal.config).start == "warm"
    pid = started.pid
    assert pid is not None
    zygote.stop()
    wait_until(lambda: not alive(pid))
    assert workspace.crawl(portal.config).start == "cold"


def serve(portal: DemoPortal, tmp_path: Path) -> tuple[subprocess.Popen[bytes], Path]:
    config = portal.write_config(tmp_path / "nianbao.yaml", database="sqlite:///var/nianbao.db", blobs="var/blobs")
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data["dashboard"] = {"enabled": False}
    config.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    log = tmp_path / "serve.log"
    service = subprocess.Popen(
        [NIANBAO, "serve", "-c", str(config)],
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        env=dict(os.environ, NIANBAO_NOW=""),
        start_new_session=True,
    )
    return service, log


def descendants(pid: int) -> set[int]:
    found, todo = set(), [pid]
    while todo:
        for child in children_of(todo.pop()):
            found.add(child)
            todo.append(child)
    return found


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL])
def test_the_service_crawls_warm_and_leaves_no_process_behind(portal: DemoPortal, tmp_path: Path, how: int) -> None:
    service, log = serve(portal, tmp_path)
    try:
        wait_until(lambda: "crawl demo: CrawlSummary" in log.read_text(encoding="utf-8", errors="replace"), timeout=120)
        assert "start='warm'" in log.read_text(encoding="utf-8", errors="replace")
        left = descendants(service.pid)
        assert left  # the zygote
        service.send_signal(how)
        service.wait(timeout=60)
        wait_until(lambda: not any(alive(pid) for pid in left), timeout=30)
    finally:
        if service.poll() is None:
            os.killpg(service.pid, signal.SIGKILL)
            service.wait()
