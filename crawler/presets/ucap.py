"""开普云 UCAP: article bodies in a ``<ucapcontent>`` element (or ``#UCAP-CONTENT``), column pages of links to
articles at ``/{site}/c{channel}/{YYYYMM}/{32 hex}.shtml``.

Lists are read as links (the generic reader); the preset recognises the system and points the article reading at
its body container, so that a scanned report's images and its attachments are taken from the body only.
"""

from __future__ import annotations

import re

from crawler.presets.base import Preset

_MARKERS = (
    (re.compile(r"<ucapcontent\b", re.I), 5),
    (re.compile(r"UCAP-CONTENT", re.I), 4),
    (re.compile(r"ucap", re.I), 1),
    # Article addresses of UCAP sites: /{site}/c{channel}/{YYYYMM}/{32 hex}.shtml; the JSON search of its lists.
    (re.compile(r"/c\d+/\d{6}/[0-9a-f]{32}\.shtml"), 3),
    (re.compile(r"/search/[0-9a-f]{32}\?[^'\"]*_isJson=true"), 3),
)


def score(text: str, url: str) -> int:
    """How much ``text`` looks like a UCAP page."""
    return sum(weight for pattern, weight in _MARKERS if pattern.search(text))


PRESET = Preset(
    name="ucap",
    label="开普云 UCAP",
    score=score,
    selectors={"content": "ucapcontent, #UCAP-CONTENT"},
)
