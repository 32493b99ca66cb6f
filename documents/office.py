"""Word 97–2003 (DOC) and Kingsoft WPS (WPS) reports: converted to DOCX by headless LibreOffice, then read as DOCX.

Both are OLE compound files holding a ``WordDocument`` stream (Kingsoft's .wps is Word's binary format). A file
is reported as ``"wps"`` when it carries what Kingsoft WPS writes into every file it saves — the custom property
``KSOProductBuildVer``, a ``WpsCustomData`` stream or "WPS" as the creating application — whatever its name ends
with; otherwise as ``"doc"``.

Each conversion runs LibreOffice in a temporary folder of its own: its own user profile
(``-env:UserInstallation``; two conversions sharing one silently lose output) and HOME, a time limit of
:data:`TIMEOUT` seconds, its own process group (killed whole when the time runs out, and after every run, so no
``soffice.bin`` is left behind), and the folder and LibreOffice's socket in /tmp removed afterwards.
``NIANBAO_SOFFICE`` names another LibreOffice program and ``NIANBAO_SOFFICE_TIMEOUT`` another time limit.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import io
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

import olefile  # type: ignore[import-untyped]

from documents.docx import extract_docx
from documents.errors import ExtractionError
from documents.model import Document

#: Seconds a conversion may take (about 1–2 s for a report) before LibreOffice is killed.
TIMEOUT = 60.0
_MAX_OUTPUT = 50 * 1024 * 1024
_WPS_MARKERS = (b"KSOProductBuildVer", "KSOProductBuildVer".encode("utf-16-le"), b"WPS Office", "WPS Office".encode("utf-16-le"))
_OTHER_OLE = {
    "workbook": "文件是 Excel 表格（xls），不是 Word 或 WPS 文档",
    "book": "文件是 Excel 表格（xls），不是 Word 或 WPS 文档",
    "powerpoint document": "文件是 PowerPoint 演示文稿（ppt），不是 Word 或 WPS 文档",
    "encryptedpackage": "文件是已加密的 Office 文档，需要密码才能打开，无法读取",
}


def ole_kind(data: bytes) -> str:
    """``"wps"`` or ``"doc"`` for an OLE file holding a Word document; ExtractionError for anything else."""
    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except (OSError, ValueError, IndexError, TypeError):
        raise ExtractionError("DOC/WPS 文件已损坏或不完整，无法读取") from None
    with ole:
        names = {"/".join(entry).lower() for entry in ole.listdir(streams=True, storages=False)}
        if "worddocument" not in names:
            for name, reason in _OTHER_OLE.items():
                if name in names:
                    raise ExtractionError(reason)
            raise ExtractionError("文件不是 Word 或 WPS 文档（OLE 文件中没有 WordDocument 正文）")
        try:
            fib = ole.openstream("WordDocument").read(12)
        except OSError:
            raise ExtractionError("DOC/WPS 文件已损坏，无法读取正文") from None
        if len(fib) >= 12 and fib[11] & 0x01:  # FIB fEncrypted
            raise ExtractionError("Word/WPS 文档已加密，需要密码才能打开，无法读取")
        if "wpscustomdata" in names:
            return "wps"
        for name in ("\x05documentsummaryinformation", "\x05summaryinformation"):
            if name in names:
                try:
                    stream = ole.openstream(name).read(1 << 20)
                except OSError:
                    continue
                if any(marker in stream for marker in _WPS_MARKERS):
                    return "wps"
    return "doc"


def soffice_program() -> str | None:
    """The LibreOffice program to run: ``NIANBAO_SOFFICE``, else soffice or libreoffice on PATH."""
    return os.environ.get("NIANBAO_SOFFICE") or shutil.which("soffice") or shutil.which("libreoffice")


def _timeout() -> float:
    value = os.environ.get("NIANBAO_SOFFICE_TIMEOUT", "")
    try:
        return float(value) if value else TIMEOUT
    except ValueError:
        return TIMEOUT


def convert_to_docx(data: bytes, suffix: str) -> bytes:
    """The DOCX LibreOffice makes of ``data`` (a .doc or .wps file), within the time limit."""
    program = soffice_program()
    if program is None:
        raise ExtractionError("无法读取 DOC/WPS 文件：本机未安装 LibreOffice（请运行 deploy/system-packages.sh）")
    limit = _timeout()
    with tempfile.TemporaryDirectory(prefix="nianbao-office-") as folder:
        root = Path(folder)
        profile = (root / "profile").as_uri()
        source = root / f"report.{suffix}"
        source.write_bytes(data)
        (root / "home").mkdir()
        out = root / "out"
        command = [
            program,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--invisible",
            "--nodefault",
            "--nolockcheck",
            "--nologo",
            "--norestore",
            "--convert-to",
            "docx:MS Word 2007 XML",
            "--outdir",
            str(out),
            str(source),
        ]
        environment = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(root / "home"),
            "TMPDIR": folder,
            "LANG": "C.UTF-8",
        }
        try:
            process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                env=environment,
                cwd=folder,
                start_new_session=True,
            )
        except OSError as exc:
            raise ExtractionError(f"无法读取 DOC/WPS 文件：LibreOffice（{program}）无法启动（{exc.strerror}）") from None
        try:
            process.wait(timeout=limit)
        except subprocess.TimeoutExpired:
            raise ExtractionError(f"DOC/WPS 文件转换超时（LibreOffice 超过 {limit:g} 秒未完成），文件可能已损坏") from None
        finally:
            _kill_group(process)
            with contextlib.suppress(OSError):
                ipc_pipe(profile).unlink(missing_ok=True)
        result = out / "report.docx"
        if not result.is_file():
            raise ExtractionError("LibreOffice 无法转换该 DOC/WPS 文件，文件可能已损坏")
        if result.stat().st_size > _MAX_OUTPUT:
            raise ExtractionError("DOC/WPS 文件转换后过大，已拒绝读取")
        return result.read_bytes()


def ipc_pipe(profile_url: str) -> Path:
    """The socket a LibreOffice running on the user profile ``profile_url`` listens on, always under /tmp
    whatever TMPDIR says: a LibreOffice killed at the time limit leaves it behind. Named after the MD5 of the
    profile's URL in UTF-16, each byte in hex without leading zeros (desktop/source/app/officeipcthread.cxx)."""
    digest = hashlib.md5(profile_url.encode("utf-16-le"), usedforsecurity=False).digest()
    return Path("/tmp") / f"OSL_PIPE_{os.getuid()}_SingleOfficeIPC_{''.join(f'{byte:x}' for byte in digest)}"


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """Kill what is left of LibreOffice's process group (oosplash and soffice.bin) and reap the launcher."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def extract_office(data: bytes) -> Document:
    """Turn the bytes of a DOC or WPS file into a Document (format ``"doc"`` or ``"wps"``)."""
    kind = ole_kind(data)
    document = extract_docx(convert_to_docx(data, kind))
    return dataclasses.replace(document, format=kind)
