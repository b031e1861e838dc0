"""Typed records that cross pipeline stages.

Every value handed from one stage to the next is one of these frozen, slotted dataclasses:
no dicts, no ORM rows, no feedparser or trafilatura objects. Times are timezone-aware UTC and
named ``*_at``; calendar days are ``datetime.date`` and named ``day``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum


class Outcome(StrEnum):
    """What an attack did, most serious last (``max`` picks the most serious)."""

    UNKNOWN = "unknown"
    INTERCEPTED = "intercepted"
    NO_DAMAGE = "no_damage"
    DAMAGE = "damage"
    CASUALTIES = "casualties"

    @property
    def severity(self) -> int:
        return list(Outcome).index(self)


class Attribution(StrEnum):
    """How firmly the report states the attack happened."""

    CLAIMED = "claimed"  # only the attackers say so
    REPORTED = "reported"  # sources, officials or media report it
    CONFIRMED = "confirmed"  # the forces attacked (or their government) confirm it


@dataclass(frozen=True, slots=True)
class Base:
    """A tracked military base, as configured."""

    id: str
    name: str
    country: str
    location: tuple[float, float]  # (lat, lon)
    aliases: tuple[str, ...]  # names that on their own designate this base
    weak_aliases: tuple[str, ...] = ()  # names that count only beside a base word ("X base")
    region: str | None = None


@dataclass(frozen=True, slots=True)
class FeedItem:
    """One entry of a feed."""

    key: str
    link: str | None
    title: str
    summary: str  # the entry's own content, or its summary, as HTML or text
    published_at: datetime | None


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """A parsed feed document."""

    title: str
    items: tuple[FeedItem, ...]
    warning: str | None  # why feedparser found the document ill-formed, if it did
    undated: tuple[str, ...] = ()  # entries whose date was set aside as impossible, and why


@dataclass(frozen=True, slots=True)
class Rejected:
    """A record a stage declined to pass on, and why. Not an error."""

    stage: str  # "extract", "dedup", "detect"
    reason: str  # "too_short", "empty", "duplicate_url"
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Article:
    """One news article's text, as read from a page, a feed entry or a corpus file."""

    url: str  # canonical URL, or a file: URI for a corpus file without one
    title: str
    text: str
    # Aware, but in the publisher's own UTC offset where known (the store keeps it in UTC):
    # "today" and "yesterday" in a report mean the publisher's calendar day, not UTC's.
    published_at: datetime | None
    published_source: str  # "feed", "page", "manifest", "text", "dateline", "none"
    origin: str = "corpus"  # "page", "feed_summary", "corpus"
    feed_id: int | None = None


@dataclass(frozen=True, slots=True)
class Span:
    """A piece of the article text an extraction rests on."""

    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class Report:
    """One attack on one base, as one article reports it (the extractor's output)."""

    base_id: str | None  # tracked base id; None when the text names no tracked base
    base_mention: str  # the words that name the target
    country: str | None
    day: date | None  # the day it happened; None when the text does not fix it
    day_expression: str | None  # the words the day was resolved from
    weapons: tuple[str, ...]  # sorted subset of drone, rocket, mortar, missile, ied, ...
    munitions_count: int | None
    attack_count: int
    claimed_by: str | None
    attribution: Attribution
    outcome: Outcome
    injured: int | None
    killed: int | None
    evidence: tuple[Span, ...]
    rule_id: str  # which rule family fired, e.g. "attack.sentence"
    triggers: tuple[str, ...] = ()
    # Each field that the text states, with the sentence it rests on: ("day", span), ...
    basis: tuple[tuple[str, Span], ...] = ()

    @property
    def tracked(self) -> bool:
        return self.base_id is not None


@dataclass(frozen=True, slots=True)
class Source:
    """An article that reported an event, with the sentence(s) it rests on."""

    url: str
    title: str
    published_at: datetime | None
    evidence: str


@dataclass(frozen=True, slots=True)
class Event:
    """One attack, merged from every report of it."""

    id: int
    key: str
    base_id: str | None
    base_name: str | None
    base_mention: str
    country: str | None
    location: tuple[float, float] | None
    day: date | None
    day_expression: str | None
    weapons: tuple[str, ...]
    munitions_count: int | None
    attack_count: int
    claimed_by: str | None
    attribution: Attribution
    outcome: Outcome
    injured: int | None
    killed: int | None
    first_reported_at: datetime
    updated_at: datetime
    sources: tuple[Source, ...] = field(default=())

    @property
    def tracked(self) -> bool:
        return self.base_id is not None


@dataclass(frozen=True, slots=True)
class Alert:
    """An alert the monitor sends (or, in replay, would send) for an event."""

    id: int
    event_id: int
    kind: str  # "event.created" | "event.updated"
    created_at: datetime
    payload: str  # JSON body, exactly as delivered
