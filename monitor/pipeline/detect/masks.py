"""Masks: the named reasons a candidate is not the report of a new attack.

Every mask is one function, registered in ``MASKS`` in the order it runs. Its docstring's first
line is the reason ``monitor explain`` prints; the docstring then gives one sentence the mask
must remove and one it must keep, both written for the tests (tests/pipeline/test_masks.py).

There are three kinds:

- a *phrase* mask finds the words of a sentence that report no new attack (a threat, a tally,
  a recollection); they are blanked, so they neither make a candidate nor give it facts. A
  candidate is removed when its base's name is blanked or none of its attack words stands;
- a *mention* mask judges one base mention against its sentence (a base named only as the
  place of another);
- a *day* mask judges a candidate once its day is known (an attack long before publication).

Adding a mask for a new kind of phrasing means adding one function here, under the decorator
of its kind, and its test.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from monitor.pipeline import lexicon
from monitor.pipeline.dates import MONTHS, find_days
from monitor.pipeline.detect.candidates import LIST_ITEM, Candidate, Reading
from monitor.pipeline.detect.clauses import blank_spans, clause_end, clause_start
from monitor.pipeline.detect.days import is_history
from monitor.pipeline.numbers import NUMBER
from monitor.pipeline.rules import BaseMention, Ruleset, word_pattern

Spans = list[tuple[int, int]]


@dataclass(frozen=True, slots=True)
class Mask:
    """A named mask: its kind, the reason it gives, and the function that applies it."""

    name: str
    kind: Literal["phrase", "mention", "day"]
    reason: str
    function: Callable[..., Any]


MASKS: list[Mask] = []


def _register(kind: Literal["phrase", "mention", "day"]) -> Callable[[Callable[..., Any]], Mask]:
    def register(function: Callable[..., Any]) -> Mask:
        doc = (function.__doc__ or "").strip()
        mask = Mask(function.__name__, kind, doc.splitlines()[0] if doc else "", function)
        MASKS.append(mask)
        return mask

    return register


phrase_mask = _register("phrase")
mention_mask = _register("mention")
day_mask = _register("day")


# --- Phrase masks -------------------------------------------------------------------------

_MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))
_YEAR = re.compile(
    r"\b(?:in|since|during|of)\s+(?:(?:early|late|mid-?)\s*)?"
    rf"(?:(?P<month>{_MONTH_NAMES})\.?\s+)?(?P<year>(?:19|20)\d\d)\b"
)


_NEGATION = word_pattern(lexicon.NEGATIONS)
_DENIAL = word_pattern(lexicon.DENIALS)
_FALSE_REPORT = word_pattern(lexicon.FALSE_REPORTS)
_GENERIC = word_pattern(lexicon.GENERIC_STATEMENTS)
_OTHER_ATTACK = word_pattern(lexicon.OTHER_ATTACKS)
_PROSPECT = word_pattern(lexicon.PROSPECTS)
_ATTACK_VERB = re.compile(
    r"(?<![a-z])(?:hit|struck|targeted|slammed|landed|fell|exploded|crashed|killed|wounded|"
    r"injured|shot down|intercepted)(?![a-z])"
)
_COUNTED_ATTACKS = re.compile(
    rf"(?<![a-z0-9])(?:{NUMBER})\s+(?:[\w-]+\s+)?(?:attacks|strikes|incidents|assaults)(?![a-z])"
)


@phrase_mask
def threat(folded: str, rules: Ruleset, published: date | None) -> Spans:
    """A threat or a warning: what follows it in its clause has not happened.

    Removes: "The militia vowed to strike the Harir base again."
    Keeps: "The militia struck the Harir base again on Monday."
    """
    return [(m.start(), clause_end(folded, m.end())) for m in rules.threats.finditer(folded)]


@phrase_mask
def tally(folded: str, rules: Ruleset, published: date | None) -> Spans:
    """A tally of attacks over a period, as a count or a list item, reports no single attack.

    Removes: "US bases in Syria have been attacked more than 60 times since October, al-Tanf
    among them."
    Keeps: "Two drones attacked the al-Tanf garrison on Monday."
    """
    return [m.span() for m in rules.tallies.finditer(folded)]


@phrase_mask
def history(folded: str, rules: Ruleset, published: date | None) -> Spans:
    """A recollection of the past ("years ago", "in January 2020" seen from later): its clause.

    A recollection inside a relative clause ("X, which was hit last year, was struck again")
    covers that clause only.

    Removes: "Ain al-Asad was hit by Iranian missiles in January 2020." (published in 2023)
    Keeps: "Ain al-Asad, which was hit by missiles last year, was struck by rockets on Monday."
    """
    past = [m.span() for m in rules.history.finditer(folded)]
    past += [m.span() for m in _YEAR.finditer(folded) if _is_past_year(m, published)]
    return [_recollection(folded, start, end) for start, end in past]


# A relative clause set off by commas: ", which was attacked last year,".
_RELATIVE_CLAUSE = re.compile(r",\s*(?:which|that|where|who|when)\b[^,;.]*,")


def _recollection(folded: str, start: int, end: int) -> tuple[int, int]:
    """What a recollection covers: its relative clause when it stands in one ("the base,
    which was attacked last year, was hit again"), else its whole clause."""
    for clause in _RELATIVE_CLAUSE.finditer(folded, 0, clause_end(folded, end) + 1):
        if clause.start() <= start and end <= clause.end():
            return clause.span()
    return clause_start(folded, start), clause_end(folded, end)


@phrase_mask
def another_attack(folded: str, rules: Ruleset, published: date | None) -> Spans:
    """Another attack, placed in time against this one or likened to it, up to the next comma.

    Removes: "Rockets hit Harir air base on Monday, three weeks after the al-Tanf attack."
    Keeps: "Rockets hit Harir air base on Monday, three hours after the drone warning."
    """
    return [(m.start(), _phrase_end(folded, m.end())) for m in _OTHER_ATTACK.finditer(folded)]


def _phrase_end(folded: str, start: int) -> int:
    comma = folded.find(",", start)
    end = clause_end(folded, start)
    return end if comma < 0 else min(comma, end)


@phrase_mask
def us_strike(folded: str, rules: Ruleset, published: date | None) -> Spans:
    """A strike by US or allied forces is not an attack on a base.

    Removes: "US forces struck militia positions near Harir air base in retaliation."
    Keeps: "Militants struck the Conoco base with rockets."
    """
    return [m.span() for m in rules.own_strikes.finditer(folded)]


@phrase_mask
def negation(folded: str, rules: Ruleset, published: date | None) -> Spans:
    """A negated attack verb: the base named was not attacked.

    Removes: "Rockets fell on the city, but Harir air base was not hit."
    Keeps: "Rockets fell on the city and hit Harir air base."
    """
    return [m.span() for m in _NEGATION.finditer(folded)]


@phrase_mask
def denial(folded: str, rules: Ruleset, published: date | None) -> Spans:
    """A denial of reports: what the rest of its clause says was denied.

    Only a denial of the attack itself counts ("denied any involvement" does not); a report
    of an attack said to be false is denied too.

    Removes: "Officials denied reports of a drone strike on Harir air base."
    Keeps: "Officials confirmed reports of a drone strike on Harir air base."
    """
    denied = [(m.start(), clause_end(folded, m.end())) for m in _DENIAL.finditer(folded)]
    return denied + [m.span() for m in _FALSE_REPORT.finditer(folded)]


@phrase_mask
def generic_statement(folded: str, rules: Ruleset, published: date | None) -> Spans:
    """A statement about bases in general ("frequent targets", "often come under fire").

    It covers its clause, or its relative clause ("X, a frequent target, was hit on Monday");
    an attack spoken of as possible ("the risk of further attacks") covers its own words.

    Removes: "Bases such as Harir airbase are regular targets for the militias."
    Keeps: "Militias targeted Harir airbase on Monday."
    """
    spans = [_recollection(folded, m.start(), m.end()) for m in _GENERIC.finditer(folded)]
    return spans + [m.span() for m in _PROSPECT.finditer(folded)]


@phrase_mask
def tally_list(folded: str, rules: Ruleset, published: date | None) -> Spans:
    """A list item that counts attacks ("• Three attacks on the Tanf base") is a tally.

    A bulleted line that tells an attack (a verb, a day: "• Two strikes hit X on Monday") is
    news, not a tally.

    Removes: "- Five attacks on the Conoco gas field base."
    Keeps: "Two drones attacked the Conoco gas field base on Monday."
    """
    if (
        LIST_ITEM.match(folded)
        and _COUNTED_ATTACKS.search(folded)
        and not _ATTACK_VERB.search(folded)
        and not find_days(folded)
    ):
        return [(0, len(folded))]
    return []


def _is_past_year(match: re.Match[str], published: date | None) -> bool:
    """Whether "in [Month] YYYY" lies more than a month before publication."""
    if published is None:
        return False
    year = int(match.group("year"))
    month = MONTHS.get(match.group("month") or "", 12)
    return year * 12 + month < published.year * 12 + published.month - 1


# --- Mention masks ------------------------------------------------------------------------

# Between two bases, words that make the second one a target of its own: "X, and another
# military base located at Y".
_ANOTHER_TARGET = re.compile(r"(?<![a-z])(?:and|another|while|as well as)(?![a-z])")
_LOCATIVE = re.compile(
    r"(?:near|close to|next to|outside|beside|adjacent to|(?:north|south|east|west)(?:east|west)?"
    r" of|(?:located|situated|based|lying|sits|lies) (?:at|near|in|by)|inside|"
    # a distance from the other: "45 km from", "some 20 miles away from"
    r"(?:km|kilometres?|kilometers?|miles?)\s+(?:\([^)]*\)\s+)?(?:away\s+)?(?:from|of)|"
    # the other's kind of place, then where it is: "(a small outpost in Rukban)"
    r"(?:outpost|base|airbase|garrison|facility|camp|site|station|post|position|compound)"
    r"\s+(?:located\s+|situated\s+)?(?:in|at|near|by))\s+(?:the\s+)?$"
)
# "struck near a road and Erbil airport": the airport ends a list of places near which it fell.
_STRUCK_NEAR = re.compile(
    r"(?:struck|hit|landed|fell|impacted|exploded|crashed)\s+near\s+(?:[\w-]+\s+){1,4}"
    r"and\s+(?:the\s+)?$"
)


@mention_mask
def locality(mention: BaseMention, reading: Reading, earlier: list[BaseMention]) -> bool:
    """A base named only as the place of another base: "Harir base near Erbil airport".

    Removes: Erbil airport in "A drone hit the Harir base near Erbil airport."
    Keeps: Erbil airport in "A drone hit the Harir base, and another struck Erbil airport."
    """
    masked = reading.masked
    before = masked[max(0, mention.start - 40) : mention.start]
    return (
        bool(earlier)
        and bool(_LOCATIVE.search(before))
        and any(
            other.base_id != mention.base_id
            and mention.start - other.end < 60
            and not _ANOTHER_TARGET.search(masked[other.end : mention.start])
            for other in earlier
        )
    )


_ROUTE_NEAR = re.compile(
    r"(?<![a-z])(?:convoys?|patrols?|vehicles?|trucks?|supply lines?|roads?|highways?|"
    r"checkpoints?)"
    r"\s+(?:[\w-]+\s+){0,3}?(?:near|close to|outside|on the road to|heading to|headed to|"
    r"bound for|travell?ing to|en route to|on its way to)\s+(?:the\s+)?$"
)


@mention_mask
def convoy_near(mention: BaseMention, reading: Reading, earlier: list[BaseMention]) -> bool:
    """A convoy, patrol or road near a base is the target; the base only says where.

    Removes: "Gunmen fired on a US supply convoy heading to Ain al-Asad on Monday."
    Keeps: "Two rockets struck near Ain al-Asad air base on Monday."
    """
    return _preceded_by(_ROUTE_NEAR, mention, reading, reach=80)


@mention_mask
def airport_vicinity(mention: BaseMention, reading: Reading, earlier: list[BaseMention]) -> bool:
    """An airport named only as one of the places near which a strike fell, not its target.

    Removes: "Rockets struck near a road and Erbil International Airport."
    Keeps: "Rockets landed near Erbil International Airport, which hosts coalition troops."
    """
    masked = reading.masked
    return "airport" in masked[mention.start : mention.end] and bool(
        _STRUCK_NEAR.search(masked[max(0, mention.start - 60) : mention.start])
    )


_DISTANCE_FROM = re.compile(
    r"(?:base|outpost|garrison|facility|camp|site|position|airbase|airfield|station|compound)"
    r"\b[^.;]{0,80}?\b\d+(?:[.,]\d+)?\s*(?:-\s*)?(?:km|kilomet(?:re|er)s?|miles?)\s+"
    r"(?:\([^)]*\)\s+)?(?:away\s+)?(?:(?:north|south|east|west)\w*\s+)?(?:from|of)\s+"
    r"(?:the\s+)?$"
)


@mention_mask
def distance_reference(mention: BaseMention, reading: Reading, earlier: list[BaseMention]) -> bool:
    """A base named as the point a target's distance is given from is not the target.

    Removes: "Drones hit a US outpost some 20 km east of the al-Tanf garrison on Monday."
    Keeps: "Drones hit the al-Tanf garrison on Monday."
    """
    return _preceded_by(_DISTANCE_FROM, mention, reading, reach=160)


def _preceded_by(
    pattern: re.Pattern[str], mention: BaseMention, reading: Reading, *, reach: int
) -> bool:
    """Whether the words just before a mention (``reach`` characters) end as ``pattern`` says."""
    return pattern.search(reading.masked, max(0, mention.start - reach), mention.start) is not None


# --- Day masks ----------------------------------------------------------------------------


@day_mask
def recalled_day(candidate: Candidate, reading: Reading) -> bool:
    """An attack dated more than a month before publication is recalled history, not news.

    Removes: "A drone struck Ain al-Asad air base on January 4, 2022." (published in 2023)
    Keeps: "Drones targeted Ain al-Asad air base on Monday."
    """
    return is_history(candidate.day, reading.published)


# --- Applying them ------------------------------------------------------------------------


def mask_phrases(reading: Reading, rules: Ruleset) -> None:
    """Run every phrase mask on a sentence: record what each blanks, and blank it all."""
    folded = reading.folded
    for mask in MASKS:
        if mask.kind == "phrase":
            for start, end in mask.function(folded, rules, reading.published):
                reading.phrases.append((mask.name, start, end))
    reading.masked = blank_spans(folded, ((s, e) for _, s, e in reading.phrases))


def screen_phrases(candidates: list[Candidate], reading: Reading) -> None:
    """Remove a candidate whose base's name a phrase mask blanked, or whose attack words it
    blanked all; the mask named is the one that took the last word standing."""
    for candidate in candidates:
        mention = candidate.mention
        for name, start, end in reading.phrases:
            if start <= mention.start and mention.end <= end:
                candidate.removed_by = name
                break
            candidate.triggers = [t for t in candidate.triggers if t.end <= start or t.start >= end]
            if not candidate.triggers:
                candidate.removed_by = name
                break


def screen_mentions(candidates: list[Candidate], reading: Reading) -> None:
    """Run the mention masks on the candidates that still stand, left to right."""
    standing = [c.mention for c in candidates if c.kept]
    for candidate in candidates:
        if not candidate.kept:
            continue
        earlier = [m for m in standing if m.start < candidate.mention.start]
        for mask in MASKS:
            if mask.kind == "mention" and mask.function(candidate.mention, reading, earlier):
                candidate.removed_by = mask.name
                break


def screen_day(candidate: Candidate, reading: Reading) -> None:
    """Run the day masks on a candidate whose day is known."""
    for mask in MASKS:
        if mask.kind == "day" and mask.function(candidate, reading):
            candidate.removed_by = mask.name
            return
