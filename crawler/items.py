"""What the spider hands to the pipeline: a downloaded document (the store's :class:`FetchedDocument`) or a
document that could not be taken (:class:`RejectedDocument`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from monitor.store import FetchedDocument

__all__ = ["FetchedDocument", "RejectedDocument"]


@dataclass(frozen=True)
class RejectedDocument:
    """A document refused for good (too large, a redirect loop, gone): stored with its reason."""

    url: str
    reason: str
    at: datetime
    portal_id: str
    list_entry: str | None = None
    parent_url: str | None = None
    title: str | None = None
