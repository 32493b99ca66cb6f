"""Plain text reports: tab-separated table rows, Markdown headings, labels broken over lines, and the shapes pages
take when a crawler or a copy flattens them.

A text file may start with a header block of ``# KEY: value`` lines closed by a line ``---`` (the way saved
pages are annotated); those values go to ``Document.meta`` and are not part of the report.

Flattened pages: a table written one cell per line with a ``|`` after each cell (``规章 |`` or ``规章`` then ``|``;
a line of k pipes is k empty cells) is a *cell stream*: it becomes a flat Table whose rows the rules find again
(see :class:`documents.model.Table`). A report whose lines were all run onto one line, their breaks kept only as
spaces between Chinese characters, is broken into lines again at those spaces.
"""

from __future__ import annotations

import re

from documents.model import Block, Cell, Document, Paragraph, Source, Table

_HEADER_LINE = re.compile(r"^#\s*([A-Z][A-Z0-9 _()-]*?)\s*:\s*(.*)$")
_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_LIST_ITEM = re.compile(r"^\s*[-*+]\s+(.*)$")
_EMPHASIS = re.compile(r"\*\*|__")
_LINK = re.compile(r"\[([^\]]*)\]\(([^)]*)\)")
_SEPARATOR_CELL = re.compile(r"^:?-{3,}:?$")
_PIPES_ONLY = re.compile(r"^\s*(?:\|\s*)+$")
_CELL_THEN_PIPES = re.compile(r"^[^|]*[^|\s][^|]*\|(?:\s*\|)*\s*$")
_NUMBERED_HEADING = re.compile(r"^\s*[一二三四五六七八九十]{1,2}[、.．]")
_MIN_STREAM_LINES = 4
# A report run onto one line keeps its line breaks as spaces between Chinese characters (and closing brackets).
_ONE_LINE_MIN = 400
_LINE_GAP = re.compile(r"(?<=[\u3400-\u9fff\u3000-\u303f\uff01-\uff0f\uff1a-\uff1f)）])\s+(?=[\u3400-\u9fff(（])")


def _clean(text: str) -> str:
    text = _EMPHASIS.sub("", text)
    text = _LINK.sub(r"\1", text)
    return text.replace("\u3000", " ").replace("\xa0", " ").strip()


def _pipe_fields(line: str) -> list[str]:
    """Cells of a ``a | b | c |`` row (Markdown tables and pages copied with pipes between cells)."""
    fields = line.split("|")
    if fields and not fields[0].strip() and line.lstrip().startswith("|"):
        fields = fields[1:]
    return fields


def _read_header(lines: list[str]) -> tuple[dict[str, str], int]:
    """Return the metadata of a leading ``# KEY: value`` block and the index of the first report line."""
    meta: dict[str, str] = {}
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    start = i
    while i < len(lines):
        match = _HEADER_LINE.match(lines[i])
        if not match:
            break
        meta[match.group(1).strip().lower()] = match.group(2).strip()
        i += 1
    if meta and i < len(lines) and lines[i].strip() == "---":
        return meta, i + 1
    return {}, start


def _stream_lines(lines: list[str], first: int) -> list[bool]:
    """Which lines belong to a cell stream: lines of pipes only, a cell followed by pipes, and a cell line between
    pipe lines (a numbered heading only when pipe lines stand both above and below it: a section heading after a
    table is not one of its cells)."""
    kinds = ["" for _ in lines]
    for index in range(first, len(lines)):
        line = lines[index]
        if _PIPES_ONLY.match(line):
            kinds[index] = "pipes"
        elif _CELL_THEN_PIPES.match(line):
            kinds[index] = "cell|"
        elif line.strip() and "|" not in line and "\t" not in line:
            kinds[index] = "text"

    def neighbour(index: int, step: int) -> str:
        index += step
        while 0 <= index < len(lines) and not lines[index].strip():
            index += step
        return kinds[index] if 0 <= index < len(lines) else ""

    stream = [False] * len(lines)
    for index, kind in enumerate(kinds):
        if kind in ("pipes", "cell|"):
            stream[index] = True
        elif kind == "text" and len(lines[index].strip()) <= 60:
            above, below = neighbour(index, -1) == "pipes", neighbour(index, 1) == "pipes"
            stream[index] = (above and below) if _NUMBERED_HEADING.match(lines[index]) else (above or below)
    return stream


def _stream_table(lines: list[str], start: int) -> Table:
    """The cells of a stream, in order: the texts between pipes (a cell's lines joined), empty ones kept."""
    joined = "\n".join(lines)
    pieces = joined.split("|")
    if pieces and not pieces[-1].strip():
        pieces.pop()  # after the last separator
    cells: list[tuple[Cell, ...]] = []
    offset = 0
    for piece in pieces:
        line = start + joined.count("\n", 0, offset)
        text = "".join(part.strip() for part in piece.split("\n"))
        cells.append((Cell(_clean(text), Source(line=line + 1)),))
        offset += len(piece) + 1
    return Table(rows=tuple(cells), source=Source(line=start + 1), flat=True, blanks=True)


def _unflatten(lines: list[str], first: int) -> list[str]:
    """The lines of a report run onto one line, split again where its line breaks left spaces; other text as is."""
    body = [line for line in lines[first:] if line.strip()]
    if len(body) > 3 or not any(len(line) >= _ONE_LINE_MIN for line in body):
        return lines
    out = lines[:first]
    for line in lines[first:]:
        out.extend(_LINE_GAP.split(line) if len(line) >= _ONE_LINE_MIN else [line])
    return out


def extract_text(text: str) -> Document:
    """Turn a text report into a Document.

    Consecutive lines holding a tab (or two or more ``|``) form one table (one row per line, one cell per tab field); a line
    of Markdown dashes inside a table is dropped. Other non-empty lines are paragraphs; ``#`` lines are
    headings, ``-`` lines list items. Every element records its 1-based line number.
    """
    lines = text.splitlines()
    meta, first = _read_header(lines)
    lines = _unflatten(lines, first)
    stream = _stream_lines(lines, first)
    blocks: list[Block] = []
    rows: list[tuple[Cell, ...]] = []
    table_line = 0

    def close_table() -> None:
        nonlocal rows
        if rows and all(sum(1 for c in row if c.text) <= 1 for row in rows):
            # Stray tabs or layout pipes around single lines of text: paragraphs, not a table.
            for row in rows:
                cell = next((c for c in row if c.text), None)
                if cell is not None:
                    blocks.append(Paragraph(cell.text, cell.source))
            rows = []
        elif rows:
            blocks.append(Table(rows=tuple(rows), source=Source(line=table_line)))
            rows = []

    index = first
    while index < len(lines):
        raw = lines[index]
        number = index + 1
        index += 1
        if stream[number - 1]:
            end = number - 1
            while end < len(lines) and (stream[end] or not lines[end].strip()):
                end += 1
            run = lines[number - 1 : end]
            if sum(1 for line in run if line.strip()) >= _MIN_STREAM_LINES and any("|" in line for line in run):
                close_table()
                blocks.append(_stream_table(run, number - 1))
                index = end
                continue
        if "\t" in raw or raw.count("|") >= 2:
            fields = raw.split("\t") if "\t" in raw else _pipe_fields(raw)
            if all(_SEPARATOR_CELL.match(f.strip()) or not f.strip() for f in fields):
                continue
            if not rows:
                table_line = number
            rows.append(tuple(Cell(_clean(f), Source(line=number)) for f in fields))
            continue
        stripped = raw.strip()
        if not stripped:
            # A blank line inside a table (seen in real reports) does not end it; the next text line does.
            continue
        close_table()
        heading = _HEADING.match(stripped)
        if heading:
            blocks.append(Paragraph(_clean(heading.group(2)), Source(line=number), heading=len(heading.group(1))))
            continue
        item = _LIST_ITEM.match(stripped)
        if item:
            blocks.append(Paragraph(_clean(item.group(1)), Source(line=number), list_item=True))
            continue
        blocks.append(Paragraph(_clean(stripped), Source(line=number)))
    close_table()
    return Document(blocks=tuple(blocks), format="text", meta=meta)
