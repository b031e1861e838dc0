"""The feed unit of work (``refresh_feed``) and the page step that follows it (``process_item``).

``refresh_feed``: conditional fetch -> parse -> queue the entries the feed never listed before,
in one short transaction; it never waits on an article page, so a slow page never delays a feed.
``process_item``: fetch the entry's page (guarded against internal addresses) -> extract, falling
back to the entry's own text -> ``process_article`` -> mark the item done. A failure is recorded
in a row (the feed's backoff, the item's lease), never retried in a loop here.
"""

from __future__ import annotations

import html
import random
from dataclasses import dataclass
from datetime import datetime

import httpx
import structlog

from monitor.errors import FeedParseError, FetchError
from monitor.http import HostLimiter, fetch, link_guard
from monitor.pipeline.extract import extract_article
from monitor.pipeline.feeds import parse_feed
from monitor.pipeline.rules import Ruleset
from monitor.process import AlertPolicy, Processed, process_article
from monitor.records import Article, Rejected
from monitor.settings import HttpSettings
from monitor.store import Store
from monitor.store import feeds as feed_store
from monitor.store import items as item_store
from monitor.store.feeds import FeedState
from monitor.store.items import PendingItem

log = structlog.get_logger()

MAX_BACKOFF_S = 6 * 3600.0


@dataclass(frozen=True, slots=True)
class Refreshed:
    feed_id: int
    not_modified: bool
    new_items: int
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
    now: datetime,
    http: HttpSettings,
    limiter: HostLimiter | None = None,
) -> Refreshed:
    """Poll one feed and queue each entry it lists for the first time."""
    structlog.contextvars.bind_contextvars(feed_id=feed.id, feed_url=feed.url)
    try:
        try:
            fetched = fetch(
                client,
                feed.url,
                etag=feed.etag,
                last_modified=feed.last_modified,
                max_bytes=http.max_body_bytes,
                limiter=limiter,
                deadline_s=http.deadline_s,
            )
            parsed = None if fetched.not_modified else parse_feed(fetched.body, feed_url=feed.url)
        except (FetchError, FeedParseError) as exc:
            delay = backoff_s(feed.interval_s, feed.error_count)
            if isinstance(exc, FetchError) and exc.retry_after_s is not None:
                delay = max(delay, min(exc.retry_after_s, MAX_BACKOFF_S))
            with store.begin() as conn:
                feed_store.record_failure(
                    conn, feed.id, error=str(exc), now=now, retry_after_s=delay
                )
            log.warning(
                "feed_fetch_failed",
                error=str(exc),
                error_count=feed.error_count + 1,
                retry_delay_s=round(delay, 1),
            )
            return Refreshed(feed.id, False, 0, str(exc))
        new_items = 0
        with store.begin() as conn:
            if parsed is not None:
                new_items = item_store.add_items(conn, feed.id, parsed.items, now=now)
            feed_store.record_success(
                conn,
                feed.id,
                etag=fetched.etag,
                last_modified=fetched.last_modified,
                now=now,
                interval_s=feed.interval_s,
                warning=parsed.warning if parsed is not None else None,
            )
        if parsed is not None and parsed.warning:
            log.info("feed_ill_formed", warning=parsed.warning[:300])
        log.info("feed_refreshed", not_modified=fetched.not_modified, new_items=new_items)
        return Refreshed(feed.id, fetched.not_modified, new_items, None)
    finally:
        structlog.contextvars.unbind_contextvars("feed_id", "feed_url")


def process_item(
    pending: PendingItem,
    *,
    client: httpx.Client,
    store: Store,
    rules: Ruleset,
    now: datetime,
    policy: AlertPolicy,
    http: HttpSettings,
    limiter: HostLimiter | None = None,
) -> Processed | Rejected:
    """Read a queued entry's article and run it through ``process_article``."""
    article = read_item(pending, client=client, http=http, limiter=limiter)
    if isinstance(article, Rejected):
        with store.begin() as conn:
            item_store.finish_item(
                conn,
                pending.id,
                now=now,
                status="skipped",
                error=f"{article.stage}: {article.reason}: {article.detail}",
            )
        log.info("item_skipped", reason=article.reason, detail=article.detail[:300])
        return article
    result = process_article(
        article, store=store, rules=rules, now=now, policy=policy, item_key=pending.item.key
    )
    with store.begin() as conn:
        item_store.finish_item(conn, pending.id, now=now, status="done")
    return result


def read_item(
    pending: PendingItem,
    *,
    client: httpx.Client,
    http: HttpSettings,
    limiter: HostLimiter | None = None,
) -> Article | Rejected:
    """The entry's page text; the entry's own content when the page cannot be fetched or read."""
    item = pending.item
    problem = "no link"
    if item.link:
        guard = link_guard(pending.feed_url, allow_private=http.allow_private_addresses)
        try:
            page = fetch(
                client,
                item.link,
                max_bytes=http.max_body_bytes,
                guard=guard,
                limiter=limiter,
                deadline_s=http.deadline_s,
            )
            article = extract_article(
                page.body,
                url=item.link,
                published_at=item.published_at,
                title=item.title,
                feed_id=pending.feed_id,
            )
            if not isinstance(article, Rejected):
                return article
            problem = f"{article.reason}: {article.detail}"
        except FetchError as exc:
            problem = str(exc)
            if "refused" in problem:
                log.warning("page_refused", url=item.link, reason=problem)
                return Rejected("fetch", "refused", problem)
        log.info("page_unreadable", url=item.link, problem=problem[:300])
    if not item.summary.strip():
        return Rejected("extract", "no_text", f"{item.link or item.key}: {problem}")
    body = item.summary if "<" in item.summary else html.escape(item.summary)
    fallback = extract_article(
        f"<html><body><article><h1>{html.escape(item.title)}</h1><p>{body}</p></article>"
        "</body></html>",
        url=item.link or f"urn:monitor:item:{item.key}",
        published_at=item.published_at,
        title=item.title,
        origin="feed_summary",
        feed_id=pending.feed_id,
    )
    if isinstance(fallback, Rejected):
        return Rejected(fallback.stage, fallback.reason, f"{fallback.detail} (after: {problem})")
    return fallback
