"""Crawl health: what a run did and how it ended.

A run fails when it could not see the whole of a configured 年报 column (a start URL or a body's column answered
an error, timed out, redirected in a loop, moved, or says "not found"), when it hit the time limit, or when the
crawler itself failed. A failed run is a crawl problem: the monitor must not read it as bodies that did not
publish. Problems with single documents are listed in ``errors`` and do not fail the run; the listed documents
that could not be fetched (failed in this run, or not asked while waiting out their back-off) are counted in
``unreachable_documents``.

A column that disappears without an error is a crawl problem too: the report entries listed under each configured
column (its sub-columns and other pages included) are counted in ``column_counts`` and kept with the run, and a
column that answers but lists no report while the previous finished run of the portal listed at least
:data:`EMPTY_AFTER` there fails the run ("column empty"), rather than reading as bodies that published nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from monitor.store import CrawlStats
from monitor.store.status import column_run_reason

TIME_LIMIT = "time limit"
#: A column that listed at least this many reports on the previous finished run and none now has disappeared.
EMPTY_AFTER = 3
EMPTY = "column empty"


def empty_reason(before: int) -> str:
    """The problem of a column that lists no report where the previous finished run listed ``before``."""
    return f"{EMPTY}: listed 0 reports, the last run listed {before}"


@dataclass
class CrawlHealth:
    """Counters and problems collected while crawling one portal."""

    pages: int = 0
    new_documents: int = 0
    changed_documents: int = 0
    unchanged_documents: int = 0
    rejected_documents: int = 0
    unreachable_documents: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    columns: dict[str, str | None] = field(default_factory=dict)  # configured column URL → problem (None = fine)
    internal_errors: int = 0
    close_reason: str | None = None
    #: The portal system whose preset read the columns (configured, or detected from the first column page).
    system: str | None = None
    #: Report entries listed under each configured column reached in this run (0 for a column that listed none).
    column_counts: dict[str, int] = field(default_factory=dict)
    #: The same counts of the previous finished run of the portal (what an empty column is judged against).
    previous_counts: dict[str, int] = field(default_factory=dict)

    def expect_column(self, url: str) -> None:
        """A configured column that must be reached for the run to count."""
        self.columns.setdefault(url, "no answer")

    def column_reached(self, url: str) -> None:
        """The column answered with a list page."""
        if self.columns.get(url) == "no answer":
            self.columns[url] = None
        self.column_counts.setdefault(url, 0)

    def listed(self, column_url: str) -> None:
        """One report entry found under the configured column ``column_url`` (on the column's own page, a
        sub-column or another page of its list)."""
        self.column_counts[column_url] = self.column_counts.get(column_url, 0) + 1

    def column_failed(self, url: str, reason: str) -> None:
        """The column could not be read: a crawl problem."""
        self.columns[url] = reason
        self.errors.append({"kind": "column", "url": url, "reason": reason})

    def error(self, kind: str, url: str, reason: str) -> None:
        """A problem with one page or document."""
        self.errors.append({"kind": kind, "url": url, "reason": reason})

    def document_failed(self, url: str, reason: str) -> None:
        """A listed document could not be fetched in this run: a problem of the run, counted as not fetched."""
        self.error("document", url, reason)
        self.unreachable_documents += 1

    def document_waiting(self) -> None:
        """A listed document not asked in this run: it failed before and waits out its back-off."""
        self.unreachable_documents += 1

    def count(self, outcome: str) -> None:
        """Count a stored document by the store's outcome ("new", "changed", "unchanged")."""
        if outcome == "new":
            self.new_documents += 1
        elif outcome == "changed":
            self.changed_documents += 1
        else:
            self.unchanged_documents += 1

    def empty_columns(self) -> list[str]:
        """Mark the columns reached that list no report while the previous finished run listed at least
        :data:`EMPTY_AFTER` there as failed ("column empty"); returns their URLs. Not judged when the crawler itself
        failed on a page (the entries may be missing because of it) or the run was cut by the time limit."""
        if self.internal_errors or self.close_reason == "closespider_timeout":
            return []
        empty = []
        for url, problem in list(self.columns.items()):
            before = self.previous_counts.get(url, 0)
            if problem is None and self.column_counts.get(url, 0) == 0 and before >= EMPTY_AFTER:
                self.column_failed(url, empty_reason(before))
                empty.append(url)
        return empty

    def verdict(self) -> tuple[bool, str]:
        """(failed, reason) of the run; a column found empty (:meth:`empty_columns`) is a broken column."""
        if self.close_reason == "closespider_timeout":
            return True, TIME_LIMIT
        self.empty_columns()
        broken = [(url, problem) for url, problem in self.columns.items() if problem is not None]
        if broken:
            url, problem = broken[0]
            return True, column_run_reason(url, problem, len(broken) - 1)
        if self.internal_errors:
            return True, f"crawler error on {self.internal_errors} page(s)"
        if self.close_reason not in (None, "finished"):
            return True, str(self.close_reason)[:200]
        return False, "finished"

    def stats(self, wire: dict[str, Any]) -> CrawlStats:
        """The run's statistics: request counts from the wire, the rest from this object."""
        return CrawlStats(
            requests=int(wire.get("nianbao/requests", 0)),
            responses_304=int(wire.get("nianbao/status/304", 0)),
            bytes=int(wire.get("nianbao/bytes", 0)),
            pages=self.pages,
            new_documents=self.new_documents,
            changed_documents=self.changed_documents,
            errors=list(self.errors),
            unreachable_documents=self.unreachable_documents,
            column_counts={url: self.column_counts.get(url, 0) for url in self.columns if url in self.column_counts},
            system=self.system,
        )
