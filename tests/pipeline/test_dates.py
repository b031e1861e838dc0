"""Day expressions resolved against the publication day: ``find_days`` and ``resolve_day``."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from monitor.pipeline.dates import DayMention, find_days, plausible_published, resolve_day
from monitor.pipeline.extract import extract_article
from monitor.pipeline.sentences import fold
from monitor.records import Rejected

# 2023-11-05 was a Sunday, 2023-11-07 a Tuesday.
SUNDAY = date(2023, 11, 5)
TUESDAY = date(2023, 11, 7)


def _only_mention(text: str) -> DayMention:
    mentions = find_days(fold(text))
    assert len(mentions) == 1, mentions
    return mentions[0]


@pytest.mark.parametrize(
    ("text", "published", "expected"),
    [
        ("The base was hit on October 31, 2023.", TUESDAY, date(2023, 10, 31)),
        ("The base was hit on 31 Oct 2023.", TUESDAY, date(2023, 10, 31)),
        ("The base was hit on the 31st of October.", TUESDAY, date(2023, 10, 31)),
        ("The base was hit on Tuesday, October 31.", TUESDAY, date(2023, 10, 31)),
        ("The base was hit on Oct. 30 at dawn.", TUESDAY, date(2023, 10, 30)),
        ("The base was hit on Sept. 12.", TUESDAY, date(2023, 9, 12)),
        ("The base was hit on Nov. 8.", TUESDAY, date(2023, 11, 8)),
        ("The base was hit on Nov. 9.", TUESDAY, date(2022, 11, 9)),
        ("The base was hit on Dec. 28.", date(2024, 1, 3), date(2023, 12, 28)),
        ("The base was hit on Dec. 31, 2023.", date(2024, 1, 1), date(2023, 12, 31)),
        ("The base was hit on February 30.", TUESDAY, None),
    ],
    ids=[
        "month-day-year",
        "day-month-year",
        "ordinal-of-month",
        "weekday-month-day",
        "abbrev-no-year",
        "sept-abbrev",
        "day-after-publication",
        "two-days-after-goes-back",
        "december-read-in-january",
        "explicit-year-across-new-year",
        "impossible-day",
    ],
)
def test_calendar_dates_resolve_against_publication(
    text: str, published: date, expected: date | None
) -> None:
    """A month and day take the text's year, else publication's (one back if later)."""
    assert resolve_day(_only_mention(text), published) == expected


@pytest.mark.parametrize(
    ("text", "published", "expected"),
    [
        ("Rockets hit the base Sunday night.", SUNDAY, SUNDAY),
        ("Rockets hit the base on Monday.", TUESDAY, date(2023, 11, 6)),
        ("Rockets hit the base on Tuesday.", TUESDAY, TUESDAY),
        ("Rockets hit the base last Tuesday.", TUESDAY, date(2023, 10, 31)),
        ("Rockets hit the base last Sunday.", TUESDAY, SUNDAY),
        ("Rockets hit the base on Wednesday.", TUESDAY, date(2023, 11, 1)),
        ("This Tuesday (7), a drone hit the base.", TUESDAY, TUESDAY),
        ("Monday's attack caused no damage.", TUESDAY, date(2023, 11, 6)),
        ("Rockets hit the base yesterday.", TUESDAY, date(2023, 11, 6)),
        ("Rockets hit the base the day before yesterday.", TUESDAY, SUNDAY),
        ("Rockets hit the base last night.", TUESDAY, date(2023, 11, 6)),
        ("Rockets hit the base overnight.", TUESDAY, TUESDAY),
        ("Rockets hit the base this morning.", TUESDAY, TUESDAY),
    ],
    ids=[
        "same-weekday-as-publication",
        "on-monday-read-tuesday",
        "on-tuesday-read-tuesday",
        "last-tuesday-read-tuesday",
        "last-sunday-read-tuesday",
        "wednesday-goes-back",
        "this-tuesday-day-of-month",
        "possessive-weekday",
        "yesterday",
        "day-before-yesterday",
        "last-night",
        "overnight",
        "this-morning",
    ],
)
def test_weekdays_and_relative_days_count_back_from_publication(
    text: str, published: date, expected: date
) -> None:
    """A weekday is the latest one up to publication ("last" skips today); relatives offset."""
    assert resolve_day(_only_mention(text), published) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Rockets hit the base Sunday night.", None),
        ("Rockets hit the base last Tuesday.", None),
        ("Rockets hit the base yesterday.", None),
        ("Rockets hit the base overnight.", None),
        ("Rockets hit the base on Oct. 30.", None),
        ("Rockets hit the base on October 30, 2023.", date(2023, 10, 30)),
    ],
    ids=["weekday", "last-weekday", "yesterday", "overnight", "month-day-no-year", "full-date"],
)
def test_without_publication_only_full_dates_resolve(text: str, expected: date | None) -> None:
    """With no publication day, weekdays, relative days and yearless dates stay unresolved."""
    assert resolve_day(_only_mention(text), None) == expected


@pytest.mark.parametrize(
    ("text", "bound"),
    [
        ("There have been 38 attacks since October 17.", True),
        ("There have been 38 attacks since Oct. 17.", True),
        ("Attacks from October 17 onwards were counted.", True),
        ("The truce holds until Sunday.", True),
        ("The base was hit on October 17.", False),
        ("The base was hit Sunday night.", False),
    ],
    ids=["since-month-day", "since-abbrev", "from-month-day", "until-weekday", "on-day", "weekday"],
)
def test_period_bounds_are_flagged(text: str, bound: bool) -> None:
    """A day after "since", "from" or "until" is a bound of a period, not the day of an attack."""
    assert _only_mention(text).is_period_bound is bound


@pytest.mark.parametrize(
    ("text", "expressions"),
    [
        ("They may attack again in March.", []),
        ("At 10 pm the sirens sounded.", []),
        (
            "The attack on Oct. 30 followed strikes on Sunday and yesterday.",
            ["oct. 30", "on sunday", "yesterday"],
        ),
    ],
    ids=["modal-may-and-bare-month", "clock-time", "several-in-order"],
)
def test_find_days_reports_expressions_left_to_right(text: str, expressions: list[str]) -> None:
    """find_days returns only day expressions, in text order, as folded words."""
    assert [m.text for m in find_days(fold(text))] == expressions


@pytest.mark.parametrize(
    ("text", "published", "expected"),
    [
        ("this tuesday (7)", date(2023, 11, 7), date(2023, 11, 7)),
        ("this tuesday (7)", date(2023, 11, 8), date(2023, 11, 7)),
        ("tuesday (9)", date(2023, 11, 7), None),
    ],
    ids=["same-day", "day-after", "disagreeing"],
)
def test_weekday_with_day_of_month(text: str, published: date, expected: date | None) -> None:
    """'This Tuesday (7)' is the 7th; a weekday and a day of month that disagree fix nothing."""
    assert resolve_day(_only_mention(text), published) == expected


@pytest.mark.parametrize(
    "text", ["officials will meet next tuesday", "on the coming friday"], ids=["next", "coming"]
)
def test_future_weekdays_are_not_attack_days(text: str) -> None:
    """'next Tuesday' lies ahead: it is flagged like a period bound, never an attack's day."""
    (mention,) = find_days(text)
    assert mention.is_period_bound


@pytest.mark.parametrize(
    "text",
    ["officials said 2 may have been wounded", "3 may be hurt"],
    ids=["may-have", "may-be"],
)
def test_modal_may_is_not_a_month(text: str) -> None:
    """'may' followed by a verb is the modal, not the month."""
    assert [m for m in find_days(text) if m.month == 5] == []


def test_december_mentioned_in_january_is_last_month() -> None:
    """'December 30' read on January 2 is the previous year's December."""
    assert resolve_day(_only_mention("december 30"), date(2024, 1, 2)) == date(2023, 12, 30)


NOW = datetime(2024, 2, 1, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("published", "kept"),
    [
        (datetime(2024, 1, 31, tzinfo=UTC), True),
        (datetime(2024, 2, 2, 11, tzinfo=UTC), True),  # a day of clock skew
        (datetime(2024, 2, 2, 13, tzinfo=UTC), False),
        (datetime(2199, 1, 1, tzinfo=UTC), False),
        (datetime(1990, 1, 1, tzinfo=UTC), True),
        (datetime(1989, 12, 31, tzinfo=UTC), False),
        (datetime(1900, 1, 1, tzinfo=UTC), False),
        (datetime(1, 1, 1, tzinfo=UTC), False),
        (datetime(2024, 1, 31), True),  # noqa: DTZ001 - no offset: taken as UTC
        (datetime(2199, 1, 1), False),  # noqa: DTZ001
    ],
)
def test_plausible_published(published: datetime, kept: bool) -> None:
    """A publication date is believed from 1990 to a day after now, and returned unchanged."""
    assert plausible_published(published, NOW) == (published if kept else None)


@pytest.mark.parametrize("date_text", ["2199-01-01T10:00:00Z", "1900-01-01", "0000-01-01"])
def test_an_impossible_page_date_leaves_the_page_undated(date_text: str) -> None:
    """A page whose metadata dates it 2199, 1900 or year 0 is read as undated (the extractor's
    date finder keeps only dates up to today), so the entry's or fetch's date stands."""
    text = "Rockets hit the base near the city on Monday, officials said. " * 5
    page = (
        f"<html><head><meta property='article:published_time' content='{date_text}'></head>"
        f"<body><article><h1>T</h1><p>{text}</p></article></body></html>"
    )
    article = extract_article(page, url="http://x.example/a")
    assert not isinstance(article, Rejected)
    assert (article.published_at, article.published_source) == (None, "none")
