"""A cheap check on a page's raw bytes: can it name a tracked base at all?

Full extraction (trafilatura) costs far more than the extractor, and most pages a monitor or a
backtest reads name no base. ``may_name_a_base`` looks for the gazetteer's page keys: a
distinctive word of some alias (or the whole alias, when none of its words is distinctive), and
the tolerant pattern of every alias's romanisation variants; it is built to be at least as
permissive as the extractor, which matches an alias only where its letters are characters of
the text that fold to those letters. In the raw bytes such a character is the ASCII letter in
either case, a non-ASCII letter ("ī", fullwidth "ｈ"), or an HTML entity; combining marks and
invisible characters may sit between letters, inline tags inside a word, and tags and entities
between words. The check runs in tiers, cheapest first, each an RE2 scan (no backtracking):

1. the keys as written, in the ASCII-lower-cased bytes (attributes included: a page's title
   may come from its metadata);
2. when the page holds characters or entities that may stand for letters (or hide between
   them): the same scan after each is folded in place as the extractor folds it;
3. the same scan on the text without its tags ("<b>A</b>sad").

A page that is not UTF-8 is decoded in the charset it declares (else Windows-1252), folded and
scanned the same way; pages it cannot judge (UTF-16, an unknown charset) pass.
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache
from typing import Any, Protocol

from monitor.pipeline.gazetteer import Gazetteer
from monitor.pipeline.sentences import ascii_fold


class HasGazetteer(Protocol):
    """What carries the gazetteer: the extractor's ``Ruleset``."""

    @property
    def gazetteer(self) -> Gazetteer: ...


_ASCII = bytes(range(128))
_ENTITY = re.compile(rb"&#?[A-Za-z0-9]+;?")
_TAG = re.compile(rb"<[^>]*>")
_CHARSET = re.compile(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_INVISIBLE = frozenset({"Mn", "Me", "Cf"})  # combining marks, soft hyphens, zero-width space


def may_name_a_base(raw: bytes | str, rules: HasGazetteer | Gazetteer) -> bool:
    """False only when no alias of any tracked base, nor a variant of one, can appear in the
    page's text; the keys are the gazetteer's (``Gazetteer.page_keys``)."""
    page = raw.encode("utf-8", errors="surrogatepass") if isinstance(raw, str) else raw
    if b"\x00" in page:
        return True  # UTF-16 and the like: not worth decoding here
    keys = (rules if isinstance(rules, Gazetteer) else rules.gazetteer).page_keys
    lowered = page.lower()
    if keys.search(lowered):
        return True
    high = lowered.translate(None, _ASCII)
    if high:
        try:
            page.decode("utf-8")  # the whole page: legacy bytes can pair up as UTF-8
        except UnicodeDecodeError:
            return _decoded_search(page, keys)
    # The characters and entities that may stand for letters (or hide between them), folded
    # in place: a UTF-8 sequence cannot start inside another, so each replacement is exact.
    disguises = {c.encode(): _fold(c) for c in set(high.decode()) if _may_stand_in_a_word(c)}
    if b"&" in page:
        for entity in set(_ENTITY.findall(page)):  # entity names are case-sensitive
            if _entity_may_stand_in_a_word(entity):
                disguises[entity.lower()] = _fold(html.unescape(entity.decode("ascii")))
    if disguises:
        pattern = b"|".join(re.escape(d) for d in sorted(disguises, key=len, reverse=True))
        lowered = re.sub(pattern, lambda match: disguises[match.group()], lowered)
        if keys.search(lowered):
            return True
    # Inline tags inside a word ("<b>A</b>sad"): the text without its tags.
    return keys.search(_TAG.sub(b"", lowered)) is not None


def _decoded_search(page: bytes, keys: Any) -> bool:
    """A page that is not UTF-8: decoded in the charset it declares (else Windows-1252), its
    entities resolved, folded to ASCII; a charset Python does not know passes."""
    declared = _CHARSET.search(page[:4096])
    encoding = declared.group(1).decode("ascii") if declared else "cp1252"
    try:
        text = html.unescape(page.decode(encoding, errors="replace"))
    except LookupError:
        return True
    folded = ascii_fold(text).encode("ascii")
    return bool(keys.search(folded) or keys.search(_TAG.sub(b"", folded)))


def _fold(text: str) -> bytes:
    """Characters as the extractor folds them (the first letter of their decomposition), or
    as ASCII folding has them; combining marks and invisible characters dropped."""
    out = []
    for char in text:
        if unicodedata.category(char) in _INVISIBLE:
            continue
        first = unicodedata.normalize("NFKD", char)[:1].lower()[:1]
        out.append(first if first.isascii() and first.isalnum() else ascii_fold(char))
    return "".join(out).encode("ascii", errors="ignore")


@lru_cache(maxsize=8192)
def _may_stand_in_a_word(char: str) -> bool:
    """A character that folds to an ASCII letter or digit, or may sit between the letters of
    a word unseen (a combining mark, a soft hyphen, a zero-width space)."""
    return unicodedata.category(char) in _INVISIBLE or any(
        c.isascii() and c.isalnum() for c in unicodedata.normalize("NFKD", char)
    )


@lru_cache(maxsize=8192)
def _entity_may_stand_in_a_word(entity: bytes) -> bool:
    text = entity.decode("ascii")
    decoded = html.unescape(text)
    return decoded != text and any(_may_stand_in_a_word(c) for c in decoded)
