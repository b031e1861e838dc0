"""Find the attacks on bases that an article reports as news: ``detect_events``.

The extractor reads an article sentence by sentence and keeps a small discourse state:

- a sentence that names a tracked base together with an attack word (outside a threat, a tally,
  a recollection of history or a strike *by* US forces) opens or continues a *frame* for
  (base, day);
- a sentence that names no base but refers back to "the attack", states an outcome or a claim,
  adds those facts to the frames of the sentence just before it;
- the last day expression, weapons and claimant of an attack or claim sentence are the
  *context* that later frames inherit when their own sentence is silent ("The other three
  strikes targeted...").

Each frame becomes one ``Report`` carrying the sentences it rests on. Reports of one base and
day are merged; a report without a day joins the article's dated report of that base; a report
that names no tracked base is kept as untracked unless the article names a tracked base in the
same country (then it was the lead's vague wording of that same attack).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from monitor.pipeline.dates import MONTHS, DayMention, find_days, resolve_day
from monitor.pipeline.numbers import parse_number
from monitor.pipeline.rules import BaseMention, Ruleset
from monitor.pipeline.sentences import Sentence, split_sentences
from monitor.records import Article, Attribution, Outcome, Report, Span

RULE_BASE = "attack.base_sentence"
RULE_GENERIC = "attack.generic_target"
# A report whose day is older than this, seen from the publication day, recalls history.
HISTORY_AFTER_DAYS = 30
# How many sentences after a frame's last sentence a back reference ("the attack") may reach.
ANAPHORA_REACH = 3
# Clause boundaries inside one sentence: facts on either side belong to their own base.
_CLAUSE = re.compile(r",\s*(?:while|whereas|but)\s|;\s|\swhile\s|\swhereas\s|,\s*and\s+(?=the\s)")
# "the attack", "the drones", "Sunday's strike": one attack, unlike "the attacks".
_BACK_REFERENCE = re.compile(
    r"(?<![a-z])(?:the|this|that|these|those|its|[a-z]+day's)\s+(?:[\w-]+\s+){0,2}"
    r"(?:attack|strike|assault|incident|drones?|rockets?|missiles?|shells?)(?![a-z])"
    r"|(?<![a-z])(?:the|this|that) (?:base|facility|site)(?![a-z])"
)
_THE_STRIKE = re.compile(
    r"(?<![a-z])(?:the|this|that|[a-z]+day's)\s+(?:[\w-]+\s+){0,2}(?:air)?strike(?![a-z])"
)
# A dateline opening a sentence: "(MENAFN) DAMASCUS, Aug 14 (SANA) -", "Baghdad, Nov 5 (EFE)".
_DATELINE = re.compile(
    r"^\W*(?:\([^)]*\)\s*)?[a-z][a-z .'-]{1,30},\s+[a-z0-9 .,]{3,25}?\s*(?:\(|-|$)"
)
# Between two bases, words that make the second one a target of its own: "X, and another
# military base located at Y".
_ANOTHER_TARGET = re.compile(r"(?<![a-z])(?:and|another|while|as well as)(?![a-z])")
_LOCATIVE = re.compile(
    r"(?:near|close to|next to|outside|beside|adjacent to|(?:north|south|east|west)(?:east|west)?"
    r" of|located (?:at|near|in)|inside)\s+(?:the\s+)?$"
)
_REPORT_VERBS = (
    r"said|says|told|tells|announced|announces|reported|reports|stated|confirmed|confirms|"
    r"added|noted|shared|published|posted|tweeted|wrote"
)
# "said on Saturday", "told Reuters on Tuesday", "announced in a breaking news piece on Sunday"
_REPORT_VERB_BEFORE = re.compile(
    rf"(?<![a-z])(?:{_REPORT_VERBS})(?:\s+[\w'-]+){{0,5}}?\s+(?:on\s+|late\s+|early\s+)?$"
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
_STRUCK_NEAR = re.compile(
    r"(?:struck|hit|landed|fell|impacted|exploded|crashed)\s+near\s+(?:[\w-]+\s+){0,4}"
    r"(?:and\s+)?(?:the\s+)?$"
)
# "On the same day, the US military reported that ...": only the report's day is given.
_REPORTED_SAME_DAY = re.compile(
    rf"^\W*(?:[a-z]+,\s+)?(?:on\s+)?(?:the same day|that day),\s+(?:[\w'-]+\s+){{0,6}}?"
    rf"(?:{_REPORT_VERBS})\b"
)
_CLAUSE_BOUNDARY = re.compile(r"[;.]\s|,\s+(?:while|but|whereas)\s|$")
_MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))
_YEAR = re.compile(
    r"\b(?:in|since|during|of)\s+(?:(?:early|late|mid-?)\s*)?"
    rf"(?:(?P<month>{_MONTH_NAMES})\.?\s+)?(?P<year>(?:19|20)\d\d)\b"
)
_ANAPHOR = re.compile(
    r"(?<![a-z])(?:the|this|that|these|those|its|tuesday's|monday's|wednesday's|thursday's|"
    r"friday's|saturday's|sunday's)\s+(?:[\w-]+\s+){0,2}"
    r"(?:attacks?|strikes?|assault|drones?|rockets?|missiles?|incident|shells?)(?![a-z])"
    r"|(?<![a-z])(?:the|this|that) (?:base|facility|site)(?![a-z])"
)
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


@dataclass(slots=True)
class _Frame:
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
    triggers: list[str] = field(default_factory=list)
    last_sentence: int = 0
    order: int = 0


@dataclass(slots=True)
class _Context:
    """What the article has said so far about the attack under discussion."""

    day: date | None = None
    day_expression: str | None = None
    weapons: frozenset[str] = frozenset()
    claimant: str | None = None
    claim_sentence: int = -10
    # The day of a lead that names no base ("the group on Monday claimed attacks on four bases",
    # "a drone hit a base in Iraq on Wednesday"): the bases named next are its attacks. A day
    # read beside another base dates that base's attack only, unless a sentence points back.
    lead_day: date | None = None
    lead_expression: str | None = None


@dataclass(frozen=True, slots=True)
class _Clause:
    start: int  # offsets into the sentence
    end: int
    text: str  # folded


def detect_events(article: Article, rules: Ruleset) -> list[Report]:
    """Every attack on a base that ``article`` reports as news, with its evidence."""
    published = article.published_at.date() if article.published_at else None
    sentences = split_sentences(_with_title(article))
    frames: list[_Frame] = []
    recent: list[_Frame] = []  # frames touched by the latest event sentence
    context = _Context()
    own_strikes_seen = False  # in a story about US strikes, "the strike" is theirs
    for sentence in sentences:
        masked = _mask_negatives(sentence.folded, rules, published)
        days = _attack_days(masked)
        bases = [m for m in rules.find_bases(sentence.folded)]
        triggers = [m for m in rules.triggers.finditer(masked)]
        claimant = _claimant(masked, rules)
        day, day_expression = _sentence_day(days, published)
        weapons = _weapons(masked, rules)
        if bases and triggers:
            touched = _open_frames(sentence, bases, masked, rules, frames, context, published)
            if touched:
                lead = touched[0]  # later sentences inherit the day this sentence gave
                _note_context(
                    context,
                    sentence,
                    lead.day,
                    lead.day_expression,
                    weapons,
                    claimant,
                    from_lead=False,
                )
                recent = touched
                continue
        if triggers and not bases:
            generic = _generic_frame(sentence, masked, rules, context, published)
            if generic is not None:
                frames.append(generic)
                generic.order = len(frames)
                _note_context(context, sentence, day, day_expression, weapons, claimant)
                recent = [generic]
                continue
        follows = [f for f in recent if sentence.index - f.last_sentence <= ANAPHORA_REACH]
        own_strikes_seen = own_strikes_seen or bool(rules.own_strikes.search(sentence.folded))
        about_own_strike = own_strikes_seen and bool(_THE_STRIKE.search(masked))
        if follows and not bases and not about_own_strike and _refers_back(masked, rules):
            for frame in follows:
                _add_facts(frame, sentence, masked, rules, context, multi=len(follows) > 1)
            if day is not None:
                for frame in follows:
                    if frame.day is None:
                        frame.day, frame.day_expression = day, day_expression
            continue
        if claimant and rules.claims.search(masked) and not bases:
            _note_context(context, sentence, day, day_expression, weapons, claimant)
        elif triggers and day is not None and not bases:
            _note_context(context, sentence, day, day_expression, frozenset(), None)
    return _finish(frames, published)


def _with_title(article: Article) -> str:
    title = article.title.strip()
    if title and not article.text.lstrip().startswith(title):
        return f"{title}\n\n{article.text}"
    return article.text


def _mask_negatives(folded: str, rules: Ruleset, published: date | None) -> str:
    """Blank out threats, tallies, history and US strikes, so their words trigger nothing.

    A tally or a US strike blanks its own words; a threat blanks what follows it in its
    clause ("threatened to attack X"); a recollection ("four years ago", "in January 2020"
    seen from 2023) blanks its whole clause.
    """
    chars = list(folded)
    for pattern in (rules.tallies, rules.own_strikes):
        for match in pattern.finditer(folded):
            chars[match.start() : match.end()] = " " * (match.end() - match.start())
    for match in rules.threats.finditer(folded):
        end = _clause_end(folded, match.end())
        chars[match.start() : end] = " " * (end - match.start())
    past = [m.span() for m in rules.history.finditer(folded)]
    past += [m.span() for m in _YEAR.finditer(folded) if _is_past_year(m, published)]
    for start, end in past:
        first, last = _clause_start(folded, start), _clause_end(folded, end)
        chars[first:last] = " " * (last - first)
    return "".join(chars)


def _is_past_year(match: re.Match[str], published: date | None) -> bool:
    """Whether "in [Month] YYYY" lies more than a month before publication."""
    if published is None:
        return False
    year = int(match.group("year"))
    month = MONTHS.get(match.group("month") or "", 12)
    return year * 12 + month < published.year * 12 + published.month - 1


def _clause_start(folded: str, end: int) -> int:
    starts = [m.end() for m in _CLAUSE_BOUNDARY.finditer(folded, 0, end) if m.end() > m.start()]
    return starts[-1] if starts else 0


def _clause_end(folded: str, start: int) -> int:
    match = _CLAUSE_BOUNDARY.search(folded, start)
    return match.start() if match else len(folded)


def _clauses(folded: str) -> list[_Clause]:
    clauses = []
    start = 0
    for match in _CLAUSE.finditer(folded):
        clauses.append(_Clause(start, match.start(), folded[start : match.start()]))
        start = match.end()
    clauses.append(_Clause(start, len(folded), folded[start:]))
    return clauses


def _sentence_day(days: list[DayMention], published: date | None) -> tuple[date | None, str | None]:
    """The first day expression of a sentence that resolves, and its words."""
    for mention in days:
        resolved = resolve_day(mention, published)
        if resolved is not None:
            return resolved, mention.text
    if days:
        return None, days[0].text
    return None, None


def _attack_days(masked: str) -> list[DayMention]:
    """Day expressions that may date an attack: not period bounds, not masked, and a dateline
    ("DAMASCUS, Aug 14 (SANA) -") only after every other expression of the sentence."""
    days = [d for d in find_days(masked) if not d.is_period_bound]
    days = [d for d in days if not masked[d.start : d.end].isspace()]
    days = [d for d in days if d.year is not None or not _is_report_day(masked, d)]
    datelines = [d for d in days if _DATELINE.match(masked[: d.end + 12])]
    return [d for d in days if d not in datelines] + datelines


def _is_report_day(masked: str, mention: DayMention) -> bool:
    """Whether a day phrase dates a report, not the attack: "an official said on Saturday",
    "On Wednesday, Iraqi sources announced that the base was targeted". A full date with its
    year is kept: a reader takes it as the attack's unless the text says otherwise."""
    if mention.text.endswith("'s"):
        return False  # "Monday's attack": the day belongs to the attack
    before = masked[max(0, mention.start - 40) : mention.start]
    after = masked[mention.end : mention.end + 60]
    if _REPORT_VERB_BEFORE.search(before):
        return True
    opens_clause = _CLAUSE_OPENING.search(masked[: mention.start]) is not None
    return opens_clause and _REPORT_CLAUSE_AFTER.match(after) is not None


def _inherited_day(masked: str, context: _Context) -> tuple[date | None, str | None]:
    """The day a sentence without one takes from what came before, if it continues that story.

    Nothing carries into another attack ("a second drone attack", "strikes were also launched")
    or a report of one ("on the same day, the military reported"); a sentence that points back
    ("the other three strikes") takes the last day; any other takes the lead's day, if any."""
    if _OTHER_ATTACK.search(masked) or _REPORTED_SAME_DAY.search(masked):
        return None, None
    if _ANAPHOR.search(masked):
        return context.day, context.day_expression
    return context.lead_day, context.lead_expression


def _locates_another(masked: str, earlier: list[BaseMention], mention: BaseMention) -> bool:
    """Whether a base is named only as the place of another: "Harir base near Erbil airport"."""
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


def _near_the_airport(masked: str, mention: BaseMention) -> bool:
    """Whether a base named only by its airport is the vicinity of a strike, not its target:
    "missiles struck near Erbil-Pirmam road and Erbil International Airport"."""
    return "airport" in masked[mention.start : mention.end] and bool(
        _STRUCK_NEAR.search(masked[max(0, mention.start - 60) : mention.start])
    )


def _is_history(day: date | None, published: date | None) -> bool:
    return (
        day is not None
        and published is not None
        and day < published - timedelta(days=HISTORY_AFTER_DAYS)
    )


def _nearest_day(
    days: list[DayMention], position: int, published: date | None
) -> tuple[date | None, str | None]:
    """The day expression closest to ``position`` (a base mention) that resolves."""
    return _sentence_day(sorted(days, key=lambda d: abs(d.start - position)), published)


def _open_frames(
    sentence: Sentence,
    bases: list[BaseMention],
    masked: str,
    rules: Ruleset,
    frames: list[_Frame],
    context: _Context,
    published: date | None,
) -> list[_Frame]:
    """Open or continue one frame per base the sentence reports attacked."""
    targets = [m for m in bases if not masked[m.start : m.end].isspace()]
    targets = [
        m
        for i, m in enumerate(targets)
        if not _locates_another(masked, targets[:i], m) and not _near_the_airport(masked, m)
    ]
    if not targets:
        return []
    clauses = _clauses(masked)
    touched: list[_Frame] = []
    base_ids = list(dict.fromkeys(m.base_id for m in targets))
    for base_id in base_ids:
        mention = next(m for m in targets if m.base_id == base_id)
        clause = next(c for c in clauses if c.start <= mention.start < c.end + 1)
        clause_bases = {m.base_id for m in targets if clause.start <= m.start < clause.end + 1}
        if not rules.triggers.search(clause.text) and len(clauses) > 1:
            clause = _Clause(0, len(masked), masked)  # the trigger is in another clause
        sentence_days = _attack_days(masked)
        in_clause = [d for d in sentence_days if clause.start <= d.start < clause.end]
        day, expression = _nearest_day(in_clause or sentence_days, mention.start, published)
        if day is None and expression is None:
            day, expression = _inherited_day(masked, context)
        if _is_history(day, published):
            continue  # a caption or a recollection of an old attack: never news
        frame = _find_frame(frames, base_id, day)
        if frame is None:
            base = rules.bases[base_id]
            frame = _Frame(
                base_id=base_id,
                mention=_clean_mention(sentence.text[mention.start : mention.end]),
                country=base.country,
                day=day,
                day_expression=expression,
                order=len(frames) + 1,
            )
            frames.append(frame)
        elif frame.day is None and day is not None:
            frame.day, frame.day_expression = day, expression
        _add_facts(
            frame,
            sentence,
            masked,
            rules,
            context,
            multi=len(base_ids) > 1,
            clause=clause if len(clause_bases) == 1 and len(base_ids) > 1 else None,
        )
        if not frame.weapons and context.weapons and _ANAPHOR.search(masked):
            frame.weapons |= context.weapons  # "the other three strikes" continue the last
        touched.append(frame)
    return touched


def _clean_mention(text: str) -> str:
    text = text.strip(" ,.;:")
    if text.count("(") != text.count(")"):
        text = text.replace("(", "").replace(")", "")
    return text


def _find_frame(frames: list[_Frame], base_id: str | None, day: date | None) -> _Frame | None:
    for frame in frames:
        if frame.base_id == base_id and (frame.day == day or day is None or frame.day is None):
            return frame
    return None


def _generic_frame(
    sentence: Sentence, masked: str, rules: Ruleset, context: _Context, published: date | None
) -> _Frame | None:
    """A frame for an attack on a target the text describes but does not name."""
    target = next(
        (
            match
            for match in rules.generic_targets.finditer(masked)
            if match.group(0).startswith(("a ", "an ", "one ", "where "))
            or rules.targeting.search(masked, 0, match.start())
        ),
        None,
    )
    if target is None:
        return None  # "coalition forces" as the agent, or a summary: not an attack's target
    days = _attack_days(masked)
    day, expression = _sentence_day(days, published)
    if day is None and expression is None:
        day, expression = _inherited_day(masked, context)
    country: tuple[str, int] | None = None
    for code, pattern in rules.countries:
        for found in pattern.finditer(masked):
            distance = abs(found.start() - target.start())
            if country is None or distance < country[1]:
                country = (code, distance)
    mention_end = min(_clause_end(masked, target.end()), target.end() + 60)
    mention_end = min([mention_end, *(d.start for d in days if d.start > target.end())])
    mention_start = target.start()
    if masked.startswith("where", mention_start):  # "attacked X, where US troops are present"
        before = [t.end() for t in rules.triggers.finditer(masked, 0, mention_start)]
        mention_start = before[-1] if before else mention_start
    mention = _clean_mention(sentence.text[mention_start:mention_end])
    frame = _Frame(
        base_id=None,
        mention=mention,
        country=country[0] if country else None,
        day=day,
        day_expression=expression,
    )
    _add_facts(frame, sentence, masked, rules, context, multi=False)
    if not frame.weapons and context.weapons and _ANAPHOR.search(masked):
        frame.weapons |= context.weapons
    return frame


def _add_facts(
    frame: _Frame,
    sentence: Sentence,
    masked: str,
    rules: Ruleset,
    context: _Context,
    *,
    multi: bool,
    clause: _Clause | None = None,
) -> None:
    """Add what a sentence (or its clause about this frame's base) says about the attack."""
    if not frame.evidence or frame.evidence[-1].start != sentence.start:
        frame.evidence.append(Span(sentence.start, sentence.end, sentence.text))
    frame.last_sentence = sentence.index
    scope = clause.text if clause is not None else masked
    frame.weapons |= _weapons(scope, rules)
    frame.triggers.extend(m.group(0) for m in rules.triggers.finditer(scope))
    if clause is not None or not multi:
        count = _munitions(scope, rules)
        if count is not None and (frame.munitions is None or count > frame.munitions):
            frame.munitions = count
    attacks = _ATTACK_COUNT.search(scope)
    if attacks and (number := parse_number(attacks.group("count"))):
        frame.attack_count = number
    outcome, injured, killed = _outcome(scope, rules)
    if outcome.severity > frame.outcome.severity:
        frame.outcome = outcome
    if injured is not None:
        frame.injured = max(frame.injured or 0, injured)
    if killed is not None:
        frame.killed = max(frame.killed or 0, killed)
    claimant = _claimant(masked, rules)
    is_claim = rules.claims.search(masked) is not None
    if is_claim:
        frame.claimed = True
        if claimant:
            frame.claimed_by = claimant
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


def _note_context(
    context: _Context,
    sentence: Sentence,
    day: date | None,
    expression: str | None,
    weapons: frozenset[str],
    claimant: str | None,
    *,
    from_lead: bool = True,
) -> None:
    if day is not None or (expression is not None and context.day is None):
        context.day, context.day_expression = day, expression
        if from_lead:
            context.lead_day, context.lead_expression = day, expression
    if weapons:
        context.weapons = weapons
    if claimant:
        context.claimant = claimant
        context.claim_sentence = sentence.index


def _refers_back(masked: str, rules: Ruleset) -> bool:
    """Whether a sentence speaks of the attack just reported (not of "the attacks" in general)."""
    return bool(
        _BACK_REFERENCE.search(masked)
        or rules.claims.search(masked)
        or rules.no_damage.search(masked)
        or rules.intercepted.search(masked)
    )


def _weapons(text: str, rules: Ruleset) -> frozenset[str]:
    return frozenset(name for name, pattern in rules.weapons if pattern.search(text))


def _munitions(text: str, rules: Ruleset) -> int | None:
    counts = [parse_number(m.group("count")) for m in rules.munitions.finditer(text)]
    return max((c for c in counts if c), default=None)


def _claimant(masked: str, rules: Ruleset) -> str | None:
    best: tuple[int, str] | None = None
    for name, pattern in rules.groups:
        found = pattern.search(masked)
        if found and (best is None or found.start() < best[0]):
            best = (found.start(), name)
    return best[1] if best else None


def _outcome(text: str, rules: Ruleset) -> tuple[Outcome, int | None, int | None]:
    """The most serious outcome a text states, with injured and killed counts."""
    if rules.uncertain.search(text):
        text = _blank(text, rules.uncertain, to_clause_end=True)
    outcome = Outcome.UNKNOWN
    if rules.intercepted.search(text):
        outcome = Outcome.INTERCEPTED
    negated = rules.no_damage.search(text)
    if negated:
        outcome = Outcome.NO_DAMAGE
        text = _blank(text, rules.no_damage)
    if rules.damage.search(text):
        outcome = Outcome.DAMAGE
    injured = killed = None
    if rules.casualties.search(text):
        outcome = Outcome.CASUALTIES
        for match in _CASUALTY_WORD.finditer(text):
            number = _casualty_count(text, match)
            if number is None:
                continue
            if match.group("kind").startswith(("kill", "dead", "died")):
                killed = max(killed or 0, number)
            elif not match.group("kind").startswith("casualt"):
                injured = max(injured or 0, number)
    return outcome, injured, killed


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


def _blank(text: str, pattern: re.Pattern[str], *, to_clause_end: bool = False) -> str:
    chars = list(text)
    for match in pattern.finditer(text):
        end = _clause_end(text, match.end()) if to_clause_end else match.end()
        chars[match.start() : end] = " " * (end - match.start())
    return "".join(chars)


def _finish(frames: list[_Frame], published: date | None) -> list[Report]:
    """Merge the frames of one article and turn them into reports."""
    kept: list[_Frame] = []
    for frame in frames:
        if (
            frame.day is not None
            and published is not None
            and frame.day < published - timedelta(days=HISTORY_AFTER_DAYS)
        ):
            continue  # recalled history, not news
        if frame.day is not None and published is not None and frame.day > published:
            continue  # a day after publication cannot be the day of a reported attack
        kept.append(frame)
    merged: list[_Frame] = []
    for frame in sorted(kept, key=lambda f: f.order):
        if frame.base_id is not None and frame.day is None:
            dated = [f for f in kept if f.base_id == frame.base_id and f.day is not None]
            if dated:
                _absorb(dated[0], frame)
                continue
        merged.append(frame)
    tracked_countries = {f.country for f in merged if f.base_id is not None}
    reports = []
    for frame in merged:
        if frame.base_id is None and (
            frame.country in tracked_countries or (frame.country is None and tracked_countries)
        ):
            continue  # the vague wording of an attack the article names elsewhere
        reports.append(_report(frame))
    return reports


def _absorb(into: _Frame, other: _Frame) -> None:
    into.weapons |= other.weapons
    into.evidence = sorted(
        {s.start: s for s in [*into.evidence, *other.evidence]}.values(), key=lambda s: s.start
    )
    into.munitions = into.munitions or other.munitions
    into.claimed_by = into.claimed_by or other.claimed_by
    into.claimed |= other.claimed
    into.reported |= other.reported
    into.confirmed |= other.confirmed
    if other.outcome.severity > into.outcome.severity:
        into.outcome = other.outcome


def _report(frame: _Frame) -> Report:
    if frame.confirmed:
        attribution = Attribution.CONFIRMED
    elif frame.reported or not frame.claimed:
        attribution = Attribution.REPORTED
    else:
        attribution = Attribution.CLAIMED
    return Report(
        base_id=frame.base_id,
        base_mention=frame.mention,
        country=frame.country,
        day=frame.day,
        day_expression=frame.day_expression,
        weapons=tuple(sorted(frame.weapons)) or ("unknown",),
        munitions_count=frame.munitions,
        attack_count=frame.attack_count,
        claimed_by=frame.claimed_by,
        attribution=attribution,
        outcome=frame.outcome,
        injured=frame.injured,
        killed=frame.killed,
        evidence=tuple(frame.evidence),
        rule_id=RULE_BASE if frame.base_id else RULE_GENERIC,
        triggers=tuple(dict.fromkeys(frame.triggers)),
    )
