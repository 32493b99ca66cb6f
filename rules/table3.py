"""表三 (收到和处理政府信息公开申请情况): its columns found in the header, its rows mapped by label."""

from __future__ import annotations

import re
from collections.abc import Sequence

from documents.model import Cell, Source, Table
from rules import template as t
from rules.labels import norm
from rules.report import ParsedTable, Row
from rules.tables import match_keywords, split_row, values_of

_ITEM_NUMBER = re.compile(r"^(\d{1,2})[.、,]")


def _t3_key(
    labels: Sequence[str], group: str | None, rows: Sequence[t.RowSpec], trial: bool
) -> tuple[str | None, str | None, bool]:
    """Return (row key, current group, is_subtotal) for a row's labels."""
    folded = [norm(label) for label in labels]
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
    for number, (_label, keyword) in t.T3_GROUPS.items():
        if any(keyword in f for f in folded):
            group = number
    items = [r for r in rows if r.group is not None]
    if trial and group == "六" and not _ITEM_NUMBER.match(last) and "其他处理" in whole:
        return "六", group, False
    in_group = [r for r in items if r.group == group] if group else []
    item_label = last if not any(kw in last for _l, kw in t.T3_GROUPS.values()) or _ITEM_NUMBER.match(last) else ""
    if item_label:
        found = match_keywords(item_label, in_group) if in_group else None
        if found is None and not in_group:
            found = match_keywords(item_label, [r for r in items if r.keywords != ("其他", "其它")])
        if found is None and in_group:
            item_number = _ITEM_NUMBER.match(item_label)
            if item_number:
                wanted = int(item_number.group(1))
                found = next((r for r in in_group if r.item == wanted), None)
        if found is not None:
            return found.key, found.group, False
        return None, group, False
    if group is not None:
        return f"{group}.sub", group, True
    return None, group, False


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
    rows_spec = t.T3_ROWS_TRIAL if trial else t.T3_ROWS
    all_rows = [row for table in tables for row in table.rows]
    header_names: set[str] = set()
    header_labels: list[tuple[str, Source]] = []
    first_data = len(all_rows)
    group: str | None = None
    for index, cells in enumerate(all_rows):
        split = split_row(cells, grid=grid)
        key, _g, _s = _t3_key(split.labels, None, rows_spec, trial) if split.labels else (None, None, False)
        if key in ("new", "carried_in", "open") or (
            split.values and any(v.text.strip() for v in split.values) and index > 0 and key
        ):
            first_data = index
            break
        for cell in cells:
            folded = norm(cell.text)
            if folded:
                header_labels.append((cell.text.strip(), cell.source))
            for column in t.T3_COLUMNS:
                if folded in column.names:
                    header_names.add(column.key)
    if grid:
        for joined in _stacked_labels(all_rows[:first_data]):
            header_names.update(c.key for c in t.T3_COLUMNS if joined in c.names)
    columns = tuple(c.key for c in t.T3_COLUMNS if c.key in header_names)
    width = len(columns)
    parsed: list[Row] = []
    seen: set[str] = set()
    for cells in all_rows[first_data:]:
        split = split_row(cells, grid=grid, width=width)
        if not split.labels and not split.values:
            continue
        key, group, subtotal = _t3_key(split.labels, group, rows_spec, trial) if split.labels else (None, group, False)
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
