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
from datetime import datetime, timedelta

import httpx
import structlog

from monitor.errors import FeedParseError, FetchError, StoreError
from monitor.http import HostLimiter, fetch, link_guard
from monitor.pipeline.dedup import distinct_items
from monitor.pipeline.detect import detect_events
from monitor.pipeline.extract import extract_article
from monitor.pipeline.feeds import parse_feed
from monitor.pipeline.relevance import may_report_an_attack
from monitor.pipeline.rules import Ruleset
from monitor.process import AlertPolicy, Processed, process_article
from monitor.records import Article, ParsedFeed, Rejected
from monitor.settings import HttpSettings
from monitor.store import Store, Transaction
from monitor.store import feeds as feed_store
from monitor.store import items as item_store
from monitor.store.feeds import FeedState
from monitor.store.items import PendingItem

log = structlog.get_logger()

MAX_BACKOFF_S = 6 * 3600.0
MAX_PAGE_ATTEMPTS = 3  # a page failing for a passing reason is tried this many times
RETRY_PAGE_S = 30.0  # then 60 s, then the entry's own text
PRUNE_BATCH = 1000  # items deleted per transaction when a feed's old items are forgotten


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
    retention_s: float | None = None,
) -> Refreshed:
    """Poll one feed and queue each entry it lists for the first time.

    With ``retention_s``, the feed's read items that no document listed for that long are
    then forgotten (None: every item is kept).
    """
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
                guard=link_guard(feed.url, allow_private=http.allow_private_addresses),
            )
            parsed = (
                None
                if fetched.not_modified
                else parse_feed(
                    fetched.body, feed_url=fetched.url, headers=fetched.headers, now=now
                )
            )
        except (FetchError, FeedParseError) as exc:
            return _poll_failed(feed, store, now, exc)
        except Exception as exc:
            log.exception("feed_poll_crashed")
            return _poll_failed(
                feed, store, now, FeedParseError(f"feeds: {type(exc).__name__}: {exc}")
            )
        new_items, warning = 0, None
        with store.begin() as conn:
            if parsed is not None:
                new_items, warning = _store_entries(conn, feed.id, parsed, now=now)
            feed_store.record_success(
                conn,
                feed.id,
                etag=fetched.etag,
                last_modified=fetched.last_modified,
                now=now,
                interval_s=feed.interval_s,
                warning=warning,
            )
        if parsed is not None and parsed.warning:
            log.info("feed_ill_formed", warning=parsed.warning[:300])
        for problem in parsed.undated if parsed is not None else ():
            log.warning("feed_entry_date_ignored", problem=problem)
        log.info("feed_refreshed", not_modified=fetched.not_modified, new_items=new_items)
        if retention_s is not None:
            _forget_items(feed.id, store, before=now - timedelta(seconds=retention_s))
        return Refreshed(feed.id, fetched.not_modified, new_items, None)
    finally:
        structlog.contextvars.unbind_contextvars("feed_id", "feed_url")


def _warning(parsed: ParsedFeed | None) -> str | None:
    """What the feed's row shows of a poll that worked: feedparser's warning, else the first
    entry date set aside."""
    if parsed is None:
        return None
    if parsed.warning or not parsed.undated:
        return parsed.warning
    more = len(parsed.undated) - 1
    return parsed.undated[0] + (f" (and {more} more)" if more else "")


def _store_entries(
    conn: Transaction, feed_id: int, parsed: ParsedFeed, *, now: datetime
) -> tuple[int, str | None]:
    """Queue the document's new entries; how many, and what to warn of on the feed's row."""
    items, repeats = distinct_items(parsed.items)
    for note in repeats:
        log.warning("feed_guid_repeated", detail=note[:300])
    added = item_store.add_items(conn, feed_id, items, now=now)
    for item, reason in added.skipped:
        log.warning(
            "feed_entry_skipped", item_key=item.key, url=(item.link or "")[:300], reason=reason
        )
    for item, reason in added.trimmed:
        log.info("feed_entry_trimmed", item_key=item.key, title=item.title[:200], reason=reason)
    problems = [
        _warning(parsed) or "",
        *repeats,
        *(f"entry {item.key[:12]} skipped: {reason}" for item, reason in added.skipped),
    ]
    return added.new, "; ".join(p for p in problems if p) or None


def _forget_items(feed_id: int, store: Store, *, before: datetime) -> None:
    """Delete the feed's items past retention, a batch per transaction so that no write waits
    long on it; a failure is logged and left to the next poll."""
    forgotten = 0
    try:
        while True:
            with store.begin() as conn:
                batch = item_store.prune_items(conn, feed_id, before=before, limit=PRUNE_BATCH)
            forgotten += batch
            if batch < PRUNE_BATCH:
                break
    except StoreError as exc:
        log.warning("items_prune_failed", error=str(exc))
    if forgotten:
        log.info("items_pruned", rows=forgotten)


def _poll_failed(feed: FeedState, store: Store, now: datetime, exc: Exception) -> Refreshed:
    """Record a failed poll on the feed's row, with its backoff."""
    delay = backoff_s(feed.interval_s, feed.error_count)
    if isinstance(exc, FetchError) and exc.retry_after_s is not None:
        delay = max(delay, min(exc.retry_after_s, MAX_BACKOFF_S))
    with store.begin() as conn:
        feed_store.record_failure(
            conn, feed.id, error=str(exc), now=now, retry_after_s=delay, holder=feed.leased_by
        )
    log.warning(
        "feed_fetch_failed",
        error=str(exc),
        error_count=feed.error_count + 1,
        retry_delay_s=round(delay, 1),
    )
    return Refreshed(feed.id, False, 0, str(exc))


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
    """Read a queued entry's article and run it through ``process_article``.

    A page that fails for a passing reason (timeout, 5xx, a shutdown) is tried again later,
    up to MAX_PAGE_ATTEMPTS; after that, or when the page cannot serve at all, the entry's own
    text stands in. A page whose text another URL already gave (a consent wall, a paywall
    interstitial) also falls back to the entry's text, so the entry is never lost to it.
    """
    page = _read_page(pending, client=client, http=http, limiter=limiter, rules=rules)
    if page.retry and pending.attempts < MAX_PAGE_ATTEMPTS:
        delay = RETRY_PAGE_S * 2 ** (pending.attempts - 1)
        with store.begin() as conn:
            item_store.retry_item(
                conn, pending.id, at=now + timedelta(seconds=delay), error=page.problem
            )
        log.info(
            "page_retry_later",
            url=pending.item.link,
            problem=page.problem[:300],
            retry_delay_s=delay,
        )
        return Rejected("fetch", "retry_later", page.problem)
    if page.refused:
        return _skip(store, pending, Rejected("fetch", "refused", page.problem), now)
    result: Processed | None = None
    if page.article is not None:
        article = page.article
        reports = detect_events(article, rules)
        if not reports:
            # The page says nothing of an attack (a consent wall, a teaser, a paywall): if the
            # entry's own text reports one, that is what the feed told its readers.
            entry = _entry_article(pending, problem="the page reports no attack")
            entry_reports = [] if isinstance(entry, Rejected) else detect_events(entry, rules)
            if entry_reports and not isinstance(entry, Rejected):
                article, reports = entry, entry_reports
        result = process_article(
            article,
            store=store,
            rules=rules,
            now=now,
            policy=policy,
            item_key=pending.item.key,
            reports=reports,
        )
        if result.rejected is None or result.rejected.reason != "duplicate_text":
            return _done(store, pending, result, now)
        page = _Page(problem=f"page text is another article's: {result.rejected.detail}")
    fallback = _entry_article(pending, problem=page.problem)
    if isinstance(fallback, Rejected):
        return (
            _skip(store, pending, fallback, now)
            if result is None
            else _done(store, pending, result, now)
        )
    return _done(
        store,
        pending,
        process_article(
            fallback, store=store, rules=rules, now=now, policy=policy, item_key=pending.item.key
        ),
        now,
    )


@dataclass(frozen=True, slots=True)
class _Page:
    article: Article | None = None
    problem: str = ""
    retry: bool = False  # the failure may pass: try the page again later
    refused: bool = False  # the link must never be fetched


def _read_page(
    pending: PendingItem,
    *,
    client: httpx.Client,
    http: HttpSettings,
    rules: Ruleset,
    limiter: HostLimiter | None = None,
) -> _Page:
    item = pending.item
    if not item.link:
        return _Page(problem="no link")
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
    except FetchError as exc:
        if exc.refused:
            log.warning("page_refused", url=item.link, reason=str(exc))
            return _Page(problem=str(exc), refused=True)
        log.info("page_unreadable", url=item.link, problem=str(exc)[:300])
        return _Page(problem=str(exc), retry=exc.transient)
    if not may_report_an_attack(page.body, rules) and not may_report_an_attack(item.title, rules):
        # Not worth extracting: no tracked base can be named beside an attack word in it, nor
        # in the entry's title that the extractor reads with it (the entry's own text is still
        # read, and it alone is kept if it reports anything).
        return _Page(problem="the page names no tracked base beside an attack word")
    article = extract_article(
        page.body,
        url=item.link,
        published_at=item.published_at,
        title=item.title,
        feed_id=pending.feed_id,
    )
    if isinstance(article, Rejected):
        return _Page(problem=f"{article.reason}: {article.detail}")
    return _Page(article=article)


def _entry_article(pending: PendingItem, *, problem: str) -> Article | Rejected:
    """The entry's own content or summary as an article (origin ``feed_summary``)."""
    item = pending.item
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


def _done(store: Store, pending: PendingItem, result: Processed, now: datetime) -> Processed:
    with store.begin() as conn:
        item_store.finish_item(conn, pending.id, now=now, status="done")
    return result


def _skip(store: Store, pending: PendingItem, rejected: Rejected, now: datetime) -> Rejected:
    with store.begin() as conn:
        item_store.finish_item(
            conn,
            pending.id,
            now=now,
            status="skipped",
            error=f"{rejected.stage}: {rejected.reason}: {rejected.detail}",
        )
    log.info("item_skipped", reason=rejected.reason, detail=rejected.detail[:300])
    return rejected
