"""Day expressions in news text, resolved against the publication date; and which
publication dates are believable at all.

``find_days`` finds the expressions in folded text ("sunday night", "october 31, 2023",
"this tuesday (7)", "yesterday"); ``resolve_day`` turns one into a calendar day, or None when
the text does not fix it (a weekday or "yesterday" with no publication date, a month and day
with no year and no publication date). A careful reader never guesses, and neither does this.
``plausible_published`` is the one range check for a publication date, wherever it was read
(a feed entry, a corpus record).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

# Publication dates outside [EARLIEST_PUBLISHED, now + CLOCK_SKEW] are publishers' mistakes
# (a CMS default of 1900 or year 0, a typo of 2199): an attack dated by one would be alerted on
# a day it did not happen. A day of skew covers clocks that run ahead and local times labelled
# as UTC (at most 14 hours off).
EARLIEST_PUBLISHED = datetime(1990, 1, 1, tzinfo=UTC)
CLOCK_SKEW = timedelta(days=1)

MONTHS = {
    "january": 1,
    "jan": 1,
    "february": 2,
    "feb": 2,
    "march": 3,
    "mar": 3,
    "april": 4,
    "apr": 4,
    "may": 5,
    "june": 6,
    "jun": 6,
    "july": 7,
    "jul": 7,
    "august": 8,
    "aug": 8,
    "september": 9,
    "sept": 9,
    "sep": 9,
    "october": 10,
    "oct": 10,
    "november": 11,
    "nov": 11,
    "december": 12,
    "dec": 12,
}
WEEKDAYS = {
    "monday": 0,
    "mon": 0,
    "tuesday": 1,
    "tue": 1,
    "tues": 1,
    "wednesday": 2,
    "wed": 2,
    "thursday": 3,
    "thu": 3,
    "thurs": 3,
    "friday": 4,
    "fri": 4,
    "saturday": 5,
    "sat": 5,
    "sunday": 6,
    "sun": 6,
}
# "may" is a month only when no verb follows it ("2 may have been wounded" is no date).
_MAY_VERB = (
    r"(?!\s+(?:have|has|be|been|not|also|still|well|never|take|face|need|include|help|come|go|"
    r"prove|continue|lead|cause|result|affect|see|want|try|seek|use|pose|raise|escalate|rise|"
    r"increase|hit|strike|target|attack|launch|retaliate|respond|know|only|even|soon|yet)\b)"
)
_MONTH = "|".join(
    name + _MAY_VERB if name == "may" else name for name in sorted(MONTHS, key=len, reverse=True)
)
_WEEKDAY_FULL = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_WEEKDAY = "|".join(sorted(WEEKDAYS, key=len, reverse=True))
_ORD = r"(?:st|nd|rd|th)?"

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "month_day",
        re.compile(
            rf"\b(?:(?P<wd>{_WEEKDAY})\.?,?\s+)?(?P<month>{_MONTH})\.?\s+(?P<day>\d{{1,2}}){_ORD}\b"
            rf"(?:,?\s+(?P<year>(?:19|20)\d\d)\b)?"
        ),
    ),
    (
        "day_month",
        re.compile(
            rf"\b(?:(?P<wd>{_WEEKDAY})\.?,?\s+)?(?:the\s+)?(?P<day>\d{{1,2}}){_ORD}\s+(?:of\s+)?"
            rf"(?P<month>{_MONTH})\b\.?(?:,?\s+(?P<year>(?:19|20)\d\d)\b)?"
        ),
    ),
    (
        "weekday",
        re.compile(
            rf"\b(?:(?P<mod>this|last|past|early|late|on|since|before|until|by|next|coming)\s+)?"
            rf"(?P<wd>{_WEEKDAY_FULL})(?:'s)?\b(?:\s*\((?P<dom>\d{{1,2}})\))?"
        ),
    ),
    (
        "holiday",
        re.compile(r"\b(?P<holiday>christmas day|christmas eve|new year's day|new year's eve)\b"),
    ),
    (
        "relative",
        re.compile(
            r"\b(?P<rel>the\s+day\s+before\s+yesterday|yesterday|last\s+night|today|tonight|"
            r"this\s+(?:morning|afternoon|evening)|earlier\s+today|overnight)\b"
        ),
    ),
)
_HOLIDAYS = {
    "christmas day": (12, 25),
    "christmas eve": (12, 24),
    "new year's day": (1, 1),
    "new year's eve": (12, 31),
}
_SECOND_DAY = re.compile(r"\s*(?:and|or|-|to)\s*\d{1,2}\b")
_RELATIVE_DAYS = {
    "the day before yesterday": -2,
    "yesterday": -1,
    "last night": -1,
    "today": 0,
    "tonight": 0,
    "this morning": 0,
    "this afternoon": 0,
    "this evening": 0,
    "earlier today": 0,
    "overnight": 0,
}
# Words before a day expression that make it a bound of a period, not the day of an attack.
_PERIOD_WORDS = re.compile(r"\b(?:since|until|till|through|from|between|after|before|by)\s*$")


@dataclass(frozen=True, slots=True)
class DayMention:
    """A day expression found in a text: where it is and what it says."""

    start: int
    end: int
    text: str
    kind: str  # "month_day", "day_month", "weekday", "relative"
    year: int | None = None
    month: int | None = None
    day: int | None = None
    weekday: int | None = None
    offset_days: int | None = None
    modifier: str | None = None
    is_period_bound: bool = False  # "since October 17": a tally's start, not an attack's day


def find_days(folded: str) -> list[DayMention]:
    """Every day expression in a folded (lower-case) text, left to right, without overlaps."""
    found: list[DayMention] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(folded):
            span = match.span()
            if any(span[0] < end and start < span[1] for start, end in taken):
                continue
            mention = _mention(kind, match, folded)
            if mention is not None:
                found.append(mention)
                taken.append(span)
    return sorted(found, key=lambda m: m.start)


def _mention(kind: str, match: re.Match[str], folded: str) -> DayMention | None:
    groups = match.groupdict()
    before = folded[max(0, match.start() - 12) : match.start()]
    # "since Monday" bounds a period, "next Tuesday" is to come, and "Oct. 17 and 18" spans two
    # days: none of them is one attack's day.
    after = folded[match.end() : match.end() + 12]
    bound = bool(_PERIOD_WORDS.search(before) or _SECOND_DAY.match(after)) or groups.get("mod") in {
        "since",
        "until",
        "before",
        "by",
        "next",
        "coming",
    }
    common = {
        "start": match.start(),
        "end": match.end(),
        "text": match.group(0),
        "kind": kind,
        "is_period_bound": bound,
    }
    if kind in {"month_day", "day_month"}:
        day = int(groups["day"])
        if not 1 <= day <= 31:
            return None
        wd = groups.get("wd")
        return DayMention(
            **common,  # type: ignore[arg-type]
            year=int(groups["year"]) if groups.get("year") else None,
            month=MONTHS[groups["month"]],
            day=day,
            weekday=WEEKDAYS[wd] if wd else None,
        )
    if kind == "weekday":
        dom = groups.get("dom")
        return DayMention(
            **common,  # type: ignore[arg-type]
            weekday=WEEKDAYS[groups["wd"]],
            day=int(dom) if dom else None,
            modifier=groups.get("mod"),
        )
    if kind == "holiday":
        month, day = _HOLIDAYS[groups["holiday"]]
        return DayMention(**{**common, "kind": "month_day"}, month=month, day=day)  # type: ignore[arg-type]
    rel = re.sub(r"\s+", " ", groups["rel"])
    return DayMention(**common, offset_days=_RELATIVE_DAYS[rel])  # type: ignore[arg-type]


def resolve_day(mention: DayMention, published: date | None) -> date | None:
    """The calendar day a mention designates, read on the publication day; None if unknown."""
    if mention.kind in {"month_day", "day_month"}:
        assert mention.month is not None
        assert mention.day is not None
        year = mention.year
        if year is None:
            if published is None:
                return None
            year = published.year
            candidate = _safe_date(year, mention.month, mention.day)
            if candidate is not None and candidate > published + timedelta(days=1):
                year -= 1
        return _safe_date(year, mention.month, mention.day)
    if published is None:
        return None
    if mention.kind == "relative":
        assert mention.offset_days is not None
        return published + timedelta(days=mention.offset_days)
    assert mention.weekday is not None
    back = (published.weekday() - mention.weekday) % 7
    if back == 0 and mention.modifier in {"last", "past"}:
        back = 7
    resolved = published - timedelta(days=back)
    if mention.day is not None and resolved.day != mention.day:
        # "This Tuesday (7)": the day of the month wins if it lies within the last week.
        for offset in range(-1, 8):
            candidate = published - timedelta(days=offset)
            if candidate.day == mention.day:
                return candidate
        return None  # weekday and day of month disagree: the text does not fix the day
    return resolved


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def plausible_published(dt: datetime, now: datetime) -> datetime | None:
    """``dt`` when an article read at ``now`` can have been published then, else None.

    Believable means from 1990 to a day after ``now`` (see CLOCK_SKEW). A date without a UTC
    offset is taken as UTC for the check and returned as it came.
    """
    aware = dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)
    return dt if EARLIEST_PUBLISHED <= aware <= now + CLOCK_SKEW else None
