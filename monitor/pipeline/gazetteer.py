"""The gazetteer: every tracked base's aliases, compiled once, for the extractor and for the
raw-bytes relevance check alike (``compile_gazetteer`` -> ``Gazetteer``).

Text is matched folded (``sentences.fold``: lower case, no diacritics, offsets kept), so case,
diacritics, apostrophes and the hyphens or parentheses between words never matter.

Three kinds of mention, leftmost-longest:

- a listed alias, as written in config.yaml ("Ain al-Asad", "AIN AL ASAD", "Ain al Asad");
- a listed weak alias ("Harir", "Tanf"), only beside a base word ("Harir air base");
- a romanisation *variant* of a listed alias, not itself listed: its vowels, doubled letters,
  kh/h, q/k, Arabic article and -iyah ending may differ ("Tel al-Beidar" for Tal Baydar,
  "Harab Jir" for Kharab al-Jir, "Malikiyya" for al-Malikiyah). A variant counts only as a
  proper name of the original text (it starts at a capital and each of its name words is
  capitalised: "Camp Tajee", not "the airport in Arbeel") and, when its consonants are few
  (so that ordinary names collide with it), only beside a base or place word.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from monitor.errors import ConfigError
from monitor.pipeline import lexicon
from monitor.pipeline.pagekeys import GAP as _GAP
from monitor.pipeline.pagekeys import compile_keys
from monitor.pipeline.sentences import ascii_fold, fold
from monitor.pipeline.spellings import (
    ARTICLE,
    ARTICLES,
    consonant_count,
    tolerant_name,
)
from monitor.records import Base

__all__ = ["BaseMention", "Gazetteer", "compile_gazetteer"]

_SEPARATOR = r"[\s\-'().\"]*"  # quotes too: the "Conoco" gas field
_ARTICLE_GAP = r"[\s\-'().\"]+"  # what stands before an article inside a variant
# A variant whose alias has fewer consonant sounds than this (an -iyah ending counts as one)
# counts only beside a base or place word. With vowels free, three consonants are matched by
# many ordinary names ("Omar" ~ Amir/Emir, "Asad" ~ Saeed?, "Tanf" ~ Tenaf, "Harir" ~
# "Horror"); four or more (R-K-B-N, Q-S-R-K, M-L-K-iyah, R-M-L-N) name one place in this
# domain, and a capitalised word with exactly those consonants is that place.
_MIN_FREE_CONSONANTS = 4

_GENERIC = lexicon.ALIAS_GENERIC_WORDS
_ENGLISH = lexicon.ALIAS_GENERIC_WORDS | lexicon.ALIAS_ENGLISH_WORDS
_BASE_TOKENS = lexicon.ALIAS_BASE_WORDS
# Words that make a place of the name beside them, for a variant with few consonants: a base
# word or a place word, after ("Tenef garrison", "Shedadi countryside") or before ("the town of
# Shedadi").
_PLACE_WORDS = ("town", "village", "area", "district", "countryside", "region")
_PLACE_WORDS_AFTER = (*lexicon.BASE_WORDS, *_PLACE_WORDS)
_PLACE_WORDS_BEFORE = ("base", "airbase", "garrison", "field", "camp", *_PLACE_WORDS)
# Before a weak alias: "the garrison at Tanf".
_BASE_WORDS_BEFORE = ("base", "camp", "garrison", "field")


@dataclass(frozen=True, slots=True)
class BaseMention:
    """A tracked base named in a folded text: its offsets (the same in the original text), the
    configured alias it resolved to, and whether the text spells that alias differently."""

    base_id: str
    start: int
    end: int
    alias: str
    variant: bool = False


@dataclass(frozen=True, slots=True)
class _Alias:
    """A configured alias, as the variant matcher resolves to it."""

    base_id: str
    alias: str
    weak: bool
    needs_base_word: bool  # few consonants and no base word of its own


@dataclass(frozen=True, slots=True)
class Gazetteer:
    """Every alias of the tracked bases, precompiled (``compile_gazetteer``)."""

    aliases: re.Pattern[str]  # every listed alias, as one prefix tree of tokens
    alias_bases: dict[str, tuple[str, str]]  # letters and digits run together -> (id, alias)
    weak_aliases: re.Pattern[str]  # names that count only beside a base word
    weak_bases: dict[str, tuple[str, str]]
    variants: re.Pattern[str]  # every alias's romanisation variants, as one prefix tree
    variant_aliases: re.Pattern[str]  # the same, one named group per alias (to resolve)
    variant_table: tuple[_Alias, ...]
    base_word_after: re.Pattern[str]  # "[military] air base" after a weak alias
    base_word_before: re.Pattern[str]  # "garrison at" before a weak alias
    place_word_after: re.Pattern[str]  # "... town", "... countryside" after a short variant
    place_word_before: re.Pattern[str]  # "the area of ..." before a short variant
    false_friends: re.Pattern[str]  # names that look like an alias but are not a base
    page_keys: Any  # RE2 over raw bytes, never stricter than ``find`` (see relevance)

    def find(self, folded: str, original: str | None = None) -> list[BaseMention]:
        """Every tracked-base mention in a folded text, left to right. Variants are looked
        for only when the ``original`` text is given (they must be capitalised in it)."""
        for friend in self.false_friends.finditer(folded):
            span = friend.end() - friend.start()
            folded = folded[: friend.start()] + " " * span + folded[friend.end() :]
        candidates = [
            _listed(self.alias_bases[_key(m.group(0))], m.start(), m.end())
            for m in self.aliases.finditer(folded)
        ]
        candidates.extend(self._weak(folded, list(candidates)))
        if original is not None:
            candidates.extend(self._variants(folded, original))
        # Leftmost, then longest, listed before variant: "Al-Harir military base" is one
        # mention, from "Al".
        found: list[BaseMention] = []
        for mention in sorted(candidates, key=lambda m: (m.start, m.start - m.end, m.variant)):
            if not found or mention.start >= found[-1].end:
                found.append(mention)
        return found

    def _weak(self, folded: str, listed: list[BaseMention]) -> list[BaseMention]:
        """Weak aliases beside a base word, or in a list with a base already named ("the
        bases of Ain al-Asad and Harir", "Harir and the Tanf garrison"): a list of bases
        makes each of its names a base's."""
        pending = list(self.weak_aliases.finditer(folded))
        found: list[BaseMention] = []
        while pending:
            named = [
                m
                for m in pending
                if self._beside_base_word(folded, m.start(), m.end())
                or _in_a_list_with(folded, m.start(), m.end(), [*listed, *found])
            ]
            if not named:
                break
            found += [_listed(self.weak_bases[_key(m.group(0))], m.start(), m.end()) for m in named]
            pending = [m for m in pending if m not in named]
        return found

    def _variants(self, folded: str, original: str) -> Iterable[BaseMention]:
        """Unlisted spellings of an alias, each a proper name in ``original`` (starting at a
        capital, every name word capitalised) and, when the alias resolves to few consonants
        (or is weak), beside a base or place word. Only the words that start with a capital
        are tried, which keeps this second pass cheap."""
        end = 0
        for start in _capitals(original, folded):
            if start < end:
                continue
            match = self.variants.match(folded, start)
            if match is None:
                continue
            end = match.end()
            key = _key(match.group(0))
            if key in self.alias_bases or key in self.weak_bases:
                continue  # a listed spelling: found above, or rightly not
            if not _is_proper_name(original[match.start() : match.end()]):
                continue
            alias = self._resolve(match.group(0))
            if alias is None:
                continue
            if alias.weak and not self._beside_base_word(folded, match.start(), match.end()):
                continue
            if alias.needs_base_word and not self._beside_place_word(
                folded, match.start(), match.end()
            ):
                continue
            yield BaseMention(alias.base_id, match.start(), match.end(), alias.alias, True)

    def _resolve(self, text: str) -> _Alias | None:
        """The first configured alias (listed aliases before weak ones) ``text`` spells."""
        resolved = self.variant_aliases.fullmatch(text)
        if resolved is None or resolved.lastgroup is None:
            return None
        return self.variant_table[int(resolved.lastgroup[1:])]

    def _beside_base_word(self, folded: str, start: int, end: int) -> bool:
        return bool(
            self.base_word_after.match(folded, end)
            or self.base_word_before.search(folded[max(0, start - 20) : start])
        )

    def _beside_place_word(self, folded: str, start: int, end: int) -> bool:
        return bool(
            self.place_word_after.match(folded, end)
            or self.place_word_before.search(folded[max(0, start - 25) : start])
        )


# Between two names of one list: "Ain al-Asad, Harir and the Tower 22 outpost".
_LIST_JOINER = re.compile(r"\s*(?:,\s*(?:and\s+|or\s+)?|\s(?:and|or|&)\s+)(?:the\s+)?")


def _in_a_list_with(folded: str, start: int, end: int, listed: list[BaseMention]) -> bool:
    """Whether a weak alias is coordinated with a base named by a listed alias ("the bases of
    Ain al-Asad and Harir"): a list of bases makes each of its names a base's."""
    return any(
        _LIST_JOINER.fullmatch(folded, other.end, start)
        or _LIST_JOINER.fullmatch(folded, end, other.start)
        for other in listed
        if other.end <= start or other.start >= end
    )


def _listed(found: tuple[str, str], start: int, end: int) -> BaseMention:
    base_id, alias = found
    return BaseMention(base_id, start, end, alias)


def compile_gazetteer(bases: Sequence[Base]) -> Gazetteer:
    """Precompile the aliases of ``bases``; ConfigError on an alias without letters."""
    strong: dict[tuple[str, ...], tuple[str, str]] = {}
    weak: dict[tuple[str, ...], tuple[str, str]] = {}
    for base in bases:
        for alias in (base.name, *base.aliases):
            strong.setdefault(_alias_tokens(alias, base.id), (base.id, alias))
        for alias in base.weak_aliases:
            weak.setdefault(_alias_tokens(alias, base.id), (base.id, alias))
    table, sequences = _variant_table(strong, weak)
    modifiers = _any(lexicon.BASE_MODIFIERS)
    return Gazetteer(
        aliases=_trie_regex([tuple(re.escape(t) for t in tokens) for tokens in strong]),
        # The separator between tokens may be empty ("airbase" for "air base"), so a match is
        # looked up by its letters and digits run together.
        alias_bases={"".join(tokens): found for tokens, found in strong.items()},
        weak_aliases=_trie_regex([tuple(re.escape(t) for t in tokens) for tokens in weak]),
        weak_bases={"".join(tokens): found for tokens, found in weak.items()},
        variants=_trie_regex(sequences),
        variant_aliases=re.compile(
            "|".join(f"(?P<a{i}>{_joined(s)})" for i, s in enumerate(sequences)) or r"(?!x)x"
        ),
        variant_table=tuple(table),
        base_word_after=re.compile(
            rf"[\"']?\s+(?:(?:{modifiers})\s+){{0,2}}(?:{_any(lexicon.BASE_WORDS)})(?![a-z])"
        ),
        base_word_before=re.compile(rf"(?:{_any(_BASE_WORDS_BEFORE)})\s+(?:(?:of|at|in)\s+)?$"),
        place_word_after=re.compile(
            rf"[\"']?\s+(?:(?:{modifiers})\s+){{0,2}}(?:{_any(_PLACE_WORDS_AFTER)})(?![a-z])"
        ),
        place_word_before=re.compile(
            rf"(?:{_any(_PLACE_WORDS_BEFORE)})\s+(?:(?:of|at|in)\s+)?(?:the\s+)?$"
        ),
        false_friends=re.compile(rf"(?<![a-z0-9])(?:{_any(lexicon.FALSE_FRIENDS)})(?![a-z0-9])"),
        page_keys=_page_keys(bases, sequences, table),
    )


def _variant_table(
    strong: dict[tuple[str, ...], tuple[str, str]], weak: dict[tuple[str, ...], tuple[str, str]]
) -> tuple[list[_Alias], list[tuple[str, ...]]]:
    """Each alias that has a name to vary, and its tolerant pattern as a token sequence;
    listed aliases before weak ones, so that a spelling of both resolves to the listed one."""
    table: list[_Alias] = []
    sequences: list[tuple[str, ...]] = []
    for aliases, weak_kind in ((strong, False), (weak, True)):
        for tokens, (base_id, alias) in aliases.items():
            sequence = _tolerant_sequence(tokens, alias)
            if sequence is None:
                continue
            consonants = sum(consonant_count(t) for t in tokens if _is_name(t, alias))
            has_base_word = any(t in _BASE_TOKENS for t in tokens)
            short = consonants < _MIN_FREE_CONSONANTS and not has_base_word
            table.append(_Alias(base_id, alias, weak_kind, short))
            sequences.append(sequence)
    return table, sequences


def _tolerant_sequence(tokens: tuple[str, ...], alias: str) -> tuple[str, ...] | None:
    """An alias as regex elements, one per token: names made tolerant (``tolerant_name``),
    any other word as written, an article before a name optional in any form, a leading
    article dropped. None when the alias has no name to vary ("Tower 22", "BIAP")."""
    if not any(_is_name(t, alias) for t in tokens):
        return None
    elements: list[str] = []
    for index, token in enumerate(tokens):
        following = tokens[index + 1] if index + 1 < len(tokens) else ""
        if token in ARTICLES and following and _is_name(following, alias):
            continue  # the article is optional before the name (below), in any form
        if _is_name(token, alias):
            pattern = tolerant_name(token)
            if elements:  # an article may stand before any name but the first
                # ... after a word's end: "Tal al-Baydar", never "Talal Badr"
                pattern = rf"(?:{_ARTICLE_GAP}{ARTICLE}{_SEPARATOR})?{pattern}"
            elements.append(pattern)
        else:
            elements.append(re.escape(token))
    return tuple(elements)


def _is_name(token: str, alias: str) -> bool:
    """A word of an alias that is an Arabic or Kurdish name, spelled many ways: letters only,
    three or more with a vowel, not English, not an acronym written in capitals ("BIAP")."""
    if not token.isalpha() or len(token) < 3 or token in _ENGLISH or token in ARTICLES:
        return False
    if not re.search("[aeiouy]", token):
        return False
    return not any(w.isupper() and fold(w) == token for w in re.findall(r"[^\W_]+", alias))


# A capital letter (a character class alone, for a fast scan; a non-ASCII character is a
# candidate, checked with ``str.isupper``).
_CAPITAL = re.compile(r"[A-Z\u00c0-\U0010ffff]")
_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")


def _capitals(original: str, folded: str) -> Iterable[int]:
    """The offsets of the words that start with a capital letter in ``original`` (a word
    starts where the folded text has no letter or digit before it: "ʿAyn", "al-Tenef")."""
    for match in _CAPITAL.finditer(original):
        start = match.start()
        if (start == 0 or folded[start - 1] not in _ALNUM) and match.group().isupper():
            yield start


def _is_proper_name(original: str) -> bool:
    """Whether each name word of a mention (not an article or an English word) starts with
    a capital letter in the original text."""
    words = [w for w in re.findall(r"[^\W\d_]+", original) if w.lower() != w.upper()]
    names = [w for w in words if fold(w) not in _ENGLISH and fold(w) not in ARTICLES]
    return bool(names) and all(_first_cased(w).isupper() for w in names)


def _first_cased(word: str) -> str:
    """The first letter that has a case ("A" in "ʿAyn")."""
    return next(c for c in word if c.lower() != c.upper())


def _page_keys(
    bases: Sequence[Base], sequences: Sequence[tuple[str, ...]], table: Sequence[_Alias]
) -> Any:
    """One RE2 pattern over raw lower-cased bytes: for listed aliases, the longest
    distinctive word of each (or the whole alias, when none of its words is distinctive:
    "Tower 22"); for variants, the whole tolerant alias, beside a base or place word where
    ``find`` wants one (the capital letter is not checked: looser, never stricter)."""
    keys = [_listed_key(words, before, after) for words, before, after in _listed_keys(bases)]
    for sequence, alias in zip(sequences, table, strict=True):
        keys.append(_variant_key(sequence, alias))
    return compile_keys(keys)


def _listed_keys(bases: Sequence[Base]) -> set[tuple[tuple[str, ...], str, str]]:
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
    return keys


def _listed_key(words: tuple[str, ...], before: str, after: str) -> bytes:
    """Folded ASCII words found in order, then the letter or digit that may touch them on
    each side ("" at an alias's edge): "AinAlAsad" names Ain al-Asad, "Hariri" not Harir."""
    return (
        _edge(b"^", before)
        + _GAP.join(re.escape(word.encode()) for word in words)
        + _edge(b"$", after)
    )


def _variant_key(sequence: tuple[str, ...], alias: _Alias) -> bytes:
    """A variant's tolerant alias on a raw page, with tags and entities between its words,
    and beside the base (weak alias) or base-or-place word (few consonants) that ``find``
    wants, in the same phrasing: "Tenef garrison", "the garrison at Tenef"."""
    body = _GAP.join(
        e.encode().replace(_ARTICLE_GAP.encode(), _GAP).replace(_SEPARATOR.encode(), _GAP)
        for e in sequence
    )
    name = rb"(?:^|[^a-z0-9])" + body + rb"(?:$|[^a-z0-9])"
    after: tuple[str, ...]
    before: tuple[str, ...]
    if alias.weak:
        after, before = lexicon.BASE_WORDS, _BASE_WORDS_BEFORE
    elif alias.needs_base_word:
        after, before = _PLACE_WORDS_AFTER, _PLACE_WORDS_BEFORE
    else:
        return name
    modifiers = _bytes_any(lexicon.BASE_MODIFIERS)
    following = (
        name + _GAP + b"(?:" + modifiers + _GAP + b"){0,2}" + _bytes_any(after) + rb"(?:$|[^a-z])"
    )
    preceding = _bytes_any(before) + _GAP + b"(?:(?:of|at|in|the)" + _GAP + b"){0,2}" + name
    return b"(?:" + following + b"|" + preceding + b")"


def _bytes_any(patterns: Iterable[str]) -> bytes:
    """Word patterns of the lexicon as one RE2 group over raw bytes, a space as any gap."""
    return b"(?:" + _any(patterns).replace(" ", "(?:GAP)").encode().replace(b"(?:GAP)", _GAP) + b")"


def _edge(anchor: bytes, touching: str) -> bytes:
    """What may stand beside a key: the page's edge, a non-alphanumeric, or ``touching``."""
    return (
        b"(?:"
        + b"|".join([anchor, rb"[^a-z0-9]", *([re.escape(touching.encode())] if touching else [])])
        + b")"
    )


def _alias_tokens(alias: str, base_id: str) -> tuple[str, ...]:
    tokens = _tokens(fold(alias))
    if not tokens:
        raise ConfigError(f"rules: base {base_id}: alias {alias!r} has no letters or digits")
    return tokens


def _key(folded: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", folded)


def _tokens(folded: str) -> tuple[str, ...]:
    return tuple(t for t in re.split(r"[^a-z0-9]+", folded) if t)


def _joined(elements: tuple[str, ...]) -> str:
    return _SEPARATOR.join(elements)


def _trie_regex(sequences: Iterable[tuple[str, ...]]) -> re.Pattern[str]:
    """One regex for many sequences of token patterns, factored as a prefix tree so that it
    stays fast with hundreds of aliases; at each branch the longer continuation is tried
    first."""
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
                branches.append(f"{token}(?:{_SEPARATOR}(?:{rest})){optional}")
            else:
                branches.append(token)
        return "|".join(branches)

    body = build(trie) or r"(?!x)x"
    return re.compile(rf"(?<![a-z0-9])(?:{body})(?![a-z0-9])")


def _any(patterns: Iterable[str]) -> str:
    return "|".join(sorted(patterns, key=len, reverse=True))
