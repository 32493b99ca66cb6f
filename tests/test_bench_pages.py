"""The chrome-heavy benchmark pages (bench/pages): read as the report page they wrap, and byte for byte as before
the speed work of issue 16; the faster model classes behave as the dataclasses they replace."""

from __future__ import annotations

import json
import pickle
from dataclasses import FrozenInstanceError, fields, replace
from pathlib import Path

import pytest

from documents import extract
from documents.model import Cell, Source
from tests.conftest import FIXTURES
from tests.golden import _check
from tests.test_html_same_findings import _findings, _uncertain

PAGES = Path(__file__).resolve().parent.parent / "bench" / "pages"
GOLDEN = FIXTURES / "golden" / "bench_pages.jsonl"
NAMES = ("chrome_heavy.html", "chrome_heavy_unknown.html")

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.mark.parametrize("name", NAMES)
def test_chrome_heavy_page_gives_the_findings_of_the_page_it_wraps(name: str) -> None:
    page = (PAGES / name).read_bytes()
    wrapped = (FIXTURES / "html" / "000_hanweb.html").read_bytes()
    assert _findings(page) == _findings(wrapped)
    assert _uncertain(page) == _uncertain(wrapped)
    assert extract(page).meta["published_text"] == "2026-01-20"


def test_chrome_heavy_pages_give_the_golden_findings() -> None:
    expected = GOLDEN.read_text(encoding="utf-8").splitlines()
    root = PAGES.parent.parent
    actual = [_check(PAGES / name, str((PAGES / name).relative_to(root))) for name in NAMES]
    assert [json.loads(line)["file"] for line in actual] == [json.loads(line)["file"] for line in expected]
    for now, before in zip(actual, expected, strict=True):
        assert now == before, json.loads(before)["file"]


def test_cell_and_source_behave_as_frozen_dataclasses() -> None:
    source = Source(path="/html/body/table[1]/tr[2]/td[3]")
    cell = Cell("12", source)
    assert cell == Cell("12", Source(None, "/html/body/table[1]/tr[2]/td[3]", None, None))
    assert hash(cell) == hash(Cell("12", Source(path=source.path)))
    assert [f.name for f in fields(Cell)] == ["text", "source", "spanned", "confidence", "glued"]
    assert replace(cell, spanned=True) == Cell("12", source, spanned=True)
    assert pickle.loads(pickle.dumps(cell)) == cell
    assert repr(Source(line=3)) == "Source(line=3, path=None, page=None, box=None)"
    assert str(Source()) == str(Source(path="")) == "unknown"
    assert str(source) == source.path
    assert str(Source(line=4, path="x")) == "line 4, x"
    with pytest.raises(FrozenInstanceError):
        cell.text = "13"  # type: ignore[misc]
    with pytest.raises((AttributeError, TypeError)):  # Python 3.11's frozen slots classes raise TypeError here
        cell.note = "x"  # type: ignore[attr-defined]
