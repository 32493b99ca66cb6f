"""The annual report as the rules see it: title, body, year, sections and the tables mapped to the format."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from documents.model import Document, Paragraph, Source
from rules import template as t


@dataclass(frozen=True)
class Value:
    """One data cell: the text as printed, the number it states (None when blank or not a number)."""

    raw: str
    number: Decimal | None
    source: Source
    doubtful: bool = False

    @property
    def reliable(self) -> Decimal | None:
        """The number, unless OCR read it with low confidence (then no rule may rely on it)."""
        return None if self.doubtful else self.number

    @property
    def blank(self) -> bool:
        """True when the cell holds nothing."""
        return not self.raw.strip()


@dataclass(frozen=True)
class Row:
    """A data row: its template key (None when unrecognised), the label as printed, its values; ``unread`` says why
    its values could not be told apart (digits run together), when they could not."""

    key: str | None
    label: str
    values: tuple[Value, ...]
    source: Source
    subtotal: bool = False
    unread: str | None = None


@dataclass(frozen=True)
class ParsedTable:
    """A table of the format found in the report.

    ``columns`` are the template column keys named by the header, in template order; ``width`` is how many
    values a data row must hold. A ``flat`` table was rebuilt from one-cell-per-line text that lost its blank
    cells: a row short of values may have lost one; a ``truncated`` one ends where an excerpt ends.
    """

    kind: str
    name: str
    columns: tuple[str, ...]
    width: int
    rows: tuple[Row, ...]
    source: Source
    header_labels: tuple[tuple[str, Source], ...] = ()
    flat: bool = False
    truncated: bool = False
    missing_columns: tuple[str, ...] = ()
    column_labels: tuple[str, ...] = ()
    column_kinds: tuple[str, ...] = ()

    def column_label(self, index: int) -> str:
        """The format's label of the value at ``index`` of an aligned row (``第N个数值`` beyond the columns)."""
        return self.column_labels[index] if index < len(self.column_labels) else f"第{index + 1}个数值"

    def column_kind(self, index: int) -> str:
        """What the value at ``index`` must be: ``count``, ``amount`` or ``change`` (see ColumnSpec)."""
        return self.column_kinds[index] if index < len(self.column_kinds) else "count"

    def row(self, key: str) -> Row | None:
        """The first row with this template key."""
        for row in self.rows:
            if row.key == key:
                return row
        return None

    @property
    def numbers(self) -> int:
        """How many cells of the table state a number."""
        return sum(1 for row in self.rows for v in row.values if v.number is not None)

    def aligned(self, row: Row) -> bool:
        """True when the row's values can be matched to the columns one by one: it holds as many as there are
        columns (also in a flat table, where a row that lost a blank cell is short) and they were read apart."""
        return row.unread is None and len(row.values) == self.width

    def value(self, row: Row, column: str) -> Value | None:
        """The row's value in a column, or None when the row cannot be aligned or lacks the column."""
        if not self.aligned(row) or column not in self.columns:
            return None
        return row.values[self.columns.index(column)]


@dataclass(frozen=True)
class Section:
    """A section found by its heading; ``paragraphs`` are the text blocks up to the next section."""

    number: str
    heading: str
    source: Source
    canonical: bool
    paragraphs: tuple[Paragraph, ...] = ()

    @property
    def text(self) -> str:
        """The section's body text, paragraphs joined by newlines."""
        return "\n".join(p.text for p in self.paragraphs)


@dataclass(frozen=True)
class Mention:
    """A piece of text found somewhere in the report, with where it was found."""

    text: str
    source: Source
    year: int | None = None


@dataclass
class AnnualReport:
    """Everything the rules read, parsed from one Document."""

    document: Document
    title: str | None = None
    title_source: Source | None = None
    body: str | None = None
    year: int | None = None
    year_from: str | None = None
    template: str = "unknown"
    published_on: date | None = None
    published_from: str | None = None
    sections: dict[str, Section] = field(default_factory=dict)
    inline_headings: dict[str, Mention] = field(default_factory=dict)
    extra_parts: list[Mention] = field(default_factory=list)
    tables: dict[str, ParsedTable] = field(default_factory=dict)
    periods: list[Mention] = field(default_factory=list)
    title_years: list[Mention] = field(default_factory=list)
    trial_markers: list[Mention] = field(default_factory=list)
    label_deviations: list[tuple[str, str, str, Source, tuple[str, ...]]] = field(default_factory=list)

    def format_for(self, year: int | None = None) -> t.ReportFormat:
        """The format the report is judged by: the one in force for ``year`` (the caller's report year, else the
        report's own), or when no year is known the one its tables follow."""
        return t.format_in_force(year or self.year) or t.FORMATS.get(self.template, t.FORMAT_2021)

    @property
    def section_order(self) -> list[Section]:
        """The sections found, in the order of the format."""
        return [self.sections[n] for n in "一二三四五六" if n in self.sections]

    @property
    def narrative(self) -> list[Paragraph]:
        """All paragraphs of the document (headings included), in reading order."""
        return list(self.document.paragraphs)
