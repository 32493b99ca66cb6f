"""Scanned reports: OCR of page images (scanned PDF pages, JPG/PNG/TIFF/GIF files) with rapidocr.

rapidocr's ONNX models ship inside its wheel: nothing is downloaded at run time. The direction classifier is off
(scans of reports are upright; it costs a third of the time). Each page is read whole; the ruled tables are found
in the image (:mod:`documents.ocr_tables`), the text boxes inside a cell become its text, with the lowest
confidence among them as the cell's confidence (rules that use a cell read below 0.8 are uncertain, never fail).
The other boxes are text lines, assembled into paragraphs as for a PDF.

Coordinates (Source.box) are PDF points from the page's top-left corner for PDF pages, and pixels for image files.
A document read this way is not machine-readable (rule D604).
"""

from __future__ import annotations

import ctypes
import io
import threading
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import cv2
import numpy as np
import onnxruntime  # type: ignore[import-untyped]
from PIL import Image, ImageSequence, UnidentifiedImageError
from rapidocr import RapidOCR

from documents import budget as _budget
from documents import ocr_threads
from documents.budget import Budget
from documents.errors import ExtractionError
from documents.grid import BoxCell, Fragment, fragment
from documents.layout import TextLine, drop_page_furniture, group_lines, join_lines
from documents.model import Document, Source
from documents.ocr_tables import Box, binarize, rotation, ruled_cells, skew, skew_of_text
from documents.paged import PageContent, assemble, settle_lone_cells

#: Pixels per point at which PDF pages are rendered for OCR (150 dpi).
RENDER_SCALE = 150 / 72
#: Largest image read (pixels); a larger one is refused before it is decoded.
MAX_PIXELS = 40_000_000
#: Most frames (pages) of an image file that are read.
MAX_FRAMES = 40
_TARGET_WIDTH, _MIN_WIDTH, _MAX_WIDTH = 1240, 900, 1800  # pixels: A4 at 150 dpi, and the widths taken as they are
# A text box read by OCR: its text, box and confidence.
_Word = tuple[str, Box, float]
_MIN_SCORE = 0.3  # boxes read below this are noise, not text
_LONE_HEIGHT = 0.1  # share of the page height: a single ruled cell this low may be a table's first row
_SKEW_EPSILON = 0.05  # degrees
_DETECT_SIDE = 1280  # pixels: the text detector reads a page with its longest side brought down to this
_MIN_INK = 2  # ink pixels in a row or column of pixels for it to hold text
_BORDER = 24  # pixels of white kept around the ink: the detector needs the margin round a line's edge
#: One page at a time through the engine: its settings are changed for each page.
_ENGINE_LOCK = threading.Lock()
# The OCR time bound lives in documents.budget (no engine to load); its old home still names it.
MAX_OCR_SECONDS = _budget.MAX_OCR_SECONDS
time_limit = _budget.time_limit


@lru_cache(maxsize=1)
def _engine() -> Any:
    """The OCR engine, made once per process (loading its two models takes about a second)."""
    engine = RapidOCR(
        params={
            "Global.log_level": "error",
            "Global.use_cls": False,
            "Global.text_score": _MIN_SCORE,
            "Det.limit_type": "max",
            "Det.limit_side_len": _DETECT_SIDE,
            # Crops are recognised two at a time: a batch is padded to its widest line, and six full-width lines
            # took 200 MB more at no gain in speed.
            "Rec.rec_batch_num": 2,
            # Narrowest input of the recogniser: 96 pixels instead of 320. Most crops of a report are table cells
            # holding a short number, and each was padded to 320 pixels: this halves the recognition time with the
            # same text read (at 48 pixels a lone "0" was read with a confidence below 0.8, or as "O").
            "Rec.rec_img_shape": [3, 48, 96],
        }
    )
    _tune_sessions(engine)
    return engine


def _tune_sessions(engine: Any) -> None:
    """Re-create the ONNX sessions without memory-pattern planning: every text line gives the recogniser an input
    of another width, and planning each new shape cost more than the inference (a first page took twice as long).
    Threads: :func:`documents.ocr_threads` (onnxruntime would count the machine's CPUs), none spinning while idle
    (a spinning thread takes the CPU from the other, or from the service's other work). Done through rapidocr's
    internals; if they change, its own sessions are kept."""
    threads = ocr_threads()
    try:
        for loader, attribute in ((engine._load_det_model, "text_det"), (engine._load_rec_model, "text_rec")):
            loader()
            wrapper = getattr(engine, attribute).session
            options = onnxruntime.SessionOptions()
            options.log_severity_level = 4
            options.enable_cpu_mem_arena = False
            options.enable_mem_pattern = False
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
            model = wrapper.session._model_path
            wrapper.session = onnxruntime.InferenceSession(model, sess_options=options, providers=["CPUExecutionProvider"])
    except (AttributeError, TypeError, ValueError):
        return


def ocr_pdf_page(pdf: Any, number: int) -> PageContent:
    """Render page ``number`` (1-based) of an open pypdfium2 document and read it by OCR."""
    page = pdf[number - 1]
    try:
        rgb = np.asarray(page.render(scale=RENDER_SCALE).to_pil().convert("RGB"))
    finally:
        page.close()
    return read_page(rgb, number, RENDER_SCALE)


def extract_image(data: bytes) -> Document:
    """Read an image file (one page per frame) by OCR into a Document (format ``"image"``, not machine-readable)."""

    try:
        image = Image.open(io.BytesIO(data))
        width, height = image.size
    except Image.DecompressionBombError:
        raise ExtractionError(f"图片过大，超过 {MAX_PIXELS // 1_000_000} 百万像素的上限") from None
    except (UnidentifiedImageError, OSError, ValueError):
        raise ExtractionError("图片文件已损坏或格式无法识别") from None
    if width * height > MAX_PIXELS:
        raise ExtractionError(f"图片过大（{width}×{height} 像素），超过 {MAX_PIXELS // 1_000_000} 百万像素的上限")
    pages: list[PageContent] = []
    budget = Budget()
    frames = getattr(image, "n_frames", 1)
    try:
        for number, frame in enumerate(ImageSequence.Iterator(image), start=1):
            if number > MAX_FRAMES:
                raise ExtractionError(f"图片文件超过 {MAX_FRAMES} 页，已拒绝读取")
            budget.check(number - 1, frames)
            if frame.size[0] * frame.size[1] > MAX_PIXELS:
                raise ExtractionError("图片中有一页过大，已拒绝读取")
            rgb, factor = _normalise(np.asarray(frame.convert("RGB")))
            pages.append(read_page(rgb, number, factor))
    except (OSError, ValueError, Image.DecompressionBombError):
        raise ExtractionError("图片文件已损坏或不完整，无法读取") from None
    blocks = assemble(pages)
    return Document(blocks=tuple(blocks), format="image", machine_readable=False)


def _normalise(rgb: Any) -> tuple[Any, float]:
    """The image scaled to about an A4 page's width at 150 dpi, where the line and stroke sizes of the table
    finder hold (a phone photo or a 300 dpi scan is twice that, a thumbnail less); and the factor used."""

    width = rgb.shape[1]
    if _MIN_WIDTH <= width <= _MAX_WIDTH:
        return rgb, 1.0
    factor = _TARGET_WIDTH / width
    size = (_TARGET_WIDTH, max(1, round(rgb.shape[0] * factor)))
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA if factor < 1 else cv2.INTER_CUBIC), factor


def read_page(rgb: Any, number: int, scale: float) -> PageContent:
    """OCR one page image (RGB array); ``scale`` is pixels per unit of the coordinates to report.

    The page is turned straight first (scans are tilted by a degree or two): then the text detector's boxes and the
    ruling lines are level, and a cell's text lines fall inside the cell."""
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    height, width = gray.shape
    bw = binarize(gray)
    angle = skew(bw) or skew_of_text(bw)
    if abs(angle) > _SKEW_EPSILON:
        matrix = rotation(angle, width, height)
        rgb = cv2.warpAffine(rgb, matrix, (width, height), flags=cv2.INTER_LINEAR, borderValue=(255, 255, 255))
        bw = binarize(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY))
    quads, texts, scores = _read_text(rgb, content_box(bw))
    tables, lone = ruled_cells(bw)
    boxes = [_scaled(_bbox(quad), scale) for quad in quads]
    words: list[_Word] = [(text, box, score) for text, box, score in zip(texts, boxes, scores, strict=False) if text.strip()]
    words = split_across(words, [_scaled(cell, scale) for table in tables for cell in table])
    fragments: list[Fragment] = []
    used: set[int] = set()
    for table in tables:
        cells = _fill([_scaled(cell, scale) for cell in table], words, used, number)
        fragments.append(fragment(cells, number))
    page_height = height / scale
    for cell in lone:
        scaled = _scaled(cell, scale)
        if scaled[3] - scaled[1] < _LONE_HEIGHT * page_height:
            fragments.append(fragment(_fill([scaled], words, set(used), number), number, lone=True))

    def lines_outside(kept: Sequence[Fragment]) -> list[TextLine]:
        taken = set(used)
        for item in kept:
            if item.lone:
                taken |= {i for i, (_t, box, _s) in enumerate(words) if _inside(box, _frame(item))}
        pieces = [(text, *box) for i, (text, box, _s) in enumerate(words) if i not in taken]  # (text, x0, top, x1, bottom)
        lines = [
            TextLine(text, x0, top, x1, bottom, number, Source(page=number, box=(x0, top, x1, bottom)))
            for text, x0, top, x1, bottom in group_lines(pieces)
        ]
        return drop_page_furniture(lines, page_height)

    kept, lines = settle_lone_cells(fragments, lines_outside)
    _release_memory()
    return PageContent(number, tuple(lines), tuple(kept))


def content_box(bw: Any) -> tuple[int, int, int, int]:
    """The part of a binarized page (ink 255) that holds ink, with a white border: x0, top, x1, bottom in pixels.
    Specks of scanner noise (smaller than 2×2 pixels) do not count."""
    height, width = bw.shape
    ink = cv2.morphologyEx(bw, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (2, 2)))
    rows = np.flatnonzero(np.count_nonzero(ink, axis=1) >= _MIN_INK)
    columns = np.flatnonzero(np.count_nonzero(ink, axis=0) >= _MIN_INK)
    if not len(rows) or not len(columns):
        return 0, 0, width, height
    return (
        max(0, int(columns[0]) - _BORDER),
        max(0, int(rows[0]) - _BORDER),
        min(width, int(columns[-1]) + 1 + _BORDER),
        min(height, int(rows[-1]) + 1 + _BORDER),
    )


def _read_text(rgb: Any, box: tuple[int, int, int, int]) -> tuple[list[Any], list[str], list[float]]:
    """The text boxes of a page image (quadrilaterals in the page's pixels), their texts and confidences.

    Only ``box``, the part holding ink, goes to the engine: the text detector's time grows with the area it is
    given, and the margins of an A4 page are a third of it. The detector is kept at the scale it would use on the
    whole page (the longest side of the whole page brought to ``_DETECT_SIDE``), so cropping changes no box."""
    engine = _engine()
    x0, top, x1, bottom = box
    height, width = rgb.shape[:2]
    ratio = min(1.0, _DETECT_SIDE / max(height, width))
    with _ENGINE_LOCK:
        detector = getattr(engine, "text_det", None)
        if detector is not None and hasattr(detector, "limit_side_len"):
            detector.limit_side_len = max(32, round(ratio * max(bottom - top, x1 - x0)))
        else:  # rapidocr's internals changed: read the whole page at the configured scale
            x0, top, x1, bottom = 0, 0, width, height
        result = engine(np.ascontiguousarray(rgb[top:bottom, x0:x1]))
    offset = np.asarray([x0, top], dtype=float)
    quads = [] if result.boxes is None else [np.asarray(quad, dtype=float) + offset for quad in result.boxes]
    return quads, list(result.txts or ()), [float(s) for s in (result.scores or ())]


@lru_cache(maxsize=1)
def _libc() -> Any:
    try:
        return ctypes.CDLL("libc.so.6")
    except OSError:
        return None


def _release_memory() -> None:
    """Give the heap freed after a page back to the system (glibc keeps it otherwise): every page's text lines
    make inputs of other sizes, and without this a 20-page scan held twice the memory of one page."""
    libc = _libc()
    if libc is not None and hasattr(libc, "malloc_trim"):
        libc.malloc_trim(0)


def _scaled(box: Box, scale: float) -> Box:
    return (box[0] / scale, box[1] / scale, box[2] / scale, box[3] / scale)


def _bbox(quad: Any) -> Box:
    return (float(quad[:, 0].min()), float(quad[:, 1].min()), float(quad[:, 0].max()), float(quad[:, 1].max()))


def _frame(item: Fragment) -> Box:
    return (item.x0, item.top, item.x1, item.bottom)


def _inside(box: Box, cell: Box) -> bool:
    x = (box[0] + box[2]) / 2
    y = (box[1] + box[3]) / 2
    return cell[0] <= x <= cell[2] and cell[1] <= y <= cell[3]


def _width(char: str) -> float:
    """A character's advance in ems: half-width for ASCII, full for the rest."""
    return 0.5 if ord(char) < 0x2E80 else 1.0


def split_across(words: list[_Word], cells: list[Box]) -> list[_Word]:
    """The text boxes, each that runs across ruled cells of one row cut into the pieces inside each cell.

    The text detector reads the words of neighbouring cells as one box when a ruling line between them is thin
    ("自然人 法人或其他组织" over two header cells); placed whole by its centre, such a box emptied one cell and
    put its text in the other. A character's place in the box follows from the widths of the characters before it
    (Chinese characters are all as wide, ASCII half as wide)."""
    out: list[_Word] = []
    for text, box, score in words:
        x0, top, x1, bottom = box
        middle = (top + bottom) / 2
        row = sorted((c for c in cells if c[1] <= middle <= c[3] and c[0] < x1 and c[2] > x0), key=lambda c: c[0])
        if len(row) < 2:
            out.append((text, box, score))
            continue
        scale = (x1 - x0) / max(sum(_width(ch) for ch in text), 0.5)
        pieces: dict[int, list[tuple[str, float, float]]] = {}
        position = x0
        for char in text:
            step = _width(char) * scale
            centre = position + step / 2
            index = next((i for i, c in enumerate(row) if c[0] <= centre < c[2]), None)
            if index is not None and not char.isspace():
                pieces.setdefault(index, []).append((char, position, position + step))
            position += step
        for chars in pieces.values():
            piece = "".join(ch for ch, _a, _b in chars)
            out.append((piece, (chars[0][1], top, chars[-1][2], bottom), score))
    return out


def _fill(cells: list[Box], words: list[_Word], used: set[int], page: int) -> list[BoxCell]:
    """Each cell with the text boxes whose centres lie in it (marked used), and their lowest confidence."""
    out: list[BoxCell] = []
    for cell in cells:
        inside = [i for i, (_t, box, _s) in enumerate(words) if i not in used and _inside(box, cell)]
        used.update(inside)
        lines = group_lines([(words[i][0], *words[i][1]) for i in inside])
        confidence = min((words[i][2] for i in inside), default=None)
        x0, top, x1, bottom = cell
        out.append(
            BoxCell(
                x0,
                top,
                x1,
                bottom,
                join_lines(line[0] for line in lines),
                Source(page=page, box=(x0, top, x1, bottom)),
                confidence,
            )
        )
    return out
