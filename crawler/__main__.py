"""``python -m crawler crawl [-c CONFIG] [--portal ID]`` and ``python -m crawler demo``: the crawler's commands
on their own (``nianbao crawl`` and ``nianbao demo`` call the same functions)."""

from __future__ import annotations

import argparse
import sys

from crawler.cli import add_crawl_parser, run_crawl
from crawler.demo_portal import run_crawl_demo


def main() -> int:
    """Parse the command line and run the command."""
    parser = argparse.ArgumentParser(prog="python -m crawler", description="nianbao 抓取程序")
    sub = parser.add_subparsers(dest="command", required=True)
    add_crawl_parser(sub)
    sub.add_parser("demo", help="启动内置的演示门户网站并抓取")
    args = parser.parse_args()
    if args.command == "crawl":
        return run_crawl(args, sys.stdout, sys.stderr)
    return run_crawl_demo(sys.stdout, sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
