"""The ruling lines of a PDF page, read with pypdfium2, and the cells they enclose, built by pdfplumber's algorithm.

pdfplumber finds a page's lines by running pdfminer's content-stream interpreter in Python (30–60 ms for a table
page); pdfium has parsed the page already, in C, so the lines are read from its path objects instead: every
straight, axis-parallel segment of a stroked path (a border drawn as a line, a rectangle's sides) or of a thin
filled bar, in page coordinates (form XObjects included). A filled box with no stroke thicker than a bar is a
background (WPS paints a white box behind every line of text), not a ruling. pdfplumber's table routines then snap and join
them, find their crossings and the rectangles those enclose, and group the cells into tables — the same steps as
its own ``find_tables`` with the "lines" strategy.
"""

from __future__ import annotations

import ctypes
from typing import Any

import pypdfium2.raw as pdfium_raw  # type: ignore[import-untyped]
from pdfplumber.table import cells_to_tables, edges_to_intersections, intersections_to_cells, merge_edges

Box = tuple[float, float, float, float]  # x0, top, x1, bottom in points from the page's top-left corner
_Matrix = tuple[float, float, float, float, float, float]
_IDENTITY: _Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
_SNAP = 3.0  # points: pdfplumber's default snap and join tolerances
_MIN_LENGTH = 3.0  # points: shorter segments are not lines
_AXIS = 0.5  # points: a segment this close to horizontal or vertical is taken as such
_MAX_DEPTH = 8  # nested form XObjects followed
_MAX_BAR = 2.5  # points: a filled shape thinner than this is a ruling; a thicker one a background


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


def _matrix(obj: Any) -> _Matrix:
    matrix = pdfium_raw.FS_MATRIX()
    if not pdfium_raw.FPDFPageObj_GetMatrix(obj, matrix):
        return _IDENTITY
    return (matrix.a, matrix.b, matrix.c, matrix.d, matrix.e, matrix.f)


def page_edges(page: Any, height: float) -> list[dict[str, Any]]:
    """The axis-parallel segments of the page's drawn paths as pdfplumber edges (top-left coordinates)."""
    edges: list[dict[str, Any]] = []
    handle = page.raw
    for index in range(pdfium_raw.FPDFPage_CountObjects(handle)):
        _collect(pdfium_raw.FPDFPage_GetObject(handle, index), _IDENTITY, height, edges, 0)
    return edges


def _collect(obj: Any, outer: _Matrix, height: float, edges: list[dict[str, Any]], depth: int) -> None:
    kind = pdfium_raw.FPDFPageObj_GetType(obj)
    if kind == pdfium_raw.FPDF_PAGEOBJ_FORM and depth < _MAX_DEPTH:
        matrix = _compose(outer, _matrix(obj))
        for index in range(pdfium_raw.FPDFFormObj_CountObjects(obj)):
            _collect(pdfium_raw.FPDFFormObj_GetObject(obj, index), matrix, height, edges, depth + 1)
        return
    if kind != pdfium_raw.FPDF_PAGEOBJ_PATH:
        return
    fill = ctypes.c_int()
    stroke = ctypes.c_int()
    if not pdfium_raw.FPDFPath_GetDrawMode(obj, fill, stroke) or (
        not stroke.value and fill.value == pdfium_raw.FPDF_FILLMODE_NONE
    ):
        return  # a clipping path: nothing is drawn
    a, b, c, d, e, f = _compose(outer, _matrix(obj))
    x = ctypes.c_float()
    y = ctypes.c_float()
    start: tuple[float, float] | None = None
    current: tuple[float, float] | None = None
    segments: list[tuple[tuple[float, float], tuple[float, float]]] = []
    for index in range(pdfium_raw.FPDFPath_CountSegments(obj)):
        segment = pdfium_raw.FPDFPath_GetPathSegment(obj, index)
        if not pdfium_raw.FPDFPathSegment_GetPoint(segment, x, y):
            continue
        point = (a * x.value + c * y.value + e, b * x.value + d * y.value + f)
        kind = pdfium_raw.FPDFPathSegment_GetType(segment)
        if kind == pdfium_raw.FPDF_SEGMENT_MOVETO:
            start = current = point
            continue
        if kind == pdfium_raw.FPDF_SEGMENT_LINETO and current is not None:
            segments.append((current, point))
        current = point  # a Bézier's control points are segments of their own: only its end matters
        if pdfium_raw.FPDFPathSegment_GetClose(segment) and start is not None:
            segments.append((point, start))
            current = start
    if not stroke.value and segments and not _thin(segments):
        return  # a filled box behind text (WPS paints every line on a white one) is a background, not a ruling
    for p, q in segments:
        _add(p, q, height, edges)


def _thin(segments: list[tuple[tuple[float, float], tuple[float, float]]]) -> bool:
    """Whether a filled shape is a bar thin enough to be a ruling line (borders are often drawn as filled bars)."""
    xs = [x for pair in segments for x, _y in pair]
    ys = [y for pair in segments for _x, y in pair]
    return min(max(xs) - min(xs), max(ys) - min(ys)) <= _MAX_BAR


def _add(p: tuple[float, float], q: tuple[float, float], height: float, edges: list[dict[str, Any]]) -> None:
    (x0, y0), (x1, y1) = p, q
    if abs(y1 - y0) <= _AXIS and abs(x1 - x0) >= _MIN_LENGTH:
        top = height - (y0 + y1) / 2
        left, right = min(x0, x1), max(x0, x1)
        edges.append(
            {"orientation": "h", "x0": left, "x1": right, "top": top, "bottom": top, "width": right - left, "height": 0.0}
        )
    elif abs(x1 - x0) <= _AXIS and abs(y1 - y0) >= _MIN_LENGTH:
        middle = (x0 + x1) / 2
        top, bottom = height - max(y0, y1), height - min(y0, y1)
        edges.append(
            {"orientation": "v", "x0": middle, "x1": middle, "top": top, "bottom": bottom, "width": 0.0, "height": bottom - top}
        )


def ruled_cells(edges: list[dict[str, Any]]) -> tuple[list[list[Box]], list[Box]]:
    """The tables the edges enclose (each a list of cell boxes) and the single cells belonging to no table."""
    if len(edges) < 4:
        return [], []
    merged = merge_edges(edges, _SNAP, _SNAP, _SNAP, _SNAP)
    merged = [
        edge
        for edge in merged
        if (edge["x1"] - edge["x0"] if edge["orientation"] == "h" else edge["bottom"] - edge["top"]) >= _MIN_LENGTH
    ]
    cells = intersections_to_cells(edges_to_intersections(merged, _SNAP, _SNAP))
    tables = cells_to_tables(cells)
    grouped = {tuple(cell) for table in tables for cell in table}
    lone = [cell for cell in cells if tuple(cell) not in grouped]
    return [[_box(cell) for cell in table] for table in tables], [_box(cell) for cell in lone]


def _length(edge: dict[str, Any]) -> float:
    return float(edge["x1"] - edge["x0"] if edge["orientation"] == "h" else edge["bottom"] - edge["top"])


def _box(cell: Any) -> Box:
    x0, top, x1, bottom = cell
    return (float(x0), float(top), float(x1), float(bottom))
