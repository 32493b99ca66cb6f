"""The item pipeline: every document the spider yields is persisted through the store's crawler view."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from crawler.health import CrawlHealth
from crawler.items import FetchedDocument, RejectedDocument
from monitor.store.faults import fault

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from monitor.store import CrawlStore


class _StoringSpider(Protocol):
    crawl_store: CrawlStore
    health: CrawlHealth


class StorePipeline:
    """``store.crawl.record()`` for downloaded documents (new / changed / unchanged), ``reject()`` for listed ones
    that could not be taken (rejected, or a failed fetch)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        """The pipeline of ``crawler``; it reaches the store through the crawler's spider."""
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        """Persist one item and count the outcome."""
        spider: _StoringSpider = self.crawler.spider  # type: ignore[assignment]
        if isinstance(item, FetchedDocument):
            outcome, _document_id = spider.crawl_store.record(item)
            spider.health.count(outcome)
            fault("crawl.after_record")
        elif isinstance(item, RejectedDocument):
            spider.crawl_store.reject(
                item.url,
                item.reason,
                item.at,
                item.portal_id,
                list_entry=item.list_entry,
                parent_url=item.parent_url,
                title=item.title,
                body_id=item.body_id,
                body_from=item.body_from,
                year=item.year,
                list_url=item.list_url,
                failure=item.failure,
            )
            if item.failure is None:
                spider.health.rejected_documents += 1
        return item
