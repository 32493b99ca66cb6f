"""TRS WCM (拓尔思): the most common system of county portals.

Column pages list ``<li><a href="./202601/t20260120_123.html" title="…">…</a><span>2026-01-20</span></li>`` and
page with a script, ``createPageHTML(countPage, currentPage, "index", "html")`` (pages ``index.html``,
``index_1.html`` …); articles carry ``<meta name="ArticleTitle|PubDate|ContentSource">``, the body in
``<div class="TRS_Editor">`` (or ``TRS_UEDITOR``) and attachments as ``./P020260120….pdf``. The generic reader
already does all this (the pager script, list dates, the meta tags); the preset adds detection and the body.
"""

from __future__ import annotations

import re

from crawler.presets.base import Preset

_MARKERS = (
    (re.compile(r"createPageHTML\s*\("), 4),
    (re.compile(r"\bcountPage\s*=\s*\d+"), 2),
    (re.compile(r"TRS_(?:Editor|UEDITOR|AUTOADD)", re.I), 3),
    (re.compile(r"<meta\s+name=['\"](?:SiteIDCode|ColumnName|ColumnType|ArticleTitle|PubDate|ContentSource)['\"]", re.I), 1),
    (re.compile(r"href=['\"][^'\"]*/?t20\d{6}_\d+\.s?html?['\"]", re.I), 2),
)


def score(text: str, url: str) -> int:
    """How much ``text`` looks like a TRS WCM page."""
    return sum(weight for pattern, weight in _MARKERS if pattern.search(text))


PRESET = Preset(
    name="trs",
    label="拓尔思 TRS WCM",
    score=score,
    selectors={"content": ".TRS_Editor, .TRS_UEDITOR"},
)
