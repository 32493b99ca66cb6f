"""Issue 15, acceptance 2: work spread over ``nianbao worker`` processes on procrastinate (PostgreSQL).

Real parts: two demo portals (TRS and Hanweb) on 127.0.0.1 as two counties of one deployment, a throw-away
PostgreSQL cluster, real ``nianbao worker`` processes, real crawls, real apprise deliveries to a local webhook
receiver. Two workers run at once and one of them is killed with SIGKILL in the middle of reading a document
(``NIANBAO_FAULT=check.extraction`` with ``NIANBAO_FAULT_ONCE``: whichever worker reads first dies). The other one
puts the dead worker's job back once its heartbeat is stale and finishes the work: every version is checked once,
every notification is delivered once, and the findings, reports and notifications equal those of a run by a single
worker.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import create_engine, select, text

from crawler.demo_portal import DemoPortal
from documents import needs_ocr
from monitor import tasks
from monitor.deployment import Deployment
from monitor.store.crawl import FetchedDocument
from monitor.store.models import DeliveryAttempt, DocumentVersion, Finding, Outbox, Report
from tests.formats_build import reportlab_pdf, scan_pdf
from tests.monitor.deployments import write_deployment
from tests.monitor.postgres import postgres_server
from tests.monitor.test_service import NIANBAO
from tests.notifications.conftest import Receiver, free_port

NOW = "2026-03-05T10:00:00+08:00"  # every run on the same day: the same deadlines, the same findings
TIMEOUT = 150.0


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    with postgres_server() as url:
        yield url


@pytest.fixture(scope="module")
def portals() -> Iterator[dict[str, DemoPortal]]:
    with DemoPortal("trs") as trs, DemoPortal("hanweb") as hanweb:
        yield {"anxian": trs, "boxian": hanweb}


def new_database(cluster: str, name: str) -> str:
    engine = create_engine(cluster, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine.dispose()
    return cluster.rsplit("/", 1)[0] + "/" + name


@dataclass
class Run:
    """What a run left: per county, the findings, reports, versions and notifications; the workers' exit codes."""

    counties: dict[str, dict[str, Any]]
    posts: list[dict[str, Any]]
    exits: list[int | None]
    jobs: list[tuple[str, str, int]]


def jobs_of(deployment: Deployment) -> list[tuple[str, str, int]]:
    with deployment.database.engine.connect() as connection:
        rows = connection.execute(
            text("SELECT task_name, status, attempts FROM procrastinate_jobs WHERE task_name <> 'nianbao.retry_stalled'")
        ).all()
    return [(r[0], str(r[1]), int(r[2])) for r in rows]


def settled(deployment: Deployment) -> bool:
    rows = jobs_of(deployment)
    polls = [r for r in rows if r[0] == tasks.POLL_TASK]
    if len(polls) < 2 or any(status in ("todo", "doing") for _task, status, _attempts in rows):
        return False
    return nothing_fetched(deployment)


def nothing_fetched(deployment: Deployment) -> bool:
    """No county has a version waiting for its check."""
    for app in deployment.apps.values():
        with app.store.db.transaction() as session:
            if session.scalar(select(DocumentVersion.id).where(DocumentVersion.state == "fetched").limit(1)) is not None:
                return False
    return True


def wait_for(predicate: Any, what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(1.0)
    raise AssertionError(f"timed out waiting for {what}")


def state_of(deployment: Deployment) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for county, app in deployment.apps.items():
        with app.store.db.transaction() as session:
            findings = sorted(
                (f.fingerprint, f.rule, f.severity, f.body_id, f.year, f.state, f.message)
                for f in session.scalars(select(Finding))
            )
            reports = sorted((r.body_id, r.year, r.title, r.template) for r in session.scalars(select(Report)))
            versions = Counter(v.state for v in session.scalars(select(DocumentVersion)))
            # Keys of summaries are made of the store's finding ids, which differ between stores: compared by what they
            # say (the posts received), not by key.
            outbox = sorted((o.kind, o.route, o.sent_at is not None) for o in session.scalars(select(Outbox)))
            delivered = Counter(a.outbox_id for a in session.scalars(select(DeliveryAttempt).where(DeliveryAttempt.ok)))
            rows = len(session.scalars(select(Outbox)).all())
        out[county] = {
            "findings": findings, "reports": reports, "versions": dict(versions), "outbox": outbox,
            "deliveries": sorted(delivered.values()), "outbox_rows": rows,
        }  # fmt: skip
    return out


def run(folder: Path, database: str, portals: dict[str, DemoPortal], workers: int, *, kill_one: bool) -> Run:
    receiver = Receiver(free_port()).start()
    started: list[subprocess.Popen[bytes]] = []
    config = write_deployment(folder, database, portals, hook=f"json://127.0.0.1:{receiver.port}/hook")
    deployment = Deployment.load(str(config))
    try:
        tasks.ensure_schema(deployment.database)
        for app in deployment.apps.values():
            for portal in app.config.portals:
                assert tasks.queue_job(app, tasks.POLL_TASK, portal=portal.id)
        env = {k: v for k, v in os.environ.items() if not k.startswith("NIANBAO_")}
        env["NIANBAO_NOW"] = NOW
        if kill_one:
            env |= {"NIANBAO_FAULT": "check.extraction", "NIANBAO_FAULT_ONCE": str(folder / "killed")}
        for number in range(workers):
            log = (folder / f"worker-{number}.log").open("ab")
            started.append(
                subprocess.Popen(
                    [NIANBAO, "worker", "-c", str(config), "--concurrency", "1", "--name", f"w{number}"],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env=env,
                    start_new_session=True,
                )
            )
        wait_for(lambda: settled(deployment), "the crawls and checks")
        for app in deployment.apps.values():
            assert tasks.queue_job(app, tasks.DISPATCH_TASK)
        wait_for(lambda: settled(deployment) and all(
            all(sent for *_rest, sent in state["outbox"]) for state in state_of(deployment).values()
        ), "the notifications")  # fmt: skip
        result = Run(state_of(deployment), list(receiver.posts), [], jobs_of(deployment))
    finally:
        for process in started:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in started:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        deployment.close()
        receiver.stop()
    result.exits = [process.returncode for process in started]
    return result


def delivered_once(result: Run) -> None:
    """Each outbox row delivered by one successful attempt; the receiver got each message once."""
    for county, state in result.counties.items():
        assert state["outbox_rows"] > 0, county
        assert state["deliveries"] == [1] * state["outbox_rows"], county
        posts = [p for p in result.posts if p["path"] == f"/hook/{county}"]
        assert len(posts) == state["outbox_rows"], county
    assert not [k for k, n in Counter((p["path"], p["title"], p["message"]) for p in result.posts).items() if n > 1]


def test_two_workers_one_killed_mid_extraction_equal_a_single_worker(
    cluster: str, portals: dict[str, DemoPortal], tmp_path: Path
) -> None:
    single = run(tmp_path / "single", new_database(cluster, "single"), portals, 1, kill_one=False)
    assert single.exits == [0]
    for state in single.counties.values():
        assert state["versions"] == {"checked": 7}  # the demo column's reports and attachments
        assert state["findings"]
    delivered_once(single)

    two = run(tmp_path / "two", new_database(cluster, "two"), portals, 2, kill_one=True)
    assert (tmp_path / "two" / "killed").exists()
    assert sorted(two.exits, key=str) == [-signal.SIGKILL, 0] or sorted(two.exits, key=str) == [-signal.SIGKILL, -signal.SIGTERM]
    # The dead worker's check was put back and done by the other one (a second attempt).
    assert any(task == "nianbao.check" and attempts >= 1 for task, _status, attempts in two.jobs)
    assert all(status == "succeeded" for _task, status, _attempts in two.jobs)
    delivered_once(two)
    assert two.counties == single.counties
    assert sorted((p["path"], p["title"], p["message"]) for p in two.posts) == sorted(
        (p["path"], p["title"], p["message"]) for p in single.posts
    )


def test_serve_schedules_and_workers_do_the_work(cluster: str, portals: dict[str, DemoPortal], tmp_path: Path) -> None:
    """``nianbao serve`` with workers only queues (polls, checks, dispatch); a worker crawls, checks and sends."""
    receiver = Receiver(free_port()).start()
    config = write_deployment(tmp_path, new_database(cluster, "served"), portals, hook=f"json://127.0.0.1:{receiver.port}/hook")
    for county in portals:  # dispatch soon after the checks
        path = tmp_path / f"{county}.yaml"
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        data["schedule"] = {"dispatch_interval": "2s", "process_interval": "5s"}
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    # The real clock: the scheduler runs polls at the times it computes from it.
    env = {k: v for k, v in os.environ.items() if not k.startswith("NIANBAO_")}
    log = (tmp_path / "processes.log").open("ab")
    processes = [
        subprocess.Popen(
            [NIANBAO, *args, "-c", str(config)], stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
        for args in (["serve"], ["worker", "--concurrency", "2"])
    ]
    deployment = Deployment.load(str(config))
    try:
        wait_for(
            lambda: (
                settled(deployment)
                and all(
                    state["outbox"] and all(sent for *_rest, sent in state["outbox"]) for state in state_of(deployment).values()
                )
            ),
            "the served deployment's work",
        )
        scheduled = {task for task, _status, _attempts in jobs_of(deployment)}
        assert {tasks.POLL_TASK, "nianbao.check", tasks.DISPATCH_TASK} <= scheduled
        for county, state in state_of(deployment).items():
            assert state["versions"] == {"checked": 7}, county
        assert {p["path"] for p in receiver.posts} == {"/hook/anxian", "/hook/boxian"}
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            process.wait(60)
        deployment.close()
        receiver.stop()
    assert [p.returncode for p in processes] == [0, 0], (tmp_path / "processes.log").read_text(encoding="utf-8")[-3000:]


def test_a_county_flood_does_not_starve_another(cluster: str, portals: dict[str, DemoPortal], tmp_path: Path) -> None:
    """Anxian publishes 50 reports at once, boxian one: boxian's check runs after anxian's first batch, not after
    all of anxian's (each check task takes a batch, then queues itself behind the other counties)."""
    config = write_deployment(tmp_path, new_database(cluster, "flood"), portals)
    seed = (Path(__file__).parents[1] / "fixtures" / "seeds" / "000_ad9f366bd17ffa18.txt").read_bytes()
    deployment = Deployment.load(str(config))
    at = datetime(2026, 2, 1, tzinfo=UTC)
    try:
        for county, count in (("anxian", 50), ("boxian", 1)):
            crawl = deployment.app(county).store.crawl
            for number in range(count):  # stored as a crawl stores them: each queues its check in its transaction
                data = seed + f"\n（{county} 第{number}份）\n".encode()
                crawl.record(FetchedDocument(url=f"http://127.0.0.1:1/{county}/{number}.txt", data=data, fetched_at=at))
        scan = scan_pdf(reportlab_pdf("000"))
        assert needs_ocr(scan)
        deployment.app("boxian").store.crawl.record(
            FetchedDocument(url="http://127.0.0.1:1/boxian/scan.pdf", data=scan, fetched_at=at, needs_ocr=needs_ocr(scan))
        )
        with deployment.database.engine.connect() as connection:
            queued = sorted(
                (row[0], row[1])
                for row in connection.execute(
                    text("SELECT queue_name, args->>'county' FROM procrastinate_jobs WHERE status = 'todo'")
                )
            )
        # One waiting check per county and queue (later versions joined it); the scan waits on the OCR queue.
        assert queued == [("check", "anxian"), ("check", "boxian"), ("ocr", "boxian")]
        env = {k: v for k, v in os.environ.items() if not k.startswith("NIANBAO_")} | {"NIANBAO_NOW": NOW}
        log = (tmp_path / "worker.log").open("ab")
        worker = subprocess.Popen(
            [NIANBAO, "worker", "-c", str(config), "--concurrency", "1"], stdout=log, stderr=subprocess.STDOUT, env=env,
            start_new_session=True,
        )  # fmt: skip
        try:
            wait_for(lambda: settled_checks(deployment), "the checks")
        finally:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(60)
        with deployment.database.engine.connect() as connection:
            order = [
                row[0]
                for row in connection.execute(
                    text(
                        "SELECT j.args->>'county' FROM procrastinate_jobs j JOIN procrastinate_events e ON e.job_id = j.id "
                        "WHERE j.task_name = 'nianbao.check' AND e.type = 'started' ORDER BY e.at, e.id"
                    )
                )
            ]
    finally:
        deployment.close()
    assert order[0] == "anxian" and order[1] == "boxian", order  # anxian's first batch of 20, then boxian at once
    assert order.count("anxian") >= 3  # 50 versions: batches of 20


def settled_checks(deployment: Deployment) -> bool:
    if any(status in ("todo", "doing") for task, status, _attempts in jobs_of(deployment) if task == "nianbao.check"):
        return False
    return nothing_fetched(deployment)
