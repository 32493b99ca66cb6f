"""The ruling lines of a PDF page, read with pypdfium2, and the cells they enclose, built by pdfplumber's algorithm.

pdfplumber finds a page's lines by running pdfminer's content-stream interpreter in Python (30–60 ms for a table
page); pdfium has parsed the page already, in C, so the lines are read from its path objects instead: every
straight, axis-parallel segment of a stroked path (a border drawn as a line, a rectangle's sides) or of a thin
filled bar, in page coordinates (form XObjects included). A filled box with no stroke thicker than a bar is a
background (WPS paints a white box behind every line of text), not a ruling. The lines are then snapped and
joined, their crossings found and the rectangles those enclose grouped into tables — the steps of pdfplumber's
``find_tables`` with the "lines" strategy (``merge_edges``, ``edges_to_intersections``,
``intersections_to_cells``, ``cells_to_tables`` of pdfplumber 0.11), done here on tuples instead of dicts: the
same arithmetic in the same order, so the same cells to the last bit, in a fraction of the time (pdfplumber
rebuilds sets of edges for every pair of crossings it compares; here each crossing's edges are collected once).
``tests/test_pdf_lines.py`` compares the two on real pages and random edges.
"""

from __future__ import annotations

import ctypes
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from operator import itemgetter
from typing import Any

import pypdfium2.raw as pdfium_raw  # type: ignore[import-untyped]

from documents.pdfium_calls import address, get_path_segment, get_segment_close, get_segment_point, get_segment_type

Box = tuple[float, float, float, float]  # x0, top, x1, bottom in points from the page's top-left corner
#: A ruling line: orientation ("h" or "v"), x0, top, x1, bottom (top-left coordinates; x0 == x1 for a vertical
#: line, top == bottom for a horizontal one).
Edge = tuple[str, float, float, float, float]
_Matrix = tuple[float, float, float, float, float, float]
_Point = tuple[float, float]
_IDENTITY: _Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
_SNAP = 3.0  # points: pdfplumber's default snap and join tolerances
_MIN_LENGTH = 3.0  # points: shorter segments are not lines
_AXIS = 0.5  # points: a segment this close to horizontal or vertical is taken as such
_MAX_DEPTH = 8  # nested form XObjects followed
_MAX_BAR = 2.5  # points: a filled shape thinner than this is a ruling; a thicker one a background

_GetType = pdfium_raw.FPDFPageObj_GetType
_GetMatrix = pdfium_raw.FPDFPageObj_GetMatrix
_GetDrawMode = pdfium_raw.FPDFPath_GetDrawMode
_CountSegments = pdfium_raw.FPDFPath_CountSegments
_FORM = pdfium_raw.FPDF_PAGEOBJ_FORM
_PATH = pdfium_raw.FPDF_PAGEOBJ_PATH
_MOVETO = pdfium_raw.FPDF_SEGMENT_MOVETO
_LINETO = pdfium_raw.FPDF_SEGMENT_LINETO
_FILL_NONE = pdfium_raw.FPDF_FILLMODE_NONE


def _compose(outer: _Matrix, inner: _Matrix) -> _Matrix:
    a1, b1, c1, d1, e1, f1 = inner
    a2, b2, c2, d2, e2, f2 = outer
    return (
        a1 * a2 + b1 * c2,
        a1 * b2 + b1 * d2,
        c1 * a2 + d1 * c2,
        c1 * b2 + d1 * d2,
        e1 * a2 + f1 * c2 + e2,
        e1 * b2 + f1 * d2 + f2,
    )


class _Reader:
    """Reads the segments of a page's paths into edges; its ctypes out-parameters are made once, not per call."""

    __slots__ = ("edges", "fill", "fill_ref", "height", "matrix", "stroke", "stroke_ref", "x", "x_address", "y", "y_address")

    def __init__(self, height: float) -> None:
        self.height = height
        self.edges: list[Edge] = []
        self.matrix = pdfium_raw.FS_MATRIX()
        self.fill, self.stroke = ctypes.c_int(), ctypes.c_int()
        self.x, self.y = ctypes.c_float(), ctypes.c_float()
        self.fill_ref, self.stroke_ref = ctypes.byref(self.fill), ctypes.byref(self.stroke)
        self.x_address, self.y_address = ctypes.addressof(self.x), ctypes.addressof(self.y)

    def matrix_of(self, obj: Any) -> _Matrix:
        matrix = self.matrix
        if not _GetMatrix(obj, matrix):
            return _IDENTITY
        return (matrix.a, matrix.b, matrix.c, matrix.d, matrix.e, matrix.f)

    def collect(self, obj: Any, outer: _Matrix, depth: int) -> None:
        kind = _GetType(obj)
        if kind == _FORM and depth < _MAX_DEPTH:
            matrix = _compose(outer, self.matrix_of(obj))
            for index in range(pdfium_raw.FPDFFormObj_CountObjects(obj)):
                self.collect(pdfium_raw.FPDFFormObj_GetObject(obj, index), matrix, depth + 1)
            return
        if kind != _PATH:
            return
        if not _GetDrawMode(obj, self.fill_ref, self.stroke_ref) or (not self.stroke.value and self.fill.value == _FILL_NONE):
            return  # a clipping path: nothing is drawn
        stroked = self.stroke.value
        a, b, c, d, e, f = _compose(outer, self.matrix_of(obj))
        x, y, x_address, y_address = self.x, self.y, self.x_address, self.y_address
        path = address(obj)  # for the per-segment calls, declared with plain addresses
        start: _Point | None = None
        current: _Point | None = None
        segments: list[tuple[_Point, _Point]] = []
        for index in range(_CountSegments(obj)):
            segment = get_path_segment(path, index)
            if not get_segment_point(segment, x_address, y_address):
                continue
            px, py = x.value, y.value
            point = (a * px + c * py + e, b * px + d * py + f)
            kind = get_segment_type(segment)
            if kind == _MOVETO:
                start = current = point
                continue
            if kind == _LINETO and current is not None:
                segments.append((current, point))
            current = point  # a Bézier's control points are segments of their own: only its end matters
            if get_segment_close(segment) and start is not None:
                segments.append((point, start))
                current = start
        if not stroked and segments and not _thin(segments):
            return  # a filled box behind text (WPS paints every line on a white one) is a background, not a ruling
        height, edges = self.height, self.edges
        for (x0, y0), (x1, y1) in segments:
            if abs(y1 - y0) <= _AXIS and abs(x1 - x0) >= _MIN_LENGTH:
                top = height - (y0 + y1) / 2
                edges.append(("h", min(x0, x1), top, max(x0, x1), top))
            elif abs(x1 - x0) <= _AXIS and abs(y1 - y0) >= _MIN_LENGTH:
                middle = (x0 + x1) / 2
                edges.append(("v", middle, height - max(y0, y1), middle, height - min(y0, y1)))


def page_edges(page: Any, height: float) -> list[Edge]:
    """The axis-parallel segments of the page's drawn paths (top-left coordinates)."""
    reader = _Reader(height)
    handle = page.raw
    for index in range(pdfium_raw.FPDFPage_CountObjects(handle)):
        reader.collect(pdfium_raw.FPDFPage_GetObject(handle, index), _IDENTITY, 0)
    return reader.edges


def _thin(segments: list[tuple[_Point, _Point]]) -> bool:
    """Whether a filled shape is a bar thin enough to be a ruling line (borders are often drawn as filled bars)."""
    xs = [x for pair in segments for x, _y in pair]
    ys = [y for pair in segments for _x, y in pair]
    return min(max(xs) - min(xs), max(ys) - min(ys)) <= _MAX_BAR


def ruled_cells(edges: list[Edge]) -> tuple[list[list[Box]], list[Box]]:
    """The tables the edges enclose (each a list of cell boxes) and the single cells belonging to no table."""
    if len(edges) < 4:
        return [], []
    merged = [edge for edge in merge_edges(edges) if (edge[3] - edge[1] if edge[0] == "h" else edge[4] - edge[2]) >= _MIN_LENGTH]
    cells = intersections_to_cells(edges_to_intersections(merged))
    tables = cells_to_tables(cells)
    grouped = {cell for table in tables for cell in table}
    lone = [cell for cell in cells if cell not in grouped]
    return [[_box(cell) for cell in table] for table in tables], [_box(cell) for cell in lone]


def _box(cell: Box) -> Box:
    x0, top, x1, bottom = cell
    return (float(x0), float(top), float(x1), float(bottom))


# pdfplumber's table routines on tuples. Each keeps its original's order of operations (float sums and sorts
# included): they must give the very cells pdfplumber gives.


def _cluster_list(values: list[float]) -> list[list[float]]:
    """pdfplumber's ``cluster_list``: sorted values, a new group where one is more than the tolerance above the last."""
    ordered = sorted(values)
    if len(ordered) < 2:
        return [[value] for value in ordered]
    groups: list[list[float]] = []
    current = [ordered[0]]
    last = ordered[0]
    for value in ordered[1:]:
        if value <= last + _SNAP:
            current.append(value)
        else:
            groups.append(current)
            current = [value]
        last = value
    groups.append(current)
    return groups


def _snap(edges: list[Edge], index: int) -> list[Edge]:
    """pdfplumber's ``snap_objects``: edges whose position (x0 of vertical, top of horizontal lines) is within the
    tolerance of each other's moved to their average, cluster by cluster, each in its original order."""
    position: Callable[[Edge], float] = itemgetter(index)
    groups = _cluster_list(list({position(edge) for edge in edges}))
    cluster_of = {value: number for number, group in enumerate(groups) for value in group}
    clusters: list[list[Edge]] = [[] for _ in groups]
    for edge in edges:
        clusters[cluster_of[position(edge)]].append(edge)
    out: list[Edge] = []
    for cluster in clusters:
        average = sum(map(position, cluster)) / len(cluster)
        for orientation, x0, top, x1, bottom in cluster:
            if index == 1:
                shift = average - x0
                out.append((orientation, x0 + shift, top, x1 + shift, bottom))
            else:
                shift = average - top
                out.append((orientation, x0, top + shift, x1, bottom + shift))
    return out


def _join(edges: list[Edge], orientation: str) -> list[Edge]:
    """pdfplumber's ``join_edge_group``: edges on one line whose ends are within the tolerance joined."""
    horizontal = orientation == "h"
    low: Callable[[Edge], float] = itemgetter(1 if horizontal else 2)  # x0 or top
    high: Callable[[Edge], float] = itemgetter(3 if horizontal else 4)  # x1 or bottom
    ordered = sorted(edges, key=low)
    joined = [ordered[0]]
    for edge in ordered[1:]:
        last = joined[-1]
        if low(edge) <= high(last) + _SNAP:
            if high(edge) > high(last):
                o, x0, top, x1, bottom = last
                joined[-1] = (o, x0, top, edge[3], bottom) if horizontal else (o, x0, top, x1, edge[4])
        else:
            joined.append(edge)
    return joined


def merge_edges(edges: list[Edge]) -> list[Edge]:
    """pdfplumber's ``merge_edges`` with its default tolerances: snapped, then joined line by line."""
    snapped = _snap([e for e in edges if e[0] == "v"], 1) + _snap([e for e in edges if e[0] == "h"], 2)
    snapped.sort(key=lambda edge: (edge[0], edge[2] if edge[0] == "h" else edge[1]))
    out: list[Edge] = []
    group: list[Edge] = []
    key: tuple[str, float] | None = None
    for edge in snapped:
        edge_key = (edge[0], edge[2] if edge[0] == "h" else edge[1])
        if group and edge_key != key:
            out += _join(group, group[0][0])
            group = []
        key = edge_key
        group.append(edge)
    if group:
        out += _join(group, group[0][0])
    return out


def edges_to_intersections(edges: list[Edge]) -> dict[_Point, tuple[set[Box], set[Box]]]:
    """pdfplumber's ``edges_to_intersections``: the points where a vertical and a horizontal line cross (within
    the tolerance), each with the boxes of its vertical and of its horizontal lines."""
    verticals = sorted((e for e in edges if e[0] == "v"), key=lambda e: (e[1], e[2]))
    horizontals = sorted((e for e in edges if e[0] == "h"), key=lambda e: (e[2], e[1]))
    tops = [h[2] for h in horizontals]
    intersections: dict[_Point, tuple[set[Box], set[Box]]] = {}
    for _v, vx, vtop, _vx1, vbottom in verticals:
        # The lines near the vertical's span (a margin round the tolerance), then pdfplumber's own test.
        first = bisect_left(tops, vtop - _SNAP - 1.0)
        last = bisect_right(tops, vbottom + _SNAP + 1.0)
        for _h, hx0, htop, hx1, hbottom in horizontals[first:last]:
            if vtop <= htop + _SNAP and vbottom >= htop - _SNAP and vx >= hx0 - _SNAP and vx <= hx1 + _SNAP:
                vertex = (vx, htop)
                found = intersections.get(vertex)
                if found is None:
                    found = intersections[vertex] = (set(), set())
                found[0].add((vx, vtop, _vx1, vbottom))
                found[1].add((hx0, htop, hx1, hbottom))
    return intersections


def intersections_to_cells(intersections: dict[_Point, tuple[set[Box], set[Box]]]) -> list[Box]:
    """pdfplumber's ``intersections_to_cells``: for each crossing (in sorted order), the smallest rectangle with
    it as top-left corner whose four corners are crossings joined by lines — the first crossing below it joined
    to it by a vertical line, and the first crossing right of it joined by a horizontal line, that make one."""
    points = sorted(intersections)
    columns: dict[float, list[_Point]] = {}  # crossings of one x, by y
    rows: dict[float, list[_Point]] = {}  # crossings of one y, by x
    after: dict[_Point, tuple[int, int]] = {}  # a crossing → where the crossings below and right of it start
    for point in points:
        column = columns.setdefault(point[0], [])
        row = rows.setdefault(point[1], [])
        column.append(point)
        row.append(point)
        after[point] = (len(column), len(row))
    cells: list[Box] = []
    for point in points:
        below_from, right_from = after[point]
        below = columns[point[0]][below_from:]
        right = rows[point[1]][right_from:]
        if not below or not right:
            continue
        verticals, horizontals = intersections[point]
        joined: dict[int, bool] = {}  # right crossing → whether a horizontal line joins it to this one
        found = False
        for below_point in below:
            if verticals.isdisjoint(intersections[below_point][0]):
                continue
            below_horizontals = intersections[below_point][1]
            for k, right_point in enumerate(right):
                connected = joined.get(k)
                if connected is None:
                    connected = joined[k] = not horizontals.isdisjoint(intersections[right_point][1])
                if not connected:
                    continue
                corner = (right_point[0], below_point[1])
                corner_lines = intersections.get(corner)
                if (
                    corner_lines is not None
                    and not corner_lines[0].isdisjoint(intersections[right_point][0])
                    and not corner_lines[1].isdisjoint(below_horizontals)
                ):
                    cells.append((point[0], point[1], corner[0], corner[1]))
                    found = True
                    break
            if found:
                break
    return cells


def cells_to_tables(cells: list[Box]) -> list[list[Box]]:
    """pdfplumber's ``cells_to_tables``: cells grouped into tables by shared corners, passes over the remaining
    cells until one adds none; tables of one cell are left out."""
    remaining = list(cells)
    corners: set[_Point] = set()
    current: list[Box] = []
    tables: list[list[Box]] = []
    while remaining:
        before = len(current)
        left: list[Box] = []
        for cell in remaining:
            x0, top, x1, bottom = cell
            cell_corners = ((x0, top), (x0, bottom), (x1, top), (x1, bottom))
            if not current or any(c in corners for c in cell_corners):
                corners.update(cell_corners)
                current.append(cell)
            else:
                left.append(cell)
        remaining = left
        if len(current) == before:
            tables.append(list(current))
            corners.clear()
            current.clear()
    if current:
        tables.append(list(current))
    tables.sort(key=lambda table: min((c[1], c[0]) for c in table))
    return [table for table in tables if len(table) > 1]
