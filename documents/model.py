"""The extracted document: paragraphs and tables in reading order, each knowing its source."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True, init=False)
class Source:
    """Where an element came from: a line of a text file, an element path in HTML, a page of a PDF."""

    line: int | None = None
    path: str | None = None
    page: int | None = None
    box: tuple[float, float, float, float] | None = None

    def __init__(
        self,
        line: int | None = None,
        path: str | None = None,
        page: int | None = None,
        box: tuple[float, float, float, float] | None = None,
    ) -> None:
        # Written out, setting the slots directly: a table cell makes one, and the generated frozen __init__ goes
        # through object.__setattr__ for every field (twice as slow).
        _SOURCE_LINE(self, line)
        _SOURCE_PATH(self, path)
        _SOURCE_PAGE(self, page)
        _SOURCE_BOX(self, box)

    def __str__(self) -> str:
        if self.page is None and self.line is None and self.box is None:  # an HTML or DOCX element: the rules ask often
            return self.path or "unknown"
        parts = []
        if self.page is not None:
            parts.append(f"page {self.page}")
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.path is not None:
            parts.append(self.path)
        if self.box is not None:
            parts.append("box " + ",".join(f"{v:.0f}" for v in self.box))
        return ", ".join(parts) or "unknown"


@dataclass(frozen=True, slots=True)
class Paragraph:
    """A run of text: a heading (``heading`` > 0 is its level), a list item or body text."""

    text: str
    source: Source
    heading: int = 0
    list_item: bool = False


#: Below this OCR confidence a cell's reading is doubtful: rules that use it are uncertain, never fail.
LOW_CONFIDENCE = 0.8


@dataclass(frozen=True, slots=True, init=False)
class Cell:
    """One grid position of a table.

    ``spanned`` marks a copy made while expanding rowspan/colspan; ``confidence`` is the OCR confidence
    (0–1) of a cell read from an image, None for text read from a text layer or markup. ``glued`` marks the digits
    of several cells run together when the layout between them was lost ("规章000" is 规章 | 0 | 0 | 0).
    """

    text: str
    source: Source
    spanned: bool = False
    confidence: float | None = None
    glued: bool = False

    def __init__(
        self,
        text: str,
        source: Source,
        spanned: bool = False,
        confidence: float | None = None,
        glued: bool = False,
    ) -> None:
        # As Source's: every table cell makes one.
        _CELL_TEXT(self, text)
        _CELL_SOURCE(self, source)
        _CELL_SPANNED(self, spanned)
        _CELL_CONFIDENCE(self, confidence)
        _CELL_GLUED(self, glued)

    @property
    def doubtful(self) -> bool:
        """True when OCR read this cell with low confidence."""
        return self.confidence is not None and self.confidence < LOW_CONFIDENCE


# The slots' own setters, which a frozen class's __setattr__ does not stand in front of.
_SOURCE_LINE = Source.__dict__["line"].__set__
_SOURCE_PATH = Source.__dict__["path"].__set__
_SOURCE_PAGE = Source.__dict__["page"].__set__
_SOURCE_BOX = Source.__dict__["box"].__set__
_CELL_TEXT = Cell.__dict__["text"].__set__
_CELL_SOURCE = Cell.__dict__["source"].__set__
_CELL_SPANNED = Cell.__dict__["spanned"].__set__
_CELL_CONFIDENCE = Cell.__dict__["confidence"].__set__
_CELL_GLUED = Cell.__dict__["glued"].__set__


@dataclass(frozen=True, slots=True)
class Table:
    """A table as a grid of rows; rows may be ragged (a cell lost in the source stays lost).

    A ``flat`` table is a table whose row breaks were lost (a page flattened to one cell per line): each of its
    rows holds one cell, in reading order, and the reader of the table must find the rows again. ``blanks``
    says whether its empty cells are still there (a separator marks each cell) or were lost with the layout.
    """

    rows: tuple[tuple[Cell, ...], ...]
    source: Source
    flat: bool = False
    blanks: bool = True

    def texts(self) -> Iterator[str]:
        """Every cell text, row by row."""
        for row in self.rows:
            for cell in row:
                yield cell.text


Block = Paragraph | Table


@dataclass(frozen=True, slots=True)
class Document:
    """What a file holds, independent of its format.

    ``meta`` holds page metadata (meta tags of an HTML page, the header block of a text file) with
    lower-cased keys. ``machine_readable`` is False when the text came only from images (OCR).
    """

    blocks: tuple[Block, ...]
    format: str
    meta: Mapping[str, str] = field(default_factory=dict)
    machine_readable: bool = True

    @property
    def paragraphs(self) -> tuple[Paragraph, ...]:
        """The paragraphs, in reading order."""
        return tuple(b for b in self.blocks if isinstance(b, Paragraph))

    @property
    def tables(self) -> tuple[Table, ...]:
        """The tables, in reading order."""
        return tuple(b for b in self.blocks if isinstance(b, Table))
