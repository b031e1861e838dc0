"""Tables of the store: the Alembic target. Only ``monitor.store`` imports SQLAlchemy.

The MetaData naming convention gives every constraint the same name on SQLite and PostgreSQL,
so one set of migrations serves both.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from sqlalchemy import (
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, on SQLite (which keeps no zone) as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("store: naive datetime; pass timezone-aware UTC times")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# NUL (PostgreSQL text refuses it) and UTF-16 surrogates (UTF-8 cannot encode a lone one).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable_text(value: str) -> str:
    """``value`` without what a text column refuses: NUL is dropped, a surrogate pair left
    split by a decoder is joined, and a lone surrogate becomes U+FFFD. One such character in a
    feed entry or a page would otherwise fail the whole transaction writing it."""
    if _UNSTORABLE.search(value) is None:
        return value
    joined = value.replace("\x00", "").encode("utf-16-le", "surrogatepass")
    return joined.decode("utf-16-le", "replace")


class CleanText(TypeDecorator[str]):
    """Text stored as :func:`storable_text` makes it, on every dialect alike."""

    impl: type[String] = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else storable_text(value)


class CleanString(CleanText):
    """``String(n)`` cleaned as :class:`CleanText`. A longer value is the caller's to bound
    (items drop an over-long link): cutting a URL here would silently merge two of them."""

    impl = String
    cache_ok = True


class Model(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}  # noqa: RUF012


class FeedRow(Model):
    __tablename__ = "feeds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(CleanString(2048), unique=True)
    name: Mapped[str] = mapped_column(CleanString(300))
    interval_s: Mapped[float] = mapped_column(Float)
    enabled: Mapped[bool] = mapped_column(default=True)
    etag: Mapped[str | None] = mapped_column(CleanString(500))
    last_modified: Mapped[str | None] = mapped_column(CleanString(100))
    next_check_at: Mapped[datetime | None]
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(CleanText)
    last_ok_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    leased_by: Mapped[str | None] = mapped_column(CleanString(200))  # the replica polling it now


class ArticleRow(Model):
    __tablename__ = "articles"
    __table_args__ = (UniqueConstraint("feed_id", "item_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    feed_id: Mapped[int | None] = mapped_column(ForeignKey("feeds.id", ondelete="SET NULL"))
    item_key: Mapped[str | None] = mapped_column(CleanString(128))
    url: Mapped[str] = mapped_column(CleanString(2048), unique=True)
    content_hash: Mapped[str] = mapped_column(CleanString(64), unique=True)
    title: Mapped[str] = mapped_column(CleanText, default="")
    published_at: Mapped[datetime | None]
    published_source: Mapped[str] = mapped_column(CleanString(20))
    origin: Mapped[str] = mapped_column(CleanString(20))
    processed_at: Mapped[datetime]
    report_count: Mapped[int] = mapped_column(Integer, default=0)


class EventRow(Model):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(CleanString(200), unique=True)
    base_id: Mapped[str | None] = mapped_column(CleanString(100), index=True)
    base_name: Mapped[str | None] = mapped_column(CleanString(300))
    base_mention: Mapped[str] = mapped_column(CleanText)
    country: Mapped[str | None] = mapped_column(CleanString(2))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    day: Mapped[date | None] = mapped_column(Date, index=True)
    day_expression: Mapped[str | None] = mapped_column(CleanText)
    weapons: Mapped[str] = mapped_column(CleanString(200))  # comma-separated, sorted
    munitions_count: Mapped[int | None] = mapped_column(Integer)
    attack_count: Mapped[int] = mapped_column(Integer, default=1)
    claimed_by: Mapped[str | None] = mapped_column(CleanString(300))
    attribution: Mapped[str] = mapped_column(CleanString(20))
    outcome: Mapped[str] = mapped_column(CleanString(20))
    injured: Mapped[int | None] = mapped_column(Integer)
    killed: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=1)
    first_reported_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class EventSourceRow(Model):
    __tablename__ = "event_sources"
    __table_args__ = (UniqueConstraint("event_id", "article_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(CleanString(2048))
    title: Mapped[str] = mapped_column(CleanText, default="")
    published_at: Mapped[datetime | None]
    evidence: Mapped[str] = mapped_column(CleanText)
    rule_id: Mapped[str] = mapped_column(CleanString(100))
    added_at: Mapped[datetime]


class AlertRow(Model):
    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(
        CleanString(200), unique=True
    )  # "event-<id>-v<version>"
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(CleanString(30))
    payload: Mapped[str] = mapped_column(CleanText)
    created_at: Mapped[datetime]


class OutboxRow(Model):
    __tablename__ = "outbox"
    __table_args__ = (UniqueConstraint("alert_id", "webhook"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"))
    webhook: Mapped[str] = mapped_column(CleanString(200))
    status: Mapped[str] = mapped_column(CleanString(20), index=True)  # pending | sent | dead
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(CleanText)
    sent_at: Mapped[datetime | None]
    leased_by: Mapped[str | None] = mapped_column(CleanString(200))  # the replica delivering it now


class ItemRow(Model):
    """A feed entry seen once: the queue of pages to read, and the memory of what was listed."""

    __tablename__ = "items"
    __table_args__ = (
        UniqueConstraint("feed_id", "item_key"),
        Index("ix_items_feed_id_last_seen_at", "feed_id", "last_seen_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("feeds.id", ondelete="CASCADE"))
    item_key: Mapped[str] = mapped_column(CleanString(128))
    link: Mapped[str | None] = mapped_column(CleanString(2048))
    title: Mapped[str] = mapped_column(CleanText, default="")
    summary: Mapped[str] = mapped_column(CleanText, default="")
    published_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(CleanString(20), index=True)  # pending | done | skipped
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]  # also the lease of a worker that claimed it
    last_error: Mapped[str | None] = mapped_column(CleanText)
    created_at: Mapped[datetime]
    done_at: Mapped[datetime | None]
    leased_by: Mapped[str | None] = mapped_column(CleanString(200))  # the replica reading it now
    # The last poll whose document listed it: retention forgets only what the feed dropped.
    last_seen_at: Mapped[datetime]


class ArticleParagraphRow(Model):
    """Hashes of an article's long paragraphs: syndicated copies share most of them."""

    __tablename__ = "article_paragraphs"

    hash: Mapped[str] = mapped_column(CleanString(32), primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
