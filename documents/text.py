"""Plain text reports: tab-separated table rows, Markdown headings, labels broken over lines.

A text file may start with a header block of ``# KEY: value`` lines closed by a line ``---`` (the way saved
pages are annotated); those values go to ``Document.meta`` and are not part of the report.
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


def extract_text(text: str) -> Document:
    """Turn a text report into a Document.

    Consecutive lines holding a tab (or two or more ``|``) form one table (one row per line, one cell per tab field); a line
    of Markdown dashes inside a table is dropped. Other non-empty lines are paragraphs; ``#`` lines are
    headings, ``-`` lines list items. Every element records its 1-based line number.
    """
    lines = text.splitlines()
    meta, first = _read_header(lines)
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

    for index in range(first, len(lines)):
        raw = lines[index]
        number = index + 1
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
