"""Publication deadlines by body type (《政府信息公开条例》第四十九条 and the county's notice)."""

from __future__ import annotations

from datetime import date

from rules.rule import BodyType

BODY_TYPE_ZH: dict[str, str] = {"town": "乡镇（街道）", "department": "县级政府部门", "county": "县级人民政府"}


def default_deadline(body_type: BodyType, year: int) -> tuple[date, bool]:
    """The deadline for a report on ``year`` and whether it is statutory.

    Departments: 31 January (条例 art. 49 ¶1); county governments: 31 March (art. 49 ¶2); towns: the
    county's notice, 31 January by default (not statutory, so lateness is a warning).
    """
    if body_type == "county":
        return date(year + 1, 3, 31), True
    if body_type == "department":
        return date(year + 1, 1, 31), True
    return date(year + 1, 1, 31), False


def infer_body_type(body: str | None) -> BodyType | None:
    """Guess the body type from its name; None when the name does not tell."""
    if not body:
        return None
    if (
        body.endswith(("镇", "乡", "街道", "街道办事处", "办事处", "镇政府", "乡政府"))
        or "镇人民政府" in body
        or "乡人民政府" in body
    ):
        return "town"
    if body.endswith(("县人民政府", "县政府", "旗人民政府", "区人民政府")):
        return "county"
    if body.endswith(("局", "委员会", "委", "办公室", "办", "中心", "队", "站", "所", "院", "厅", "署")):
        return "department"
    return None
