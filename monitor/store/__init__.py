"""The store: the only package that imports SQLAlchemy. Database, blob folder and the views other parts use.

``Store.open(config)`` gives a :class:`Store` with ``.db`` (engine, transactions, migrations), ``.blobs``
(raw bytes by hash) and ``.crawl`` (what the crawler reads and writes).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from monitor.store.blobs import BlobStore
from monitor.store.crawl import CrawlStats, CrawlStore, FetchedDocument, KnownDocument
from monitor.store.db import Database, database_url

__all__ = ["BlobStore", "CrawlStats", "CrawlStore", "Database", "FetchedDocument", "KnownDocument", "Store", "database_url"]


@dataclass
class Store:
    """Everything persistent: the database and the blob folder."""

    db: Database
    blobs: BlobStore

    @classmethod
    def open(cls, url: str | None = None, blobs: str | Path = "var/blobs") -> Store:
        """Open the store at ``url`` (``NIANBAO_DATABASE_URL`` or SQLite ``var/nianbao.db`` when None)."""
        return cls(Database(database_url(url)), BlobStore(blobs))

    @property
    def crawl(self) -> CrawlStore:
        """The crawler's view."""
        return CrawlStore(self.db, self.blobs)

    def close(self) -> None:
        """Release the database connections."""
        self.db.dispose()
