"""Which registered body a document belongs to: by its title, then by the page's publisher, then by the column
it was listed in (a body's configured 年报 column). A document no body claims is still stored (body None)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from crawler.titles import compact
from monitor.config import Body

TITLE, PAGE, COLUMN = "title", "page", "column"
#: Endings of official names and what titles write instead: 演示县人民政府 → 演示县 / 演示县政府, 演示县卫生健康委员会
#: → 演示县卫生健康委, 演示经济开发区管委会 → 演示经济开发区. The longest ending that fits is used.
ENDINGS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("管理委员会", ("", "管委会")),
    ("人民政府", ("", "政府")),
    ("管委会", ("", "管理委员会")),
    ("委员会", ("委",)),
    ("办事处", ("",)),
    ("办公室", ("办",)),
    ("管理局", ("局",)),
)
#: What may follow a bare place name (an official name without its ending) for it to name the body: the end, a
#: year, 年, 政府, 关于, punctuation. 演示县2025年… names the county; 演示县审计局… does not.
_BARE_FOLLOWER = re.compile(r"$|[0-9０-９〇零一二]|年|政府|关于|政务|信息公开|[（(《“”\"·—\-_:：、,，。]")
_PUBLISHER = re.compile(r"(?:发布机构|信息来源|来源|发文机关)\s*[:：]\s*([^\s:：|｜]{2,40})")


@dataclass(frozen=True)
class Attribution:
    """The body a document was attributed to and the evidence used (None, None when nothing named one)."""

    body_id: str | None
    source: str | None


@dataclass(frozen=True)
class Name:
    """One name a body goes by; ``bare`` when it is a place name without the ending (matched only before a year,
    政府, punctuation or the end, see :data:`_BARE_FOLLOWER`)."""

    text: str
    body_id: str
    bare: bool = False


def short_names(official: str) -> list[tuple[str, bool]]:
    """The shorter names an official name goes by, each with whether it is a bare place name."""
    name = compact(official)
    out: list[tuple[str, bool]] = []
    for ending, replacements in ENDINGS:
        if name.endswith(ending) and len(name) > len(ending) + 1:
            stem = name.removesuffix(ending)
            out = [(stem + r, r == "") for r in replacements]
            break
    # 人民政府 inside a name is 政府 in most titles: 演示县人民政府办公室 → 演示县政府办公室, 演示县政府办.
    inner = [(text.replace("人民政府", "政府"), False) for text, bare in [(name, False), *out] if not bare]
    return [item for item in dict.fromkeys([*out, *inner]) if item[0] != name]


def body_names(bodies: Iterable[Body]) -> list[Name]:
    """Every name of every body, longest first: official names and aliases as configured, then the short names of
    the official names (:data:`ENDINGS`). A short name that is another body's name, or the short name of two
    bodies (演示县人民政府办公室 → 演示县人民政府 is the county government's name), is dropped."""
    given = [Name(n, b.id) for b in bodies for n in {compact(b.name), *(compact(a) for a in b.aliases)} if n]
    taken = {n.text for n in given}
    short: dict[str, set[str]] = {}
    bare: dict[str, bool] = {}
    for body in bodies:
        for text, is_bare in short_names(body.name):
            if text not in taken:
                short.setdefault(text, set()).add(body.id)
                bare[text] = is_bare
    derived = [Name(text, ids.pop(), bare[text]) for text, ids in short.items() if len(ids) == 1]
    return sorted([*given, *derived], key=lambda n: (-len(n.text), n.text))


def _names_in(name: Name, folded: str) -> bool:
    if not name.bare:
        return name.text in folded
    start = folded.find(name.text)
    while start >= 0:
        if _BARE_FOLLOWER.match(folded, start + len(name.text)):
            return True
        start = folded.find(name.text, start + 1)
    return False


class BodyMatcher:
    """Finds registered bodies named in a text: the longest name wins; two bodies tied is no answer.

    The one matcher of a text to a body, used by the crawler (titles, publishers) and the monitor (the body a
    report names)."""

    def __init__(self, bodies: Iterable[Body]) -> None:
        self._names = body_names(list(bodies))

    def in_text(self, text: str | None) -> str | None:
        """The id of the body ``text`` names, or None."""
        if not text:
            return None
        folded = compact(text)
        best: list[Name] = []
        for name in self._names:
            if best and len(name.text) < len(best[0].text):
                break
            if _names_in(name, folded):
                best.append(name)
        ids = {name.body_id for name in best}
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
