"""表二 (主动公开政府信息情况): its four parts (five in the trial format), each a small table of its own."""

from __future__ import annotations

import re
from collections.abc import Sequence

from documents.model import Source, Table
from rules import template as t
from rules.labels import norm, note_only
from rules.report import ParsedTable, Row
from rules.tables import split_row, values_of

_PART = re.compile(r"第二十条第\(([一二三四五六七八九十])\)项")


def parse_t2(
    tables: Sequence[Table], *, grid: bool, trial: bool, flat: bool = False, truncated: bool = False
) -> dict[str, ParsedTable]:
    """Map 表二's four parts; returns part key → table (only the parts found)."""
    part_rows: dict[str, list[Row]] = {}
    part_headers: dict[str, list[tuple[str, Source]]] = {}
    part_source: dict[str, Source] = {}
    current: str | None = None
    all_specs = [(p, r) for p in t.T2_PARTS for r in p.rows]
    if trial:
        all_specs += [(t.T2_PART["五"], r) for r in t.T2_TRIAL_ROWS]
    for table in tables:
        for cells in table.rows:
            texts = [norm(c.text) for c in cells if not c.spanned]
            marker = next((m for m in (_PART.search(x) for x in texts) if m), None)
            if marker:
                current = marker.group(1)
                part_source.setdefault(current, cells[0].source)
                part_headers.setdefault(current, [])
                continue
            split = split_row(cells, grid=grid)
            label = norm(split.labels[0]) if split.labels else ""
            match = None
            for part, spec in all_specs:
                # A note may follow the label: "规章(县级无此项)".
                if any(label.startswith(k) and note_only(label[len(k) :]) for k in spec.keywords):
                    match = (part, spec)
                    break
            if match is None and label in ("规范性文件",):
                match = (t.T2_PART["一"], t.T2_PART["一"].rows[1])
            if match is not None:
                part, spec = match
                current = part.key
                part_source.setdefault(part.key, cells[0].source)
                width = len(t.t2_columns(part.key, trial=trial))
                split = split_row(cells, grid=grid, width=width)
                rows = part_rows.setdefault(part.key, [])
                if all(r.key != spec.key for r in rows):
                    rows.append(Row(spec.key, spec.label, values_of(split.values), split.source, unread=split.unread))
                continue
            if current is not None:
                headers = part_headers.setdefault(current, [])
                for cell in cells:
                    if cell.text.strip() and not cell.spanned:
                        headers.append((cell.text.strip(), cell.source))

    # An excerpt cut off inside 表二 cuts off the part it ends in; the parts above it are whole.
    cut = current if truncated else None
    found: dict[str, ParsedTable] = {}
    for part in t.T2_PARTS:
        if part.key not in part_rows and part.key not in part_headers:
            continue
        columns = t.t2_columns(part.key, trial=trial)
        found[part.key] = ParsedTable(
            kind=f"t2.{part.key}",
            name=part.name,
            columns=tuple(c.key for c in columns),
            width=len(columns),
            column_labels=tuple(c.label for c in columns),
            column_kinds=tuple(c.value for c in columns),
            rows=tuple(part_rows.get(part.key, [])),
            source=part_source.get(part.key, Source()),
            header_labels=tuple(part_headers.get(part.key, [])),
            flat=flat,
            truncated=part.key == cut,
        )
    return found
