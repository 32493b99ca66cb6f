"""One-shot checks of files at hand: read, extract, parse, run the rules. No database, no network."""

from __future__ import annotations

import errno
import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass

from documents import MAX_BYTES, ExtractionError, extract
from rules import CheckResult, Context, NotAReportError, parse_report, run_rules
from rules.report import AnnualReport


class InputError(Exception):
    """A file could not be checked; ``reason`` is one line of Chinese naming what is wrong."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


@dataclass(frozen=True)
class FileCheck:
    """The result of checking one file."""

    path: str
    sha256: str
    format: str
    result: CheckResult


def _unreadable(error: OSError, what: str = "文件") -> str:
    """Why a file or directory could not be read, in Chinese (a permission error named as such)."""
    if isinstance(error, PermissionError) or error.errno in (errno.EACCES, errno.EPERM):
        return f"没有读取该{what}的权限"
    return f"无法读取{what}（{error.strerror or type(error).__name__}）"


def read_input(path: str, max_bytes: int = MAX_BYTES) -> bytes:
    """Read a file for checking, refusing missing, unreadable, empty and oversized files before reading them."""
    try:
        size = os.stat(path).st_size
    except FileNotFoundError:
        raise InputError(path, "文件不存在") from None
    except OSError as exc:
        raise InputError(path, _unreadable(exc)) from None
    if os.path.isdir(path):
        raise InputError(path, "这是一个目录")
    if size > max_bytes:
        raise InputError(path, f"文件过大（{size / 1048576:.1f} MB，上限 {max_bytes / 1048576:.0f} MB）")
    try:
        with open(path, "rb") as handle:
            return handle.read(max_bytes + 1)
    except OSError as exc:
        raise InputError(path, _unreadable(exc)) from None


def load_report(path: str, *, excerpt: bool = False, max_bytes: int = MAX_BYTES) -> tuple[bytes, AnnualReport]:
    """Read and parse one file into an AnnualReport, raising :class:`InputError` for anything unreadable."""
    data = read_input(path, max_bytes)
    try:
        document = extract(data, max_bytes=max_bytes)
        report = parse_report(document, excerpt=excerpt)
    except (ExtractionError, NotAReportError) as exc:
        raise InputError(path, exc.reason) from None
    except Exception as exc:  # a fault of ours on this file: one line naming it, never a traceback
        raise InputError(path, f"读取时出现内部错误（{type(exc).__name__}），请将此文件反馈给维护人员") from exc
    return data, report


def check_file(path: str, context: Context, *, max_bytes: int = MAX_BYTES) -> FileCheck:
    """Check one file with the given context."""
    data, report = load_report(path, excerpt=context.excerpt, max_bytes=max_bytes)
    result = run_rules(report, context)
    return FileCheck(path, hashlib.sha256(data).hexdigest(), report.document.format, result)


def expand_inputs(paths: list[str]) -> Iterator[str | InputError]:
    """Files named, with directories replaced by the files under them (sorted, hidden ones skipped), and an
    :class:`InputError` in place of a directory that cannot be read (a permission error named as such) or has
    no files in it."""
    for path in paths:
        if not os.path.isdir(path):
            yield path
            continue
        found, problems = _walk(path)
        yield from problems
        if not found and not problems:
            yield InputError(path, "目录中没有可检查的文件")
        yield from sorted(found)


def _walk(path: str) -> tuple[list[str], list[InputError]]:
    """The files under directory ``path`` (hidden ones skipped), and the directories that could not be read."""
    found: list[str] = []
    problems: list[InputError] = []

    def failed(error: OSError) -> None:
        problems.append(InputError(error.filename or path, _unreadable(error, "目录")))

    for folder, folders, files in os.walk(path, onerror=failed):
        folders[:] = sorted(f for f in folders if not f.startswith("."))
        for name in files:
            candidate = os.path.join(folder, name)
            if not name.startswith(".") and os.path.isfile(candidate):
                found.append(candidate)
    return found, problems
