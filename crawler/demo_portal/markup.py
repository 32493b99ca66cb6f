"""Seed report text → the report body as a portal editor's HTML (TRS or Hanweb markup).

A port of ``tests/fixtures/html/build_pages.py`` (the project must not read tests/ at run time): Markdown headings
become ``<hN>``, list lines ``<li>``, other lines ``<p>``; the tables get the national format's merged cells, and a
seed's defects (short rows, a missing column) are kept, never repaired.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

NUMBER = re.compile(r"\d+(?:\.\d+)?")


HEADING = re.compile(r"^(#{1,6})\s+(.*)$")


LIST_ITEM = re.compile(r"^-\s+(.*)$")


SEPARATOR = re.compile(r"^:?-{3,}:?$")


LINK = re.compile(r"\[([^\]]*)\]\(([^)]*)\)")


BOLD = re.compile(r"\*\*(.+?)\*\*")


# A short numbered line on its own: a section or sub-section label, set in bold by the editors.
SECTION_LABEL = re.compile(r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[)）]).{0,28}$")


TOP_LEVEL_ROW = ("一、", "二、", "四、", "(七)", "（七）")


GROUP_ROW = re.compile(r"^[（(][三四五六][)）]")


@dataclass(frozen=True)
class Line:
    """One block of the seed: kind is "heading", "item", "para" or "table"."""

    kind: str
    text: str = ""
    level: int = 0
    rows: tuple[tuple[str, ...], ...] = ()


def read_seed(text: str) -> list[Line]:
    """The seed as blocks. A table runs over blank lines and Markdown separator rows while tab lines follow."""
    lines = text.splitlines()
    blocks: list[Line] = []
    i = 0
    while i < len(lines):
        raw = lines[i]
        if "\t" in raw:
            rows: list[tuple[str, ...]] = []
            while i < len(lines) and ("\t" in lines[i] or not lines[i].strip()):
                if "\t" in lines[i]:
                    fields = tuple(field.strip() for field in lines[i].split("\t"))
                    if not all(SEPARATOR.match(f) or not f for f in fields):
                        rows.append(fields)
                i += 1
            blocks.append(Line("table", rows=tuple(rows)))
            continue
        i += 1
        stripped = raw.strip()
        if not stripped:
            continue
        heading = HEADING.match(stripped)
        item = LIST_ITEM.match(stripped)
        if heading:
            blocks.append(Line("heading", heading.group(2), level=len(heading.group(1))))
        elif item:
            blocks.append(Line("item", item.group(1)))
        else:
            blocks.append(Line("para", stripped))
    return blocks


def plain(text: str) -> str:
    """Seed markup removed: what a reader sees."""
    return LINK.sub(r"\1", BOLD.sub(r"\1", text))


def inline(text: str, bold_tag: str) -> str:
    """Seed text as HTML: escaped, **bold** as <strong>/<b>, [text](url) as a link."""
    out = html.escape(text, quote=False)
    out = BOLD.sub(lambda m: f"<{bold_tag}>{m.group(1)}</{bold_tag}>", out)
    return LINK.sub(lambda m: f'<a href="{m.group(2)}" target="_blank">{m.group(1)}</a>', out)


def title_of(blocks: list[Line]) -> str:
    """The report title: the first lines up to the one naming the report, without spaces (as portals title it)."""
    parts: list[str] = []
    for block in blocks:
        parts.append(plain(block.text))
        if "年度报告" in block.text:
            break
    return "".join("".join(parts).split())


@dataclass(frozen=True)
class Td:
    """One cell to write: text (lines joined with <br>), spans."""

    text: str
    colspan: int = 1
    rowspan: int = 1
    header: bool = False


@dataclass(frozen=True)
class Placed:
    """A cell of a table at its grid position: rows ``row`` … ``row + rowspan - 1``, columns likewise."""

    td: Td
    row: int
    column: int


def place(rows: list[list[Td]]) -> tuple[list[Placed], int, list[int]]:
    """Grid positions of the cells (HTML placement: a cell skips columns taken by a rowspan from above);
    returns the cells, the table's width and, per row, the number of columns it covers."""
    taken: set[tuple[int, int]] = set()
    placed: list[Placed] = []
    for r, row in enumerate(rows):
        column = 0
        for td in row:
            while (r, column) in taken:
                column += 1
            placed.append(Placed(td, r, column))
            for dr in range(td.rowspan):
                for dc in range(td.colspan):
                    taken.add((r + dr, column + dc))
            column += td.colspan
    width = max(c for _r, c in taken) + 1
    extent = [max((c + 1 for rr, c in taken if rr == r), default=0) for r in range(len(rows))]
    return placed, width, extent


def nonempty(row: tuple[str, ...]) -> list[str]:
    return [cell for cell in row if cell]


def trimmed(row: tuple[str, ...]) -> list[str]:
    cells = list(row)
    while cells and not cells[-1]:
        cells.pop()
    return cells


def table_two(rows: tuple[tuple[str, ...], ...]) -> list[list[Td]]:
    """表二: one table, the four 第二十条 parts as full-width rows, short rows' last cell spanning the rest."""
    width = max(len(trimmed(row)) for row in rows)
    out: list[list[Td]] = []
    for row in rows:
        cells = trimmed(row)
        if len(cells) == 1:
            out.append([Td(cells[0], colspan=width, header=True)])
            continue
        tds = [Td(cell, header=cells[0] == "信息内容") for cell in cells]
        last = tds[-1]
        tds[-1] = Td(last.text, colspan=width - len(cells) + 1, header=last.header)
        out.append(tds)
    return out


def table_three(rows: tuple[tuple[str, ...], ...]) -> list[list[Td]]:
    """表三 with the national format's merged cells; each data row keeps exactly the seed's values."""
    first, second, third = (nonempty(row) for row in rows[:3])
    items = len(third)
    total_first = "总计" in first
    total_second = "总计" in second
    out: list[list[Td]] = [
        [Td(first[0], colspan=3, rowspan=3, header=True), Td(first[1], colspan=1 + items + total_second, header=True)],
        [Td(second[0], rowspan=2, header=True), Td(second[1], colspan=items, header=True)],
        [Td(label, header=True) for label in third],
    ]
    if total_first:
        out[0].append(Td("总计", rowspan=3, header=True))
    if total_second:
        out[1].append(Td("总计", rowspan=2, header=True))

    parsed: list[tuple[list[str], list[str]]] = []
    for row in rows[3:]:
        cells = trimmed(row)
        start = next(i for i, cell in enumerate(cells) if NUMBER.fullmatch(cell))
        values = cells[start:]
        assert all(NUMBER.fullmatch(v) for v in values), f"a blank or text value in {row}"
        parsed.append((cells[:start], values))

    def top_level(labels: list[str]) -> bool:
        return bool(labels[0]) and labels[0].startswith(TOP_LEVEL_ROW)

    # The 三、本年度办理结果 label spans the rows between the top-level ones; its text may be spread over them.
    block = [i for i, (labels, _) in enumerate(parsed) if not top_level(labels)]
    fragments = [parsed[i][0][0] for i in block if parsed[i][0][0]]
    groups: dict[int, int] = {}  # first row of a group -> its number of rows
    current = -1
    for i in block:
        labels = [*parsed[i][0], "", "", ""]
        if labels[1] and labels[2]:
            current = i
            groups[current] = 1
        elif not labels[1] and labels[2] and current >= 0:
            groups[current] += 1
        else:
            current = -1

    for i, (labels, values) in enumerate(parsed):
        tds: list[Td] = []
        if top_level(labels):
            named = [label for label in labels if label]
            if len(named) == 2:
                tds += [Td(named[0]), Td(named[1], colspan=2)]
            else:
                tds.append(Td(named[0], colspan=3))
        else:
            if i == block[0]:
                tds.append(Td("\n".join(fragments), rowspan=len(block)))
            padded = [*labels, "", "", ""]
            if i in groups:
                tds += [Td(padded[1], rowspan=groups[i]), Td(padded[2])]
            elif padded[2]:
                tds.append(Td(padded[2]))
            else:
                tds.append(Td(padded[1], colspan=2))
        tds += [Td(value) for value in values]
        out.append(tds)
    return out


def table_four(rows: tuple[tuple[str, ...], ...]) -> list[list[Td]]:
    """表四: 行政复议 (5) | 行政诉讼 (10: 未经复议直接起诉 5, 复议后起诉 5); the value row as the seed has it."""
    first, second, third = (nonempty(row) for row in rows[:3])
    review = second[:-2]
    out = [
        [Td(first[0], colspan=len(review), header=True), Td(first[1], colspan=len(third), header=True)],
        [Td(label, rowspan=2, header=True) for label in review]
        + [Td(label, colspan=len(third) // 2, header=True) for label in second[-2:]],
        [Td(label, header=True) for label in third],
    ]
    for row in rows[3:]:
        out.append([Td(value) for value in trimmed(row)])
    return out


def build_table(rows: tuple[tuple[str, ...], ...]) -> list[list[Td]]:
    head = rows[0][0]
    if head.startswith("第二十条"):
        return table_two(rows)
    if head.startswith("行政复议"):
        return table_four(rows)
    if "勾稽关系" in head:
        return table_three(rows)
    raise ValueError(f"unknown table starting {head!r}")


def spans(td: Td) -> str:
    out = ""
    if td.rowspan > 1:
        out += f' rowspan="{td.rowspan}"'
    if td.colspan > 1:
        out += f' colspan="{td.colspan}"'
    return out


def cell_html(td: Td) -> str:
    return "<br />".join(html.escape(part, quote=False) for part in td.text.split("\n"))


def trs_table(rows: list[list[Td]]) -> str:
    """TRS editor markup: plain cells, centred, bold header text."""
    out = ['<table border="1" cellspacing="0" cellpadding="0" width="100%" style="border-collapse:collapse;">', "<tbody>"]
    for row in rows:
        cells = []
        for td in row:
            text = cell_html(td)
            if td.header:
                text = f"<strong>{text}</strong>"
            cells.append(f'<td{spans(td)} style="text-align:center;vertical-align:middle;">{text}</td>')
        out.append("<tr>" + "".join(cells) + "</tr>")
    out += ["</tbody>", "</table>"]
    return "\n".join(out)


def hanweb_table(rows: list[list[Td]]) -> str:
    """Hanweb pages carry Word's markup: a paragraph and a span in every cell."""
    out = [
        '<table class="MsoNormalTable" border="1" cellspacing="0" cellpadding="0" align="center" '
        'style="border-collapse:collapse;border:none;width:100%">',
        "<tbody>",
    ]
    for row in rows:
        cells = []
        for td in row:
            weight = "font-weight:bold;" if td.header else ""
            cells.append(
                f'<td{spans(td)} valign="center" style="border:solid windowtext 1.0pt;padding:0 5.4pt">'
                f'<p align="center" style="text-align:center"><span style="font-family:宋体;font-size:10.5pt;{weight}">'
                f"{cell_html(td)}</span></p></td>"
            )
        out.append("<tr>" + "".join(cells) + "</tr>")
    out += ["</tbody>", "</table>"]
    return "\n".join(out)


def body_html(blocks: list[Line], style: str) -> str:
    """The report as the editor's HTML, block by block; consecutive list lines form one list."""
    bold = "strong" if style == "trs" else "b"
    out: list[str] = []
    in_list = False
    for block in blocks:
        if block.kind != "item" and in_list:
            out.append("</ul>")
            in_list = False
        if block.kind == "heading":
            level = min(block.level, 6)
            out.append(f"<h{level}>{inline(block.text, bold)}</h{level}>")
        elif block.kind == "item":
            if not in_list:
                out.append('<ul style="list-style:none;">')
                in_list = True
            out.append(f"<li>{inline(block.text, bold)}</li>")
        elif block.kind == "table":
            rows = build_table(block.rows)
            out.append(trs_table(rows) if style == "trs" else hanweb_table(rows))
        elif SECTION_LABEL.match(block.text):
            out.append(f'<p style="text-indent:2em;"><{bold}>{inline(block.text, bold)}</{bold}></p>')
        elif style == "trs":
            out.append(f'<p style="text-indent:2em;text-align:justify;">{inline(block.text, bold)}</p>')
        else:
            out.append(
                '<p class="MsoNormal" style="text-indent:32pt;line-height:28pt">'
                f'<span style="font-family:仿宋_GB2312;font-size:16pt">{inline(block.text, bold)}</span></p>'
            )
    if in_list:
        out.append("</ul>")
    return "\n".join(out)
