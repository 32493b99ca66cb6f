"""Report titles: one definition for the crawler (is a link a report, of which year?) and the rules (which line of a
document is its title, which body and year does it name?).

A report title names the body, the year and the report: ``<body>…<year>年…政府信息公开…年度报告``, with the variants
portals use (政府信息公开年报, 信息公开年度报告, 公开年报, 年度报告 in a 年报 column, 关于2021年度政府信息公开情况的报告).
Notices *about* the reports (关于做好…年度报告工作的通知), their 解读 and 图解 are not reports, and neither is a
sentence of the preamble that names the report ("根据…编制本报告", "现将…报告如下").
"""

from __future__ import annotations

import re
import unicodedata

_SPACE = re.compile(r"[\s\u3000\xa0]+")
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_ANY_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
#: 信息公开 (工作) 年度报告 / 年报 / 工作报告 / …情况的报告, 政务公开…年度报告, 公开年报.
REPORT_WORDS = re.compile(r"信息公开.{0,8}?(?:年度报告|年报|工作报告|的报告)|政务公开.{0,8}?年度报告|公开年报")
_COLUMN_REPORT = re.compile(r"年度报告|年报")
_NOT_A_REPORT = re.compile(
    r"通知|关于做好|关于印发|指南|制度|目录|编制|报送|统计表|解读|图解|评议|考核|培训|会议|的函|意见|模板|范本"
)
# A list cuts long titles short: "次营镇人民政府2025年政府信息…" is still a report in a 年报 column.
_TRUNCATED = re.compile(r"(?:政府信息|信息公开|政务公开|年报|年度).{0,6}(?:…|\.\.\.|。。。)$")
# The title of a document: the body, year and report words, then at most a short note in brackets.
_TITLE = re.compile(r"(?P<pre>.*?)(?P<year>(?:19|20)\d{2})年度?(?P<mid>.*?)(?:政府|政务)?信息公开.*?(?:报告|年报)")
_TITLE_END = re.compile(r"(?:报告|年报)(?:[(（][^()（）]{0,16}[)）])?$")
# Sentences of the preamble that name the report: they begin like a sentence or ask to read on.
_PREAMBLE = re.compile(
    r"^(?:根据|按照|依据|依照|为|现将|现|本报告|本年度报告|特|经|我[镇乡局委办街区县]|今年)|如下|编制本|本报告"
)
_LABEL = re.compile(r"^\s*标\s*题\s*[:：]\s*")
_BREADCRUMB = (">", "›", "»", "当前位置", "所在位置", "您的位置")
_BODY_END = re.compile(r"(政府|镇|乡|街道|办事处|局|委员会|委|办公室|办|中心|院|所|队|站|厅|署|部|会|处)$")
_FOLD = re.compile(r"[\s\"'“”‘’「」『』《》〈〉*#]+")
_QUOTED = re.compile(r"《([^《》]{4,60}?(?:政府|政务)?信息公开[^《》]{0,12}?(?:报告|年报))》")


def compact(text: str) -> str:
    """``text`` without any whitespace (portals put spaces, full-width spaces and nbsp inside titles)."""
    return _SPACE.sub("", text)


def _fold(text: str) -> str:
    return _FOLD.sub("", unicodedata.normalize("NFKC", text))


def is_report_title(title: str, *, in_column: bool = False) -> bool:
    """True when a link or page title names a 政府信息公开工作年度报告 of some year.

    ``in_column``: the link was found in a 年报 column, where a bare "2025年年度报告" is a report too.
    """
    text = compact(title)
    if not _ANY_YEAR.search(text) or _NOT_A_REPORT.search(text):
        return False
    if REPORT_WORDS.search(text):
        return True
    return in_column and bool(_COLUMN_REPORT.search(text) or (_YEAR.search(text) and _TRUNCATED.search(text)))


def about_reports(title: str) -> bool:
    """True for titles of things about the reports that are not reports (notices, 解读, 图解, guides …)."""
    return bool(_NOT_A_REPORT.search(compact(title)))


def report_year(title: str | None) -> int | None:
    """The year a report covers: the year (followed by 年) nearest before the report words, else the first year."""
    if not title:
        return None
    text = compact(title)
    words = REPORT_WORDS.search(text) or _COLUMN_REPORT.search(text)
    years = list(_YEAR.finditer(text))
    if words is not None:
        before = [m for m in years if m.start() < words.start()]
        if before:
            return int(before[-1].group(1))
    if years:
        return int(years[0].group(1))
    found = _ANY_YEAR.search(text)
    return int(found.group(1)) if found else None


def is_title_line(text: str) -> bool:
    """Whether a line of a document can be the report's title: it names a 信息公开/政务公开 report, ends with the
    report words (a short bracketed note may follow), and is not a sentence, a breadcrumb or a preamble."""
    line = _LABEL.sub("", text)
    folded = _fold(line)
    return (
        6 <= len(folded) <= 80
        and ("信息公开" in folded or "政务公开" in folded)
        and _TITLE_END.search(folded) is not None
        and not _PREAMBLE.search(folded)
        and not any(mark in folded for mark in _BREADCRUMB)
        and "，" not in line
        and "," not in folded[:-1]
        and "。" not in folded
    )


_GARBLED_END = re.compile(r"(?:报告?|年报|年度报?|工作报?|告)$")


def is_garbled_title_line(text: str) -> bool:
    """Whether a line is a title whose report words came out garbled ("…2023年政府信息公开 工作告年度报"): it names
    a year and 信息公开, stops at a broken form of the report words, and is no sentence. Taken only when no line
    reads as a title."""
    folded = _fold(_LABEL.sub("", text))
    return (
        8 <= len(folded) <= 60
        and "信息公开" in folded
        and _ANY_YEAR.search(folded) is not None
        and _GARBLED_END.search(folded) is not None
        and "报" in folded[folded.index("信息公开") :]
        and not _PREAMBLE.search(folded)
        and not any(mark in folded for mark in (*_BREADCRUMB, "。", "，", ",", ":", "："))
    )


def title_text(text: str) -> str:
    """A title line without a leading 标题: label."""
    return _LABEL.sub("", text.strip())


def is_title_start(text: str) -> bool:
    """Whether a short line is the first part of a title broken over two lines ("XX镇2025年政府信息" then
    "公开工作年度报告"): it holds the year or the start of the report words but no end and no sentence."""
    folded = _fold(text)
    return (
        4 <= len(folded) <= 40
        and _TITLE_END.search(folded) is None
        and ("信息" in folded or "政务" in folded or "政府" in folded)
        and _ANY_YEAR.search(folded) is not None
        and not _PREAMBLE.search(folded)
        and not any(mark in folded for mark in ("。", "，", ",", ":", "："))
    )


# A body's name says where it is: 县, 市, 区, 镇, 乡, 街道 … ("应急管理局" or "办事处" alone names no body).
_PLACE = re.compile(r"[县市区镇乡省州旗盟村]|街道|自治|新区|开发区|管委会")


def names_place(body: str) -> bool:
    """Whether a body's name says where the body is (a bare "应急管理局" does not)."""
    return _PLACE.search(body) is not None


def names_body_only(text: str) -> bool:
    """Whether a short line is just a body's name (printed above a title that lacks it: "固阳县民政局")."""
    folded = _fold(text)
    return 2 <= len(folded) <= 25 and _BODY_END.search(folded) is not None and "、" not in folded


def body_and_year(title: str) -> tuple[str | None, int | None]:
    """The body and the year a title names ("次营镇人民政府2025年政府信息公开工作年度报告" → 次营镇人民政府, 2025)."""
    folded = _fold(title)
    match = _TITLE.search(folded)
    if not match:
        year = _YEAR.search(folded)
        if year is None:
            return None, None
        before = folded[: year.start()]
        return (before if names_body_only(before) else None), int(year.group(1))
    pre = re.sub(r"(关于|《)+$", "", match.group("pre")).lstrip("《")
    mid = re.sub(r"^(的)|(的)$", "", match.group("mid"))
    body = pre or mid or None
    return body, int(match.group("year"))


def names_all(title: str) -> bool:
    """Whether a title names both a body and a year before its report words."""
    match = _TITLE.search(_fold(title))
    return bool(match and (match.group("pre") or match.group("mid")))


def quoted_title(text: str) -> str | None:
    """The report's name quoted in a sentence ("现公布《XX镇2024年政府信息公开工作年度报告》"), if any."""
    found = _QUOTED.search(text)
    return found.group(1) if found else None


def year_named(text: str) -> int | None:
    """The report year a sentence names together with the report words ("现将我镇2025年度政府信息公开工作年度报告…"),
    or None when the sentence does not name the report."""
    folded = compact(text)
    words = REPORT_WORDS.search(folded) or re.search(r"信息公开工作", folded)
    if words is None:
        return None
    before = [m for m in _YEAR.finditer(folded) if m.start() < words.start()]
    return int(before[-1].group(1)) if before else None
