"""Counts as the press writes them: ``parse_number`` and the ``NUMBER`` pattern."""

from __future__ import annotations

import re

import pytest

from monitor.pipeline.numbers import NUMBER, parse_number

_BOUNDED_NUMBER = re.compile(rf"\b{NUMBER}\b")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4", 4),
        ("21", 21),
        ("1,000", 1000),
        (" 7 ", 7),
        ("four", 4),
        ("Four", 4),
        ("twelve", 12),
        ("nineteen", 19),
        ("twenty", 20),
        ("twenty-one", 21),
        ("twenty one", 21),
        ("ninety-nine", 99),
        ("a dozen", 12),
        ("dozen", 12),
        ("a", 1),
        ("an", 1),
        ("single", 1),
        ("pair", 2),
        ("zero", 0),
    ],
    ids=[
        "digit",
        "two-digits",
        "thousands-comma",
        "padded-digit",
        "word",
        "capitalised-word",
        "twelve",
        "nineteen",
        "tens",
        "hyphenated-compound",
        "spaced-compound",
        "ninety-nine",
        "a-dozen",
        "dozen",
        "article-a",
        "article-an",
        "single",
        "pair",
        "zero",
    ],
)
def test_parse_number_reads_press_counts(text: str, expected: int) -> None:
    """parse_number reads digits, number words, compounds, "a dozen" and "a"/"an" as counts."""
    assert parse_number(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "   ", "garbage", "four drones", "-3", "3.5", "twenty-eleven", "one-way", "two-day"],
    ids=[
        "empty",
        "blank",
        "garbage",
        "number-and-noun",
        "negative",
        "decimal",
        "bad-compound",
        "one-way",
        "two-day",
    ],
)
def test_parse_number_rejects_non_counts(text: str) -> None:
    """parse_number returns None for text that is not a single count."""
    assert parse_number(text) is None


@pytest.mark.parametrize(
    ("text", "expected"), [("12,000", 12000), ("150,000", 150000)], ids=["12,000", "150,000"]
)
def test_parse_number_reads_grouped_thousands(text: str, expected: int) -> None:
    """parse_number reads a comma-grouped count above 9,999 that NUMBER itself matches."""
    assert re.fullmatch(NUMBER, text)
    assert parse_number(text) == expected


@pytest.mark.parametrize(
    ("sentence", "counts"),
    [
        ("four drones hit the base", ["four"]),
        ("twenty-one rockets were fired", ["twenty-one"]),
        ("a dozen rockets were fired", ["a dozen"]),
        ("one one-way attack drone", ["one"]),
        ("one-way attack drones", []),
        ("a two-day visit", ["a"]),
        ("a three-year-old child", ["a"]),
        ("the seven-hour siege", []),
        ("a one-time payment", ["a"]),
    ],
    ids=[
        "plain-word",
        "compound",
        "a-dozen",
        "count-before-one-way",
        "one-way",
        "two-day",
        "three-year-old",
        "seven-hour",
        "one-time",
    ],
)
def test_number_pattern_skips_compound_adjectives(sentence: str, counts: list[str]) -> None:
    """NUMBER, matched on word boundaries, reads counts but not "one-way" or "two-day"."""
    assert [m.group(0) for m in _BOUNDED_NUMBER.finditer(sentence)] == counts
