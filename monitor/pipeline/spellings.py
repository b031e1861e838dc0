"""How the names in aliases are spelled: the classes of romanisation variation as named rules,
and the tolerant regex of a name built from them (``tolerant_name``).

An Arabic or Kurdish name reaches English-language copy in many spellings: "Tal Baydar",
"Tel Beidar", "Tall Bidar". Each rule below is one class of that variation, with an example
that must match and one that must not (tests/pipeline/test_gazetteer.py holds them).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = [
    "ARTICLE",
    "ARTICLES",
    "JUNCTION_RULES",
    "SPELLING_RULES",
    "consonant_count",
    "tolerant_name",
]

_VOWEL = "[aeiouy]"
# The Arabic article and its assimilated forms: al-, el-, ad-, adh-, ash-, as-, at-, ath-, ar-,
# an-, az- (hyphenated, spaced or run together with the next word).
ARTICLE = r"[ae](?:l|dh?|sh?|th?|r|n|z)"
ARTICLES = frozenset(
    a + c for a in "ae" for c in ("l", "d", "dh", "s", "sh", "t", "th", "r", "n", "z")
)
# The nisba/feminine endings -iyah, -iya, -iyya, -iyyah, -ieh, -iyeh, -iah: one class.
_ENDING = re.compile(r"(?<=[^aeiouy])i(?:yy?[ae]h?|[ae]h)$")
_ENDING_PATTERN = "[iey]+[ae]h?"
# Consonant letters that stand for one sound, kept together.
_DIGRAPHS = ("kh", "sh", "th", "dh", "gh", "ph", "ch")


def _units(token: str) -> tuple[list[str], bool]:
    """A name's letters as sounds (vowel runs and consonants, digraphs kept, doubled
    consonants once), and whether it ends in the -iyah class of endings."""
    ending = _ENDING.search(token)
    stem = token[: ending.start()] if ending else token
    if not ending and len(stem) > 3 and stem.endswith("h") and stem[-2] in "aeiouy":
        stem = stem[:-1]  # "Shaddadah", "Tabiyeh": the final h is the vowel's
    units: list[str] = []
    at = 0
    while at < len(stem):
        if stem[at] in "aeiouy":
            end = at
            while end < len(stem) and stem[end] in "aeiouy":
                end += 1
            units.append("V")
            at = end
            continue
        sound = stem[at : at + 2] if stem[at : at + 2] in _DIGRAPHS else stem[at]
        sound = "k" if sound == "q" else sound
        if not units or units[-1] != sound:
            units.append(sound)
        at += len(sound) if sound in _DIGRAPHS else 1
    return units, ending is not None


def consonant_count(token: str) -> int:
    """A name's consonant sounds (doubled ones once, an -iyah ending as one)."""
    units, ending = _units(token)
    return sum(u != "V" for u in units) + ending


# The classes of romanisation variation, one named rule each: ``SPELLING_RULES`` are tried in
# order on each sound of a name (``_units``), the first that applies giving its pattern;
# ``JUNCTION_RULES`` add a pattern before a sound. Each docstring
# says what must match and what must not; tests/pipeline/test_gazetteer.py holds the examples.
# Two more classes work on whole words: the -iyah ending (``_ENDING``) and the Arabic article
# (``ARTICLE``, optional before every name but the first, dropped before the first).


def vowels_vary(units: Sequence[str], index: int) -> str | None:
    """Vowels and diphthongs are one class (a/e/i/u, ay/ai/ei/ey, ou/u, y/i, ee/oo), and a
    vowel inside a name may be dropped: "Rumeilan" ~ "Rmelan", "Tal Baydar" ~ "Tel Beidar";
    a name that ends in a consonant takes no final vowel: "Harir" !~ "Hariri"."""
    if units[index] != "V":
        return None
    if index == len(units) - 1:
        return f"{_VOWEL}+h?"  # "Shaddadi" ~ "Shaddadah"
    return f"{_VOWEL}+" if index == 0 else f"{_VOWEL}*"


def inserted_vowels(units: Sequence[str], index: int) -> str | None:
    """Between two consonants a vowel may be added: "Tanf" ~ "Tenef", "Rmelan" ~ "Rumelan";
    not before the first: "Tanf" !~ "Atanf"."""
    if index and units[index] != "V" and units[index - 1] != "V":
        return f"{_VOWEL}*"
    return None


def kh_or_h(units: Sequence[str], index: int) -> str | None:
    """kh and h are one letter: "Kharab al-Jir" ~ "Harab Jir"; k alone is not: !~ "Karab"."""
    return "(?:kh|h)h*" if units[index] in ("h", "kh") else None


def q_or_k(units: Sequence[str], index: int) -> str | None:
    """q and k are one letter: "Qasrak" ~ "Kasraq"; c is not: "Koniko" !~ "Conico"."""
    return "[kq]+" if units[index] == "k" else None


def digraphs_as_written(units: Sequence[str], index: int) -> str | None:
    """sh, th, dh, gh, ph, ch stay as written: "Shaddadi" ~ "Shadadi", !~ "Saddadi"."""
    return units[index] if len(units[index]) == 2 else None


def doubled_consonants(units: Sequence[str], index: int) -> str | None:
    """A consonant may be doubled or single: "Shaddadi" ~ "Shadadi", "Taji" ~ "Tajji";
    another consonant is another name: "Taji" !~ "Tali"."""
    return f"{units[index]}+"


SPELLING_RULES = (vowels_vary, kh_or_h, q_or_k, digraphs_as_written, doubled_consonants)
# Rules on the junction before a sound: each adds its pattern there.
JUNCTION_RULES = (inserted_vowels,)


def tolerant_name(token: str) -> str:
    """A name as a regex for its usual romanisations: ``JUNCTION_RULES`` before each sound,
    the first of ``SPELLING_RULES`` that applies on it, then an -iyah ending in any of its
    spellings."""
    units, ending = _units(token)
    parts: list[str] = []
    for index in range(len(units)):
        parts.extend(p for rule in JUNCTION_RULES if (p := rule(units, index)) is not None)
        parts.append(next(p for rule in SPELLING_RULES if (p := rule(units, index)) is not None))
    if ending:
        parts.append(_ENDING_PATTERN)
    return "".join(parts)
