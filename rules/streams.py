"""Tables whose row breaks were lost: one cell per line, as a crawler or a copy-and-paste flattens a page. Their rows
are found again from the format's own labels.

A flat table (:class:`documents.model.Table` with ``flat``) is a stream of cells in reading order. A row is its
label cells and the value cells after them: a label after values starts the next row, and so does a label that
names a row of the format (规章, 1.属于国家秘密, （一）予以公开 …) unless only group labels ((三)不予公开) stand before
it; part markers (第二十条第（X）项) and 信息内容 start a header row of their own. When the first value of a row
arrives after labels that name no row (a header), they are a row of their own and the values a row without a
label (表四's data row). A label run together with its values ("规章000") is split into the label
and a glued value cell, which the table's reader expands when the digits match its columns one by one.
"""

from __future__ import annotations

import re

from documents.model import Cell, Table
from rules import template as t
from rules.labels import has_cjk, norm, note_only, parse_number

_ITEM = re.compile(r"^\d{1,2}[.、,]")
_GLUED = re.compile(r"^(?P<label>.*[^\d.,\s])(?P<digits>\d+)$")
_TOTAL = re.compile(r"^[(（]?七[)）、.]?总计")
_T2_ROWS = tuple(k for r in (*(r for p in t.T2_PARTS for r in p.rows), *t.T2_TRIAL_ROWS) for k in r.keywords)
_T3_ROWS = tuple(k for key in ("new", "carried_in", "open", "partial", "carried_out") for k in t.T3_ROW[key].keywords)
_GROUPS = (*(keyword for _label, keyword in t.T3_GROUPS.values()), "本年度办理结果")


def _label(cell: Cell) -> bool:
    folded = norm(cell.text)
    return bool(folded) and has_cjk(folded) and parse_number(folded) is None


def names_row(folded: str) -> bool:
    """Whether a label names a data row of the format (not a column, a group or a part)."""
    return (
        bool(_ITEM.match(folded))
        or bool(_TOTAL.match(folded))
        or any(folded.startswith(k) and note_only(folded[len(k) :]) for k in _T2_ROWS)
        or any(k in folded for k in _T3_ROWS)
    )


def _group(folded: str) -> bool:
    return any(k in folded for k in _GROUPS) and not _ITEM.match(folded)


def _breaks(folded: str) -> bool:
    return folded.startswith("第二十条") or folded == "信息内容"


def _unglue(cell: Cell) -> list[Cell]:
    """A label run together with its values ("规章000") as the label and one glued value cell; others as they are."""
    match = _GLUED.match(cell.text.strip())
    if match is None or not names_row(norm(match.group("label"))):
        return [cell]
    return [Cell(match.group("label"), cell.source), Cell(match.group("digits"), cell.source, glued=True)]


def rows_from_stream(table: Table) -> tuple[tuple[Cell, ...], ...]:
    """The rows of a flat table found again (see the module's description)."""
    rows: list[tuple[Cell, ...]] = []
    labels: list[Cell] = []
    values: list[Cell] = []

    def flush() -> None:
        if labels or values:
            rows.append((*labels, *values))
        labels.clear()
        values.clear()

    cells = [piece for row in table.rows for cell in row for piece in _unglue(cell)]
    for cell in cells:
        if _label(cell):
            folded = norm(cell.text)
            if values or _breaks(folded) or (names_row(folded) and not all(_group(norm(c.text)) for c in labels)):
                flush()
            labels.append(cell)
            continue
        if not values and labels:
            own = max((i for i, c in enumerate(labels) if names_row(norm(c.text))), default=None)
            if own is None and _group(norm(labels[-1].text)):
                own = len(labels) - 1
            if own is not None:
                while own > 0 and _group(norm(labels[own - 1].text)):
                    own -= 1
            header = labels[:own] if own is not None else list(labels)
            if header:
                rows.append(tuple(header))
            del labels[: len(header)]
        values.append(cell)
    flush()
    return tuple(rows)
