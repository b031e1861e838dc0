"""A cheap check on a page's raw bytes: can it report an attack on a tracked base at all?

Full extraction (trafilatura) costs far more than the extractor, and most pages a monitor or a
backtest reads report no such attack. The extractor makes a report only from a sentence that
names a tracked base and holds an attack word (or from an item of a list whose lead holds one:
"Drones targeted these bases:"), so ``may_report_an_attack`` passes a page only when both kinds
of page key occur in it, the one within ``WINDOW_CHARS`` of the other:

- the gazetteer's (``Gazetteer.page_keys``): a distinctive word of some alias (or the whole
  alias, when none of its words is distinctive), and the tolerant pattern of every alias's
  romanisation variants;
- the attack words' (``Ruleset.attack_keys``, from the extractor's own trigger table).

Both are built to be at least as permissive as the extractor, which matches a word only where
its letters are characters of the text that fold to those letters. In the raw bytes such a
character is the ASCII letter in either case, a non-ASCII letter ("ī", fullwidth "ｈ"), or an
HTML entity; combining marks and invisible characters may sit between letters, inline tags
inside a word, and tags and entities between words. The keys are looked for in three views of
the page, each an RE2 scan (no backtracking):

1. the ASCII-lower-cased bytes (attributes included: a page's title may come from its
   metadata);
2. when the page holds characters or entities that may stand for letters (or hide between
   them): the same bytes with each folded in place as the extractor folds it;
3. the text without its tags ("<b>A</b>sad").

A key may be found in one view and the other key in another, so distances are measured in the
last view: the page's text, folded, without its tags (where a key inside a tag, an attribute,
stands at the tag's place), each run of white space counted as one character. Comments, styles
and scripts (but JSON-LD) are left out of every view, as are the names of attributes
("<a target=...>"): no extractor reads them.

A page that is not UTF-8 is decoded in the charset it declares (else Windows-1252), folded and
scanned the same way; pages it cannot judge (UTF-16, an unknown charset) pass.
"""

from __future__ import annotations

import html
import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any, Protocol

from monitor.pipeline.gazetteer import Gazetteer
from monitor.pipeline.sentences import ascii_fold

__all__ = ["WINDOW_CHARS", "HasPageKeys", "may_report_an_attack"]

# How far apart (in characters of the page's text) a base's name and an attack word may stand
# and still share a sentence. The extractor cuts sentences at 600 characters; over every report
# of the labelled corpora (dev.jsonl, dev2.jsonl, the seeds) the largest distance from a base's
# mention to the attack word it was read with is 148 (tests/pipeline/test_relevance.py keeps it
# under a quarter of the window). The rest leaves room for entities and multi-byte characters
# inside a long sentence, and for a list of bases under its lead ("targeted these bases:").
WINDOW_CHARS = 1500


class HasPageKeys(Protocol):
    """What carries the page keys: the extractor's ``Ruleset``."""

    @property
    def gazetteer(self) -> Gazetteer: ...

    @property
    def attack_keys(self) -> Any: ...


_ASCII = bytes(range(128))
_ENTITY = re.compile(rb"&#?[A-Za-z0-9]+;?")
_TAG = re.compile(rb"<[^>]*>")
# What no extractor reads as text: comments, styles and scripts (but JSON-LD, where trafilatura
# finds a title and, failing all else, the article's body).
_HIDDEN = re.compile(
    rb"<!--.*?-->|<style\b[^>]*>.*?</style\s*>"
    rb"|<script\b(?![^>]*(?:ld|settings)\+json)[^>]*>.*?</script\s*>",
    re.DOTALL,
)
_SPACES = re.compile(rb"\s{2,}")
# The rest of an attribute's name after a key inside a tag ("target=", "data-target-part=").
_NAME_TAIL = re.compile(rb"[a-z0-9_:.-]*\s*=")
_CHARSET = re.compile(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_INVISIBLE = frozenset({"Mn", "Me", "Cf"})  # combining marks, soft hyphens, zero-width space


def may_report_an_attack(raw: bytes | str, rules: HasPageKeys) -> bool:
    """False only when no alias of a tracked base (nor a variant of one) can appear in the
    page's text within ``WINDOW_CHARS`` of an attack word of the extractor."""
    page = raw.encode("utf-8", errors="surrogatepass") if isinstance(raw, str) else raw
    if b"\x00" in page:
        return True  # UTF-16 and the like: not worth decoding here
    views = _views(page)
    if views is None:
        return True
    bases, attacks = rules.gazetteer.page_keys, rules.attack_keys
    if not any(bases.search(v.text) for v in views):
        return False
    if not any(attacks.search(v.text) for v in views):
        return False
    found = [(_starts(bases, v.text), _starts(attacks, v.text)) for v in views]
    # Text only shrinks from one view to the next: near in a view is near in the text.
    if any(_near(b, a) for b, a in found):
        return True
    in_text: tuple[list[int], list[int]] = ([], [])
    for view, (base_starts, attack_starts) in zip(views, found, strict=True):
        in_text[0].extend(view.to_text(base_starts))
        in_text[1].extend(view.to_text(attack_starts))
    return _near(sorted(in_text[0]), sorted(in_text[1]))


Mapper = Callable[[list[int]], list[int]]


@dataclass(frozen=True, slots=True)
class _View:
    """The page as one scan sees it, and how its offsets map to those of the last view."""

    text: bytes
    to_text: Mapper


def _views(page: bytes) -> list[_View] | None:
    """The views of a page (module docstring); None for a charset Python does not know."""
    lowered = _HIDDEN.sub(b"", page.lower())
    high = lowered.translate(None, _ASCII)
    if high:
        try:
            page.decode("utf-8")  # the whole page: legacy bytes can pair up as UTF-8
        except UnicodeDecodeError:
            return _decoded_views(page)
    # The characters and entities that may stand for letters (or hide between them), folded
    # in place: a UTF-8 sequence cannot start inside another, so each replacement is exact.
    disguises = {c.encode(): _fold(c) for c in set(high.decode()) if _may_stand_in_a_word(c)}
    if b"&" in page:
        for entity in set(_ENTITY.findall(page)):  # entity names are case-sensitive
            if _entity_may_stand_in_a_word(entity):
                disguises[entity.lower()] = _fold(html.unescape(entity.decode("ascii")))
    if not disguises:
        return _with_text(lowered, [])
    pattern = re.compile(b"|".join(re.escape(d) for d in sorted(disguises, key=len, reverse=True)))
    edits = [(m.start(), m.end(), disguises[m.group()]) for m in pattern.finditer(lowered)]
    return _with_text(_apply(lowered, edits), [(lowered, _offsets(edits))])


def _decoded_views(page: bytes) -> list[_View] | None:
    """A page that is not UTF-8: decoded in the charset it declares (else Windows-1252), its
    entities resolved, folded to ASCII; a charset Python does not know is None."""
    declared = _CHARSET.search(page[:4096])
    encoding = declared.group(1).decode("ascii") if declared else "cp1252"
    try:
        text = html.unescape(page.decode(encoding, errors="replace"))
    except LookupError:
        return None
    return _with_text(_HIDDEN.sub(b"", ascii_fold(text).encode("ascii")), [])


def _with_text(last: bytes, earlier: Sequence[tuple[bytes, Mapper]]) -> list[_View]:
    """The views: ``earlier`` ones (each with the map of its offsets to those of ``last``),
    ``last``, and ``last`` without its tags; each with the map of its offsets to those of the
    text without tags, its runs of white space as one (how far apart words are)."""
    text = _TAG.sub(b"", last)

    @cache
    def maps() -> tuple[Mapper, Mapper]:  # only for the pages whose keys are not near in a view
        spaces = _offsets([(m.start(), m.end(), b" ") for m in _SPACES.finditer(text)])
        untag = _offsets([(m.start(), m.end(), b"") for m in _TAG.finditer(last)])
        return _then(untag, spaces), spaces

    def from_last(starts: list[int]) -> list[int]:
        return maps()[0](starts)

    def from_text(starts: list[int]) -> list[int]:
        return maps()[1](starts)

    views = [_View(v, _then(f, from_last)) for v, f in earlier]
    return [*views, _View(last, from_last), _View(text, from_text)]


def _then(first: Mapper, second: Mapper) -> Mapper:
    def both(starts: list[int]) -> list[int]:
        return second(first(starts))

    return both


def _apply(text: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    """``text`` with each (start, end, replacement) of ``edits`` (sorted, apart) made."""
    out, at = [], 0
    for start, end, replacement in edits:
        out += [text[at:start], replacement]
        at = end
    out.append(text[at:])
    return b"".join(out)


def _offsets(edits: list[tuple[int, int, bytes]]) -> Mapper:
    """Offsets of a text mapped to those of the text with ``edits`` made (an offset inside a
    replaced span goes to the start of its replacement)."""
    starts = [start for start, _, _ in edits]
    shifts, shift = [], 0
    for start, end, replacement in edits:
        shifts.append(shift)  # before this edit
        shift += len(replacement) - (end - start)

    def mapped(offsets: list[int]) -> list[int]:
        out = []
        for offset in offsets:
            at = bisect_right(starts, offset) - 1
            if at < 0:
                out.append(offset)
                continue
            start, end, replacement = edits[at]
            if offset < end:
                out.append(start + shifts[at])
            else:
                out.append(offset + shifts[at] + len(replacement) - (end - start))
        return out

    return mapped


def _starts(keys: Any, text: bytes) -> list[int]:
    """Where the keys are found in ``text``, in order; not in the name of an attribute
    ("<a target=...>"), which no extractor reads."""
    return [
        match.start()
        for match in keys.finditer(text)
        if not (
            _NAME_TAIL.match(text, match.end() - 1)
            and text.rfind(b"<", 0, match.start()) > text.rfind(b">", 0, match.start())
        )
    ]


def _near(bases: list[int], attacks: list[int]) -> bool:
    """Whether some base key starts within ``WINDOW_CHARS`` of some attack key (both
    sorted)."""
    for base in bases:
        at = bisect_right(attacks, base)
        if (at < len(attacks) and attacks[at] - base <= WINDOW_CHARS) or (
            at > 0 and base - attacks[at - 1] <= WINDOW_CHARS
        ):
            return True
    return False


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
