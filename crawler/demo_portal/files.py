"""The demo portal's attachments, written by code with no library: a PDF and a DOCX holding a seed report.

- PDF: PDF 1.4 in the standard Chinese font ``STSong-Light`` (one of the fonts every PDF reader must provide for
  Adobe-GB1, so nothing is embedded) with the ``UniGB-UCS2-H`` encoding: each line is a UTF-16 string. A4 pages,
  wrapped lines; the tables ruled as a word processor prints them, with the national format's merged cells (the
  same cells as the portal's HTML pages), so that the PDF reader finds them as in a real attachment.
- DOCX: the three parts a WordprocessingML package needs (content types, package relationships, the document),
  paragraphs and real ``w:tbl`` tables.

Both are byte-for-byte deterministic (fixed dates inside), so an unchanged attachment keeps its hash and ETag.
"""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape

from crawler.demo_portal.markup import Line, Placed, Td, build_table, place, plain

_PAGE_WIDTH, _PAGE_HEIGHT, _MARGIN = 595, 842, 56
_FONT_SIZE, _LEADING = 11, 16
_CONTENT_WIDTH = _PAGE_WIDTH - 2 * _MARGIN
_TABLE_FONT, _TABLE_LEADING, _PAD = 8, 10, 3  # table text: size and leading; white inside a cell's border
_MIN_COLUMN, _MAX_COLUMN = 24.0, 130.0  # points: the narrowest column, and the widest before its text wraps
_FIXED_DATE = (2026, 1, 20, 10, 0, 0)


def _units(char: str) -> float:
    """Width of a character in ems: STSong-Light's ASCII (CIDs 1–95) is half-width, the rest full-width."""
    return 0.5 if ord(char) < 0x2E80 else 1.0


def _wrap(line: str, width: float) -> list[str]:
    """``line`` broken into lines of at most ``width`` ems."""
    out, current, used = [], "", 0.0
    for char in line:
        step = _units(char)
        if used + step > width and current:
            out.append(current)
            current, used = "", 0.0
        current += char
        used += step
    out.append(current)
    return out


def _utf16_hex(text: str) -> str:
    return text.encode("utf-16-be").hex().upper()


def _text(x: float, top: float, size: int, text: str) -> str:
    """Show ``text`` with its first line's top at ``top`` points below the page's top edge."""
    return f"BT /F1 {size} Tf {x:.2f} {_PAGE_HEIGHT - top - size * 0.88:.2f} Td <{_utf16_hex(text)}> Tj ET"


def _column_widths(cells: list[Placed], columns: int) -> list[float]:
    """Widths in points filling the text width: each column as wide as its widest one-column text, within limits."""
    natural = [_MIN_COLUMN] * columns
    for cell in cells:
        if cell.td.colspan == 1:
            text = max((sum(_units(ch) for ch in part) for part in cell.td.text.split("\n")), default=0.0)
            natural[cell.column] = max(natural[cell.column], min(_MAX_COLUMN, text * _TABLE_FONT + 2 * _PAD + 1))
    scale = _CONTENT_WIDTH / sum(natural)
    return [width * scale for width in natural]


class _Pages:
    """Drawing operators page by page, with a cursor running down the text area."""

    def __init__(self) -> None:
        self.pages: list[list[str]] = [[]]
        self.top = float(_MARGIN)

    def room(self, height: float) -> None:
        """Start a new page unless ``height`` points fit below the cursor."""
        if self.top + height > _PAGE_HEIGHT - _MARGIN and self.top > _MARGIN:
            self.pages.append([])
            self.top = float(_MARGIN)

    def paragraph(self, text: str) -> None:
        for line in _wrap(text, _CONTENT_WIDTH / _FONT_SIZE):
            self.room(_LEADING)
            self.pages[-1].append(_text(_MARGIN, self.top, _FONT_SIZE, line))
            self.top += _LEADING

    def table(self, rows: list[list[Td]]) -> None:
        """A ruled table: every cell bordered, merged cells as one box; the header rows kept together, rows never
        split, a merged cell that runs over a page break drawn in a box on each page (its text on the first), as
        word processors print it."""
        cells, columns, _extent = place(rows)
        widths = _column_widths(cells, columns)
        lefts = [_MARGIN + sum(widths[:c]) for c in range(columns + 1)]
        lines = {id(cell): self._cell_lines(cell, lefts) for cell in cells}
        heights = [_TABLE_LEADING + 2 * _PAD] * len(rows)
        for cell in sorted(cells, key=lambda item: item.td.rowspan):
            need = len(lines[id(cell)]) * _TABLE_LEADING + 2 * _PAD
            span = range(cell.row, cell.row + cell.td.rowspan)
            if cell.td.rowspan == 1:
                heights[cell.row] = max(heights[cell.row], need)
            elif sum(heights[r] for r in span) < need:
                heights[span[-1]] += need - sum(heights[r] for r in span)
        # The header rows go to a page together with the first row under them, as with Word's "repeat as header".
        header = max((cell.row + cell.td.rowspan for cell in cells if cell.td.header), default=0)
        self.room(sum(heights[: header + 1]))
        placement: list[tuple[int, float]] = []  # per row: page index and top
        for height in heights:
            self.room(height)
            placement.append((len(self.pages) - 1, self.top))
            self.top += height
        self.top += _LEADING / 2
        for cell in cells:
            x0, x1 = lefts[cell.column], lefts[cell.column + cell.td.colspan]
            span = range(cell.row, min(len(rows), cell.row + cell.td.rowspan))
            first = True
            for page in sorted({placement[r][0] for r in span}):
                on_page = [r for r in span if placement[r][0] == page]
                top = placement[on_page[0]][1]
                height = sum(heights[r] for r in on_page)
                self.pages[page].append(f"{x0:.2f} {_PAGE_HEIGHT - top - height:.2f} {x1 - x0:.2f} {height:.2f} re S")
                if first:
                    for i, line in enumerate(lines[id(cell)]):
                        self.pages[page].append(_text(x0 + _PAD, top + _PAD + i * _TABLE_LEADING, _TABLE_FONT, line))
                    first = False

    @staticmethod
    def _cell_lines(cell: Placed, lefts: list[float]) -> list[str]:
        width = (lefts[cell.column + cell.td.colspan] - lefts[cell.column] - 2 * _PAD) / _TABLE_FONT
        return [line for part in cell.td.text.split("\n") for line in _wrap(plain(part), width)]


#: The objects of the standard Chinese font STSong-Light in the UniGB-UCS2-H encoding (a PDF reader provides the
#: font; nothing is embedded): the font (object 3), its CID font (4) and its descriptor (5).
STSONG_OBJECTS: tuple[bytes, ...] = (
    b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H /DescendantFonts [4 0 R] >>",
    b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light"
    b" /CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >>"
    b" /FontDescriptor 5 0 R /DW 1000 /W [1 95 500] >>",
    b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880]"
    b" /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>",
)


def assemble_pdf(
    shared: list[bytes],
    pages: list[str],
    *,
    fonts: str,
    size: tuple[float, float] = (_PAGE_WIDTH, _PAGE_HEIGHT),
    info: int | None = None,
) -> bytes:
    """A PDF 1.4 file: the catalog (object 1), the page tree (2), the ``shared`` objects (3 on: fonts, document
    information), then each page's content stream and page object. ``fonts`` is the pages' font resource
    dictionary body (``/F1 3 0 R``); ``info`` the number of the document information object, if any."""
    objects: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>", b"", *shared]
    kids = []
    for page in pages:
        stream = (page + "\n").encode("ascii")
        objects.append(b"<< /Length %d >>\nstream\n%sendstream" % (len(stream), stream))
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {size[0]:.0f} {size[1]:.0f}]"
            f" /Resources << /Font << {fonts} >> >> /Contents {len(objects)} 0 R >>".encode()
        )
        kids.append(f"{len(objects)} 0 R")
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(kids)} >>".encode()
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
    trailer = f"/Size {len(objects) + 1} /Root 1 0 R" + (f" /Info {info} 0 R" if info else "")
    out.write(f"trailer\n<< {trailer} >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def pdf_bytes(title: str, blocks: list[Line]) -> bytes:
    """A PDF of the seed report: paragraphs wrapped, tables ruled with their merged cells, A4 pages; ``title`` in
    its document information."""
    pages = _Pages()
    for block in blocks:
        if block.kind == "table":
            pages.table(build_table(block.rows))
        else:
            pages.paragraph(plain(block.text))
    information = (
        f"<< /Title <FEFF{_utf16_hex(title)}> /Producer (nianbao demo portal) /CreationDate (D:20260120100000+08'00') >>".encode()
    )
    streams = ["\n".join(["0.5 w", *page]) for page in pages.pages]
    return assemble_pdf([*STSONG_OBJECTS, information], streams, fonts="/F1 3 0 R", info=6)


_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_CONTENT_TYPES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/word/document.xml" ContentType="{_MAIN}"/>
</Types>"""

_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Target="word/document.xml"
 Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>
</Relationships>"""

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _paragraph(text: str, *, bold: bool = False, center: bool = False) -> str:
    props = '<w:pPr><w:jc w:val="center"/></w:pPr>' if center else ""
    run_props = '<w:rPr><w:rFonts w:eastAsia="宋体"/>' + ("<w:b/>" if bold else "") + "</w:rPr>"
    return f'<w:p>{props}<w:r>{run_props}<w:t xml:space="preserve">{escape(text)}</w:t></w:r></w:p>'


def _table(rows: tuple[tuple[str, ...], ...]) -> str:
    border = "".join(
        f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
        for side in ("top", "left", "bottom", "right", "insideH", "insideV")
    )
    out = [f'<w:tbl><w:tblPr><w:tblW w:w="0" w:type="auto"/><w:tblBorders>{border}</w:tblBorders></w:tblPr>']
    for row in rows:
        cells = list(row) or [""]
        while len(cells) > 1 and not cells[-1]:
            cells.pop()
        out.append("<w:tr>" + "".join(f"<w:tc>{_paragraph(cell)}</w:tc>" for cell in cells) + "</w:tr>")
    out.append("</w:tbl>")
    return "".join(out)


def docx_bytes(blocks: list[Line]) -> bytes:
    """A DOCX of the seed report: headings bold and centred, paragraphs, tables as Word tables."""
    body = []
    for block in blocks:
        if block.kind == "table":
            body.append(_table(block.rows))
        else:
            body.append(_paragraph(plain(block.text), bold=block.kind == "heading", center=block.kind == "heading"))
    document = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w="{_W}"><w:body>'
        + "".join(body)
        + '<w:sectPr><w:pgSz w:w="11906" w:h="16838"/></w:sectPr></w:body></w:document>'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for name, text in (("[Content_Types].xml", _CONTENT_TYPES), ("_rels/.rels", _RELS), ("word/document.xml", document)):
            info = zipfile.ZipInfo(name, date_time=_FIXED_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            package.writestr(info, text.encode("utf-8"))
    return out.getvalue()
