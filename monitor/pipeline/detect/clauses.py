"""Clauses of a folded sentence, and blanking: the text tools every stage shares."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

# Clause boundaries inside one sentence: facts on either side belong to their own base.
_CLAUSE = re.compile(r",\s*(?:while|whereas|but)\s|;\s|\swhile\s|\swhereas\s|,\s*and\s+(?=the\s)")
# Where a masked phrase ends: the end of its clause.
# (a full stop after a lone letter is an abbreviation's: "u.s. forces")
_CLAUSE_BOUNDARY = re.compile(
    r";\s|(?<!\b[a-z])\.\s|,\s+(?:while|but|whereas)\s|\s(?:while|whereas)\s|$"
)
# Where a statement ends: a semicolon, or a contrast ("X was hit, while Y was unaffected").
_STATEMENT_BOUNDARY = re.compile(r";\s|,?\s(?:while|whereas|but)\s")


@dataclass(frozen=True, slots=True)
class Clause:
    start: int  # offsets into the sentence
    end: int
    text: str  # folded


def clause_start(folded: str, end: int) -> int:
    """Where the clause holding offset ``end`` starts."""
    starts = [m.end() for m in _CLAUSE_BOUNDARY.finditer(folded, 0, end) if m.end() > m.start()]
    return starts[-1] if starts else 0


def clause_end(folded: str, start: int) -> int:
    """Where the clause holding offset ``start`` ends."""
    match = _CLAUSE_BOUNDARY.search(folded, start)
    return match.start() if match else len(folded)


def statement(folded: str, start: int, end: int) -> tuple[int, int]:
    """The statement around ``start``..``end``: the text between the semicolons or contrasts
    ("..., while ...", "..., but ...") on either side."""
    before = [m.end() for m in _STATEMENT_BOUNDARY.finditer(folded, 0, start)]
    after = _STATEMENT_BOUNDARY.search(folded, end)
    return (before[-1] if before else 0), (after.start() if after else len(folded))


def clauses(folded: str) -> list[Clause]:
    """The clauses of a sentence, split where facts on either side belong to their own base."""
    found = []
    start = 0
    for match in _CLAUSE.finditer(folded):
        found.append(Clause(start, match.start(), folded[start : match.start()]))
        start = match.end()
    found.append(Clause(start, len(folded), folded[start:]))
    return found


def blank_spans(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """``text`` with each span replaced by as many spaces (offsets are kept)."""
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def blank(text: str, pattern: re.Pattern[str], *, to_clause_end: bool = False) -> str:
    """``text`` with each match of ``pattern`` (and, if asked, the rest of its clause) blanked."""
    spans = []
    for match in pattern.finditer(text):
        end = clause_end(text, match.end()) if to_clause_end else match.end()
        spans.append((match.start(), end))
    return blank_spans(text, spans)
