"""The demo portal's attachments, written by code with no library: a PDF and a DOCX holding a seed report.

- PDF: PDF 1.4, text only, in the standard Chinese font ``STSong-Light`` (one of the fonts every PDF reader must
  provide for Adobe-GB1, so nothing is embedded) with the ``UniGB-UCS2-H`` encoding: each line is a UTF-16 string.
  Tables are written row by row, cells separated by spaces. A4 pages, wrapped lines.
- DOCX: the three parts a WordprocessingML package needs (content types, package relationships, the document),
  paragraphs and real ``w:tbl`` tables.

Both are byte-for-byte deterministic (fixed dates inside), so an unchanged attachment keeps its hash and ETag.
"""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape

from crawler.demo_portal.markup import Line, plain

_PAGE_WIDTH, _PAGE_HEIGHT, _MARGIN = 595, 842, 56
_FONT_SIZE, _LEADING = 11, 16
_LINE_UNITS = (_PAGE_WIDTH - 2 * _MARGIN) / _FONT_SIZE  # full-width characters per line
_LINES_PER_PAGE = int((_PAGE_HEIGHT - 2 * _MARGIN) / _LEADING)
_FIXED_DATE = (2026, 1, 20, 10, 0, 0)


def report_lines(blocks: list[Line]) -> list[str]:
    """The seed report as plain lines: headings and paragraphs as they are, table rows as spaced cells."""
    lines: list[str] = []
    for block in blocks:
        if block.kind == "table":
            lines += ["  ".join(cell for cell in row if cell) for row in block.rows]
        else:
            lines.append(plain(block.text))
    return lines


def _wrap(line: str) -> list[str]:
    out, current, width = [], "", 0.0
    for char in line:
        step = 0.5 if ord(char) < 0x2E80 else 1.0
        if width + step > _LINE_UNITS:
            out.append(current)
            current, width = "", 0.0
        current += char
        width += step
    out.append(current)
    return out


def _utf16_hex(text: str) -> str:
    return text.encode("utf-16-be").hex().upper()


def pdf_bytes(title: str, lines: list[str]) -> bytes:
    """A text PDF of ``lines`` (wrapped, paginated) with ``title`` in its document information."""
    wrapped = [part for line in lines for part in _wrap(line)]
    pages = [wrapped[i : i + _LINES_PER_PAGE] for i in range(0, len(wrapped), _LINES_PER_PAGE)] or [[]]
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"",  # the page tree, once the page objects are numbered
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H /DescendantFonts [4 0 R] >>",
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light"
        b" /CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >>"
        b" /FontDescriptor 5 0 R /DW 1000 /W [1 95 500] >>",
        b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880]"
        b" /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>",
        f"<< /Title <FEFF{_utf16_hex(title)}> /Producer (nianbao demo portal)"
        f" /CreationDate (D:20260120100000+08'00') >>".encode(),
    ]
    kids = []
    for page in pages:
        text = [f"BT /F1 {_FONT_SIZE} Tf {_LEADING} TL {_MARGIN} {_PAGE_HEIGHT - _MARGIN} Td"]
        text += [f"<{_utf16_hex(line)}> Tj T*" for line in page]
        stream = ("\n".join([*text, "ET"]) + "\n").encode("ascii")
        objects.append(b"<< /Length %d >>\nstream\n%sendstream" % (len(stream), stream))
        content = len(objects)
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {_PAGE_WIDTH} {_PAGE_HEIGHT}]"
            f" /Resources << /Font << /F1 3 0 R >> >> /Contents {content} 0 R >>".encode()
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
    out.write(b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


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
