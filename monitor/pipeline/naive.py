"""The baseline a user would write in a feed reader, kept to measure the extractor against.

A base name and an attack word in one sentence make one report per article and base, dated by
the publication day. ``monitor backtest --extractor naive`` scores it the same way as the real
extractor, so the README's comparison is measured, not claimed.
"""

from __future__ import annotations

import re

from monitor.pipeline.rules import Ruleset
from monitor.pipeline.sentences import split_sentences
from monitor.records import Article, Attribution, Outcome, Report, Span

_ATTACK_WORD = re.compile(
    r"(?<![a-z])(?:attack\w*|target\w*|struck|strike\w*|hit|drones?|rockets?|missiles?|"
    r"mortars?|shell\w*)(?![a-z])"
)


def detect_naive(article: Article, rules: Ruleset) -> list[Report]:
    """One report per tracked base named beside an attack word, dated by publication."""
    day = article.published_at.date() if article.published_at else None
    reports: dict[str, Report] = {}
    for sentence in split_sentences(article.text):
        if not _ATTACK_WORD.search(sentence.folded):
            continue
        for mention in rules.find_bases(sentence.folded, sentence.text):
            if mention.base_id in reports:
                continue
            base = rules.bases[mention.base_id]
            reports[mention.base_id] = Report(
                base_id=base.id,
                base_mention=sentence.text[mention.start : mention.end],
                country=base.country,
                day=day,
                day_expression=None,
                weapons=("unknown",),
                munitions_count=None,
                attack_count=1,
                claimed_by=None,
                attribution=Attribution.REPORTED,
                outcome=Outcome.UNKNOWN,
                injured=None,
                killed=None,
                evidence=(Span(sentence.start, sentence.end, sentence.text),),
                rule_id="naive.keyword",
            )
    return list(reports.values())
