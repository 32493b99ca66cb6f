"""Word (DOCX) reports: paragraphs with their heading levels and list numbers, tables with merged cells.

The package is checked before python-docx opens it: it must be a zip holding a Word document, its entries must
not unpack to more than :data:`MAX_UNPACKED` bytes or at a ratio beyond :data:`MAX_RATIO` (a zip bomb), no XML
part may be larger than :data:`MAX_XML_PART`, and none may declare a DTD or entities (Word never writes one; an
external entity could read local files). python-docx's own parser does not resolve entities either.

Tables become grids as HTML tables do: a cell spanning columns (``gridSpan``, legacy ``hMerge``) or continued
below (``vMerge``) is copied into the positions it covers as ``spanned`` cells; a row with fewer cells than the
table is wide stays short. Sources are element paths: ``/w:body/w:p[12]``, ``/w:body/w:tbl[2]/w:tr[5]/w:tc[3]``.
"""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

import docx

from documents.docx_numbering import Numbering
from documents.errors import ExtractionError
from documents.model import Block, Cell, Document, Paragraph, Source, Table

#: Total bytes the entries of a DOCX may unpack to.
MAX_UNPACKED = 200 * 1024 * 1024
#: Largest unpacked/packed ratio of an entry over 1 MB (Word's XML packs about 5–20:1).
MAX_RATIO = 200
#: Largest XML part parsed (a report's document.xml is well under 1 MB; lxml's tree takes ten times the text).
MAX_XML_PART = 32 * 1024 * 1024
MAX_ENTRIES = 5000
_RATIO_FLOOR = 1024 * 1024

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_P, _TBL, _TR, _TC, _SDT = f"{_W}p", f"{_W}tbl", f"{_W}tr", f"{_W}tc", f"{_W}sdt"
_VAL = f"{_W}val"
_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*([1-9])$", re.I)
_DECLARATION = re.compile(rb"<!(?:DOCTYPE|ENTITY)|<\x00!\x00(?:D\x00O\x00C|E\x00N\x00T)", re.I)
_OTHER_OFFICE = (("xl/workbook.xml", "Excel 表格（xlsx）"), ("ppt/presentation.xml", "PowerPoint 演示文稿（pptx）"))  # fmt: skip


def extract_docx(data: bytes) -> Document:
    """Turn the bytes of a DOCX file into a Document (format ``"docx"``).

    Raises ExtractionError for a damaged zip, a zip that is not a Word document, a zip bomb and a document
    declaring a DTD or entities.
    """
    check_package(data)
    try:
        word = docx.Document(io.BytesIO(data))
        reader = _Reader(word)
        reader.walk(word.element.body, "/w:body")
        meta = _properties(word)
    except Exception as exc:  # python-docx and lxml raise many types on a damaged package, none of them ours
        raise ExtractionError(f"Word 文档（DOCX）的结构有误，无法读取（{type(exc).__name__}）") from None
    return Document(blocks=tuple(reader.blocks), format="docx", meta=meta)


def check_package(data: bytes) -> None:
    """Refuse a DOCX that is not a zip, not a Word document, a zip bomb or an XML part with a DTD."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ExtractionError("文件不是有效的 Word 文档（DOCX）：压缩包已损坏或不完整") from None
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_ENTRIES:
            raise ExtractionError(f"Word 文档（DOCX）包含 {len(entries)} 个部件，数量异常，已拒绝读取")
        names = {entry.filename for entry in entries}
        if "word/document.xml" not in names:
            for name, kind in _OTHER_OFFICE:
                if name in names:
                    raise ExtractionError(f"文件是 {kind}，不是 Word 文档")
            raise ExtractionError("压缩包中没有 Word 文档正文（word/document.xml），不是 DOCX 文件")
        total = sum(entry.file_size for entry in entries)
        if total > MAX_UNPACKED:
            raise ExtractionError(
                f"Word 文档（DOCX）解压后达 {total / 1048576:.0f} MB（上限 {MAX_UNPACKED / 1048576:.0f} MB），"
                "可能是压缩炸弹，已拒绝读取"
            )
        for entry in entries:
            if entry.file_size > _RATIO_FLOOR and entry.file_size > MAX_RATIO * max(entry.compress_size, 1):
                ratio = entry.file_size / max(entry.compress_size, 1)
                raise ExtractionError(
                    f"Word 文档（DOCX）中的 {entry.filename} 压缩比异常（{ratio:.0f}:1），可能是压缩炸弹，已拒绝读取"
                )
        for entry in entries:
            if entry.filename.endswith((".xml", ".rels")):
                if entry.file_size > MAX_XML_PART:
                    raise ExtractionError(
                        f"Word 文档（DOCX）中的 {entry.filename} 达 {entry.file_size / 1048576:.0f} MB，"
                        f"超过 {MAX_XML_PART / 1048576:.0f} MB 的上限，已拒绝读取"
                    )
                try:
                    with archive.open(entry) as part:
                        head = part.read(4096)
                except (zipfile.BadZipFile, OSError, NotImplementedError, RuntimeError):
                    raise ExtractionError(f"Word 文档（DOCX）中的 {entry.filename} 已损坏，无法读取") from None
                if _DECLARATION.search(head):
                    raise ExtractionError(
                        f"Word 文档（DOCX）的 {entry.filename} 含有 DTD 或实体声明（可能引用外部文件），已拒绝读取"
                    )


def _properties(word: Any) -> dict[str, str]:
    """Title, author and dates from the document's core properties (lower-cased keys)."""
    meta: dict[str, str] = {}
    properties = word.core_properties
    for key in ("title", "author", "subject"):
        value = getattr(properties, key, None)
        if value:
            meta[key] = " ".join(str(value).split())
    for key in ("created", "modified"):
        value = getattr(properties, key, None)
        if value is not None:
            meta[key] = value.isoformat()
    return meta


class _Reader:
    """Emits the blocks of a document body in reading order."""

    def __init__(self, word: Any) -> None:
        self.blocks: list[Block] = []
        self.styles = _styles(word)
        self.table_styles = _table_styles(word)
        self.numbering = Numbering.of(word)

    def walk(self, container: Any, path: str) -> None:
        """Emit the paragraphs and tables directly in ``container`` (a body, a cell, a content control)."""
        seen: dict[str, int] = {}
        for child in container.iterchildren():
            tag = child.tag
            if tag == _P:
                seen["p"] = number = seen.get("p", 0) + 1
                self._paragraph(child, f"{path}/w:p[{number}]")
            elif tag == _TBL:
                seen["tbl"] = number = seen.get("tbl", 0) + 1
                self._table(child, f"{path}/w:tbl[{number}]")
            elif tag == _SDT:
                seen["sdt"] = number = seen.get("sdt", 0) + 1
                content = child.find(f"{_W}sdtContent")
                if content is not None:
                    self.walk(content, f"{path}/w:sdt[{number}]/w:sdtContent")

    def _paragraph(self, p: Any, path: str) -> None:
        text = paragraph_text(p)
        style = _style_id(p)
        heading = self.styles.get(style, 0)
        level = p.find(f"{_W}pPr/{_W}outlineLvl")
        if level is not None and (value := level.get(f"{_W}val", "")).isdigit() and int(value) < 9:
            heading = int(value) + 1
        label, bullet = self.numbering.label(p)
        source = Source(path=path)
        for index, line in enumerate(text.split("\n")):
            clean = " ".join(line.split())
            if index == 0 and label:
                clean = f"{label}{clean}" if clean else ""
            if clean:
                self.blocks.append(Paragraph(clean, source, heading=heading, list_item=bullet))

    def _table(self, tbl: Any, path: str) -> None:
        rows = tbl.findall(_TR)
        cells = [tc for tr in rows for tc in tr.findall(_TC)]
        if len(cells) == 1:
            self.walk(cells[0], f"{path}/w:tr[1]/w:tc[1]")  # a layout frame around the content
            return
        grid = table_grid(tbl, path, ruled=self._ruled(tbl))
        if grid:
            self.blocks.append(Table(rows=grid, source=Source(path=path)))

    def _ruled(self, tbl: Any) -> bool:
        """Whether the table's properties or its style draw borders."""
        drawn = _visible_edges(tbl.find(f"{_W}tblPr/{_W}tblBorders"))
        if drawn is not None:
            return drawn
        style = tbl.find(f"{_W}tblPr/{_W}tblStyle")
        return style is not None and self.table_styles.get(style.get(_VAL, ""), False)


def paragraph_text(p: Any) -> str:
    """A paragraph's text: its runs (also inside hyperlinks, fields and tracked insertions; not deletions, not
    text boxes anchored in it), tabs as spaces, line breaks as "\\n"."""
    parts: list[str] = []
    for element in p.iter(f"{_W}t", f"{_W}tab", f"{_W}br", f"{_W}cr"):
        if not _own(element, p):
            continue
        if element.tag == f"{_W}t":
            parts.append(element.text or "")
        elif element.tag == f"{_W}tab":
            parts.append(" ")
        else:
            parts.append("\n")
    return "".join(parts)


def _own(element: Any, p: Any) -> bool:
    """Whether a run element belongs to paragraph ``p`` itself and is not deleted text."""
    parent = element.getparent()
    while parent is not None and parent is not p:
        if parent.tag in (_P, f"{_W}del", f"{_W}moveFrom", f"{_W}txbxContent"):
            return False
        parent = parent.getparent()
    return parent is p


def _cell_text(tc: Any) -> str:
    """A cell's text: its paragraphs (those of nested tables included, text boxes not) joined by spaces."""
    texts = []
    for p in tc.iter(_P):
        parent = p.getparent()
        while parent is not None and parent is not tc and parent.tag != f"{_W}txbxContent":
            parent = parent.getparent()
        if parent is tc:
            texts.append(" ".join(paragraph_text(p).split()))
    return " ".join(t for t in texts if t)


def _grid_value(element: Any, name: str, default: int) -> int:
    found = element.find(name)
    if found is None:
        return default
    value = found.get(f"{_W}val", "")
    return int(value) if value.isdigit() else default


def _visible_edges(borders: Any) -> bool | None:
    """Whether a borders element draws any edge; None when it sets none (the table's borders apply)."""
    if borders is None or len(borders) == 0:
        return None
    return any(edge.get(_VAL, "single") not in ("nil", "none") for edge in borders)


def table_grid(tbl: Any, path: str, *, ruled: bool = True) -> tuple[tuple[Cell, ...], ...]:
    """Rows of Cells: horizontal and vertical merges copied as ``spanned`` cells, short rows kept short.

    An empty cell at the end of a row that draws no border is not there for the reader (LibreOffice pads short
    rows with such cells when it writes DOC); it is dropped. ``ruled``: whether the table's own borders or style
    draw cell borders (they apply to cells that set none).
    """
    grid: list[tuple[Cell, ...]] = []
    above: dict[int, Cell] = {}  # column -> the cell placed there in the row above
    for r, tr in enumerate(tbl.findall(_TR), start=1):
        out: list[Cell] = []
        invisible: list[bool] = []
        row_path = f"{path}/w:tr[{r}]"
        before = _grid_value(tr, f"{_W}trPr/{_W}gridBefore", 0)
        out.extend(Cell("", Source(path=row_path)) for _ in range(min(before, 63)))
        invisible.extend([False] * len(out))
        for c, tc in enumerate(tr.findall(_TC), start=1):
            span = max(1, min(_grid_value(tc, f"{_W}tcPr/{_W}gridSpan", 1), 63))
            column = len(out)
            vmerge = tc.find(f"{_W}tcPr/{_W}vMerge")
            hmerge = tc.find(f"{_W}tcPr/{_W}hMerge")
            continued = vmerge is not None and vmerge.get(f"{_W}val", "continue") != "restart"
            if continued and column in above:
                origin = above[column]
                copy = Cell(origin.text, origin.source, spanned=True)
                out.extend([copy] * span)
                invisible.extend([False] * span)
                continue
            if hmerge is not None and hmerge.get(f"{_W}val", "continue") != "restart" and out:
                origin = out[-1]
                out.extend([Cell(origin.text, origin.source, spanned=True)] * span)
                invisible.extend([False] * span)
                continue
            cell = Cell(_cell_text(tc), Source(path=f"{row_path}/w:tc[{c}]"))
            out.append(cell)
            out.extend([Cell(cell.text, cell.source, spanned=True)] * (span - 1))
            drawn = _visible_edges(tc.find(f"{_W}tcPr/{_W}tcBorders"))
            invisible.extend([not cell.text and not (ruled if drawn is None else drawn)] * span)
        while out and invisible[-1]:
            out.pop()
            invisible.pop()
        for column, cell in enumerate(out):
            above[column] = cell
        if out:
            grid.append(tuple(out))
    return tuple(grid)


def _style_id(p: Any) -> str:
    style = p.find(f"{_W}pPr/{_W}pStyle")
    return str(style.get(f"{_W}val", "")) if style is not None else ""


def _styles(word: Any) -> dict[str, int]:
    """Style id → heading level (1–9) for heading styles: by name ("Heading 2", "标题 2", "Title") or outline level,
    inherited through ``basedOn``."""
    levels: dict[str, int] = {}
    based: dict[str, str] = {}
    root = word.styles.element
    for style in root.iterchildren(f"{_W}style"):
        if style.get(f"{_W}type") != "paragraph":
            continue
        style_id = style.get(f"{_W}styleId", "")
        name_element = style.find(f"{_W}name")
        name = name_element.get(f"{_W}val", "") if name_element is not None else ""
        match = _HEADING_STYLE.match(name.strip())
        if match:
            levels[style_id] = int(match.group(1))
        elif name.strip().lower() == "title":
            levels[style_id] = 1
        else:
            level = style.find(f"{_W}pPr/{_W}outlineLvl")
            value = level.get(f"{_W}val", "") if level is not None else ""
            if value.isdigit() and int(value) < 9:
                levels[style_id] = int(value) + 1
        parent = style.find(f"{_W}basedOn")
        if parent is not None:
            based[style_id] = parent.get(f"{_W}val", "")
    for style_id in list(based):
        seen = {style_id}
        current = style_id
        while current not in levels and current in based and based[current] not in seen:
            current = based[current]
            seen.add(current)
        if current in levels and style_id not in levels:
            levels[style_id] = levels[current]
    return levels


def _table_styles(word: Any) -> dict[str, bool]:
    """Table style id → whether it draws borders."""
    ruled: dict[str, bool] = {}
    for style in word.styles.element.iterchildren(f"{_W}style"):
        if style.get(f"{_W}type") == "table":
            ruled[style.get(f"{_W}styleId", "")] = bool(_visible_edges(style.find(f"{_W}tblPr/{_W}tblBorders")))
    return ruled
