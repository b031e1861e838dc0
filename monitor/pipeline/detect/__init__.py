"""Find the attacks on bases that an article reports as news: ``detect_events``.

The extractor reads an article sentence by sentence, in five small stages:

1. **mentions** (``candidates.read_sentence``): the tracked bases the sentence names, through
   the gazetteer, and its attack words;
2. **candidates** (``candidates.find_candidates``): every base mention in a sentence with an
   attack word — recall first;
3. **masks** (``masks.py``): named functions that remove the candidates that are not new
   attacks (threats, tallies, history, US strikes, localities...), each saying why;
4. **events** (``events.py``): the survivors open or continue one frame per (base, day), with
   the day the text gives them, and later sentences that refer back add to those frames;
5. **fields** (``fields.py``, ``claims.py``): weapons, munitions count, claimant, outcome, each
   read from the sentence it rests on.

``explain_article`` runs the same stages and also returns, for each sentence that names a base,
how each name resolved, the attack words, the candidates and the masks that removed them.
"""

from __future__ import annotations

from dataclasses import dataclass

from monitor.pipeline.detect.candidates import (
    Candidate,
    Reading,
    find_candidates,
    inherit_list_triggers,
    is_list_item,
    opens_a_list,
    read_sentence,
)
from monitor.pipeline.detect.claims import add_article_claims, claimant, names_claim
from monitor.pipeline.detect.days import sentence_day
from monitor.pipeline.detect.events import (
    RULE_BASE,
    RULE_GENERIC,
    finish,
    follow_up,
    generic_frame,
    note_context,
    note_sentence,
    open_frames,
)
from monitor.pipeline.detect.fields import weapons
from monitor.pipeline.detect.masks import MASKS, Mask, mask_phrases, screen_mentions, screen_phrases
from monitor.pipeline.detect.state import Context, Frame
from monitor.pipeline.rules import Ruleset
from monitor.pipeline.sentences import Sentence, split_sentences
from monitor.records import Article, Report

__all__ = [
    "MASKS",
    "RULE_BASE",
    "RULE_GENERIC",
    "Candidate",
    "Explanation",
    "Mask",
    "Reading",
    "detect_events",
    "explain_article",
]


@dataclass(frozen=True, slots=True)
class Explanation:
    """How the extractor read one article: the sentences that name a base, each with its
    mentions, attack words and candidates; the reports it made; the frames it left out, why."""

    readings: tuple[tuple[Reading, tuple[Candidate, ...]], ...]
    reports: tuple[Report, ...]
    dropped: tuple[tuple[str, str], ...] = ()


def detect_events(article: Article, rules: Ruleset) -> list[Report]:
    """Every attack on a base that ``article`` reports as news, with its evidence."""
    return _read(article, rules, None)


def explain_article(article: Article, rules: Ruleset) -> Explanation:
    """``detect_events``, with the reading of every sentence that names a base."""
    trace: list[tuple[Reading, tuple[Candidate, ...]]] = []
    dropped: list[tuple[str, str]] = []
    reports = _read(article, rules, trace, dropped)
    return Explanation(tuple(trace), tuple(reports), tuple(dropped))


def _read(
    article: Article,
    rules: Ruleset,
    trace: list[tuple[Reading, tuple[Candidate, ...]]] | None,
    dropped: list[tuple[str, str]] | None = None,
) -> list[Report]:
    published = article.published_at.date() if article.published_at else None
    frames: list[Frame] = []
    recent: list[Frame] = []  # frames touched by the latest event sentence
    context = Context()
    own_strikes_seen = False  # in a story about US strikes, "the strike" is theirs
    list_lead: Reading | None = None  # "... targeted these bases:", then one base a line
    denied: set[str] = set()  # bases whose attack the article denies
    claims: list[tuple[Sentence, str, frozenset[str]]] = []  # for add_article_claims
    for sentence in split_sentences(_with_title(article)):
        reading = read_sentence(sentence, rules, published)
        if list_lead is not None and is_list_item(sentence):
            inherit_list_triggers(reading, list_lead)
        else:
            list_lead = None
        folded = sentence.folded
        if (
            reading.mentions
            or reading.triggers
            or rules.claims.search(folded)
            or rules.munition_noun.search(folded)  # a count later sentences may take
        ):
            mask_phrases(reading, rules)
        else:
            reading.masked = folded  # nothing here a mask could change
        candidates = find_candidates(reading)
        screen_phrases(candidates, reading)
        screen_mentions(candidates, reading)
        denied.update(c.mention.base_id for c in candidates if c.removed_by == "denial")
        if opens_a_list(reading, rules):
            list_lead = reading
        if trace is not None and reading.mentions:
            trace.append((reading, tuple(candidates)))
        masked = reading.masked
        if names_claim(masked, rules):
            claims.append((sentence, masked, frozenset(m.base_id for m in reading.mentions)))
        if any(c.kept for c in candidates):
            touched = open_frames(reading, candidates, rules, frames, context)
            if touched:
                lead = touched[0]  # later sentences inherit the day this sentence gave
                note_context(
                    context,
                    sentence,
                    lead.day,
                    lead.day_expression,
                    weapons(masked, rules),
                    claimant(masked, rules, sentence.text),
                    from_lead=False,
                    munitions=lead.munitions,
                )
                recent = touched
                continue
        if not reading.mentions and rules.triggers.search(masked):
            generic = generic_frame(reading, rules, context)
            if generic is not None:
                frames.append(generic)
                generic.order = len(frames)
                day, expression = sentence_day(reading.days(), published)
                note_context(
                    context,
                    sentence,
                    day,
                    expression,
                    weapons(masked, rules),
                    claimant(masked, rules, sentence.text),
                    munitions=generic.munitions,
                )
                recent = [generic]
                continue
        own_strikes_seen = own_strikes_seen or bool(rules.own_strikes.search(sentence.folded))
        if follow_up(reading, recent, rules, context, own_strikes_seen=own_strikes_seen):
            continue
        note_sentence(reading, rules, context)
    add_article_claims(frames, claims, rules)
    return finish(frames, published, denied=denied, dropped=dropped)


def _with_title(article: Article) -> str:
    title = article.title.strip()
    if title and not article.text.lstrip().startswith(title):
        return f"{title}\n\n{article.text}"
    return article.text
