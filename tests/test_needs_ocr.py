"""Routing scans to the workers' OCR queue: :func:`documents.needs_ocr` looks at the text layer only."""

from __future__ import annotations

from documents import needs_ocr
from tests.formats_build import reportlab_pdf, scan_pdf


def test_a_text_pdf_needs_no_ocr_and_its_scan_does() -> None:
    text = reportlab_pdf("000")
    assert not needs_ocr(text)
    assert needs_ocr(scan_pdf(text))


def test_images_need_ocr_and_other_formats_do_not() -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
    assert needs_ocr(png)
    assert not needs_ocr("<html><body><p>2025年政府信息公开工作年度报告</p></body></html>".encode())
    assert not needs_ocr(b"")
    assert not needs_ocr(b"%PDF-1.7\n truncated junk")  # unreadable: its reading will say why, not the router
