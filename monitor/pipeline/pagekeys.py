"""Page keys: word patterns of the extractor as RE2 patterns over a page's raw, lower-cased bytes.

The raw-bytes check (``relevance``) looks for two kinds of key: the gazetteer's (a tracked
base's name, ``gazetteer``) and the attack words' (``compile_attack_keys``, from the very table
the extractor's ``Ruleset.triggers`` is compiled from). Both are looser than the extractor, never
stricter: between the words of a key may stand any run of spaces, punctuation, entities and
tags, and a key only asks for the words that every match of the extractor's pattern holds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import re2

__all__ = ["GAP", "compile_attack_keys", "compile_keys"]

# Between two words on a raw page: spaces and punctuation, entities, tags.
GAP = rb"(?:[^a-z0-9&<]|&#?[a-z0-9]+;?|<[^>]*>)*"
_WORD_START = rb"(?:^|[^a-z0-9])"
_WORD_END = rb"(?:$|[^a-z0-9])"


def compile_keys(keys: Iterable[bytes]) -> Any:
    """One RE2 pattern (no backtracking, linear in the page) for alternative keys over bytes."""
    options = re2.Options()
    options.encoding = re2.Options.Encoding.LATIN1  # bytes, not UTF-8 text
    options.log_errors = False
    options.max_mem = 64 << 20
    return re2.compile(b"|".join(sorted(set(keys))) or rb"[^\x00-\xff]", options)


def compile_attack_keys(triggers: Iterable[str]) -> Any:
    """The attack words of the extractor (``lexicon.ATTACK_TRIGGERS``) as page keys: of each
    trigger, the leading words that every match holds ("fired" of "fired [up to four words]
    at", "came under", "c-ram"), any gap between them; ValueError on a trigger that starts
    with no such word (the key could not be never stricter than the trigger)."""
    keys = []
    for trigger in triggers:
        words = _leading_words(trigger)
        if not words:
            raise ValueError(f"pagekeys: trigger {trigger!r} starts with no fixed word")
        keys.append(_WORD_START + GAP.join(w.encode() for w in words) + _WORD_END)
    return compile_keys(keys)


def _leading_words(pattern: str) -> list[str]:
    """The words a pattern of the lexicon starts with, up to its first word that may be left
    out or may be any word ("(?:down )?", "(?:[\\w-]+ ){0,4}?")."""
    words = []
    for word in _words(pattern):
        if "\\" in word or " " in word or re.fullmatch(word, "") is not None:
            break
        words.append(word)
    return words


def _words(pattern: str) -> list[str]:
    """A pattern split at its spaces and hyphens outside groups and character classes."""
    words, current, depth, in_class = [], "", 0, False
    for char in pattern:
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char in "()":
            depth += 1 if char == "(" else -1
        elif char in " -" and depth == 0:
            words.append(current)
            current = ""
            continue
        current += char
    return [w for w in [*words, current] if w]
