"""Events: the candidates that survive the masks become frames, one per (base, day), and the
frames of one article become its reports.

A sentence that names no base but refers back to "the attack", states an outcome or a claim adds
its facts to the frames of the sentence just before it; the last day expression, weapons and
claimant of an attack or claim sentence are the *context* that later frames inherit when their
own sentence is silent ("The other three strikes targeted...").
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import date

from monitor.pipeline.detect.candidates import Candidate, Reading
from monitor.pipeline.detect.claims import claimant, names_claim
from monitor.pipeline.detect.clauses import Clause, clause_end, clauses
from monitor.pipeline.detect.days import (
    ANAPHOR,
    inherited_day,
    is_history,
    nearest_day,
    relative_in_clause,
    sentence_day,
)
from monitor.pipeline.detect.fields import add_facts, munitions, weapons
from monitor.pipeline.detect.masks import screen_day
from monitor.pipeline.detect.state import FIELDS, Context, Frame, note_basis, snapshot
from monitor.pipeline.rules import Ruleset
from monitor.pipeline.sentences import Sentence
from monitor.records import Attribution, Report, Span

RULE_BASE = "attack.base_sentence"
RULE_GENERIC = "attack.generic_target"
_EMPTY = snapshot(Frame(base_id=None, mention="", country=None))  # a new frame's fields
# How many sentences after a frame's last sentence a back reference ("the attack") may reach.
ANAPHORA_REACH = 3

# "the attack", "the drones", "Sunday's strike": one attack, unlike "the attacks".
_BACK_REFERENCE = re.compile(
    r"(?<![a-z])(?:the|this|that|these|those|its|[a-z]+day's)\s+(?:[\w-]+\s+){0,2}"
    r"(?:attack|strike|assault|incident|drones?|rockets?|missiles?|shells?)(?![a-z])"
    r"|(?<![a-z])(?:the|this|that) (?:base|facility|site)(?![a-z])"
)
_THE_STRIKE = re.compile(
    r"(?<![a-z])(?:the|this|that|[a-z]+day's)\s+(?:[\w-]+\s+){0,2}(?:air)?strike(?![a-z])"
)


def open_frames(
    reading: Reading,
    candidates: list[Candidate],
    rules: Ruleset,
    frames: list[Frame],
    context: Context,
) -> list[Frame]:
    """Open or continue one frame per base whose candidate survived the masks."""
    targets = [c for c in candidates if c.kept]
    if not targets:
        return []
    masked = reading.masked
    published = reading.published
    sentence_clauses = clauses(masked)
    sentence_days = reading.days()
    touched: list[Frame] = []
    base_ids = list(dict.fromkeys(c.mention.base_id for c in targets))
    for base_id in base_ids:
        candidate = next(c for c in targets if c.mention.base_id == base_id)
        mention = candidate.mention
        clause = next(c for c in sentence_clauses if c.start <= mention.start < c.end + 1)
        clause_bases = {
            c.mention.base_id for c in targets if clause.start <= c.mention.start < clause.end + 1
        }
        if not rules.triggers.search(clause.text) and len(sentence_clauses) > 1:
            clause = Clause(0, len(masked), masked)  # the trigger is in another clause
        in_clause = [d for d in sentence_days if clause.start <= d.start < clause.end]
        day, expression = nearest_day(in_clause or sentence_days, mention.start, published)
        if not in_clause and len(sentence_clauses) > 1:
            relative = relative_in_clause(clause.text, day)
            if relative is not None:
                day, expression = relative
        if day is None and expression is None:
            day, expression = inherited_day(masked, context)
        candidate.day, candidate.day_expression = day, expression
        screen_day(candidate, reading)
        if not candidate.kept:
            continue
        frame = _find_frame(frames, base_id, day)
        before = snapshot(frame) if frame is not None else _EMPTY
        if frame is None:
            base = rules.bases[base_id]
            frame = Frame(
                base_id=base_id,
                mention=_clean_mention(reading.sentence.text[mention.start : mention.end]),
                country=base.country,
                day=day,
                day_expression=expression,
                order=len(frames) + 1,
            )
            frames.append(frame)
        elif frame.day is None and day is not None:
            frame.day, frame.day_expression = day, expression
        add_facts(
            frame,
            reading.sentence,
            masked,
            rules,
            context,
            multi=len(base_ids) > 1,
            clause=clause if len(clause_bases) == 1 and len(base_ids) > 1 else None,
        )
        if ANAPHOR.search(masked):  # "the other three strikes", "the rockets" continue the last
            if not frame.weapons and context.weapons:
                frame.weapons |= context.weapons
            if frame.munitions is None and len(base_ids) == 1:
                frame.munitions = context.munitions
        note_basis(frame, before, _span(reading.sentence))
        touched.append(frame)
    return touched


def generic_frame(reading: Reading, rules: Ruleset, context: Context) -> Frame | None:
    """A frame for an attack on a target the text describes but does not name."""
    masked = reading.masked
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
    days = reading.days()
    day, expression = sentence_day(days, reading.published)
    if day is None and expression is None:
        day, expression = inherited_day(masked, context)
    country: tuple[str, int] | None = None
    for code, pattern in rules.countries:
        for found in pattern.finditer(masked):
            distance = abs(found.start() - target.start())
            if country is None or distance < country[1]:
                country = (code, distance)
    mention_end = min(clause_end(masked, target.end()), target.end() + 60)
    mention_end = min([mention_end, *(d.start for d in days if d.start > target.end())])
    mention_start = target.start()
    if masked.startswith("where", mention_start):  # "attacked X, where US troops are present"
        before = [t.end() for t in rules.triggers.finditer(masked, 0, mention_start)]
        mention_start = before[-1] if before else mention_start
    frame = Frame(
        base_id=None,
        mention=_clean_mention(reading.sentence.text[mention_start:mention_end]),
        country=country[0] if country else None,
        day=day,
        day_expression=expression,
    )
    add_facts(frame, reading.sentence, masked, rules, context, multi=False)
    if not frame.weapons and context.weapons and ANAPHOR.search(masked):
        frame.weapons |= context.weapons
    return frame


def follow_up(
    reading: Reading,
    recent: list[Frame],
    rules: Ruleset,
    context: Context,
    *,
    own_strikes_seen: bool,
) -> bool:
    """Add a sentence that names no base but refers back to the attack just reported ("the
    drones were shot down", "the group claimed it") to the frames it continues."""
    sentence, masked = reading.sentence, reading.masked
    follows = [f for f in recent if sentence.index - f.last_sentence <= ANAPHORA_REACH]
    about_own_strike = own_strikes_seen and bool(_THE_STRIKE.search(masked))
    if not follows or reading.mentions or about_own_strike or not _refers_back(masked, rules):
        return False
    for frame in follows:
        add_facts(frame, sentence, masked, rules, context, multi=len(follows) > 1, follow=True)
    day, expression = sentence_day(reading.days(), reading.published)
    if day is not None:
        for frame in follows:
            if frame.day is None:
                frame.day, frame.day_expression = day, expression
                frame.basis["day"] = _span(sentence)
    return True


def note_context(
    context: Context,
    sentence: Sentence,
    day: date | None,
    expression: str | None,
    weapons: frozenset[str],
    claimant: str | None,
    *,
    from_lead: bool = True,
    munitions: int | None = None,
) -> None:
    """Remember what an attack or claim sentence said, for the sentences after it."""
    if weapons or munitions is not None:
        context.munitions = munitions
    if day is not None or (expression is not None and context.day is None):
        context.day, context.day_expression = day, expression
        if from_lead:
            context.lead_day, context.lead_expression = day, expression
    if weapons:
        context.weapons = weapons
    if claimant:
        context.claimant = claimant
        context.claim_sentence = sentence.index


def note_sentence(reading: Reading, rules: Ruleset, context: Context) -> None:
    """Remember the day, weapons or claimant of a sentence that opened no frame."""
    if reading.mentions:
        return
    masked = reading.masked
    claim = names_claim(masked, rules)
    triggered = rules.triggers.search(masked) is not None
    if claim or triggered:
        day, expression = sentence_day(reading.days(), reading.published)
        group = claimant(masked, rules, reading.sentence.text) if claim else None
        if group:
            note_context(context, reading.sentence, day, expression, weapons(masked, rules), group)
        elif triggered and day is not None:
            note_context(context, reading.sentence, day, expression, frozenset(), None)
    count = munitions(masked, rules)
    if count is not None:  # "Five rockets were fired on Sunday." then "The rockets hit X."
        context.munitions = count
        context.weapons = weapons(masked, rules) or context.weapons


def finish(
    frames: list[Frame],
    published: date | None,
    *,
    denied: Collection[str] = (),
    dropped: list[tuple[str, str]] | None = None,
) -> list[Report]:
    """Merge the frames of one article and turn them into reports; each frame left out is
    added to ``dropped`` as (its base and day, why), for ``monitor explain``.

    A base whose attack the article denies ("officials denied that the base was attacked")
    keeps no frame that an official did not confirm: the other sentences relay the reports
    that were denied."""
    kept = []
    for frame in frames:
        reason = _left_out(frame, published, denied)
        if reason is None:
            kept.append(frame)
        elif dropped is not None:
            dropped.append((_label(frame), reason))
    merged: list[Frame] = []
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
            if dropped is not None:
                dropped.append((_label(frame), "the vague wording of an attack named elsewhere"))
            continue
        reports.append(_report(frame))
    return reports


def _left_out(frame: Frame, published: date | None, denied: Collection[str]) -> str | None:
    """Why a frame is not news, or None."""
    if frame.base_id in denied and not frame.confirmed:
        return "the article denies this attack, and no official confirmed it"
    if is_history(frame.day, published):
        return "its day is more than a month before publication: recalled history"
    if frame.day is not None and published is not None and frame.day > published:
        return "its day is after publication"
    return None


def _label(frame: Frame) -> str:
    day = frame.day.isoformat() if frame.day else "undated"
    return f"{frame.base_id or 'untracked'} {day}"


def _refers_back(masked: str, rules: Ruleset) -> bool:
    """Whether a sentence speaks of the attack just reported (not of "the attacks" in general)."""
    return bool(
        _BACK_REFERENCE.search(masked)
        or rules.claims.search(masked)
        or rules.no_damage.search(masked)
        or rules.intercepted.search(masked)
    )


def _clean_mention(text: str) -> str:
    text = text.strip(" ,.;:")
    if text.count("(") != text.count(")"):
        text = text.replace("(", "").replace(")", "")
    return text


def _find_frame(frames: list[Frame], base_id: str | None, day: date | None) -> Frame | None:
    for frame in frames:
        if frame.base_id == base_id and (frame.day == day or day is None or frame.day is None):
            return frame
    return None


def _absorb(into: Frame, other: Frame) -> None:
    before = snapshot(into)
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
    for name, old, new in zip(FIELDS, before, snapshot(into), strict=True):
        if old != new and name in other.basis:
            into.basis[name] = other.basis[name]


def _span(sentence: Sentence) -> Span:
    return Span(sentence.start, sentence.end, sentence.text)


def _report(frame: Frame) -> Report:
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
        basis=tuple((name, frame.basis[name]) for name in FIELDS if name in frame.basis),
    )
