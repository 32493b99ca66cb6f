"""Real reports drawn as PDFs the way particular producers draw them, for the PDF reader's tests.

The content is a real report's (paragraphs and tables read from its page); the drawing reproduces what a producer
does that the reader must cope with:

- ``backgrounds``: every line of text painted on a white filled box with no stroke (WPS exports do this);
- ``framed``: paragraphs that hold a given word drawn line by line in ruled cells (a one-column "table" of prose);
- ``wide``: the characters of a given merged cell drawn one under another in a font whose advance is four times
  its glyph's width (vertical text as a word processor sets it), so that each character's loose box reaches far
  into the cells to its right;
- ``break_in``: a page break inside the table row whose label starts with a given text: the label's first part at
  the foot of one page, its rest and the row's values at the head of the next (a row allowed to break across
  pages, its values vertically centred).

PDF 1.4, the standard CJK font STSong-Light (nothing embedded), A4 pages, written by crawler/demo_portal/files.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from crawler.demo_portal.files import STSONG_OBJECTS, assemble_pdf
from documents.model import Block, Cell, Paragraph, Table

WIDTH, HEIGHT, MARGIN = 595.0, 842.0, 56.0
SIZE, LEADING = 10.5, 16.0
CELL_SIZE, CELL_LEADING, PAD = 7.5, 9.5, 2.5


def _units(char: str) -> float:
    return 0.5 if ord(char) < 0x2E80 else 1.0


def _wrap(text: str, width: float, size: float) -> list[str]:
    out, current, used = [], "", 0.0
    for char in text:
        step = _units(char) * size
        if used + step > width and current:
            out.append(current)
            current, used = "", 0.0
        current += char
        used += step
    return [*out, current] if current or not out else out


def _hex(text: str) -> str:
    return text.encode("utf-16-be").hex().upper()


@dataclass
class Drawing:
    """Page content streams, a cursor down the page, and the drawing options."""

    backgrounds: bool = False
    framed: str = ""
    wide: str = ""
    break_in: str = ""
    pages: list[list[str]] = field(default_factory=lambda: [[]])
    top: float = MARGIN

    def new_page(self) -> None:
        self.pages.append([])
        self.top = MARGIN

    def room(self, height: float) -> None:
        if self.top + height > HEIGHT - MARGIN:
            self.new_page()

    def text(self, x: float, top: float, size: float, text: str, *, font: str = "F1", page: int = -1) -> None:
        """One line of text, its top ``top`` points below the page's top edge, on page ``page`` (the last)."""
        if self.backgrounds:
            width = sum(_units(c) for c in text) * size
            y = HEIGHT - top - size * 1.15
            self.pages[page].append(f"q 1 g {x - 1:.2f} {y:.2f} {width + 2:.2f} {size * 1.2:.2f} re f Q")
        baseline = HEIGHT - top - size * 0.88
        self.pages[page].append(f"BT /{font} {size} Tf {x:.2f} {baseline:.2f} Td <{_hex(text)}> Tj ET")

    def box(self, x0: float, top: float, x1: float, bottom: float) -> None:
        self.pages[-1].append(f"{x0:.2f} {HEIGHT - bottom:.2f} {x1 - x0:.2f} {bottom - top:.2f} re S")

    def paragraph(self, text: str) -> None:
        lines = _wrap(text, WIDTH - 2 * MARGIN - 8, SIZE)
        framed = bool(self.framed) and self.framed in text
        self.room(len(lines) * LEADING + (8 if framed else 0))
        for line in lines:
            if framed:  # each line in a ruled cell of its own: a one-column "table" of prose
                self.box(MARGIN, self.top, WIDTH - MARGIN, self.top + LEADING + 4)
            self.text(MARGIN + (4 if framed else 0), self.top + (2 if framed else 0), SIZE, line)
            self.top += LEADING + (4 if framed else 0)

    def table(self, table: Table) -> None:
        spans = _spans(table)
        columns = max(len(row) for row in table.rows)
        widths = _widths(table, columns, self.wide)
        lefts = [MARGIN + sum(widths[:c]) for c in range(columns + 1)]
        texts = {key: self._cell_lines(cell, lefts[key[1] + span[1]] - lefts[key[1]]) for key, (cell, span) in spans.items()}
        heights = [CELL_LEADING + 2 * PAD] * len(table.rows)
        for (row, _col), (_cell, (rowspan, _colspan)) in sorted(spans.items(), key=lambda kv: kv[1][1][0]):
            need = len(texts[(row, _col)]) * CELL_LEADING + 2 * PAD
            if rowspan == 1:
                heights[row] = max(heights[row], need)
            elif sum(heights[row : row + rowspan]) < need:
                heights[row + rowspan - 1] += need - sum(heights[row : row + rowspan])
        tops: list[tuple[int, float]] = []
        broken: int | None = None
        header = max((r + span[0] for (r, _c), (_cell, span) in spans.items() if r == 0), default=1)
        self.room(sum(heights[: header + 1]))  # the header rows stay on a page with the first row under them
        for row, height in enumerate(heights):
            label = table.rows[row][0].text if table.rows[row] else ""
            first = next((c.text for c in table.rows[row] if not c.spanned and c.text), "")
            if self.break_in and (label.startswith(self.break_in) or first.startswith(self.break_in)) and broken is None:
                broken = row
                self.room(height * 1.5)
                if row:  # the row above grows down to where this one must start for half of it to fit
                    heights[row - 1] += HEIGHT - MARGIN - height / 2 - self.top
                self.top = HEIGHT - MARGIN - height / 2
            else:
                self.room(height)
            tops.append((len(self.pages) - 1, self.top))
            self.top += height
            if broken == row:
                self.new_page()
                self.top = MARGIN + height / 2
        for (row, col), (cell, (rowspan, colspan)) in spans.items():
            page, top = tops[row]
            x0, x1 = lefts[col], lefts[col + colspan]
            bottom_row = row + rowspan - 1
            bottom = tops[bottom_row][1] + heights[bottom_row]
            lines = texts[(row, col)]
            if broken is not None and row <= broken <= bottom_row:
                self._broken_cell(
                    cell, lines, x0=x0, x1=x1, top=top, bottom=bottom, row=row, broken=broken, heights=heights, tops=tops
                )
                continue
            for other in range(row, bottom_row + 1):
                if tops[other][0] != page:
                    bottom = tops[other - 1][1] + heights[other - 1]
                    break
            self.pages[page].append(f"{x0:.2f} {HEIGHT - bottom:.2f} {x1 - x0:.2f} {bottom - top:.2f} re S")
            self._cell_text(page, cell, lines, x0=x0, x1=x1, top=top, bottom=bottom)
        self.top += LEADING / 2

    def _broken_cell(
        self,
        cell: Cell,
        lines: list[str],
        *,
        x0: float,
        x1: float,
        top: float,
        bottom: float,
        row: int,
        broken: int,
        heights: list[float],
        tops: list[tuple[int, float]],
    ) -> None:
        """A cell of the row broken by the page break: its box drawn on both pages, a label's first line above,
        the rest and any value below (values are centred in their row, so they fall on the second page)."""
        upper_page = tops[broken][0]
        upper_bottom = HEIGHT - MARGIN
        lower_top = MARGIN
        lower_bottom = bottom if row != broken else MARGIN + heights[broken] / 2  # a merged cell runs on below
        self.pages[upper_page].append(f"{x0:.2f} {HEIGHT - upper_bottom:.2f} {x1 - x0:.2f} {upper_bottom - top:.2f} re S")
        self.pages[upper_page + 1].append(
            f"{x0:.2f} {HEIGHT - lower_bottom:.2f} {x1 - x0:.2f} {lower_bottom - lower_top:.2f} re S"
        )
        if row != broken:  # a merged cell reaching into the broken row keeps its text above
            self._cell_text(upper_page, cell, lines, x0=x0, x1=x1, top=top, bottom=upper_bottom)
            return
        if len(lines) > 1:
            self._cell_text(upper_page, cell, lines[:1], x0=x0, x1=x1, top=top, bottom=top + CELL_LEADING + 2 * PAD)
            self._cell_text(upper_page + 1, cell, lines[1:], x0=x0, x1=x1, top=lower_top, bottom=lower_bottom)
        else:
            self._cell_text(upper_page + 1, cell, lines, x0=x0, x1=x1, top=lower_top, bottom=lower_bottom)

    def _cell_text(self, page: int, cell: Cell, lines: list[str], *, x0: float, x1: float, top: float, bottom: float) -> None:
        if self.wide and cell.text.startswith(self.wide):
            # One character a line in the wide-advance font: vertical text.
            for index, char in enumerate(cell.text[: int((bottom - top - 2 * PAD) / CELL_LEADING)]):
                self.text(x0 + PAD, top + PAD + index * CELL_LEADING, CELL_SIZE, char, font="F2", page=page)
            return
        middle = (top + bottom) / 2 - len(lines) * CELL_LEADING / 2
        for index, line in enumerate(lines):
            self.text(x0 + PAD, middle + index * CELL_LEADING, CELL_SIZE, line, page=page)

    @staticmethod
    def _cell_lines(cell: Cell, width: float) -> list[str]:
        return _wrap(cell.text, width - 2 * PAD, CELL_SIZE) if cell.text else []


def _spans(table: Table) -> dict[tuple[int, int], tuple[Cell, tuple[int, int]]]:
    """Each cell that is not a spanned copy, at its grid position, with (rowspan, colspan)."""
    out: dict[tuple[int, int], tuple[Cell, tuple[int, int]]] = {}
    for r, row in enumerate(table.rows):
        for c, cell in enumerate(row):
            if cell.spanned:
                continue
            colspan = 1
            while c + colspan < len(row) and row[c + colspan].spanned and row[c + colspan].source == cell.source:
                colspan += 1
            rowspan = 1
            while (
                r + rowspan < len(table.rows)
                and c < len(table.rows[r + rowspan])
                and table.rows[r + rowspan][c].spanned
                and table.rows[r + rowspan][c].source == cell.source
            ):
                rowspan += 1
            out[(r, c)] = (cell, (rowspan, colspan))
    return out


def _widths(table: Table, columns: int, narrow: str = "") -> list[float]:
    """Column widths filling the text width; the column of a cell starting with ``narrow`` one character wide."""
    natural = [24.0] * columns
    fixed: dict[int, float] = {}
    for row in table.rows:
        for c, cell in enumerate(row):
            if narrow and cell.text.startswith(narrow):
                fixed[c] = CELL_SIZE + 2 * PAD + 1
            elif not cell.spanned and cell.text:
                natural[c] = max(natural[c], min(110.0, sum(_units(ch) for ch in cell.text) * CELL_SIZE + 2 * PAD + 1))
    scale = (WIDTH - 2 * MARGIN - sum(fixed.values())) / sum(w for c, w in enumerate(natural) if c not in fixed)
    return [fixed.get(c, w * scale) for c, w in enumerate(natural)]


def draw(blocks: tuple[Block, ...] | list[Block], **options: str | bool) -> bytes:
    """A PDF of the blocks (see the module's description for ``options``)."""
    drawing = Drawing(**options)  # type: ignore[arg-type]
    for block in blocks:
        if isinstance(block, Paragraph):
            drawing.paragraph(block.text)
        else:
            drawing.table(block)
    wide_font = (
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H /DescendantFonts [7 0 R] >>",
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light"
        b" /CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> /FontDescriptor 5 0 R /DW 4000 >>",
    )
    streams = ["\n".join(["0.5 w 0 G", *page]) for page in drawing.pages]
    return assemble_pdf([*STSONG_OBJECTS, *wide_font], streams, fonts="/F1 3 0 R /F2 6 0 R", size=(WIDTH, HEIGHT))
