"""The rule catalog as text for ``nianbao rules list`` and as docs/rules.md, both from the registry."""

from __future__ import annotations

from rules import RULES
from rules.registry import MONITOR_RULES
from rules.rule import SEVERITY_ZH


def listing() -> str:
    """One line per registered rule: id, severity, title, scope."""
    lines = [f"{r.id}  {SEVERITY_ZH[r.severity]:<2}  {r.title}（范围：{r.scope}）" for r in RULES]
    lines.append(f"共 {len(RULES)} 条规则。{', '.join(MONITOR_RULES)} 由监测服务执行（需要单位名录和抓取记录）。")
    return "\n".join(lines) + "\n"


def markdown() -> str:
    """docs/rules.md: generated from the registry; a test fails when the file and the registry disagree."""
    out = [
        "# Rule catalog",
        "",
        "Generated from `rules/registry.py` by `nianbao rules list --markdown` (`make docs`). Do not edit by hand.",
        "",
        "| id | severity | title | scope | basis |",
        "|---|---|---|---|---|",
    ]
    for r in RULES:
        out.append(f"| {r.id} | {r.severity} | {r.title} | {r.scope} | {r.basis} |")
    out += ["", f"Evaluated by the monitor service, not by `check` on a single file: {', '.join(MONITOR_RULES)}.", ""]
    for r in RULES:
        out += [f"## {r.id} {r.title}", "", r.doc, ""]
    return "\n".join(out)
