"""Word's automatic list numbering, rendered: "一、", "（二）", "3." are not in a paragraph's text when Word
numbers it, yet section headings and table rows are recognised by them.

Covers what reports use: numbering given on the paragraph or by its style, the common number formats (decimal,
Chinese counting, 甲乙丙, letters, roman, circled), level texts such as ``%1、`` and ``（%2）``, start values and
restarts of the deeper levels. Counters are kept per list (``numId``). Bullets give no label; their paragraphs
are list items.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_VAL = f"{_W}val"
_DIGITS = "零一二三四五六七八九"
_HEAVENLY = "甲乙丙丁戊己庚辛壬癸"
_ZODIAC = "子丑寅卯辰巳午未申酉戌亥"
_ROMAN = (
    (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"), (10, "X"),
    (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
)  # fmt: skip


def chinese(number: int) -> str:
    """A number in Chinese counting (一 … 十 … 九十九 … 一百二十三), as Word's ``chineseCounting`` prints it."""
    if number <= 0:
        return str(number)
    if number >= 10000:
        return str(number)
    out = ""
    for value, unit in ((1000, "千"), (100, "百"), (10, "十")):
        digit, number = divmod(number, value)
        if digit:
            out += ("" if (value == 10 and digit == 1 and not out) else _DIGITS[digit]) + unit
        elif out and number:
            out += "" if out.endswith("零") else "零"
    if number:
        out += _DIGITS[number]
    return out


def _roman(number: int) -> str:
    out = ""
    for value, letters in _ROMAN:
        while number >= value:
            out += letters
            number -= value
    return out


def _letters(number: int) -> str:
    letter = chr(ord("A") + (number - 1) % 26)
    return letter * ((number - 1) // 26 + 1)


def format_number(number: int, fmt: str) -> str:
    """One counter in a Word number format (``numFmt``)."""
    if fmt in ("chineseCounting", "chineseCountingThousand", "chineseLegalSimplified", "taiwaneseCounting"):
        return chinese(number)
    if fmt == "ideographTraditional" and 1 <= number <= 10:
        return _HEAVENLY[number - 1]
    if fmt == "ideographZodiac" and 1 <= number <= 12:
        return _ZODIAC[number - 1]
    if fmt == "upperLetter":
        return _letters(number)
    if fmt == "lowerLetter":
        return _letters(number).lower()
    if fmt == "upperRoman":
        return _roman(number)
    if fmt == "lowerRoman":
        return _roman(number).lower()
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese") and 1 <= number <= 20:
        return chr(0x2460 + number - 1)
    if fmt == "decimalFullWidth":
        return "".join(chr(ord(d) - ord("0") + 0xFF10) for d in str(number))
    if fmt == "decimalZero":
        return f"{number:02d}"
    if fmt == "none":
        return ""
    return str(number)


@dataclass(frozen=True)
class _Level:
    fmt: str = "decimal"
    text: str = "%1."
    start: int = 1
    legal: bool = False


@dataclass
class Numbering:
    """The lists of a document and their running counters."""

    lists: dict[str, dict[int, _Level]] = field(default_factory=dict)
    starts: dict[str, dict[int, int]] = field(default_factory=dict)
    style_numbers: dict[str, tuple[str, int]] = field(default_factory=dict)
    counters: dict[str, list[int]] = field(default_factory=dict)

    @classmethod
    def of(cls, word: Any) -> Numbering:
        """The numbering definitions of a python-docx Document (none when it has no numbering part)."""
        numbering = cls()
        try:
            root = word.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            root = None
        if root is not None:
            abstract: dict[str, dict[int, _Level]] = {}
            for element in root.iterchildren(f"{_W}abstractNum"):
                abstract[element.get(f"{_W}abstractNumId", "")] = _levels(element)
            for element in root.iterchildren(f"{_W}num"):
                num_id = element.get(f"{_W}numId", "")
                ref = element.find(f"{_W}abstractNumId")
                levels = dict(abstract.get(ref.get(_VAL, "") if ref is not None else "", {}))
                starts: dict[int, int] = {}
                for override in element.iterchildren(f"{_W}lvlOverride"):
                    ilvl = _int(override.get(f"{_W}ilvl"), 0)
                    start = override.find(f"{_W}startOverride")
                    if start is not None:
                        starts[ilvl] = _int(start.get(_VAL), 1)
                    redefined = override.find(f"{_W}lvl")
                    if redefined is not None:
                        levels[ilvl] = _level(redefined)
                numbering.lists[num_id] = levels
                numbering.starts[num_id] = starts
        for style in word.styles.element.iterchildren(f"{_W}style"):
            num_pr = style.find(f"{_W}pPr/{_W}numPr")
            if num_pr is not None:
                num_id = num_pr.find(f"{_W}numId")
                ilvl = num_pr.find(f"{_W}ilvl")
                if num_id is not None:
                    numbering.style_numbers[style.get(f"{_W}styleId", "")] = (
                        num_id.get(_VAL, ""),
                        _int(ilvl.get(_VAL) if ilvl is not None else None, 0),
                    )
        return numbering

    def label(self, p: Any) -> tuple[str, bool]:
        """The number Word shows before paragraph ``p`` (advancing the counters) and whether it is a bullet."""
        num_pr = p.find(f"{_W}pPr/{_W}numPr")
        num_id, ilvl = "", 0
        if num_pr is not None:
            found = num_pr.find(f"{_W}numId")
            level = num_pr.find(f"{_W}ilvl")
            num_id = found.get(_VAL, "") if found is not None else ""
            ilvl = _int(level.get(_VAL) if level is not None else None, 0)
        else:
            style = p.find(f"{_W}pPr/{_W}pStyle")
            if style is not None and style.get(_VAL, "") in self.style_numbers:
                num_id, ilvl = self.style_numbers[style.get(_VAL, "")]
        levels = self.lists.get(num_id)
        if not levels or num_id == "0" or not 0 <= ilvl < 9:
            return "", False
        definition = levels.get(ilvl, _Level())
        if definition.fmt == "bullet":
            return "", True
        starts = self.starts.get(num_id, {})
        counters = self.counters.setdefault(num_id, [0] * 9)
        if counters[ilvl] == 0:
            counters[ilvl] = starts.get(ilvl, definition.start)
        else:
            counters[ilvl] += 1
        for deeper in range(ilvl + 1, 9):
            counters[deeper] = 0
        text = definition.text
        for level in range(ilvl, -1, -1):
            placeholder = f"%{level + 1}"
            if placeholder in text:
                own = levels.get(level, _Level())
                value = counters[level] or starts.get(level, own.start)
                fmt = "decimal" if definition.legal and own.fmt != "decimal" else own.fmt
                text = text.replace(placeholder, format_number(value, fmt))
        return text, False


def _int(value: str | None, default: int) -> int:
    return int(value) if value is not None and value.lstrip("-").isdigit() else default


def _level(element: Any) -> _Level:
    fmt = element.find(f"{_W}numFmt")
    text = element.find(f"{_W}lvlText")
    start = element.find(f"{_W}start")
    return _Level(
        fmt=fmt.get(_VAL, "decimal") if fmt is not None else "decimal",
        text=text.get(_VAL, "") if text is not None else "",
        start=_int(start.get(_VAL) if start is not None else None, 1),
        legal=element.find(f"{_W}isLgl") is not None,
    )


def _levels(abstract: Any) -> dict[int, _Level]:
    return {_int(lvl.get(f"{_W}ilvl"), 0): _level(lvl) for lvl in abstract.iterchildren(f"{_W}lvl")}
