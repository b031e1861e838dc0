"""The facts of an attack, each read from the sentence it rests on: weapons, munitions count,
number of attacks, claimant and attribution, outcome with casualty counts.

``add_facts`` adds what one sentence (or its clause about the frame's base) says to a frame and
records the sentence as evidence, so every field a report carries cites its source.
"""

from __future__ import annotations

import re

from monitor.pipeline.detect.clauses import Clause, blank
from monitor.pipeline.detect.state import Context, Frame
from monitor.pipeline.numbers import parse_number
from monitor.pipeline.rules import Ruleset
from monitor.pipeline.sentences import Sentence
from monitor.records import Outcome, Span

_ATTACK_COUNT = re.compile(
    r"(?P<count>\b[\w-]+\b) of (?:which|them) (?:\w+ ){0,2}(?:targeted|struck|hit|were aimed at)"
)
_CASUALTY_WORD = re.compile(
    r"(?<![a-z])(?P<kind>killed|killing|dead|died|wounded|wounding|injured|injuring|hurt|"
    r"injuries|casualties)(?![a-z])"
)
_WORD = re.compile(r"[a-z0-9][a-z0-9,-]*")
# How many words before a casualty word its count may stand ("three US soldiers were killed").
_CASUALTY_REACH = 6


def add_facts(
    frame: Frame,
    sentence: Sentence,
    masked: str,
    rules: Ruleset,
    context: Context,
    *,
    multi: bool,
    clause: Clause | None = None,
) -> None:
    """Add what a sentence (or its clause about this frame's base) says about the attack."""
    if not frame.evidence or frame.evidence[-1].start != sentence.start:
        frame.evidence.append(Span(sentence.start, sentence.end, sentence.text))
    frame.last_sentence = sentence.index
    scope = clause.text if clause is not None else masked
    frame.weapons |= weapons(scope, rules)
    frame.triggers.extend(m.group(0) for m in rules.triggers.finditer(scope))
    if clause is not None or not multi:
        count = munitions(scope, rules)
        if count is not None and (frame.munitions is None or count > frame.munitions):
            frame.munitions = count
    attacks = _ATTACK_COUNT.search(scope)
    if attacks and (number := parse_number(attacks.group("count"))):
        frame.attack_count = number
    stated, injured, killed = outcome(scope, rules)
    if stated.severity > frame.outcome.severity:
        frame.outcome = stated
    if injured is not None:
        frame.injured = max(frame.injured or 0, injured)
    if killed is not None:
        frame.killed = max(frame.killed or 0, killed)
    group = claimant(masked, rules)
    if rules.claims.search(masked) is not None:
        frame.claimed = True
        if group:
            frame.claimed_by = group
        elif context.claimant and sentence.index - context.claim_sentence <= 2:
            frame.claimed_by = frame.claimed_by or context.claimant
    elif (
        frame.claimed_by is None
        and context.claimant
        and sentence.index - context.claim_sentence <= 2
        and not rules.report_sources.search(masked)
    ):
        frame.claimed_by = context.claimant
    if rules.confirmers.search(masked):
        frame.confirmed = True
    elif rules.report_sources.search(masked):
        frame.reported = True


def weapons(text: str, rules: Ruleset) -> frozenset[str]:
    """The kinds of weapon a text names: "two rockets and a drone" -> {rocket, drone}."""
    return frozenset(name for name, pattern in rules.weapons if pattern.search(text))


def munitions(text: str, rules: Ruleset) -> int | None:
    """The largest count of munitions a text gives: "four mortar shells" -> 4."""
    counts = [parse_number(m.group("count")) for m in rules.munitions.finditer(text)]
    return max((c for c in counts if c), default=None)


def claimant(masked: str, rules: Ruleset) -> str | None:
    """The armed group a text names first, by its canonical name."""
    best: tuple[int, str] | None = None
    for name, pattern in rules.groups:
        found = pattern.search(masked)
        if found and (best is None or found.start() < best[0]):
            best = (found.start(), name)
    return best[1] if best else None


def outcome(text: str, rules: Ruleset) -> tuple[Outcome, int | None, int | None]:
    """The most serious outcome a text states, with injured and killed counts."""
    if rules.uncertain.search(text):
        text = blank(text, rules.uncertain, to_clause_end=True)
    stated = Outcome.UNKNOWN
    if rules.intercepted.search(text):
        stated = Outcome.INTERCEPTED
    if rules.no_damage.search(text):
        stated = Outcome.NO_DAMAGE
        text = blank(text, rules.no_damage)
    if rules.damage.search(text):
        stated = Outcome.DAMAGE
    injured = killed = None
    if rules.casualties.search(text):
        stated = Outcome.CASUALTIES
        for match in _CASUALTY_WORD.finditer(text):
            number = _casualty_count(text, match)
            if number is None:
                continue
            if match.group("kind").startswith(("kill", "dead", "died")):
                killed = max(killed or 0, number)
            elif not match.group("kind").startswith("casualt"):
                injured = max(injured or 0, number)
    return stated, injured, killed


def _casualty_count(text: str, match: re.Match[str]) -> int | None:
    """The count that goes with a casualty word: "three soldiers were killed", "killing 3"."""
    if match.group("kind").endswith("ing"):
        after = _WORD.findall(text, match.end(), match.end() + 30)[:3]
        for word in after:
            if word not in {"at", "least"}:
                return _count_word(word)
    before = _WORD.findall(text[max(0, match.start() - 80) : match.start()])
    for word in reversed(before[-_CASUALTY_REACH:]):
        if _CASUALTY_WORD.fullmatch(word):
            break  # a number further back belongs to the previous casualty word
        number = _count_word(word)
        if number is not None:
            return number
    after = _WORD.findall(text, match.end(), match.end() + 30)[:2]  # "wounded two soldiers"
    if after and match.group("kind") in {"killed", "wounded", "injured"}:
        return _count_word(after[0])
    return None


def _count_word(word: str) -> int | None:
    if word in {"a", "an", "one-way"}:
        return None
    number = parse_number(word)
    return number if number else None
