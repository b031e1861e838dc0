"""Numbers as the press writes them: digits, words ("four"), "a dozen", "at least 5"."""

from __future__ import annotations

import re

_UNITS = {
    "zero": 0,
    "a": 1,
    "an": 1,
    "one": 1,
    "single": 1,
    "two": 2,
    "pair": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "dozen": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_DIGIT_WORDS = "one|two|three|four|five|six|seven|eight|nine"
_WORD = "|".join(sorted([*_UNITS, *_TENS], key=len, reverse=True))

# A count as written in the text (digits or words, "a dozen", "twenty-one"); the lookahead
# keeps "one-way" and "two-day" from reading as counts.
NUMBER = (
    rf"(?:\d{{1,3}}(?:,\d{{3}})+|\d{{1,6}}|(?:{'|'.join(_TENS)})(?:[- ](?:{_DIGIT_WORDS}))?"
    rf"|a\s+dozen|{_WORD})(?![\w-]*-(?:way|day|year|month|week|hour|time|stor))"
)
_NUMBER_RE = re.compile(rf"^{NUMBER}$")


def parse_number(text: str) -> int | None:
    """``"four"`` -> 4, ``"21"`` -> 21, ``"twenty-one"`` -> 21, ``"a dozen"`` -> 12."""
    words = text.strip().lower()
    if not words or not _NUMBER_RE.match(words):
        return None
    if words.replace(",", "").isdigit():
        return int(words.replace(",", ""))
    if words.startswith("a ") and words.endswith("dozen"):
        return 12
    parts = re.split(r"[- ]+", words)
    total = 0
    for part in parts:
        if part in _TENS:
            total += _TENS[part]
        elif part in _UNITS:
            total += _UNITS[part]
        else:
            return None
    return total
