"""The store as one crawl reads and marks it, in bulk: what is known of the portal's documents, read once when the
spider starts, and the sightings of unchanged documents, written a batch at a time.

A poll where nothing changed asks every known document once; asking the store about each (one query) and
recording each sighting (one transaction) cost more than the conditional request itself. Both are equivalent to
:meth:`monitor.store.CrawlStore.known` and :meth:`~monitor.store.CrawlStore.seen`:

- a crawl asks about each URL at most once (the spider's own bookkeeping), and what this crawl stores about a URL
  it has not yet asked about is nothing, so a snapshot taken at the start answers as the query would; a URL not
  in it (new, or stored under another portal) is asked of the store;
- a sighting only moves ``last_seen`` on, ends a failure streak (a 304) and takes a better publication date. Held
  sightings are written when :data:`SIGHTINGS_BATCH` have gathered and when the spider closes; a crawl killed
  before that loses them (the documents are seen again by the next poll, which writes the same).
"""

from __future__ import annotations

from datetime import date, datetime

from monitor.store import CrawlStore, KnownDocument
from monitor.store.crawl import Sighting

#: Sightings written in one transaction.
SIGHTINGS_BATCH = 100


class KnownDocuments:
    """What the store knew of the portal's documents when the crawl started; :meth:`get` as ``store.known``."""

    def __init__(self, store: CrawlStore, portal_id: str) -> None:
        self.store = store
        self.portal_id = portal_id
        self.snapshot: dict[str, KnownDocument] | None = None  # read when first asked: before this crawl stores anything

    def get(self, url: str) -> KnownDocument | None:
        """The stored state of ``url`` when the crawl started, or None for a URL never seen."""
        if self.snapshot is None:
            self.snapshot = self.store.known_of_portal(self.portal_id)
        found = self.snapshot.get(url)
        return found if found is not None else self.store.known(url)


class Sightings:
    """``store.seen`` in batches: :meth:`add` holds, :meth:`flush` writes them all in one transaction."""

    def __init__(self, store: CrawlStore, batch: int = SIGHTINGS_BATCH) -> None:
        self.store = store
        self.batch = batch
        self.held: list[Sighting] = []

    def add(self, url: str, at: datetime, *, reached: bool = False, published: tuple[date, str] | None = None) -> None:
        """Record (soon) that ``url`` is still listed; see :meth:`monitor.store.CrawlStore.seen`."""
        self.held.append(Sighting(url, at, reached, published))
        if len(self.held) >= self.batch:
            self.flush()

    def flush(self) -> None:
        """Write the held sightings."""
        held, self.held = self.held, []
        self.store.seen_many(held)
