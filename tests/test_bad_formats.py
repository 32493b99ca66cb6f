"""Acceptance (issue 3): bad paged input — an encrypted, a truncated and a 500-page PDF, a DOCX zip bomb, a DOCX
with an external entity, a DOC on which LibreOffice hangs — exits 2 with one line naming the file and the reason,
in bounded time and memory, leaving no LibreOffice process behind.

The CLI runs as a real process (like tests/test_bad_input.py); a fresh parent measures its peak memory.
"""

from __future__ import annotations

import io
import os
import struct
import subprocess
import sys
import time
import zipfile
import zlib
from pathlib import Path

import pytest
from reportlab.lib import pdfencrypt  # type: ignore[import-untyped]
from reportlab.pdfgen import canvas  # type: ignore[import-untyped]

from documents import ExtractionError, extract
from tests.formats_build import reportlab_pdf, seed_docx

NIANBAO = str(Path(sys.executable).parent / "nianbao")
_MEASURE = (
    "import resource, subprocess, sys; "
    "r = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
    "sys.stdout.write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) + '\\n'); "
    "sys.stderr.write(r.stderr); sys.exit(r.returncode)"
)


def run(
    path: Path, *, timeout: float = 120, env: dict[str, str] | None = None
) -> tuple[subprocess.CompletedProcess[str], float, float]:
    """Run `nianbao check` on ``path`` in a fresh parent: (result, seconds, peak MB of the check process)."""
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", _MEASURE, NIANBAO, "check", str(path)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env={**os.environ, **(env or {})},
    )
    peak = int(result.stdout.strip() or 0) / 1024
    return result, time.perf_counter() - started, peak


def assert_refused(result: subprocess.CompletedProcess[str], path: Path, reason: str) -> None:
    assert result.returncode == 2, result
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert str(path) in lines[0]
    assert reason in lines[0], lines[0]


def processes_mentioning(marker: str) -> list[str]:
    """Command lines of running processes that contain ``marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        if marker in command:
            found.append(command)
    return found


# ------------------------------------------------------------------------------------------------ PDF


def test_encrypted_pdf(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, encrypt=pdfencrypt.StandardEncryption("secret", canModify=0))
    page.drawString(100, 700, "2025 annual report")
    page.save()
    path = tmp_path / "encrypted.pdf"
    path.write_bytes(buffer.getvalue())
    result, _seconds, _peak = run(path)
    assert_refused(result, path, "PDF 文件已加密")


def test_truncated_pdf(tmp_path: Path) -> None:
    whole = reportlab_pdf("001")
    path = tmp_path / "truncated.pdf"
    path.write_bytes(whole[: len(whole) // 2])
    result, _seconds, _peak = run(path)
    assert_refused(result, path, "PDF 文件已损坏或不完整")


def test_five_hundred_page_pdf_is_refused_quickly(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    pages = canvas.Canvas(buffer)
    for number in range(500):
        pages.drawString(100, 700, f"page {number + 1}")
        pages.showPage()
    pages.save()
    path = tmp_path / "five_hundred.pdf"
    path.write_bytes(buffer.getvalue())
    result, seconds, peak = run(path, timeout=60)
    assert_refused(result, path, "PDF 共 500 页，超过 200 页的上限")
    assert seconds < 30
    assert peak < 300


# ------------------------------------------------------------------------------------------------ DOCX


def word_package(document_xml: bytes, *, extra: dict[str, bytes] | None = None, overrides: str = "") -> bytes:
    """A minimal DOCX around ``document_xml``; ``extra`` parts, ``overrides`` of their content types."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
            f"{overrides}</Types>",
        )
        package.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
            'Target="word/document.xml"/></Relationships>',
        )
        package.writestr("word/document.xml", document_xml)
        for name, data in (extra or {}).items():
            package.writestr(name, data)
    return out.getvalue()


W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def test_docx_zip_bomb_is_refused_without_unpacking(tmp_path: Path) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        info = zipfile.ZipInfo("word/document.xml")
        info.compress_type = zipfile.ZIP_DEFLATED
        with package.open(info, "w", force_zip64=True) as entry:
            chunk = b"\0" * (1 << 20)
            for _ in range(256):
                entry.write(chunk)
    path = tmp_path / "bomb.docx"
    path.write_bytes(out.getvalue())
    assert path.stat().st_size < 1 << 20  # 256 MB packed into a few hundred KB
    result, seconds, peak = run(path, timeout=60)
    assert_refused(result, path, "可能是压缩炸弹")
    assert seconds < 30
    assert peak < 300


def test_docx_entry_with_an_absurd_ratio_is_refused() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("word/document.xml", b"<w:document/>")
        package.writestr("word/media/image1.png", b"\0" * (8 << 20))
    with pytest.raises(ExtractionError, match="压缩比异常"):
        extract(out.getvalue())


def test_docx_with_external_entity_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-CONTENT", encoding="utf-8")
    document = (
        f'<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE w:document [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>'
        f"<w:document {W}><w:body><w:p><w:r><w:t>&xxe;</w:t></w:r></w:p></w:body></w:document>"
    ).encode()
    path = tmp_path / "entity.docx"
    path.write_bytes(word_package(document))
    result, _seconds, _peak = run(path)
    assert_refused(result, path, "含有 DTD 或实体声明")
    assert "SECRET-CONTENT" not in result.stderr


def test_python_docx_parser_does_not_expand_entities_either(tmp_path: Path) -> None:
    """Defence in depth: had a declaration slipped through, python-docx's parser would not read the file."""
    from docx.oxml.parser import parse_xml

    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-CONTENT", encoding="utf-8")
    xml = (
        f'<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>'
        f"<w:document {W}><w:body><w:p><w:r><w:t>&xxe;</w:t></w:r></w:p></w:body></w:document>"
    )
    root = parse_xml(xml.encode())
    assert "SECRET-CONTENT" not in "".join(root.itertext())


def test_zip_that_is_not_a_word_document(tmp_path: Path) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr("xl/workbook.xml", "<workbook/>")
    path = tmp_path / "report.docx"
    path.write_bytes(out.getvalue())
    result, _seconds, _peak = run(path)
    assert_refused(result, path, "文件是 Excel 表格（xlsx），不是 Word 文档")


# ------------------------------------------------------------------------------------------------ DOC / WPS


@pytest.fixture(scope="module")
def doc_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real DOC written by LibreOffice (seed 003)."""
    from tests.formats_build import soffice_convert

    folder = tmp_path_factory.mktemp("doc")
    source = folder / "report.docx"
    source.write_bytes(seed_docx("003"))
    return soffice_convert([source], "doc", folder)[0]


def test_libreoffice_killed_at_the_time_limit_leaves_nothing_behind(doc_file: Path, tmp_path: Path) -> None:
    """A conversion that runs past the limit (here 0.3 s, shorter than LibreOffice's start) is killed with its
    whole process group; TMPDIR points LibreOffice's profile into this test's folder to find its processes."""
    result, seconds, _peak = run(doc_file, env={"NIANBAO_SOFFICE_TIMEOUT": "0.3", "TMPDIR": str(tmp_path)})
    assert_refused(result, doc_file, "DOC/WPS 文件转换超时")
    assert seconds < 30
    time.sleep(0.5)
    assert processes_mentioning(str(tmp_path)) == []
    assert list(tmp_path.iterdir()) == []  # the conversion folder is removed


def test_hanging_libreoffice_is_killed_with_its_children(doc_file: Path, tmp_path: Path) -> None:
    """A stand-in for a LibreOffice that hangs on a file: its launcher starts a child and both wait forever."""
    marker = f"{os.getpid()}{time.monotonic_ns() % 1000000}.5"
    hang = tmp_path / "soffice"
    hang.write_text(f"#!/bin/sh\nsleep {marker} &\nsleep {marker}\n", encoding="utf-8")
    hang.chmod(0o755)
    result, seconds, _peak = run(doc_file, env={"NIANBAO_SOFFICE": str(hang), "NIANBAO_SOFFICE_TIMEOUT": "2"})
    assert_refused(result, doc_file, "DOC/WPS 文件转换超时（LibreOffice 超过 2 秒未完成）")
    assert seconds < 30
    time.sleep(0.5)
    assert processes_mentioning(f"sleep {marker}") == []


def test_missing_libreoffice_is_a_clear_error(doc_file: Path, tmp_path: Path) -> None:
    result, _seconds, _peak = run(doc_file, env={"NIANBAO_SOFFICE": str(tmp_path / "no-such-soffice")})
    assert_refused(result, doc_file, "LibreOffice")


# ------------------------------------------------------------------------------------------------ images


def png_header(width: int, height: int) -> bytes:
    """A PNG that declares its size and holds no pixels."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)) + chunk(b"IEND", b"")


def test_image_too_large_is_refused_before_decoding(tmp_path: Path) -> None:
    path = tmp_path / "scan.png"
    path.write_bytes(png_header(30000, 30000))
    result, _seconds, peak = run(path)
    assert_refused(result, path, "图片过大")
    assert peak < 300
    path.write_bytes(png_header(9000, 9000))  # under Pillow's own guard, over ours
    result, _seconds, peak = run(path)
    assert_refused(result, path, "图片过大（9000×9000 像素）")
    assert peak < 300


def test_broken_image(tmp_path: Path) -> None:
    path = tmp_path / "scan.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 64)
    result, _seconds, _peak = run(path)
    assert_refused(result, path, "图片文件已损坏")


def test_docx_with_an_oversized_xml_part_is_refused() -> None:
    """A 40 MB document.xml would take ten times that to parse (checked on the package itself: stored, not
    packed, so neither the input size cap nor the zip-bomb ratio catches it first)."""
    from documents.docx import check_package

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as package:
        package.writestr("word/document.xml", b"<w:document>" + b" " * (40 << 20) + b"</w:document>")
    with pytest.raises(ExtractionError, match="超过 32 MB 的上限"):
        check_package(out.getvalue())


def test_the_socket_of_a_killed_libreoffice_is_known_by_name() -> None:
    """LibreOffice names its socket in /tmp after its profile; a LibreOffice killed at the time limit leaves it,
    and the conversion removes it. The name below is the one LibreOffice 7 made for this profile on Debian."""
    from documents.office import ipc_pipe

    name = ipc_pipe("file:///tmp/lo_t/profile").name
    assert name == f"OSL_PIPE_{os.getuid()}_SingleOfficeIPC_167cb1f5618cd0452bcd76ef3a572c6"


def test_a_libreoffice_killed_at_the_time_limit_leaves_no_socket_in_tmp(doc_file: Path, tmp_path: Path) -> None:
    """A real LibreOffice that starts but never converts (the file arguments taken away) is killed at the limit:
    the socket it opened in /tmp is removed with it."""
    import shutil

    program = shutil.which("soffice") or shutil.which("libreoffice")
    if program is None:
        pytest.skip("LibreOffice is not installed")
    started = tmp_path / "profile-url"
    idle = tmp_path / "soffice"
    idle.write_text(
        f'#!/bin/sh\nprintf %s "${{1#-env:UserInstallation=}}" > {started}\nexec {program} "$1" --headless --norestore\n',
        encoding="utf-8",
    )
    idle.chmod(0o755)
    result, _seconds, _peak = run(doc_file, env={"NIANBAO_SOFFICE": str(idle), "NIANBAO_SOFFICE_TIMEOUT": "8"})
    assert_refused(result, doc_file, "DOC/WPS 文件转换超时")
    from documents.office import ipc_pipe

    profile = started.read_text(encoding="utf-8")
    assert profile.startswith("file:///")
    assert not ipc_pipe(profile).exists()


def test_a_scan_past_its_ocr_time_limit_is_refused_with_the_reason(format_fixtures: Path) -> None:
    """A scan whose OCR would run past the document's time limit stops with a clear reason (here after one page)."""
    from documents import ExtractionError, extract
    from documents.ocr import time_limit

    scan = (format_fixtures / "000.scan.pdf").read_bytes()
    with time_limit(0.5), pytest.raises(ExtractionError) as refused:
        extract(scan)
    assert "时限" in refused.value.reason and "1/" in refused.value.reason
