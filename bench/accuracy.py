"""How right and how quiet `nianbao check` is on real reports: precision and recall per rule and per family.

Runs `nianbao check --format json` (with ``--excerpt`` for the files that hold only the start of a page) over the
labelled corpus in tests/fixtures/real/ and scores the findings against labels.yaml, which people wrote by
reading the files (tests/fixtures/real/LABELS-FORMAT.md). Writes docs/accuracy.md (`make accuracy`).

Scoring, per file:
- a finding *matches* a labelled defect of the same rule (and the same table when the label names one); when a
  rule has several labels in one table, the row and column words pick the pair;
- a finding that matches no label is a *false finding*, whether or not its rule is in the file's ``pass`` list;
- a labelled defect that no finding matches is a *miss*;
- precision = matched findings / all findings; recall = matched labels / all labels; both counted for error and
  warning findings (the target) and separately for info findings;
- a file the checker cannot read (exit 2) or that ends in anything but a JSON result (a traceback) is a crash.

Every miss and false finding is listed with its message and, from bench/accuracy_causes.yaml, the cause found
by whoever analysed it. The figures are a benchmark, not a test: tests/test_real_corpus.py keeps the corpus
itself honest (every file labelled, every rule known) and checks that no file crashes the checker.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.perfdoc import machine  # noqa: E402
from rules.labels import norm  # noqa: E402
from rules.registry import RULES_BY_ID  # noqa: E402

CORPUS = ROOT / "tests" / "fixtures" / "real"
CAUSES = ROOT / "bench" / "accuracy_causes.yaml"
NIANBAO = str(Path(sys.executable).parent / "nianbao")
FAMILIES = ("S", "A", "T", "P")
SERIOUS = ("error", "warning")


def corpus_files(folder: Path = CORPUS) -> list[Path]:
    """The report files of the corpus (not its labels, sources or notes)."""
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix not in (".md", ".yaml", ".py"))


def load_labels(folder: Path = CORPUS) -> dict[str, dict[str, Any]]:
    """labels.yaml: file name → entry."""
    loaded: dict[str, dict[str, Any]] = yaml.safe_load((folder / "labels.yaml").read_text(encoding="utf-8"))
    return loaded


@dataclass
class Run:
    """What `nianbao check` said of one file."""

    path: Path
    exit_code: int
    result: dict[str, Any] | None
    error: str = ""

    @property
    def crashed(self) -> bool:
        """True when the check gave no result and no reason: a traceback or anything but exit 0, 1 or 2."""
        return self.result is None and self.exit_code != 2

    @property
    def unreadable(self) -> bool:
        """True when the checker refused the file with a reason (exit 2): a real report it could not read."""
        return self.result is None and self.exit_code == 2


def run_check(path: Path, excerpt: bool, nianbao: list[str]) -> Run:
    """`nianbao check --format json` on one file, in its own process (a crash stays this file's)."""
    command = [*nianbao, "check", "--format", "json", *(["--excerpt"] if excerpt else []), str(path)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode in (0, 1) and len(lines) == 1:
        return Run(path, done.returncode, json.loads(lines[0]))
    reason = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}, no result"
    return Run(path, done.returncode, None, reason)


@dataclass
class Outcome:
    """One finding or one labelled defect, with whether it was paired."""

    file: str
    rule: str
    severity: str
    table: str | None
    row: str | None
    column: str | None
    message: str
    matched: bool = False


def severity_of(rule_id: str) -> str:
    """The severity a labelled defect of ``rule_id`` is counted under (S101 of a pre-2019 report: warning)."""
    found = RULES_BY_ID.get(rule_id)
    return found.severity if found else "error"


def _words(text: str | None) -> str:
    return norm(text or "").replace("（", "(").replace("）", ")")


def _near(a: str | None, b: str | None) -> bool:
    """Whether two row or column descriptions name the same place (one contains the other's words)."""
    x, y = _words(a), _words(b)
    return bool(x) and bool(y) and (x in y or y in x)


def _same_table(finding: str | None, label: str | None) -> bool:
    """Whether a finding's table is the labelled one; a finding on 表二 as a whole covers a label on one of its parts."""
    if label is None:
        return True
    x, y = _words(finding), _words(label)
    return x == y or (bool(x) and y.startswith(x))


def pair(findings: list[Outcome], labels: list[Outcome]) -> None:
    """Mark the findings and labels that match (same rule, same table when the label names one, the closest place)."""
    for label in labels:
        candidates = [f for f in findings if not f.matched and f.rule == label.rule and _same_table(f.table, label.table)]
        if not candidates:
            continue
        best = max(candidates, key=lambda f: (_near(f.row, label.row), _near(f.column, label.column)))
        best.matched = label.matched = True


@dataclass
class Score:
    """Counts for one rule or family (``right``: files where the rule was labelled right and reported nothing)."""

    labelled: int = 0
    found: int = 0
    missed: int = 0
    false: int = 0
    uncertain: int = 0
    right: int = 0

    @property
    def findings(self) -> int:
        """Findings reported (matched and false)."""
        return self.found + self.false

    def precision(self) -> str:
        """Matched findings / findings, as a percentage (— when there were none)."""
        return f"{100 * self.found / self.findings:.0f} %" if self.findings else "—"

    def recall(self) -> str:
        """Matched labels / labels, as a percentage (— when there were none)."""
        return f"{100 * self.found / self.labelled:.0f} %" if self.labelled else "—"

    def add(self, other: Score) -> None:
        """Add another score's counts."""
        self.labelled += other.labelled
        self.found += other.found
        self.missed += other.missed
        self.false += other.false
        self.uncertain += other.uncertain
        self.right += other.right


@dataclass
class Evaluation:
    """The whole corpus scored."""

    runs: list[Run]
    findings: list[Outcome] = field(default_factory=list)
    labels: list[Outcome] = field(default_factory=list)
    uncertain: Counter[str] = field(default_factory=Counter)
    right: Counter[str] = field(default_factory=Counter)

    def by_rule(self, severities: Iterable[str]) -> dict[str, Score]:
        """Scores per rule for findings and labels of these severities."""
        wanted = set(severities)
        scores: dict[str, Score] = defaultdict(Score)
        for label in self.labels:
            if label.severity in wanted:
                scores[label.rule].labelled += 1
                if not label.matched:
                    scores[label.rule].missed += 1
        for finding in self.findings:
            if finding.severity in wanted:
                if finding.matched:
                    scores[finding.rule].found += 1
                else:
                    scores[finding.rule].false += 1
        for rule_id, count in self.uncertain.items():
            if severity_of(rule_id) in wanted:
                scores[rule_id].uncertain += count
        for rule_id, count in self.right.items():
            if severity_of(rule_id) in wanted:
                scores[rule_id].right += count
        return dict(scores)

    def by_family(self, severities: Iterable[str]) -> dict[str, Score]:
        """Scores per family (S, A, T, P, and all of them)."""
        families: dict[str, Score] = {family: Score() for family in (*FAMILIES, "all")}
        for rule_id, score in self.by_rule(severities).items():
            families.setdefault(rule_id[0], Score()).add(score)
            families["all"].add(score)
        return families


def evaluate(labels: dict[str, dict[str, Any]], runs: list[Run]) -> Evaluation:
    """Pair each file's findings with its labels."""
    evaluation = Evaluation(runs)
    for run in runs:
        entry = labels[run.path.name]
        wanted = [
            Outcome(
                run.path.name,
                item["rule"],
                severity_of(item["rule"]),
                item.get("table"),
                item.get("row"),
                item.get("column"),
                item.get("quote", ""),
            )
            for item in entry.get("fail") or []
            if item["rule"][0] in FAMILIES
        ]
        reported: list[Outcome] = []
        if run.result is not None:
            for finding in run.result["findings"]:
                if finding["rule"][0] not in FAMILIES:
                    continue
                locator = finding["locator"]
                reported.append(
                    Outcome(
                        run.path.name,
                        finding["rule"],
                        finding["severity"],
                        locator.get("table"),
                        locator.get("row"),
                        locator.get("column"),
                        finding["message"],
                    )
                )
            evaluation.uncertain.update(item["rule"] for item in run.result["uncertain"] if item["rule"][0] in FAMILIES)
        # A labelled pre-2019 S101 is a warning, as the checker reports it: count it under the finding's severity.
        for label in wanted:
            same = next((f for f in reported if f.rule == label.rule), None)
            if same is not None:
                label.severity = same.severity
        pair(reported, wanted)
        evaluation.findings += reported
        evaluation.labels += wanted
        quiet = {f.rule for f in reported}
        evaluation.right.update(r for r in entry.get("pass") or [] if r[0] in FAMILIES and r not in quiet)
    return evaluation


def _commit() -> str:
    try:
        done = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        )
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain"], capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return done.stdout.strip() + (" (with uncommitted changes)" if dirty.stdout.strip() else "")


def _table(scores: dict[str, Score], keys: Iterable[str], title: str) -> list[str]:
    out = [
        f"| {title} | labelled defects | found | missed | false findings | precision | recall | labelled right, quiet "
        "| uncertain |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for key in keys:
        score = scores.get(key, Score())
        out.append(
            f"| {key} | {score.labelled} | {score.found} | {score.missed} | {score.false} | {score.precision()} | {score.recall()} "
            f"| {score.right} | {score.uncertain} |"
        )
    return out


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "｜")


def report(evaluation: Evaluation, labels: dict[str, dict[str, Any]], causes: dict[str, str]) -> str:
    """docs/accuracy.md."""
    runs = evaluation.runs
    complete = sum(1 for run in runs if labels[run.path.name].get("complete"))
    bodies = {labels[run.path.name].get("body") or run.path.name for run in runs}
    systems = Counter(str(labels[run.path.name].get("system", "?")).split(":")[0] for run in runs)
    years = Counter(labels[run.path.name].get("year") for run in runs)
    kinds = Counter(labels[run.path.name].get("body_type") for run in runs)
    serious_family = evaluation.by_family(SERIOUS)
    info_family = evaluation.by_family(("info",))
    serious_rule = evaluation.by_rule(SERIOUS)
    info_rule = evaluation.by_rule(("info",))
    crashed = [run for run in runs if run.crashed]
    unreadable = [run for run in runs if run.unreadable]
    lines = [
        "# Accuracy on real reports",
        "",
        "Written by `make accuracy` (bench/accuracy.py): `nianbao check` over the labelled real reports of",
        "tests/fixtures/real/ (sources in SOURCES.md there, labels in labels.yaml, written by people reading the files;",
        "how to label: LABELS-FORMAT.md). Excerpts (the start of a page) are checked with `--excerpt`.",
        "",
        f"_Commit {_commit()}; {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}; {machine()}._",
        "",
        "## The corpus",
        "",
        f"- {len(runs)} files: {complete} complete reports, {len(runs) - complete} excerpts of a page's start; "
        f"{len(bodies)} bodies.",
        "- Body types: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items(), key=lambda kv: str(kv[0]))) + ".",
        "- Report years: " + ", ".join(f"{k}: {v}" for k, v in sorted(years.items(), key=lambda kv: str(kv[0]))) + ".",
        "- Portal systems: " + ", ".join(f"{k} {v}" for k, v in sorted(systems.items())) + ".",
        f"- Crashes (a traceback or no result): {len(crashed)}; real reports refused as unreadable: {len(unreadable)}.",
        "",
        "## Error and warning findings",
        "",
        "Precision: how many of the findings reported are real defects. Recall: how many of the labelled defects are",
        "found. Labelled right, quiet: files where the rule's subject is present and right and the checker said",
        "nothing. Uncertain: outcomes the checker left to a person instead of deciding.",
        "",
        *_table(serious_family, (*FAMILIES, "all"), "family"),
        "",
        *_table(serious_rule, sorted(serious_rule), "rule"),
        "",
        "## Info findings",
        "",
        *_table(info_family, (*FAMILIES, "all"), "family"),
        "",
        *_table(info_rule, sorted(info_rule), "rule"),
        "",
        "## What this corpus does not measure",
        "",
        "The search tool stores only the start of each web page (about 700–2,000 characters) and no PDF, DOCX or",
        "scanned file, so all but one of these files are excerpts: they exercise titles, years, formats, 表二 and the",
        "first rows of 表三, and flattened text of many portal systems, but hardly 表三's arithmetic, 表四, sections",
        "五 and 六, or real PDFs and scans. The A family has no labelled defect here; its checks are measured by the",
        "mutation tests over every cell of the seeds (tests/test_mutations.py), the PDF producers' quirks by",
        "tests/test_pdf_producers.py (a real report drawn as WPS and others draw it) and scans by tests/test_formats.py.",
        "",
        "## Uncertain outcomes by rule",
        "",
        "| rule | uncertain outcomes |",
        "|---|---|",
        *(f"| {rule_id} | {count} |" for rule_id, count in sorted(evaluation.uncertain.items())),
        "",
    ]
    misses = [label for label in evaluation.labels if not label.matched]
    false = [finding for finding in evaluation.findings if not finding.matched]
    lines += ["## Misses", "", "| file | rule | severity | where | evidence (label) | cause |", "|---|---|---|---|---|---|"]
    for label in misses:
        where = " / ".join(x for x in (label.table, label.row, label.column) if x)
        cause = causes.get(f"{label.file}|{label.rule}", "not analysed yet")
        lines.append(
            f"| {label.file} | {label.rule} | {label.severity} | {_cell(where)} | {_cell(label.message)[:160]} | {_cell(cause)} |"
        )
    lines += ["", "## False findings", "", "| file | rule | severity | message | cause |", "|---|---|---|---|---|"]
    for finding in false:
        cause = causes.get(f"{finding.file}|{finding.rule}", "not analysed yet")
        lines.append(
            f"| {finding.file} | {finding.rule} | {finding.severity} | {_cell(finding.message)[:200]} | {_cell(cause)} |"
        )
    lines += ["", "## Crashes", ""]
    lines += [f"- {run.path.name}: {run.error}" for run in crashed] or ["None."]
    lines += ["", "## Real reports refused as unreadable", ""]
    lines += [f"- {run.path.name}: {run.error}" for run in unreadable] or ["None."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Score the checker on the corpus and write docs/accuracy.md (or print it)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--write", type=Path, help="write the report here (default: print it)")
    parser.add_argument("--jobs", type=int, default=max(1, min(4, os.cpu_count() or 1)))
    parser.add_argument(
        "--nianbao",
        default=NIANBAO,
        help="the command to run (default: this environment's nianbao); e.g. to score another checkout",
    )
    args = parser.parse_args(argv)
    labels = load_labels()
    files = corpus_files()
    unlabelled = [p.name for p in files if p.name not in labels]
    if unlabelled:
        print(f"accuracy: files without labels: {', '.join(unlabelled)}", file=sys.stderr)
        return 2
    with ThreadPoolExecutor(args.jobs) as pool:
        command = args.nianbao.split()
        runs = list(pool.map(lambda p: run_check(p, not labels[p.name].get("complete"), command), files))
    causes: dict[str, str] = yaml.safe_load(CAUSES.read_text(encoding="utf-8")) if CAUSES.exists() else {}
    evaluation = evaluate(labels, runs)
    text = report(evaluation, labels, causes or {})
    if args.write:
        args.write.write_text(text, encoding="utf-8")
        serious = evaluation.by_family(SERIOUS)["all"]
        print(
            f"accuracy: {len(runs)} files, error+warning precision {serious.precision()}, recall {serious.recall()}, "
            f"{sum(1 for r in runs if r.crashed)} crashes, {sum(1 for r in runs if r.unreadable)} unreadable → {args.write}"
        )
    else:
        print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
