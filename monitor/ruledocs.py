"""The rule catalog as text for ``nianbao rules list`` and as docs/rules.md, both from the registry."""

from __future__ import annotations

from rules import RULES
from rules.registry import MONITOR_RULE_INFO, MONITOR_RULES
from rules.rule import SEVERITY_ZH


def listing() -> str:
    """One line per registered rule: id, severity, title, scope."""
    lines = [f"{r.id}  {SEVERITY_ZH[r.severity]:<2}  {r.title}（范围：{r.scope}）" for r in RULES]
    lines.append(f"共 {len(RULES)} 条规则。以下 {len(MONITOR_RULES)} 条由监测服务执行（需要单位名录和抓取记录）：")
    lines += [f"{m.id}  {SEVERITY_ZH[m.severity]:<2}  {m.title}（范围：{m.scope}）" for m in MONITOR_RULE_INFO.values()]
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
    out += ["", "Evaluated by the monitor service (they need the registry of bodies and the crawl history), not by `check`:", ""]
    out += ["| id | severity | title | scope | basis |", "|---|---|---|---|---|"]
    out += [f"| {m.id} | {m.severity} | {m.title} | {m.scope} | {m.basis} |" for m in MONITOR_RULE_INFO.values()]
    out.append("")
    for r in RULES:
        out += [f"## {r.id} {r.title}", "", r.doc, ""]
    for m in MONITOR_RULE_INFO.values():
        out += [f"## {m.id} {m.title}", "", m.doc, ""]
    return "\n".join(out)
