"""Where each registered body stands for a report year: on time, late, missing, not yet due; open findings.

The one definition used by the demo table, the dashboard and the weekly digest. A body's report is the earliest
dated document attributed to it (by the crawler or by the check) for the year. Without a publication date (no
page, list or URL gave one) the day it was first seen is an upper bound, as template.md says: first seen by the
deadline is on time, after it the status is uncertain (发布日期无法确定), never late. A year whose only listed
document cannot be opened is 链接无法打开 (D606), never 逾期未公开.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from documents.dates import FIRST_SEEN
from monitor.store.findings import FindingView, view
from monitor.store.models import Body, Finding
from monitor.store.notify_queries import findings_as_of, publications, unreachable_listings

STATUS_ZH = {
    "on_time": "按时公开",
    "late": "逾期公开",
    "missing": "逾期未公开",
    "pending": "未到期限",
    "uncertain": "发布日期无法确定",
    "unreachable": "链接无法打开",
}

#: A crawl run's status as the digest and the dashboard name it.
CRAWL_STATUS_ZH = {"finished": "正常", "failed": "失败", "running": "进行中"}

_FAR_FUTURE = datetime(9999, 1, 1, tzinfo=ZoneInfo("UTC"))
_UNRESOLVED = ("open", "acknowledged")


@dataclass(frozen=True)
class BodyStatus:
    """One body's standing for one report year."""

    body_id: str
    name: str
    type: str
    year: int
    deadline: date
    status: str  # on_time | late | missing | pending | uncertain | unreachable
    published_on: date | None
    url: str | None
    errors: int
    warnings: int
    infos: int = 0
    seen_on: date | None = None  # without a publication date: the day the report was first seen (an upper bound)

    @property
    def days_late(self) -> int | None:
        """Days after the deadline the report was published (None unless late)."""
        if self.status != "late" or self.published_on is None:
            return None
        return (self.published_on - self.deadline).days

    @property
    def status_zh(self) -> str:
        """The status in the office's words."""
        if self.days_late:
            return f"{STATUS_ZH['late']}（{self.days_late}天）"
        if self.status == "uncertain" and self.seen_on is not None:
            return f"{STATUS_ZH['uncertain']}，首次发现于{self.seen_on.isoformat()}"
        return STATUS_ZH[self.status]


def standing(published: date | None, deadline: date, today: date, *, seen: date | None = None, unreachable: bool = False) -> str:
    """The status of a report published on ``published`` (None: no publication date known) against ``deadline``,
    seen ``today``. ``seen``: without a publication date, the day it was first seen, an upper bound: by the
    deadline is on time, after it is uncertain (never late). ``unreachable``: only a listed link that cannot be
    opened was found (never 逾期未公开)."""
    if published is not None:
        return "late" if published > deadline else "on_time"
    if seen is not None:
        return "on_time" if seen <= deadline else "uncertain"
    if unreachable:
        return "unreachable"
    return "missing" if today > deadline else "pending"


def body_statuses(
    session: Session,
    deadlines: dict[str, date],
    year: int,
    today: date,
    *,
    tz: str = "Asia/Shanghai",
    before: datetime | None = None,
) -> list[BodyStatus]:
    """The standing of every active body with a deadline in ``deadlines`` (body id → its date for ``year``).

    ``before`` looks at the store as it was then (documents first seen earlier, findings in the state they had),
    for a past week's digest; the finding counts are of unresolved findings of ``year``.
    """
    moment = before or _FAR_FUTURE
    found = publications(session, year, moment)
    dead = unreachable_listings(session, year, moment)
    counts: dict[str, dict[str, int]] = {}
    for finding in findings_as_of(session, before) if before is not None else _current(session, year):
        if finding.year == year and finding.body_id is not None and finding.state in _UNRESOLVED:
            mine = counts.setdefault(finding.body_id, {})
            mine[finding.severity] = mine.get(finding.severity, 0) + 1
    out = []
    for body in session.scalars(select(Body).where(Body.active.is_(True)).order_by(Body.type, Body.id)):
        deadline = deadlines.get(body.id)
        if deadline is None:
            continue
        report = found.get(body.id)
        published = seen = None
        if report is not None and report.published_on is not None and report.published_from != FIRST_SEEN:
            published = report.published_on
        elif report is not None:
            seen = report.published_on or report.first_seen.astimezone(ZoneInfo(tz)).date()
        listed = dead.get(body.id)
        mine = counts.get(body.id, {})
        out.append(
            BodyStatus(
                body.id,
                body.name,
                body.type,
                year,
                deadline,
                standing(published, deadline, today, seen=seen, unreachable=listed is not None),
                published,
                report.url if report else listed,
                mine.get("error", 0),
                mine.get("warning", 0),
                mine.get("info", 0),
                seen,
            )
        )
    return out


def _current(session: Session, year: int) -> list[FindingView]:
    query = select(Finding).where(Finding.year == year, Finding.state.in_(_UNRESOLVED), Finding.body_id.is_not(None))
    return [view(f) for f in session.scalars(query)]


_REASONS_ZH = (
    ("HTTP 404", "网页不存在（404）"),
    ("HTTP 410", "网页已删除（410）"),
    ("HTTP 5", "网站服务器出错"),
    ("HTTP 403", "网站拒绝访问（403）"),
    ("timed out", "连接超时"),
    ("connection refused", "网站拒绝连接"),
    ("host not found", "域名无法解析"),
    ("redirect loop", "网页循环跳转"),
    ("connection closed", "传输中断"),
    ("the page says it does not exist", "网页显示“页面不存在”"),
    ("not a web page", "打开的不是网页"),
    ("outside the configured domains", "地址不在配置允许抓取的网站范围内"),
    ("no answer", "没有应答"),
)
_EMPTY = re.compile(r"column empty: listed 0 reports, the last run listed (\d+)")
_MOVED = "moved: redirected to "


def reason_zh(reason: str | None) -> str:
    """A crawl failure reason of a page or a column (``HTTP 404``, ``timed out after 30s``, ``moved: redirected to
    …``, ``column empty: …`` …) as the office reads it."""
    text = reason or ""
    empty = _EMPTY.match(text)
    if empty:
        return f"栏目中没有任何年报（上次抓取有{empty.group(1)}份）"
    if text.startswith(_MOVED):
        return f"栏目地址跳转到了其他页面（{text.removeprefix(_MOVED)}）"
    for prefix, words in _REASONS_ZH:
        if text.startswith(prefix):
            return words
    return f"无法打开（{reason}）" if reason else "无法打开"


_RUN_REASONS_ZH = (
    ("time limit", "抓取超过时间限制，没有完成"),
    ("crawler error", "抓取程序出错"),
    ("crawler exited", "抓取程序异常退出"),
    ("crawler ended without recording the run", "抓取程序没有记录结果就结束了"),
)
_COLUMN = "column unavailable: "
_MORE = re.compile(r" \(\+(\d+) more\)$")


def column_run_reason(url: str, problem: str, others: int = 0) -> str:
    """The ``finish_reason`` of a run that could not read the configured column ``url`` (``others``: how many more
    columns it could not read either)."""
    more = f" (+{others} more)" if others else ""
    return f"{_COLUMN}{url}: {problem}{more}"[:200]


def unavailable_column(reason: str | None) -> tuple[str, str, int] | None:
    """(column URL, problem, further columns) of a run reason written by :func:`column_run_reason`; None for any
    other reason."""
    text = reason or ""
    if not text.startswith(_COLUMN):
        return None
    url, _, problem = text.removeprefix(_COLUMN).partition(": ")
    more = _MORE.search(problem)
    return url, problem[: more.start()] if more else problem, int(more.group(1)) if more else 0


def run_reason_zh(reason: str | None) -> str:
    """Why a crawl run failed (its ``finish_reason``) as the office reads it: a column that could not be read
    (with :func:`reason_zh` of its problem), the time limit, the crawler's own error; a reason already in Chinese
    (a run the service stopped) as it is."""
    text = reason or ""
    column = unavailable_column(text)
    if column is not None:
        _url, problem, others = column
        extra = f"，另有{others}个栏目也无法读取" if others else ""
        return f"年报栏目无法读取：{reason_zh(problem)}{extra}"
    for prefix, words in _RUN_REASONS_ZH:
        if text.startswith(prefix):
            return words
    if text and not text.isascii():
        return text
    return f"抓取失败（{reason}）" if reason else "抓取失败"
