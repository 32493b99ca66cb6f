"""Strict numbers and safe redirect targets for the dashboard.

Python's ``str.isdigit`` and ``int`` (and Werkzeug's ``\\d+``) accept Unicode digits such as ``١٢`` or ``１２``,
and unbounded integers overflow the database's integer columns. Numbers in paths go through
:class:`IdConverter` (``<id:name>``), numbers in query strings through :func:`int_arg`: ASCII digits only,
within bounds, else 404 (path) or 400 (query string).
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote, unquote, urlsplit

from flask import abort, request
from werkzeug.routing import BaseConverter, ValidationError

#: The largest id a path accepts: integers beyond it lose precision in JSON clients.
MAX_ID = 2**53
YEAR_LOW, YEAR_HIGH = 1990, 2200

_DIGITS = re.compile(r"[0-9]{1,20}")
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
#: Characters kept as they are when a redirect target is percent-encoded (the rest: non-ASCII, spaces, quotes).
_URL_SAFE = "/?#[]@!$&'()*+,;=:%~"


def parse_int(text: str, low: int, high: int) -> int | None:
    """``text`` as an integer in ``low..high`` when it is ASCII digits only; else None."""
    if not _DIGITS.fullmatch(text):
        return None
    value = int(text)
    return value if low <= value <= high else None


def int_arg(name: str, default: int | None, *, low: int = 0, high: int = 10**6) -> int | None:
    """The query-string number ``name`` (``default`` when absent or empty); 400 unless ASCII digits in ``low..high``."""
    text = request.args.get(name)
    if text is None or text == "":
        return default
    value = parse_int(text, low, high)
    if value is None:
        abort(400, f"参数 {name} 必须是 {low}–{high} 之间的整数")
    return value


def year_arg(default: int | None) -> int | None:
    """The query-string ``year`` (``default`` when absent), 400 unless a year in 1990..2200."""
    return int_arg("year", default, low=YEAR_LOW, high=YEAR_HIGH)


class IdConverter(BaseConverter):
    """``<id:name>``: a database id in a path, 1..2**53 in ASCII digits without leading zeros; else 404."""

    regex = r"[1-9][0-9]{0,15}"

    def to_python(self, value: str) -> int:
        """The id, or ValidationError (the route does not match: 404)."""
        number = parse_int(value, 1, MAX_ID)
        if number is None:
            raise ValidationError()
        return number

    def to_url(self, value: int) -> str:
        """The id as it appears in a path."""
        return str(int(value))


def _leaves_the_site(target: str) -> bool:
    """Whether a browser (or a server that decodes and normalises the path) could read ``target`` as another site."""
    if not target.startswith("/") or target[1:2] in ("/", "\\") or "\\" in target:
        return True
    parts = urlsplit(target)
    return bool(parts.scheme or parts.netloc)


def safe_target(target: str | None) -> str | None:
    """``target`` as a same-site relative path to redirect to, percent-encoded to ASCII; None when it is not one.

    Control characters (C0, C1, DEL; browsers drop tab, CR and LF inside URLs) are removed before parsing. The
    target must begin with a single ``/``; no backslash. The same holds for its percent-decoded,
    NFKC-normalised form, so that ``/%2f%2fhost``, ``/%5chost`` or a full-width ``／`` cannot become ``//host``
    wherever it is decoded.
    """
    if not target:
        return None
    cleaned = _CONTROLS.sub("", target)
    encoded = quote(cleaned, safe=_URL_SAFE)
    decoded = encoded
    for _ in range(4):  # double-encoded forms too
        decoded = unquote(decoded)
    decoded = _CONTROLS.sub("", unicodedata.normalize("NFKC", decoded))
    if _leaves_the_site(cleaned) or _leaves_the_site(encoded) or _leaves_the_site(decoded):
        return None
    return encoded
