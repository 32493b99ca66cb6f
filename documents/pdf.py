"""PDF reports: text and ruling lines from pypdfium2, tables built by pdfplumber's algorithm, scans by OCR.

pypdfium2 reads every page's characters and counts its path objects; on pages drawn with enough of them to hold
a table, the ruling lines are read from the paths and pdfplumber's table algorithm (redone on tuples) builds the
cells (:mod:`documents.pdf_lines`), which become grids (:mod:`documents.grid`); a table that runs over a page break is
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
from struct import Struct
from typing import Any

import pypdfium2 as pdfium  # type: ignore[import-untyped]
import pypdfium2.raw as pdfium_raw  # type: ignore[import-untyped]

from documents.budget import Budget
from documents.errors import ExtractionError
from documents.grid import BoxCell, Fragment, fragment
from documents.layout import TextLine, block_text, drop_page_furniture, group_lines
from documents.model import Document, Source
from documents.paged import PageContent, assemble, settle_lone_cells
from documents.pdf_lines import Box, Edge, page_edges, ruled_cells
from documents.pdfium_calls import address, get_loose_char_box, get_unicode

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
_RECT = Struct("4f")  # pdfium's FS_RECTF: left, top, right, bottom as C floats
_GetCharBox = pdfium_raw.FPDFText_GetCharBox
_GetObjectType = pdfium_raw.FPDFPageObj_GetType
_PATH = pdfium_raw.FPDF_PAGEOBJ_PATH
_FORM = pdfium_raw.FPDF_PAGEOBJ_FORM
_MAX_FORM_DEPTH = 14  # levels of nested forms whose paths are counted (pypdfium2's get_objects: max_depth=15)


@dataclass(slots=True)
class _Page:
    number: int
    width: float
    height: float
    chars: list[_Char]
    scanned: bool = False
    tables: list[Fragment] = field(default_factory=list)
    _centres: list[tuple[float, float]] | None = None
    _bands: dict[int, list[int]] | None = None

    @property
    def centres(self) -> list[tuple[float, float]]:
        """The centre (x, y) of each character's box, in the order of ``chars`` (computed once)."""
        if self._centres is None:
            self._centres = [((c[1] + c[3]) / 2, (c[2] + c[4]) / 2) for c in self.chars]
        return self._centres

    @property
    def bands(self) -> dict[int, list[int]]:
        """The characters (their indices in ``chars``; line breaks left out) by the horizontal band of the page
        their centre lies in (computed once)."""
        if self._bands is None:
            self._bands = {}
            for index, (char, (_x, y)) in enumerate(zip(self.chars, self.centres, strict=True)):
                if char[0] != "\n":
                    self._bands.setdefault(int(y // _BAND), []).append(index)
        return self._bands


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


def scanned_pages(data: bytes) -> int:
    """How many pages of a PDF have no text layer (they will be read by OCR): a cheap look at the text layer only,
    for routing the work; 0 for a PDF that cannot be opened (its reading will say why)."""
    try:
        with _open(data) as pdf:
            scanned = 0
            for index in range(min(len(pdf), MAX_PAGES)):
                page = pdf[index]
                try:
                    textpage = page.get_textpage()
                    try:
                        printed = len("".join(textpage.get_text_range().split()))
                    finally:
                        textpage.close()
                finally:
                    page.close()
                scanned += printed < _MIN_TEXT_CHARS
            return scanned
    except (ExtractionError, pdfium.PdfiumError):
        return 0


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
            chars, printed = _chars(textpage, height)
        finally:
            textpage.close()
        number = index + 1
        if printed < _MIN_TEXT_CHARS:
            return _Page(number, width, height, chars, scanned=True)
        result = _Page(number, width, height, chars)
        if _count_paths(page.raw, form=False, level=0, found=0) >= _MIN_TABLE_PATHS:
            result.tables = _tables(page_edges(page, height), result)
        return result
    finally:
        page.close()


def _count_paths(parent: Any, *, form: bool, level: int, found: int) -> int:
    """``found`` plus the path objects of a page (or form XObject) and the forms in it, counted up to
    :data:`_MIN_TABLE_PATHS` — what pypdfium2's ``get_objects`` would list (forms followed 15 levels deep), without
    making a Python object for each of the page's objects."""
    count, get = (
        (pdfium_raw.FPDFFormObj_CountObjects, pdfium_raw.FPDFFormObj_GetObject)
        if form
        else (pdfium_raw.FPDFPage_CountObjects, pdfium_raw.FPDFPage_GetObject)
    )
    total = count(parent)
    if total < 0:
        raise pdfium.PdfiumError("Failed to get number of pageobjects.")
    for index in range(total):
        obj = get(parent, index)
        if not obj:
            raise pdfium.PdfiumError("Failed to get pageobject.")
        kind = _GetObjectType(obj)
        if kind == _PATH:
            found += 1
            if found >= _MIN_TABLE_PATHS:
                return found
        elif kind == _FORM and level < _MAX_FORM_DEPTH:
            found = _count_paths(obj, form=True, level=level + 1, found=found)
            if found >= _MIN_TABLE_PATHS:
                return found
    return found


def _tables(edges: list[Edge], page: _Page) -> list[Fragment]:
    """The page's ruled tables as fragments, and a lone cell below them all (maybe a table's stranded first row)."""
    tables, lone = ruled_cells(edges)
    fragments = [fragment(_cell_texts(cells, page), page.number) for cells in tables]
    lowest = max((f.bottom for f in fragments), default=0.0)
    for cell in lone:
        _x0, top, _x1, bottom = cell
        if top > lowest and bottom - top < _LONE_HEIGHT * page.height:
            fragments.append(fragment(_cell_texts([cell], page), page.number, lone=True))
    return fragments


def _chars(textpage: Any, height: float) -> tuple[list[_Char], int]:
    """Every character of the text layer in content order with its box; a space or line break (also those pdfium
    generates between words and lines) gets the box of the character before it.

    The loose box (the font's full line height) keeps a line's characters level; but a character drawn with a wide
    advance (vertical text in a merged cell, spread by character spacing) gets a loose box reaching into the cells
    beside it, so such a character is placed by its tight box (the glyph itself).

    Also returns how many characters are printed (not spaces or line breaks)."""
    handle = textpage.raw
    page = address(handle)  # for the per-character calls, declared with plain addresses
    rect = pdfium_raw.FS_RECTF()
    rect_address = ctypes.addressof(rect)
    unpack = _RECT.unpack_from
    tight = [ctypes.c_double() for _ in range(4)]  # left, right, bottom, top
    out: list[_Char] = []
    append = out.append
    x0 = top = x1 = bottom = 0.0  # the box of the last printed character
    printed = 0
    for index in range(textpage.count_chars()):
        code = get_unicode(page, index)
        char = chr(code) if 0 < code < 0x110000 else ""
        if not char or char.isspace():
            append(("\n" if char in ("\r", "\n") else " ", x0, top, x1, bottom))
            continue
        printed += 1
        if get_loose_char_box(page, index, rect_address):
            x0, y1, x1, y0 = unpack(rect)
            top, bottom = height - y1, height - y0
            if x1 - x0 > _WIDE * (bottom - top) and _GetCharBox(handle, index, *tight):
                x0, top, x1, bottom = tight[0].value, height - tight[3].value, tight[1].value, height - tight[2].value
        append((char, x0, top, x1, bottom))
    return out, printed


def _pieces(chars: list[_Char]) -> list[tuple[str, float, float, float, float]]:
    """Runs of characters on one line (broken at line breaks and where the text jumps back or down)."""
    pieces: list[tuple[str, float, float, float, float]] = []
    text: list[str] = []
    x0 = top = x1 = bottom = 0.0
    for char, c0, ctop, c1, cbottom in chars:
        if char in {"\n", " "}:
            if text:
                if char == " ":
                    text.append(" ")
                else:
                    pieces.append(("".join(text), x0, top, x1, bottom))  # a run starts with a printed character
                    text = []
            continue
        if text:
            height = bottom - top
            if not (c0 < x1 - height or ctop > bottom - 0.3 * height or cbottom < top + 0.3 * height):
                x0 = c0 if c0 < x0 else x0
                top = ctop if ctop < top else top
                x1 = c1 if c1 > x1 else x1
                bottom = cbottom if cbottom > bottom else bottom
                text.append(char)
                continue
            pieces.append(("".join(text), x0, top, x1, bottom))
        text = [char]
        x0, top, x1, bottom = c0, ctop, c1, cbottom
    if text:
        pieces.append(("".join(text), x0, top, x1, bottom))
    return pieces


def _cell_texts(boxes: list[Box], page: _Page) -> list[BoxCell]:
    """Each ruled cell with the text of the characters whose centres lie inside it."""
    bands: dict[int, list[tuple[int, float, float, float, float]]] = {}  # 10-point bands → the cells reaching into them
    for i, (x0, top, x1, bottom) in enumerate(boxes):
        entry = (i, x0, top, x1, bottom)
        for band in range(int(top // _BAND), int(bottom // _BAND) + 1):
            bands.setdefault(band, []).append(entry)
    inside: list[list[_Char]] = [[] for _ in boxes]
    chars, centres, by_band = page.chars, page.centres, page.bands
    # The characters in the bands the cells reach into, in content order, each with the cells of its band.
    hits = [(index, candidates) for band, candidates in bands.items() for index in by_band.get(band, ())]
    hits.sort(key=_first)
    for index, candidates in hits:
        x, y = centres[index]
        for i, x0, top, x1, bottom in candidates:
            if x0 <= x < x1 and top <= y < bottom:
                inside[i].append(chars[index])
                break
    number = page.number
    cells: list[BoxCell] = []
    for (x0, top, x1, bottom), held in zip(boxes, inside, strict=True):
        text = block_text(held) if held else ""
        cells.append(BoxCell(x0, top, x1, bottom, text, Source(page=number, box=(x0, top, x1, bottom))))
    return cells


def _first(pair: tuple[int, object]) -> int:
    return pair[0]


def _outside(page: _Page, tables: Sequence[Fragment]) -> list[_Char]:
    """The page's characters whose centres lie outside all the tables."""
    boxes = [(t.x0, t.top, t.x1, t.bottom) for t in tables]
    pairs = zip(page.chars, page.centres, strict=True)
    if len(boxes) == 1:
        ((x0, top, x1, bottom),) = boxes
        return [char for char, (x, y) in pairs if not (x0 <= x <= x1 and top <= y <= bottom)]
    out = []
    for char, (x, y) in pairs:
        for x0, top, x1, bottom in boxes:
            if x0 <= x <= x1 and top <= y <= bottom:
                break
        else:
            out.append(char)
    return out


def _lines(page: _Page, tables: Sequence[Fragment]) -> list[TextLine]:
    """The page's text lines outside the given tables, without page numbers."""
    chars = _outside(page, tables) if tables else page.chars
    lines = [
        TextLine(text, x0, top, x1, bottom, page.number, Source(page=page.number, line=number))
        for number, (text, x0, top, x1, bottom) in enumerate(group_lines(_pieces(chars)), start=1)
    ]
    return drop_page_furniture(lines, page.height)
