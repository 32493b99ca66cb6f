"""Bytes → Document: detect the format from the content and hand the bytes to that format's reader.

Public API: :func:`extract`, :func:`detect_format`, :class:`Document` and its parts, :class:`ExtractionError`.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable

from documents.errors import ExtractionError
from documents.model import Block, Cell, Document, Paragraph, Source, Table

__all__ = [
    "FORMATS",
    "Block",
    "Cell",
    "Document",
    "ExtractionError",
    "Paragraph",
    "Source",
    "Table",
    "detect_format",
    "extract",
]

#: Largest input read by default; portal reports are a few hundred KB, a 50 MB "report" is an error.
MAX_BYTES = 20 * 1024 * 1024

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "pdf"),
    (b"PK\x03\x04", "docx"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "doc"),
    (b"\x89PNG\r\n\x1a\n", "image"),
    (b"\xff\xd8\xff", "image"),
    (b"II*\x00", "image"),
    (b"MM\x00*", "image"),
    (b"GIF87a", "image"),
    (b"GIF89a", "image"),
)

# Markup opens a web page (after a byte order mark and white space): a doctype, a comment, an XML declaration or
# a tag. A text that merely mentions a tag ("…以<table>形式…") is not a page.
_MARKUP_START = re.compile(rb"\s*<(?:!doctype\s|!--|\?xml\s|[a-z][a-z0-9]{0,9}[\s/>])", re.I)
_TAG = re.compile(
    rb"</?(?:html|head|body|div|p|table|tbody|tr|td|th|span|br|meta|title|section|article|font)\b[^>]{0,300}>", re.I
)
_MIN_TAGS = 12  # tags in the first 4 KB of a page that starts with stray text (a saved page with junk before it)


def detect_format(data: bytes) -> str:
    """Name the format of ``data`` from its content (magic bytes, then markup), never from a file name.

    A text is a web page only when it is markup: it opens with a tag (or doctype, comment, XML declaration), or
    tags run all through its start; a text report that mentions a tag stays text."""
    for magic, name in _MAGIC:
        if data.startswith(magic):
            return name
    head = data[:4096]
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    if _MARKUP_START.match(head) or len(_TAG.findall(head)) >= _MIN_TAGS:
        return "html"
    return "text"


_BINARY_REASON = "文件内容是二进制数据，不是文本或网页格式的报告"


def _looks_binary(data: bytes) -> bool:
    head = data[:65536]
    controls = sum(1 for byte in head if byte < 0x20 and byte not in (0x09, 0x0A, 0x0D, 0x0C))
    return controls > max(8, len(head) // 100)


def _decode_text(data: bytes) -> str:
    if _looks_binary(data) and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ExtractionError(_BINARY_REASON)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise ExtractionError("文件既不是 UTF-8 也不是 GBK/GB18030 编码的文本，无法读取") from None
    if "\x00" in text:
        raise ExtractionError(_BINARY_REASON)
    return text


def _read_text(data: bytes, content_type: str | None) -> Document:
    from documents.text import extract_text

    return extract_text(_decode_text(data))


def _read_html(data: bytes, content_type: str | None) -> Document:
    from documents.html import extract_html

    return extract_html(data, content_type=content_type)


#: PDFium is not thread-safe: PDF reading is serialised across threads (the service checks while the dashboard
#: draws a report's table from its PDF).
_PDFIUM = threading.Lock()


def _read_pdf(data: bytes, content_type: str | None) -> Document:
    from documents.pdf import extract_pdf

    with _PDFIUM:
        return extract_pdf(data)


def _read_docx(data: bytes, content_type: str | None) -> Document:
    from documents.docx import extract_docx

    return extract_docx(data)


def _read_office(data: bytes, content_type: str | None) -> Document:
    from documents.office import extract_office

    return extract_office(data)


def _read_image(data: bytes, content_type: str | None) -> Document:
    from documents.ocr import extract_image

    return extract_image(data)


Reader = Callable[[bytes, "str | None"], Document]

#: The registry of readable formats: format name → reader. Formats detected but absent here are refused.
FORMATS: dict[str, Reader] = {
    "text": _read_text,
    "html": _read_html,
    "pdf": _read_pdf,
    "docx": _read_docx,
    "doc": _read_office,
    "image": _read_image,
}

_FORMAT_NAMES = {"pdf": "PDF", "docx": "DOCX/ZIP", "doc": "DOC/WPS", "image": "图片"}


#: Threads of one OCR inference (``NIANBAO_OCR_THREADS``; by default as many CPUs as the process may use, at most 4).
#: ``nianbao worker`` sets 1: there the worker processes are the parallelism, and threads of one would only contend.
OCR_THREADS_ENV = "NIANBAO_OCR_THREADS"


def ocr_threads() -> int:
    """The threads one OCR inference uses (see :data:`OCR_THREADS_ENV`)."""
    given = os.environ.get(OCR_THREADS_ENV, "")
    if given.isdigit() and 1 <= int(given) <= 64:
        return int(given)
    return max(1, min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1, 4))


def needs_ocr(data: bytes) -> bool:
    """Whether reading ``data`` takes OCR (an image, or a PDF with pages that have no text layer): the service
    sends such documents to the OCR queue, whose workers are fewer and slower. Never raises."""
    try:
        fmt = detect_format(data)
    except Exception:  # routing only: the reading itself reports what is wrong
        return False
    if fmt == "image":
        return True
    if fmt != "pdf":
        return False
    from documents.pdf import scanned_pages

    with _PDFIUM:
        return scanned_pages(data) > 0


def extract(data: bytes, *, content_type: str | None = None, max_bytes: int = MAX_BYTES) -> Document:
    """Read ``data`` into a Document, or raise :class:`ExtractionError` with a one-line Chinese reason."""
    if not data:
        raise ExtractionError("文件为空")
    if len(data) > max_bytes:
        raise ExtractionError(f"文件过大（{len(data) / 1048576:.1f} MB，上限 {max_bytes / 1048576:.0f} MB）")
    fmt = detect_format(data)
    reader = FORMATS.get(fmt)
    if reader is None:
        raise ExtractionError(f"暂不支持 {_FORMAT_NAMES.get(fmt, fmt)} 格式的文件")
    document = reader(data, content_type)
    if not document.blocks:
        raise ExtractionError("文件中没有可读的文字内容")
    from documents.script import simplified

    return simplified(document)
