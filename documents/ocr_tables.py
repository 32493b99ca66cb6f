"""Ruled tables in page images: the skew of the page, the ruling lines, and the cells they enclose.

The skew is measured on the long horizontal lines (or, without lines, on the rows of text) and the image turned
straight; horizontal and vertical lines are then found by morphological opening and turned into edges, from which
pdfplumber's own routines build the cells (a cell is a rectangle whose four sides are ruled), exactly as for a
PDF's vector lines.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
from pdfplumber.table import cells_to_tables, edges_to_intersections, intersections_to_cells, merge_edges

Box = tuple[float, float, float, float]  # x0, top, x1, bottom in pixels

_MIN_SKEW_LINE = 150  # pixels: horizontal lines at least this long measure the skew
_MAX_SKEW = 5.0  # degrees: a page turned further is not corrected (and its tables may be missed)
_MAX_TEXT_SKEW = 3.0  # degrees searched when only text tells the skew
_PROFILE_WIDTH = 600  # pixels: the text skew is measured on the page shrunk to this width
_H_KERNEL = 40  # pixels: a horizontal run at least this long is a line, not a stroke of a character
_V_KERNEL = 12  # vertical runs; short so that the borders of a single low row are found
_TOUCH = 3  # pixels: a vertical run ending this close to a horizontal line meets it
_LONG_BORDER = 36  # pixels: a vertical run this long is a border even if one end stops a little short of a line
_TOLERANCE = 4  # pixels: line ends and crossings this close meet


def binarize(gray: Any) -> Any:
    """Dark ink as 255 on 0 (Otsu's threshold)."""
    _threshold, bw = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    return bw


def skew(bw: Any) -> float:
    """The page's skew in degrees (positive: lines fall to the right), from its long horizontal lines; 0 if none."""
    lines = cv2.morphologyEx(bw, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (_H_KERNEL, 1)))
    count, labels, stats, _centroids = cv2.connectedComponentsWithStats(lines, connectivity=8)
    angles: list[float] = []
    weights: list[float] = []
    for label in range(1, count):
        x, y, width, height, _area = stats[label]
        if width < _MIN_SKEW_LINE or height > width * 0.2:
            continue
        ys, xs = np.nonzero(labels[y : y + height, x : x + width] == label)
        if len(xs) < 10:
            continue
        slope = np.polyfit(xs.astype(float), ys.astype(float), 1)[0]
        angles.append(float(np.degrees(np.arctan(slope))))
        weights.append(float(width))
    if not angles:
        return 0.0
    order = np.argsort(angles)
    cumulative = np.cumsum(np.asarray(weights)[order])
    median = float(np.asarray(angles)[order][np.searchsorted(cumulative, cumulative[-1] / 2)])
    return median if abs(median) <= _MAX_SKEW else 0.0


def skew_of_text(bw: Any) -> float:
    """The page's skew in degrees from its text alone (no ruled lines): the turn that makes the rows of text
    sharpest, i.e. maximises the contrast of the horizontal projection profile."""
    height, width = bw.shape[:2]
    factor = min(1.0, _PROFILE_WIDTH / max(width, 1))
    small = cv2.resize(bw, (max(1, int(width * factor)), max(1, int(height * factor))), interpolation=cv2.INTER_AREA)
    small_height, small_width = small.shape[:2]

    def sharpness(angle: float) -> float:
        turned = cv2.warpAffine(small, rotation(angle, small_width, small_height), (small_width, small_height))
        profile = turned.sum(axis=1, dtype=np.float64)
        return float(np.square(np.diff(profile)).sum())

    best = max(np.arange(-_MAX_TEXT_SKEW, _MAX_TEXT_SKEW + 0.01, 0.25), key=sharpness)
    best = max(np.arange(best - 0.2, best + 0.21, 0.05), key=sharpness)
    return float(best)


def rotation(angle: float, width: int, height: int) -> Any:
    """The affine matrix that turns a page skewed by ``angle`` degrees straight (about its centre)."""
    return cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)


def _segments(mask: Any, orientation: str, minimum: int) -> list[dict[str, Any]]:
    count, _labels, stats, _centroids = cv2.connectedComponentsWithStats(mask, connectivity=8)
    edges: list[dict[str, Any]] = []
    for label in range(1, count):
        x, y, width, height, _area = (float(v) for v in stats[label])
        if orientation == "h" and width >= minimum:
            middle = y + height / 2
            edges.append(
                {"orientation": "h", "x0": x, "x1": x + width, "top": middle, "bottom": middle, "width": width, "height": 0.0}
            )
        elif orientation == "v" and height >= minimum:
            middle = x + width / 2
            edges.append(
                {"orientation": "v", "x0": middle, "x1": middle, "top": y, "bottom": y + height, "width": 0.0, "height": height}
            )
    return edges


def ruled_cells(bw: Any) -> tuple[list[list[Box]], list[Box]]:
    """The tables of a straightened binary page: each a list of cell boxes; and the single ruled cells belonging
    to no table.

    Horizontal lines are runs longer than any stroke of a character. Vertical borders can be as short as one low
    row, no longer than a character's stroke, so a vertical run counts only when both its ends touch a horizontal
    line — a border meets the lines above and below it, a stroke inside a cell does not. Sizes are in pixels of a
    page at about 150 dpi (images are scaled to that first).
    """
    horizontal = cv2.morphologyEx(bw, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (_H_KERNEL, 1)))
    vertical = cv2.morphologyEx(bw, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, _V_KERNEL)))
    near = cv2.dilate(horizontal, cv2.getStructuringElement(cv2.MORPH_RECT, (2 * _TOUCH + 1, 2 * _TOUCH + 1)))
    far = cv2.dilate(horizontal, cv2.getStructuringElement(cv2.MORPH_RECT, (2 * _TOUCH + 1, 6 * _TOUCH + 1)))
    verticals = []
    for edge in _segments(vertical, "v", _V_KERNEL):
        x, top, bottom = edge["x0"], edge["top"], edge["bottom"] - 1
        top_meets, bottom_meets = _at(near, x, top), _at(near, x, bottom)
        if top_meets and bottom_meets:
            verticals.append(edge)
        elif bottom - top >= _LONG_BORDER and (top_meets or bottom_meets):
            # A long border whose end the noise broke off: longer than any character's stroke, one end meeting a
            # line and the other close to one; the broken end is drawn on to the line.
            if not top_meets and _at(far, x, top):
                edge["top"] -= 3 * _TOUCH
                verticals.append(edge)
            elif not bottom_meets and _at(far, x, bottom):
                edge["bottom"] += 3 * _TOUCH
                verticals.append(edge)
    edges = _segments(horizontal, "h", _H_KERNEL) + verticals
    if len(edges) < 4:
        return [], []
    # Lines drawn a pixel or two apart (a blurred border) snap together; a broken line is joined over small gaps.
    edges = merge_edges(edges, _TOLERANCE, _TOLERANCE, _TOLERANCE * 2, _TOLERANCE * 2)
    # Segments end at the edge of the line they meet, not at its middle: reach over the line's thickness.
    for edge in edges:
        if edge["orientation"] == "v":
            edge["top"] -= _TOLERANCE / 2
            edge["bottom"] += _TOLERANCE / 2
        else:
            edge["x0"] -= _TOLERANCE / 2
            edge["x1"] += _TOLERANCE / 2
    intersections = edges_to_intersections(edges, _TOLERANCE, _TOLERANCE)
    cells = intersections_to_cells(intersections)
    tables = cells_to_tables(cells)
    grouped = {tuple(cell) for table in tables for cell in table}
    lone = [cell for cell in cells if tuple(cell) not in grouped]
    return [[(float(a), float(b), float(c), float(d)) for a, b, c, d in table] for table in tables], [
        (float(a), float(b), float(c), float(d)) for a, b, c, d in lone
    ]


def _at(mask: Any, x: float, y: float) -> bool:
    height, width = mask.shape[:2]
    return 0 <= int(y) < height and 0 <= int(x) < width and bool(mask[int(y), int(x)])
