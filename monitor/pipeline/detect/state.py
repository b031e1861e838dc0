"""The extractor's working state while it reads one article: frames and the discourse context.

Both are private to ``monitor.pipeline.detect``; a frame becomes a ``records.Report`` at the end.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from monitor.records import Outcome, Span


@dataclass(slots=True)
class Frame:
    """A report being assembled: one base (or one unnamed target) on one day."""

    base_id: str | None
    mention: str
    country: str | None
    day: date | None = None
    day_expression: str | None = None
    weapons: set[str] = field(default_factory=set)
    munitions: int | None = None
    attack_count: int = 1
    claimed_by: str | None = None
    claimed: bool = False
    reported: bool = False
    confirmed: bool = False
    outcome: Outcome = Outcome.UNKNOWN
    injured: int | None = None
    killed: int | None = None
    evidence: list[Span] = field(default_factory=list)
    basis: dict[str, Span] = field(default_factory=dict)  # field -> the sentence that set it
    triggers: list[str] = field(default_factory=list)
    last_sentence: int = 0
    order: int = 0


FIELDS = ("day", "weapons", "munitions", "claimed_by", "outcome")


def snapshot(frame: Frame) -> tuple[object, ...]:
    """The values of a frame's fields, to see which a sentence changed (``note_basis``)."""
    return (frame.day, frozenset(frame.weapons), frame.munitions, frame.claimed_by, frame.outcome)


def note_basis(frame: Frame, before: tuple[object, ...], span: Span) -> None:
    """Record ``span`` as the sentence each field rests on that changed since ``before``."""
    for name, old, new in zip(FIELDS, before, snapshot(frame), strict=True):
        if old != new:
            frame.basis[name] = span


@dataclass(slots=True)
class Context:
    """What the article has said so far about the attack under discussion."""

    day: date | None = None
    day_expression: str | None = None
    weapons: frozenset[str] = frozenset()
    munitions: int | None = None  # the count the last attack sentence gave
    claimant: str | None = None
    claim_sentence: int = -10
    # The day of a lead that names no base ("the group on Monday claimed attacks on four bases",
    # "a drone hit a base in Iraq on Wednesday"): the bases named next are its attacks. A day
    # read beside another base dates that base's attack only, unless a sentence points back.
    lead_day: date | None = None
    lead_expression: str | None = None
