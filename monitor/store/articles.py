"""Articles: the record that a document was read, which makes every later copy a duplicate."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import Connection, Table, func, or_, select, update

from monitor.records import Article, Rejected
from monitor.store._sql import insert_ignore, insert_ignore_pk
from monitor.store.schema import ArticleParagraphRow, ArticleRow

_articles = cast(Table, ArticleRow.__table__)
_paragraphs = cast(Table, ArticleParagraphRow.__table__)


def insert_article(
    conn: Connection,
    article: Article,
    *,
    url: str,
    content_hash: str,
    item_key: str | None,
    now: datetime,
) -> int | Rejected:
    """Record an article; a Rejected naming the duplicate when its URL or text is known."""
    article_id = insert_ignore(
        conn,
        _articles,
        {
            "feed_id": article.feed_id,
            "item_key": item_key,
            "url": url,
            "content_hash": content_hash,
            "title": article.title,
            "published_at": article.published_at,
            "published_source": article.published_source,
            "origin": article.origin,
            "processed_at": now,
            "report_count": 0,
        },
    )
    if article_id is not None:
        return article_id
    clash = conn.execute(
        select(_articles.c.id, _articles.c.url, _articles.c.content_hash).where(
            or_(_articles.c.url == url, _articles.c.content_hash == content_hash)
        )
    ).first()
    if clash is not None and clash.url == url:
        return Rejected("dedup", "duplicate_url", f"article {clash.id} has this URL")
    if clash is not None:
        return Rejected(
            "dedup", "duplicate_text", f"article {clash.id} ({clash.url}) has this text"
        )
    return Rejected("dedup", "duplicate_item", "this feed already listed the entry")


def set_report_count(conn: Connection, article_id: int, count: int) -> None:
    conn.execute(update(_articles).where(_articles.c.id == article_id).values(report_count=count))


def add_paragraphs(conn: Connection, article_id: int, hashes: Sequence[str]) -> None:
    """Record an article's paragraph hashes (one statement; a hash already known is kept)."""
    insert_ignore_pk(conn, _paragraphs, [{"hash": h, "article_id": article_id} for h in hashes])


def most_shared_paragraphs(conn: Connection, hashes: Sequence[str]) -> tuple[int, int] | None:
    """The earlier article sharing most of these paragraph hashes: (article id, count)."""
    if not hashes:
        return None
    row = conn.execute(
        select(_paragraphs.c.article_id, func.count().label("shared"))
        .where(_paragraphs.c.hash.in_(list(hashes)))
        .group_by(_paragraphs.c.article_id)
        .order_by(func.count().desc(), _paragraphs.c.article_id)
        .limit(1)
    ).first()
    return None if row is None else (int(row.article_id), int(row.shared))


def published_at_of(conn: Connection, urls: Iterable[str]) -> dict[str, datetime]:
    """When the recorded articles at these (canonical) URLs were published, where known; a
    bare file name (a gold label's ``file``) stands for any URL ending in it."""
    found: dict[str, datetime] = {}
    for name in urls:
        wanted = (
            _articles.c.url == name
            if "://" in name
            else or_(_articles.c.url == name, _articles.c.url.endswith("/" + name, autoescape=True))
        )
        row = conn.execute(
            select(func.min(_articles.c.published_at)).where(
                wanted, _articles.c.published_at.is_not(None)
            )
        ).scalar_one()
        if row is not None:
            found[name] = row
    return found
