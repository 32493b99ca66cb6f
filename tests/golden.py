"""Golden findings: ``nianbao check --format json`` of every fixture, kept as it was before the speed work of
issue 16, so that a faster reader or parser is shown to change nothing (``tests/test_same_findings.py``).

The inputs: the HTML portal pages, the seed texts, the rule cases and excerpts, the labelled real corpus, and
PDF/DOCX renderings of the seeds made by the demo portal's own writers (deterministic, no LibreOffice needed).
Regenerate only for a change meant to alter findings: ``python -m tests.golden --write``.
"""

from __future__ import annotations

import argparse
import io
import json
import tempfile
from collections.abc import Iterator
from pathlib import Path

from crawler.demo_portal.files import docx_bytes, pdf_bytes
from crawler.demo_portal.markup import read_seed, title_of
from monitor.cli import main
from tests.conftest import FIXTURES

GOLDEN = FIXTURES / "golden" / "findings.jsonl"
_SUFFIXES = (".html", ".txt", ".md", ".pdf", ".docx")


def fixture_files() -> Iterator[Path]:
    """Every fixture file checked, in a fixed order."""
    for folder in ("html", "seeds", "excerpts", "real", "rule_cases"):
        for path in sorted((FIXTURES / folder).rglob("*")):
            if path.is_file() and path.suffix in _SUFFIXES and path.name.upper() != "README.MD" and path.name[0].isdigit():
                yield path


def rendered_files(folder: Path) -> list[Path]:
    """The seeds as PDF and DOCX, written into ``folder``."""
    out = []
    for seed in sorted((FIXTURES / "seeds").glob("*.txt")):
        blocks = read_seed(seed.read_text(encoding="utf-8"))
        for suffix, data in ((".pdf", pdf_bytes(title_of(blocks), blocks)), (".docx", docx_bytes(blocks))):
            path = folder / f"{seed.stem}{suffix}"
            path.write_bytes(data)
            out.append(path)
    return out


def _check(path: Path, name: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    main(["check", "--format", "json", "--min-severity", "info", str(path)], out, err)
    lines = [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]
    for line in lines:
        line["source"]["path"] = name
    return json.dumps({"file": name, "results": lines, "errors": err.getvalue()}, ensure_ascii=False, sort_keys=True)


def golden_lines() -> list[str]:
    """One JSON line per fixture: its check results (the path made relative) and any error message."""
    lines = [_check(path, str(path.relative_to(FIXTURES))) for path in fixture_files()]
    with tempfile.TemporaryDirectory() as folder:
        lines += [_check(path, f"rendered/{path.name}") for path in rendered_files(Path(folder))]
    return lines


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help="rewrite the golden file")
    args = parser.parse_args()
    text = "\n".join(golden_lines()) + "\n"
    if args.write:
        GOLDEN.write_text(text, encoding="utf-8")
    print(f"{len(text.splitlines())} files", "written" if args.write else "")
