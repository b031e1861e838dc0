"""One short article, in our own words, for each kind of phrasing the extractor must read right.

The kinds are those of issue 11's error list: several bases in one statement, days given by
back-reference, a target named as the place of a district; and on the other side tallies, lists,
localities, distance references, generic statements, negations and denials. Published on
Tuesday 2023-11-07 unless a case says otherwise.
"""

from __future__ import annotations

from datetime import date

import pytest

from monitor.pipeline.detect import detect_events
from monitor.pipeline.rules import Ruleset

SAT, SUN, MON, TUE = date(2023, 11, 4), date(2023, 11, 5), date(2023, 11, 6), date(2023, 11, 7)

FOUND: list[tuple[str, str, dict[str, date | None]]] = [
    (
        "several-bases-in-one-claim",
        "On Monday the militia said its fighters also targeted a base at Shaddadi with drones. "
        "A few hours earlier, it said, its drones had struck bases in Rumalyn and Kharab al-Jir.",
        {"shaddadi": MON, "rumalyn": MON, "kharab-al-jir": MON},
    ),
    (
        "separately-on-a-day",
        "Rockets were fired at the Conoco gas field base on Monday, a war monitor said. "
        "Separately on Sunday, a drone hit a US base at Tal Baydar.",
        {"conoco": MON, "tal-baydar": SUN},
    ),
    (
        "a-day-earlier",
        "A drone struck the Harir air base on Monday morning, officials said. "
        "A day earlier, two rockets had landed inside Erbil air base.",
        {"harir": MON, "erbil-air-base": SUN},
    ),
    (
        "a-day-earlier-in-the-other-clause",
        "Drones struck the al-Tanf garrison on Monday, while the Shaddadi base was hit by "
        "rockets a day earlier.",
        {"al-tanf": MON, "shaddadi": SUN},
    ),
    (
        "on-that-same-day",
        "Three drones attacked the al-Tanf garrison on Sunday, wounding two soldiers. "
        "On that same day, another four personnel were injured at Ain al-Asad air base.",
        {"al-tanf": SUN, "ain-al-asad": SUN},
    ),
    (
        "target-as-the-place-of-a-district",
        "Two rockets were fired on Monday towards the Green Zone, where the US embassy is "
        "located. The embassy's C-RAM system intercepted one of them.",
        {"us-embassy-baghdad": MON},
    ),
    (
        "named-day-before-time-of-day",
        "Late on Sunday overnight, a drone struck the Harir military base, officials said.",
        {"harir": SUN},
    ),
    (
        "time-of-day-with-its-weekday",
        "Rockets landed on coalition forces at Erbil air base tonight (Sunday), a spokesman said.",
        {"erbil-air-base": SUN},
    ),
    (
        "crashed-into",
        "A bomb-laden drone crashed into the Shaddadi base on Sunday evening.",
        {"shaddadi": SUN},
    ),
    (
        "the-bases-defences-in-action",
        "The C-RAM at the Victory base engaged incoming rockets late on Sunday.",
        {"victory-base": SUN},
    ),
    (
        "air-defences-activated",
        "Air defences at Ain al-Asad air base were activated on Monday as drones approached.",
        {"ain-al-asad": MON},
    ),
    (
        "hours-later-without-a-count",
        "Rockets hit Harir air base on Monday. Hours later, a drone struck the Conoco gas field "
        "base.",
        {"harir": MON, "conoco": MON},
    ),
    (
        "exploded-at",
        "A drone exploded at the Shaddadi base on Sunday evening, a monitor said.",
        {"shaddadi": SUN},
    ),
    (
        "euphrates-site-in-the-other-order",
        "A rocket hit the Euphrates mission support site on Monday.",
        {"mss-euphrates": MON},
    ),
    (
        "aimed-at",
        "On Monday militants aimed two rockets at the coalition base in the Conoco gas field.",
        {"conoco": MON},
    ),
    (
        "possessive-airport",
        "A drone struck Erbil's airport on Sunday night, the security council said.",
        {"erbil-air-base": SUN},
    ),
    (
        "name-in-quotes",
        "Drones hit the US base in the \u201cConoco\u201d natural gas field on Sunday.",
        {"conoco": SUN},
    ),
    (
        "bases-as-list-items-after-the-claim",
        "On Sunday the Islamic Resistance in Iraq said its drones had targeted these bases:\n"
        "- Ain al-Asad air base\n"
        "- the Shaddadi base in Syria\n",
        {"ain-al-asad": SUN, "shaddadi": SUN},
    ),
    (
        "denied-involvement-is-not-a-denied-attack",
        "Two drones struck Harir air base on Monday, officials said. "
        "Iran denied any involvement in the attack on Harir air base.",
        {"harir": MON},
    ),
    (
        "rejected-claims-about-the-origin",
        "Two drones struck Harir air base on Monday. Iraqi officials rejected claims that the "
        "attack on Harir air base was launched from Iraqi territory.",
        {"harir": MON},
    ),
    (
        "denied-reports-of-casualties",
        "Officials denied reports of casualties after rockets struck Harir air base on Monday.",
        {"harir": MON},
    ),
    (
        "reports-of-casualties-inaccurate",
        "Rockets struck Harir air base on Monday, and initial reports of casualties were "
        "inaccurate, officials said.",
        {"harir": MON},
    ),
    (
        "frequent-target-in-a-relative-clause",
        "Ain al-Asad air base, which has been a frequent target of the militias, was hit by two "
        "drones on Monday.",
        {"ain-al-asad": MON},
    ),
    (
        "risk-of-further-attacks",
        "Drones struck Harir air base on Monday, raising the risk of further attacks on US troops.",
        {"harir": MON},
    ),
    (
        "unlike-previous-attacks",
        "Unlike previous attacks, the drone strike on Harir air base on Monday caused damage.",
        {"harir": MON},
    ),
    (
        "resumed-attacks",
        "The Islamic Resistance in Iraq resumed attacks on Monday, striking Harir air base with "
        "two drones.",
        {"harir": MON},
    ),
    (
        "a-bulleted-news-line",
        "Key points:\n• Two drone strikes hit Harir air base on Monday, officials said.\n",
        {"harir": MON},
    ),
    (
        "the-pentagon-said",
        "The Pentagon said drones hit Harir air base on Monday.",
        {"harir": MON},
    ),
    (
        "us-forces-were-targeted",
        "US forces were targeted at Harir air base on Monday.",
        {"harir": MON},
    ),
    (
        "vowed-while-drones-struck",
        "The militia vowed revenge while drones struck Harir air base on Monday.",
        {"harir": MON},
    ),
    (
        "bases-listed-after-the-claim",
        "On Monday the Islamic Resistance in Iraq attacked three bases with drones: "
        "Ain al-Asad, Harir and the Tower 22 outpost.",
        {"ain-al-asad": MON, "harir": MON, "tower-22": MON},
    ),
]

NOTHING: list[tuple[str, str, set[str]]] = [
    (
        "tally-as-a-list",
        "Attacks on US forces in Syria this month:\n"
        "• Four attacks on the al-Tanf base.\n"
        "• Two attacks on the Conoco gas field base.\n",
        set(),
    ),
    (
        "outpost-in-a-village",
        "A drone struck Tower 22 (a small logistics outpost in Rukban) on Sunday.",
        {"tower-22"},
    ),
    (
        "distance-reference",
        "Rockets hit the Harir air base, which lies about 60 km north of Erbil airport, on Monday.",
        {"harir"},
    ),
    (
        "frequent-targets",
        "Bases such as al-Tanf and Harir airbase are frequent targets of the militias.",
        set(),
    ),
    (
        "a-spate-of-attacks",
        "The statement followed a spate of drone attacks at al-Tanf.",
        set(),
    ),
    (
        "another-attack-placed-in-time",
        "Rockets hit the Conoco gas field base on Monday, three weeks after the al-Tanf drone "
        "attack.",
        {"conoco"},
    ),
    (
        "a-similar-attack",
        "A contractor was killed at Taji on Monday; a soldier had died in a similar attack on "
        "the K-1 base.",
        set(),
    ),
    (
        "a-trend",
        "Militias have increasingly used rockets to hit US troops, including at Harir airbase.",
        set(),
    ),
    (
        "a-convoy-near-a-base",
        "A roadside bomb hit a logistics convoy travelling to Victory base on Monday.",
        set(),
    ),
    (
        "attacks-suspended",
        "The militia said on Sunday it would suspend its attacks on US troops at Ain al-Asad.",
        set(),
    ),
    (
        "hit-dozens-of-times",
        "Since the summer the Conoco gas field base has been struck dozens of times.",
        set(),
    ),
    (
        "attacked-repeatedly",
        "The Harir air base, which has been targeted repeatedly, hosts a few hundred troops.",
        set(),
    ),
    (
        "report-proved-false",
        "Rumours of a rocket attack on the Victory base on Monday proved false.",
        set(),
    ),
    (
        "another-countrys-us-embassy",
        "Protesters attacked the US embassy in Beirut on Monday; the U.S. embassy in Baghdad "
        "said it was closely watching.",
        set(),
    ),
    (
        "a-name-is-not-a-spelling",
        "Gunmen attacked the house of Talal Badr in Qamishli on Monday.",
        set(),
    ),
    (
        "unaffected-in-a-contrasting-clause",
        "Rockets hit Harir air base on Monday, while Ain al-Asad air base was unaffected.",
        {"harir"},
    ),
    (
        "not-hit",
        "Iranian missiles struck Erbil on Monday night. Ain al-Asad air base was not hit.",
        set(),
    ),
    (
        "denial-of-reports",
        "Kurdish counter-terrorism officials on Monday dismissed reports of a drone attack on "
        "the Harir base as false.",
        set(),
    ),
    (
        "second-hand-report-of-a-denied-attack",
        "Several local outlets said on Saturday that drones had struck the Harir air base. "
        "The region's counter-terrorism directorate denied that any attack had taken place "
        "at the Harir air base.",
        set(),
    ),
    (
        "denied-reports-that-it-was-attacked",
        "The ministry denied reports that the Harir air base (also called Bashur) was attacked "
        "by drones on Saturday.",
        set(),
    ),
    (
        "refutes-reports-headline",
        "Security agency refutes reports of rocket attack on Ain al-Asad base",
        set(),
    ),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [c[1:] for c in FOUND],
    ids=[c[0] for c in FOUND],
)
def test_each_base_gets_its_event_and_day(
    rules: Ruleset,
    article,
    text: str,
    expected: dict[str, date | None],  # type: ignore[no-untyped-def]
) -> None:
    reports = detect_events(article(text), rules)
    assert {r.base_id: r.day for r in reports if r.base_id} == expected


@pytest.mark.parametrize(
    ("text", "expected"), [c[1:] for c in NOTHING], ids=[c[0] for c in NOTHING]
)
def test_no_event_where_none_is_reported(
    rules: Ruleset,
    article,
    text: str,
    expected: set[str],  # type: ignore[no-untyped-def]
) -> None:
    reports = detect_events(article(text), rules)
    assert {r.base_id for r in reports if r.base_id} == expected
