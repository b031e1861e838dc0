"""Compile the tracked bases and the lexicon into an immutable ``Ruleset``, once.

Aliases are matched in folded text, so case, diacritics, apostrophes and the hyphens or
parentheses between words do not matter: "Ain al-Asad", "AIN AL ASAD", "(Ain) al-Asad" and
"Ayn al-Asad" (when listed) all match.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from monitor.errors import ConfigError
from monitor.pipeline import lexicon
from monitor.pipeline.relevance import compile_page_keys
from monitor.pipeline.sentences import ascii_fold, fold
from monitor.records import Base

_SEPARATOR = r"[\s\-'().]*"


@dataclass(frozen=True, slots=True)
class BaseMention:
    base_id: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Ruleset:
    """Everything the extractor reads, precompiled."""

    bases: dict[str, Base]
    aliases: re.Pattern[str]  # every alias, as one prefix tree of tokens
    alias_bases: dict[str, str]  # an alias's letters and digits, run together -> base id
    weak_aliases: re.Pattern[str]  # names that count only beside a base word
    weak_bases: dict[str, str]
    base_word_after: re.Pattern[str]  # "[military] air base" after a weak alias
    base_word_before: re.Pattern[str]  # "garrison at" before a weak alias
    page_keys: Any  # RE2: a distinctive word of every alias, for raw pages (see relevance)
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
        for friend in self.false_friends.finditer(folded):
            span = friend.end() - friend.start()
            folded = folded[: friend.start()] + " " * span + folded[friend.end() :]
        candidates = [
            BaseMention(self.alias_bases[_key(m.group(0))], m.start(), m.end())
            for m in self.aliases.finditer(folded)
        ]
        for match in self.weak_aliases.finditer(folded):
            if self.base_word_after.match(folded, match.end()) or self.base_word_before.search(
                folded[max(0, match.start() - 20) : match.start()]
            ):
                candidates.append(
                    BaseMention(self.weak_bases[_key(match.group(0))], match.start(), match.end())
                )
        # Leftmost, then longest: "Al-Harir military base" is one mention, from "Al".
        found: list[BaseMention] = []
        for mention in sorted(candidates, key=lambda m: (m.start, m.start - m.end)):
            if not found or mention.start >= found[-1].end:
                found.append(mention)
        return found


def compile_rules(bases: Sequence[Base]) -> Ruleset:
    """Precompile the gazetteer of ``bases`` and the lexicon; ConfigError on a bad alias."""
    strong: dict[tuple[str, ...], str] = {}
    weak: dict[tuple[str, ...], str] = {}
    for base in bases:
        for alias in (base.name, *base.aliases):
            strong.setdefault(_alias_tokens(alias, base.id), base.id)
        for alias in base.weak_aliases:
            weak.setdefault(_alias_tokens(alias, base.id), base.id)
    # The separator between tokens may be empty ("airbase" for "air base"), so a match is
    # looked up by its letters and digits run together.
    strong_keys = {"".join(tokens): base_id for tokens, base_id in strong.items()}
    weak_keys = {"".join(tokens): base_id for tokens, base_id in weak.items()}
    base_word = _any(lexicon.BASE_WORDS)
    modifiers = _any(lexicon.BASE_MODIFIERS)
    return Ruleset(
        bases={b.id: b for b in bases},
        aliases=_trie_regex(strong),
        alias_bases=strong_keys,
        weak_aliases=_trie_regex(weak),
        weak_bases=weak_keys,
        base_word_after=re.compile(rf"\s+(?:(?:{modifiers})\s+){{0,2}}(?:{base_word})(?![a-z])"),
        page_keys=_page_keys(bases),
        base_word_before=re.compile(r"(?:base|camp|garrison|field)\s+(?:(?:of|at|in)\s+)?$"),
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


# Words too common to stand for an alias on their own; an alias made only of these (and short
# words) is looked for whole.
_GENERIC = frozenset(
    [
        "air",
        "airbase",
        "airbases",
        "airfield",
        "airfields",
        "airport",
        "airports",
        "base",
        "bases",
        "camp",
        "camps",
        "complex",
        "field",
        "fields",
        "gas",
        "oil",
        "international",
        "military",
        "garrison",
        "station",
        "site",
        "sites",
        "support",
        "mission",
        "landing",
        "zone",
        "tower",
        "union",
        "victory",
        "green",
        "village",
        "plant",
        "plants",
        "the",
        "and",
        "of",
        "at",
        "us",
        "u",
        "s",
        "al",
        "el",
        "ad",
        "an",
        "as",
        "one",
        "two",
        "three",
        "american",
        "coalition",
    ]
)


def _page_keys(bases: Sequence[Base]) -> Any:
    """The longest distinctive word of every alias (strong and weak), or the whole alias when
    none of its words is distinctive ("Tower 22", "Union III"); each with the letters that
    may touch it where the alias's words run together: the end of the word before, the start
    of the word after ("" at the alias's edges)."""
    keys: set[tuple[tuple[str, ...], str, str]] = set()
    for base in bases:
        for alias in (base.name, *base.aliases, *base.weak_aliases):
            tokens = [t for t in re.split(r"[^a-z0-9]+", ascii_fold(alias)) if t]
            distinctive = [t for t in tokens if t not in _GENERIC and len(t) >= 3]
            if not distinctive:
                keys.add((tuple(tokens), "", ""))
                continue
            at = tokens.index(max(distinctive, key=len))
            before = tokens[at - 1][-1] if at > 0 else ""
            after = tokens[at + 1][0] if at + 1 < len(tokens) else ""
            keys.add(((tokens[at],), before, after))
    return compile_page_keys(keys)


def _alias_tokens(alias: str, base_id: str) -> tuple[str, ...]:
    tokens = _tokens(fold(alias))
    if not tokens:
        raise ConfigError(f"rules: base {base_id}: alias {alias!r} has no letters or digits")
    return tokens


def _key(folded: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", folded)


def _tokens(folded: str) -> tuple[str, ...]:
    return tuple(t for t in re.split(r"[^a-z0-9]+", folded) if t)


def _trie_regex(sequences: Iterable[tuple[str, ...]]) -> re.Pattern[str]:
    """One regex for many token sequences, factored as a prefix tree so that it stays fast
    with hundreds of aliases; at each branch the longer continuation is tried first."""
    trie: dict[str, dict] = {}  # type: ignore[type-arg]
    for sequence in sequences:
        node = trie
        for token in sequence:
            node = node.setdefault(token, {})
        node[""] = {}

    def build(node: dict) -> str:  # type: ignore[type-arg]
        branches = []
        for token in sorted((t for t in node if t), key=lambda t: (-len(t), t)):
            child = node[token]
            rest = build(child) if any(child) else ""
            if rest:
                optional = "?" if "" in child else ""
                branches.append(f"{re.escape(token)}(?:{_SEPARATOR}(?:{rest})){optional}")
            else:
                branches.append(re.escape(token))
        return "|".join(branches)

    body = build(trie) or r"(?!x)x"
    return re.compile(rf"(?<![a-z0-9])(?:{body})(?![a-z0-9])")


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
