"""Benchmark of the crawler: what a first crawl of the demo portal costs next to a poll where nothing changed, and
how soon a crawl child sends its first request, started cold or warm.

Requests and bytes are counted on the wire by the crawler (headers and bodies received); wall time is that of
``crawl_portal()``, child process start-up included. Runs the bundled demo portal on 127.0.0.1: first with the
demo's relaxed politeness (no delay), then with the default politeness (1 s between requests, AutoThrottle, at most
2 at a time), crawl children forked by a zygote as the service does (``crawler/zygote.py``). The first request:
the time from the call of ``crawl_portal()`` to the first request the demo server receives, for children started
cold (``python -m crawler.main``) and warm (forked by the zygote). Writes its section of docs/performance.md.

Targets: a poll with nothing changed downloads no report — every request answers 304 (issue 4); the crawl child's
first request within 0.5 s of ``crawl_portal()``'s call (issue 16).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.perfdoc import write_section  # noqa: E402
from crawler import zygote  # noqa: E402
from crawler.demo_portal import DemoPortal  # noqa: E402
from crawler.run import CrawlSummary, crawl_portal  # noqa: E402
from monitor.config import Config  # noqa: E402


def three_crawls(portal: DemoPortal, config: Config, folder: Path) -> list[CrawlSummary]:
    """First crawl, a poll with nothing changed, a poll after one report was edited."""
    database, blobs = f"sqlite:///{folder / 'nianbao.db'}", folder / "blobs"

    def crawl() -> CrawlSummary:
        return crawl_portal(config, "demo", database, blobs, cache_dir=folder / "httpcache")

    first, unchanged = crawl(), crawl()
    portal.edit_report("ciying")
    return [first, unchanged, crawl()]


FIRST_REQUEST_TARGET = 0.5


class StampedLog(list[Any]):
    """The demo server's request log, noting when each request was logged (answered)."""

    def __init__(self) -> None:
        super().__init__()
        self.times: list[float] = []

    def append(self, item: Any) -> None:
        self.times.append(time.perf_counter())
        super().append(item)


def first_requests(portal: DemoPortal, folder: Path, runs: int) -> list[float]:
    """Seconds from the call of ``crawl_portal()`` to the first request at the demo server, for ``runs`` no-change
    polls (a first crawl before them fills the store)."""
    log = StampedLog()
    portal.server.log = log
    database, blobs = f"sqlite:///{folder / 'nianbao.db'}", folder / "blobs"
    crawl_portal(portal.config, "demo", database, blobs, cache_dir=folder / "httpcache")
    seconds = []
    for _ in range(runs):
        log.times.clear()
        called = time.perf_counter()
        crawl_portal(portal.config, "demo", database, blobs, cache_dir=folder / "httpcache")
        seconds.append(log.times[0] - called)
    return seconds


def spread(values: list[float]) -> str:
    """Median and range."""
    ordered = sorted(values)
    return f"{statistics.median(ordered):.2f} s ({ordered[0]:.2f}–{ordered[-1]:.2f} s)"


def start_up_seconds() -> float:
    """How long the crawl child takes to import what it needs (part of every crawl's wall time)."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import crawler.main"], check=True, cwd=ROOT)
    return time.perf_counter() - started


def row(label: str, runs: list[CrawlSummary], first: CrawlSummary | None = None) -> str:
    """One table row: the numbers of the first run, the median wall time of all; bytes as a share of ``first``."""
    summary = runs[0]
    share = f" ({summary.bytes / first.bytes:.1%} of the first crawl)" if first is not None else ""
    seconds = statistics.median(r.seconds for r in runs)
    return (
        f"| {label} | {summary.requests} | {summary.responses_304} | {summary.bytes:,}{share} | "
        f"{summary.new_documents} / {summary.changed_documents} | {seconds:.2f} s |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", type=Path, help="write the results to this performance document")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the relaxed measurement (median wall time)")
    parser.add_argument("--no-polite", action="store_true", help="skip the measurement with the default politeness")
    parser.add_argument("--first", type=int, default=5, help="no-change polls measured for the first request, each way")
    args = parser.parse_args()

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    relaxed: list[list[CrawlSummary]] = []
    polite: list[CrawlSummary] = []
    first: dict[str, list[float]] = {}
    for mode in ("cold", "warm"):
        if mode == "warm":
            zygote.start()
        with DemoPortal() as portal, tempfile.TemporaryDirectory() as folder:
            first[mode] = first_requests(portal, Path(folder), args.first)
    try:
        for _ in range(args.repeat):
            with DemoPortal() as portal, tempfile.TemporaryDirectory() as folder:
                relaxed.append(three_crawls(portal, portal.config, Path(folder)))
        if not args.no_polite:
            with DemoPortal() as portal, tempfile.TemporaryDirectory() as folder:
                config = portal.config
                config = replace(config, portals=tuple(replace(p, download_delay=1.0) for p in config.portals))
                polite = three_crawls(portal, config, Path(folder))
    finally:
        zygote.stop()
    start_up = start_up_seconds()
    for runs in relaxed + ([polite] if polite else []):
        assert runs[1].requests == runs[1].responses_304 and runs[1].new_documents == runs[1].changed_documents == 0, runs[1]
        assert all(r.start == "warm" for r in runs), [r.start for r in runs]
    warm_first = max(first["warm"])
    verdict = "met" if statistics.median(first["warm"]) <= FIRST_REQUEST_TARGET else "**not met**"

    first_crawl = relaxed[0][0]
    lines = [
        "## Crawler: first crawl, no-change poll, first request (issues 4, 16)",
        "",
        f"`bench/crawl_speed.py` on the bundled demo portal (TRS style: a county 年报 column of 2 list pages, 6 body "
        f"columns, 5 report pages, a PDF and a DOCX attachment) served on 127.0.0.1. Requests and bytes (headers + "
        f"bodies) are counted by the crawler on the wire; wall time is `crawl_portal()`'s, including the crawl child's "
        f"start-up; the children are forked warm by a zygote, as in the service (started cold, importing Scrapy and the "
        f"store alone takes {start_up:.2f} s); median of {args.repeat} runs; load average "
        f"{load:.1f} when it started (wall times grow when other jobs share the cores; requests and bytes do not).",
        "",
        "| crawl | requests | answered 304 | bytes received | new / changed documents | wall time |",
        "|---|---|---|---|---|---|",
        row("first crawl (demo politeness: no delay)", [r[0] for r in relaxed]),
        row("poll, nothing changed", [r[1] for r in relaxed], first_crawl),
        row("poll after one report was edited", [r[2] for r in relaxed], first_crawl),
    ]
    if polite:
        lines += [
            row("first crawl, default politeness (1 s delay, AutoThrottle, ≤ 2 at a time)", [polite[0]]),
            row("poll, nothing changed, default politeness", [polite[1]], polite[0]),
        ]
    lines += [
        "",
        "The no-change poll asks every column page and every known document once, conditionally (If-None-Match / "
        "If-Modified-Since); all answer 304 and nothing is downloaded. robots.txt comes from the HTTP cache.",
        "",
        f"First request (issue 16): from the call of `crawl_portal()` (registering the run, writing the job) to the first "
        f"request the demo server answers, over {args.first} no-change polls each way, median (range):",
        "",
        "| crawl child | first request after | target |",
        "|---|---|---|",
        f"| started cold (`python -m crawler.main`: imports Scrapy, Twisted, the spider, the store) | {spread(first['cold'])} | — |",
        f"| forked warm by the zygote (those imported once, by the zygote) | {spread(first['warm'])} | "
        f"≤ {FIRST_REQUEST_TARGET} s: {verdict} (slowest {warm_first:.2f} s) |",
    ]
    body = "\n".join(lines) + "\n"
    print(body)
    if args.write:
        write_section(args.write, "crawl_speed", body)
        print(f"written to {args.write}")


if __name__ == "__main__":
    main()
