"""The gazetteer: ``compile_rules`` and ``Ruleset.find_bases`` on the bases of config.yaml."""

from __future__ import annotations

import pytest

from monitor.errors import ConfigError
from monitor.pipeline.rules import Ruleset, compile_rules
from monitor.pipeline.sentences import fold
from monitor.records import Base


def _base_ids(rules: Ruleset, text: str) -> list[str]:
    return [m.base_id for m in rules.find_bases(fold(text))]


@pytest.mark.parametrize(
    ("text", "base_id"),
    [
        ("Rockets hit Ain al-Asad.", "ain-al-asad"),
        ("ROCKETS HIT AIN AL ASAD.", "ain-al-asad"),
        ("Rockets hit Ain al Asad.", "ain-al-asad"),
        ("Rockets hit Ayn al-Asad.", "ain-al-asad"),
        ("Rockets hit Ain al-Assad.", "ain-al-asad"),
        ("Rockets hit Ain Asad.", "ain-al-asad"),
        ("A drone hit (Ain) al-Asad Airbase.", "ain-al-asad"),
        ("A drone hit Al-Asad Airbase.", "ain-al-asad"),
        ("A drone hit the al-Asad base.", "ain-al-asad"),
        ("A drone hit ʿAyn al-Asad.", "ain-al-asad"),
        ("A drone hit ‘Ain al‑Asád.", "ain-al-asad"),
        ("A drone hit Ain al–Asad.", "ain-al-asad"),
        ("A drone hit the Al-Harir base.", "harir"),
        ("A drone hit Harir air base.", "harir"),
        ("A drone hit Harir airbase.", "harir"),
        ("A drone hit the al-Harir airfield.", "harir"),
        ("A drone hit Hareer base.", "harir"),
        ("A drone hit Erbil International Airport.", "erbil-air-base"),
        ("A drone hit Erbil airport.", "erbil-air-base"),
        ("A drone hit a base near the airport in Erbil.", "erbil-air-base"),
        ("Rockets hit Victory Base.", "victory-base"),
        ("Rockets hit Baghdad International Airport.", "victory-base"),
        ("Rockets hit BIAP.", "victory-base"),
        ("Rockets hit the Victory base complex.", "victory-base"),
        ("Rockets hit Union III.", "union-iii"),
        ("Rockets hit the U.S. Embassy in Baghdad.", "us-embassy-baghdad"),
        ("Rockets hit the US Embassy in Baghdad.", "us-embassy-baghdad"),
        ("Drones hit al-Tanf.", "al-tanf"),
        ("Drones hit the Tanf garrison.", "al-tanf"),
        ("Drones hit the Conoco gas field.", "conoco"),
        ("Drones hit the Conoco base.", "conoco"),
        ("Drones hit Koniko.", "conoco"),
        ("Drones hit Green Village.", "green-village"),
        ("Drones hit the al-Omar oil field.", "green-village"),
        ("Drones hit Shaddadi.", "shaddadi"),
        ("Drones hit Rumalyn.", "rumalyn"),
        ("Drones hit the RLZ.", "rumalyn"),
        ("Drones hit Kharab al-Jir.", "kharab-al-jir"),
        ("Drones hit Tel Baydar.", "tal-baydar"),
        ("Drones hit Tal Baydar.", "tal-baydar"),
        ("Drones hit Qasrak.", "qasrak"),
        ("Drones hit MSS Euphrates.", "mss-euphrates"),
        ("Drones hit al-Malikiyah.", "al-malikiyah"),
        ("Drones hit Rukban.", "rukban"),
        ("A drone hit Tower 22.", "tower-22"),
        ("A drone hit the T-22 outpost.", "tower-22"),
        ("Rockets hit the K-1 base.", "k1-kirkuk"),
        ("Rockets hit Kirkuk K1.", "k1-kirkuk"),
        ("Rockets hit Camp Taji.", "camp-taji"),
        ("Rockets hit the Taji base.", "camp-taji"),
    ],
    ids=[
        "ain-al-asad",
        "upper-case-no-hyphen",
        "space-not-hyphen",
        "ayn",
        "double-s",
        "ain-asad",
        "parenthesised-ain",
        "al-asad-airbase",
        "weak-al-asad-base",
        "ayn-ayin-mark",
        "curly-quote-nb-hyphen-acute",
        "en-dash",
        "weak-al-harir-base",
        "harir-air-base",
        "harir-airbase",
        "weak-al-harir-airfield",
        "hareer-base",
        "erbil-international-airport",
        "erbil-airport",
        "airport-in-erbil",
        "victory-base",
        "baghdad-international-airport",
        "biap",
        "victory-base-complex",
        "union-iii",
        "us-embassy-dotted",
        "us-embassy",
        "al-tanf",
        "tanf-garrison",
        "conoco-gas-field",
        "conoco-base",
        "koniko",
        "green-village",
        "al-omar-oil-field",
        "shaddadi",
        "rumalyn",
        "rlz",
        "kharab-al-jir",
        "tel-baydar",
        "tal-baydar",
        "qasrak",
        "mss-euphrates",
        "al-malikiyah",
        "rukban",
        "tower-22",
        "t-22-outpost",
        "k-1-base",
        "kirkuk-k1",
        "camp-taji",
        "weak-taji-base",
    ],
)
def test_alias_maps_to_its_base(rules: Ruleset, text: str, base_id: str) -> None:
    """Every spelling of a tracked base, in any case, diacritics or punctuation, names that base."""
    assert _base_ids(rules, text) == [base_id]


@pytest.mark.parametrize(
    "text",
    [
        "Bashar al-Assad met the delegation.",
        "Bashar al-Assad's forces shelled Idlib.",
        "Residents of Harir said the road was closed.",
        "Al-Harir is a town north of Erbil.",
        "Drones were seen over Erbil.",
        "Protesters gathered in Baghdad.",
        "ConocoPhillips reported higher profits.",
        "Conoco said the pipeline was repaired.",
        "The Tanf crossing was closed.",
        "Omar Abu Layla said the town was quiet.",
        "Victory Day was celebrated.",
        "The Taji district flooded.",
        "The K1 visa was approved.",
        "Rmelan town was quiet.",
    ],
    ids=[
        "bashar-al-assad",
        "bashar-al-assads-forces",
        "harir-town",
        "al-harir-town",
        "erbil-city",
        "baghdad-city",
        "conocophillips",
        "conoco-company",
        "tanf-crossing",
        "omar-given-name",
        "victory-day",
        "taji-district",
        "k1-visa",
        "rmelan-town",
    ],
)
def test_place_and_person_names_match_no_base(rules: Ruleset, text: str) -> None:
    """A city, town, company or person's name without a base word names no tracked base."""
    assert _base_ids(rules, text) == []


@pytest.mark.parametrize(
    "text",
    ["Russian jets took off from Bassel al-Assad air base near Jableh."],
    ids=["bassel-al-assad-air-base"],
)
def test_bassel_al_assad_air_base_is_not_ain_al_asad(rules: Ruleset, text: str) -> None:
    """The Bassel al-Assad air base in Latakia is not Ain al-Asad."""
    assert _base_ids(rules, text) == []


@pytest.mark.parametrize(
    ("text", "mention"),
    [
        ("A drone hit Erbil International Airport.", "Erbil International Airport"),
        ("A drone hit Ain al-Asad Air Base.", "Ain al-Asad Air Base"),
        ("A drone hit the Al-Harir base.", "Al-Harir"),
        ("Rockets hit the Victory base complex.", "Victory base complex"),
    ],
    ids=["longest-alias-wins", "canonical-name", "weak-alias-alone", "complex-not-base"],
)
def test_mention_spans_cover_the_alias(rules: Ruleset, text: str, mention: str) -> None:
    """A mention's offsets cover exactly the longest alias found, in the original text."""
    (found,) = rules.find_bases(fold(text))
    assert text[found.start : found.end] == mention


@pytest.mark.xfail(
    reason="the full alias 'At-Tanf' (a real transliteration) also matches the words 'at Tanf', "
    "so the mention includes the preposition; harmless for the base id",
    strict=True,
)
@pytest.mark.parametrize(
    ("text", "mention"),
    [("Two drones targeted the garrison at Tanf.", "Tanf")],
    ids=["garrison-at-tanf"],
)
def test_weak_alias_after_base_word_spans_only_the_alias(
    rules: Ruleset, text: str, mention: str
) -> None:
    """A weak alias named after its base word ("the garrison at Tanf") spans only the name."""
    (found,) = rules.find_bases(fold(text))
    assert found.base_id == "al-tanf"
    assert text[found.start : found.end] == mention


def test_several_bases_are_found_left_to_right(rules: Ruleset) -> None:
    """find_bases returns every base named in a text, in order of appearance."""
    text = "Drones hit Harir air base, Erbil airport and Ain al-Asad on Monday."
    assert _base_ids(rules, text) == ["harir", "erbil-air-base", "ain-al-asad"]


def _base(**overrides: object) -> Base:
    fields: dict[str, object] = {
        "id": "test-base",
        "name": "Test Base",
        "country": "IQ",
        "location": (33.0, 44.0),
        "aliases": ("Test Camp",),
        "weak_aliases": (),
    }
    fields.update(overrides)
    return Base(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "base",
    [
        _base(aliases=("Test Camp", "--")),
        _base(aliases=("(...)",)),
        _base(weak_aliases=("’ ’",)),
        _base(name="—"),
    ],
    ids=["dashes-alias", "punctuation-alias", "apostrophes-weak-alias", "dash-name"],
)
def test_alias_without_letters_is_a_config_error(base: Base) -> None:
    """compile_rules raises ConfigError naming the base when an alias has no letters or digits."""
    with pytest.raises(ConfigError, match="test-base"):
        compile_rules([base])


def test_hand_built_base_is_matched(rules: Ruleset) -> None:
    """compile_rules on a hand-built base matches its name, aliases and weak aliases by word."""
    ruleset = compile_rules([_base(weak_aliases=("Testville",))])
    assert [m.base_id for m in ruleset.find_bases(fold("TEST-CAMP was hit"))] == ["test-base"]
    assert [m.base_id for m in ruleset.find_bases(fold("the test base"))] == ["test-base"]
    assert [m.base_id for m in ruleset.find_bases(fold("Testville base"))] == ["test-base"]
    assert ruleset.find_bases(fold("Testville market")) == []
    assert ruleset.find_bases(fold("contest camping")) == []
