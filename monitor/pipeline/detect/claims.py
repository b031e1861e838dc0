"""Who claimed an attack: a group named in a claim ("claimed responsibility", "said it
targeted") or as the attacker ("the Islamic Resistance in Iraq attacked three bases"), never in
blame or suspicion ("officials blamed...", "no group has claimed"); and, for the article as a
whole, which of its frames a claim anywhere in it refers to.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from monitor.pipeline.detect.state import Frame
from monitor.pipeline.rules import Ruleset
from monitor.pipeline.sentences import Sentence
from monitor.records import Span

# A group named as the coalition's enemy, not as an attacker: "the coalition against ISIS",
# "the mission to defeat the Islamic State", "anti-ISIS forces".
_ADVERSARY = re.compile(
    r"(?:against|fight(?:ing)?|combat(?:ing)?|defeat(?:ing)?|counter(?:ing)?|war on|remnants of"
    r"|cells? of|anti-|counter-)\s*(?:the\s+)?(?:so[- ]called\s+)?[\"']?\s*$"
)
# After a group's name, the verb that makes it the attacker: "Kataib Hezbollah attacked",
# "the Islamic Resistance (IRI), an umbrella of factions, targeted".
_AGENT_VERB = re.compile(
    r"(?:\s*\([^)]{1,20}\))?(?:\s*,[^,;]{1,100},)?\s+(?:(?:fighters|militants|members|forces|"
    r"drones|units|has|have|had|also|then|later|reportedly|again)\s+){0,2}"
    r"(?:attacked|targeted|struck|launched|fired|carried out|hit|bombed|shelled)(?![a-z])"
)
# Blame, suspicion or a denial, not a claim: "officials blamed Iran-backed militias", "no group
# has claimed responsibility", "suspected of carrying out", "has not claimed".
DISCLAIM = re.compile(
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
_WEEKDAY_ATTACK = re.compile(
    r"(?<![a-z])(?P<day>monday|tuesday|wednesday|thursday|friday|saturday|sunday)'s\s+"
    r"(?:[\w-]+\s+){0,2}(?:attack|strike|assault|operation|bombing)(?![a-z])"
)


def is_claim(masked: str, rules: Ruleset) -> bool:
    """Whether a sentence says a group claimed an attack, not that someone blamed, suspected
    or accused one ("officials blamed Iran-backed militias") or that nobody claimed it."""
    return names_claim(masked, rules) and DISCLAIM.search(masked) is None


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
