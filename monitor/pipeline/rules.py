"""Compile the tracked bases and the lexicon into an immutable ``Ruleset``, once.

Aliases are matched in folded text, so case, diacritics, apostrophes and the hyphens or
parentheses between words do not matter: "Ain al-Asad", "AIN AL ASAD", "(Ain) al-Asad" and
"Ayn al-Asad" (when listed) all match.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from monitor.errors import ConfigError
from monitor.pipeline import lexicon
from monitor.pipeline.sentences import fold
from monitor.records import Base

_SEPARATOR = r"[\s\-'().]*"
# Fixed-width look-behinds (Python needs one per phrase): "base of X", "camp X".
_AFTER_BASE_WORD = (
    "(?:"
    + "|".join(
        f"(?<={word} {prep})"
        for word in ("base", "camp", "garrison", "field")
        for prep in ("", "of ", "at ", "in ")
    )
    + ")"
)


@dataclass(frozen=True, slots=True)
class BaseMention:
    base_id: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Ruleset:
    """Everything the extractor reads, precompiled."""

    bases: dict[str, Base]
    aliases: re.Pattern[str]  # group name "b<index>" -> base
    alias_groups: dict[str, str]  # regex group name -> base id
    weapons: tuple[tuple[str, re.Pattern[str]], ...]
    munitions: re.Pattern[str]
    groups: tuple[tuple[str, re.Pattern[str]], ...]
    triggers: re.Pattern[str]
    claims: re.Pattern[str]
    report_sources: re.Pattern[str]
    confirmers: re.Pattern[str]
    threats: re.Pattern[str]
    tallies: re.Pattern[str]
    history: re.Pattern[str]
    own_strikes: re.Pattern[str]
    uncertain: re.Pattern[str]
    no_damage: re.Pattern[str]
    damage: re.Pattern[str]
    casualties: re.Pattern[str]
    intercepted: re.Pattern[str]
    generic_targets: re.Pattern[str]
    targeting: re.Pattern[str]
    false_friends: re.Pattern[str]
    countries: tuple[tuple[str, re.Pattern[str]], ...]

    def find_bases(self, folded: str) -> list[BaseMention]:
        """Every tracked-base mention in a folded text, left to right."""
        found = []
        for friend in self.false_friends.finditer(folded):
            span = friend.end() - friend.start()
            folded = folded[: friend.start()] + " " * span + folded[friend.end() :]
        for match in self.aliases.finditer(folded):
            group = match.lastgroup
            assert group is not None
            found.append(BaseMention(self.alias_groups[group], match.start(), match.end()))
        return found


def compile_rules(bases: Sequence[Base]) -> Ruleset:
    """Precompile the gazetteer of ``bases`` and the lexicon; ConfigError on a bad alias."""
    alternatives: list[tuple[int, str, str]] = []  # (length, pattern, base id)
    base_word = _any(lexicon.BASE_WORDS)
    modifiers = _any(lexicon.BASE_MODIFIERS)
    for base in bases:
        for alias in (base.name, *base.aliases):
            alternatives.append((len(alias), _alias_pattern(alias, base.id), base.id))
        for alias in base.weak_aliases:
            core = _alias_pattern(alias, base.id)
            weak = (
                rf"(?:{core}(?=\s+(?:(?:{modifiers})\s+){{0,2}}(?:{base_word})\b))"
                rf"|(?:{_AFTER_BASE_WORD}{core})"
            )
            alternatives.append((len(alias), weak, base.id))
    # Longest aliases first, so "erbil international airport" wins over "erbil airport".
    alternatives.sort(key=lambda item: -item[0])
    groups: dict[str, str] = {}
    parts = []
    for i, (_, pattern, base_id) in enumerate(alternatives):
        name = f"b{i}"
        groups[name] = base_id
        parts.append(f"(?P<{name}>{pattern})")
    alias_re = re.compile(r"(?<![a-z0-9])(?:" + ("|".join(parts) or r"(?!x)x") + r")(?![a-z0-9])")
    return Ruleset(
        bases={b.id: b for b in bases},
        aliases=alias_re,
        alias_groups=groups,
        weapons=tuple((k, _words(v)) for k, v in sorted(lexicon.WEAPONS.items())),
        munitions=_munitions(),
        groups=tuple((k, _words(v)) for k, v in lexicon.GROUPS.items()),
        triggers=_words(lexicon.ATTACK_TRIGGERS),
        claims=_words(lexicon.CLAIM_VERBS),
        report_sources=_words(lexicon.REPORT_SOURCES),
        confirmers=_words(lexicon.CONFIRMERS),
        threats=_words(lexicon.THREATS),
        tallies=_words(lexicon.TALLIES),
        history=_words(lexicon.HISTORY),
        own_strikes=_words(lexicon.OWN_STRIKES),
        uncertain=_words(lexicon.UNCERTAIN),
        no_damage=_words(lexicon.NO_DAMAGE),
        damage=_words(lexicon.DAMAGE),
        casualties=_words(lexicon.CASUALTY_WORDS),
        intercepted=_words(lexicon.INTERCEPTED),
        generic_targets=_words(lexicon.GENERIC_TARGETS),
        targeting=re.compile(rf"(?<![a-z])(?:{_any(lexicon.TARGETING)})\s+(?:[\w-]+\s+){{0,2}}$"),
        false_friends=_words(lexicon.FALSE_FRIENDS),
        countries=tuple((k, _words(v)) for k, v in sorted(lexicon.COUNTRIES.items())),
    )


def _alias_pattern(alias: str, base_id: str) -> str:
    tokens = [t for t in re.split(r"[^a-z0-9]+", fold(alias)) if t]
    if not tokens:
        raise ConfigError(f"rules: base {base_id}: alias {alias!r} has no letters or digits")
    return _SEPARATOR.join(re.escape(t) for t in tokens)


def _any(patterns: Iterable[str]) -> str:
    return "|".join(sorted(patterns, key=len, reverse=True))


def _words(patterns: Iterable[str]) -> re.Pattern[str]:
    return re.compile(rf"(?<![a-z0-9])(?:{_any(patterns)})(?![a-z0-9])")


def _munitions() -> re.Pattern[str]:
    from monitor.pipeline.numbers import NUMBER

    adjectives = _any(lexicon.MUNITION_ADJECTIVES)
    nouns = _any(lexicon.MUNITION_NOUNS)
    return re.compile(
        rf"(?<![a-z0-9-])(?P<count>{NUMBER})\s+(?:(?:{adjectives})\s+){{0,3}}"
        rf"(?P<noun>{nouns})(?![a-z0-9])(?!\s+(?:attacks?|strikes?|assaults?|warfare)\b)"
    )
