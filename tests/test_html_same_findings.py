"""Acceptance: the same report as seed text and as a portal page with real merged-cell markup
(TRS style in UTF-8, Hanweb style in GBK) gives the same findings."""

from __future__ import annotations

from typing import Any

import pytest

from documents import extract
from rules import Context, parse_report, run_rules
from tests.conftest import FIXTURES, seed_path

PAGES = FIXTURES / "html"


def _findings(data: bytes) -> list[tuple[Any, ...]]:
    result = run_rules(parse_report(extract(data)), Context())
    return sorted(
        (
            f.outcome.rule.id,
            f.outcome.effective_severity,
            f.outcome.message,
            f.fingerprint,
            f.outcome.locator.section,
            f.outcome.locator.table,
            f.outcome.locator.row,
            f.outcome.locator.column,
        )
        for f in result.findings
    )


def _uncertain(data: bytes) -> list[tuple[str, str]]:
    result = run_rules(parse_report(extract(data)), Context())
    return sorted((o.rule.id, o.message) for o in result.uncertain)


@pytest.mark.parametrize("style", ["trs", "hanweb"])
@pytest.mark.parametrize("seed", ["000", "001", "002", "003", "004"])
def test_page_and_text_give_the_same_findings(seed: str, style: str) -> None:
    text = seed_path(seed).read_bytes()
    page = (PAGES / f"{seed}_{style}.html").read_bytes()
    assert _findings(page) == _findings(text)
    assert _uncertain(page) == _uncertain(text)


def test_hanweb_pages_are_gbk() -> None:
    page = (PAGES / "000_hanweb.html").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        page.decode("utf-8")
    assert "次营镇".encode("gbk") in page


def test_page_metadata_gives_the_publication_date() -> None:
    report = parse_report(extract((PAGES / "002_trs.html").read_bytes()))
    assert report.published_on is not None
    assert report.published_from == "PubDate 元数据"
    assert report.document.format == "html"


def test_merged_cells_really_are_merged() -> None:
    page = (PAGES / "001_trs.html").read_text(encoding="utf-8")
    assert 'rowspan="' in page and 'colspan="' in page
