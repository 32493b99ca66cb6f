"""Acceptance: the 27 real excerpts run with --excerpt without a crash, and title, year, template,
publication date and the hand-checked findings agree with tests/fixtures/excerpts/expected.yaml."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import yaml

from monitor.cli import main
from tests.conftest import FIXTURES

EXCERPTS = FIXTURES / "excerpts"
EXPECTED: dict[str, dict[str, Any]] = yaml.safe_load((EXCERPTS / "expected.yaml").read_text(encoding="utf-8"))


def _check(name: str, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    status = main(["check", "--excerpt", "--format", "json", str(EXCERPTS / name)])
    captured = capsys.readouterr()
    assert status in (0, 1), captured.err
    assert "Traceback" not in captured.err
    result: dict[str, Any] = json.loads(captured.out)
    return result


def test_every_excerpt_has_an_expectation() -> None:
    files = sorted(p.name for p in EXCERPTS.glob("*.txt"))
    assert len(files) == 27
    assert sorted(EXPECTED) == files


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_excerpt(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    expected = EXPECTED[name]
    result = _check(name, capsys)
    report = result["report"]
    title = re.sub(r"\s+", "", report["title"]) if report["title"] else None
    assert title == expected["title"]
    if expected["title"] is not None:
        assert report["body"] == expected["body"]
    assert report["year"] == expected["year"]
    assert report["template"] == expected["template"]
    if "published" in expected:
        assert report["published_on"] == expected["published"]
    found = {f["rule"] for f in result["findings"]}
    missing = set(expected.get("must_find") or []) - found
    wrong = set(expected.get("must_not_find") or []) & found
    assert not missing, f"expected findings not reported: {missing}"
    assert not wrong, f"false positives: {wrong}: {[f['message'] for f in result['findings'] if f['rule'] in wrong]}"
