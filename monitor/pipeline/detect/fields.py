"""The facts of an attack, each read from the sentence it rests on: weapons, munitions count,
number of attacks, claimant (see ``claims``) and attribution, outcome with casualty counts.

``add_facts`` adds what one sentence (or its clause about the frame's base) says to a frame and
records the sentence as evidence, so every field a report carries cites its source.
"""

from __future__ import annotations

import re

from monitor.pipeline import lexicon
from monitor.pipeline.dates import MONTHS
from monitor.pipeline.detect.claims import DISCLAIM, claimant, is_claim
from monitor.pipeline.detect.clauses import Clause, blank
from monitor.pipeline.detect.state import Context, Frame, note_basis, snapshot
from monitor.pipeline.numbers import parse_number
from monitor.pipeline.rules import Ruleset, word_pattern
from monitor.pipeline.sentences import Sentence
from monitor.records import Outcome, Span

_ATTACK_COUNT = re.compile(
    r"(?P<count>\b[\w-]+\b) of (?:which|them) (?:\w+ ){0,2}(?:targeted|struck|hit|were aimed at)"
)
_NOT_CASUALTIES = word_pattern(lexicon.NOT_CASUALTIES)
_CASUALTY_WORD = re.compile(
    r"(?<![a-z])(?P<kind>killed|killing|dead|died|wounded|wounding|injured|injuring|hurt|"
    r"injuries|casualties)(?![a-z])"
)
_WORD = re.compile(r"[a-z0-9][a-z0-9,-]*")
# Words for damage, to tell whether a negation rules damage out ("no casualties or damage").
_DAMAGE_WORD = re.compile(r"damage|losses")
# A singular munition named with "the" ("the drone struck"): one munition, unless a tally of
# kind follows ("the drone attack", "the rocket fire").
_THE_MUNITION = re.compile(
    r"(?<![a-z])(?:the|this|that)\s+(?:(?:enemy|hostile|armed|explosive-laden|suicide|kamikaze|"
    r"attack|one-way|incoming|lone|single)\s+){0,3}"
    r"(?:drone|uav|rocket|missile|mortar shell|mortar round|projectile|unmanned aerial vehicle)"
    r"(?!\s+(?:attacks?|strikes?|assaults?|fire|barrages?|launch\w*|sites?|teams?|units?|"
    r"defen[cs]es?|programs?|threats?|bases?|cells?|squads?|operators?|war\w*|technology|"
    r"campaigns?|activity|operations?))(?![a-z-])"
)
# "the other" or an ordinal after a count: "one drone was shot down; the other hit the base",
# "two rockets fell inside; a third landed outside".
_NEXT_MUNITION = re.compile(
    r"(?<![a-z])(?:(?P<other>the other)(?!\s+(?:two|three|four|five|\d|ones|[a-z]+s\b))"
    r"|(?:a|the)\s+(?P<ordinal>second|third|fourth|fifth|sixth))(?![a-z])"
    # "the second attack", "for the second time", "the other target": not another munition
    r"(?!\s+(?:[\w-]+\s+)?(?:attacks?|strikes?|times?|targets?|days?|weeks?|months?|"
    r"incidents?|assaults?|bases?|sites?|such)(?![a-z]))"
)
_ORDINALS = {"second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6}
_COUNT_QUALIFIERS = frozenset(
    {
        "at",
        "least",
        "more",
        "than",
        "over",
        "nearly",
        "about",
        "around",
        "some",
        "almost",
        "up",
        "to",
        "roughly",
        "approximately",
        "an",
        "estimated",
    }
)
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
    follow: bool = False,
) -> None:
    """Add what a sentence (or its clause about this frame's base) says about the attack.

    A sentence that only refers back (``follow``) names the weapons when the sentences that
    name the base did not: later sentences mention weapons in passing ("attacks with drones
    and rockets have become common", "it may have been a rocket"), the base's own sentence
    names the ones that were used."""
    span = Span(sentence.start, sentence.end, sentence.text)
    if not frame.evidence or frame.evidence[-1].start != sentence.start:
        frame.evidence.append(span)
    before = snapshot(frame)
    frame.last_sentence = sentence.index
    scope = clause.text if clause is not None else masked
    if not follow or not frame.weapons:
        frame.weapons |= weapons(scope, rules)
    frame.triggers.extend(m.group(0) for m in rules.triggers.finditer(scope))
    if clause is not None or not multi:
        count = munitions(scope, rules)
        known = max((c for c in (count, frame.munitions) if c is not None), default=None)
        count = further_munition(scope, known) or count
        if count is not None and (frame.munitions is None or count > frame.munitions):
            frame.munitions = count
    attacks = _ATTACK_COUNT.search(scope)
    if attacks and (number := parse_number(attacks.group("count"))):
        frame.attack_count = number
    stated, injured, killed = outcome(scope, rules)
    frame.outcome = merge_outcomes(frame.outcome, stated)
    if injured is not None:
        frame.injured = max(frame.injured or 0, injured)
    if killed is not None:
        frame.killed = max(frame.killed or 0, killed)
    group = claimant(masked, rules, sentence.text)
    if is_claim(masked, rules):
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
        and not DISCLAIM.search(masked)
    ):
        frame.claimed_by = context.claimant
    if rules.confirmers.search(masked):
        frame.confirmed = True
    elif rules.report_sources.search(masked):
        frame.reported = True
    note_basis(frame, before, span)


def weapons(text: str, rules: Ruleset) -> frozenset[str]:
    """The kinds of weapon a text names: "two rockets and a drone" -> {rocket, drone}."""
    if rules.any_weapon.search(text) is None:
        return frozenset()
    return frozenset(name for name, pattern in rules.weapons if pattern.search(text))


def munitions(text: str, rules: Ruleset) -> int | None:
    """The largest count of munitions a text gives: "four mortar shells" -> 4, "a dozen
    missiles" -> 12; failing a count, one munition named with "the" ("the drone struck the
    base") -> 1, but not a kind of attack ("the drone attack", "the rocket fire")."""
    if rules.munition_noun.search(text) is None:
        return None
    counts = [parse_number(m.group("count")) for m in rules.munitions.finditer(text)]
    found = max((c for c in counts if c), default=None)
    if found is None and _THE_MUNITION.search(text):
        return 1
    return found


def further_munition(text: str, known: int | None) -> int | None:
    """A munition counted on from the ones already known: "one drone was shot down; the other
    hit the base" -> 2, "two rockets fell inside; a third landed outside" -> 3."""
    if known is None:
        return None
    for match in _NEXT_MUNITION.finditer(text):
        if match.group("other") and known == 1:
            return 2
        ordinal = _ORDINALS.get(match.group("ordinal") or "")
        if ordinal is not None and ordinal == known + 1:
            return ordinal
    return None


def merge_outcomes(known: Outcome, stated: Outcome) -> Outcome:
    """The outcome of a frame that already has ``known`` and a sentence that states ``stated``:
    the more serious (no_damage, which rules out harm, outranks intercepted)."""
    return stated if stated.severity > known.severity else known


def outcome(text: str, rules: Ruleset) -> tuple[Outcome, int | None, int | None]:
    """The most serious outcome a text states, with injured and killed counts.

    Harm ruled out: no_damage when damage is ruled out ("no casualties or damage", "did not
    cause significant damage"); "no casualties were reported" alone does not rule out damage,
    so it states nothing but keeps its harm word from counting."""
    if rules.uncertain.search(text):
        text = blank(text, rules.uncertain, to_clause_end=True)
    text = blank(text, _NOT_CASUALTIES)
    stated = Outcome.UNKNOWN
    if rules.intercepted.search(text):
        stated = Outcome.INTERCEPTED
    negations = list(rules.no_damage.finditer(text))
    if negations:
        ruled_out = " ".join(m.group(0) for m in negations)
        damage_ruled_out = bool(_DAMAGE_WORD.search(ruled_out))
        text = blank(text, rules.no_damage)
        if damage_ruled_out:
            stated = Outcome.NO_DAMAGE
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
            if word not in _COUNT_QUALIFIERS:  # "wounding more than 40"
                return _count_word(word)
    before = _WORD.findall(text[max(0, match.start() - 80) : match.start()])
    words = before[-_CASUALTY_REACH:]
    for at in range(len(words) - 1, -1, -1):
        word = words[at]
        if _CASUALTY_WORD.fullmatch(word):
            break  # a number further back belongs to the previous casualty word
        if at > 0 and words[at - 1] in MONTHS:
            continue  # a date's day ("Feb 16"), not a count
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
