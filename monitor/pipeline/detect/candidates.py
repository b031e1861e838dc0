"""Mentions and candidates: every base a sentence names, beside an attack word, is a candidate.

Detection is recall-first: a candidate is any tracked-base mention in a sentence that holds an
attack word. The masks (``masks.py``) then remove the candidates that are not new attacks, each
saying why, and the survivors become events (``events.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from monitor.pipeline.dates import DayMention
from monitor.pipeline.detect.clauses import clauses, statement
from monitor.pipeline.detect.days import attack_days
from monitor.pipeline.rules import BaseMention, Ruleset
from monitor.pipeline.sentences import Sentence


@dataclass(frozen=True, slots=True)
class Trigger:
    """An attack word of a sentence: "struck", "came under", "fired rockets at"."""

    start: int
    end: int
    text: str


@dataclass(slots=True)
class Reading:
    """One sentence as the extractor reads it.

    ``masked`` is the folded sentence with every phrase that a phrase mask removes blanked out,
    so that facts are read only from what reports the attack; ``phrases`` says which mask
    blanked what."""

    sentence: Sentence
    published: date | None
    mentions: list[BaseMention]
    triggers: list[Trigger]
    masked: str = ""
    phrases: list[tuple[str, int, int]] = field(default_factory=list)  # (mask, start, end)
    _days: list[DayMention] | None = None

    @property
    def folded(self) -> str:
        return self.sentence.folded

    def days(self) -> list[DayMention]:
        """The day expressions that may date an attack in the masked sentence (read once)."""
        if self._days is None:
            self._days = attack_days(self.masked)
        return self._days


@dataclass(slots=True)
class Candidate:
    """A base mention with the attack words of its sentence that still stand."""

    mention: BaseMention
    triggers: list[Trigger]
    removed_by: str | None = None  # the name of the mask that removed it
    day: date | None = None
    day_expression: str | None = None

    @property
    def kept(self) -> bool:
        return self.removed_by is None


def read_sentence(sentence: Sentence, rules: Ruleset, published: date | None) -> Reading:
    """The base mentions and attack words of a sentence."""
    mentions = rules.find_bases(sentence.folded, sentence.text)
    triggers = [
        Trigger(m.start(), m.end(), m.group(0)) for m in rules.triggers.finditer(sentence.folded)
    ]
    return Reading(sentence, published, mentions, triggers)


# A bulleted or numbered line: "• Two attacks on ...", "3) Harir base".
LIST_ITEM = re.compile(r"^\s*(?:[•·▪‣◦*>-]|\d{1,2}[.)])\s*")


def opens_a_list(reading: Reading, rules: Ruleset) -> bool:
    """Whether a sentence leads a list with attack words that stand ("... targeted these
    bases:"), so that the list's items are named in its claim."""
    return reading.sentence.text.rstrip().endswith(":") and bool(
        rules.triggers.search(reading.masked)
    )


def is_list_item(sentence: Sentence) -> bool:
    """A bulleted or numbered line, or a line without final punctuation."""
    return bool(LIST_ITEM.match(sentence.text)) or sentence.is_heading


def inherit_list_triggers(reading: Reading, lead: Reading) -> None:
    """A list item without attack words of its own takes those of the list's lead."""
    if not reading.triggers:
        reading.triggers = [Trigger(0, 0, f"{t.text} (the list's lead)") for t in lead.triggers]


def find_candidates(reading: Reading) -> list[Candidate]:
    """One candidate per base mention of a sentence that holds an attack word, with the attack
    words of its own clause ("..., but X was not hit") or, when its clause has none, of its
    statement: the sentence up to a semicolon or a contrast ("X, a base in the east, came
    under fire"; not "X was hit, while Y was unaffected")."""
    if not reading.triggers:
        return []
    found = []
    folded = reading.folded
    sentence_clauses = clauses(folded)
    for mention in reading.mentions:
        clause = next(c for c in sentence_clauses if c.start <= mention.start < c.end + 1)
        own = [t for t in reading.triggers if clause.start <= t.start < clause.end]
        # a semicolon or a contrast ends a statement: attack words beyond it are another's
        start, end = statement(folded, mention.start, mention.end)
        near = [t for t in reading.triggers if start <= t.start < end or t.end == 0]
        if own or near:
            found.append(Candidate(mention, own or near))
    return found
