"""Mapping table grids onto 表二, 表三 and 表四 of the format, by label, tolerant of real-world variants.

A row is split into label cells and a value zone. In a real grid (HTML, Word) positions are kept; in
tab-separated text they are not reliable, so blank cells next to the labels are taken as padding.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from documents.model import Cell, Source, Table
from rules import template as t
from rules.labels import has_cjk, norm, note_only, parse_number
from rules.report import ParsedTable, Row, Value

_ITEM_NUMBER = re.compile(r"^(\d{1,2})[.、,]")
_PART = re.compile(r"第二十条第\(([一二三四五六七八九十])\)项")


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
    if "行政复议" in joined and ("行政诉讼" in joined or "结果维持" in joined) and "本年新收" not in joined:
        kinds.add("t4")
    if "第二十条" in joined or (
        "信息内容" in joined and any(k in joined for k in ("规章", "行政许可", "行政处罚", "行政事业性收费"))
    ):
        kinds.add("t2")
    return kinds


def _is_label(cell: Cell) -> bool:
    folded = norm(cell.text)
    return bool(folded) and has_cjk(folded) and parse_number(folded) is None


def split_row(cells: Sequence[Cell], *, grid: bool, width: int | None = None) -> SplitRow:
    """Split a row into labels and values.

    Values are the cells after the last label cell; spanned copies are not values. Without a grid
    (text), blank cells at either end of the value zone are padding; in a grid, trailing blanks are
    kept up to ``width`` (a blank cell in a data column is missing data).
    """
    last_label = -1
    for index, cell in enumerate(cells):
        if _is_label(cell):
            last_label = index
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


def _values(cells: Sequence[Cell]) -> tuple[Value, ...]:
    return tuple(Value(c.text.strip(), parse_number(c.text), c.source, c.doubtful) for c in cells)


def _match_keywords(text: str, specs: Sequence[t.RowSpec]) -> t.RowSpec | None:
    for spec in specs:
        if any(k in text for k in spec.keywords):
            return spec
    return None


# --- 表三 -------------------------------------------------------------------------------------------


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
        found = _match_keywords(item_label, in_group) if in_group else None
        if found is None and not in_group:
            found = _match_keywords(item_label, [r for r in items if r.keywords != ("其他", "其它")])
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
        parsed.append(Row(key, label, _values(split.values), split.source, subtotal, split.unread))
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


# --- 表四 -------------------------------------------------------------------------------------------


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
                    data.append(Row("data", "数据行", _values(split.values), split.source, unread=split.unread))
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


# --- 表二 -------------------------------------------------------------------------------------------


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
                    rows.append(Row(spec.key, spec.label, _values(split.values), split.source, unread=split.unread))
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
