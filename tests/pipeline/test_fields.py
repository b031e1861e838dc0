"""The fields of an attack, one class of phrasing at a time, in our own words: each rule has a
sentence it must read and one it must leave alone."""

from __future__ import annotations

from monitor.pipeline.detect import detect_events
from monitor.pipeline.detect.fields import munitions, outcome
from monitor.pipeline.rules import Ruleset
from monitor.records import Outcome, Report
from tests.pipeline.conftest import ArticleFactory


def _one(text: str, rules: Ruleset, article: ArticleFactory) -> Report:
    reports = [r for r in detect_events(article(text), rules) if r.base_id is not None]
    assert len(reports) == 1, reports
    return reports[0]


# Claimant from anywhere in the article


def test_claim_in_a_later_paragraph_refers_to_the_only_attack(
    rules: Ruleset, article: ArticleFactory
) -> None:
    text = (
        "Two drones struck Ain al-Asad air base on Monday, a security source said. "
        "The base hosts coalition advisers. Flights were suspended for an hour. "
        "Traffic on the main road was diverted. Schools nearby closed early. "
        "Kataib Hezbollah later said in a message on its channel that it carried out the attack."
    )
    assert _one(text, rules, article).claimed_by == "Kataib Hezbollah"


def test_claim_in_the_lead_before_the_base_is_named(
    rules: Ruleset, article: ArticleFactory
) -> None:
    text = (
        "Harakat al-Nujaba claimed responsibility for a rocket attack on an American position. "
        "Local officials described the weather. Markets stayed open. Power was cut briefly. "
        "Three rockets hit Harir air base on Monday, officials said."
    )
    assert _one(text, rules, article).claimed_by == "Harakat al-Nujaba"


def test_group_title_not_in_the_lexicon(rules: Ruleset, article: ArticleFactory) -> None:
    text = (
        "The Hidden Hand Brigades, a little-known faction, claimed responsibility for "
        "a drone strike on Harir air base on Monday."
    )
    assert _one(text, rules, article).claimed_by == "Hidden Hand Brigades"


def test_blame_is_not_a_claim(rules: Ruleset, article: ArticleFactory) -> None:
    text = (
        "Two rockets hit Harir air base on Monday. "
        "Pentagon officials blamed Kataib Hezbollah, though the group has not claimed the attack."
    )
    assert _one(text, rules, article).claimed_by is None


def test_nobody_claimed(rules: Ruleset, article: ArticleFactory) -> None:
    text = (
        "Two rockets hit Harir air base on Monday. "
        "No group has claimed responsibility, and suspicion fell on Kataib Hezbollah."
    )
    assert _one(text, rules, article).claimed_by is None


def test_the_coalition_against_a_group_is_not_its_claim(
    rules: Ruleset, article: ArticleFactory
) -> None:
    text = (
        "A drone hit Harir air base, used by the coalition against ISIS, on Monday. "
        "The drone caused a small fire."
    )
    assert _one(text, rules, article).claimed_by is None


# Outcome


def test_casualties_ruled_out_alone_is_not_no_damage(rules: Ruleset) -> None:
    stated, _, _ = outcome("a drone hit the hangar roof; no casualties were reported", rules)
    assert stated is Outcome.UNKNOWN


def test_damage_and_casualties_ruled_out_is_no_damage(rules: Ruleset) -> None:
    stated, _, _ = outcome("the rockets caused no injuries or damage, the army said", rules)
    assert stated is Outcome.NO_DAMAGE


def test_no_casualties_and_minor_damage_is_damage(rules: Ruleset) -> None:
    stated, _, _ = outcome("no casualties and minor damage to a fuel depot", rules)
    assert stated is Outcome.DAMAGE


def test_did_not_inflict_casualties(rules: Ruleset) -> None:
    stated, _, _ = outcome("the strike did not inflict any casualties among the guards", rules)
    assert stated is Outcome.UNKNOWN


def test_no_reports_of_casualties_is_unknown(rules: Ruleset) -> None:
    stated, _, _ = outcome("there were no immediate reports of wounded soldiers", rules)
    assert stated is Outcome.UNKNOWN
    stated, injured, _ = outcome("four guards were wounded by shrapnel", rules)
    assert stated is Outcome.CASUALTIES
    assert injured == 4


def test_air_defences_engaged(rules: Ruleset) -> None:
    stated, _, _ = outcome("the base's air defences engaged the incoming drones", rules)
    assert stated is Outcome.INTERCEPTED
    stated, _, _ = outcome("the base's air defences were upgraded last spring", rules)
    assert stated is Outcome.UNKNOWN


# Munitions count


def test_one_munition_named_with_the(rules: Ruleset) -> None:
    assert munitions("the explosive-laden drone struck a barracks", rules) == 1
    assert munitions("the drone attack began before dawn", rules) is None
    assert munitions("the drones circled for an hour", rules) is None


def test_count_through_new_adjectives(rules: Ruleset) -> None:
    assert munitions("guards downed three separate drones at night", rules) == 3
    assert munitions("an unidentified unmanned aerial vehicle crashed", rules) == 1


def test_the_other_and_a_third_count_on(rules: Ruleset, article: ArticleFactory) -> None:
    text = "One rocket hit Harir air base on Monday and the other landed in a field."
    assert _one(text, rules, article).munitions_count == 2
    text = "Two rockets hit Harir air base on Monday; a third fell short."
    assert _one(text, rules, article).munitions_count == 3
    text = "Two rockets hit Harir air base on Monday; a fourth convoy passed."
    assert _one(text, rules, article).munitions_count == 2


# Claimant in the text's own wording; harm ruled out or not the attack's


def test_claimant_in_the_texts_wording(rules: Ruleset, article: ArticleFactory) -> None:
    """The gold format asks for the group "in the text's wording": a spelling of the text is
    kept, not replaced by the lexicon's canonical name."""
    text = "Kataeb Hezbollah claimed responsibility for a drone strike on Harir air base on Monday."
    assert _one(text, rules, article).claimed_by == "Kataeb Hezbollah"


def test_killed_or_wounded_ruled_out_together(rules: Ruleset) -> None:
    stated, injured, killed = outcome("no american troops were killed or wounded", rules)
    assert (stated, injured, killed) == (Outcome.UNKNOWN, None, None)


def test_a_persons_killing_is_not_the_attacks_casualties(rules: Ruleset) -> None:
    assert outcome("the strike came days after the killing of a militia leader", rules)[0] == (
        Outcome.UNKNOWN
    )
    assert outcome("the strike killed a contractor", rules)[0] == Outcome.CASUALTIES


def test_plural_damages_ruled_out(rules: Ruleset) -> None:
    stated, _, _ = outcome("the rockets fell without any casualties or material damages", rules)
    assert stated == Outcome.NO_DAMAGE


def test_last_month_name_is_history(rules: Ruleset, article: ArticleFactory) -> None:
    """A sentence about "last May" recalls an older attack: its outcome is not this one's."""
    text = (
        "A drone struck the Victory base near Baghdad airport on Monday, officials said. "
        "Last May the base was hit by two rockets, one of which was shot down."
    )
    assert _one(text, rules, article).outcome == Outcome.UNKNOWN


# Munitions counted across the wording of one attack


def test_count_through_quotes_and_partitives(rules: Ruleset) -> None:
    assert munitions("three 'suicide' drones flew at the base", rules) == 3
    assert munitions("two of the rockets fell short", rules) == 2


def test_a_total_of_munitions_is_a_count_not_a_tally(
    rules: Ruleset, article: ArticleFactory
) -> None:
    text = "A total of 11 rockets struck the Harir air base on Monday, officials said."
    assert _one(text, rules, article).munitions_count == 11


def test_the_rockets_take_the_count_of_the_sentence_before(
    rules: Ruleset, article: ArticleFactory
) -> None:
    """A base sentence that points back ("The rockets hit X") takes the count just given."""
    text = (
        "Six rockets were launched from a village on Monday evening. "
        "The rockets hit the Conoco gas field base, a monitor said."
    )
    assert _one(text, rules, article).munitions_count == 6


def test_weapons_of_the_base_sentence_win_over_those_mentioned_later(
    rules: Ruleset, article: ArticleFactory
) -> None:
    """A later sentence that refers back names weapons in passing; the base's own sentence
    names the ones used. A follow-up names them only when the base's sentence did not."""
    text = (
        "Two drones struck the Harir air base on Monday, officials said. "
        "The attack came as militias kept up their use of rockets and missiles."
    )
    assert _one(text, rules, article).weapons == ("drone",)
    text = "Harir air base was attacked on Monday. The attack was carried out with rockets."
    assert _one(text, rules, article).weapons == ("rocket",)


def test_casualty_count_after_a_qualifier(rules: Ruleset) -> None:
    """ "wounding more than 30", "killing at least two": the count follows the qualifier."""
    assert outcome("the blast killed one soldier, wounding more than 30", rules)[1:] == (30, 1)


def test_damage_still_being_assessed_is_not_ruled_out(rules: Ruleset) -> None:
    assert outcome("there were no injuries and damage was being assessed", rules)[0] == (
        Outcome.UNKNOWN
    )
    assert outcome("there were no injuries and no damage", rules)[0] == Outcome.NO_DAMAGE


def test_a_dates_day_is_not_a_casualty_count(rules: Ruleset) -> None:
    """ "Erbil, Mar 12 (Agency) A guard was killed": 12 is the day, not the dead."""
    _, _, killed = outcome("erbil, mar 12 (agency) a guard was killed in the attack", rules)
    assert killed is None


def test_each_field_cites_the_sentence_it_rests_on(rules: Ruleset, article: ArticleFactory) -> None:
    text = (
        "Harir air base came under attack on Monday. "
        "Two drones were used, and both were shot down. "
        "Kataib Hezbollah claimed the attack in a statement."
    )
    report = _one(text, rules, article)
    basis = {name: span.text for name, span in report.basis}
    assert basis["day"] == "Harir air base came under attack on Monday."
    assert basis["munitions"] == "Two drones were used, and both were shot down."
    assert basis["outcome"] == "Two drones were used, and both were shot down."
    assert basis["claimed_by"] == "Kataib Hezbollah claimed the attack in a statement."


def test_a_group_named_as_the_attacker_claims_it(rules: Ruleset, article: ArticleFactory) -> None:
    """ "Group X, an alliance of militias, attacked two bases" states the group's own claim."""
    text = (
        "On Monday Kataib Hezbollah, the strongest of the factions, attacked two US bases. "
        "The first strike hit the Harir air base with a drone."
    )
    assert _one(text, rules, article).claimed_by == "Kataib Hezbollah"
    blamed = (
        "Officials blamed Kataib Hezbollah, which attacked US troops before, for a drone strike "
        "on the Harir air base on Monday."
    )
    assert _one(blamed, rules, article).claimed_by is None


def test_the_second_attack_is_not_a_second_munition(
    rules: Ruleset, article: ArticleFactory
) -> None:
    text = "A rocket struck Harir air base on Monday, the second attack on the base this week."
    assert _one(text, rules, article).munitions_count == 1


def test_a_count_from_a_recollection_does_not_carry(
    rules: Ruleset, article: ArticleFactory
) -> None:
    text = (
        "Forty rockets were found near the border years ago. "
        "The rockets struck Harir air base on Monday."
    )
    assert _one(text, rules, article).munitions_count is None


def test_a_groups_initials_name_it(rules: Ruleset, article: ArticleFactory) -> None:
    """ "the IRI" is the Islamic Resistance in Iraq's own short name, kept as written."""
    text = "The IRI said it had targeted Harir air base with a drone on Monday."
    assert _one(text, rules, article).claimed_by == "IRI"
