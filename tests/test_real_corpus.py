"""The labelled real-report corpus (tests/fixtures/real) stays honest, and no real report crashes the checker.

The precision and recall on it are a benchmark (`make accuracy`, docs/accuracy.md), not a test; what is tested
here is the corpus itself: every file has a source and a label, every label names a rule of the catalog and quotes
the file, and `nianbao check` ends every file with a result or a one-line reason, never a traceback.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from bench.accuracy import corpus_files, load_labels
from monitor.cli import main
from rules.registry import MONITOR_RULES, RULES_BY_ID
from tests.conftest import FIXTURES

REAL = FIXTURES / "real"
LABELS = load_labels(REAL)
FILES = corpus_files(REAL)
KEYS = {"complete", "body", "body_type", "year", "template", "system", "form", "fail", "pass", "note"}
BODY_TYPES = {"town", "department", "county", "city", "province"}
TEMPLATES = {"2021", "2019-trial", "pre-2019", "unknown"}
FORMS = {"pipe-rows", "cell-per-line", "run-together", "one-line", "tabs", "html", "none"}
TABLES = {"表二（一）", "表二（五）", "表二（六）", "表二（八）", "表二（九）", "表二", "表三", "表四", None}


def _words(text: str) -> str:
    return " ".join(text.split())


def test_every_file_is_labelled_and_every_label_has_its_file() -> None:
    assert len(FILES) >= 40
    assert sorted(p.name for p in FILES) == sorted(LABELS)


def test_every_file_has_a_source() -> None:
    sources = (REAL / "SOURCES.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| ([^|]+?) \|", sources, re.M)) - {"file"}
    assert listed == {p.name for p in FILES}


@pytest.mark.parametrize("name", sorted(LABELS))
def test_label_is_well_formed(name: str) -> None:
    entry: dict[str, Any] = LABELS[name]
    assert set(entry) == KEYS, f"{name}: keys {sorted(set(entry) ^ KEYS)}"
    assert entry["body_type"] in BODY_TYPES
    assert entry["template"] in TEMPLATES
    assert entry["form"] in FORMS
    assert 2008 <= entry["year"] <= 2026
    known = set(RULES_BY_ID) | set(MONITOR_RULES)
    text = _words((REAL / name).read_text(encoding="utf-8"))
    for item in entry["fail"] or []:
        assert item["rule"] in known, f"{name}: unknown rule {item['rule']}"
        assert item.get("table") in TABLES, f"{name}: unknown table {item.get('table')}"
        assert item.get("quote") and _words(item["quote"]) in text, f"{name}: the quote of {item['rule']} is not in the file"
    for rule_id in entry["pass"] or []:
        assert rule_id in known, f"{name}: unknown rule {rule_id}"
    failed = {item["rule"] for item in entry["fail"] or []}
    assert not failed & set(entry["pass"] or []), f"{name}: a rule both fails and passes"


def test_text_files_carry_their_source_in_the_header() -> None:
    for path in FILES:
        if path.suffix == ".txt":
            head = path.read_text(encoding="utf-8").splitlines()[:3]
            assert head[0].startswith("# SOURCE: "), path.name
            assert any(line == "---" for line in path.read_text(encoding="utf-8").splitlines()[:6]), path.name


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_checking_a_real_report_never_crashes(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    excerpt = [] if LABELS[path.name]["complete"] else ["--excerpt"]
    status = main(["check", "--format", "json", *excerpt, str(path)])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    if status == 2:
        assert captured.err.count("\n") == 1 and path.name in captured.err
        return
    assert status in (0, 1)
    result = json.loads(captured.out)
    assert result["schema"] == "nianbao.check/1"
    assert not any("规则执行出错" in item["message"] for item in result["uncertain"]), "a rule raised"


def test_corpus_covers_years_bodies_and_portal_systems() -> None:
    years = {entry["year"] for entry in LABELS.values()}
    assert set(range(2016, 2026)) <= years
    assert {"town", "department", "county"} <= {entry["body_type"] for entry in LABELS.values()}
    assert len({entry["body"] or name for name, entry in LABELS.items()}) >= 15
    systems = {str(entry["system"]).split(":")[0] for entry in LABELS.values()}
    assert {"trs", "hanweb", "gkmlpt"} <= systems
    assert {"pre-2019", "2019-trial", "2021"} <= {entry["template"] for entry in LABELS.values()}


def test_labels_yaml_parses_with_the_benchmark_reader() -> None:
    assert yaml.safe_load((REAL / "labels.yaml").read_text(encoding="utf-8")) == LABELS
