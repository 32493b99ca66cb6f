"""What the spider hands to the pipeline: a downloaded document (the store's :class:`FetchedDocument`) or a listed
document that could not be taken (:class:`RejectedDocument`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from monitor.store import FetchedDocument
from monitor.store.crawl import FetchFailure

__all__ = ["FetchFailure", "FetchedDocument", "RejectedDocument"]


@dataclass(frozen=True)
class RejectedDocument:
    """A listed document that could not be taken, with its reason and what the listing says of it (title, body,
    year, list). ``failure`` None: rejected, not taken for its content (too large); otherwise a failed fetch as
    :func:`crawler.failures.judge` sees it (failing, or unreachable)."""

    url: str
    reason: str
    at: datetime
    portal_id: str
    list_entry: str | None = None
    parent_url: str | None = None
    title: str | None = None
    body_id: str | None = None
    body_from: str | None = None
    year: int | None = None
    list_url: str | None = None
    failure: FetchFailure | None = None
