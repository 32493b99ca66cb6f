"""Build the paged-format fixtures from the seed reports: DOCX with real merged cells, PDF (from that DOCX via
LibreOffice, and drawn directly with reportlab), DOC and WPS (via LibreOffice) and a scanned PDF.

Used by the test suite (session fixtures in tests/conftest.py) and by bench/formats_speed.py; nothing it writes is
committed. The tables are those of the HTML fixtures (built by ``crawler/demo_portal/markup.py``, which
``tests/fixtures/html/build_pages.py`` uses too): the national format's merged cells, and the seeds' defects kept —
a row holding fewer values than its header has columns has fewer cells (in Word: fewer ``<w:tc>`` and a
``<w:gridAfter>``; in the reportlab PDF: no borders where the missing cells would be), a row with an extra value
has an extra cell, a column missing from a header stays missing.
"""

from __future__ import annotations

import io
import os
import random
import shutil
import subprocess
import tempfile
from pathlib import Path

import docx
import numpy as np
import pypdfium2 as pdfium  # type: ignore[import-untyped]
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from PIL import Image, ImageFilter
from reportlab.lib.enums import TA_CENTER  # type: ignore[import-untyped]
from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
from reportlab.lib.styles import ParagraphStyle  # type: ignore[import-untyped]
from reportlab.lib.units import cm  # type: ignore[import-untyped]
from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
from reportlab.pdfbase.cidfonts import UnicodeCIDFont  # type: ignore[import-untyped]
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle  # type: ignore[import-untyped]
from reportlab.platypus.flowables import Flowable  # type: ignore[import-untyped]

from crawler.demo_portal.markup import Line, Td, build_table, place, plain, read_seed

SEEDS = Path(__file__).parent / "fixtures" / "seeds"
FONT = "Noto Serif CJK SC"
SOFFICE_SECONDS = 120


def seed_blocks(number: str) -> list[Line]:
    """A seed (``"000"`` … ``"004"``) as blocks: headings, list items, paragraphs, tables."""
    path = next(SEEDS.glob(f"{number}_*.txt"))
    return read_seed(path.read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------------------------------- layout


# ---------------------------------------------------------------------------------------------------- DOCX


def _east_asian(run_or_style: object, font: str = FONT) -> None:
    element = run_or_style.element  # type: ignore[attr-defined]
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.append(fonts)
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), font)


def _docx_table(document: object, rows: list[list[Td]]) -> None:
    placed, width, extent = place(rows)
    table = document.add_table(rows=len(rows), cols=width)  # type: ignore[attr-defined]
    table.style = "Table Grid"
    table.autofit = False
    for item in placed:
        td = item.td
        origin = table.cell(item.row, item.column)
        if td.rowspan > 1 or td.colspan > 1:
            origin = origin.merge(table.cell(item.row + td.rowspan - 1, item.column + td.colspan - 1))
        lines = td.text.split("\n")
        origin.paragraphs[0].text = lines[0]
        for line in lines[1:]:
            origin.add_paragraph(line)
        for paragraph in origin.paragraphs:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            for run in paragraph.runs:
                run.font.size = Pt(9)
                run.bold = td.header
    # A short row is short in Word too: its trailing cells are removed and declared with gridAfter.
    for r, tr in enumerate(table._tbl.tr_lst):
        missing = width - extent[r]
        if missing <= 0:
            continue
        cells = tr.tc_lst
        covered = 0
        keep = 0
        for tc in cells:
            if covered >= extent[r]:
                break
            covered += tc.grid_span
            keep += 1
        for tc in cells[keep:]:
            tr.remove(tc)
        trpr = tr.get_or_add_trPr()
        after = OxmlElement("w:gridAfter")
        after.set(qn("w:val"), str(missing))
        trpr.insert(0, after)


def seed_docx(number: str) -> bytes:
    """The seed as a Word document: headings as Heading styles, tables with real merged cells."""
    document = docx.Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.2)
    section.top_margin = section.bottom_margin = Cm(2.5)
    for name in ("Normal", "Heading 1", "Heading 2", "Heading 3", "Heading 4", "Heading 5", "Heading 6", "Title"):
        style = document.styles[name]
        _east_asian(style)
        style.font.color.rgb = None
    document.styles["Normal"].font.size = Pt(12)
    for block in seed_blocks(number):
        if block.kind == "heading":
            paragraph = document.add_heading(plain(block.text), level=min(block.level, 6))
            if block.level <= 2:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif block.kind == "item":
            document.add_paragraph(plain(block.text), style="List Bullet")
        elif block.kind == "table":
            _docx_table(document, build_table(block.rows))
        else:
            paragraph = document.add_paragraph(plain(block.text))
            paragraph.paragraph_format.first_line_indent = Pt(24)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# ---------------------------------------------------------------------------------------------------- LibreOffice


def soffice_convert(sources: list[Path], target_format: str, out_dir: Path) -> list[Path]:
    """Convert files with one headless LibreOffice run into ``out_dir`` (its own profile and HOME, time limit)."""
    with tempfile.TemporaryDirectory(prefix="nianbao-fixture-lo-") as profile:
        env = {**os.environ, "HOME": profile}
        command = [
            "soffice",
            f"-env:UserInstallation=file://{profile}/profile",
            "--headless",
            "--norestore",
            "--convert-to",
            target_format,
            "--outdir",
            str(out_dir),
            *map(str, sources),
        ]
        subprocess.run(command, env=env, capture_output=True, timeout=SOFFICE_SECONDS, check=True, start_new_session=True)
    produced = [out_dir / f"{source.stem}.{target_format.split(':', maxsplit=1)[0]}" for source in sources]
    missing = [path for path in produced if not path.exists()]
    if missing:
        raise RuntimeError(f"LibreOffice did not write {missing}")
    return produced


def has_soffice() -> bool:
    """Whether LibreOffice is installed (deploy/system-packages.sh installs it)."""
    return shutil.which("soffice") is not None


# ---------------------------------------------------------------------------------------------------- scans


def scan_pdf(pdf: bytes, *, dpi: int = 150, seed: int = 0, angle: float | None = None) -> bytes:
    """The PDF as a scanner would return it: every page an image, rotated (by ``angle`` degrees, else by 0.5–1.5°
    either way), blurred and noisy; no text."""

    rng = random.Random(seed)
    pages: list[Image.Image] = []
    document = pdfium.PdfDocument(pdf)
    try:
        for number, page in enumerate(document):
            image = page.render(scale=dpi / 72).to_pil().convert("L")
            turn = rng.choice((-1, 1)) * rng.uniform(0.5, 1.5) if angle is None else angle * (-1) ** number
            image = image.rotate(turn, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=255)
            image = image.filter(ImageFilter.GaussianBlur(0.6))
            pixels = np.asarray(image, dtype=np.int16)
            noise = np.random.default_rng(seed).normal(0, 8, pixels.shape)
            image = Image.fromarray(np.clip(pixels + noise, 0, 255).astype(np.uint8))
            pages.append(image)
    finally:
        document.close()
    out = io.BytesIO()
    pages[0].save(out, format="PDF", save_all=True, append_images=pages[1:], resolution=dpi)
    return out.getvalue()


# ---------------------------------------------------------------------------------------------------- WPS

KSO_BUILD = "2052-11.1.0.11664"  # the form Kingsoft WPS writes: UI language (2052 = zh-CN) and build
_CUSTOM_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
    'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
    '<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="KSOProductBuildVer">'
    f"<vt:lpwstr>{KSO_BUILD}</vt:lpwstr></property></Properties>"
)


def with_wps_marker(word: bytes) -> bytes:
    """The DOCX with the custom property ``KSOProductBuildVer`` that Kingsoft WPS writes into every document it
    saves (LibreOffice carries it into the DOC's DocumentSummaryInformation)."""
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(word))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "[Content_Types].xml":
                data = data.replace(
                    b"</Types>",
                    b'<Override PartName="/docProps/custom.xml" '
                    b'ContentType="application/vnd.openxmlformats-officedocument.custom-properties+xml"/></Types>',
                )
            elif item.filename == "_rels/.rels":
                data = data.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdKso" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                    b'relationships/custom-properties" Target="docProps/custom.xml"/></Relationships>',
                )
            target.writestr(item, data)
        target.writestr("docProps/custom.xml", _CUSTOM_XML)
    return out.getvalue()


# ---------------------------------------------------------------------------------------------------- reportlab


def _column_widths(kind: str, width: int, total: float) -> list[float]:
    """Label columns wider than value columns, as report tables are laid out."""
    labels = {"t2": [0.3], "t3": [0.1, 0.12, 0.2]}.get(kind, [])
    rest = (1 - sum(labels)) / max(width - len(labels), 1)
    return [total * share for share in labels] + [total * rest] * (width - len(labels))


def _kind(rows: tuple[tuple[str, ...], ...]) -> str:
    head = rows[0][0]
    return "t2" if head.startswith("第二十条") else "t4" if head.startswith("行政复议") else "t3"


def reportlab_pdf(number: str) -> bytes:
    """The seed as a PDF drawn by reportlab (CID font STSong-Light, no font file), page numbers in the footer.

    Tables carry the national format's merged cells; borders are drawn round the cells that exist only, so a
    short row is short on the page too.
    """

    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    body = ParagraphStyle("body", fontName="STSong-Light", fontSize=12, leading=20, firstLineIndent=24, wordWrap="CJK")
    heading = ParagraphStyle("heading", parent=body, fontSize=14, leading=24, firstLineIndent=0, spaceBefore=6)
    title = ParagraphStyle("title", parent=heading, fontSize=18, leading=28, alignment=TA_CENTER)
    cell = ParagraphStyle("cell", fontName="STSong-Light", fontSize=8, leading=10, alignment=TA_CENTER, wordWrap="CJK")

    def escape(text: str) -> str:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    story: list[Flowable] = []
    frame_width = A4[0] - 4 * cm
    for block in seed_blocks(number):
        if block.kind == "heading":
            story.append(Paragraph(escape(plain(block.text)), title if block.level <= 2 else heading))
        elif block.kind == "item":
            story.append(Paragraph(escape(plain(block.text)), body, bulletText="•"))
        elif block.kind == "table":
            rows = build_table(block.rows)
            placed, width, _extent = place(rows)
            data: list[list[object]] = [[""] * width for _ in rows]
            commands: list[tuple[object, ...]] = [("VALIGN", (0, 0), (-1, -1), "MIDDLE")]
            for item in placed:
                td = item.td
                data[item.row][item.column] = Paragraph("<br/>".join(escape(t) for t in td.text.split("\n")), cell)
                end = (item.column + td.colspan - 1, item.row + td.rowspan - 1)
                if td.rowspan > 1 or td.colspan > 1:
                    commands.append(("SPAN", (item.column, item.row), end))
                commands.append(("BOX", (item.column, item.row), end, 0.6, "black"))
            table = Table(data, colWidths=_column_widths(_kind(block.rows), width, frame_width), splitByRow=True)
            table.setStyle(TableStyle(commands))
            story += [Spacer(1, 4), table, Spacer(1, 4)]
        else:
            story.append(Paragraph(escape(plain(block.text)), body))

    def footer(canvas: object, document: object) -> None:
        canvas.setFont("STSong-Light", 10)  # type: ignore[attr-defined]
        canvas.drawCentredString(A4[0] / 2, 1.2 * cm, f"- {canvas.getPageNumber()} -")  # type: ignore[attr-defined]

    out = io.BytesIO()
    document = SimpleDocTemplate(
        out, pagesize=A4, leftMargin=2 * cm, rightMargin=2 * cm, topMargin=2.2 * cm, bottomMargin=2.2 * cm
    )
    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()


# ---------------------------------------------------------------------------------------------------- all of them

SEED_NUMBERS = ("000", "001", "002", "003", "004")
#: Fixture file suffixes: Word; PDF printed by LibreOffice from that Word file; PDF drawn by reportlab; Word 97
#: and "WPS" written by LibreOffice; the LibreOffice PDF scanned (images only).
SUFFIXES = ("docx", "pdf", "reportlab.pdf", "doc", "wps", "scan.pdf")


def build_formats(folder: Path, seeds: tuple[str, ...] = SEED_NUMBERS) -> None:
    """Write every seed in every format into ``folder`` as ``<seed>.<suffix>`` (three LibreOffice runs)."""
    folder.mkdir(parents=True, exist_ok=True)
    marked = folder / "wps-source"
    marked.mkdir(exist_ok=True)
    for number in seeds:
        word = seed_docx(number)
        (folder / f"{number}.docx").write_bytes(word)
        (marked / f"{number}.docx").write_bytes(with_wps_marker(word))
        (folder / f"{number}.reportlab.pdf").write_bytes(reportlab_pdf(number))
    sources = [folder / f"{number}.docx" for number in seeds]
    soffice_convert(sources, "pdf", folder)
    soffice_convert(sources, "doc", folder)
    for produced in soffice_convert([marked / f"{number}.docx" for number in seeds], "doc", marked):
        produced.rename(folder / f"{produced.stem}.wps")
    for number in seeds:
        pdf = (folder / f"{number}.pdf").read_bytes()
        (folder / f"{number}.scan.pdf").write_bytes(scan_pdf(pdf, seed=int(number)))


def split_table_pdf(number: str, *, repeat_header: bool) -> bytes:
    """A PDF holding only the seed's 表三, pushed down page 1 so that a page break falls inside it; with
    ``repeat_header`` its three header rows are repeated on the second page (Word's "重复标题行")."""

    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    cell = ParagraphStyle("cell", fontName="STSong-Light", fontSize=8, leading=10, wordWrap="CJK")
    heading = ParagraphStyle("heading", fontName="STSong-Light", fontSize=14, leading=20)
    block = next(b for b in seed_blocks(number) if b.kind == "table" and _kind(b.rows) == "t3")
    rows = build_table(block.rows)
    placed, width, _extent = place(rows)
    data: list[list[object]] = [[""] * width for _ in rows]
    commands: list[tuple[object, ...]] = []
    for item in placed:
        td = item.td
        data[item.row][item.column] = Paragraph(td.text.replace("\n", "<br/>"), cell)
        end = (item.column + td.colspan - 1, item.row + td.rowspan - 1)
        if td.rowspan > 1 or td.colspan > 1:
            commands.append(("SPAN", (item.column, item.row), end))
        commands.append(("BOX", (item.column, item.row), end, 0.6, "black"))
    table = Table(data, colWidths=_column_widths("t3", width, A4[0] - 4 * cm), repeatRows=3 if repeat_header else 0)
    table.setStyle(TableStyle(commands))
    out = io.BytesIO()
    document = SimpleDocTemplate(out, pagesize=A4, leftMargin=2 * cm, rightMargin=2 * cm, topMargin=2 * cm, bottomMargin=2 * cm)
    document.build([Paragraph("三、收到和处理政府信息公开申请情况", heading), Spacer(1, 16 * cm), table])
    return out.getvalue()
