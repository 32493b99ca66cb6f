"""Portal presets, one module per content management system, and the one registry of them (:data:`PRESETS`).

A portal in ``nianbao.yaml`` names its preset (``preset: trs``) or lets the crawler detect it (``auto``, the
default): the first page of a configured column is scored by every preset and the best one is used for the whole
portal; without any marker, the generic preset.
"""

from __future__ import annotations

from crawler.presets import generic, gkmlpt, hanweb, trs, ucap
from crawler.presets.base import ListContext, Preset

AUTO = "auto"

#: Every preset by its name in ``nianbao.yaml``; ``auto`` is not one of them.
PRESETS: dict[str, Preset] = {p.name: p for p in (trs.PRESET, hanweb.PRESET, gkmlpt.PRESET, ucap.PRESET, generic.PRESET)}
GENERIC = generic.PRESET

__all__ = ["AUTO", "GENERIC", "PRESETS", "ListContext", "Preset", "detect", "preset_names"]


def preset_names() -> tuple[str, ...]:
    """What ``preset:`` accepts: ``auto`` and every preset's name."""
    return (AUTO, *PRESETS)


def detect(text: str, url: str) -> Preset:
    """The preset whose markers ``text`` (a column page, at ``url``) shows most; the generic one without any."""
    best, best_score = GENERIC, 0
    for preset in PRESETS.values():
        points = preset.score(text, url)
        if points > best_score:
            best, best_score = preset, points
    return best
