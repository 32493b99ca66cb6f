"""Sentences that state a total and list its parts: "共公开382条，其中网站35条、微信80条……" (rule T304).

A total is a count with its unit followed by 其中 / 包括 / 分别为 … (after a comma, 内容 or 主要, or at the start of
the next sentence when that sentence begins with 其中). Its parts are the items after it, separated by 、，；, each a
name and a count in the same unit; a name broken by a 、 ("双随机、一公开监管信息5条") is one item. The list ends at
the sentence's end, at the first item that is not such a part (another unit, two counts), at a 其中 that lists
the last part's own parts, or at an item of another shape (a channel, "通过…" or "…发布信息224条", after kinds of
information) that follows a semicolon or parts that already make the total. Notes in brackets are not read. A
list that ends so, every item a part, is *complete*; one cut short, or ending in 等, is not. Approximate figures
(余, 多, 约 …) are never summed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_UNITS = "条|件|篇|个|次|期|项"
_TOTAL = re.compile(rf"(\d+)\s*({_UNITS})[,，、:：]?(?:内容|主要)?(?:其中包括|其中|包括|分别为|涵盖|含)[:：,，]?")
_OPENS = re.compile(r"^(?:其中包括|其中|包括|分别为)[:：,，]?")
_COUNT = re.compile(rf"(\d+)\s*({_UNITS})")
_SENTENCE = re.compile(r"[^。!！?？\n]+[。!！?？]?")
_ITEM_SPLIT = re.compile(r"([、,，;；])")
_CHANNEL = re.compile(r"^(?:通过|利用|依托|在)|发布|推送|发送|报送|转发")
# An approximate figure: "80余条", "100多件", "约300条", "近500条", "超过1000条", "50条以上", "30条左右".
_APPROX = re.compile(r"\d\s*[余多]|(?:约|近|超过|逾|累计超)\s*\d|\d[^\d,，。;；]{0,3}(?:以上|左右)")
_PARTIAL = re.compile(r"等(?=\d|$)|其他未列")
_NOTE = re.compile(r"[(（][^()（）]*[)）]")


@dataclass(frozen=True)
class StatedSum:
    """A total and its listed parts: the sentence, the total, the parts, whether the list is complete."""

    sentence: str
    total: int
    unit: str
    parts: tuple[int, ...]
    complete: bool


def _shape(item: str) -> bool:
    """Whether an item says through what or how something was published ("通过网站公开…", "公众号发布信息224条")
    rather than what kind of information it is ("政策文件8条")."""
    return bool(_CHANNEL.search(item))


def _parts(rest: str, total: int, unit: str) -> tuple[list[int], bool]:
    """The parts listed in ``rest`` (the text after the total's 其中) and whether the list is complete."""
    parts: list[int] = []
    shapes: list[bool] = []
    pending = ""
    rest = _NOTE.sub("", rest.rstrip("。!！?？"))  # notes in brackets: "240条(街道11个科室以及4个社区)"
    pieces = _ITEM_SPLIT.split(rest)
    items, separators = pieces[0::2], ["", *pieces[1::2]]
    for index, raw in enumerate(items):
        if not raw.strip():
            continue
        if parts and _OPENS.match(raw.strip()):
            return parts, True  # a list of the last part's own parts: this list ended with that part
        item = pending + raw.strip()
        counts = list(_COUNT.finditer(item))
        if not counts:
            if index == len(items) - 1:
                return parts, False  # the sentence goes on past the list, or the text was cut off
            pending = item  # a name with a 、 in it: joined to the item it belongs to
            continue
        pending = ""
        count = counts[-1]
        if len(counts) > 1 or count.group(2) != unit or not item.endswith(count.group(0)) or _APPROX.search(item):
            return parts, False
        shape = _shape(item)
        if parts and shape != shapes[0] and (separators[index] in (";", "；") or sum(parts) == total):
            return parts, True  # another statement: after a semicolon, or once the parts made the total
        parts.append(int(count.group(1)))
        shapes.append(shape)
    return parts, not pending and not _PARTIAL.search(rest)


def stated_sums(text: str) -> list[StatedSum]:
    """Every total-and-parts statement of a paragraph's text (folded), in order."""
    found: list[StatedSum] = []
    previous: tuple[int, str] | None = None
    for match in _SENTENCE.finditer(text):
        sentence = match.group(0)
        lists: list[tuple[int, str, str, str]] = []  # total, unit, the text after it, the text before it
        if previous is not None and _OPENS.match(sentence):
            lists.append((*previous, _OPENS.sub("", sentence, count=1), ""))
        for total in _TOTAL.finditer(sentence):
            lists.append((int(total.group(1)), total.group(2), sentence[total.end() :], sentence[: total.end()]))
        counts = _COUNT.findall(sentence)
        previous = (int(counts[0][0]), counts[0][1]) if len(counts) == 1 and not _APPROX.search(sentence) else None
        for amount, unit, rest, head in lists:
            if _APPROX.search(head[-40:]):
                continue
            parts, complete = _parts(rest, amount, unit)
            if len(parts) >= 2:
                found.append(StatedSum(sentence, amount, unit, tuple(parts), complete))
    return found
