"""What the readers of 表二, 表三 and 表四 share: which table a grid is, and a row split into labels and values.

A row is split into label cells and a value zone. In a real grid (HTML, Word) positions are kept; in
tab-separated text they are not reliable, so blank cells next to the labels are taken as padding. Each table has
its reader: :mod:`rules.table2`, :mod:`rules.table3`, :mod:`rules.table4`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from documents.model import Cell, Source
from rules import template as t
from rules.labels import has_cjk, norm, parse_number
from rules.report import Value


@dataclass(frozen=True)
class SplitRow:
    """A grid row split into its label texts and its value cells (``unread``: why they could not be told apart)."""

    labels: tuple[str, ...]
    values: tuple[Cell, ...]
    source: Source
    unread: str | None = None


def classify(texts: Sequence[str]) -> set[str]:
    """Which of the format's tables (``t2``, ``t3``, ``t4``) a set of folded cell texts belongs to."""
    joined = "|".join(texts)
    kinds: set[str] = set()
    if (
        "本年新收" in joined
        or ("自然人" in joined and ("商业企业" in joined or "法律服务机构" in joined))
        or ("予以公开" in joined and "无法提供" in joined and "结果维持" not in joined)
    ):
        kinds.add("t3")
    results = sum(1 for r in t.T4_RESULTS if r.names[0] in joined)
    if "本年新收" not in joined and (
        ("行政复议" in joined and ("行政诉讼" in joined or "结果维持" in joined)) or results >= len(t.T4_RESULTS) - 1
    ):
        kinds.add("t4")  # the whole 表四, or one of the three small tables it is sometimes printed as
    if "第二十条" in joined or (
        "信息内容" in joined and any(k in joined for k in ("规章", "行政许可", "行政处罚", "行政事业性收费"))
    ):
        kinds.add("t2")
    return kinds


def _is_label(cell: Cell) -> bool:
    return _is_label_text(cell.text)


@lru_cache(maxsize=65536)
def _is_label_text(text: str) -> bool:
    """Whether a cell text is a label (Chinese, not a number). Cached: every row of every table asks it of every
    cell, and the same labels recur in every report."""
    folded = norm(text)
    return bool(folded) and has_cjk(folded) and parse_number(folded) is None


def split_row(cells: Sequence[Cell], *, grid: bool, width: int | None = None) -> SplitRow:
    """Split a row into labels and values.

    Values are the cells after the last label cell; spanned copies are not values. Without a grid
    (text), blank cells at either end of the value zone are padding; in a grid, trailing blanks are
    kept up to ``width`` (a blank cell in a data column is missing data). A text standing among the numbers
    (a shifted row) makes the values unread: the cells from the first number on, with the reason.
    """
    last_label = -1
    first_number: int | None = None
    for index, cell in enumerate(cells):
        if _is_label(cell):
            last_label = index
        elif first_number is None and not cell.spanned and parse_number(cell.text) is not None:
            first_number = index
    if first_number is not None and first_number < last_label:
        # A text among the numbers (a row shifted, a label in a value column): which value is whose cannot be told.
        stray = next(c.text.strip() for c in cells[first_number:] if _is_label(c))
        before = tuple(dict.fromkeys(c.text.strip() for c in cells[:first_number] if c.text.strip()))
        after = tuple(c for c in cells[first_number:] if not c.spanned)
        return SplitRow(before, after, cells[0].source, f"数值之间出现文字「{stray[:12]}」，无法确定各数值所属的列")
    labels: list[str] = []
    for cell in cells[: last_label + 1]:
        text = cell.text.strip()
        if text and (not labels or norm(labels[-1]) != norm(text)):
            labels.append(text)
    zone = [c for c in cells[last_label + 1 :] if not c.spanned]
    if grid:
        while zone and not zone[-1].text.strip() and (width is None or len(zone) > width):
            zone.pop()
        # An empty spacer cell left in the label columns.
        while zone and not zone[0].text.strip() and width is not None and len(zone) > width:
            zone.pop(0)
    else:
        while zone and not zone[-1].text.strip():
            zone.pop()
        while zone and not zone[0].text.strip():
            zone.pop(0)
    source = cells[0].source if cells else Source()
    if len(zone) == 1 and zone[0].glued:
        # Digits run together: one digit per column can only be read one way; any other count cannot be read.
        digits = zone[0].text.strip()
        if width is not None and len(digits) == width:
            return SplitRow(tuple(labels), tuple(Cell(d, zone[0].source) for d in digits), source)
        return SplitRow(tuple(labels), tuple(zone), source, f"数值「{digits}」连在一起，无法分辨各列")
    return SplitRow(tuple(labels), tuple(zone), source)


def values_of(cells: Sequence[Cell]) -> tuple[Value, ...]:
    """The Values of a row's value cells."""
    return tuple(Value(c.text.strip(), parse_number(c.text), c.source, c.doubtful) for c in cells)


def match_keywords(text: str, specs: Sequence[t.RowSpec]) -> t.RowSpec | None:
    """The first row spec one of whose keywords ``text`` holds."""
    for spec in specs:
        if any(k in text for k in spec.keywords):
            return spec
    return None
