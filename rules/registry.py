"""The rule registry: every rule the checker runs, listed once, in catalog order.

Adding a rule means writing its check in the module of its family and listing it here; `nianbao rules
list`, docs/rules.md and the meta-tests read this list.
"""

from __future__ import annotations

from rules import arithmetic, history, narrative, plausibility, publication, structure
from rules.rule import Rule

RULES: tuple[Rule, ...] = (
    structure.s101,
    structure.s102,
    structure.s103,
    structure.s104,
    structure.s105,
    structure.s106,
    structure.s107,
    structure.s108,
    structure.s109,
    structure.s110,
    structure.s111,
    structure.s112,
    structure.s113,
    arithmetic.a201,
    arithmetic.a202,
    arithmetic.a203,
    arithmetic.a204,
    arithmetic.a205,
    arithmetic.a206,
    narrative.t301,
    narrative.t302,
    narrative.t303,
    narrative.t304,
    plausibility.p401,
    plausibility.p402,
    history.h501,
    history.h502,
    history.h503,
    publication.d602,
    publication.d604,
)

RULES_BY_ID: dict[str, Rule] = {r.id: r for r in RULES}

#: Catalog rules evaluated by the monitor (they need the registry of bodies and crawl history), not here.
MONITOR_RULES: tuple[str, ...] = ("D601", "D603", "D605")
