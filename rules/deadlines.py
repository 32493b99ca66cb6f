"""Publication deadlines by body type and report year, and what kind of body a name denotes.

The deadlines come from the format in force for the report year (:data:`rules.template.FORMATS`): 31 March for
every body under the 2008 条例 (report years up to 2018); since 2019, 31 January for departments, 31 March for
county governments (条例 art. 49) and the county's notice for towns.
"""

from __future__ import annotations

import re
from datetime import date

from rules import template as t
from rules.rule import BodyType

BODY_TYPE_ZH: dict[str, str] = {"town": "乡镇（街道）", "department": "县级政府部门", "county": "县级人民政府"}


def default_deadline(body_type: BodyType, year: int) -> tuple[date, bool]:
    """The deadline for a report on ``year`` and whether it is statutory (lateness against the county's notice is
    a warning, against the statute an error)."""
    found = t.format_in_force(year)
    assert found is not None  # a year always has a format
    month, day, statutory = found.deadline(body_type)
    return date(year + 1, month, day), statutory


def fixed_by_law(year: int) -> bool:
    """Whether the law itself fixed one deadline for every body in ``year`` (the 2008 条例), leaving no room for a
    county's own dates."""
    found = t.format_in_force(year)
    return found is not None and any(kind == "*" for kind, *_rest in found.deadlines)


# The last administrative unit a body's name mentions decides its level: 县/旗/区 is a county's, 市 may be a
# county-level city's or a prefecture city's, 州/地区/盟/省/自治区 is above the county. (市场 and 社区 are words,
# not units; 州市 is part of a city's name.)
_UNIT = re.compile(r"自治区|自治州|地区|省|盟|县|旗|(?<![自地社])区|市(?!场)|州(?![市县区])")
_GOVERNMENT = ("人民政府", "政府")
_DEPARTMENT = ("局", "委员会", "委", "办公室", "办", "中心", "队", "站", "所", "院", "署")


def infer_body_type(body: str | None) -> BodyType | None:
    """Guess the body type from its name; None when the name does not tell.

    A town (镇、乡、街道); a county government (…县/区/旗人民政府); a county department (…局, …委员会 … under a 县, 区
    or 旗, or with no unit named). Not a county body, so None: a province's or a city's offices (…厅, a name whose
    last unit is 省, 自治区, 州, 地区 or 盟), and a 市 government or department, which the name alone does not place
    (a county-level city or a prefecture city).
    """
    if not body:
        return None
    if (
        body.endswith(("镇", "乡", "街道", "街道办事处", "办事处", "镇政府", "乡政府"))
        or "镇人民政府" in body
        or "乡人民政府" in body
    ):
        return "town"
    if body.endswith("厅"):
        return None
    units = _UNIT.findall(body)
    last = units[-1] if units else None
    if last is not None and last not in ("县", "旗", "区"):
        return None
    if body.endswith(_GOVERNMENT):
        return "county" if last is not None else None
    if body.endswith(_DEPARTMENT):
        return "department"
    return None


_SELF_TOWN = re.compile(r"[我本](?:镇|乡|街道)")
_SELF_OTHER = re.compile(r"[我本](?:局|委|县|区|市|省|厅|旗|州|部|院|中心|公司)")


def body_type_named_in(text: str) -> BodyType | None:
    """The body type a report's own words give when its name is not known: a town speaks of itself as 我镇, 本乡,
    我街道 …; None when it does not, or when it also speaks as another kind of body."""
    if _SELF_TOWN.search(text) and not _SELF_OTHER.search(text):
        return "town"
    return None
