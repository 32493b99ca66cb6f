"""PDF reports: text and ruling lines from pypdfium2, tables built by pdfplumber's algorithm, scans by OCR.

pypdfium2 reads every page's characters and counts its path objects; on pages drawn with enough of them to hold
a table, the ruling lines are read from the paths and pdfplumber's table routines build the cells
(:mod:`documents.pdf_lines`), which become grids (:mod:`documents.grid`); a table that runs over a page break is
joined into one. Text outside the tables is assembled into paragraphs (:mod:`documents.layout`). Pages without a
text layer are read by OCR (:mod:`documents.ocr`); a PDF whose text all came from OCR is not machine-readable
(rule D604).

Sources: a paragraph is ``page N, line K`` (its first line, counted on the page); a table cell is ``page N, box
x0,top,x1,bottom`` in points from the page's top-left corner.

Limits: a PDF of more than :data:`MAX_PAGES` pages is refused (an annual report has 5–30), as is a scan of more
than :data:`MAX_OCR_PAGES` pages (OCR takes seconds a page) and one whose OCR runs past its time limit
(:data:`documents.budget.MAX_OCR_SECONDS`, an overall bound); encrypted and damaged files are refused by name.
"""

from __future__ import annotations

import ctypes
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import pypdfium2 as pdfium  # type: ignore[import-untyped]
import pypdfium2.raw as pdfium_raw  # type: ignore[import-untyped]

from documents.budget import Budget
from documents.errors import ExtractionError
from documents.grid import BoxCell, Fragment, fragment
from documents.layout import TextLine, drop_page_furniture, group_lines, join_lines
from documents.model import Document, Source
from documents.paged import PageContent, assemble, settle_lone_cells
from documents.pdf_lines import Box, page_edges, ruled_cells

#: More pages than this is not an annual report (they run 5–30 pages); refused before any page is read.
MAX_PAGES = 200
#: More scanned pages than this would take minutes of OCR; refused.
MAX_OCR_PAGES = 40
_MIN_TEXT_CHARS = 10  # a page with fewer characters in its text layer is taken as a scan
_MIN_TABLE_PATHS = 4  # a page with fewer path objects holds no ruled table (a lone cell has four)
_BAND = 10.0  # points: cells are looked up by horizontal bands of the page this high
_LONE_HEIGHT = 0.1  # share of the page height: a single ruled cell this low may be a table's first row
_WIDE = 1.6  # a character's loose box this many times wider than high is not where its glyph is


# A character of the text layer: the character (" " for any space, "\n" for a line break) and its box.
_Char = tuple[str, float, float, float, float]


@dataclass
class _Page:
    number: int
    width: float
    height: float
    chars: list[_Char]
    scanned: bool = False
    tables: list[Fragment] = field(default_factory=list)


def extract_pdf(data: bytes) -> Document:
    """Turn the bytes of a PDF into a Document (format ``"pdf"``); pages without a text layer are read by OCR.

    Raises ExtractionError for an encrypted, damaged or over-long PDF, and for a scan too long to OCR.
    """
    with _open(data) as pdf:
        try:
            return _extract(pdf)
        except pdfium.PdfiumError:
            raise ExtractionError("PDF 文件已损坏或不完整（可能下载未完成），无法读取") from None


def _extract(pdf: Any) -> Document:
    """The Document of an open PDF (pypdfium2 errors propagate)."""
    count = len(pdf)
    if count > MAX_PAGES:
        raise ExtractionError(f"PDF 共 {count} 页，超过 {MAX_PAGES} 页的上限，不像是一份年度报告")
    if count == 0:
        raise ExtractionError("PDF 文件中没有页面")
    pages = [_read_page(pdf, index) for index in range(count)]
    scanned = [page.number for page in pages if page.scanned]
    if len(scanned) > MAX_OCR_PAGES:
        raise ExtractionError(f"PDF 中有 {len(scanned)} 页是没有文字层的扫描图像，超过可识别的 {MAX_OCR_PAGES} 页上限")
    read: dict[int, PageContent] = {}
    if scanned:
        budget = Budget()  # before the OCR engine loads: its loading counts against the bound
        from documents.ocr import ocr_pdf_page  # noqa: PLC0415  (OCR's engine and models load only for scans)

        for done, number in enumerate(scanned):
            budget.check(done, len(scanned))
            read[number] = ocr_pdf_page(pdf, number)
    for page in pages:
        if not page.scanned:
            tables, lines = settle_lone_cells(page.tables, partial(_lines, page))
            read[page.number] = PageContent(page.number, tuple(lines), tuple(tables))
    blocks = assemble([read[number] for number in sorted(read)])
    return Document(blocks=tuple(blocks), format="pdf", machine_readable=len(scanned) < count)


@contextmanager
def _open(data: bytes) -> Iterator[Any]:
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        code = getattr(exc, "err_code", None)
        if code in (pdfium_raw.FPDF_ERR_PASSWORD, pdfium_raw.FPDF_ERR_SECURITY):
            raise ExtractionError("PDF 文件已加密，需要密码才能打开，无法读取") from None
        raise ExtractionError("PDF 文件已损坏或不完整（可能下载未完成），无法读取") from None
    try:
        yield pdf
    finally:
        pdf.close()


def _read_page(pdf: Any, index: int) -> _Page:
    """The characters (top-left coordinates) and the number of path objects of one page."""
    page = pdf[index]
    try:
        width, height = page.get_size()
        textpage = page.get_textpage()
        try:
            chars = _chars(textpage, height)
        finally:
            textpage.close()
        number = index + 1
        printed = sum(1 for c in chars if not c[0].isspace())
        if printed < _MIN_TEXT_CHARS:
            return _Page(number, width, height, chars, scanned=True)
        result = _Page(number, width, height, chars)
        for paths, _obj in enumerate(page.get_objects(filter=[pdfium_raw.FPDF_PAGEOBJ_PATH]), start=1):
            if paths >= _MIN_TABLE_PATHS:
                result.tables = _tables(page_edges(page, height), result)
                break
        return result
    finally:
        page.close()


def _tables(edges: list[dict[str, Any]], page: _Page) -> list[Fragment]:
    """The page's ruled tables as fragments, and a lone cell below them all (maybe a table's stranded first row)."""
    tables, lone = ruled_cells(edges)
    fragments = [fragment(_cell_texts(cells, page.chars, page.number), page.number) for cells in tables]
    lowest = max((f.bottom for f in fragments), default=0.0)
    for cell in lone:
        _x0, top, _x1, bottom = cell
        if top > lowest and bottom - top < _LONE_HEIGHT * page.height:
            fragments.append(fragment(_cell_texts([cell], page.chars, page.number), page.number, lone=True))
    return fragments


def _chars(textpage: Any, height: float) -> list[_Char]:
    """Every character of the text layer in content order with its box; a space or line break (also those pdfium
    generates between words and lines) gets the box of the character before it.

    The loose box (the font's full line height) keeps a line's characters level; but a character drawn with a wide
    advance (vertical text in a merged cell, spread by character spacing) gets a loose box reaching into the cells
    beside it, so such a character is placed by its tight box (the glyph itself)."""
    handle = textpage.raw
    rect = pdfium_raw.FS_RECTF()
    left, right, bottom, top = (ctypes.c_double() for _ in range(4))
    out: list[_Char] = []
    box = (0.0, 0.0, 0.0, 0.0)
    for index in range(textpage.count_chars()):
        code = pdfium_raw.FPDFText_GetUnicode(handle, index)
        char = chr(code) if 0 < code < 0x110000 else ""
        if not char or char.isspace():
            out.append(("\n" if char in ("\r", "\n") else " ", *box))
            continue
        if pdfium_raw.FPDFText_GetLooseCharBox(handle, index, rect):
            box = (rect.left, height - rect.top, rect.right, height - rect.bottom)
            if box[2] - box[0] > _WIDE * (box[3] - box[1]) and pdfium_raw.FPDFText_GetCharBox(
                handle, index, left, right, bottom, top
            ):
                box = (left.value, height - top.value, right.value, height - bottom.value)
        out.append((char, *box))
    return out


def _pieces(chars: list[_Char]) -> list[tuple[str, float, float, float, float]]:
    """Runs of characters on one line (broken at line breaks and where the text jumps back or down)."""
    pieces: list[tuple[str, float, float, float, float]] = []
    text: list[str] = []
    x0 = top = x1 = bottom = 0.0

    def close() -> None:
        if text and "".join(text).strip():
            pieces.append(("".join(text), x0, top, x1, bottom))
        text.clear()

    for char, c0, ctop, c1, cbottom in chars:
        if char == "\n":
            close()
            continue
        if char == " ":
            if text:
                text.append(" ")
            continue
        if text and (c0 < x1 - (bottom - top) or ctop > bottom - 0.3 * (bottom - top) or cbottom < top + 0.3 * (bottom - top)):
            close()
        if not text:
            x0, top, x1, bottom = c0, ctop, c1, cbottom
        else:
            x0, top, x1, bottom = min(x0, c0), min(top, ctop), max(x1, c1), max(bottom, cbottom)
        text.append(char)
    close()
    return pieces


def _cell_texts(boxes: list[Box], chars: list[_Char], page: int) -> list[BoxCell]:
    """Each ruled cell with the text of the characters whose centres lie inside it."""
    bands: dict[int, list[int]] = {}  # 10-point bands of the page → the cells reaching into them
    for i, (_x0, top, _x1, bottom) in enumerate(boxes):
        for band in range(int(top // _BAND), int(bottom // _BAND) + 1):
            bands.setdefault(band, []).append(i)
    inside: dict[int, list[_Char]] = {i: [] for i in range(len(boxes))}
    for char in chars:
        if char[0] == "\n":
            continue
        x = (char[1] + char[3]) / 2
        y = (char[2] + char[4]) / 2
        for i in bands.get(int(y // _BAND), ()):
            x0, top, x1, bottom = boxes[i]
            if x0 <= x < x1 and top <= y < bottom:
                inside[i].append(char)
                break
    cells = []
    for i, (x0, top, x1, bottom) in enumerate(boxes):
        text = join_lines(line[0] for line in group_lines(inside[i]))
        cells.append(BoxCell(x0, top, x1, bottom, text, Source(page=page, box=(x0, top, x1, bottom))))
    return cells


def _inside(char: _Char, tables: Sequence[Fragment]) -> bool:
    x = (char[1] + char[3]) / 2
    y = (char[2] + char[4]) / 2
    return any(t.x0 <= x <= t.x1 and t.top <= y <= t.bottom for t in tables)


def _lines(page: _Page, tables: Sequence[Fragment]) -> list[TextLine]:
    """The page's text lines outside the given tables, without page numbers."""
    chars = [c for c in page.chars if not _inside(c, tables)] if tables else page.chars
    lines = [
        TextLine(text, x0, top, x1, bottom, page.number, Source(page=page.number, line=number))
        for number, (text, x0, top, x1, bottom) in enumerate(group_lines(_pieces(chars)), start=1)
    ]
    return drop_page_furniture(lines, page.height)
