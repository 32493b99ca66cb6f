"""The tables of the store (SQLAlchemy 2 declarative models). Migrations in ``migrations/`` create them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, Boolean, Date, DateTime, Dialect, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps stored as naive UTC and read back as aware UTC, the same on SQLite and PostgreSQL."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store: pass an aware (UTC) datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None else None


class Base(DeclarativeBase):
    """Declarative base for the store's tables."""

    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON, datetime: UTCDateTime()}


class Portal(Base):
    """A county portal whose 年报 columns are crawled (synchronised from the configuration)."""

    __tablename__ = "portals"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    config: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Body(Base):
    """A registered body that must publish a report: a town, a county department or the county government."""

    __tablename__ = "bodies"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    aliases: Mapped[list[Any]] = mapped_column(JSON, default=list)
    type: Mapped[str] = mapped_column(String(16))
    portal_id: Mapped[str | None] = mapped_column(ForeignKey("portals.id"), nullable=True)
    column_url: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    deadline: Mapped[str | None] = mapped_column(String(5), nullable=True)  # "MM-DD" of the year after
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The end of the first crawl that covered the body: reports of past years found until then are history.
    first_crawled_at: Mapped[datetime | None] = mapped_column(nullable=True)


class Document(Base):
    """A report found on a portal: one URL, its HTTP validators and dates. Its bytes live in versions."""

    __tablename__ = "documents"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    url: Mapped[str] = mapped_column(String(2048), unique=True)
    portal_id: Mapped[str | None] = mapped_column(ForeignKey("portals.id"), nullable=True)
    body_id: Mapped[str | None] = mapped_column(ForeignKey("bodies.id"), nullable=True, index=True)
    title: Mapped[str | None] = mapped_column(String(500), nullable=True)
    year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    list_url: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    parent_url: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    in_column: Mapped[bool] = mapped_column(Boolean, default=True)
    etag: Mapped[str | None] = mapped_column(String(500), nullable=True)
    last_modified: Mapped[str | None] = mapped_column(String(100), nullable=True)
    first_seen: Mapped[datetime]
    last_seen: Mapped[datetime]
    published_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    published_from: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # active | gone | rejected (not taken: too large, not a document) | unreachable (listed, cannot be fetched)
    status: Mapped[str] = mapped_column(String(16), default="active")
    reject_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    current_version_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # The crawler's: a fingerprint of the title and date the column listed it with; which evidence named the body.
    list_entry: Mapped[str | None] = mapped_column(String(64), nullable=True)
    body_from: Mapped[str | None] = mapped_column(String(16), nullable=True)  # title | page | column
    # Failed fetches in a row, since when, and the time before which it is not asked again (back-off).
    failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    failing_since: Mapped[datetime | None] = mapped_column(nullable=True)
    retry_after: Mapped[datetime | None] = mapped_column(nullable=True)


class DocumentVersion(Base):
    """One content of a document, by hash; the raw bytes are in the content-addressed blob folder."""

    __tablename__ = "document_versions"
    __table_args__ = (UniqueConstraint("document_id", "sha256", name="uq_version_document_sha"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str | None] = mapped_column(String(200), nullable=True)
    fetched_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(16), default="fetched", index=True)  # fetched | checked | failed
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Reading it takes OCR: with workers (engine procrastinate) it is checked from the OCR queue.
    needs_ocr: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class CrawlRun(Base):
    """One crawl of one portal, with what it did and how it ended."""

    __tablename__ = "crawl_runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    portal_id: Mapped[str] = mapped_column(ForeignKey("portals.id"), index=True)
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None] = mapped_column(nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="running")  # running | finished | failed
    finish_reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    requests: Mapped[int] = mapped_column(Integer, default=0)
    responses_304: Mapped[int] = mapped_column(Integer, default=0)
    bytes: Mapped[int] = mapped_column(Integer, default=0)
    pages: Mapped[int] = mapped_column(Integer, default=0)
    new_documents: Mapped[int] = mapped_column(Integer, default=0)
    changed_documents: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # Listed documents that could not be fetched (failed now or waiting out their back-off).
    unreachable_documents: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    log_path: Mapped[str | None] = mapped_column(String(1024), nullable=True)  # the crawler's kept log
    # Report entries listed under each configured column the run reached: {column URL: count}.
    column_counts: Mapped[dict[str, int] | None] = mapped_column(JSON, nullable=True)
    system: Mapped[str | None] = mapped_column(String(32), nullable=True)  # the preset that read the portal


class Report(Base):
    """A checked document version: the parsed report's identity and a summary of its structure."""

    __tablename__ = "reports"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("document_versions.id"), unique=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    body_id: Mapped[str | None] = mapped_column(ForeignKey("bodies.id"), nullable=True, index=True)
    year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    title: Mapped[str | None] = mapped_column(String(500), nullable=True)
    template: Mapped[str] = mapped_column(String(16))
    format: Mapped[str] = mapped_column(String(16))
    checked_at: Mapped[datetime]
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Finding(Base):
    """A defect found by a rule, identified by its fingerprint across re-checks; it has a lifecycle."""

    __tablename__ = "findings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    rule: Mapped[str] = mapped_column(String(8), index=True)
    severity: Mapped[str] = mapped_column(String(8))
    body_id: Mapped[str | None] = mapped_column(ForeignKey("bodies.id"), nullable=True, index=True)
    year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), nullable=True)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"), nullable=True)
    message: Mapped[str] = mapped_column(Text)
    locator: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(16), default="open", index=True)  # open|acknowledged|muted|resolved
    first_seen: Mapped[datetime]
    last_seen: Mapped[datetime]
    resolved_at: Mapped[datetime | None] = mapped_column(nullable=True)
    reopened: Mapped[int] = mapped_column(Integer, default=0)
    muted_until: Mapped[datetime | None] = mapped_column(nullable=True)
    state_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    state_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    last_notified_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # Found in a report of a past year discovered on the body's first crawl: shown as history, never pushed.
    backlog: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Event(Base):
    """The append-only audit trail: every change of a finding, document, crawl or notification."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_kind_at", "kind", "at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(100), default="system")
    body_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    finding_id: Mapped[int | None] = mapped_column(ForeignKey("findings.id"), nullable=True, index=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), nullable=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Outbox(Base):
    """A notification to send, written in the same transaction as what caused it; ``key`` prevents duplicates."""

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(32))  # findings | resolved | repeat | escalation | reminder | digest
    route: Mapped[str] = mapped_column(String(64))  # a body id, or "county" for the county office
    body_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    claimed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    claimed_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(nullable=True, index=True)
    gave_up_at: Mapped[datetime | None] = mapped_column(nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Targets (ids, never URLs) that already accepted this row: a retry after a partial failure skips them.
    delivered: Mapped[list[Any]] = mapped_column(JSON, default=list, server_default="[]")
    # Set (and committed) before a send to ``sending_target`` leaves, cleared with its outcome: a row found with it
    # after a crash may have been delivered to that target.
    sending_at: Mapped[datetime | None] = mapped_column(nullable=True)
    sending_target: Mapped[str | None] = mapped_column(String(100), nullable=True)
    exhausted_at: Mapped[datetime | None] = mapped_column(nullable=True)  # max_attempts used: retried slowly since
    dropped_at: Mapped[datetime | None] = mapped_column(nullable=True)  # a person gave it up (nianbao outbox drop)
    dropped_by: Mapped[str | None] = mapped_column(String(100), nullable=True)


class DeliveryAttempt(Base):
    """One attempt to deliver an outbox row: when, how long, and the error if it failed."""

    __tablename__ = "delivery_attempts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox.id"), index=True)
    at: Mapped[datetime]
    duration_ms: Mapped[int] = mapped_column(Integer)
    ok: Mapped[bool] = mapped_column(Boolean)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)


class ReviewItem(Base):
    """An uncertain rule outcome for a person to review (the rule could not decide); listed in the weekly digest."""

    __tablename__ = "review_items"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    rule: Mapped[str] = mapped_column(String(8))
    body_id: Mapped[str | None] = mapped_column(ForeignKey("bodies.id"), nullable=True, index=True)
    year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), nullable=True)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"), nullable=True)
    message: Mapped[str] = mapped_column(Text)
    locator: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(16), default="open", index=True)  # open | reviewed | gone
    first_seen: Mapped[datetime]
    last_seen: Mapped[datetime]
    reviewed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    reviewed_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)


class Setting(Base):
    """The store's own settings, such as the rules version its findings were made with."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class DashboardSession(Base):
    """A dashboard login kept on the server: the cookie carries a token whose SHA-256 is ``id``. Logging out ends
    it (every copy of the cookie with it); a change of the user's password hash (``password_mark``) ends them all."""

    __tablename__ = "dashboard_sessions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user: Mapped[str] = mapped_column(String(100), index=True)
    password_mark: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None] = mapped_column(nullable=True)
