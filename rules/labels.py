"""Normalising the labels and numbers of real reports (full-width forms, stray spaces, quotes, units)."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation
from functools import lru_cache

_DROP = re.compile(r"[\s\"'“”‘’「」『』《》〈〉*#]+")
_CJK = re.compile(r"[\u3400-\u9fff]")
_NUMBER = re.compile(r"^([-+−]?)(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?$")
_UNIT_SUFFIX = re.compile(r"(件|条|个|次|份|项|万元|元|宗|起)$")


@lru_cache(maxsize=65536)
def norm(text: str) -> str:
    """Fold a label for comparison: NFKC (full-width brackets and digits to ASCII), no spaces or quotes."""
    return _DROP.sub("", unicodedata.normalize("NFKC", text))


def note_only(rest: str) -> bool:
    """Whether what follows a label's name is nothing or a note in brackets ("规章(县级无此项)" after 规章)."""
    return not rest or (rest[0] in "(（" and rest[-1] in ")）")


def has_cjk(text: str) -> bool:
    """True when the text holds a Chinese character."""
    return _CJK.search(text) is not None


def is_value_text(text: str) -> bool:
    """True when a table cell looks like a data value (a number, possibly with a unit) or is blank."""
    folded = norm(text)
    if not folded:
        return True
    return parse_number(folded) is not None or not has_cjk(folded)


@lru_cache(maxsize=65536)
def parse_number(text: str) -> Decimal | None:
    """The number a cell states (thousands separators and a trailing unit allowed), or None."""
    folded = _UNIT_SUFFIX.sub("", norm(text)).replace("，", ",")
    match = _NUMBER.match(folded)
    if not match:
        return None
    sign, whole, frac = match.groups()
    try:
        value = Decimal(whole.replace(",", "") + ("." + frac if frac else ""))
    except InvalidOperation:  # pragma: no cover - the pattern admits only digits
        return None
    return -value if sign in ("-", "−") else value


def fmt_number(value: Decimal) -> str:
    """Print a number the way the report would (no exponent, no trailing zeros after the point)."""
    return format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")
