"""表四 (行政复议、行政诉讼): three groups of five results, one data row of fifteen numbers."""

from __future__ import annotations

from collections.abc import Sequence

from documents.model import Source, Table
from rules import template as t
from rules.labels import norm
from rules.report import ParsedTable, Row
from rules.tables import split_row, values_of


def parse_t4(tables: Sequence[Table], *, grid: bool, flat: bool = False, truncated: bool = False) -> ParsedTable:
    """Map 表四: three groups of five results, one data row of 15 numbers."""
    header_labels: list[tuple[str, Source]] = []
    groups_found: set[str] = set()
    result_counts = {c.key: 0 for c in t.T4_RESULTS}
    data: list[Row] = []
    for table in tables:
        for cells in table.rows:
            split = split_row(cells, grid=grid, width=t.T4_WIDTH)
            if split.values and any(v.text.strip() for v in split.values):
                if not data:
                    data.append(Row("data", "数据行", values_of(split.values), split.source, unread=split.unread))
                continue
            seen_sources: set[str] = set()
            for cell in cells:
                folded = norm(cell.text)
                if not folded:
                    continue
                origin = str(cell.source) + "|" + folded
                if cell.spanned and origin in seen_sources:
                    continue
                if cell.spanned:
                    continue
                seen_sources.add(origin)
                header_labels.append((cell.text.strip(), cell.source))
                for group in t.T4_GROUPS:
                    if any(name in folded for name in group.names) and not (group.key == "review" and "复议后" in folded):
                        if group.key == "review" and ("未经复议" in folded):
                            continue
                        groups_found.add(group.key)
                for result in t.T4_RESULTS:
                    if folded == result.names[0] or (len(folded) <= 4 and folded in result.names):
                        result_counts[result.key] += 1
    missing: list[str] = [g.key for g in t.T4_GROUPS if g.key not in groups_found]
    missing += [f"result:{k}" for k, n in result_counts.items() if n < len(t.T4_GROUPS)]
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
