"""How the extractor reads across sentences: which day, which base, which attack.

Short articles written for each rule family (monitor/pipeline/detect.py); published on
Tuesday 2023-11-07 unless a case says otherwise.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from monitor.pipeline.detect import detect_events
from monitor.pipeline.rules import Ruleset

MONDAY, SUNDAY, TUESDAY = date(2023, 11, 6), date(2023, 11, 5), date(2023, 11, 7)

CASES: list[tuple[str, str, dict[str, Any]]] = [
    (
        "report-day-is-not-attack-day",
        "Two drones were shot down near Ain al-Asad air base, an Iraqi security source said on "
        "Monday.",
        {"ain-al-asad": None},
    ),
    (
        "report-clause-opening",
        "On Monday, Iraqi sources announced that Harir air base was targeted by a drone.",
        {"harir": None},
    ),
    (
        "attack-day-before-the-source",
        "A drone targeted Harir air base on Monday, a US military official said.",
        {"harir": MONDAY},
    ),
    (
        "possessive-day-is-the-attack",
        "The Pentagon said there were no injuries in Sunday's drone attack on Rukban.",
        {"rukban": SUNDAY},
    ),
    (
        "lead-day-carries-to-named-bases",
        "A pro-Iran militia on Monday claimed drone attacks on two US bases. "
        "The group said it targeted Harir air base and the Conoco gas field base.",
        {"harir": MONDAY, "conoco": MONDAY},
    ),
    (
        "other-base-day-does-not-carry",
        "Two drones targeted the al-Tanf garrison on Monday. "
        "Local activists said drones had struck the Conoco gas field base.",
        {"al-tanf": MONDAY, "conoco": None},
    ),
    (
        "back-reference-carries-the-day",
        "Two drones targeted the al-Tanf garrison on Monday. "
        "The other strikes targeted the Conoco gas field base.",
        {"al-tanf": MONDAY, "conoco": MONDAY},
    ),
    (
        "a-second-attack-is-not-dated-by-the-first",
        "A militia on Monday claimed a drone attack on US forces in Syria. "
        "A second drone attack reportedly targeted the Conoco gas field base.",
        {"conoco": None},
    ),
    (
        "day-range-over-two-bases",
        "Troops were injured in attacks at Ain al-Asad air base and at the al-Tanf garrison on "
        "Oct. 17 and 18, the Pentagon said.",
        {"ain-al-asad": None, "al-tanf": None},
    ),
    (
        "airport-as-a-landmark",
        "At least five ballistic missiles struck near the Pirmam road and Erbil International "
        "Airport on Monday, killing four civilians.",
        {},
    ),
    (
        "base-located-near-another",
        "The Harir base near Erbil airport was targeted by a drone attack on Monday.",
        {"harir": MONDAY},
    ),
    (
        "summary-of-past-attacks",
        "The attacks in Iraq have mainly targeted Asad air base, Erbil International Airport "
        "and Harir air base.",
        {},
    ),
    (
        "old-caption-does-not-swallow-news",
        "Drone wreckage seen at Ain al-Asad air base in Anbar, Iraq January 4, 2022.\n"
        "Defenses at Ain al-Asad air base shot down two drones on Monday, officials said.",
        {"ain-al-asad": MONDAY},
    ),
    (
        "us-strike-story",
        "US forces struck a weapons depot in eastern Syria on Wednesday in retaliation. "
        "The latest incident involved a rocket attack on US forces at Shaddadi base. "
        "Despite such attacks, Wednesday's strike caused no casualties.",
        {"shaddadi": None},
    ),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_days_and_bases_across_sentences(
    rules: Ruleset,
    article,
    text: str,
    expected: dict[str, date | None],  # type: ignore[no-untyped-def]
) -> None:
    """Each tracked base reported attacked gets the day the text gives it, or none."""
    reports = detect_events(article(text), rules)
    assert {r.base_id: r.day for r in reports if r.base_id} == expected


def test_outcome_of_a_us_strike_is_not_the_attacks(rules: Ruleset, article) -> None:  # type: ignore[no-untyped-def]
    """'Wednesday's strike caused no casualties' in a US-strike story says nothing of the attack."""
    (report,) = detect_events(article(CASES[-1][1]), rules)
    assert report.outcome.value == "unknown"


@pytest.mark.parametrize(
    "follow_up",
    [
        "No US soldiers were killed in the attack.",
        "Nobody was injured in the attack.",
        "None of the American troops were hurt.",
    ],
    ids=["no-soldiers", "nobody", "none-of"],
)
def test_denied_casualties_are_no_casualties(rules: Ruleset, article, follow_up: str) -> None:  # type: ignore[no-untyped-def]
    """'No US soldiers were killed' rules casualties out; it does not report any (nor, damage
    not being ruled out, no_damage)."""
    (report,) = detect_events(article("Rockets hit Harir air base on Monday. " + follow_up), rules)
    assert (report.outcome.value, report.injured, report.killed) == ("unknown", None, None)
