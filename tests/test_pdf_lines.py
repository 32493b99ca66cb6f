"""documents.pdf_lines builds cells with pdfplumber's table algorithm redone on tuples (issue 16): it must give the
very cells pdfplumber's own routines give, to the last bit, on the ruling lines of real pages and on random ones
made to snap, join, cross and nearly cross."""

from __future__ import annotations

import random
from itertools import pairwise
from typing import Any

import pypdfium2 as pdfium  # type: ignore[import-untyped]
import pytest
from pdfplumber.table import cells_to_tables, edges_to_intersections, intersections_to_cells, merge_edges

from crawler.demo_portal.files import pdf_bytes
from crawler.demo_portal.markup import read_seed, title_of
from documents.pdf_lines import Edge, page_edges, ruled_cells
from tests.conftest import FIXTURES
from tests.pdf_draw import draw
from tests.test_pdf_producers import SHANGHAI

Box = tuple[float, float, float, float]


def plumber_cells(edges: list[Edge]) -> tuple[list[list[Box]], list[Box]]:
    """The cells as pdfplumber's routines build them from the same lines (the reader's code before issue 16)."""
    if len(edges) < 4:
        return [], []
    dicts: list[dict[str, Any]] = [
        {"orientation": o, "x0": x0, "top": top, "x1": x1, "bottom": bottom, "width": x1 - x0, "height": bottom - top}
        for o, x0, top, x1, bottom in edges
    ]
    merged = [
        e
        for e in merge_edges(dicts, 3.0, 3.0, 3.0, 3.0)
        if (e["x1"] - e["x0"] if e["orientation"] == "h" else e["bottom"] - e["top"]) >= 3.0
    ]
    cells = intersections_to_cells(edges_to_intersections(merged, 3.0, 3.0))
    tables = cells_to_tables(cells)
    grouped = {tuple(cell) for table in tables for cell in table}
    lone = [cell for cell in cells if tuple(cell) not in grouped]
    return [[tuple(map(float, c)) for c in table] for table in tables], [tuple(map(float, c)) for c in lone]  # type: ignore[misc]


def pdf_pages_edges(pdf: bytes) -> list[list[Edge]]:
    document = pdfium.PdfDocument(pdf)
    try:
        out = []
        for page in document:
            out.append(page_edges(page, page.get_size()[1]))
            page.close()
        return out
    finally:
        document.close()


def sample_pdfs() -> list[bytes]:
    pdfs = []
    for seed in sorted((FIXTURES / "seeds").glob("*.txt")):
        blocks = read_seed(seed.read_text(encoding="utf-8"))
        pdfs.append(pdf_bytes(title_of(blocks), blocks))
    pdfs.append(draw(SHANGHAI.blocks))
    pdfs.append(draw(SHANGHAI.blocks, backgrounds=True, break_in="6.属于四类过程性信息"))
    return pdfs


def test_cells_of_real_pages_are_pdfplumbers() -> None:
    pages = [edges for pdf in sample_pdfs() for edges in pdf_pages_edges(pdf)]
    assert sum(bool(ruled_cells(edges)[0]) for edges in pages) >= 10
    for edges in pages:
        assert ruled_cells(edges) == plumber_cells(edges)


def _random_edges(rng: random.Random) -> list[Edge]:
    xs = sorted(rng.uniform(20, 560) for _ in range(rng.randint(2, 7)))
    ys = sorted(rng.uniform(20, 800) for _ in range(rng.randint(2, 9)))
    jitter = rng.choice((0.0, 0.3, 1.5, 2.9, 3.1))
    edges: list[Edge] = []
    for y in ys:  # rows: whole or broken into pieces, slightly off, sometimes missing
        pieces = rng.choice((1, 1, 2, 3))
        bounds = sorted([xs[0], xs[-1], *(rng.uniform(xs[0], xs[-1]) for _ in range(pieces - 1))])
        for a, b in pairwise(bounds):
            if rng.random() < 0.9:
                top = y + rng.uniform(-jitter, jitter)
                edges.append(("h", a + rng.uniform(-jitter, jitter), top, b + rng.uniform(-jitter, jitter), top))
    for x in xs:
        for a, b in pairwise(ys):
            if rng.random() < 0.85:
                middle = x + rng.uniform(-jitter, jitter)
                edges.append(("v", middle, a + rng.uniform(-jitter, jitter), middle, b + rng.uniform(-jitter, jitter)))
    for _ in range(rng.randint(0, 4)):  # stray lines, short ones and exact duplicates
        if rng.random() < 0.5:
            top = rng.choice(ys) if rng.random() < 0.5 else rng.uniform(0, 840)
            x0 = rng.uniform(0, 500)
            edges.append(("h", x0, top, x0 + rng.choice((2.0, 3.0, 40.0)), top))
        elif edges:
            edges.append(rng.choice(edges))
    rng.shuffle(edges)
    return edges


@pytest.mark.parametrize("seed", range(8))
def test_cells_of_random_lines_are_pdfplumbers(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(150):
        edges = _random_edges(rng)
        assert ruled_cells(edges) == plumber_cells(edges)
