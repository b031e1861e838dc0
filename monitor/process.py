"""The article unit of work: ``process_article``.

text -> dedup of URL and text -> detect -> merge into events -> persist + enqueue alerts, all in
one transaction, so an article is either fully accounted for or not at all. The daemon, ``monitor
run --once`` and ``monitor replay`` all call this one function.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog

from monitor.pipeline.alerts import alert_body
from monitor.pipeline.dedup import (
    canonical_url,
    content_hash,
    is_syndicated_copy,
    paragraph_hashes,
)
from monitor.pipeline.detect import detect_events
from monitor.pipeline.merge import (
    UNDATED_WINDOW_DAYS,
    candidate_days,
    choose_event,
    event_key,
    merge_report,
)
from monitor.pipeline.rules import Ruleset
from monitor.records import Article, Event, Rejected, Report
from monitor.store import Store, Transaction
from monitor.store import articles as article_store
from monitor.store import events as event_store
from monitor.store import outbox as outbox_store

log = structlog.get_logger()

Detector = Callable[[Article, Ruleset], list[Report]]


@dataclass(frozen=True, slots=True)
class AlertPolicy:
    """Where alerts go and which articles may raise them."""

    webhooks: tuple[str, ...] = ()  # outbox rows are written for these webhook names
    max_article_age_s: float | None = None  # older articles record events but alert nothing


@dataclass(frozen=True, slots=True)
class Processed:
    """What one article did to the store."""

    article_id: int | None
    rejected: Rejected | None
    reports: tuple[Report, ...]
    created: tuple[int, ...]  # event ids
    updated: tuple[int, ...]
    alerts: tuple[int, ...]  # alert ids


def process_article(
    article: Article,
    *,
    store: Store,
    rules: Ruleset,
    now: datetime,
    policy: AlertPolicy,
    item_key: str | None = None,
    detect: Detector = detect_events,
    reports: Sequence[Report] | None = None,
) -> Processed:
    """Record an article and the events it reports, and enqueue their alerts.

    ``detect`` is the extractor; backtests pass the naive baseline to measure against it.
    ``reports`` are its results when the caller already ran it on this article.
    """
    url = canonical_url(article.url)
    digest = content_hash(article.text)
    reports = tuple(detect(article, rules) if reports is None else reports)
    may_alert = _is_fresh(article, now, policy.max_article_age_s)
    created: list[int] = []
    updated: list[int] = []
    alerts: list[int] = []
    paragraphs = paragraph_hashes(article.text)
    with store.begin() as conn:
        inserted = article_store.insert_article(
            conn, article, url=url, content_hash=digest, item_key=item_key, now=now
        )
        if not isinstance(inserted, Rejected):
            inserted = _unless_syndicated(conn, inserted, paragraphs)
        if isinstance(inserted, Rejected):
            log.info("article_skipped", url=url, reason=inserted.reason, detail=inserted.detail)
            return Processed(None, inserted, reports, (), (), ())
        article_id = inserted
        article_store.set_report_count(conn, article_id, len(reports))
        for report in reports:
            event, kind = _apply_report(conn, report, article, url, digest, article_id, rules, now)
            if kind is None:
                continue
            (created if kind == "event.created" else updated).append(event.id)
            log.info(
                "event_detected" if kind == "event.created" else "event_updated",
                event_id=event.id,
                base=event.base_id,
                day=event.day.isoformat() if event.day else None,
                url=url,
                rule_id=report.rule_id,
                evidence=report.evidence[0].text[:200] if report.evidence else "",
            )
            if not may_alert:
                continue
            alert_id = outbox_store.enqueue_alert(
                conn,
                event_id=event.id,
                event_key=event.key,
                version=event_store.version_of(conn, event.id),
                kind=kind,
                payload=json.dumps(alert_body(kind, event), ensure_ascii=False),
                webhooks=policy.webhooks,
                now=now,
            )
            if alert_id is not None:
                alerts.append(alert_id)
    return Processed(article_id, None, reports, tuple(created), tuple(updated), tuple(alerts))


def _apply_report(
    conn: Transaction,
    report: Report,
    article: Article,
    url: str,
    digest: str,
    article_id: int,
    rules: Ruleset,
    now: datetime,
) -> tuple[Event, str | None]:
    """Merge one report into its event; the event and the alert kind it calls for, if any."""
    existing = _existing_event(conn, report, article, digest)
    created = False
    if existing is None:
        key = event_key(report, article_hash=digest)
        base = rules.bases.get(report.base_id) if report.base_id else None
        created = event_store.insert_event(conn, key, report, base, now=now) is not None
        existing = event_store.find_event(conn, key)
        assert existing is not None
    cited = event_store.add_source(
        conn,
        existing.id,
        article_id,
        url=url,
        title=article.title,
        published_at=article.published_at,
        evidence=" … ".join(span.text for span in report.evidence),
        rule_id=report.rule_id,
        now=now,
    )
    if created:
        return event_store.get_event(conn, existing.id), "event.created"
    merged, added = merge_report(existing, report)
    if merged != existing:
        event_store.update_event(conn, merged, now=now)
    if added and cited:
        return event_store.get_event(conn, existing.id), "event.updated"
    return existing, None


def _unless_syndicated(
    conn: Transaction, article_id: int, paragraphs: Sequence[str]
) -> int | Rejected:
    """The article's id, or a Rejected when it is a copy of an earlier one (wire stories
    republished with their own boilerplate). Copies stay recorded, so they are skipped again."""
    shared = article_store.most_shared_paragraphs(conn, paragraphs)
    article_store.add_paragraphs(conn, article_id, paragraphs)
    if shared is not None and is_syndicated_copy(shared[1], len(paragraphs)):
        return Rejected(
            "dedup",
            "syndicated_copy",
            f"{shared[1]} of {len(paragraphs)} paragraphs are article {shared[0]}'s",
        )
    return article_id


def _existing_event(
    conn: Transaction, report: Report, article: Article, digest: str
) -> Event | None:
    """The event a report belongs to: by key, else the one compatible event of its base nearby.

    A dated report joins the event of its base and day, or else one still undated that was
    first reported on that day or just after; an undated report joins the one compatible event
    of its base (dated or not) around its publication. Ambiguity makes a new event.
    """
    found = event_store.find_event(conn, event_key(report, article_hash=digest))
    if found is not None or report.base_id is None:
        return found
    if report.day is not None:
        same_day = event_store.find_events_of_base(conn, report.base_id, report.day, report.day)
        if len(same_day) == 1:
            return same_day[0]
        undated = event_store.find_undated_events_of_base(
            conn, report.base_id, report.day, report.day + timedelta(days=UNDATED_WINDOW_DAYS)
        )
        return choose_event(report, undated)
    window = candidate_days(article.published_at)
    if window is None:
        return None
    candidates = [
        *event_store.find_events_of_base(conn, report.base_id, *window),
        *event_store.find_undated_events_of_base(
            conn, report.base_id, window[0], window[1] + timedelta(days=1)
        ),
    ]
    return choose_event(report, candidates)


def _is_fresh(article: Article, now: datetime, max_age_s: float | None) -> bool:
    if max_age_s is None or article.published_at is None:
        return True
    return now - article.published_at <= timedelta(seconds=max_age_s)
