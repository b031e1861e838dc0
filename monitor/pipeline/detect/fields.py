"""The facts of an attack, each read from the sentence it rests on: weapons, munitions count,
number of attacks, claimant and attribution, outcome with casualty counts.

``add_facts`` adds what one sentence (or its clause about the frame's base) says to a frame and
records the sentence as evidence, so every field a report carries cites its source.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from monitor.pipeline import lexicon
from monitor.pipeline.dates import MONTHS
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
# A group named as the coalition's enemy, not as an attacker: "the coalition against ISIS",
# "the mission to defeat the Islamic State", "anti-ISIS forces".
_ADVERSARY = re.compile(
    r"(?:against|fight(?:ing)?|combat(?:ing)?|defeat(?:ing)?|counter(?:ing)?|war on|remnants of"
    r"|cells? of|anti-|counter-)\s*(?:the\s+)?(?:so[- ]called\s+)?[\"']?\s*$"
)
# Blame, suspicion or a denial, not a claim: "officials blamed Iran-backed militias", "no group
# has claimed responsibility", "suspected of carrying out", "has not claimed".
# After a group's name, the verb that makes it the attacker: "Kataib Hezbollah attacked",
# "the Islamic Resistance (IRI), an umbrella of factions, targeted".
_AGENT_VERB = re.compile(
    r"(?:\s*\([^)]{1,20}\))?(?:\s*,[^,;]{1,100},)?\s+(?:(?:fighters|militants|members|forces|"
    r"drones|units|has|have|had|also|then|later|reportedly|again)\s+){0,2}"
    r"(?:attacked|targeted|struck|launched|fired|carried out|hit|bombed|shelled)(?![a-z])"
)
_DISCLAIM = re.compile(
    r"(?<![a-z])(?:blam(?:e|ed|es|ing)|accus(?:e|ed|es|ing)|suspect(?:s|ed)?|attribut(?:e|ed)"
    r"|believed|likely|probably|presumably|alleged(?:ly)?|denied|deny|denies"
    r"|(?:is|are|was|were) behind"
    r"|no (?:\w+ )?(?:group|one|party|faction|organi[sz]ation)s? (?:has |had |have )?"
    r"(?:yet |so far )?(?:claimed|taken|took)|no claim|not (?:yet )?(?:been )?claimed"
    r"|(?:has|have|had) not (?:yet )?claimed|did not claim|without (?:a |any )?claim"
    r"|unclaimed)(?![a-z])"
)
# A claimant the lexicon does not list, as the text names it: a capitalised title ending in a
# word for an armed group ("the Iraqi Resistance Factions claimed...", "Saraya Thar al-Muhandis
# Brigades said it...").
_GROUP_TITLE = re.compile(
    r"(?<![\w-])(?P<name>(?:(?:[A-Z][\w'’-]*|al-[\w'’-]+|al|of|in|the|and|for)\s+){0,6}"
    r"(?:Resistance|Factions?|Brigades?|Battalions?|Front|Movement|Guards?|Corps|Companions"
    r"|Army|Mobili[sz]ation|Hezbollah|Hizballah|Hizbullah))(?![\w-])"
)
_TITLE_START = re.compile(r"^(?:(?:of|in|the|and|for|al)\s+)+", re.IGNORECASE)
# How a claim statement refers back to the one attack the article reports.
_ONE_ATTACK = re.compile(
    r"(?<![a-z])(?:the|this|that|[a-z]+day's)\s+(?:[\w-]+\s+){0,2}"
    r"(?:attack|strike|assault|operation|incident|bombing|drone|rocket|missile)(?![a-z])"
    r"|(?<![a-z])(?:it|them)(?![a-z])"
)
# A claim of "an attack" that names no base: the article's attack when it reports only one.
_AN_ATTACK = re.compile(
    r"(?<![a-z])(?:a|an)\s+(?:[\w-]+\s+){0,2}(?:attack|strike|assault|operation)(?![a-z])"
)
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
_WEEKDAY_ATTACK = re.compile(
    r"(?<![a-z])(?P<day>monday|tuesday|wednesday|thursday|friday|saturday|sunday)'s\s+"
    r"(?:[\w-]+\s+){0,2}(?:attack|strike|assault|operation|bombing)(?![a-z])"
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
        and not _DISCLAIM.search(masked)
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


def is_claim(masked: str, rules: Ruleset) -> bool:
    """Whether a sentence says a group claimed an attack, not that someone blamed, suspected
    or accused one ("officials blamed Iran-backed militias") or that nobody claimed it."""
    return names_claim(masked, rules) and _DISCLAIM.search(masked) is None


def names_claim(masked: str, rules: Ruleset) -> bool:
    """Whether a sentence has a claim verb ("claimed", "took responsibility"), or names an
    armed group as the one that attacked: "The Islamic Resistance in Iraq, an umbrella of
    militias, attacked three bases" states what the group itself announces."""
    if rules.claims.search(masked) is not None:
        return True
    return any(_AGENT_VERB.match(masked, group.end()) for group in rules.any_group.finditer(masked))


def claimant(masked: str, rules: Ruleset, original: str | None = None) -> str | None:
    """The armed group a text names first, in the text's own wording when the ``original``
    text is given (by its canonical name otherwise, or when the text shortens it); a group
    named as the coalition's enemy ("the coalition against ISIS") is not a claimant."""
    if rules.any_group.search(masked) is None:
        return None
    best: tuple[int, int, str] | None = None
    for name, pattern in rules.groups:
        for found in pattern.finditer(masked):
            if _ADVERSARY.search(masked, max(0, found.start() - 30), found.start()):
                continue
            if best is None or found.start() < best[0]:
                best = (found.start(), found.end(), name)
            break
    if best is None:
        return None
    start, end, name = best
    if original is None:
        return name
    wording = original[start:end]
    # A shortened name ("the Islamic Resistance") is given whole; another spelling or form
    # ("Kataeb Hezbollah", "Islamic Resistance of Iraq") is kept as the text writes it.
    return name if wording.casefold() in name.casefold() else wording


def titled_claimant(text: str) -> str | None:
    """A group the lexicon does not list, named by its title in the original text of a claim
    sentence: "The Iraqi Resistance Factions claimed..." -> "Iraqi Resistance Factions"."""
    for match in _GROUP_TITLE.finditer(text):
        name = _TITLE_START.sub("", match.group("name")).strip()
        before = text[max(0, match.start() - 30) : match.start()].lower()
        if len(name.split()) < 2 or _ADVERSARY.search(before):
            continue
        return name
    return None


def claim_group(sentence: Sentence, masked: str, rules: Ruleset, *, titles: bool) -> str | None:
    """The group a claim sentence names as the claimant: from the lexicon, or (``titles``) by
    a title that stands before the claim verb, as the subject of the claim."""
    if not is_claim(masked, rules):
        return None
    if not titles:
        return claimant(masked, rules, sentence.text)
    verb = rules.claims.search(sentence.text.lower())
    return titled_claimant(sentence.text[: verb.start()] if verb else "")


def add_article_claims(
    frames: Sequence[Frame], claims: Sequence[tuple[Sentence, str, frozenset[str]]], rules: Ruleset
) -> None:
    """Give a frame without a claimant the group of a claim statement anywhere in the article
    that refers to its attack (the lead or the last paragraph often carries the claim: "The
    Islamic Resistance in Iraq, an umbrella of Iran-backed militias, said it had carried out
    the attack"). A claim refers to a frame's attack when it names the frame's base; or, naming
    no base, refers back to one attack ("the attack", "Tuesday's strike", "it") and the article
    reports one attack (one base, one day), or the frame was the last reported before the
    claim, or its day is the weekday the claim names. Each claim is (sentence, masked text,
    the bases it names). Groups from the lexicon are tried before titles the text gives."""
    if not claims or all(f.claimed_by is not None for f in frames):
        return
    days = {f.day for f in frames if f.day is not None}
    tracked = {f.base_id for f in frames if f.base_id is not None}
    single = len(days) <= 1 and len(tracked) <= 1
    for titles in (False, True):
        for sentence, masked, named in claims:
            group = claim_group(sentence, masked, rules, titles=titles)
            if group is None:
                continue
            for frame in _claimed_frames(frames, sentence, masked, named, single=single):
                frame.claimed_by = group
                frame.claimed = True
                span = Span(sentence.start, sentence.end, sentence.text)
                frame.basis["claimed_by"] = span
                if all(s.start != span.start for s in frame.evidence):
                    frame.evidence = sorted([*frame.evidence, span], key=lambda s: s.start)


def _claimed_frames(
    frames: Sequence[Frame], sentence: Sentence, masked: str, named: frozenset[str], *, single: bool
) -> list[Frame]:
    """The frames without a claimant whose attack a claim sentence refers to."""
    open_frames = [f for f in frames if f.claimed_by is None]
    if named:
        return [f for f in open_frames if f.base_id in named]
    if single and (_ONE_ATTACK.search(masked) or _AN_ATTACK.search(masked)):
        return open_frames
    if not _ONE_ATTACK.search(masked):
        return []
    weekday = _WEEKDAY_ATTACK.search(masked)
    if weekday:
        return [
            f
            for f in open_frames
            if f.day is not None and f.day.strftime("%A").lower() == weekday.group("day")
        ]
    before = [f for f in frames if f.evidence and f.evidence[0].start < sentence.start]
    if not before:
        return []
    last = max(f.evidence[0].start for f in before)
    return [f for f in before if f.claimed_by is None and f.evidence[0].start == last]


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
