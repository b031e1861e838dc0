"""Compile the tracked bases and the lexicon into an immutable ``Ruleset``, once.

The bases' aliases are the gazetteer's (``monitor.pipeline.gazetteer``): matched in folded
text, so case, diacritics, apostrophes and the hyphens or parentheses between words do not
matter ("Ain al-Asad", "AIN AL ASAD", "(Ain) al-Asad"), nor, in a proper name, the usual
romanisation variants of a listed alias ("Tel al-Beidar" for Tal Baydar).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from monitor.pipeline import lexicon
from monitor.pipeline.gazetteer import BaseMention, Gazetteer, compile_gazetteer
from monitor.pipeline.pagekeys import compile_attack_keys
from monitor.records import Base

__all__ = ["BaseMention", "Ruleset", "compile_rules"]


@dataclass(frozen=True, slots=True)
class Ruleset:
    """Everything the extractor reads, precompiled."""

    bases: dict[str, Base]
    gazetteer: Gazetteer  # the aliases, for the extractor and the raw-bytes check
    weapons: tuple[tuple[str, re.Pattern[str]], ...]
    munitions: re.Pattern[str]
    # Cheap tests before ``weapons`` and ``munitions``: any weapon word, any munition noun.
    any_weapon: re.Pattern[str]
    munition_noun: re.Pattern[str]
    groups: tuple[tuple[str, re.Pattern[str]], ...]
    any_group: re.Pattern[str]  # every group's spellings: a cheap test before ``groups``
    triggers: re.Pattern[str]
    attack_keys: Any  # the triggers' words as page keys (RE2 over raw bytes, see relevance)
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
    countries: tuple[tuple[str, re.Pattern[str]], ...]

    def find_bases(self, folded: str, original: str | None = None) -> list[BaseMention]:
        """Every tracked-base mention in a folded text, left to right (``Gazetteer.find``):
        romanisation variants only when the ``original`` text is given."""
        return self.gazetteer.find(folded, original)

    def __reduce__(self) -> tuple[Any, tuple[tuple[Base, ...]]]:
        """Pickled as its bases, compiled again once per process (``_compiled``): a replay's
        tasks each carry the ruleset to a worker process, and its patterns (RE2 among them)
        cost far more to send and rebuild than the few bases they come from."""
        return _compiled, (tuple(self.bases.values()),)


@lru_cache(maxsize=4)
def _compiled(bases: tuple[Base, ...]) -> Ruleset:
    return compile_rules(bases)


def compile_rules(bases: Sequence[Base]) -> Ruleset:
    """Precompile the gazetteer of ``bases`` and the lexicon; ConfigError on a bad alias."""
    return Ruleset(
        bases={b.id: b for b in bases},
        gazetteer=compile_gazetteer(bases),
        weapons=tuple((k, word_pattern(v)) for k, v in sorted(lexicon.WEAPONS.items())),
        munitions=_munitions(),
        any_weapon=word_pattern(p for patterns in lexicon.WEAPONS.values() for p in patterns),
        munition_noun=word_pattern(lexicon.MUNITION_NOUNS),
        groups=tuple((k, word_pattern(v)) for k, v in lexicon.GROUPS.items()),
        any_group=word_pattern(p for spellings in lexicon.GROUPS.values() for p in spellings),
        triggers=word_pattern(lexicon.ATTACK_TRIGGERS),
        attack_keys=compile_attack_keys(lexicon.ATTACK_TRIGGERS),
        claims=word_pattern(lexicon.CLAIM_VERBS),
        report_sources=word_pattern(lexicon.REPORT_SOURCES),
        confirmers=word_pattern(lexicon.CONFIRMERS),
        threats=word_pattern(lexicon.THREATS),
        tallies=word_pattern(lexicon.TALLIES),
        history=word_pattern(lexicon.HISTORY),
        own_strikes=word_pattern(lexicon.OWN_STRIKES),
        uncertain=word_pattern(lexicon.UNCERTAIN),
        no_damage=word_pattern(lexicon.NO_DAMAGE),
        damage=word_pattern(lexicon.DAMAGE),
        casualties=word_pattern(lexicon.CASUALTY_WORDS),
        intercepted=word_pattern(lexicon.INTERCEPTED),
        generic_targets=word_pattern(lexicon.GENERIC_TARGETS),
        targeting=re.compile(rf"(?<![a-z])(?:{_any(lexicon.TARGETING)})\s+(?:[\w-]+\s+){{0,2}}$"),
        countries=tuple((k, word_pattern(v)) for k, v in sorted(lexicon.COUNTRIES.items())),
    )


def _any(patterns: Iterable[str]) -> str:
    return "|".join(sorted(patterns, key=len, reverse=True))


def word_pattern(patterns: Iterable[str]) -> re.Pattern[str]:
    """One regex for a word list of the lexicon, matched as whole words of folded text."""
    return re.compile(rf"(?<![a-z0-9])(?:{_any(patterns)})(?![a-z0-9])")


def _munitions() -> re.Pattern[str]:
    from monitor.pipeline.numbers import NUMBER

    adjectives = _any(lexicon.MUNITION_ADJECTIVES)
    nouns = _any(lexicon.MUNITION_NOUNS)
    return re.compile(
        # "three 'one-way' drones", "two of the drones"
        rf"(?<![a-z0-9-])(?P<count>{NUMBER})\s+(?:of\s+(?:the|these|those)\s+)?"
        rf"(?:[\"']?(?:{adjectives})[\"']?\s+){{0,3}}"
        rf"(?P<noun>{nouns})(?![a-z0-9])(?!\s+(?:attacks?|strikes?|assaults?|warfare)\b)"
    )
