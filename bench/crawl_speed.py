"""Benchmark of the crawler: what a first crawl of the demo portal costs next to a poll where nothing changed.

Requests and bytes are counted on the wire by the crawler (headers and bodies received); wall time is that of
``crawl_portal()``, child process start-up included. Runs the bundled demo portal on 127.0.0.1: first with the
demo's relaxed politeness (no delay), then with the default politeness (1 s between requests, AutoThrottle, at most
2 at a time). Writes its section of docs/performance.md.

Target (issue 4): a poll with nothing changed downloads no report — every request answers 304.
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.perfdoc import write_section  # noqa: E402
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
    args = parser.parse_args()

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    relaxed: list[list[CrawlSummary]] = []
    polite: list[CrawlSummary] = []
    for _ in range(args.repeat):
        with DemoPortal() as portal, tempfile.TemporaryDirectory() as folder:
            relaxed.append(three_crawls(portal, portal.config, Path(folder)))
    if not args.no_polite:
        with DemoPortal() as portal, tempfile.TemporaryDirectory() as folder:
            config = portal.config
            config = replace(config, portals=tuple(replace(p, download_delay=1.0) for p in config.portals))
            polite = three_crawls(portal, config, Path(folder))
    start_up = start_up_seconds()
    for runs in relaxed + ([polite] if polite else []):
        assert runs[1].requests == runs[1].responses_304 and runs[1].new_documents == runs[1].changed_documents == 0, runs[1]

    first = relaxed[0][0]
    lines = [
        "## Crawler: first crawl and no-change poll (issue 4)",
        "",
        f"`bench/crawl_speed.py` on the bundled demo portal (TRS style: a county 年报 column of 2 list pages, 6 body "
        f"columns, 5 report pages, a PDF and a DOCX attachment) served on 127.0.0.1. Requests and bytes (headers + "
        f"bodies) are counted by the crawler on the wire; wall time is `crawl_portal()`'s, including the crawl child's "
        f"start-up (importing Scrapy and the store takes {start_up:.2f} s of it); median of {args.repeat} runs; load average "
        f"{load:.1f} when it started (wall times grow when other jobs share the cores; requests and bytes do not).",
        "",
        "| crawl | requests | answered 304 | bytes received | new / changed documents | wall time |",
        "|---|---|---|---|---|---|",
        row("first crawl (demo politeness: no delay)", [r[0] for r in relaxed]),
        row("poll, nothing changed", [r[1] for r in relaxed], first),
        row("poll after one report was edited", [r[2] for r in relaxed], first),
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
    ]
    body = "\n".join(lines) + "\n"
    print(body)
    if args.write:
        write_section(args.write, "crawl_speed", body)
        print(f"written to {args.write}")


if __name__ == "__main__":
    main()
