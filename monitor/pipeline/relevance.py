"""A cheap check on a page's raw bytes: can it name a tracked base at all?

Full extraction (trafilatura) costs far more than the extractor, and most pages a monitor or a
backtest reads name no base. ``may_name_a_base`` looks for a distinctive word of some alias
(or the whole alias, when none of its words is distinctive) and is built to be at least as
permissive as the extractor, which matches an alias only where its letters are characters of
the text that fold to those letters. In the raw bytes such a character is the ASCII letter in
either case, a non-ASCII letter ("ī", fullwidth "ｈ"), or an HTML entity; combining marks and
invisible characters may sit between letters, and tags and entities between words. The check
runs in tiers, cheapest first:

1. the keys as written, in the ASCII-lower-cased bytes (one RE2 scan: no backtracking);
2. when the page holds non-ASCII letters or marks, or entities that may stand for them: the
   same scan after each of them is folded to ASCII in place;
3. when the page is not UTF-8: the page decoded (as UTF-8 and as Windows-1252), its entities
   resolved, folded to ASCII, then the same scan.

Pages it cannot judge (UTF-16 and the like) pass.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING, Any

import re2

from monitor.pipeline.sentences import ascii_fold

if TYPE_CHECKING:
    from monitor.pipeline.rules import Ruleset

_ASCII = bytes(range(128))
_ENTITY = re.compile(rb"&#?[a-z0-9]+;?")
# Between the words of an alias: spaces and punctuation, entities, tags.
_GAP = rb"(?:[^a-z0-9&<]|&#?[a-z0-9]+;?|<[^>]*>)*"


def compile_page_keys(keys: Iterable[tuple[str, ...]]) -> Any:
    """One RE2 pattern over ASCII-lower-cased bytes for the given keys, each one or more folded
    ASCII words (found in order, whole)."""
    body = b"|".join(
        sorted(_GAP.join(re.escape(word.encode()) for word in key) for key in set(keys))
    )
    options = re2.Options()
    options.encoding = re2.Options.Encoding.LATIN1  # bytes, not UTF-8 text
    options.log_errors = False
    return re2.compile(
        rb"(?:^|[^a-z0-9])(?:" + (body or rb"[^\x00-\xff]") + rb")(?:[^a-z0-9]|$)", options
    )


def may_name_a_base(raw: bytes | str, rules: Ruleset) -> bool:
    """False only when no alias of any tracked base can appear in the page's text."""
    page = raw.encode("utf-8", errors="surrogatepass") if isinstance(raw, str) else raw
    if b"\x00" in page:
        return True  # UTF-16 and the like: not worth decoding here
    keys = rules.page_keys
    lowered = page.lower()
    if keys.search(lowered):
        return True
    # Tier 2: the characters and entities that may stand for letters, folded in place (a
    # UTF-8 sequence cannot start inside another, so each replacement is exact).
    disguises: set[bytes] = set()
    high = lowered.translate(None, _ASCII)
    if high:
        try:
            characters = set(high.decode("utf-8"))
        except UnicodeDecodeError:
            return _decoded_search(page, keys)  # tier 3: a legacy encoding
        disguises.update(c.encode() for c in characters if _may_stand_in_a_word(c))
    if b"&" in lowered:
        disguises.update(e for e in set(_ENTITY.findall(lowered)) if _entity_may_stand_in_a_word(e))
    if not disguises:
        return False
    pattern = b"|".join(re.escape(d) for d in sorted(disguises, key=len, reverse=True))
    folded = re.sub(pattern, lambda match: _fold_unit(match.group()), lowered)
    return keys.search(folded) is not None


def _decoded_search(page: bytes, keys: Any) -> bool:
    for encoding in ("utf-8", "cp1252"):
        text = html.unescape(page.decode(encoding, errors="replace"))
        if keys.search(ascii_fold(text).encode("ascii")):
            return True
    return False


@cache
def _fold_unit(unit: bytes) -> bytes:
    text = html.unescape(unit.decode("ascii")) if unit[:1] == b"&" else unit.decode("utf-8")
    return ascii_fold(text).lower().encode("ascii")


@cache
def _may_stand_in_a_word(char: str) -> bool:
    """A character that folds to an ASCII letter or digit, or may sit between the letters of
    a word unseen (a combining mark, a soft hyphen, a zero-width space)."""
    return unicodedata.category(char) in {"Mn", "Me", "Cf"} or any(
        c.isascii() and c.isalnum() for c in unicodedata.normalize("NFKD", char)
    )


@cache
def _entity_may_stand_in_a_word(entity: bytes) -> bool:
    text = entity.decode("ascii")
    decoded = html.unescape(text)
    return decoded != text and any(_may_stand_in_a_word(c) for c in decoded)
