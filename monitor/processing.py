"""Processing: fetched document versions → checked reports → findings reconciled, events and notifications.

Every step is a stored hand-off: a version is ``fetched`` until one transaction records its report, the
findings of its body and year, their events and outbox rows, and marks it ``checked``. Re-running changes
nothing: same fingerprints, no new events.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, cast

from crawler.attribution import BodyMatcher
from documents import ExtractionError, extract
from documents.dates import FIRST_SEEN
from monitor.clock import Clock, local_date, reporting_year
from monitor.config import Body, Config
from monitor.store import Store
from monitor.store.faults import fault
from monitor.store.findings import FindingInput, Reconciled, combine, open_scopes, reconcile, set_finding_documents
from monitor.store.outbox import OutboxDraft, add_drafts
from monitor.store.registry import (
    PendingVersion,
    UnreachableDocument,
    checked_versions,
    crawl_in_progress,
    current_versions,
    earlier_checked_version,
    first_crawled_at,
    mark_unreadable,
    pending_versions,
    previous_report_sha,
    reattribute,
    save_report,
    set_document_body,
    stored_attributions,
    unreachable_documents,
)
from monitor.store.review import ReviewInput, record_review_items
from monitor.store.status import reason_zh
from rules import Context, NotAReportError, parse_report, run_rules
from rules.report import AnnualReport
from rules.rule import BodyType
from rules.runner import fingerprint

log = logging.getLogger("nianbao.processing")

Policy = Callable[[Reconciled], list[OutboxDraft]]


@dataclass
class ProcessStats:
    """What one processing pass did."""

    checked: int = 0
    unreadable: int = 0
    deferred: int = 0
    opened: int = 0
    resolved: int = 0
    reopened: int = 0
    errors: list[str] = field(default_factory=list)


def deadline_for(config: Config, body: Body, year: int) -> tuple[date, bool]:
    """The body's deadline for a report on ``year`` and whether it is statutory (see ``Config.deadline_for``)."""
    return config.deadline_for(body, year)


def sync(store: Store, config: Config) -> None:
    """Bring the registry tables in step with the configuration."""
    store.crawl.sync(config)


def is_backlog(year: int | None, fetched_at: datetime, first_crawl: datetime | None, today: date) -> bool:
    """True for a report that is history, not news: of a year before the current reporting year, and fetched on
    the body's first crawl (``first_crawl`` None: that crawl has not finished yet). Its findings are stored and
    shown but never pushed; a report published or changed later is news whatever its year."""
    if year is None or year >= reporting_year(today):
        return False
    return first_crawl is None or fetched_at <= first_crawl


@dataclass
class _Parsed:
    version: PendingVersion
    report: AnnualReport


class Processor:
    """Checks pending versions and reconciles findings; ``policy`` turns changes into outbox drafts."""

    def __init__(self, store: Store, config: Config, clock: Clock, policy: Policy | None = None) -> None:
        self.store = store
        self.config = config
        self.clock = clock
        self.policy = policy
        self.bodies = {b.id: b for b in config.bodies}
        self.matcher = BodyMatcher(config.bodies)
        self.cause = "check"
        self._ocr: bool | None = None  # the run's share of the pending versions (see :meth:`run`)

    def match_body(self, report: AnnualReport) -> Body | None:
        """The registered body a report names (its body line, else its title), by the crawler's one matcher."""
        for text in (report.body, report.title):
            found = self.matcher.in_text(text)
            if found is not None:
                return self.bodies[found]
        return None

    def _parse(self, version: PendingVersion) -> AnnualReport:
        data = self.store.blobs.get(version.sha256)
        fault("check.extraction")
        return parse_report(extract(data, content_type=version.content_type))

    def _previous(self, body_id: str, year: int) -> AnnualReport | None:
        with self.store.db.transaction() as session:
            sha = previous_report_sha(session, body_id, year - 1)
        if sha is None:
            return None
        try:
            return parse_report(extract(self.store.blobs.get(sha)))
        except (ExtractionError, NotAReportError, FileNotFoundError):
            return None

    def run(self, limit: int = 100, *, ocr: bool | None = None) -> ProcessStats:
        """Check up to ``limit`` pending versions (``ocr``: only those needing OCR, or only the others)."""
        stats = ProcessStats()
        self._ocr = ocr
        with self.store.db.transaction() as session:
            pending = pending_versions(session, limit, ocr=ocr)
        for version in pending:
            try:
                self._one(version, stats)
            except Exception as exc:  # one bad document must not stop the others; it stays pending
                log.exception("processing version %s (%s) failed", version.version_id, version.url)
                stats.errors.append(f"{version.url}: {type(exc).__name__}: {exc}")
        return stats

    def recheck_all(self) -> ProcessStats:
        """Check every stored report again (after a rules upgrade); changes only what changed."""
        return self.recheck()

    def recheck(self, body_id: str | None = None, year: int | None = None) -> ProcessStats:
        """Attribute stored documents again (after a change of names or aliases) and check them again, all of them
        or those of one body and/or year; unreadable ones are read again too. Findings keep their identity: the
        same finding is not opened twice, nothing unchanged is resolved, reopened or pushed again."""
        stats = ProcessStats()
        now = self.clock.now()
        self.cause = "recheck"
        with self.store.db.transaction() as session:
            self._reattribute(session, now)
            versions = checked_versions(session, states=("checked", "failed"))
        done: set[tuple[str | None, int | None, int | None]] = set()
        for version in versions:
            if body_id is not None and version.body_id not in (body_id, None):
                continue
            if year is not None and version.year not in (year, None):
                continue
            key = (version.body_id, version.year, None if version.body_id else version.document_id)
            if key in done:
                continue
            done.add(key)
            try:
                self._one(version, stats)
            except Exception as exc:  # one bad document must not stop the others
                log.exception("re-checking version %s (%s) failed", version.version_id, version.url)
                stats.errors.append(f"{version.url}: {type(exc).__name__}: {exc}")
        self.cause = "check"
        self.reconcile_unreachable()
        return stats

    def _reattribute(self, session: Any, now: datetime) -> None:
        """Documents named by their title go to the body that name now belongs to; a document of a body no longer
        configured is left without one, for the check to find its body in the report."""
        for stored in stored_attributions(session):
            known = stored.body_id in self.bodies
            found = self.matcher.in_text(stored.title)
            if found is not None and found != stored.body_id and (not known or stored.body_from in (None, "title")):
                reattribute(session, stored.document_id, found, "title", now)
            elif found is None and stored.body_id is not None and not known:
                reattribute(session, stored.document_id, None, None, now)

    def reconcile_unreachable(self) -> ProcessStats:
        """D606 for every listed document that cannot be opened; resolved when it opens again (the crawler sets
        documents ``unreachable`` and back to ``active``). A past year's dead link found on the first crawl is
        history like a past year's report: stored and shown, not pushed."""
        stats = ProcessStats()
        now = self.clock.now()
        today = local_date(now, self.config.timezone)
        with self.store.db.transaction() as session:
            groups: dict[tuple[str | None, int | None, int | None], list[tuple[FindingInput, int, bool]]] = {}
            for doc in unreachable_documents(session):
                body = self.bodies.get(doc.body_id or "")
                key = (body.id, doc.year, None) if body is not None else (None, doc.year, doc.document_id)
                since = doc.failing_since or doc.first_seen
                first_crawl = first_crawled_at(session, body.id) if body is not None else None
                backlog = is_backlog(doc.year, since, first_crawl, today)
                groups.setdefault(key, []).append(
                    (_unreachable_finding(doc, body, self.config.timezone), doc.document_id, backlog)
                )
            for body_id, year, document_id in open_scopes(session, "D606"):
                groups.setdefault((body_id, year, None if body_id else document_id), [])
            results = []
            for (body_id, year, document_id), items in sorted(groups.items(), key=lambda kv: str(kv[0])):
                result = reconcile(
                    session,
                    [item for item, _doc, _backlog in items],
                    body_id=body_id,
                    year=year,
                    document_id=document_id,
                    report_id=None,
                    at=now,
                    scope_rules=["D606"],
                    backlog=bool(items) and all(backlog for _item, _doc, backlog in items),
                )
                set_finding_documents(session, {item.fingerprint: doc for item, doc, _backlog in items})
                if body_id is not None and year is not None and items:
                    # Listed, though it cannot be opened: not a missing report.
                    parts = [result, reconcile(session, [], body_id=body_id, year=year, document_id=None, report_id=None,
                                               at=now, scope_rules=["D601"])]  # fmt: skip
                    result = combine(parts)
                results.append(result)
                stats.opened += len(result.opened)
                stats.resolved += len(result.resolved)
                stats.reopened += len(result.reopened)
            if self.policy is not None:
                for result in results:
                    add_drafts(session, self.policy(result), now)
        return stats

    def _one(self, version: PendingVersion, stats: ProcessStats) -> None:
        now = self.clock.now()
        try:
            report = self._parse(version)
        except (ExtractionError, NotAReportError) as exc:
            with self.store.db.transaction() as session:
                mark_unreadable(session, version.version_id, exc.reason, now)
            stats.unreadable += 1
            return
        body = self.bodies.get(version.body_id or "") or self.match_body(report)
        year = report.year or version.year
        if body is None or year is None:
            self._reconcile([_Parsed(version, report)], None, year, now, stats)
            return
        with self.store.db.transaction() as session:
            set_document_body(session, version.document_id, body.id, year)
            others = [v for v in current_versions(session, body.id, year) if v.version_id != version.version_id]
            crawling = crawl_in_progress(session, version.document_id)
        fault("check.after_attribution")
        if self._ocr is False and any(other.needs_ocr and other.state == "fetched" for other in others):
            # A scan of the same body and year still waits in the OCR queue: its check reads this one too, so the
            # OCR is done there (by the OCR workers), not here.
            stats.deferred += 1
            return
        parsed = [_Parsed(version, report)]
        for other in others:
            try:
                parsed.append(_Parsed(other, self._parse(other)))
            except (ExtractionError, NotAReportError, FileNotFoundError):
                continue
        if crawling and not any(_is_full(item.report) for item in parsed):
            # A page announcing its report while the crawl that fetches the attachment is still running: checking
            # it now would report the sections of a page that only links to the report.
            stats.deferred += 1
            return
        self._reconcile(parsed, body, year, now, stats)
        fault("check.after_commit")

    def _findings(
        self, item: _Parsed, body: Body | None, year: int | None, previous: AnnualReport | None
    ) -> tuple[list[FindingInput], list[ReviewInput]]:
        context = Context(year=year, excerpt=False, previous=previous)
        entity = body.id if body else item.report.body
        if body is not None and year is not None:
            deadline, _statutory = deadline_for(self.config, body, year)
            published, seen = publication_dates(item.version, self.config.timezone)
            body_type = cast("BodyType", body.type)
            context = Context(
                year=year, body_type=body_type, published_on=published, seen_by=seen, previous=previous, deadline=deadline
            )
        result = run_rules(item.report, context)
        review = [ReviewInput(fingerprint(o, entity, year), o.rule.id, o.message, o.locator.as_dict()) for o in result.uncertain]
        found = [
            FindingInput(
                fingerprint(f.outcome, entity, year),
                f.outcome.rule.id,
                f.outcome.effective_severity,
                f.outcome.message,
                f.outcome.locator.as_dict(),
                dict(f.outcome.evidence),
            )
            for f in result.findings
        ]
        if body is not None and year is not None and not item.version.in_column:
            found.append(
                FindingInput(
                    _key("D605", body.id, year, item.version.url),
                    "D605",
                    "info",
                    f"{year}年度报告发布在该单位配置的年报栏目之外（{item.version.url}）。",
                    {"section": None, "table": None, "row": "发布位置", "column": None, "source": item.version.url},
                    {"url": item.version.url},
                )
            )
        return found, review

    def _reconcile(self, parsed: list[_Parsed], body: Body | None, year: int | None, now: datetime, stats: ProcessStats) -> None:
        documents = _report_documents(parsed)
        previous = self._previous(body.id, year) if body is not None and year is not None else None
        found: list[FindingInput] = []
        review: list[ReviewInput] = []
        for item in documents:
            item_found, item_review = self._findings(item, body, year, previous)
            found.extend(item_found)
            review.extend(item_review)
        main = documents[0]
        today = local_date(now, self.config.timezone)
        with self.store.db.transaction() as session:
            first_crawl = first_crawled_at(session, body.id if body else None, main.version.portal_id)
            backlog = is_backlog(year, max(item.version.fetched_at for item in documents), first_crawl, today)
            adopt = [item.version.document_id for item in parsed] if body is not None else []
            d603 = self._changed_after_deadline(session, main.version, body, year)
            report_ids = {
                item.version.version_id: save_report(
                    session,
                    item.version.version_id,
                    item.version.document_id,
                    {
                        "body_id": body.id if body else None,
                        "year": year,
                        "title": item.report.title,
                        "template": item.report.template,
                        "format": item.report.document.format,
                        "summary": _summary(item.report, holds_report=item in documents),
                    },
                    now,
                )
                for item in parsed
            }
            report_id = report_ids[main.version.version_id]
            body_id = body.id if body else None
            document_id = main.version.document_id
            parts = [
                reconcile(
                    session, found, body_id=body_id, year=year, document_id=document_id, report_id=report_id, at=now,
                    backlog=backlog, adopt=adopt, cause=self.cause,
                )
            ]  # fmt: skip
            if d603 is not None:
                parts.append(
                    reconcile(
                        session, [d603], body_id=body_id, year=year, document_id=document_id, report_id=report_id, at=now,
                        scope_rules=["D603"], backlog=backlog, cause=self.cause,
                    )
                )  # fmt: skip
            if body is not None and year is not None:
                # The report is here: a "missing report" finding of this body and year resolves.
                parts.append(
                    reconcile(
                        session,
                        [],
                        body_id=body_id,
                        year=year,
                        document_id=None,
                        report_id=report_id,
                        at=now,
                        scope_rules=["D601"],
                        cause=self.cause,
                    )
                )
            result = combine(parts)
            if self.policy is not None:
                # One message per body per check run, whatever the number of reconciliations.
                add_drafts(session, self.policy(result), now)
            record_review_items(
                session, review, body_id=body_id, year=year, document_id=document_id, report_id=report_id, at=now, adopt=adopt
            )
        stats.checked += 1  # the version this call was for; the others of its body and year were re-read
        stats.opened += len(result.opened)
        stats.resolved += len(result.resolved)
        stats.reopened += len(result.reopened)

    def _changed_after_deadline(
        self, session: Any, version: PendingVersion, body: Body | None, year: int | None
    ) -> FindingInput | None:
        if body is None or year is None:
            return None
        earlier = earlier_checked_version(session, version.document_id, version.version_id)
        if earlier is None:
            return None
        deadline, _statutory = deadline_for(self.config, body, year)
        changed_on = local_date(version.fetched_at, self.config.timezone)
        if changed_on <= deadline:
            return None
        return FindingInput(
            _key("D603", body.id, year, version.sha256),
            "D603",
            "warning",
            f"{year}年度报告在公开期限（{deadline.isoformat()}）之后被修改（{changed_on.isoformat()} 发现新内容），"
            f"修改后的报告应重新发布并说明更正情况。",
            {"section": None, "table": None, "row": "报告内容", "column": None, "source": version.url},
            {"previous_sha256": earlier.sha256, "sha256": version.sha256, "changed_on": changed_on.isoformat()},
        )


def publication_dates(version: PendingVersion, tz: str) -> tuple[date | None, date | None]:
    """(publication date, first-seen date): the first when a source gave one (page, list, URL), else the second,
    which is only an upper bound (see :data:`documents.dates.FIRST_SEEN`)."""
    if version.published_on is not None and version.published_from != FIRST_SEEN:
        return version.published_on, None
    seen = version.published_on or local_date(version.first_seen or version.fetched_at, tz)
    return None, seen


#: Why a listed document could not be fetched, in the office's words (the crawler records them in English).
def _unreachable_finding(doc: UnreachableDocument, body: Body | None, tz: str) -> FindingInput:
    since = local_date(doc.failing_since or doc.first_seen, tz)
    gone = (doc.reason or "").startswith(("HTTP 404", "HTTP 410"))
    year = f"{doc.year}年度报告" if doc.year else "年度报告"
    return FindingInput(
        _key("D606", body.id if body else "", doc.year or "", doc.url),
        "D606",
        "error" if gone else "warning",
        f"{year}在栏目中列出，但链接无法打开：{reason_zh(doc.reason)}，自{since.isoformat()}起（{doc.url}）。"
        "公众无法阅读该报告。",
        {"section": None, "table": None, "row": "报告链接", "column": None, "source": doc.url},
        {"url": doc.url, "reason": doc.reason, "since": since.isoformat(), "failures": doc.failures, "title": doc.title},
    )


def _is_full(report: AnnualReport) -> bool:
    return len(report.sections) >= 3 or "t3" in report.tables


def _report_documents(parsed: list[_Parsed]) -> list[_Parsed]:
    """The documents that hold the report, the first one first.

    A page that only announces the report and links to its attachment ("详见附件") is not checked as a
    report when a document of the same body and year holds the full text; only its date counts.
    """
    full = [item for item in parsed if _is_full(item.report)]
    if not full:
        return [max(parsed, key=lambda item: (len(item.report.sections), len(item.report.tables)))]
    return full


def _key(*parts: object) -> str:
    """Fingerprint of a monitor-made finding, in the same form as the rules' fingerprints."""
    return hashlib.sha256("|".join(str(p) for p in parts).encode("utf-8")).hexdigest()[:16]


def _summary(report: AnnualReport, *, holds_report: bool) -> dict[str, Any]:
    return {
        "holds_report": holds_report,
        "body": report.body,
        "sections": sorted(report.sections),
        "tables": sorted(report.tables),
        "published_on": report.published_on.isoformat() if report.published_on else None,
    }
