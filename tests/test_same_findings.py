"""Issue 16, acceptance 2: findings are byte for byte the same JSON before and after the speed work, on every
fixture (see :mod:`tests.golden` for what is checked and how the golden file is made)."""

from __future__ import annotations

import json

import pytest

from tests.golden import GOLDEN, golden_lines

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_every_fixture_gives_the_golden_findings() -> None:
    expected = GOLDEN.read_text(encoding="utf-8").splitlines()
    actual = golden_lines()
    assert [json.loads(line)["file"] for line in actual] == [json.loads(line)["file"] for line in expected]
    for now, before in zip(actual, expected, strict=True):
        assert now == before, json.loads(before)["file"]
