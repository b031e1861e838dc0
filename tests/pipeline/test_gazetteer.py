"""The gazetteer (monitor/pipeline/gazetteer.py) on the bases of config.yaml: unlisted
romanisation variants of a listed alias name its base when they are proper names; other
words, persons, places and lower-case words do not."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from monitor.pipeline.gazetteer import BaseMention, Gazetteer, compile_gazetteer
from monitor.pipeline.relevance import may_report_an_attack
from monitor.pipeline.rules import Ruleset
from monitor.pipeline.sentences import fold, split_sentences
from monitor.pipeline.spellings import JUNCTION_RULES, SPELLING_RULES
from monitor.records import Base

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"


@pytest.fixture(scope="module")
def gazetteer(rules: Ruleset) -> Gazetteer:
    return rules.gazetteer


def _found(gazetteer: Gazetteer, text: str) -> list[BaseMention]:
    return gazetteer.find(fold(text), text)


# Press spellings that config.yaml does not list, each in a sentence of our own.
VARIANTS = [
    ("Rockets hit the Ein el-Assad air base overnight.", "ain-al-asad"),
    ("Drones targeted Ayn el-Asad airbase in Anbar.", "ain-al-asad"),
    ("A rocket fell inside Eyn al-Asad base.", "ain-al-asad"),
    ("Two drones approached Ein Al Assad airbase.", "ain-al-asad"),
    ("Drones hit Malikiyya on Tuesday.", "al-malikiyah"),
    ("Shelling was reported near al-Malkiya.", "al-malikiyah"),
    ("A drone fell in al-Malikieh, residents said.", "al-malikiyah"),
    ("Turkish drones struck Al-Malikiyyah again.", "al-malikiyah"),
    ("Drones targeted the Tenef garrison.", "al-tanf"),
    ("Militants attacked the At-Tenf military base.", "al-tanf"),
    ("Rockets landed in the Tenef area.", "al-tanf"),
    ("Rockets hit Camp Tajee north of Baghdad.", "camp-taji"),
    ("Two rockets struck Camp Tajji.", "camp-taji"),
    ("Drones struck the Konoko gas field.", "conoco"),
    ("The Kuneko field was shelled at dawn.", "conoco"),
    ("Rockets fell near the Tabiyah gas field.", "conoco"),
    ("Drones hit the Al-Tabiyya gas field.", "conoco"),
    ("Rockets hit Arbeel airport late on Monday.", "erbil-air-base"),
    ("Drones approached Erbeel International Airport.", "erbil-air-base"),
    ("A drone was downed near Hawler airport.", "erbil-air-base"),
    ("Rockets struck Irbeel Air Base.", "erbil-air-base"),
    ("Rockets hit the Omer oil field.", "green-village"),
    ("Drones struck the Oumar field in Deir ez-Zor.", "green-village"),
    ("A drone struck Hareer airfield.", "harir"),
    ("Two drones targeted the Hareer military base.", "harir"),
    ("A drone hit Camp Hareer.", "harir"),
    ("Drones struck Harab Jir in Hasakah.", "kharab-al-jir"),
    ("Rockets hit Kharab el-Jeer overnight.", "kharab-al-jir"),
    ("Drones hit Kherab Al Jeer.", "kharab-al-jir"),
    ("A drone struck Kharrab al-Jir.", "kharab-al-jir"),
    ("Drones targeted Qasrik near Tal Tamr.", "qasrak"),
    ("Rockets hit Kasraq overnight.", "qasrak"),
    ("A drone fell in Qesrak.", "qasrak"),
    ("Aid reached Rukbaan on Monday.", "rukban"),
    ("A drone hit Roukban, near the border.", "rukban"),
    ("Drones struck Rumalin in Hasakah.", "rumalyn"),
    ("A rocket hit Rumeylan airport.", "rumalyn"),
    ("Drones hit the Shedadi countryside.", "shaddadi"),
    ("Shelling hit the town of Shadadeh.", "shaddadi"),
    ("Drones hit Tel al-Beidar on Sunday.", "tal-baydar"),
    ("Rockets struck Tell Bayder.", "tal-baydar"),
    ("Drones hit Tal Bedar overnight.", "tal-baydar"),
    ("A drone hit Tall Beidar.", "tal-baydar"),
    ("Rockets hit Tawheed ath-Thalith.", "union-iii"),
    ("A rocket fell in Tawhid Al Thaleth.", "union-iii"),
]

# Other words: persons, other places, companies, lower-case words, collisions.
NEAR_MISSES = [
    "Omar Abu Layla said the town was quiet.",
    "Amir Hussein met the delegation.",
    "Emir Tamim received the envoy.",
    "Harira soup is served at iftar.",
    "Tanfeeth teams deployed to the border.",
    "Rafik Hariri was killed in 2005.",
    "Hariri said the towers were 220 m tall.",
    "Assad said the war was over.",
    "President Bashar al-Assad met the envoy.",
    "Production at the Rumaila oil field rose.",
    "Rumaila output fell in March.",
    "ConocoPhillips shares fell.",
    "Conoco sold the refinery.",
    "Harare is the capital of Zimbabwe.",
    "The Maliki government fell in 2014.",
    "Nouri al-Maliki spoke in Baghdad.",
    "Malik scored twice on Sunday.",
    "Used by the coalition, the road was closed.",
    "Eased restrictions at the crossing were welcomed.",
    "Asked about the strike, he said nothing.",
    "Ramallah was quiet.",
    "Rumelange is a town in Luxembourg.",
    "Tel Aviv issued a warning.",
    "Tal Afar was retaken in 2017.",
    "Tell Abyad lies on the border.",
    "The Erbil citadel drew tourists.",
    "The Arbil governor said the roads were open.",
    "Hawler Medical University reopened.",
    "Shaddad ibn Aws is a historical figure.",
    "The Taj Mahal is in India.",
    "Tajikistan closed its border.",
    "Victoria Beckham visited the city.",
    "Derek Jeter retired.",
    "Badr Organization fighters held a parade.",
    "Baidar Khan was appointed governor.",
    "drones hit tel al-beidar on sunday.",
    "the tenef garrison was quiet.",
    "drones hit malikiyya on tuesday.",
    "rockets struck rumalin in hasakah.",
    "a drone struck harab jir.",
    "Drones hit Shedadi on Monday.",
    "Drones hit Tenef on Monday.",
    "The Tenafly council met.",
    "Kasr al-Nil bridge was closed.",
]


@pytest.mark.parametrize(("text", "base_id"), VARIANTS)
def test_press_variant_names_its_base(gazetteer: Gazetteer, text: str, base_id: str) -> None:
    """An unlisted romanisation of a listed alias, as a proper name, names that base."""
    assert [m.base_id for m in _found(gazetteer, text)] == [base_id]


@pytest.mark.parametrize("text", NEAR_MISSES)
def test_near_miss_names_no_base(gazetteer: Gazetteer, text: str) -> None:
    """Persons, other places, companies, lower-case words and variants with few consonants
    away from a base or place word name no base."""
    assert _found(gazetteer, text) == []


def test_tables_are_large_enough() -> None:
    """At least forty of each, spread over the bases that have names to vary."""
    assert len(VARIANTS) >= 40
    assert len(NEAR_MISSES) >= 40
    assert len({base_id for _, base_id in VARIANTS}) >= 15


@pytest.mark.parametrize(
    ("text", "mention", "alias", "variant"),
    [
        ("Drones hit Tal Baydar.", "Tal Baydar", "Tal Baydar", False),
        ("Drones hit TAL BAYDAR.", "TAL BAYDAR", "Tal Baydar", False),
        ("Drones hit Tel al-Beidar.", "Tel al-Beidar", "Tal Baydar", True),
        ("A drone hit the Al-Harir base.", "Al-Harir", "Al-Harir", False),
        ("Drones hit Malikiyya.", "Malikiyya", "al-Malikiyah", True),
        ("Drones targeted the Tenef garrison.", "Tenef garrison", "Al-Tanf Garrison", True),
    ],
    ids=["listed", "listed-upper-case", "variant", "weak", "ending", "variant-with-base-word"],
)
def test_mention_carries_alias_and_variant(
    gazetteer: Gazetteer, text: str, mention: str, alias: str, variant: bool
) -> None:
    """A mention says which configured alias it resolved to, and whether it is spelled
    otherwise; its offsets cover the text's spelling."""
    (found,) = _found(gazetteer, text)
    assert (text[found.start : found.end], found.alias, found.variant) == (mention, alias, variant)


def test_variants_need_the_original_text(rules: Ruleset) -> None:
    """Without the original text capitalisation cannot be checked: only listed aliases."""
    text = "Drones hit Tel al-Beidar and Tal Baydar."
    assert [m.alias for m in rules.find_bases(fold(text))] == ["Tal Baydar"]
    assert [m.variant for m in rules.find_bases(fold(text), text)] == [True, False]


@pytest.mark.parametrize(("text", "base_id"), VARIANTS)
def test_page_with_a_variant_passes_the_raw_check(rules: Ruleset, text: str, base_id: str) -> None:
    """The raw-bytes check is never stricter than the gazetteer, variants included (beside an
    attack word, as the check wants)."""
    page = f"<p>{text} It was attacked.</p>"
    assert may_report_an_attack(page.encode(), rules), base_id
    assert may_report_an_attack(page.encode("cp1252"), rules), base_id


def test_hand_built_base_has_variants() -> None:
    """compile_gazetteer on a hand-built base matches variants of its names only."""
    base = Base(
        id="test-base",
        name="Test Base",
        country="SY",
        location=(36.0, 40.0),
        aliases=("Tall Ruwaishid",),
    )
    gazetteer = compile_gazetteer([base])
    text = "Drones hit Tel Rweished and Tall Ruwaishid."
    found = gazetteer.find(fold(text), text)
    assert [(text[m.start : m.end], m.variant) for m in found] == [
        ("Tel Rweished", True),
        ("Tall Ruwaishid", False),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Drones hit the bases of Ain al-Asad and Harir.", ["ain-al-asad", "harir"]),
        (
            "Rockets fell on Harir, Erbil airport and Tower 22.",
            ["harir", "erbil-air-base", "tower-22"],
        ),
        ("Harir and Assad were named in the report.", []),
        ("Drones flew at Harir and Tanf bases.", ["harir", "al-tanf"]),
        ("Omar, a local farmer, saw the drones.", []),
    ],
    ids=[
        "after-a-listed-name",
        "before-a-listed-name",
        "two-weak-names",
        "beside-a-weak-name-with-its-base-word",
        "no-list",
    ],
)
def test_weak_alias_in_a_list_of_bases(
    gazetteer: Gazetteer, text: str, expected: list[str]
) -> None:
    """A weak alias coordinated with a listed base name is a base's name too."""
    assert [m.base_id for m in gazetteer.find(fold(text), text)] == expected


@pytest.mark.skipif(not (CORPUS / "dev.jsonl").is_file(), reason=f"corpus not found at {CORPUS}")
def test_raw_check_passes_every_labelled_sentence_the_extractor_reads(rules: Ruleset) -> None:
    """Every labelled sentence in which the gazetteer, variants included, finds a base and the
    extractor an attack word passes the raw-bytes check, as HTML and as text."""
    checked = 0
    for name in ("dev.jsonl", "dev2.jsonl"):
        path = CORPUS / name
        if not path.is_file():
            continue
        for line in path.read_text().splitlines():
            for s in split_sentences(json.loads(line)["text"]):
                if not (rules.triggers.search(s.folded) and rules.find_bases(s.folded, s.text)):
                    continue
                checked += 1
                assert may_report_an_attack(s.text, rules), s.text
                page = f"<p>{s.text}</p>".encode("ascii", "xmlcharrefreplace")
                assert may_report_an_attack(page, rules), s.text
    assert checked > 100


# Each spelling rule of the gazetteer: an alias, a spelling it must match, one it must not.
RULE_EXAMPLES = {
    "vowels_vary": ("Harir", "Herir", "Hariri"),
    "inserted_vowels": ("Tanf", "Tenef", "Atanf"),
    "kh_or_h": ("Kharab", "Harab", "Karab"),
    "q_or_k": ("Qasrak", "Kasraq", "Gasrak"),
    "digraphs_as_written": ("Shaddadi", "Shadadi", "Saddadi"),
    "doubled_consonants": ("Taji", "Tajji", "Tali"),
}


def test_every_spelling_rule_has_examples() -> None:
    names = {rule.__name__ for rule in (*SPELLING_RULES, *JUNCTION_RULES)}
    assert names == set(RULE_EXAMPLES)


@pytest.mark.parametrize(
    ("alias", "spelling", "other"), RULE_EXAMPLES.values(), ids=list(RULE_EXAMPLES)
)
def test_spelling_rule(alias: str, spelling: str, other: str) -> None:
    """A rule's class of variation matches its example, and not the other word."""
    base = Base(id="x", name="X Camp", country="SY", location=(36.0, 40.0), aliases=(alias,))
    gazetteer = compile_gazetteer([base])
    for text, expected in ((spelling, ["x"]), (other, [])):
        sentence = f"Drones hit the {text} base."
        assert [m.base_id for m in gazetteer.find(fold(sentence), sentence)] == expected, text
