"""Positioned text lines of paged documents (PDF text layers, OCR) → paragraphs in reading order.

A paged document knows lines, not paragraphs. A line that reaches the right margin and is followed, close below,
by a line starting at the left margin (no first-line indent) is continued by it, also across a page break; any
other line ends its paragraph. Page numbers in the top and bottom margins are dropped. Coordinates are in points
from the page's top-left corner.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from documents.model import Paragraph, Source

_PAGE_NUMBER = re.compile(r"^[-—–－_\s]*(?:第\s*\d+\s*页(?:\s*[,，/]?\s*共\s*\d+\s*页)?|\d{1,4}(?:\s*/\s*\d{1,4})?)[-—–－_\s]*$")
_LATIN_RUN = re.compile(r"[A-Za-z0-9.,:/%@_-]+")
_SENTENCE_END = re.compile(r"[。！？；：!?;:]$")
_ENUMERATOR = re.compile(r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[)）]|\d{1,2}[、.．](?!\d))")
_BULLET = re.compile(r"^[•·●○▪■◆◇►▶\u2022\u25cf\uf06c\uf0b7\uf0a7]\s*")
_MARGIN_SHARE = 0.08  # top and bottom share of a page where running headers and page numbers sit
# A line ending within this many character heights of the right margin is full (a CJK line may end up to two
# characters short: a closing quote or mark may not begin a line and takes the character before it along).
_FULL_SLACK = 2.6
_INDENT = 0.8  # a line starting more than this many heights right of the left margin is indented
_HANGING = 2.0  # heights: how far a list item's lines may hang right of its bullet
_PITCH_SLACK = 1.15  # a line further below the one above than this many line pitches starts a new paragraph
_GAP = 1.0  # a gap above a line larger than this many heights starts a new paragraph


@dataclass(frozen=True)
class TextLine:
    """One line of text on a page: its text, box (x0, top, x1, bottom) and page (1-based)."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    page: int
    source: Source

    @property
    def height(self) -> float:
        """The line's height (about its font size)."""
        return max(self.bottom - self.top, 1.0)


def is_cjk_join(left: str, right: str) -> bool:
    """Whether two pieces of one text broken over lines join without a space (no space between CJK characters)."""
    return not (left[-1:].isascii() and left[-1:].isalnum() and right[:1].isascii() and right[:1].isalnum())


def join_lines(parts: Iterable[str]) -> str:
    """Lines of one paragraph or cell as one text: CJK runs joined directly, Latin words and numbers by a space."""
    out = ""
    for raw in parts:
        part = " ".join(raw.split())
        if not part:
            continue
        out = out + part if not out or is_cjk_join(out, part) else f"{out} {part}"
    return out


def drop_page_furniture(lines: Sequence[TextLine], page_height: float) -> list[TextLine]:
    """The lines without page numbers ("- 3 -", "第 3 页 共 9 页") in the top and bottom margins."""
    margin = page_height * _MARGIN_SHARE
    return [
        line
        for line in lines
        if not ((line.top < margin or line.bottom > page_height - margin) and _PAGE_NUMBER.match(line.text))
    ]


_Piece = tuple[str, float, float, float, float]


def _middle(piece: _Piece) -> float:
    return (piece[2] + piece[4]) / 2


def _left(piece: _Piece) -> float:
    return piece[1]


def _rows(pieces: Sequence[_Piece]) -> list[list[_Piece]]:
    """The pieces by line, top to bottom: pieces overlapping vertically by more than half of the smaller height
    (measured against the line's highest top and lowest bottom so far) are on one line."""
    ordered = sorted(pieces, key=_middle)
    rows: list[list[_Piece]] = []
    row: list[_Piece] = []
    top = bottom = 0.0  # of the last row: its pieces' highest top and lowest bottom
    for piece in ordered:
        piece_top, piece_bottom = piece[2], piece[4]
        if rows:
            overlap = min(bottom, piece_bottom) - max(top, piece_top)
            if overlap > 0.5 * min(bottom - top, piece_bottom - piece_top):
                row.append(piece)
                top = min(top, piece_top)
                bottom = max(bottom, piece_bottom)
                continue
        row = [piece]
        rows.append(row)
        top, bottom = piece_top, piece_bottom
    return rows


def _row_text(row: list[_Piece]) -> str:
    """A line's pieces joined left to right (sorts ``row`` in place)."""
    row.sort(key=_left)
    text = ""
    spaced = False  # the previous piece ended in a space
    previous_x1 = 0.0
    for piece in row:
        raw = piece[0]
        content = raw.strip()
        if not content:
            spaced = spaced or bool(raw)
            continue
        wide_gap = piece[1] - previous_x1 > piece[4] - piece[2]
        if text and (wide_gap or ((spaced or raw[0].isspace()) and not is_cjk_join(text, content))):
            text += " "
        text += content
        spaced = raw[-1].isspace()
        previous_x1 = piece[3]
    return text


def group_lines(pieces: Sequence[_Piece]) -> list[_Piece]:
    """Text pieces ``(text, x0, top, x1, bottom)`` of one page as lines, top to bottom, left to right.

    Pieces overlapping vertically by more than half of the smaller height are on one line; their texts are
    joined in x order: with a space where the gap is wider than a character, or where the text has one between
    Latin letters or digits (CJK text has none: gaps after full-width punctuation are part of the glyph).
    """
    lines = []
    for row in _rows(pieces):
        text = _row_text(row)
        if text:
            lines.append((text, min(p[1] for p in row), min(p[2] for p in row), max(p[3] for p in row), max(p[4] for p in row)))
    return lines


def block_text(pieces: Sequence[_Piece]) -> str:
    """The text of pieces in one block (a table cell): ``join_lines`` of the texts of ``group_lines``, without
    working out the lines' boxes."""
    if len(pieces) == 1:
        return join_lines((_row_text([pieces[0]]),))
    return join_lines(_row_text(row) for row in _rows(pieces))


def _margins(lines: Sequence[TextLine]) -> dict[int, tuple[float, float]]:
    """Left and right text margins of each page: where most lines start and where most full lines end.

    Justified lines end at the right margin, and lines continuing a paragraph start at the left one, so the most
    common edges (among those near the extremes) are the margins, whatever a heading or a long URL does.
    """
    margins: dict[int, tuple[float, float]] = {}
    if not lines:
        return margins
    right = _common_edge([line.x1 for line in lines], max(line.x1 for line in lines), -1)
    left = _common_edge([line.x0 for line in lines], min(line.x0 for line in lines), 1)
    for line in lines:
        margins[line.page] = (left, right)
    return margins


def _common_edge(values: list[float], extreme: float, direction: int) -> float:
    """The most frequent value (to 2 points) within 15% of the page extent from ``extreme``."""
    counts: dict[int, int] = {}
    span = max(abs(extreme) * 0.15, 20.0)
    for value in values:
        if abs(value - extreme) <= span:
            key = round(value / 2)
            counts[key] = counts.get(key, 0) + 1
    if not counts:
        return extreme
    best = max(counts, key=lambda key: (counts[key], -direction * key))
    return best * 2.0


def _continues(
    line: TextLine, following: TextLine, margins: dict[int, tuple[float, float]], first: TextLine, spacing: tuple[float, float]
) -> bool:
    height = line.height
    _left, right = margins[line.page]
    left_next, _right = margins[following.page]
    if right - line.x1 > max(_FULL_SLACK, _first_word(following.text) + 0.5) * height:
        return False  # the line stops short of what the next line's first word needed: its paragraph ends here
    if _BULLET.match(following.text):
        return False
    indent = following.x0 - left_next
    if _BULLET.match(first.text):
        indent = following.x0 - first.x0 - _HANGING * height  # a list item's lines hang under its text
    if indent > _INDENT * height:
        return False  # a first-line indent starts a new paragraph
    if abs(following.height - height) > 0.25 * height:
        return False
    if _SENTENCE_END.search(line.text) and _ENUMERATOR.match(following.text):
        return False  # "…。" then "（二）…": a new item or heading, whatever the spacing
    if following.page != line.page:
        return following.page == line.page + 1
    if following.top < line.bottom - 0.5 * height:
        return False
    pitch, body = spacing
    if pitch and abs(height - body) <= 0.15 * body:
        return following.top - line.top <= pitch * _PITCH_SLACK  # extra space above a heading or paragraph
    return following.top - line.bottom <= _GAP * height


def _first_word(text: str) -> float:
    """Width, in character heights, of a line's first unbreakable run: a Latin word or number (half-width), else
    one character."""
    match = _LATIN_RUN.match(text)
    return 0.6 * len(match.group(0)) if match else 1.0


def _spacing(lines: Sequence[TextLine]) -> tuple[float, float]:
    """The most common line pitch (top to top) of consecutive lines of equal height, and that height."""
    counts: dict[tuple[int, int], int] = {}
    for line, following in pairwise(lines):
        if following.page == line.page and abs(following.height - line.height) <= 0.1 * line.height:
            pitch = following.top - line.top
            if 0 < pitch < 3 * line.height:
                key = (round(pitch * 2), round(line.height * 2))
                counts[key] = counts.get(key, 0) + 1
    if not counts:
        return 0.0, 0.0
    pitch, height = max(counts, key=lambda key: counts[key])
    return pitch / 2, height / 2


@dataclass(frozen=True, slots=True)
class Measures:
    """What paragraphs are told apart by, measured on a document's lines: each page's left and right text
    margins, and the most common line pitch with the line height it is found at."""

    margins: dict[int, tuple[float, float]]
    spacing: tuple[float, float]


def measure(lines: Sequence[TextLine]) -> Measures:
    """The margins and line spacing of the lines (see :func:`paragraphs`)."""
    return Measures(_margins(lines), _spacing(lines))


def paragraphs(
    lines: Sequence[TextLine], *, document: Sequence[TextLine] = (), measures: Measures | None = None
) -> list[tuple[TextLine, Paragraph]]:
    """Paragraphs from lines in reading order; each with its first line (for placing tables between them).

    Margins and line spacing are measured on ``document`` (all lines of the document; default ``lines``): a run
    of a few lines between two tables says little about them. ``measures``, when given, are those of
    ``document`` measured once for all its runs. A paragraph's source is its first line's. A leading bullet
    makes a list item (the bullet is dropped).
    """
    if measures is None:
        measures = measure(document or lines)
    margins, spacing = measures.margins, measures.spacing
    out: list[tuple[TextLine, Paragraph]] = []
    current: list[TextLine] = []

    def close() -> None:
        if not current:
            return
        text = join_lines(line.text for line in current)
        bullet = _BULLET.match(text)
        if bullet:
            text = text[bullet.end() :]
        if text:
            out.append((current[0], Paragraph(text, current[0].source, list_item=bool(bullet))))
        current.clear()

    for index, line in enumerate(lines):
        current.append(line)
        following = lines[index + 1] if index + 1 < len(lines) else None
        if following is None or following.page not in margins or not _continues(line, following, margins, current[0], spacing):
            close()
    close()
    return out
