"""The feed unit of work: ``refresh_feed`` polls one feed and processes its new entries.

fetch (conditional) -> parse -> skip known entries -> fetch page -> extract (falling back to the
entry's own text) -> ``process_article``. A failure is recorded on the feed's row with a backoff,
never retried in a loop here.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime

import httpx
import structlog

from monitor.errors import FeedParseError, FetchError
from monitor.http import fetch
from monitor.pipeline.extract import extract_article
from monitor.pipeline.feeds import parse_feed
from monitor.pipeline.rules import Ruleset
from monitor.process import AlertPolicy, process_article
from monitor.records import Article, FeedItem, Rejected
from monitor.store import Store
from monitor.store import feeds as feed_store
from monitor.store.feeds import FeedState

log = structlog.get_logger()

MAX_BACKOFF_S = 6 * 3600.0


@dataclass(frozen=True, slots=True)
class Refreshed:
    feed_id: int
    not_modified: bool
    new_items: int
    events_created: int
    error: str | None


def backoff_s(interval_s: float, error_count: int, *, jitter: float = 0.1) -> float:
    """Seconds before retrying a failing feed: doubles per failure, capped, with jitter."""
    delay = min(MAX_BACKOFF_S, interval_s * (2 ** max(0, error_count)))
    return float(delay * (1 + random.uniform(-jitter, jitter)))  # noqa: S311 - jitter, not crypto


def refresh_feed(
    feed: FeedState,
    *,
    client: httpx.Client,
    store: Store,
    rules: Ruleset,
    now: datetime,
    policy: AlertPolicy,
) -> Refreshed:
    """Poll one feed and process each entry it lists for the first time."""
    structlog.contextvars.bind_contextvars(feed_id=feed.id, feed_url=feed.url)
    try:
        try:
            fetched = fetch(client, feed.url, etag=feed.etag, last_modified=feed.last_modified)
            parsed = None if fetched.not_modified else parse_feed(fetched.body, feed_url=feed.url)
        except (FetchError, FeedParseError) as exc:
            with store.begin() as conn:
                feed_store.record_failure(
                    conn,
                    feed.id,
                    error=str(exc),
                    now=now,
                    retry_after_s=backoff_s(feed.interval_s, feed.error_count),
                )
            log.warning("feed_fetch_failed", error=str(exc), error_count=feed.error_count + 1)
            return Refreshed(feed.id, False, 0, 0, str(exc))
        new_items = created = 0
        if parsed is not None:
            if parsed.warning:
                log.info("feed_ill_formed", warning=parsed.warning)
            for item in parsed.items:
                with store.begin() as conn:
                    known = feed_store.is_known_item(conn, feed.id, item.key, item.link)
                if known:
                    continue
                new_items += 1
                article = _read_item(item, client=client, feed_id=feed.id)
                if isinstance(article, Rejected):
                    log.info("item_skipped", reason=article.reason, detail=article.detail)
                    continue
                result = process_article(
                    article, store=store, rules=rules, now=now, policy=policy, item_key=item.key
                )
                created += len(result.created)
        with store.begin() as conn:
            feed_store.record_success(
                conn,
                feed.id,
                etag=fetched.etag,
                last_modified=fetched.last_modified,
                now=now,
                interval_s=feed.interval_s,
            )
        log.info(
            "feed_refreshed",
            not_modified=fetched.not_modified,
            new_items=new_items,
            events_created=created,
        )
        return Refreshed(feed.id, fetched.not_modified, new_items, created, None)
    finally:
        structlog.contextvars.unbind_contextvars("feed_id", "feed_url")


def _read_item(item: FeedItem, *, client: httpx.Client, feed_id: int) -> Article | Rejected:
    """The entry's page text; the entry's own content when the page cannot be read."""
    if item.link and item.link.startswith(("http://", "https://")):
        try:
            page = fetch(client, item.link)
            article = extract_article(
                page.body,
                url=item.link,
                published_at=item.published_at,
                title=item.title,
                feed_id=feed_id,
            )
            if not isinstance(article, Rejected):
                return article
        except FetchError as exc:
            log.info("page_fetch_failed", url=item.link, error=str(exc))
    if not item.summary:
        return Rejected("extract", "no_text", item.link or item.key)
    html = f"<html><body><article><p>{item.summary}</p></article></body></html>"
    return extract_article(
        html,
        url=item.link or f"urn:item:{item.key}",
        published_at=item.published_at,
        title=item.title,
        origin="feed_summary",
        feed_id=feed_id,
    )
