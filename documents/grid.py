"""Tables of paged documents as grids: ruled cells found by their boxes (PDF text layer or OCR) → rows of Cells.

Column and row boundaries are the distinct cell edges; a cell covering several grid positions is placed at the
first and copied (``spanned``) into the others, as rowspan/colspan are in HTML. A position no cell covers at the
end of a row is left out, so a row with fewer cells than its header stays short; one inside a row is an empty cell.

A table broken by a page break is joined back (:func:`join_fragments`): a header repeated on the new page is
dropped, an empty cell continuing a merged label cell from the page before becomes part of it, and a row broken
in two (its text split over the pages) becomes one row again.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, replace

from documents.layout import join_lines
from documents.model import Cell, Source

_TOLERANCE = 2.0  # points: edges closer than this are one boundary
_NUMBER = re.compile(r"^[-+]?\d[\d,]*(?:\.\d+)?$")
_ROW_LABEL = re.compile(r"^(?:\d{1,2}[.、．]|[（(][一二三四五六七八九十]+[)）]|[一二三四五六七八九十]+、)")


@dataclass(frozen=True, slots=True)
class BoxCell:
    """A ruled cell: its box (x0, top, x1, bottom) in table coordinates, its text and where it was read.

    ``confidence`` is the OCR confidence of the text (None for a text layer).
    """

    x0: float
    top: float
    x1: float
    bottom: float
    text: str
    source: Source
    confidence: float | None = None


def _boundaries(values: list[float]) -> list[float]:
    """Distinct values, those within the tolerance of the previous one merged into it."""
    out: list[float] = []
    for value in sorted(values):
        if not out or value - out[-1] > _TOLERANCE:
            out.append(value)
    return out


def _index(bounds: list[float], value: float) -> int:
    position = bisect_left(bounds, value - _TOLERANCE)
    return min(position, len(bounds) - 1)


def to_grid(cells: list[BoxCell]) -> tuple[tuple[Cell, ...], ...]:
    """Rows of Cells from ruled cells; merged cells copied as ``spanned``, short rows kept short."""
    if not cells:
        return ()
    xs = _boundaries([c.x0 for c in cells] + [c.x1 for c in cells])
    ys = _boundaries([c.top for c in cells] + [c.bottom for c in cells])
    width, height = len(xs) - 1, len(ys) - 1
    if width < 1 or height < 1:
        return ()
    occupied: list[list[Cell | None]] = [[None] * width for _ in range(height)]
    for box in sorted(cells, key=lambda c: (c.top, c.x0)):
        c0, c1 = _index(xs, box.x0), _index(xs, box.x1)
        r0, r1 = _index(ys, box.top), _index(ys, box.bottom)
        if c1 <= c0 or r1 <= r0:
            continue
        cell = Cell(box.text, box.source, confidence=box.confidence)
        copy = Cell(box.text, box.source, spanned=True, confidence=box.confidence)
        for r in range(r0, r1):
            for c in range(c0, c1):
                if occupied[r][c] is None:
                    occupied[r][c] = cell if (r, c) == (r0, c0) else copy
    rows: list[tuple[Cell, ...]] = []
    for row in occupied:
        last = max((c for c, cell in enumerate(row) if cell is not None), default=-1)
        if last < 0:
            continue
        hole = Cell("", Source(page=next(cell.source.page for cell in row if cell is not None)))
        rows.append(tuple(cell if cell is not None else hole for cell in row[: last + 1]))
    return tuple(rows)


# ---------------------------------------------------------------------------------------------------- page breaks


@dataclass(frozen=True, slots=True)
class Fragment:
    """The part of a table on one page: its ruled cells (page coordinates) and its box.

    ``lone``: a single ruled cell at the foot of a page, a table's first row stranded there by the page break;
    it is a table only if the next page continues it.
    """

    cells: tuple[BoxCell, ...]
    x0: float
    top: float
    x1: float
    bottom: float
    page: int
    lone: bool = False


def fragment(cells: list[BoxCell], page: int, *, lone: bool = False) -> Fragment:
    """A table fragment from its cells."""
    return Fragment(
        tuple(cells),
        min(c.x0 for c in cells),
        min(c.top for c in cells),
        max(c.x1 for c in cells),
        max(c.bottom for c in cells),
        page,
        lone,
    )


def same_columns(upper: list[BoxCell], lower: Fragment) -> bool:
    """Whether a fragment on the next page continues a table: the same left edge, and the column edges of one
    among those of the other (a page of short rows ends short; a page of merged cells lacks inner edges)."""
    if abs(min(c.x0 for c in upper) - lower.x0) > 2 * _TOLERANCE:
        return False
    if len(upper) == 1:  # a lone first row spans the table
        return abs(upper[0].x1 - lower.x1) <= 2 * _TOLERANCE
    upper_xs = _boundaries([c.x0 for c in upper] + [c.x1 for c in upper])
    lower_xs = _boundaries([c.x0 for c in lower.cells] + [c.x1 for c in lower.cells])

    def among(xs: list[float], others: list[float]) -> bool:
        return all(any(abs(x - o) <= 2 * _TOLERANCE for o in others) for x in xs if x <= max(others) + 2 * _TOLERANCE)

    return among(lower_xs, upper_xs) or among(upper_xs, lower_xs)


def _rows_by_top(cells: tuple[BoxCell, ...]) -> list[list[BoxCell]]:
    tops = _boundaries([c.top for c in cells])
    rows: list[list[BoxCell]] = [[] for _ in tops]
    for cell in cells:
        rows[_index(tops, cell.top)].append(cell)
    for row in rows:
        row.sort(key=lambda c: c.x0)
    return rows


def _key(row: list[BoxCell]) -> list[tuple[int, int, str]]:
    return [(round(c.x0), round(c.x1), "".join(c.text.split())) for c in row]


def _is_number(text: str) -> bool:
    return bool(_NUMBER.match("".join(text.split())))


def _at(cells: list[BoxCell], x0: float, x1: float) -> BoxCell | None:
    return next((c for c in cells if abs(c.x0 - x0) <= _TOLERANCE and abs(c.x1 - x1) <= _TOLERANCE), None)


def join_fragments(upper: list[BoxCell], lower: Fragment) -> list[BoxCell]:
    """The cells of a table continued on the next page: ``lower`` placed below ``upper`` (which is in joined
    coordinates already), a repeated header dropped, continued merged cells and broken rows made whole."""
    base = max(c.bottom for c in upper)
    offset = base - lower.top
    moved = [replace(c, top=c.top + offset, bottom=c.bottom + offset) for c in lower.cells]
    upper_rows = _rows_by_top(tuple(upper))
    lower_rows = _rows_by_top(tuple(moved))
    # A header row repeated at the top of the page ("重复标题行").
    repeated = 0
    while repeated < min(len(upper_rows), len(lower_rows) - 1) and _key(upper_rows[repeated]) == _key(lower_rows[repeated]):
        repeated += 1
    if repeated:
        shift = min(c.top for c in lower_rows[repeated]) - base
        kept = [c for row in lower_rows[repeated:] for c in row]
        moved = [replace(c, top=c.top - shift, bottom=c.bottom - shift) for c in kept]
        lower_rows = _rows_by_top(tuple(moved))
    if not lower_rows:
        return upper
    last_bottom = base
    bottom_cells = [c for c in upper if abs(c.bottom - last_bottom) <= _TOLERANCE]
    first = lower_rows[0]
    broken = _is_broken_row(bottom_cells, first)
    merged: dict[int, BoxCell] = {}  # id of a lower cell -> the upper cell it continues
    for cell in first:
        above = _at(bottom_cells, cell.x0, cell.x1)
        if above is None:
            continue
        if broken or (not cell.text.strip() and above.text.strip() and not _is_number(above.text)):
            merged[id(cell)] = above
    if not merged:
        return upper + moved
    out = [c for c in upper if all(c is not above for above in merged.values())]
    for cell in moved:
        above = merged.get(id(cell))
        if above is None:
            out.append(cell)
            continue
        confidences = [v for v in (above.confidence, cell.confidence) if v is not None]
        out.append(
            replace(
                above,
                bottom=cell.bottom,
                text=join_lines((above.text, cell.text)),
                confidence=min(confidences) if confidences else None,
            )
        )
    return out


def _is_broken_row(bottom: list[BoxCell], first: list[BoxCell]) -> bool:
    """A row broken by the page break: the same cells on both sides, and either

    - above the break its cells are empty wherever there is text below (a row's text is set in its middle, so
      all of it may fall below; a merged cell continued below is empty there), or
    - the part below holds neither a number nor a new row label (the rest of a label, of a sentence), or
    - the part below holds the rest of a label that is no new row's, and the numbers of the row, whose cells
      above the break are empty (values set in the middle of a tall row)."""
    if not bottom or len(first) != len(bottom):
        return False
    above = [_at(bottom, c.x0, c.x1) for c in first]
    if any(cell is None for cell in above):
        return False
    texts = ["".join(c.text.split()) for c in first]
    if not any(texts):
        return False
    written_above = ["".join(cell.text.split()) if cell is not None else "" for cell in above]
    if not any(written_above[i] for i, t in enumerate(texts) if t):
        return True  # everything below stands under an empty part: nothing is joined to anything
    if any(_ROW_LABEL.match(t) for t in texts if t):
        return False
    return all(not written_above[i] for i, t in enumerate(texts) if t and _is_number(t))
