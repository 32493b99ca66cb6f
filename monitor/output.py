"""How check results are printed: one line per finding (text) or one JSON object per file.

A file name is printed safely whatever its bytes (:func:`display_path`): a name with control characters (a
newline), bytes that are not UTF-8, a backslash or a double quote is written the way git quotes one, in double
quotes with C escapes (``"a\\nb.pdf"``, ``"\\xff.pdf"``), so every result stays one line and the output encodes.
"""

from __future__ import annotations

import json
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from monitor.checking import FileCheck
from rules.locations import describe
from rules.rule import SEVERITY_RANK, SEVERITY_ZH, Outcome

SCHEMA = "nianbao.check/1"


_ESCAPES = {"\n": "\\n", "\t": "\\t", "\r": "\\r", "\\": "\\\\", '"': '\\"'}


def _escaped(char: str) -> str | None:
    """The escape of one character of a name, None when it is printed as it is."""
    if char in _ESCAPES:
        return _ESCAPES[char]
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (the file system's surrogate escape)
        return f"\\x{code - 0xDC00:02x}"
    if unicodedata.category(char) in ("Cc", "Cf", "Cs", "Zl", "Zp"):  # controls, format characters, separators
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"
    return None


def display_path(path: str) -> str:
    """``path`` as printed: as it is, or quoted and escaped (like git) when it holds anything unsafe on a line."""
    escapes = [_escaped(char) for char in path]
    if not any(escapes):
        return path
    return '"' + "".join(e if e is not None else c for c, e in zip(path, escapes, strict=True)) + '"'


def _json_path(path: str) -> str:
    """The path in JSON: as it is when it is text (JSON escapes controls itself), else as displayed."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return display_path(path)
    return path


def _visible(check: FileCheck, min_severity: str) -> list[tuple[Outcome, str]]:
    floor = SEVERITY_RANK[min_severity]
    return [(f.outcome, f.fingerprint) for f in check.result.findings if SEVERITY_RANK[f.outcome.effective_severity] >= floor]


def findings_count(check: FileCheck, min_severity: str) -> int:
    """How many findings at or above ``min_severity`` the file has (what decides the exit status)."""
    return len(_visible(check, min_severity))


def _position(outcome: Outcome) -> str:
    """Where the outcome is, in words (表三「其他」（第48行）, 第2页); never an element path."""
    return describe(outcome.locator.as_dict())


def as_text(check: FileCheck, min_severity: str) -> list[str]:
    """``文件:位置: 规则 严重程度 消息`` lines, then the uncertain outcomes for a person to review."""
    lines = []
    name = display_path(check.path)
    for outcome, _fp in _visible(check, min_severity):
        severity = SEVERITY_ZH[outcome.effective_severity]
        lines.append(f"{name}:{_position(outcome)}: {outcome.rule.id} {severity} {outcome.message}")
    for outcome in check.result.uncertain:
        lines.append(f"{name}:{_position(outcome)}: {outcome.rule.id} 待人工核对 {outcome.message}")
    return lines


@dataclass
class Tally:
    """Running totals for the summary line; kept instead of the results so memory stays flat over many files."""

    files: int = 0
    unreadable: int = 0
    severities: Counter[str] = field(default_factory=Counter)
    uncertain: int = 0

    def add(self, check: FileCheck, min_severity: str) -> None:
        """Count one checked file."""
        self.files += 1
        self.severities.update(o.effective_severity for o, _fp in _visible(check, min_severity))
        self.uncertain += len(check.result.uncertain)

    def summary(self) -> str:
        """The closing summary line of text output."""
        parts = [f"共检查 {self.files + self.unreadable} 个文件"]
        if self.unreadable:
            parts.append(f"{self.unreadable} 个无法读取")
        s = self.severities
        parts.append(f"错误 {s['error']} 条，警告 {s['warning']} 条，提示 {s['info']} 条，待人工核对 {self.uncertain} 项")
        return "；".join(parts) + "。"


def as_json(check: FileCheck, min_severity: str) -> str:
    """The ``nianbao.check/1`` JSON object of one file, on one line."""
    report = check.result.report
    payload: dict[str, Any] = {
        "schema": SCHEMA,
        "source": {"path": _json_path(check.path), "sha256": check.sha256, "format": check.format},
        "report": {
            "title": report.title,
            "body": report.body,
            "year": report.year,
            "template": report.template,
            "published_on": report.published_on.isoformat() if report.published_on else None,
        },
        "findings": [
            {
                "rule": outcome.rule.id,
                "severity": outcome.effective_severity,
                "message": outcome.message,
                "fingerprint": fingerprint,
                "locator": outcome.locator.as_dict(),
                "evidence": dict(outcome.evidence),
            }
            for outcome, fingerprint in _visible(check, min_severity)
        ],
        "uncertain": [{"rule": o.rule.id, "message": o.message, "locator": o.locator.as_dict()} for o in check.result.uncertain],
        "stats": check.result.stats(),
    }
    return json.dumps(payload, ensure_ascii=False, default=str)
