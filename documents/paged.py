"""Assembling a paged document (PDF text layer or OCR): each page's text lines and ruled tables → blocks in
reading order, paragraphs across page breaks and tables continued on the next page joined into one."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from documents.grid import BoxCell, Fragment, join_fragments, same_columns, to_grid
from documents.layout import Measures, TextLine, measure, paragraphs
from documents.model import Block, Paragraph, Source, Table

_COLUMN_SLACK = 3  # points: cell edges this close are one column's


@dataclass(frozen=True)
class PageContent:
    """What one page holds: its text lines outside the tables, and the table fragments on it."""

    number: int
    lines: tuple[TextLine, ...]
    tables: tuple[Fragment, ...]


_PROSE = re.compile(r"[。；;！？]|[，,][^，,]{8,}[，,]")
_PROSE_LENGTH = 40  # characters: a table cell rarely holds a sentence this long


def is_prose_box(fragment: Fragment) -> bool:
    """Whether a ruled "table" is text in a frame: one column whose cells hold sentences (a boxed note, a paragraph
    drawn in a one-cell table), not a table of the report."""
    lefts = {round(cell.x0) for cell in fragment.cells}
    rights = {round(cell.x1) for cell in fragment.cells}
    if max(lefts) - min(lefts) > _COLUMN_SLACK or max(rights) - min(rights) > _COLUMN_SLACK:
        return False
    texts = [cell.text for cell in fragment.cells if cell.text]
    return bool(texts) and any(len(text) >= _PROSE_LENGTH and _PROSE.search(text) for text in texts)


def settle_lone_cells(
    tables: Sequence[Fragment], lines_outside: Callable[[Sequence[Fragment]], list[TextLine]]
) -> tuple[list[Fragment], list[TextLine]]:
    """The page's table fragments and lines: a framed paragraph (a one-column "table" of prose) is text; a lone
    ruled cell stays a table fragment only when it is the last thing on its page (a table's first row stranded
    there by the page break); otherwise it is text in a box and stays among the lines.

    ``lines_outside`` gives the page's lines outside a set of fragments. Returns the fragments and lines kept.
    """
    tables = [t for t in tables if not is_prose_box(t)]
    lines = lines_outside(tables)
    lone = [t for t in tables if t.lone]
    if not lone:
        return list(tables), lines
    kept = [t for t in tables if not t.lone]
    if len(lone) == 1 and all(line.top < lone[0].top for line in lines):
        kept.append(lone[0])
    return kept, lines_outside(kept)


def assemble(pages: Sequence[PageContent]) -> list[Block]:
    """Paragraphs and tables of all pages in reading order, tables continued over page breaks joined."""
    items: list[TextLine | Fragment] = []
    for page in pages:
        placed: list[tuple[float, TextLine | Fragment]] = [(line.top, line) for line in page.lines]
        placed += [(table.top, table) for table in page.tables]
        placed.sort(key=lambda item: item[0])
        items.extend(item for _top, item in placed)

    everything = [line for page in pages for line in page.lines]
    measured: Measures | None = None  # of all the lines, for every run of them between tables: measured once

    def run_paragraphs(run: list[TextLine]) -> list[Paragraph]:
        nonlocal measured
        if measured is None:
            measured = measure(everything or run)
        return [paragraph for _line, paragraph in paragraphs(run, measures=measured)]

    blocks: list[Block] = []
    run: list[TextLine] = []
    open_table: list[BoxCell] | None = None
    first_fragment: Fragment | None = None
    last_fragment: Fragment | None = None

    def close_table() -> None:
        nonlocal open_table, first_fragment, last_fragment
        if first_fragment is not None and first_fragment.lone and last_fragment is first_fragment:
            cell = first_fragment.cells[0]  # a lone cell nothing continued: text in a box after all
            if cell.text:
                blocks.append(Paragraph(cell.text, cell.source))
        elif open_table is not None and first_fragment is not None:
            rows = to_grid(open_table)
            if rows:
                box = (first_fragment.x0, first_fragment.top, first_fragment.x1, first_fragment.bottom)
                blocks.append(Table(rows=rows, source=Source(page=first_fragment.page, box=box)))
        open_table, first_fragment, last_fragment = None, None, None

    for item in items:
        if isinstance(item, TextLine):
            if open_table is not None:
                close_table()
            run.append(item)
            continue
        if run:
            blocks.extend(run_paragraphs(run))
            run = []
        if (
            open_table is not None
            and last_fragment is not None
            and item.page == last_fragment.page + 1
            and same_columns(open_table, item)
        ):
            open_table = join_fragments(open_table, item)
            last_fragment = item
            continue
        close_table()
        open_table, first_fragment, last_fragment = list(item.cells), item, item
    close_table()
    if run:
        blocks.extend(run_paragraphs(run))
    return blocks
