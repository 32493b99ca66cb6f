"""HTML tables → grids: rows found under thead/tbody/tfoot, rowspan and colspan expanded into spanned copies.

Short rows stay short: a cell lost in the source must stay visible to the rules.
"""

from __future__ import annotations

import re

from lxml import etree

from documents.model import Cell, Source

_Element = etree._Element
#: Marks a paragraph break inside extracted text (a noncharacter: never in real pages).
BREAK = "\ufdd0"
_BREAK = BREAK
_CELL_BREAKS = ("p", "div", "li", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "blockquote")
_MAX_COLSPAN = 1000  # the HTML limits
_MAX_ROWSPAN = 65534


# A table row: its path and its cells, each with its path, colspan and rowspan as written.
_Row = tuple[str, list[tuple[_Element, str, int, int]]]


def table_rows(table: _Element, path: str) -> list[_Row]:
    """The rows of a table (directly or in thead/tbody/tfoot), each with its path and its cells with theirs."""
    rows: list[_Row] = []
    seen: dict[str, int] = {}
    for child in table:
        tag = child.tag
        index = seen[tag] = seen.get(tag, 0) + 1
        if tag == "tr":
            rows.append(_row(child, f"{path}/tr[{index}]"))
        elif tag in ("thead", "tbody", "tfoot"):
            section = f"{path}/{tag}[{index}]"
            for number, tr in enumerate(child.iterchildren("tr"), start=1):
                rows.append(_row(tr, f"{section}/tr[{number}]"))
    return rows


def _row(tr: _Element, path: str) -> _Row:
    cells: list[tuple[_Element, str, int, int]] = []
    td = th = 0
    for cell in tr:
        tag = cell.tag
        if tag == "td":
            td += 1
            cell_path = f"{path}/td[{td}]"
        elif tag == "th":
            th += 1
            cell_path = f"{path}/th[{th}]"
        else:
            continue
        colspan = cell.get("colspan")
        rowspan = cell.get("rowspan")
        cells.append((cell, cell_path, _span(colspan) if colspan else 1, _span(rowspan) if rowspan else 1))
    return path, cells


def _span(value: str) -> int:
    """A colspan/rowspan value as browsers read it: leading digits, else 1. Zero stays zero (rowspan=0)."""
    if value.isdigit():
        return int(value)
    digits = re.match(r"\s*(\d+)", value)
    return int(digits.group(1)) if digits else 1


def grid(rows: list[_Row]) -> tuple[tuple[Cell, ...], ...]:
    """Expand rowspan/colspan into a grid of rows; copies are ``spanned``. Short rows stay short."""
    widest = max(len(cells) for _, cells in rows)
    # Columns the table really has: colspans up to the widest row count, an oversized colspan as one column.
    width = widest
    for _, cells in rows:
        width = max(width, sum(colspan if colspan <= widest else 1 for _, _, colspan, _ in cells))
    carried: dict[int, tuple[Cell, int]] = {}  # column -> (copy to place, rows still to place it in)
    grid: list[tuple[Cell, ...]] = []

    def place_carried(column: int, out: list[Cell]) -> None:
        copy, remaining = carried[column]
        out.append(copy)
        if remaining > 1:
            carried[column] = (copy, remaining - 1)
        else:
            del carried[column]

    for number, (row_path, cells) in enumerate(rows):
        out: list[Cell] = []
        column = 0
        rows_left = len(rows) - number
        for element, cell_path, colspan_written, rowspan_written in cells:
            while column in carried:
                place_carried(column, out)
                column += 1
            # Inlined _text(): this runs for every cell of every table.
            children = len(element)
            if children == 0:
                raw = element.text or ""
            else:
                if children > 1 or len(element[0]) > 1:
                    # Paragraphs inside a cell are read as one line: a break after each keeps their words apart.
                    for block in element.iter(*_CELL_BREAKS):
                        block.tail = _BREAK + (block.tail or "")
                raw = etree.tostring(element, method="text", encoding=str, with_tail=False)
                if _BREAK in raw:
                    raw = raw.replace(_BREAK, " ")
            cell = Cell(" ".join(raw.split()), Source(None, cell_path))
            out.append(cell)
            if colspan_written == 1 and rowspan_written == 1:
                column += 1
                continue
            colspan = max(1, min(colspan_written, _MAX_COLSPAN, width - column))
            for offset in range(1, colspan):  # a span running into a cell from a row above stops there
                if column + offset in carried:
                    colspan = offset
                    break
            rowspan = rows_left if rowspan_written == 0 else max(1, min(rowspan_written, _MAX_ROWSPAN, rows_left))
            copy = Cell(cell.text, cell.source, spanned=True)
            out.extend([copy] * (colspan - 1))
            if rowspan > 1:
                for offset in range(colspan):
                    carried[column + offset] = (copy, rowspan - 1)
            column += colspan
        if carried:
            # Cells spanning down into the rest of this row; a hole before them stays an empty cell so that the
            # spanned cells keep their columns.
            last = max(carried)
            while column <= last:
                if column in carried:
                    place_carried(column, out)
                else:
                    out.append(Cell("", Source(path=row_path)))
                column += 1
        grid.append(tuple(out))
    return tuple(grid)
