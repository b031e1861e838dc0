"""Corpus records as Articles: the ``date`` token, datelines and ISO publication stamps."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from monitor.pipeline.corpus import find_dateline, parse_published, parse_text_article

URL = "file:///tests/pipeline/seed.txt"
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _noon(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "published", "text"),
    [
        (
            " date 2023-11-05 Baghdad, Nov 5 (EFE). - Militants attacked a base.",
            _noon(2023, 11, 5),
            "Baghdad, Nov 5 (EFE). - Militants attacked a base.",
        ),
        (
            "date 2023-11-05\nBaghdad, Nov 5. Militants attacked a base.",
            _noon(2023, 11, 5),
            "Baghdad, Nov 5. Militants attacked a base.",
        ),
        (
            "\ufeffdate 2023-11-05 Erbil. Drones were shot down.",
            _noon(2023, 11, 5),
            "Erbil. Drones were shot down.",
        ),
    ],
    ids=["token-on-text-line", "token-on-own-line", "token-after-bom"],
)
def test_date_token_sets_published_and_is_removed(raw: str, published: datetime, text: str) -> None:
    """A leading "date YYYY-MM-DD" token dates the article (source "text") and leaves the text."""
    article = parse_text_article(raw, url=URL, now=NOW)
    assert article.published_at == published
    assert article.published_source == "text"
    assert article.text == text
    assert "date 2023" not in article.text


def test_date_token_wins_over_manifest_date() -> None:
    """The text's own date token overrides the date a manifest passes in."""
    article = parse_text_article(
        " date 2023-11-05 Militants attacked a base.",
        url=URL,
        published=_noon(2023, 11, 1),
        now=NOW,
    )
    assert (article.published_at, article.published_source) == (_noon(2023, 11, 5), "text")


def test_manifest_date_is_used_without_token() -> None:
    """Without a date token, the manifest's date stands, even when a dateline is present."""
    raw = "Tue 31 Oct 2023 12:22 pm\nMilitants attacked a base."
    article = parse_text_article(raw, url=URL, published=_noon(2023, 11, 1), now=NOW)
    assert (article.published_at, article.published_source) == (_noon(2023, 11, 1), "manifest")


@pytest.mark.parametrize(
    ("raw", "published"),
    [
        (
            "Drones target US base\nTue 31 Oct 2023 12:22 pm - Jerusalem Time\nMilitants attacked.",
            _noon(2023, 10, 31),
        ),
        ("Published November 2, 2023\nMilitants attacked a base.", _noon(2023, 11, 2)),
        ("Updated: 6 Dec. 2023\nMilitants attacked a base.", _noon(2023, 12, 6)),
    ],
    ids=["weekday-day-month-year-time", "month-day-comma-year", "abbreviated-month"],
)
def test_dateline_near_top_dates_undated_article(raw: str, published: datetime) -> None:
    """With no token and no manifest date, a full date near the top dates the article."""
    article = parse_text_article(raw, url=URL, now=NOW)
    assert (article.published_at, article.published_source) == (published, "dateline")
    assert article.text == raw


@pytest.mark.parametrize(
    "raw",
    [
        "Militants attacked the base on Oct. 30, officials said.",
        "The date 2023-11-05 is mentioned mid-sentence.",
        "\n".join(["Filler line."] * 20 + ["Tue 31 Oct 2023 12:22 pm"]),
        "",
    ],
    ids=["yearless-date-only", "token-not-at-start", "dateline-too-far-down", "empty"],
)
def test_article_without_a_date_is_undated(raw: str) -> None:
    """No token, manifest date or dateline near the top leaves published_at None."""
    article = parse_text_article(raw, url=URL, now=NOW)
    assert article.published_at is None
    assert article.published_source == "none"


def test_dateline_skips_an_impossible_date() -> None:
    """An impossible date near the top does not hide a real dateline below it."""
    assert find_dateline("Archive: 31 February 2023\nPosted 1 Nov 2023\nText.") == _noon(
        2023, 11, 1
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        ("2023-11-05", _noon(2023, 11, 5)),
        ("2023-11-05T08:30:00Z", datetime(2023, 11, 5, 8, 30, tzinfo=UTC)),
        ("2023-11-05T08:30:00+03:00", datetime(2023, 11, 5, 5, 30, tzinfo=UTC)),
        ("2023-11-05T08:30:00", datetime(2023, 11, 5, 8, 30, tzinfo=UTC)),
    ],
    ids=["none", "empty", "day-is-noon-utc", "zulu", "offset-kept", "naive-is-utc"],
)
def test_parse_published_returns_aware_times(value: str | None, expected: datetime | None) -> None:
    """parse_published turns ISO days and stamps into aware datetimes, None when absent."""
    parsed = parse_published(value)
    assert parsed == expected
    if parsed is not None:
        assert parsed.utcoffset() is not None


def test_parse_published_keeps_the_publishers_day() -> None:
    """01:00 in Baghdad is still the previous day in UTC; the publisher's day is kept."""
    parsed = parse_published("2024-01-29T01:00:00+03:00")
    assert parsed is not None
    assert parsed.date().isoformat() == "2024-01-29"


@pytest.mark.parametrize(
    "value",
    ["0001-01-01T00:00:00+01:00", "2024-13-45", "yesterday", "9999-01-01"],
    ids=["overflow", "impossible", "words", "far-future"],
)
def test_parse_published_rejects_garbage(value: str) -> None:
    """A publication date that cannot be is a ValueError naming the value."""
    with pytest.raises(ValueError, match="published"):
        parse_published(value)


@pytest.mark.parametrize("value", [5, "yesterday", "2023-13-01"], ids=["int", "word", "month-13"])
def test_parse_published_rejects_malformed(value: object) -> None:
    """parse_published raises ValueError for a value that is not an ISO date."""
    with pytest.raises(ValueError, match=r"."):
        parse_published(value)
