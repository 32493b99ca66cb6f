"""表四 (行政复议、行政诉讼): three groups of five results, one data row of fifteen numbers.

Printed as one table (the format's way) or as three small tables of five results each, the group named in a
heading above each (行政复议 / 行政诉讼·未经复议直接起诉 / 复议后起诉): the three are then read as the one row.
"""

from __future__ import annotations

from collections.abc import Sequence

from documents.model import Cell, Source, Table
from rules import template as t
from rules.labels import norm
from rules.report import ParsedTable, Row, Value
from rules.tables import split_row, values_of

_RESULTS = len(t.T4_RESULTS)


def group_named(text: str) -> str | None:
    """The 表四 group a heading or label names (复议后起诉 before 行政复议, which its words contain)."""
    folded = norm(text)
    if "复议后起诉" in folded:
        return "after_review"
    if "直接起诉" in folded or "未经复议" in folded:
        return "direct"
    if "行政复议" in folded:
        return "review"
    return None


def _header(cells: Sequence[Cell], groups: set[str], counts: dict[str, int], labels: list[tuple[str, Source]]) -> None:
    """Note the groups and results a header row names."""
    for cell in cells:
        folded = norm(cell.text)
        if not folded or cell.spanned:
            continue
        labels.append((cell.text.strip(), cell.source))
        group = group_named(folded)
        if group is not None:
            groups.add(group)
        for result in t.T4_RESULTS:
            if folded == result.names[0] or (len(folded) <= 4 and folded in result.names):
                counts[result.key] += 1


def _parts(tables: Sequence[Table], headings: Sequence[str], grid: bool) -> dict[str, tuple[Table, Row]] | None:
    """The three small tables of 表四 printed one per group: group → (table, its row of five values); None when the
    tables are not so printed (a table of its own names a group, or a heading names none)."""
    if len(tables) < 2 or len(headings) != len(tables):
        return None
    found: dict[str, tuple[Table, Row]] = {}
    for table, heading in zip(tables, headings, strict=True):
        texts = [cell.text for row in table.rows for cell in row]
        if any(group_named(text) for text in texts):
            return None
        group = group_named(heading)
        if group is None or group in found:
            return None
        for cells in table.rows:
            split = split_row(cells, grid=grid, width=_RESULTS)
            if split.values and any(v.text.strip() for v in split.values):
                found[group] = (table, Row("data", "数据行", values_of(split.values), split.source, unread=split.unread))
                break
    return found


def parse_t4(
    tables: Sequence[Table], *, grid: bool, flat: bool = False, truncated: bool = False, headings: Sequence[str] = ()
) -> ParsedTable:
    """Map 表四 onto its fifteen columns; ``headings`` are the texts just above each table (group names of a 表四
    printed as three small tables)."""
    header_labels: list[tuple[str, Source]] = []
    groups_found: set[str] = set()
    result_counts = {c.key: 0 for c in t.T4_RESULTS}
    data: list[Row] = []
    parts = _parts(tables, headings, grid)
    if parts is not None:
        values: list[Value] = []
        unread: str | None = None
        for group in t.T4_GROUPS:
            if group.key not in parts:
                unread = "缺少「" + group.label + "」一组"
                continue
            table, row = parts[group.key]
            groups_found.add(group.key)
            for cells in table.rows:
                if cells and not split_row(cells, grid=grid, width=_RESULTS).values:
                    _header(cells, set(), result_counts, header_labels)
            values.extend(row.values)
            unread = unread or row.unread
        first = parts[next(iter(parts))][1]
        data.append(Row("data", "数据行", tuple(values), first.source, unread=unread))
    else:
        for table in tables:
            for cells in table.rows:
                split = split_row(cells, grid=grid, width=t.T4_WIDTH)
                if split.values and any(v.text.strip() for v in split.values):
                    if not data:
                        data.append(Row("data", "数据行", values_of(split.values), split.source, unread=split.unread))
                    continue
                _header(cells, groups_found, result_counts, header_labels)
    missing: list[str] = [g.key for g in t.T4_GROUPS if g.key not in groups_found]
    wanted = len(groups_found) if parts is not None else len(t.T4_GROUPS)
    missing += [f"result:{k}" for k, n in result_counts.items() if n < wanted]
    source = tables[0].source if tables else Source()
    columns = tuple(f"{g.key}.{r.key}" for g in t.T4_GROUPS for r in t.T4_RESULTS)
    return ParsedTable(
        kind="t4",
        name="表四",
        columns=columns,
        width=t.T4_WIDTH,
        rows=tuple(data),
        source=source,
        header_labels=tuple(header_labels),
        flat=flat,
        truncated=truncated,
        missing_columns=tuple(missing),
        column_labels=tuple(f"{g.label}·{r.label}" for g in t.T4_GROUPS for r in t.T4_RESULTS),
        column_kinds=tuple("count" for _c in columns),
    )
