"""The extractor end to end on short wire-style articles: ``detect_events``.

Cases listed in a ``*_BUGS`` table are ones the extractor gets wrong; they are strict xfails, so
fixing the extractor turns them into failures that ask for the entry's removal.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

import pytest

from monitor.pipeline.detect import RULE_BASE, RULE_GENERIC, detect_events
from monitor.pipeline.rules import Ruleset
from monitor.records import Article, Attribution, Outcome, Report

ArticleFactory = Callable[..., Article]
IRI = "Islamic Resistance in Iraq"
PUBLISHED = "2023-11-07"  # a Tuesday
SUNDAY = date(2023, 11, 5)
MONDAY = date(2023, 11, 6)
TUESDAY = date(2023, 11, 7)


def _cases(rows: Sequence[tuple[Any, ...]], bugs: dict[str, str]) -> tuple[list[Any], list[str]]:
    """pytest params and ids from rows ``(id, *values)``; ids in ``bugs`` become strict xfails."""
    assert set(bugs) <= {row[0] for row in rows}, set(bugs) - {row[0] for row in rows}
    params = [
        pytest.param(
            *values,
            marks=pytest.mark.xfail(reason=bugs[case_id], strict=True) if case_id in bugs else (),
        )
        for case_id, *values in rows
    ]
    return params, [row[0] for row in rows]


def _facts(report: Report, expected: dict[str, Any]) -> dict[str, Any]:
    return {key: getattr(report, key) for key in expected}


# (id, text, published, expected facts of the one report)
POSITIVE_ROWS: list[tuple[str, str, str | None, dict[str, Any]]] = [
    (
        "four-mortar-shells",
        "Four mortar shells struck Ain al-Asad air base in western Iraq on Monday, security "
        "sources said.",
        PUBLISHED,
        {
            "base_id": "ain-al-asad",
            "country": "IQ",
            "day": MONDAY,
            "weapons": ("mortar",),
            "munitions_count": 4,
            "attribution": Attribution.REPORTED,
            "outcome": Outcome.UNKNOWN,
        },
    ),
    (
        "two-armed-drones",
        "Two armed drones targeted Harir air base north of Erbil on Tuesday morning, officials "
        "said.",
        PUBLISHED,
        {"base_id": "harir", "day": TUESDAY, "weapons": ("drone",), "munitions_count": 2},
    ),
    (
        "a-dozen-katyushas",
        "A dozen Katyusha rockets struck Ain al-Asad air base on Monday.",
        PUBLISHED,
        {"base_id": "ain-al-asad", "weapons": ("rocket",), "munitions_count": 12},
    ),
    (
        "mortar-rounds-landed",
        "Three mortar rounds landed inside Camp Taji on Monday, police said.",
        PUBLISHED,
        {"base_id": "camp-taji", "day": MONDAY, "weapons": ("mortar",), "munitions_count": 3},
    ),
    (
        "one-way-is-not-a-count",
        "One-way attack drones struck Harir air base on Monday.",
        PUBLISHED,
        {"base_id": "harir", "weapons": ("drone",), "munitions_count": None},
    ),
    (
        "roadside-bomb",
        "A roadside bomb struck the outer gate of Victory base on Monday.",
        PUBLISHED,
        {"base_id": "victory-base", "day": MONDAY, "weapons": ("ied",)},
    ),
    (
        "claimed-in-next-sentence",
        "A drone attacked Erbil International Airport late on Monday. The Islamic Resistance in "
        "Iraq claimed responsibility for the attack.",
        PUBLISHED,
        {
            "base_id": "erbil-air-base",
            "day": MONDAY,
            "weapons": ("drone",),
            "claimed_by": IRI,
            "attribution": Attribution.CLAIMED,
        },
    ),
    (
        "said-it-targeted",
        "The Islamic Resistance in Iraq said it targeted Ain al-Asad air base with two drones on "
        "Monday.",
        PUBLISHED,
        {
            "base_id": "ain-al-asad",
            "day": MONDAY,
            "munitions_count": 2,
            "claimed_by": IRI,
            "attribution": Attribution.CLAIMED,
        },
    ),
    (
        "kataib-hezbollah-claim",
        "Kataib Hezbollah claimed responsibility for a drone attack on Harir air base on Monday.",
        PUBLISHED,
        {"base_id": "harir", "day": MONDAY, "claimed_by": "Kataib Hezbollah"},
    ),
    (
        "nujaba-claim-syria",
        "Harakat al-Nujaba claimed a rocket attack on the Conoco gas field on Monday.",
        PUBLISHED,
        {
            "base_id": "conoco",
            "country": "SY",
            "weapons": ("rocket",),
            "claimed_by": "Harakat al-Nujaba",
        },
    ),
    (
        "intercepted-confirmed",
        "A drone attacked al-Tanf garrison on Monday, a US official said. The drone was "
        "intercepted.",
        PUBLISHED,
        {
            "base_id": "al-tanf",
            "day": MONDAY,
            "outcome": Outcome.INTERCEPTED,
            "attribution": Attribution.CONFIRMED,
        },
    ),
    (
        "intercepted-rockets",
        "Rockets were fired at Ain al-Asad on Sunday night. The rockets were intercepted, a US "
        "official said.",
        PUBLISHED,
        {
            "base_id": "ain-al-asad",
            "day": SUNDAY,
            "weapons": ("rocket",),
            "outcome": Outcome.INTERCEPTED,
        },
    ),
    (
        "pentagon-no-damage",
        "Three rockets were fired at the Conoco gas field base in eastern Syria on Monday. The "
        "Pentagon said the attack caused no damage or casualties.",
        PUBLISHED,
        {
            "base_id": "conoco",
            "day": MONDAY,
            "weapons": ("rocket",),
            "munitions_count": 3,
            "outcome": Outcome.NO_DAMAGE,
            "attribution": Attribution.CONFIRMED,
        },
    ),
    (
        "no-casualties",
        "Three rockets targeted Ain al-Asad air base on Monday. There were no casualties, the "
        "Iraqi military said.",
        PUBLISHED,
        # casualties ruled out, damage not: no outcome stated (corpus README: no_damage needs both)
        {"base_id": "ain-al-asad", "outcome": Outcome.UNKNOWN, "injured": None, "killed": None},
    ),
    (
        "no-injuries-possessive-day",
        "The Pentagon said there were no injuries in Monday's drone attack on Rukban.",
        PUBLISHED,
        {"base_id": "rukban", "day": MONDAY, "outcome": Outcome.UNKNOWN},
    ),
    (
        "three-killed",
        "A drone struck Tower 22 in northeastern Jordan on Sunday, and three US soldiers were "
        "killed.",
        PUBLISHED,
        {
            "base_id": "tower-22",
            "country": "JO",
            "day": SUNDAY,
            "outcome": Outcome.CASUALTIES,
            "killed": 3,
        },
    ),
    (
        "two-wounded",
        "Rockets hit Victory base near Baghdad airport on Monday, and two soldiers were wounded.",
        PUBLISHED,
        {"base_id": "victory-base", "outcome": Outcome.CASUALTIES, "injured": 2, "killed": None},
    ),
    (
        "this-tuesday-7",
        "This Tuesday (7), a drone attacked the Al-Harir military base in Erbil.",
        PUBLISHED,
        {"base_id": "harir", "day": TUESDAY, "day_expression": "this tuesday (7)"},
    ),
    (
        "overnight",
        "Rockets struck Ain al-Asad air base overnight, officials said.",
        PUBLISHED,
        {"base_id": "ain-al-asad", "day": TUESDAY},
    ),
    (
        "oct-30-no-damage",
        "A drone attack on the al-Asad air base on Oct. 30 caused no damage.",
        PUBLISHED,
        {"base_id": "ain-al-asad", "day": date(2023, 10, 30), "outcome": Outcome.NO_DAMAGE},
    ),
    (
        "tal-baydar",
        "Rockets landed near Tal Baydar base in Hasakah on Monday.",
        PUBLISHED,
        {"base_id": "tal-baydar", "country": "SY", "day": MONDAY},
    ),
    (
        "attack-and-us-retaliation",
        "Two drones hit Ain al-Asad air base on Monday, and US forces struck Kataib Hezbollah "
        "sites near al-Qaim in retaliation.",
        PUBLISHED,
        {"base_id": "ain-al-asad", "day": MONDAY, "weapons": ("drone",), "munitions_count": 2},
    ),
    (
        "no-publication-day",
        "Rockets struck Ain al-Asad air base on Monday.",
        None,
        {"base_id": "ain-al-asad", "day": None, "day_expression": "on monday"},
    ),
    (
        "full-date-no-publication",
        "Rockets struck Ain al-Asad air base on October 30, 2023.",
        None,
        {"base_id": "ain-al-asad", "day": date(2023, 10, 30)},
    ),
    (
        "fired-n-rockets-at",
        "Militants fired three rockets at the Conoco gas field base in eastern Syria on Monday.",
        PUBLISHED,
        {"base_id": "conoco", "day": MONDAY, "weapons": ("rocket",), "munitions_count": 3},
    ),
    (
        "launched-n-drones-at",
        "Militants launched two drones at Harir air base on Monday.",
        PUBLISHED,
        {"base_id": "harir", "day": MONDAY, "weapons": ("drone",), "munitions_count": 2},
    ),
    (
        "drones-attacked-count",
        "Two drones attacked Harir air base on Monday.",
        PUBLISHED,
        {"base_id": "harir", "weapons": ("drone",), "munitions_count": 2},
    ),
    (
        "shot-down-by-coalition",
        "Two drones targeted al-Tanf garrison on Monday. Both drones were shot down by coalition "
        "forces.",
        PUBLISHED,
        {"base_id": "al-tanf", "munitions_count": 2, "outcome": Outcome.INTERCEPTED},
    ),
    (
        "killing-wounding",
        "A drone struck Tower 22 in northeastern Jordan on Sunday, killing three US soldiers and "
        "wounding 34 others.",
        PUBLISHED,
        {"base_id": "tower-22", "outcome": Outcome.CASUALTIES, "killed": 3, "injured": 34},
    ),
    (
        "injuring",
        "Rockets hit Victory base on Monday, injuring two soldiers.",
        PUBLISHED,
        {"base_id": "victory-base", "outcome": Outcome.CASUALTIES, "injured": 2},
    ),
    (
        "casualties-next-sentence",
        "A drone struck Tower 22 in northeastern Jordan on Sunday. Three US soldiers were killed "
        "and 34 were wounded in the attack.",
        PUBLISHED,
        {"base_id": "tower-22", "outcome": Outcome.CASUALTIES, "killed": 3, "injured": 34},
    ),
    (
        "two-soldiers-injured-next-sentence",
        "Rockets hit Victory base on Monday. Two soldiers were injured in the attack.",
        PUBLISHED,
        {"base_id": "victory-base", "outcome": Outcome.CASUALTIES, "injured": 2},
    ),
    (
        "attack-wounded-n",
        "Rockets hit Victory base on Monday. The attack wounded two soldiers.",
        PUBLISHED,
        {"base_id": "victory-base", "outcome": Outcome.CASUALTIES, "injured": 2},
    ),
    (
        "semicolon-outcome",
        "Rockets hit Victory base on Monday; at least five people were wounded.",
        PUBLISHED,
        {"base_id": "victory-base", "outcome": Outcome.CASUALTIES, "injured": 5},
    ),
    (
        "retaliation-day",
        "US forces struck Kataib Hezbollah sites near al-Qaim on Tuesday in retaliation for a "
        "drone attack on Ain al-Asad air base on Monday.",
        PUBLISHED,
        {"base_id": "ain-al-asad", "day": MONDAY, "weapons": ("drone",)},
    ),
]
POSITIVE_BUGS: dict[str, str] = {}
POSITIVES, POSITIVE_IDS = _cases(POSITIVE_ROWS, POSITIVE_BUGS)


@pytest.mark.parametrize(("text", "published", "expected"), POSITIVES, ids=POSITIVE_IDS)
def test_attack_on_tracked_base_is_detected(
    rules: Ruleset,
    article: ArticleFactory,
    text: str,
    published: str | None,
    expected: dict[str, Any],
) -> None:
    """An attack on a tracked base yields one report with its base, day, weapons and outcome."""
    reports = detect_events(article(text, published), rules)
    assert len(reports) == 1, reports
    (report,) = reports
    assert report.rule_id == RULE_BASE
    assert _facts(report, expected) == expected
    assert report.evidence
    assert all(span.text in text for span in report.evidence)


def test_two_bases_in_one_sentence_keep_their_own_facts(
    rules: Ruleset, article: ArticleFactory
) -> None:
    """Two bases in two clauses of one sentence get one report each, with their own weapon."""
    text = "Two drones targeted Harir air base on Monday, while a rocket hit Erbil airport."
    reports = detect_events(article(text), rules)
    assert [(r.base_id, r.day, r.weapons, r.munitions_count) for r in reports] == [
        ("harir", MONDAY, ("drone",), 2),
        ("erbil-air-base", MONDAY, ("rocket",), 1),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Four mortar shells struck Ain al-Asad air base on Monday.\n\n"
        "Four mortar shells struck Ain al-Asad air base on Monday.",
        "Four mortar shells struck Ain al-Asad air base on Monday.\n\n"
        "Officials gave no further details.\n\n"
        "FOUR MORTAR SHELLS STRUCK AIN AL-ASAD AIR BASE ON MONDAY.",
    ],
    ids=["adjacent-copy", "copy-at-foot-of-page"],
)
def test_repeated_paragraph_yields_the_event_once(
    rules: Ruleset, article: ArticleFactory, text: str
) -> None:
    """A paragraph repeated on the page yields its event once, resting on one sentence."""
    reports = detect_events(article(text), rules)
    assert [(r.base_id, r.day, r.munitions_count) for r in reports] == [("ain-al-asad", MONDAY, 4)]
    assert len(reports[0].evidence) == 1


def test_separate_attacks_in_one_article_are_separate_reports(
    rules: Ruleset, article: ArticleFactory
) -> None:
    """Attacks on two bases on two days, in two paragraphs, give two reports."""
    text = (
        "Four mortar shells struck Ain al-Asad air base on Monday.\n\n"
        "Two drones struck Harir air base on Tuesday."
    )
    reports = detect_events(article(text), rules)
    assert [(r.base_id, r.day, r.weapons) for r in reports] == [
        ("ain-al-asad", MONDAY, ("mortar",)),
        ("harir", TUESDAY, ("drone",)),
    ]


def test_title_names_the_base_of_a_vague_body(rules: Ruleset, article: ArticleFactory) -> None:
    """A headline naming the base is read before a body that only says "the base"."""
    reports = detect_events(
        article(
            "Rockets were fired at the base on Monday, officials said.",
            title="Rockets hit Ain al-Asad air base",
        ),
        rules,
    )
    assert [(r.base_id, r.day) for r in reports] == [("ain-al-asad", MONDAY)]


# (id, text): none of these reports a new attack on a tracked base (all read on PUBLISHED).
NEGATIVE_ROWS: list[tuple[str, str]] = [
    (
        "threatened-to-attack",
        "Kataib Hezbollah threatened to attack Ain al-Asad if Washington did not withdraw its "
        "troops from Iraq.",
    ),
    (
        "warned-it-would-target",
        "Kataib Hezbollah warned it would target Ain al-Asad and Harir if US strikes continued.",
    ),
    ("vowed-to-strike", "The group vowed to strike Ain al-Asad air base again."),
    (
        "tally-since-date",
        "There have been 38 attacks on US forces since October 17, the Pentagon said.",
    ),
    (
        "tally-figures",
        "Pentagon figures show 38 attacks on US forces since October 17, including 16 in Iraq.",
    ),
    (
        "tally-more-than-30-including-harir",
        "US forces in Iraq and Syria have come under more than 30 attacks on bases including "
        "Harir since mid-October.",
    ),
    (
        "tally-dozens",
        "The militia has carried out dozens of attacks on Ain al-Asad and Harir since the war "
        "began.",
    ),
    (
        "history-until-last-year",
        "Until last year, Ain al-Asad was subjected to many rocket attacks.",
    ),
    ("history-in-the-past", "In the past, Ain al-Asad was frequently hit by rockets."),
    ("history-in-2020", "In 2020, Iranian missiles struck Ain al-Asad."),
    (
        "history-previously",
        "Ain al-Asad was previously targeted by Iranian ballistic missiles.",
    ),
    (
        "caption-file-photo-2020",
        "FILE PHOTO: Damage caused by an Iranian missile attack at Ain al-Asad air base, Iraq, "
        "January 13, 2020.",
    ),
    (
        "caption-reuters-2020",
        "Soldiers inspect a crater at Ain al-Asad air base after a missile strike, Jan. 13, "
        "2020. REUTERS/John Davison",
    ),
    (
        "israel-eilat",
        "The Islamic Resistance in Iraq said it targeted Eilat in southern Israel with drones on "
        "Monday.",
    ),
    (
        "israel-haifa",
        "The Islamic Resistance in Iraq claimed a drone attack on the Israeli port of Haifa on "
        "Monday.",
    ),
    ("ship-red-sea", "Houthi forces fired missiles at a commercial ship in the Red Sea on Monday."),
    (
        "ship-off-yemen",
        "The Houthis attacked a US-owned cargo ship off Yemen on Monday with an anti-ship missile.",
    ),
    (
        "navy-shot-down-drones",
        "A US Navy destroyer shot down three drones over the Red Sea on Monday.",
    ),
    (
        "us-retaliation-strike",
        "US forces struck Kataib Hezbollah sites near al-Qaim in retaliation for the attack.",
    ),
    (
        "self-defence-strike-kirkuk",
        "A US self-defence strike in Kirkuk killed five fighters who were preparing to launch "
        "drones on Monday.",
    ),
    (
        "self-defense-strike-said",
        "The US military said it carried out a self-defense strike near Kirkuk on Monday.",
    ),
    (
        "caption-month-year",
        "A view of Ain al-Asad air base after it was hit by Iranian missiles in January 2020.",
    ),
    (
        "tally-attacked-n-times",
        "Ain al-Asad has been attacked more than 20 times since October 17.",
    ),
    (
        "history-years-ago",
        "Ain al-Asad air base was struck by Iranian ballistic missiles four years ago.",
    ),
]
TRACKED_BUGS: dict[str, str] = {}
UNTRACKED_BUGS: dict[str, str] = {**TRACKED_BUGS}
NO_TRACKED, NEGATIVE_IDS = _cases(NEGATIVE_ROWS, TRACKED_BUGS)
NO_REPORT, _ = _cases(NEGATIVE_ROWS, UNTRACKED_BUGS)


@pytest.mark.parametrize("text", NO_TRACKED, ids=NEGATIVE_IDS)
def test_non_reports_yield_no_tracked_event(
    rules: Ruleset, article: ArticleFactory, text: str
) -> None:
    """Threats, tallies, history, old captions, other targets and US strikes name no attack."""
    assert [r for r in detect_events(article(text, PUBLISHED), rules) if r.tracked] == []


@pytest.mark.parametrize("text", NO_REPORT, ids=NEGATIVE_IDS)
def test_non_reports_yield_no_report_at_all(
    rules: Ruleset, article: ArticleFactory, text: str
) -> None:
    """The same texts yield no report at all, not even one about an untracked target."""
    assert detect_events(article(text, PUBLISHED), rules) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The Islamic Resistance in Iraq claimed a drone strike on a US base in northeastern "
            "Syria on Monday.",
            {
                "country": "SY",
                "day": MONDAY,
                "weapons": ("drone",),
                "claimed_by": IRI,
                "attribution": Attribution.CLAIMED,
                "base_mention": "a US base in northeastern Syria",
            },
        ),
        (
            "Drones targeted Harir air base in Erbil on Monday.\n\n"
            "The Islamic Resistance in Iraq also claimed a drone attack on a US base in "
            "northeastern Syria on Monday.",
            {"country": "SY", "day": MONDAY, "claimed_by": IRI},
        ),
    ],
    ids=["claim-on-unnamed-syria-base", "unnamed-syria-base-beside-tracked-iraq-base"],
)
def test_attack_on_unnamed_base_is_an_untracked_report(
    rules: Ruleset, article: ArticleFactory, text: str, expected: dict[str, Any]
) -> None:
    """An attack on a base the text does not name gives a report with no base id and a country."""
    untracked = [r for r in detect_events(article(text), rules) if not r.tracked]
    assert len(untracked) == 1, untracked
    (report,) = untracked
    assert report.base_id is None
    assert report.rule_id == RULE_GENERIC
    assert _facts(report, expected) == expected


def test_unnamed_base_in_a_tracked_country_is_the_named_attack(
    rules: Ruleset, article: ArticleFactory
) -> None:
    """A lead's "a US base in western Iraq" joins the article's named Iraqi base, not a new one."""
    text = (
        "The Islamic Resistance in Iraq claimed a drone attack on a US base in western Iraq on "
        "Monday.\n\nThe drone targeted Ain al-Asad air base, a US official said."
    )
    reports = detect_events(article(text), rules)
    assert [(r.base_id, r.day, r.weapons) for r in reports] == [("ain-al-asad", MONDAY, ("drone",))]


def test_last_december_is_news_in_early_january(rules: Ruleset, article: ArticleFactory) -> None:
    """An attack 'in late December 2023' read on 2 January 2024 is recent, not history."""
    reports = detect_events(
        article(
            "Rockets hit Ain al-Asad air base in late December 2023, officials said.",
            published="2024-01-02",
        ),
        rules,
    )
    assert [r.base_id for r in reports] == ["ain-al-asad"]


def test_attack_reported_on_two_days_keeps_short_repeated_sentences(
    rules: Ruleset, article: ArticleFactory
) -> None:
    """A short sentence that recurs ("The attack caused no damage.") is read each time."""
    text = (
        "Drones attacked Ain al-Asad air base on Sunday. The attack caused no damage. "
        "On Monday, rockets attacked Harir air base. The attack caused no damage."
    )
    outcomes = {r.base_id: r.outcome for r in detect_events(article(text), rules)}
    assert outcomes == {"ain-al-asad": Outcome.NO_DAMAGE, "harir": Outcome.NO_DAMAGE}
