"""The annual-report formats as data: the national format (国办公开办函〔2021〕30号), the 2019 trial format
(国办公开办函〔2019〕60号) and the reports of the 2008 条例 (report years up to 2018), and which is in force for
which report year (:func:`format_in_force`).

Every label the parser matches and every label a message prints comes from here. Keywords are matched
against labels folded by :func:`rules.labels.norm` (half-width brackets, no spaces or quotes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class SectionSpec:
    """One of the six sections: its number, canonical title and the patterns that accept a heading."""

    number: str
    title: str
    accept: re.Pattern[str]

    @property
    def heading(self) -> str:
        """The canonical heading, e.g. ``一、总体情况``."""
        return f"{self.number}、{self.title}"


SECTIONS: tuple[SectionSpec, ...] = (
    SectionSpec("一", "总体情况", re.compile(r"总体情况|工作基本情况|基本工作情况|基本情况|概述")),
    SectionSpec("二", "主动公开政府信息情况", re.compile(r"^(?!.*申请).*主动公开.*情况")),
    SectionSpec(
        "三",
        "收到和处理政府信息公开申请情况",
        re.compile(r"(收到|受理).*(处理|办理).*申请|申请.*(收到|受理).*处理|依申请公开.*办理"),
    ),
    SectionSpec(
        "四",
        "政府信息公开行政复议、行政诉讼情况",
        re.compile(r"行政复议.*行政诉讼|复议.*诉讼"),
    ),
    SectionSpec("五", "存在的主要问题及改进情况", re.compile(r"问题.*(改进|整改)|存在.*问题")),
    SectionSpec("六", "其他需要报告的事项", re.compile(r"其[他它]需要?报告")),
)

SECTION_BY_NUMBER = {spec.number: spec for spec in SECTIONS}
CHINESE_NUMBERS = "一二三四五六七八九十"


@dataclass(frozen=True)
class RowSpec:
    """A data row of a table: a stable key, the label printed in messages, how to recognise it."""

    key: str
    label: str
    keywords: tuple[str, ...]
    group: str | None = None
    item: int | None = None


@dataclass(frozen=True)
class ColumnSpec:
    """A data column: stable key, the label printed in messages, the folded header texts that name it, and what
    its cells hold: ``count`` (a non-negative integer), ``amount`` (a non-negative sum of money) or ``change``
    (an integer that may be negative: the trial format's 本年增/减)."""

    key: str
    label: str
    names: tuple[str, ...]
    value: str = "count"


# --- 表三 -------------------------------------------------------------------------------------------

T3_COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("natural", "自然人", ("自然人",)),
    ColumnSpec("business", "商业企业", ("商业企业",)),
    ColumnSpec("research", "科研机构", ("科研机构",)),
    ColumnSpec("public", "社会公益组织", ("社会公益组织",)),
    ColumnSpec("legal", "法律服务机构", ("法律服务机构",)),
    ColumnSpec("other", "其他", ("其他", "其它")),
    ColumnSpec("total", "总计", ("总计", "合计")),
)
T3_APPLICANTS = tuple(c.key for c in T3_COLUMNS if c.key != "total")
T3_COLUMN = {c.key: c for c in T3_COLUMNS}

T3_GROUPS: dict[str, tuple[str, str]] = {
    # group number → (label, keyword)
    "三": ("（三）不予公开", "不予公开"),
    "四": ("（四）无法提供", "无法提供"),
    "五": ("（五）不予处理", "不予处理"),
    "六": ("（六）其他处理", "其他处理"),
}


def _item(group: str, item: int, text: str, *keywords: str) -> RowSpec:
    return RowSpec(f"{group}.{item}", f"{T3_GROUPS[group][0]} {item}.{text}", keywords, group, item)


T3_ROWS: tuple[RowSpec, ...] = (
    RowSpec("new", "一、本年新收政府信息公开申请数量", ("本年新收",)),
    RowSpec("carried_in", "二、上年结转政府信息公开申请数量", ("上年结转",)),
    RowSpec("open", "（一）予以公开", ("予以公开",)),
    RowSpec("partial", "（二）部分公开", ("部分公开",)),
    _item("三", 1, "属于国家秘密", "国家秘密"),
    _item("三", 2, "其他法律行政法规禁止公开", "法律行政法规禁止", "法律法规禁止", "禁止公开"),
    _item("三", 3, "危及“三安全一稳定”", "三安全一稳定", "三安全"),
    _item("三", 4, "保护第三方合法权益", "第三方合法权益", "第三方"),
    _item("三", 5, "属于三类内部事务信息", "内部事务"),
    _item("三", 6, "属于四类过程性信息", "过程性信息", "过程性"),
    _item("三", 7, "属于行政执法案卷", "执法案卷"),
    _item("三", 8, "属于行政查询事项", "行政查询", "查询事项"),
    _item("四", 1, "本机关不掌握相关政府信息", "不掌握"),
    _item("四", 2, "没有现成信息需要另行制作", "没有现成", "另行制作"),
    _item("四", 3, "补正后申请内容仍不明确", "补正后", "仍不明确"),
    _item("五", 1, "信访举报投诉类申请", "信访举报", "投诉类"),
    _item("五", 2, "重复申请", "重复申请"),
    _item("五", 3, "要求提供公开出版物", "公开出版物", "出版物"),
    _item("五", 4, "无正当理由大量反复申请", "大量反复", "反复申请"),
    _item("五", 5, "要求行政机关确认或重新出具已获取信息", "重新出具", "已获取信息", "确认或"),
    _item("六", 1, "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", "逾期不补正", "不补正"),
    _item("六", 2, "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", "收费通知", "缴纳费用"),
    _item("六", 3, "其他", "其他", "其它"),
    RowSpec("total", "（七）总计", ("总计",)),
    RowSpec("carried_out", "四、结转下年度继续办理", ("结转下年",)),
)
T3_ROW = {r.key: r for r in T3_ROWS}
T3_RESULT_ROWS = tuple(r.key for r in T3_ROWS if r.key not in ("new", "carried_in", "total", "carried_out"))

# The 2019 trial format has （六）其他处理 as a single row.
T3_ROWS_TRIAL: tuple[RowSpec, ...] = (
    *tuple(r for r in T3_ROWS if r.group != "六")[:-2],
    RowSpec("六", "（六）其他处理", ("其他处理",), "六"),
    T3_ROW["total"],
    T3_ROW["carried_out"],
)
T3_RESULT_ROWS_TRIAL = tuple(r.key for r in T3_ROWS_TRIAL if r.key not in ("new", "carried_in", "total", "carried_out"))

# --- 表四 -------------------------------------------------------------------------------------------

T4_GROUPS: tuple[ColumnSpec, ...] = (
    ColumnSpec("review", "行政复议", ("行政复议",)),
    ColumnSpec("direct", "行政诉讼·未经复议直接起诉", ("未经复议直接起诉", "直接起诉")),
    ColumnSpec("after_review", "行政诉讼·复议后起诉", ("复议后起诉",)),
)
T4_RESULTS: tuple[ColumnSpec, ...] = (
    ColumnSpec("upheld", "结果维持", ("结果维持", "维持")),
    ColumnSpec("corrected", "结果纠正", ("结果纠正", "纠正")),
    ColumnSpec("other", "其他结果", ("其他结果", "其它结果")),
    ColumnSpec("pending", "尚未审结", ("尚未审结",)),
    ColumnSpec("total", "总计", ("总计", "合计")),
)
T4_WIDTH = len(T4_GROUPS) * len(T4_RESULTS)

# --- 表二 -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PartSpec:
    """One of 表二's four small tables (第二十条第（X）项)."""

    key: str
    name: str
    columns: tuple[ColumnSpec, ...]
    rows: tuple[RowSpec, ...]


T2_PARTS: tuple[PartSpec, ...] = (
    PartSpec(
        "一",
        "表二（一）",
        (
            ColumnSpec("made", "本年制发件数", ("本年制发件数", "本年制发")),
            ColumnSpec("repealed", "本年废止件数", ("本年废止件数", "本年废止")),
            ColumnSpec("in_force", "现行有效件数", ("现行有效件数", "现行有效件", "现行有效")),
        ),
        (
            RowSpec("rules", "规章", ("规章",)),
            RowSpec("normative", "行政规范性文件", ("行政规范性文件", "规范性文件")),
        ),
    ),
    PartSpec(
        "五",
        "表二（五）",
        (ColumnSpec("decisions", "本年处理决定数量", ("本年处理决定数量", "处理决定数量")),),
        (RowSpec("licensing", "行政许可", ("行政许可",)),),
    ),
    PartSpec(
        "六",
        "表二（六）",
        (ColumnSpec("decisions", "本年处理决定数量", ("本年处理决定数量", "处理决定数量")),),
        (RowSpec("penalty", "行政处罚", ("行政处罚",)), RowSpec("coercion", "行政强制", ("行政强制",))),
    ),
    PartSpec(
        "八",
        "表二（八）",
        (ColumnSpec("fees", "本年收费金额（单位：万元）", ("本年收费金额",), "amount"),),
        (RowSpec("charges", "行政事业性收费", ("行政事业性收费", "行政事业型收费")),),
    ),
    # The trial format only (第二十条第（九）项): its presence in a 2021+ report is a trial marker.
    PartSpec(
        "九",
        "表二（九）",
        (ColumnSpec("count", "采购项目数量", ("采购项目数量",)), ColumnSpec("amount", "采购总金额", ("采购总金额",), "amount")),
        (RowSpec("procurement", "政府集中采购", ("政府集中采购",)),),
    ),
)
T2_PART = {p.key: p for p in T2_PARTS}

_PREVIOUS_ITEMS = ColumnSpec("previous", "上一年项目数量", ("上一年项目数量",))
_CHANGE = ColumnSpec("change", "本年增/减", ("本年增/减", "本年增减"), "change")
#: Rows the trial format's 表二 has beyond the 2021 format's.
T2_TRIAL_ROWS: tuple[RowSpec, ...] = (RowSpec("other_services", "其他对外管理服务事项", ("其他对外管理服务事项",)),)

#: The trial format's 表二 columns (国办公开办函〔2019〕60号), part by part.
T2_TRIAL_COLUMNS: dict[str, tuple[ColumnSpec, ...]] = {
    "一": (
        ColumnSpec("made", "本年新制作数量", ("本年新制作数量", "本年新制作")),
        ColumnSpec("published", "本年新公开数量", ("本年新公开数量", "本年新公开")),
        ColumnSpec("in_force", "对外公开总数量", ("对外公开总数量",)),
    ),
    "五": (_PREVIOUS_ITEMS, _CHANGE, ColumnSpec("decisions", "处理决定数量", ("处理决定数量",))),
    "六": (_PREVIOUS_ITEMS, _CHANGE, ColumnSpec("decisions", "处理决定数量", ("处理决定数量",))),
    "八": (_PREVIOUS_ITEMS, _CHANGE),
    "九": T2_PART["九"].columns,
}
T2_TRIAL_WIDTH = {key: len(columns) for key, columns in T2_TRIAL_COLUMNS.items()}


def t2_columns(part: str, *, trial: bool) -> tuple[ColumnSpec, ...]:
    """The columns of 表二's part ``part`` in the 2021 format or, with ``trial``, in the trial format."""
    return T2_TRIAL_COLUMNS[part] if trial else T2_PART[part].columns


#: Markers of the superseded 2019 trial format, looked for in table headers only.
TRIAL_MARKERS: tuple[str, ...] = (
    "本年新制作数量",
    "本年新公开数量",
    "对外公开总数量",
    "上一年项目数量",
    "本年增/减",
    "本年增减",
    "第二十条第(九)项",
    "政府集中采购",
    "其他对外管理服务事项",
    "采购项目数量",
    "采购总金额",
)

#: Markers of the 2021 format's 表二 headers.
FORMAT_2021_MARKERS: tuple[str, ...] = ("本年制发件数", "本年废止件数", "现行有效件数", "本年处理决定数量", "本年收费金额")

#: Label deviations worth an info finding (S112): folded text → (what was printed, what the format says, the
#: formats whose labels it deviates from: "规范性文件" is the 2021 format's deviation but the trial format's own label).
_BOTH = ("2021", "2019-trial")
LABEL_DEVIATIONS: tuple[tuple[re.Pattern[str], str, str, tuple[str, ...]], ...] = (
    (re.compile(r"^规范性文件$"), "规范性文件", "行政规范性文件", ("2021",)),
    (re.compile(r"\(单位:元\)"), "（单位：元）", "（单位：万元）", ("2021",)),
    (re.compile(r"^现行有效件$"), "现行有效件", "现行有效件数", ("2021",)),
    (re.compile(r"^本年发件$"), "本年发件", "本年制发件数", ("2021",)),
    (re.compile(r"^行政事业型收费$"), "行政事业型收费", "行政事业性收费", _BOTH),
    # A local template's note printed into the label: "规章(县级无此项)".
    (re.compile(r"^规章\(.+\)$"), "规章（附注）", "规章", _BOTH),
    (re.compile(r"^(?:行政)?规范性文件\(.+\)$"), "规范性文件（附注）", "行政规范性文件", _BOTH),
)

FORMAT_2021_BASIS = "国办公开办函〔2021〕30号"


# --- the formats in force over the years -----------------------------------------------------------------------


@dataclass(frozen=True)
class TopicSpec:
    """A part the 2008 条例 (第三十二条) required, as a topic: present when a heading or a sentence covers it."""

    key: str
    title: str
    mention: re.Pattern[str]


#: The six topics of a report under the 2008 条例 (report years up to 2018).
TOPICS_2008: tuple[TopicSpec, ...] = (
    TopicSpec("active", "主动公开政府信息的情况", re.compile(r"主动公开")),
    TopicSpec("request", "依申请公开政府信息和不予公开政府信息的情况", re.compile(r"依申请|申请公开|公开申请")),
    TopicSpec("fees", "政府信息公开的收费及减免情况", re.compile(r"收费|减免|收取.{0,8}费|费用")),
    TopicSpec("review", "因政府信息公开申请行政复议、提起行政诉讼的情况", re.compile(r"行政复议|行政诉讼|复议|诉讼")),
    TopicSpec("problems", "政府信息公开工作存在的主要问题及改进情况", re.compile(r"问题|不足")),
    TopicSpec("other", "其他需要报告的事项", re.compile(r"其[他它]需要?报告|其[他它]事项")),
)


@dataclass(frozen=True)
class ReportFormat:
    """What the law and the national format required of a report for a span of report years.

    ``sections``: the six numbered sections with prescribed headings (2019 and later); ``topics``: the topics of
    the 2008 条例 (before 2019), reported as a warning when absent; ``tables``: the table kinds required
    (``t2.一`` … ``t3``, ``t4``), none before 2019; ``t2_parts``: the parts of 表二 the format has.
    """

    key: str
    name: str
    first_year: int | None
    last_year: int | None
    sections: tuple[SectionSpec, ...] = ()
    topics: tuple[TopicSpec, ...] = ()
    tables: tuple[str, ...] = ()
    t2_parts: tuple[str, ...] = ()
    deadlines: tuple[tuple[str, int, int, bool], ...] = ()

    def deadline(self, body_type: str) -> tuple[int, int, bool]:
        """(month, day, statutory) of the year after the report year by which a body of ``body_type`` publishes."""
        for kind, month, day, statutory in self.deadlines:
            if kind in (body_type, "*"):
                return month, day, statutory
        raise KeyError(body_type)

    @property
    def fixed_tables(self) -> bool:
        """Whether the format prescribes tables (and so their rows, columns and arithmetic)."""
        return bool(self.tables)

    def covers(self, year: int) -> bool:
        """Whether the format is the one in force for report year ``year``."""
        return (self.first_year is None or year >= self.first_year) and (self.last_year is None or year <= self.last_year)


# 条例 (2008) 第三十一条: every body by 31 March. 条例 (2019) 第四十九条: departments by 31 January, county
# governments by 31 March; towns by the county's notice (31 January unless the county says otherwise).
_DEADLINES_2008 = (("*", 3, 31, True),)
_DEADLINES_2019 = (("department", 1, 31, True), ("county", 3, 31, True), ("town", 1, 31, False))

FORMAT_2008 = ReportFormat(
    "pre-2019", "2008年《政府信息公开条例》第三十二条", None, 2018, topics=TOPICS_2008, deadlines=_DEADLINES_2008
)
FORMAT_TRIAL = ReportFormat(
    "2019-trial",
    "国办公开办函〔2019〕60号（试行格式）",
    2019,
    2020,
    sections=SECTIONS,
    tables=("t2.一", "t2.五", "t2.六", "t2.八", "t2.九", "t3", "t4"),
    t2_parts=("一", "五", "六", "八", "九"),
    deadlines=_DEADLINES_2019,
)
FORMAT_2021 = ReportFormat(
    "2021",
    "国办公开办函〔2021〕30号",
    2021,
    None,
    sections=SECTIONS,
    tables=("t2.一", "t2.五", "t2.六", "t2.八", "t3", "t4"),
    t2_parts=("一", "五", "六", "八"),
    deadlines=_DEADLINES_2019,
)
#: The formats by key, oldest first.
FORMATS: dict[str, ReportFormat] = {f.key: f for f in (FORMAT_2008, FORMAT_TRIAL, FORMAT_2021)}


def format_in_force(year: int | None) -> ReportFormat | None:
    """The format in force for report year ``year`` (None when the year is unknown)."""
    if year is None:
        return None
    return next(f for f in FORMATS.values() if f.covers(year))
