"""Turn corpus records (seed-style text files, JSON Lines rows) into ``Article`` values.

Pure functions: the caller reads the files. A seed-style text may start with the token
``date YYYY-MM-DD`` (possibly on the same line as the text); when it does not and no manifest
gives a date, a dateline near the top ("Tue 31 Oct 2023 12:22 pm") dates the article. A date
outside ``plausible_published`` is no date.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

from monitor.pipeline.dates import MONTHS, plausible_published
from monitor.pipeline.sentences import fold
from monitor.records import Article

_DATE_TOKEN = re.compile(r"^\s*date\s+(\d{4}-\d{2}-\d{2})\b[ \t]*\n?")
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_DATELINES = (
    re.compile(
        rf"(?<![\w-])(?P<day>\d{{1,2}})\s+(?P<month>{_MONTH})\.?,?\s+(?P<year>(?:19|20)\d\d)\b"
    ),
    re.compile(
        rf"(?<![\w-])(?P<month>{_MONTH})\.?\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,\s*"
        rf"(?P<year>(?:19|20)\d\d)\b"
    ),
)
# Only the top of a page carries its dateline; further down, dates are the story's own.
_DATELINE_LINES = 15
_DATELINE_MAX_CHARS = 80


def parse_text_article(
    raw: str,
    *,
    url: str,
    published: datetime | None = None,
    title: str | None = None,
    now: datetime,
) -> Article:
    """A seed-style text file as an Article; the date token wins over ``published``. ``now``
    bounds the dates found in the text (``plausible_published``)."""
    text = raw.lstrip("\ufeff")
    source = "manifest" if published else "none"
    token = _DATE_TOKEN.match(text)
    if token:
        text = text[token.end() :]
        try:
            day = _day_start(date.fromisoformat(token.group(1)))
        except ValueError:
            day = None  # "date 2024-13-45" is no date: leave the article to its other clues
        if day is not None and plausible_published(day, now):  # nor "date 9999-12-31"
            published, source = day, "text"
    if published is None:
        published = find_dateline(text)
        if published is not None and plausible_published(published, now) is None:
            published = None
        source = "dateline" if published else "none"
    return Article(
        url=url,
        title=title or "",
        text=text.strip("\n"),
        published_at=published,
        published_source=source,
        origin="corpus",
    )


def parse_json_article(row: dict[str, Any], *, url: str, text: str, now: datetime) -> Article:
    """A JSON Lines row (already holding plain ``text``) as an Article."""
    published = parse_published(row.get("published"))
    article = parse_text_article(
        text, url=url, published=published, title=row.get("title"), now=now
    )
    if published is not None and article.published_source == "manifest":
        return Article(
            url=article.url,
            title=article.title,
            text=article.text,
            published_at=published,
            published_source="record",
            origin="corpus",
        )
    return article


def parse_published(value: object) -> datetime | None:
    """An ISO date or datetime, aware (in its own offset); None when absent.

    ValueError (with what was wrong) when it is not a date a news article can have.
    """
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError(f"published: expected an ISO date, got {value!r}")
    text = value.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            stamp = _day_start(date.fromisoformat(text))
        else:
            stamp = datetime.fromisoformat(text.replace("Z", "+00:00"))
            if stamp.tzinfo is None:
                stamp = stamp.replace(tzinfo=UTC)
            stamp.astimezone(UTC)  # overflows for the year 1 in a positive offset
    except (ValueError, OverflowError) as exc:
        raise ValueError(f"published: {value!r} is not an ISO date ({exc})") from None
    if not 1900 <= stamp.year <= 2200:
        raise ValueError(f"published: {value!r} is out of range")
    return stamp


def find_dateline(text: str) -> datetime | None:
    """The full date (day, month, year) printed near the top of a page, if any."""
    lines = [line.strip() for line in text.splitlines()[:_DATELINE_LINES]]
    # A dateline stands on its own short line, or opens one ("Baghdad, Nov 5 2023 -"): a date
    # inside a sentence is the story's, not the page's.
    head = "\n".join(fold(line) for line in lines if line and len(line) <= _DATELINE_MAX_CHARS)
    for pattern in _DATELINES:
        for match in pattern.finditer(head):
            try:
                day = date(int(match["year"]), MONTHS[match["month"]], int(match["day"]))
            except ValueError:
                continue  # "31 February": not a date; a later one may be
            return _day_start(day)
    return None


def _day_start(day: date) -> datetime:
    # A corpus date is a calendar day; noon UTC keeps it the same day in every time zone
    # from UTC-11 to UTC+11, so weekday arithmetic does not slip a day.
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
