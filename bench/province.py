"""A simulated province: N county portals on 127.0.0.1, one deployment of N counties on procrastinate, W workers.

Every county is a portal of its own on 127.0.0.1, in one of five portal systems (per ten counties: three TRS and
three Hanweb demo portals, two gkmlpt, one ucap and one generic column of :class:`SystemPortal`), 7–9 documents each:
HTML article pages with DOCX and PDF attachments; one county in ``--scan-every`` has its PDF attachment replaced by a
scan of its first ``--scan-pages`` page(s) (OCR queue). The deployment (``tasks.engine: procrastinate``) runs on a
throw-away PostgreSQL cluster, one schema per county; every county's notifications go to a local webhook receiver
that notes when each one arrives.

For each worker count W (``--workers 1,2,4``), each run on a fresh database:

- **CPU-bound part alone**: the documents are fetched first (two workers on the ``crawl`` queue only); then W
  ``nianbao worker --queues check,ocr`` processes start, and the time from their start until no version is left
  ``fetched`` (nor any check job waiting) gives checks per minute.
- **End to end**: at t0 (the "publication" as the monitor sees it) a poll of every county's portal is queued and W
  workers on every queue start; a scheduler-like loop queues every county's dispatch every ``--dispatch-seconds``.
  It ends when every poll is done, every version checked and every outbox row sent. Measured: wall time, documents
  checked per minute, t0 → arrival of each notification at the receiver, the check jobs' queue latency (procrastinate
  events: deferred → started) and the peak memory of each worker (VmHWM) and of its crawl children (VmRSS sampled).

``--budget-seconds`` bounds the whole run: when it is spent the current run stops, and the figures gathered so far
(marked as cut short) are what gets written. ``--write docs/performance.md`` writes the section "Province benchmark".
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium  # type: ignore[import-untyped]
import yaml
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.perfdoc import write_section  # noqa: E402
from crawler.demo_portal import DemoPortal, SystemPortal  # noqa: E402
from monitor import tasks  # noqa: E402
from monitor.deployment import Deployment  # noqa: E402
from monitor.store.queue import CHECK_TASK  # noqa: E402
from tests.formats_build import scan_pdf  # noqa: E402
from tests.monitor.postgres import postgres_server  # noqa: E402

NIANBAO = str(ROOT / ".venv" / "bin" / "nianbao")
NOW = "2026-03-05T10:00:00+08:00"  # the monitor's clock: every run sees the same deadlines, hence the same findings
#: Portal systems of every ten counties.
SYSTEMS = ("trs", "hanweb", "gkmlpt", "trs", "hanweb", "ucap", "trs", "hanweb", "gkmlpt", "generic")
SAMPLE_SECONDS = 0.5


# ---------------------------------------------------------------------------------------------------- receiver


@dataclass
class Receiver:
    """A local webhook receiver noting the arrival time (time.time()) of every post."""

    arrivals: list[tuple[float, str]] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                self.rfile.read(length)
                receiver.arrivals.append((time.time(), self.path))
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    @property
    def hook(self) -> str:
        assert self.server is not None
        return f"json://127.0.0.1:{self.server.server_address[1]}/hook"

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


# ---------------------------------------------------------------------------------------------------- portals


@dataclass
class County:
    """One county: its id, its portal system and served portal, whether it publishes a scan."""

    id: str
    system: str
    portal: DemoPortal | SystemPortal
    documents: int
    scan: bool


def scanned(portal: DemoPortal | SystemPortal, route: str, pages: int, seed: int) -> None:
    """Replace the PDF at ``route`` by a scan of its first ``pages`` pages (images only: the OCR queue)."""
    resource = portal.site.resource(route)
    assert resource is not None, route
    source = pdfium.PdfDocument(resource.path.read_bytes())
    cut = pdfium.PdfDocument.new()
    cut.import_pages(source, list(range(min(pages, len(source)))))
    out = io.BytesIO()
    cut.save(out)
    portal.site.write(route, scan_pdf(out.getvalue(), seed=seed), "application/pdf")


@contextmanager
def province(count: int, scan_every: int, scan_pages: int) -> Iterator[list[County]]:
    """``count`` county portals served on 127.0.0.1."""
    with ExitStack() as stack:
        counties, eligible = [], 0
        for number in range(count):
            system = SYSTEMS[number % len(SYSTEMS)]
            portal = DemoPortal(system) if system in ("trs", "hanweb") else SystemPortal(system)
            stack.enter_context(portal)
            expected = portal.expected()
            pdfs = [e.route for e in expected if e.kind == "pdf" and "?" not in e.route]
            scan = scan_every > 0 and bool(pdfs) and number // scan_every >= eligible  # the first with a PDF of every ten
            if scan:
                eligible += 1
                scanned(portal, pdfs[0], scan_pages, number)
            counties.append(County(f"c{number:03d}", system, portal, len(expected), scan))
        yield counties


def write_deployment(folder: Path, database: str, counties: list[County], hook: str) -> Path:
    """One county file per portal and the deployment file naming them (as tests/monitor/deployments.py)."""
    folder.mkdir(parents=True, exist_ok=True)
    entries = []
    for county in counties:
        data = county.portal.config_data()
        data["storage"] = {"blobs": str(folder / "blobs")}
        data["county"]["name"] = f"模拟{county.id}县"
        data["portals"][0]["poll_interval"] = "1d"
        data["notifications"] = {"targets": [{"tag": "county", "url": f"{hook}/{county.id}"}]}
        for body in data["bodies"]:
            body["notify"] = ["county"]
        path = folder / f"{county.id}.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        entries.append({"id": county.id, "config": path.name})
    deployment = {
        "deployment": {"name": "模拟省政务公开办"},
        "storage": {"database": database},
        "counties": entries,
        "tasks": {"engine": "procrastinate"},
        "dashboard": {"enabled": False, "users": []},
    }
    path = folder / "deployment.yaml"
    path.write_text(yaml.safe_dump(deployment, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------------------- workers


def _status(pid: int) -> dict[str, int]:
    out = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text(encoding="utf-8").splitlines():
            if line.startswith(("VmRSS:", "VmHWM:")):
                out[line.split(":")[0]] = int(line.split()[1]) // 1024
    except OSError:
        pass
    return out


TICK = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system, its waited-for children included) of a process, None once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8").rsplit(")", 1)[1].split()
    except OSError:
        return None
    return sum(int(f) for f in fields[11:15]) / TICK  # utime, stime, cutime, cstime


def machine_cpu_seconds() -> float:
    """CPU time spent by the whole machine (every core, every process) since boot, idle and iowait excepted."""
    values = [int(v) for v in Path("/proc/stat").read_text(encoding="utf-8").splitlines()[0].split()[1:9]]
    return (sum(values) - values[3] - values[4]) / TICK


def _children(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                kids = [int(k) for k in (task / "children").read_text(encoding="utf-8").split()]
                found.extend(kids)
                todo.extend(kids)
        except OSError:
            continue
    return found


class Workers:
    """W ``nianbao worker`` processes; a thread samples their memory (and their crawl children's) until stopped."""

    def __init__(self, config: Path, count: int, queues: str, *, concurrency: int, folder: Path, tag: str) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("NIANBAO_")} | {"NIANBAO_NOW": NOW}
        self.processes = []
        for number in range(count):
            log = (folder / f"{tag}-worker-{number}.log").open("ab")
            self.processes.append(
                subprocess.Popen(
                    [
                        NIANBAO,
                        "worker",
                        "-c",
                        str(config),
                        "--queues",
                        queues,
                        "--concurrency",
                        str(concurrency),
                        "--name",
                        f"{tag}{number}",
                    ],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env=env,
                    start_new_session=True,
                )
            )
        self.worker_peak = [0] * count  # MB: VmHWM read before stopping (max with sampled VmRSS)
        self.child_peak = 0  # MB: largest sampled VmRSS of a crawl child
        self.cpu = [0.0] * count  # CPU seconds of each worker (its waited-for crawl children included)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(SAMPLE_SECONDS):
            for index, process in enumerate(self.processes):
                status = _status(process.pid)
                self.worker_peak[index] = max(self.worker_peak[index], status.get("VmHWM", 0), status.get("VmRSS", 0))
                self.cpu[index] = _cpu_seconds(process.pid) or self.cpu[index]
                for child in _children(process.pid):
                    self.child_peak = max(self.child_peak, _status(child).get("VmRSS", 0))

    def stop(self) -> list[int | None]:
        self._stop.set()
        self._thread.join()
        for index, process in enumerate(self.processes):
            self.worker_peak[index] = max(self.worker_peak[index], _status(process.pid).get("VmHWM", 0))
            self.cpu[index] = _cpu_seconds(process.pid) or self.cpu[index]
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        return [process.returncode for process in self.processes]


# ---------------------------------------------------------------------------------------------------- state


class Province:
    """The state of a run, read with one query over every county's schema."""

    def __init__(self, deployment: Deployment, counties: list[County]) -> None:
        self.engine = deployment.database.engine
        schemas = ["nianbao_" + c.id for c in counties]
        self.versions = text(
            "SELECT state, sum(n) FROM ("
            + " UNION ALL ".join(f"SELECT state, count(*) AS n FROM {s}.document_versions GROUP BY state" for s in schemas)
            + ") t GROUP BY state"
        )
        self.outbox = text(
            "SELECT sum(total), sum(unsent) FROM ("
            + " UNION ALL ".join(
                f"SELECT count(*) AS total, count(*) FILTER (WHERE sent_at IS NULL AND gave_up_at IS NULL AND "
                f"dropped_at IS NULL) AS unsent FROM {s}.outbox"
                for s in schemas
            )
            + ") t"
        )

    def read(self) -> dict[str, Any]:
        with self.engine.connect() as connection:
            versions = {str(state): int(n) for state, n in connection.execute(self.versions)}
            total, unsent = connection.execute(self.outbox).one()
            jobs: dict[tuple[str, str], int] = {}
            for task, status, n in connection.execute(
                text("SELECT task_name, status::text, count(*) FROM procrastinate_jobs GROUP BY 1, 2")
            ):
                jobs[(str(task), str(status))] = int(n)
        return {"versions": versions, "outbox": int(total or 0), "unsent": int(unsent or 0), "jobs": jobs}

    @staticmethod
    def waiting(state: dict[str, Any], task: str) -> int:
        return sum(n for (name, status), n in state["jobs"].items() if name == task and status in ("todo", "doing"))

    @staticmethod
    def done(state: dict[str, Any], task: str) -> int:
        return sum(n for (name, status), n in state["jobs"].items() if name == task and status not in ("todo", "doing"))

    @staticmethod
    def checked(state: dict[str, Any]) -> int:
        return sum(n for s, n in state["versions"].items() if s != "fetched")

    def queue_latency(self) -> list[float]:
        """Seconds from deferral to start of every check job (its first start)."""
        query = text(
            "SELECT extract(epoch FROM min(e.at) FILTER (WHERE e.type = 'started') - min(e.at) FILTER (WHERE e.type = "
            "'deferred')) FROM procrastinate_events e JOIN procrastinate_jobs j ON j.id = e.job_id "
            "WHERE j.task_name = 'nianbao.check' GROUP BY j.id"
        )
        with self.engine.connect() as connection:
            return [float(row[0]) for row in connection.execute(query) if row[0] is not None]

    def job_seconds(self) -> float:
        """Seconds spent in check jobs, summed over the jobs (start to end of each)."""
        query = text(
            "SELECT sum(extract(epoch FROM f - s)) FROM (SELECT min(e.at) FILTER (WHERE e.type = 'started') AS s, "
            "max(e.at) FILTER (WHERE e.type IN ('succeeded', 'failed')) AS f FROM procrastinate_events e JOIN "
            "procrastinate_jobs j ON j.id = e.job_id WHERE j.task_name = 'nianbao.check' GROUP BY j.id) t"
        )
        with self.engine.connect() as connection:
            return float(connection.execute(query).scalar() or 0.0)

    def check_span(self) -> tuple[float, float] | None:
        """Epoch seconds of the first check job's start and the last one's end."""
        query = text(
            "SELECT extract(epoch FROM min(e.at) FILTER (WHERE e.type = 'started')), extract(epoch FROM max(e.at) FILTER "
            "(WHERE e.type IN ('succeeded', 'failed'))) FROM procrastinate_events e JOIN procrastinate_jobs j ON "
            "j.id = e.job_id WHERE j.task_name = 'nianbao.check'"
        )
        with self.engine.connect() as connection:
            first, last = connection.execute(query).one()
        return None if first is None or last is None else (float(first), float(last))


class OutOfBudgetError(Exception):
    """The benchmark's time budget is spent."""


def wait_until(
    predicate: Callable[[dict[str, Any]], bool], province: Province, deadline: float, progress: Callable[[dict[str, Any]], str]
) -> dict[str, Any]:
    shown = 0.0
    while True:
        state = province.read()
        if predicate(state):
            return state
        now = time.monotonic()
        if now - shown >= 5.0:
            print(f"    {progress(state)}", flush=True)
            shown = now
        if now > deadline:
            raise OutOfBudgetError
        time.sleep(1.0)  # the state query reads every county schema: not too often, it shares the cores


def new_database(cluster: str, name: str, template: str | None = None) -> str:
    engine = create_engine(cluster, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    engine.dispose()
    return cluster.rsplit("/", 1)[0] + "/" + name


def quantile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


# ---------------------------------------------------------------------------------------------------- runs


@dataclass
class Setup:
    cluster: str
    counties: list[County]
    receiver: Receiver
    folder: Path
    concurrency: int
    dispatch_seconds: float
    deadline: float


def progress_line(total_polls: int) -> Callable[[dict[str, Any]], str]:
    def line(state: dict[str, Any]) -> str:
        return (
            f"counties crawled {Province.done(state, tasks.POLL_TASK)}/{total_polls}, documents checked "
            f"{Province.checked(state)}, pending {state['versions'].get('fetched', 0)}, outbox sent "
            f"{state['outbox'] - state['unsent']}/{state['outbox']}"
        )

    return line


def crawl_once(setup: Setup) -> int:
    """Fetch every county's documents into the database ``crawled`` with two crawl-only workers (the CPU-bound
    runs start from copies of it); returns the number of versions fetched."""
    folder = setup.folder / "crawled"
    config = write_deployment(folder, new_database(setup.cluster, "crawled"), setup.counties, setup.receiver.hook)
    deployment = Deployment.load(str(config))
    try:
        tasks.ensure_schema(deployment.database)
        province = Province(deployment, setup.counties)
        for app in deployment.apps.values():
            for portal in app.config.portals:
                tasks.queue_job(app, tasks.POLL_TASK, portal=portal.id)
        polls = len(setup.counties)
        crawlers = Workers(config, 2, "crawl", concurrency=2, folder=folder, tag="crawl")
        try:
            wait_until(
                lambda s: Province.done(s, tasks.POLL_TASK) >= polls and Province.waiting(s, tasks.POLL_TASK) == 0,
                province, setup.deadline, progress_line(polls),
            )  # fmt: skip
        finally:
            crawlers.stop()
        return int(province.read()["versions"].get("fetched", 0))
    finally:
        deployment.close()


def cpu_run(setup: Setup, workers: int) -> dict[str, Any]:
    """From a copy of the crawled database (its check jobs waiting), time W check/ocr workers until nothing is
    pending."""
    folder = setup.folder / f"cpu-{workers}"
    database = new_database(setup.cluster, f"cpu{workers}", template="crawled")
    shutil.copytree(setup.folder / "crawled" / "blobs", folder / "blobs")
    config = write_deployment(folder, database, setup.counties, setup.receiver.hook)
    deployment = Deployment.load(str(config))
    result: dict[str, Any] = {"workers": workers, "complete": False}
    try:
        province = Province(deployment, setup.counties)
        polls = len(setup.counties)
        fetched = province.read()["versions"].get("fetched", 0)
        started, machine_before = time.time(), machine_cpu_seconds()
        checkers = Workers(config, workers, "check,ocr", concurrency=setup.concurrency, folder=folder, tag="check")
        try:
            state = wait_until(
                lambda s: s["versions"].get("fetched", 0) == 0 and Province.waiting(s, CHECK_TASK) == 0,
                province, setup.deadline, progress_line(polls),
            )  # fmt: skip
            seconds = time.time() - started
            result["complete"] = True
        except OutOfBudgetError:
            state, seconds = province.read(), time.time() - started
        finally:
            machine = machine_cpu_seconds() - machine_before
            result["exits"] = checkers.stop()
        checked = fetched - state["versions"].get("fetched", 0)
        span = province.check_span()
        busy = span[1] - span[0] if span else float("nan")
        result |= {
            "fetched": fetched, "checked": checked, "seconds": seconds, "per_minute": 60 * checked / seconds,
            "busy_seconds": busy, "busy_per_minute": 60 * checked / busy if span else float("nan"),
            "startup": (span[0] - started) if span else float("nan"), "worker_mb": max(checkers.worker_peak),
            "versions": state["versions"], "job_seconds": province.job_seconds(), "worker_cpu": sum(checkers.cpu),
            "machine_cpu": machine,
        }  # fmt: skip
    finally:
        deployment.close()
    return result


def end_to_end_run(setup: Setup, workers: int) -> dict[str, Any]:
    """Queue every poll at t0, run W workers on every queue with a dispatch loop, until everything is sent."""
    folder = setup.folder / f"e2e-{workers}"
    config = write_deployment(folder, new_database(setup.cluster, f"e2e{workers}"), setup.counties, setup.receiver.hook)
    deployment = Deployment.load(str(config))
    result: dict[str, Any] = {"workers": workers, "complete": False}
    stop = threading.Event()
    try:
        tasks.ensure_schema(deployment.database)
        province = Province(deployment, setup.counties)
        apps = list(deployment.apps.values())
        arrived_before = len(setup.receiver.arrivals)
        t0 = time.time()
        for app in apps:
            for portal in app.config.portals:
                tasks.queue_job(app, tasks.POLL_TASK, portal=portal.id)

        def dispatcher() -> None:  # what the scheduling service does every dispatch_interval
            while not stop.wait(setup.dispatch_seconds):
                for app in apps:
                    tasks.queue_job(app, tasks.DISPATCH_TASK)

        threading.Thread(target=dispatcher, daemon=True).start()
        running = Workers(config, workers, "crawl,check,ocr,notify", concurrency=setup.concurrency, folder=folder, tag="all")
        polls = len(setup.counties)

        def finished(s: dict[str, Any]) -> bool:
            return (
                Province.done(s, tasks.POLL_TASK) >= polls
                and Province.waiting(s, tasks.POLL_TASK) == 0
                and Province.waiting(s, CHECK_TASK) == 0
                and s["versions"].get("fetched", 0) == 0
                and s["outbox"] > 0
                and s["unsent"] == 0
            )

        try:
            state = wait_until(finished, province, setup.deadline, progress_line(polls))
            result["complete"] = True
        except OutOfBudgetError:
            state = province.read()
        finally:
            wall = time.time() - t0
            stop.set()
            result["exits"] = running.stop()
        arrivals = [at - t0 for at, _path in setup.receiver.arrivals[arrived_before:]]
        latency = province.queue_latency()
        checked = Province.checked(state)
        result |= {
            "wall": wall, "checked": checked, "per_minute": 60 * checked / wall, "notifications": len(arrivals),
            "outbox": state["outbox"], "delivery_median": quantile(arrivals, 0.5), "delivery_p95": quantile(arrivals, 0.95),
            "delivery_last": max(arrivals, default=float("nan")), "queue_median": quantile(latency, 0.5),
            "queue_max": max(latency, default=float("nan")), "worker_mb": running.worker_peak,
            "child_mb": running.child_peak, "versions": state["versions"],
        }  # fmt: skip
    finally:
        stop.set()
        deployment.close()
    return result


# ---------------------------------------------------------------------------------------------------- report


def fmt(value: float, digits: int = 1) -> str:
    return "—" if math.isnan(value) else f"{value:,.{digits}f}"  # NaN: not measured


def document(
    args: argparse.Namespace, counties: list[County], results: tuple[list[dict[str, Any]], list[dict[str, Any]]], load: list[str],
    seconds: float,
) -> str:  # fmt: skip
    cpu, e2e = results
    systems = {s: sum(1 for c in counties if c.system == s) for s in dict.fromkeys(SYSTEMS)}
    documents = sum(c.documents for c in counties)
    scans = sum(1 for c in counties if c.scan)
    lines = [
        "## Province benchmark: N counties on procrastinate workers (issue 15)",
        "",
        f"`bench/province.py --counties {args.counties} --workers {args.workers}`: {args.counties} county portals on "
        f"127.0.0.1 ({', '.join(f'{n} {s}' for s, n in systems.items() if n)}), {documents} documents (HTML pages, "
        f"DOCX and PDF attachments; {scans} PDF attachments replaced by a {args.scan_pages}-page scan, one county in "
        f"{args.scan_every}: fewer scans than the one document in ten of a real province, to keep the run within "
        "minutes — OCR takes about 3 s a page); one deployment of them on a throw-away PostgreSQL cluster, "
        "notifications to a local webhook. Every run on a fresh database; workers are `nianbao worker` processes "
        f"with `--concurrency {args.concurrency}` (checks are CPU-bound Python: more threads in one process share "
        "its GIL; the processes are the parallelism), not pinned. Whole run: "
        f"{seconds / 60:.1f} min; load average (1, 5, 15 min) before and after: {' / '.join(load)}.",
        "",
        "**CPU-bound part alone**: the documents fetched beforehand by crawl-only workers, W workers "
        "`--queues check,ocr` are started; *wall* is from their start until no version is left `fetched` "
        "(worker start-up included), *busy* from the first check job's start to the last one's end. *Job-seconds*: "
        "the check jobs' durations summed (busy × W when the workers never wait for a job). *CPU*: of the workers "
        "(/proc/<pid>/stat) and of the whole machine over *wall* (/proc/stat: PostgreSQL, this script, anything else).",
        "",
        "| workers | versions checked | wall | checks/min (wall) | busy | checks/min (busy) | speed-up (wall / busy) "
        "| job-seconds | CPU: workers / machine | peak RSS per worker |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    base = next((r for r in cpu if r["workers"] == 1 and r["complete"]), None)
    for r in cpu:
        speed = (
            f"{r['per_minute'] / base['per_minute']:.2f}× / {r['busy_per_minute'] / base['busy_per_minute']:.2f}×"
            if base else "—"
        )  # fmt: skip
        cut = "" if r["complete"] else " (cut short by the budget)"
        lines.append(
            f"| {r['workers']}{cut} | {r['checked']} | {fmt(r['seconds'])} s | {fmt(r['per_minute'], 0)} | "
            f"{fmt(r['busy_seconds'])} s | {fmt(r['busy_per_minute'], 0)} | {speed} | {fmt(r.get('job_seconds', math.nan))} s | "
            f"{fmt(r.get('worker_cpu', math.nan))} / {fmt(r.get('machine_cpu', math.nan))} s | {r['worker_mb']} MB |"
        )
    lines += [
        "",
        "Reading it: a worker OCRs with one thread (`nianbao worker --ocr-threads`, default 1: the worker processes "
        "are the parallelism; with onnxruntime's default of a thread per core, one worker OCR-ing a scan kept both "
        "cores busy and two workers reached only 1.34–1.55×). The machine's CPU beyond the workers' (PostgreSQL, "
        "this script) shares the same two cores; more workers than cores only add start-up (each loads every "
        "county) and one OCR model load each. `--scan-every 0` measures text documents alone.",
        "",
        "**End to end**: at t0 a poll of every county's portal is queued (the publication, as the monitor sees it) "
        f"and W workers on every queue start; a loop queues every county's dispatch every {args.dispatch_seconds:g} s "
        "(the scheduling service's job). Until every poll is done, every version checked and every outbox row sent. "
        "*t0 → notification*: arrival at the receiver. *Queue latency*: procrastinate's events of each check job, "
        "deferred → started. Memory: VmHWM of each worker; crawl children (one per poll) sampled every 0.5 s.",
        "",
        "| workers | wall | documents checked | checked/min | notifications | t0 → notification median / p95 / last "
        "| check queue latency median / max | peak RSS per worker | peak RSS of a crawl child |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in e2e:
        cut = "" if r["complete"] else " (cut short by the budget)"
        lines.append(
            f"| {r['workers']}{cut} | {fmt(r['wall'])} s | {r['checked']} | {fmt(r['per_minute'], 0)} | "
            f"{r['notifications']} | {fmt(r['delivery_median'])} / {fmt(r['delivery_p95'])} / {fmt(r['delivery_last'])} s | "
            f"{fmt(r['queue_median'])} / {fmt(r['queue_max'])} s | {', '.join(f'{m}' for m in r['worker_mb'])} MB | "
            f"{r['child_mb']} MB |"
        )
    return "\n".join(lines) + "\n"


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text(encoding="utf-8").split()[:3])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--counties", type=int, default=100)
    parser.add_argument("--workers", default="1,2,4", help="worker counts, comma-separated")
    parser.add_argument("--concurrency", type=int, default=1, help="--concurrency of each worker")
    parser.add_argument("--scan-every", type=int, default=10, help="one county in this many publishes a scan (0: none)")
    parser.add_argument("--scan-pages", type=int, default=1, help="pages of each scan")
    parser.add_argument("--dispatch-seconds", type=float, default=5.0)
    parser.add_argument("--budget-seconds", type=float, default=900.0, help="stop (keeping what was measured) after this")
    parser.add_argument("--skip", choices=("cpu", "e2e"), help="leave out one of the two measurements")
    parser.add_argument("--write", type=Path, help="write the results to this performance document")
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    args = parser.parse_args()
    counts = [int(w) for w in args.workers.split(",")]
    started = time.monotonic()
    load = [load_average()]
    cpu: list[dict[str, Any]] = []
    e2e: list[dict[str, Any]] = []
    receiver = Receiver().start()
    try:
        with (
            tempfile.TemporaryDirectory(prefix="nianbao-bench-province-") as tmp,
            postgres_server() as cluster,
            province(args.counties, args.scan_every, args.scan_pages) as counties,
        ):
            print(
                f"province: {len(counties)} portals, {sum(c.documents for c in counties)} documents, "
                f"{sum(c.scan for c in counties)} scans ({time.monotonic() - started:.1f} s)",
                flush=True,
            )
            setup = Setup(
                cluster, counties, receiver, Path(tmp), args.concurrency, args.dispatch_seconds, started + args.budget_seconds
            )
            crawled = False
            if args.skip != "cpu":
                print(f"crawling every portal once for the CPU-bound runs ({time.monotonic() - started:.0f} s)", flush=True)
                try:
                    print(f"    fetched {crawl_once(setup)} versions", flush=True)
                    crawled = True
                except OutOfBudgetError:
                    print("    budget spent while crawling", flush=True)
            plan = [("cpu", w) for w in counts if crawled] + [("e2e", w) for w in counts if args.skip != "e2e"]
            for kind, workers in plan:
                print(f"{kind} run, {workers} worker(s) ({time.monotonic() - started:.0f} s elapsed)", flush=True)
                try:
                    result = cpu_run(setup, workers) if kind == "cpu" else end_to_end_run(setup, workers)
                except OutOfBudgetError:
                    print("    out of budget before the measurement started", flush=True)
                    break
                (cpu if kind == "cpu" else e2e).append(result)
                print(f"    {json.dumps(result, default=str)}", flush=True)
                if not result["complete"]:
                    print("    budget spent: stopping here", flush=True)
                    break
    finally:
        receiver.stop()
    load.append(load_average())
    seconds = time.monotonic() - started
    body = document(args, counties, (cpu, e2e), load, seconds)
    print(body)
    if args.json:
        args.json.write_text(json.dumps({"cpu": cpu, "e2e": e2e}, indent=1, default=str), encoding="utf-8")
    if args.write:
        write_section(args.write, "province", body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
