"""表三 (收到和处理政府信息公开申请情况): its columns found in the header, its rows mapped by label."""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from functools import lru_cache

from documents.model import Cell, Source, Table
from rules import template as t
from rules.labels import norm
from rules.report import ParsedTable, Row
from rules.tables import match_keywords, split_row, values_of

_ITEM_NUMBER = re.compile(r"^(\d{1,2})[.、,]")


# A group label cut by a page break keeps its number: "（四）无" over "法提供".
_GROUP_NUMBER = re.compile(r"^\(([三四五六])\)")
# A group and an item in one cell: "（三）不予公开 1.属于国家秘密", "不予公开/1.属于国家秘密".
_COMBINED = re.compile(r"^(?P<group>.*?(?:不予公开|无法提供|不予处理|其他处理))[/:\-]*(?P<item>\d{1,2}[.、,].+)$")
_OTHER = ("其他", "其它")


def _group_of(folded: str) -> str | None:
    """The group a label names, by its words or, when they were cut, by its number."""
    for number, (_label, keyword) in t.T3_GROUPS.items():
        if keyword in folded:
            return number
    match = _GROUP_NUMBER.match(folded)
    return match.group(1) if match else None


def _expand(labels: Sequence[str]) -> list[str]:
    """The folded labels, a group and an item printed in one cell taken as two."""
    out: list[str] = []
    for label in labels:
        out.extend(_expand_one(label))
    return out


@lru_cache(maxsize=16384)
def _expand_one(label: str) -> tuple[str, ...]:
    folded = norm(label)
    combined = _COMBINED.match(folded)
    return (combined.group("group"), combined.group("item")) if combined else (folded,)


_ITEMS = {False: tuple(r for r in t.T3_ROWS if r.group is not None), True: tuple(r for r in t.T3_ROWS_TRIAL if r.group)}


@lru_cache(maxsize=4096)
def _item(label: str, group: str | None, trial: bool) -> t.RowSpec | None:
    """The item row a label names: by its own words first (in the current group when several groups' items match),
    so that a group whose label was missed never swallows the next group's items; by its number within the group
    only when its words name no item (a label cut short); "其他" only within its group. (Cached: the same labels
    recur in every report.)"""
    items = _ITEMS[trial]
    named = [r for r in items if r.keywords != _OTHER and any(k in label for k in r.keywords)]
    if named:
        return next((r for r in named if r.group == group), named[0])
    in_group = [r for r in items if r.group == group] if group else []
    found = match_keywords(label, in_group)
    if found is None and in_group and (number := _ITEM_NUMBER.match(label)):
        found = next((r for r in in_group if r.item == int(number.group(1))), None)
    return found


def _t3_key(labels: Sequence[str], group: str | None, trial: bool) -> tuple[str | None, str | None, bool]:
    """Return (row key, current group, is_subtotal) for a row's labels."""
    folded = _expand(labels)
    last = folded[-1] if folded else ""
    whole = "".join(folded)
    for spec in (t.T3_ROW["new"], t.T3_ROW["carried_in"], t.T3_ROW["carried_out"]):
        if any(k in last for k in spec.keywords) or (
            len(folded) > 1 and any(k in whole for k in spec.keywords) and not _ITEM_NUMBER.match(last)
        ):
            return spec.key, None, False
    if ("总计" in last or "合计" in last) and not any(c.names[0] in last for c in t.T3_COLUMNS[:-1]):
        return "total", None, False
    if any(k in last for k in t.T3_ROW["open"].keywords) and "不予公开" not in last:
        return "open", None, False
    if any(k in last for k in t.T3_ROW["partial"].keywords):
        return "partial", None, False
    for label in folded:
        if not _ITEM_NUMBER.match(label) and (named := _group_of(label)):
            group = named
    if trial and group == "六" and not _ITEM_NUMBER.match(last) and "其他处理" in whole:
        return "六", group, False
    item_label = last if _ITEM_NUMBER.match(last) or _group_of(last) is None else ""
    if item_label:
        found = _item(item_label, group, trial)
        if found is not None:
            return found.key, found.group, False
        return None, group, False
    if group is not None:
        return f"{group}.sub", group, True
    return None, group, False


# A column named by its position only: 数据1, 列2, 第3列.
_GENERIC = re.compile(r"(?:数据|列|第)\d{1,2}列?")
# "申请人情况：自然人", "法人或其他组织/商业企业": the column's name after its parent's.
_PARENT = re.compile(r"^.+[:/](?=[^:/]+$)")


def _columns_named(texts: Sequence[str]) -> set[str]:
    """The 表三 columns a header row's folded cell texts name: a cell's text, the part after a parent's name, or two
    neighbouring cells together (a name broken into "商业" and "企业" when the table was flattened)."""
    candidates = set(texts)
    candidates |= {_PARENT.sub("", text) for text in texts}
    candidates |= {a + b for a, b in itertools.pairwise(texts)}
    return {c.key for c in t.T3_COLUMNS if candidates & set(c.names)}


def _stacked_labels(header: Sequence[Sequence[Cell]]) -> set[str]:
    """Texts of vertically adjacent header cells of one grid column joined top to bottom ("自然" over "人" is
    "自然人"): a merged header cell that a PDF page break cut in two holds its label in two pieces."""
    out: set[str] = set()
    for column in range(max((len(row) for row in header), default=0)):
        texts: list[str] = []
        for row in header:
            folded = norm(row[column].text) if column < len(row) else ""
            if folded and (not texts or texts[-1] != folded):
                texts.append(folded)
        out |= {"".join(texts[i:j]) for i in range(len(texts)) for j in range(i + 2, len(texts) + 1)}
    return out


def parse_t3(tables: Sequence[Table], *, grid: bool, trial: bool, flat: bool = False, truncated: bool = False) -> ParsedTable:
    """Map 表三 (possibly spread over several grids) onto the format's rows and columns."""
    all_rows = [row for table in tables for row in table.rows]
    header_names: set[str] = set()
    header_labels: list[tuple[str, Source]] = []
    first_data = len(all_rows)
    generic = 0
    group: str | None = None
    for index, cells in enumerate(all_rows):
        split = split_row(cells, grid=grid)
        key, _g, _s = _t3_key(split.labels, None, trial) if split.labels else (None, None, False)
        if key in ("new", "carried_in", "open") or (
            split.values and any(v.text.strip() for v in split.values) and index > 0 and key
        ):
            first_data = index
            break
        texts = [norm(cell.text) for cell in cells if not cell.spanned]
        header_labels.extend((cell.text.strip(), cell.source) for cell in cells if cell.text.strip() and not cell.spanned)
        header_names.update(_columns_named(texts))
        generic += sum(1 for text in texts if _GENERIC.fullmatch(text))
    if grid:
        for joined in _stacked_labels(all_rows[:first_data]):
            header_names.update(c.key for c in t.T3_COLUMNS if joined in c.names)
    if generic == len(t.T3_COLUMNS) and not header_names:
        # Columns relabelled 数据1 … 数据7 by a local template, in the format's order.
        header_names = {c.key for c in t.T3_COLUMNS}
    columns = tuple(c.key for c in t.T3_COLUMNS if c.key in header_names)
    width = len(columns)
    parsed: list[Row] = []
    seen: set[str] = set()
    for cells in all_rows[first_data:]:
        split = split_row(cells, grid=grid, width=width)
        if not split.labels and not split.values:
            continue
        key, group, subtotal = _t3_key(split.labels, group, trial) if split.labels else (None, group, False)
        if key is not None and key in seen:
            key = None
        if key is not None:
            seen.add(key)
        label = t.T3_ROW[key].label if key in t.T3_ROW else " ".join(split.labels)
        if subtotal and key and key[0] in t.T3_GROUPS:
            label = t.T3_GROUPS[key[0]][0] + " 小计"
        elif trial and key == "六":
            label = "（六）其他处理"
        parsed.append(Row(key, label, values_of(split.values), split.source, subtotal, split.unread))
    source = tables[0].source if tables else Source()
    return ParsedTable(
        kind="t3",
        name="表三",
        columns=columns,
        width=width,
        rows=tuple(parsed),
        source=source,
        header_labels=tuple(header_labels),
        flat=flat,
        truncated=truncated,
        missing_columns=tuple(c.key for c in t.T3_COLUMNS if c.key not in header_names),
        column_labels=tuple(t.T3_COLUMN[k].label for k in columns),
        column_kinds=tuple("count" for _k in columns),
    )
