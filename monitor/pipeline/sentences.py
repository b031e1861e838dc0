"""Sentence splitting and offset-preserving text folding for the extractor.

``fold`` maps a text to another of exactly the same length (lower case, no diacritics, one kind
of apostrophe, dash and quote), so a match found in the folded text points at the same characters
of the original, which is what evidence spans cite.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

_APOSTROPHES = "'’‘ʼ`´ʿʾ"
_DASHES = "-‐‑‒–—―"
_QUOTES = '"“”„«»'

# Abbreviations after which a full stop does not end a sentence.
_ABBREVIATIONS = (
    "u.s",
    "u.k",
    "u.n",
    "st",
    "mr",
    "mrs",
    "ms",
    "dr",
    "gen",
    "lt",
    "col",
    "maj",
    "capt",
    "sgt",
    "brig",
    "adm",
    "cmdr",
    "rep",
    "sen",
    "gov",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "no",
    "vs",
    "approx",
    "est",
    "inc",
    "co",
    "corp",
    "dept",
    "a.m",
    "p.m",
    "e.g",
    "i.e",
)
_BOUNDARY = re.compile(r"(?<=[.!?])[\"”’)\]]*\s+(?=[\"“‘(\[]?[A-Z0-9])")
_ABBREV_END = re.compile(
    r"(?:^|[\s(])(?:" + "|".join(re.escape(a) for a in _ABBREVIATIONS) + r"|[a-z])\.$"
)


# A repeated sentence of at least this many words is a copy, read once.
_REPEAT_MIN_WORDS = 6
# Longer "sentences" (tables, run-on lists) are cut, which keeps the rules linear in the text.
_MAX_SENTENCE_CHARS = 600


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence of the article: its offsets, original text and folded text."""

    index: int
    start: int
    end: int
    text: str
    folded: str
    paragraph: int
    is_heading: bool  # a line without final punctuation: a headline or caption


@cache
def _fold_char(char: str) -> str:
    if char in _APOSTROPHES:
        return "'"
    if char in _DASHES:
        return "-"
    if char in _QUOTES:
        return '"'
    if char.isspace():
        return " "
    base = unicodedata.normalize("NFKD", char)[0]
    lowered = base.lower()
    return lowered[0] if lowered else char


def ascii_fold(text: str) -> str:
    """Lower-case ASCII, diacritics dropped (not offset-preserving; fast, for raw pages)."""
    return unicodedata.normalize("NFKD", text).encode("ascii", errors="ignore").decode().lower()


def fold(text: str) -> str:
    """Lower-case, strip diacritics and unify punctuation, keeping every offset."""
    return text.translate(_ASCII_FOLDS if text.isascii() else _FOLDS)


class _Folds(dict[int, str]):
    """Code point -> its folded character, filled in on first sight (``str.translate``)."""

    def __missing__(self, point: int) -> str:
        folded = self[point] = _fold_char(chr(point))
        return folded


_FOLDS = _Folds()
_ASCII_FOLDS = {point: _fold_char(chr(point)) for point in range(128)}


def split_sentences(text: str) -> list[Sentence]:
    """Split text into sentences; lines are hard boundaries, repeated sentences are dropped.

    Articles copied from the web often repeat whole paragraphs (or the headline at the foot of
    the page): a repeated paragraph, and any repeated sentence of six words or more, is read
    once, so one report counts once. Short sentences ("No one was hurt.") may recur.
    """
    sentences: list[Sentence] = []
    seen: set[str] = set()
    seen_paragraphs: set[str] = set()
    paragraph = 0
    offset = 0
    for line in text.splitlines(keepends=True):
        line_start = offset
        offset += len(line)
        stripped = line.strip()
        if not stripped:
            paragraph += 1
            continue
        paragraph_key = re.sub(r"\W+", " ", fold(stripped)).strip()
        if paragraph_key in seen_paragraphs:
            paragraph += 1
            continue
        seen_paragraphs.add(paragraph_key)
        lead = line_start + (len(line) - len(line.lstrip()))
        heading = not re.search(r"[.!?\"”’:)]\s*$", stripped)
        for start, end in _spans(stripped):
            piece = stripped[start:end].strip()
            if not piece:
                continue
            folded = fold(piece)
            key = re.sub(r"\W+", " ", folded).strip()
            if not key:
                continue
            if key in seen and key.count(" ") >= _REPEAT_MIN_WORDS - 1:
                continue
            seen.add(key)
            sentences.append(
                Sentence(
                    index=len(sentences),
                    start=lead + start,
                    end=lead + start + len(piece),
                    text=piece,
                    folded=folded,
                    paragraph=paragraph,
                    is_heading=heading,
                )
            )
        paragraph += 1
    return sentences


def _spans(line: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _BOUNDARY.finditer(line):
        if _ABBREV_END.search(fold(line[start : match.start()])):
            continue
        spans.append((start, match.start() + len(match.group().rstrip())))
        start = match.end()
    spans.append((start, len(line)))
    return [piece for span in spans for piece in _cut(line, *span)]


def _cut(line: str, start: int, end: int) -> list[tuple[int, int]]:
    """Pieces of at most _MAX_SENTENCE_CHARS, cut at spaces."""
    pieces = []
    while end - start > _MAX_SENTENCE_CHARS:
        cut = line.rfind(" ", start, start + _MAX_SENTENCE_CHARS)
        cut = cut if cut > start else start + _MAX_SENTENCE_CHARS
        pieces.append((start, cut))
        start = cut
    pieces.append((start, end))
    return pieces
