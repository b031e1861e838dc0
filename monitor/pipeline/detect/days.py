"""Which day an attack happened: the day expressions of a sentence, and what carries over.

A day phrase dates the attack unless it dates a report of it ("an official said on Monday"); a
sentence without one inherits the day of the attack it continues, never that of another.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from monitor.pipeline.dates import DayMention, find_days, resolve_day
from monitor.pipeline.detect.state import Context

# A report whose day is older than this, seen from the publication day, recalls history.
HISTORY_AFTER_DAYS = 30

# A dateline opening a sentence: "(MENAFN) DAMASCUS, Aug 14 (SANA) -", "Baghdad, Nov 5 (EFE)".
_DATELINE = re.compile(
    r"^\W*(?:\([^)]*\)\s*)?[a-z][a-z .'-]{1,30},\s+[a-z0-9 .,]{3,25}?\s*(?:\(|-|$)"
)
_REPORT_VERBS = (
    r"said|says|told|tells|announced|announces|reported|reports|stated|confirmed|confirms|"
    r"added|noted|shared|published|posted|tweeted|wrote"
)
# "said on Saturday", "told Reuters on Tuesday", "announced in a breaking news piece on Sunday"
_REPORT_VERB_BEFORE = re.compile(
    rf"(?<![a-z])(?:{_REPORT_VERBS})(?:\s+[\w'-]+){{0,5}}?\s+(?:on\s+|late\s+|early\s+)?$"
)
_ATTACK_VERB = re.compile(
    r"(?<![a-z])(?:hit|struck|targeted|attacked|fired|launched|landed|fell|exploded|crashed|"
    r"shot down|intercepted|shelled|bombed)(?![a-z])"
)
# "On Wednesday, Iraqi sources announced that ..."
_REPORT_CLAUSE_AFTER = re.compile(
    rf"^(?:\s+(?:morning|afternoon|evening|night))?\s*,\s*(?:[\w'-]+\s+){{0,6}}?"
    rf"(?:{_REPORT_VERBS})\b"
)
# Only function words between the start of a clause and a day phrase: "On Wednesday, ..."
_CLAUSE_OPENING = re.compile(
    r"^\W*(?:(?:additionally|meanwhile|moreover|also|and|but|however|later|earlier|then),?\s+)?"
    r"(?:(?:on|late|early)\s+)*$"
)
# Words that start another attack, or a vague time, so the last sentence's day does not carry.
_OTHER_ATTACK = re.compile(
    r"(?<![a-z])(?:(?:a second|another|a separate|a further|an additional|a new)\s+(?:[\w-]+\s+)?"
    r"(?:attack|strike|assault|drone|rocket)|also(?!\s+(?:said|claimed|announced|stated|added))|"
    r"separately|last (?:week|month)|"
    r"(?:days|weeks|months|hours) (?:ago|earlier|before|prior)|earlier this (?:week|month)|"
    r"in (?:early |late |mid-)?(?:january|february|march|april|may|june|july|august|september|"
    r"october|november|december)\b(?! \d))"
)
# "On the same day, the US military reported that ...": only the report's day is given.
_REPORTED_SAME_DAY = re.compile(
    rf"^\W*(?:[a-z]+,\s+)?(?:on\s+)?(?:the same day|that day),\s+(?:[\w'-]+\s+){{0,6}}?"
    rf"(?:{_REPORT_VERBS})\b"
)
# "the other three strikes", "Tuesday's attack", "the base": a sentence that points back.
ANAPHOR = re.compile(
    r"(?<![a-z])(?:the|this|that|these|those|its|tuesday's|monday's|wednesday's|thursday's|"
    r"friday's|saturday's|sunday's)\s+(?:[\w-]+\s+){0,2}"
    r"(?:attacks?|strikes?|assault|drones?|rockets?|missiles?|incident|shells?)(?![a-z])"
    r"|(?<![a-z])(?:the|this|that) (?:base|facility|site)(?![a-z])"
)

# A day given relative to the attack just told: "on that same day", "a few hours earlier",
# "a day earlier", "the next day", "two days before".
_RELATIVE_TO_LAST = re.compile(
    r"(?<![a-z])(?:(?P<same>(?:on\s+)?(?:that|the)\s+(?:very\s+)?same\s+day|"
    r"(?:(?:a\s+few|several|some|a\s+couple\s+of|an?|one|two|three|four|five|six|\d+)\s+)?"
    r"hours?\s+(?:earlier|later|before|after)|"
    r"(?:earlier|later)\s+(?:that|the\s+same)\s+day)|"
    r"(?P<before>(?:a|one)\s+day\s+(?:earlier|before)|the\s+(?:previous|prior|preceding)\s+day|"
    r"the\s+day\s+before)|"
    r"(?P<after>(?:a|one)\s+day\s+later|the\s+(?:next|following)\s+day|the\s+day\s+after)|"
    r"(?P<count>two|three|2|3)\s+days\s+(?P<direction>earlier|before|later|after))(?![a-z])"
)
_COUNTS = {"two": 2, "three": 3, "2": 2, "3": 3}

Day = tuple[date | None, str | None]  # the day and the words it was resolved from


def attack_days(masked: str) -> list[DayMention]:
    """Day expressions that may date an attack: not period bounds, not masked, and a dateline
    ("DAMASCUS, Aug 14 (SANA) -") only after every other expression of the sentence."""
    days = [d for d in find_days(masked) if not d.is_period_bound]
    days = [d for d in days if not masked[d.start : d.end].isspace()]
    days = [d for d in days if d.year is not None or not _is_report_day(masked, d)]
    datelines = [d for d in days if _DATELINE.match(masked[: d.end + 12])]
    return [d for d in days if d not in datelines] + datelines


def sentence_day(days: list[DayMention], published: date | None) -> Day:
    """The first day expression of a sentence that resolves, and its words; a named day before
    a time of day ("tonight (Monday)": Monday)."""
    for mention in sorted(days, key=_is_time_of_day):
        resolved = resolve_day(mention, published)
        if resolved is not None:
            return resolved, mention.text
    if days:
        return None, days[0].text
    return None, None


def nearest_day(days: list[DayMention], position: int, published: date | None) -> Day:
    """The day expression closest to ``position`` (a base mention) that resolves; a named day
    ("on Wednesday", "Jan. 7") before a time of day that only means "recently" ("overnight",
    "this morning"): in "on Wednesday overnight" the day is Wednesday."""
    return sentence_day(
        sorted(days, key=lambda d: (_is_time_of_day(d), abs(d.start - position))), published
    )


def _is_time_of_day(mention: DayMention) -> bool:
    """ "overnight", "tonight": a time that a named day beside it makes precise."""
    return mention.kind == "relative" and mention.text.strip() in {"overnight", "tonight"}


def inherited_day(masked: str, context: Context) -> Day:
    """The day a sentence without one takes from what came before, if it continues that story.

    A day given relative to the last attack ("a day earlier", "on that same day") counts from
    that attack's day. Otherwise nothing carries into another attack ("a second drone
    attack", "strikes were also launched") or a report of one ("on the same day, the
    military reported"); a sentence that points back ("the other three strikes") takes the
    last day; any other takes the lead's day, if any."""
    if _REPORTED_SAME_DAY.search(masked):
        return None, None
    relative = _RELATIVE_TO_LAST.search(masked)
    if relative is not None:
        return _relative_day(relative, context)
    if _OTHER_ATTACK.search(masked):
        return None, None
    if ANAPHOR.search(masked):
        return context.day, context.day_expression
    return context.lead_day, context.lead_expression


def relative_in_clause(clause: str, day: date | None) -> Day | None:
    """The day a clause gives relative to ``day``, the day of the sentence's other clause
    ("X was struck on Sunday, while Y was hit a day earlier"); None when it gives none."""
    match = _RELATIVE_TO_LAST.search(clause)
    if match is None or day is None:
        return None
    return _relative_day(match, Context(day=day))


def _relative_day(match: re.Match[str], context: Context) -> Day:
    """The day "a day earlier" (and the like) designates, counted from the last attack's day."""
    if context.day is None:
        return None, None
    if match.group("same"):
        offset = 0
    elif match.group("before"):
        offset = -1
    elif match.group("after"):
        offset = 1
    else:
        offset = _COUNTS[match.group("count")]
        offset = -offset if match.group("direction") in {"earlier", "before"} else offset
    return context.day + timedelta(days=offset), match.group(0)


def is_history(day: date | None, published: date | None) -> bool:
    """Whether ``day`` lies so long before publication that the text recalls it."""
    return (
        day is not None
        and published is not None
        and day < published - timedelta(days=HISTORY_AFTER_DAYS)
    )


def _is_report_day(masked: str, mention: DayMention) -> bool:
    """Whether a day phrase dates a report, not the attack: "an official said on Saturday",
    "On Wednesday, Iraqi sources announced that the base was targeted". A full date with its
    year is kept: a reader takes it as the attack's unless the text says otherwise."""
    if mention.text.endswith("'s"):
        return False  # "Monday's attack": the day belongs to the attack
    before = masked[max(0, mention.start - 40) : mention.start]
    after = masked[mention.end : mention.end + 60]
    said = _REPORT_VERB_BEFORE.search(before)
    if said and not _ATTACK_VERB.search(said.group(0)):
        return True  # "said on Monday"; but "said drones hit X on Monday" dates the attack
    opens_clause = _CLAUSE_OPENING.search(masked[: mention.start]) is not None
    return opens_clause and _REPORT_CLAUSE_AFTER.match(after) is not None
