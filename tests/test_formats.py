"""Acceptance (issue 3): every seed in every paged format gives the error and warning findings of its text.

The fixtures are built by the suite itself (tests/formats_build.py, once per session): the seed as DOCX with real
merged cells; that DOCX printed to PDF by LibreOffice; a PDF drawn by reportlab; DOC written by LibreOffice; a
"WPS" file; and the LibreOffice PDF scanned (pages rendered at 150 dpi, turned 0.5–1.5°, blurred, noised, wrapped
as an image-only PDF).

About the WPS fixture: LibreOffice cannot write Kingsoft's .wps. Kingsoft .wps files are Word 97 binaries (OLE,
a WordDocument stream) that carry Kingsoft's marks; ours is a DOC written by LibreOffice from a DOCX carrying the
custom property ``KSOProductBuildVer`` that WPS writes into every file, saved under the .wps name. It exercises
the detection by content and the conversion path, not the quirks of files written by WPS itself.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from documents import detect_format, extract
from documents.model import Document, Table
from rules import Context, parse_report, run_rules
from rules.labels import has_cjk, norm
from rules.runner import CheckResult
from tests.conftest import seed_path
from tests.formats_build import SEED_NUMBERS, scan_pdf, split_table_pdf

NIANBAO = str(Path(sys.executable).parent / "nianbao")
TEXT_LAYER = ("docx", "pdf", "reportlab.pdf", "doc", "wps")
DOCUMENT_FORMAT = {"docx": "docx", "pdf": "pdf", "reportlab.pdf": "pdf", "doc": "doc", "wps": "wps", "scan.pdf": "pdf"}


def check(data: bytes) -> tuple[Document, CheckResult]:
    document = extract(data)
    return document, run_rules(parse_report(document), Context())


def serious(result: CheckResult) -> list[tuple[Any, ...]]:
    """Error and warning findings as (rule, severity, table, row, column, message)."""
    return sorted(
        (
            f.outcome.rule.id,
            f.outcome.effective_severity,
            f.outcome.locator.table,
            f.outcome.locator.row,
            f.outcome.locator.column,
            f.outcome.message,
        )
        for f in result.findings
        if f.outcome.effective_severity in ("error", "warning")
    )


def text_result(seed: str) -> CheckResult:
    return check(seed_path(seed).read_bytes())[1]


@pytest.mark.parametrize("suffix", TEXT_LAYER)
@pytest.mark.parametrize("seed", SEED_NUMBERS)
def test_text_layer_formats_give_the_findings_of_the_text(seed: str, suffix: str, format_fixtures: Path) -> None:
    document, result = check((format_fixtures / f"{seed}.{suffix}").read_bytes())
    expected = text_result(seed)
    assert document.format == DOCUMENT_FORMAT[suffix]
    assert document.machine_readable
    assert serious(result) == serious(expected)
    # Stricter than the acceptance asks: the same fingerprints (body and year read alike) and the same doubts.
    assert sorted(f.fingerprint for f in result.findings) == sorted(f.fingerprint for f in expected.findings)
    assert sorted((o.rule.id, o.message) for o in result.uncertain) == sorted((o.rule.id, o.message) for o in expected.uncertain)


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEED_NUMBERS)
def test_scans_give_the_findings_of_the_text_and_d604(seed: str, format_fixtures: Path) -> None:
    document, result = check((format_fixtures / f"{seed}.scan.pdf").read_bytes())
    assert document.format == "pdf"
    assert not document.machine_readable
    found = serious(result)
    assert [f[0] for f in found].count("D604") == 1
    found = [f for f in found if f[0] != "D604"]
    assert found == serious(text_result(seed))
    cells = [cell for block in document.blocks if isinstance(block, Table) for row in block.rows for cell in row]
    assert cells and all(cell.source.page and cell.source.box for cell in cells)
    assert any(cell.confidence is not None for cell in cells)


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEED_NUMBERS)
def test_a_scan_tilted_by_one_and_a_half_degrees_gives_the_findings_of_the_text(seed: str, format_fixtures: Path) -> None:
    """Issue 11: every page turned by 1.5° (alternately either way), as a hand-fed scanner returns it."""
    scan = scan_pdf((format_fixtures / f"{seed}.pdf").read_bytes(), seed=int(seed), angle=1.5)
    document, result = check(scan)
    assert not document.machine_readable
    found = serious(result)
    assert [f[0] for f in found].count("D604") == 1
    assert [f for f in found if f[0] != "D604"] == serious(text_result(seed))


def test_formats_are_detected_from_content_not_names(format_fixtures: Path, tmp_path: Path) -> None:
    kinds = {suffix: detect_format((format_fixtures / f"000.{suffix}").read_bytes()) for suffix in (*TEXT_LAYER, "scan.pdf")}
    assert kinds == {"docx": "docx", "pdf": "pdf", "reportlab.pdf": "pdf", "doc": "doc", "wps": "doc", "scan.pdf": "pdf"}
    # The Word file under a misleading name is still read as Word.
    disguised = tmp_path / "report.txt"
    disguised.write_bytes((format_fixtures / "000.docx").read_bytes())
    assert extract(disguised.read_bytes()).format == "docx"


def test_wps_is_told_from_doc_by_its_marks(format_fixtures: Path) -> None:
    assert extract((format_fixtures / "001.wps").read_bytes()).format == "wps"
    assert extract((format_fixtures / "001.doc").read_bytes()).format == "doc"


def test_docx_fixture_has_real_merged_cells(format_fixtures: Path) -> None:
    xml = zipfile.ZipFile(format_fixtures / "000.docx").read("word/document.xml").decode("utf-8")
    assert '<w:gridSpan w:val="3"/>' in xml
    assert '<w:vMerge w:val="restart"/>' in xml and "<w:vMerge/>" in xml
    assert "<w:gridAfter" in xml  # 表四's header is shorter than its 16-value data row


def test_cli_reports_format_and_page_locators(format_fixtures: Path, tmp_path: Path) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    for suffix in TEXT_LAYER:
        (folder / f"report.{suffix}").write_bytes((format_fixtures / f"001.{suffix}").read_bytes())
    result = subprocess.run(
        [NIANBAO, "check", "--format", "json", str(folder)], capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 1, result.stderr
    outputs = {Path(item["source"]["path"]).name: item for item in map(json.loads, result.stdout.splitlines())}
    assert {name: item["source"]["format"] for name, item in outputs.items()} == {
        "report.doc": "doc",
        "report.docx": "docx",
        "report.pdf": "pdf",
        "report.reportlab.pdf": "pdf",
        "report.wps": "wps",
    }
    s106 = next(f for f in outputs["report.pdf"]["findings"] if f["rule"] == "S106")
    assert re.match(r"page \d+, box ", s106["locator"]["source"])
    s106 = next(f for f in outputs["report.docx"]["findings"] if f["rule"] == "S106")
    assert s106["locator"]["source"].startswith("/w:body/w:tbl[")


# ------------------------------------------------------------------------------------------------ page breaks


@pytest.mark.parametrize("repeat_header", [False, True], ids=["plain", "header-repeated"])
def test_table_split_over_two_pages_is_one_table(repeat_header: bool) -> None:
    document = extract(split_table_pdf("001", repeat_header=repeat_header))
    tables = [block for block in document.blocks if isinstance(block, Table)]
    assert len(tables) == 1
    table = tables[0]
    assert {cell.source.page for row in table.rows for cell in row} == {1, 2}
    assert len(table.rows) == 28  # 3 header rows (not repeated), 25 data rows
    labels = [next(cell.text for cell in row if not cell.spanned) for row in table.rows]
    assert labels[3].startswith("一、本年新收") and labels[-1].startswith("四、结转下年度")
    assert sum(1 for row in table.rows if row[0].text.startswith("三、本年")) == 21  # its rowspan, (一) to (六)3


def test_merged_label_continued_over_the_page_break_stays_merged(format_fixtures: Path) -> None:
    """In LibreOffice's PDF of seed 001, 表三 breaks inside the 三、本年度办理结果 and (三)不予公开 rowspans: the empty
    cells that continue them on page 3 are copies of the labels, not blank labels."""
    document = extract((format_fixtures / "001.pdf").read_bytes())
    table = next(b for b in document.blocks if isinstance(b, Table) and any("本年新收" in t for t in b.texts()))
    assert {cell.source.page for row in table.rows for cell in row} == {2, 3}
    assert len(table.rows) == 28
    continued = [row for row in table.rows if row[0].source.page == 2 and row[2].source.page == 3]
    assert continued and all(row[0].spanned and row[0].text == "三、本年度办理结果" for row in continued)


def test_row_broken_by_the_page_break_is_one_row(format_fixtures: Path) -> None:
    """LibreOffice breaks 表四's last header row of seed 001 over pages 3 and 4 ("结果" / "维持")."""
    document = extract((format_fixtures / "001.pdf").read_bytes())
    table = next(b for b in document.blocks if isinstance(b, Table) and any("行政复议" in t for t in b.texts()))
    assert {cell.source.page for row in table.rows for cell in row} == {3, 4}
    assert [len(row) for row in table.rows] == [15, 15, 15, 15]
    assert [cell.text for cell in table.rows[2][5:10]] == ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]


def test_table_header_row_stranded_at_a_page_foot_joins_its_table(format_fixtures: Path) -> None:
    """Seed 004's 表二 begins with one row at the foot of page 1 in LibreOffice's PDF."""
    document = extract((format_fixtures / "004.pdf").read_bytes())
    table = next(b for b in document.blocks if isinstance(b, Table))
    assert table.rows[0][0].text == "第二十条第（一）项"
    assert {cell.source.page for row in table.rows for cell in row} == {1, 2}


@pytest.mark.slow
def test_photo_of_a_page_is_read_by_ocr(format_fixtures: Path) -> None:
    """A JPEG of a table page at 300 dpi (twice what the table finder is tuned for: it is scaled first)."""
    import pypdfium2 as pdfium  # type: ignore[import-untyped]

    pdf = pdfium.PdfDocument((format_fixtures / "004.pdf").read_bytes())
    image = pdf[1].render(scale=300 / 72).to_pil().convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    document = extract(buffer.getvalue())
    assert document.format == "image"
    assert not document.machine_readable
    table = next(b for b in document.blocks if isinstance(b, Table) and any("本年新收" in t for t in b.texts()))
    header = {norm(cell.text) for row in table.rows[:3] for cell in row}
    assert {"自然人", "商业企业", "其他"} <= header and "总计" not in header  # seed 004 has no 总计 column
    values = [cell for row in table.rows[3:] for cell in row if not cell.spanned and not has_cjk(cell.text)]
    assert values and all(cell.text == "0" for cell in values)
    assert all(cell.source.box and cell.confidence is not None for cell in values)
    # Boxes are in the image's own pixels (2480 wide), not the scaled copy's.
    assert max(cell.source.box[2] for cell in values if cell.source.box) > 1500


@pytest.mark.slow
def test_ocr_models_load_from_the_wheel_without_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """rapidocr's ONNX models ship inside its wheel: loading them and reading a page opens no connection."""
    import socket

    from documents import ocr

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("OCR tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    ocr._engine.cache_clear()
    try:
        image = np.zeros((400, 1240, 3), dtype=np.uint8) + 255
        content = ocr.read_page(image, 1, 1.0)
    finally:
        ocr._engine.cache_clear()
    assert content.lines == () and content.tables == ()


def test_content_box_is_the_inked_part_of_the_page_without_specks() -> None:
    from documents.ocr import content_box

    page = np.zeros((1754, 1240), dtype=np.uint8)
    assert content_box(page) == (0, 0, 1240, 1754)  # a blank page is read whole
    page[300:330, 200:900] = 255  # a line of text
    page[1500:1520, 150:400] = 255
    page[50, 1200] = page[1700, 30] = 255  # single-pixel specks of scanner noise
    expected = (150 - 24, 300 - 24, 900 + 24, 1520 + 24)  # the ink with a 24-pixel border, to a pixel
    assert all(abs(got - want) <= 1 for got, want in zip(content_box(page), expected, strict=True))


@pytest.mark.slow
def test_ocr_of_the_inked_part_finds_the_boxes_of_the_whole_page(format_fixtures: Path) -> None:
    """The text detector is given only the part of the page that holds ink, at the scale of the whole page: the
    same text is read in the same places (within a few pixels) as when the whole page is given."""
    import cv2
    import pypdfium2 as pdfium

    from documents.ocr import RENDER_SCALE, _read_text, content_box
    from documents.ocr_tables import binarize

    pdf = pdfium.PdfDocument((format_fixtures / "002.scan.pdf").read_bytes())
    rgb = np.asarray(pdf[1].render(scale=RENDER_SCALE).to_pil().convert("RGB"))
    box = content_box(binarize(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)))
    height, width = rgb.shape[:2]
    assert (box[2] - box[0]) * (box[3] - box[1]) < 0.8 * width * height
    whole = _read_text(rgb, (0, 0, width, height))
    cropped = _read_text(rgb, box)

    def read(result: tuple[list[Any], list[str], list[float]]) -> list[tuple[str, float, float]]:
        return [(norm(text), float(q[:, 0].mean()), float(q[:, 1].mean())) for q, text in zip(result[0], result[1], strict=True)]

    found = read(cropped)
    assert len(found) == len(read(whole))
    matched = [any(t == u and abs(x - v) <= 4 and abs(y - w) <= 4 for u, v, w in found) for t, x, y in read(whole)]
    assert sum(matched) >= 0.97 * len(matched)


def test_header_cell_cut_by_a_page_break_keeps_its_column() -> None:
    """A PDF page break inside 表三's header cuts the merged 自然人 and 总计 cells in two: "自然" at the foot of one
    page, "人" at the top of the next. The columns are still 自然人 and 总计, and the findings are the text's."""
    import dataclasses

    from tests.conftest import FIXTURES

    page = (FIXTURES / "html" / "001_trs.html").read_bytes()
    document = extract(page)
    index, table = next(
        (i, b) for i, b in enumerate(document.blocks) if isinstance(b, Table) and any("本年新收" in t for t in b.texts())
    )
    rows = [list(row) for row in table.rows]
    cut = 0
    for column in range(len(rows[1])):
        upper, lower = rows[1][column], rows[2][column]
        if norm(upper.text) in ("自然人", "总计") and lower.spanned and lower.text == upper.text:
            rows[1][column] = dataclasses.replace(upper, text=upper.text[:-1])
            rows[2][column] = dataclasses.replace(lower, text=upper.text[-1], spanned=False)
            cut += 1
    assert cut == 2
    cut_table = dataclasses.replace(table, rows=tuple(tuple(row) for row in rows))
    blocks = (*document.blocks[:index], cut_table, *document.blocks[index + 1 :])
    result = run_rules(parse_report(dataclasses.replace(document, blocks=blocks)), Context())
    assert serious(result) == serious(text_result("001"))
