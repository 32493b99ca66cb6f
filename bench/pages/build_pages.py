"""Builds the chrome-heavy benchmark pages from a real portal page's markup and a report of our own.

Run by hand; its output is committed and it is deterministic (running it again leaves ``git status`` clean):

    .venv/bin/python bench/pages/build_pages.py

See README.md here for where the markup comes from.
"""

from __future__ import annotations

import re
from pathlib import Path

import lxml.html

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
REPORT_PAGE = ROOT / "tests" / "fixtures" / "html" / "000_hanweb.html"

#: (file, class of the report's container): TRS's own container, and a Word export's section div that no portal
#: system names (the body must then be found by text density).
PAGES = (
    ("chrome_heavy.html", "view TRS_UEDITOR trs_paper_default trs_web"),
    ("chrome_heavy_unknown.html", "WordSection1"),
)


def report_body() -> str:
    """The inside of the report page's ``<div id="zoom">``: seed 000 as a Word export (a span in every cell)."""
    text = REPORT_PAGE.read_bytes().decode("gbk")
    root = lxml.html.document_fromstring(text)
    zoom = root.find('.//div[@id="zoom"]')
    assert zoom is not None
    parts = [zoom.text or ""]
    parts += [lxml.html.tostring(child, encoding=str, method="html") for child in zoom]
    return "".join(parts).strip("\n")


def main() -> None:
    template = (HERE / "portal_chrome.html").read_text(encoding="utf-8")
    links = (HERE / "site_links.html").read_text(encoding="utf-8")
    body = report_body()
    for name, container in PAGES:
        page = template.replace("{{CONTAINER}}", container).replace("<!--REPORT-->", body)
        page = page.replace("<!--LINKS-->", links.rstrip("\n"))
        assert not re.search(r"\{\{|<!--REPORT-->|<!--LINKS-->", page)
        (HERE / name).write_text(page, encoding="utf-8")
        print(name, len(page.encode()), "bytes")


if __name__ == "__main__":
    main()
