"""Which registered body a document belongs to: by its title, then by the page's publisher, then by the column
it was listed in (a body's configured 年报 column). A document no body claims is still stored (body None)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from crawler.titles import compact
from monitor.config import Body

TITLE, PAGE, COLUMN = "title", "page", "column"
_SUFFIXES = ("人民政府", "街道办事处", "办事处")
_PUBLISHER = re.compile(r"(?:发布机构|信息来源|来源|发文机关)\s*[:：]\s*([^\s:：|｜]{2,40})")


@dataclass(frozen=True)
class Attribution:
    """The body a document was attributed to and the evidence used (None, None when nothing named one)."""

    body_id: str | None
    source: str | None


def _names(body: Body) -> set[str]:
    names = {compact(body.name), *(compact(a) for a in body.aliases)}
    if body.type in ("town", "county"):
        for suffix in _SUFFIXES:  # 次营镇人民政府 is called 次营镇 in most titles
            short = compact(body.name).removesuffix(suffix)
            if short != compact(body.name) and len(short) >= 2:
                names.add(short)
    return {n for n in names if n}


class BodyMatcher:
    """Finds registered bodies named in a text: the longest name wins; two bodies tied is no answer."""

    def __init__(self, bodies: Iterable[Body]) -> None:
        self._names = sorted(((name, body.id) for body in bodies for name in _names(body)), key=lambda n: -len(n[0]))

    def in_text(self, text: str | None) -> str | None:
        """The id of the body ``text`` names, or None."""
        if not text:
            return None
        folded = compact(text)
        best: list[tuple[str, str]] = []
        for name, body_id in self._names:
            if best and len(name) < len(best[0][0]):
                break
            if name in folded:
                best.append((name, body_id))
        ids = {body_id for _, body_id in best}
        return ids.pop() if len(ids) == 1 else None

    def attribute(self, title: str | None, publisher: str | None, column_body: str | None) -> Attribution:
        """The body of a document titled ``title``, published by ``publisher`` (the page's ContentSource or
        发布机构), listed in the column of ``column_body``."""
        for text, source in ((title, TITLE), (publisher, PAGE)):
            found = self.in_text(text)
            if found is not None:
                return Attribution(found, source)
        if column_body is not None:
            return Attribution(column_body, COLUMN)
        return Attribution(None, None)


def page_publisher(meta: dict[str, str], text: str) -> str | None:
    """Who a page says published it: the ContentSource meta tag, else a visible 发布机构/来源 label."""
    if meta.get("contentsource"):
        return meta["contentsource"]
    found = _PUBLISHER.search(text)
    return found.group(1) if found else None
