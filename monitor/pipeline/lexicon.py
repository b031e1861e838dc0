"""The extractor's word lists: weapons, armed groups, attack words and the negatives.

These are rule data, kept apart from the code that applies them (``detect.py``) and compiled
once by ``rules.compile_rules``. Every pattern is written against folded text (see
``sentences.fold``): lower case, no diacritics, one apostrophe and one dash. Keep each table
sorted and each entry reviewable; a new spelling is a new line, never a special case in code.
"""

from __future__ import annotations

# Canonical weapon -> patterns naming it.
WEAPONS: dict[str, tuple[str, ...]] = {
    "drone": (
        r"drones?",
        r"uavs?",
        r"unmanned aerial vehicles?",
        r"quadcopters?",
        r"one-way attack drones?",
        r"kamikaze drones?",
        r"suicide drones?",
    ),
    "ied": (r"ieds?", r"improvised explosive devices?", r"roadside bombs?", r"car bombs?"),
    "missile": (r"missiles?", r"ballistic missiles?", r"cruise missiles?"),
    "mortar": (r"mortars?", r"mortar (?:shells?|rounds?|bombs?)"),
    "rocket": (r"rockets?", r"katyushas?", r"katyusha rockets?", r"grad rockets?", r"multi-rocket"),
    "small_arms": (r"small[- ]arms fire", r"gunfire", r"gunmen"),
}

# Nouns that name one munition (so "two drones" counts munitions, "drone attack" does not).
MUNITION_NOUNS = (
    r"drones?",
    r"uavs?",
    r"rockets?",
    r"katyushas?",
    r"missiles?",
    r"mortar (?:shells?|rounds?|bombs?)",
    r"mortars?",
    r"shells?",
    r"projectiles?",
    r"unmanned aerial vehicles?",
    r"katyusha rockets?",
)
# Words that may stand between a count and its munition noun ("two armed drones").
MUNITION_ADJECTIVES = (
    r"armed",
    r"explosive-laden",
    r"explosives-laden",
    r"bomb-laden",
    r"one-way",
    r"attack",
    r"suicide",
    r"kamikaze",
    r"katyusha",
    r"grad",
    r"ballistic",
    r"cruise",
    r"more",
    r"other",
    r"small",
    r"fixed-wing",
    r"hostile",
    r"enemy",
    r"iranian-made",
    r"107mm",
    r"122mm",
    r"separate",
    r"additional",
    r"unidentified",
    r"booby-trapped",
    r"weaponi[sz]ed",
    r"explosive",
    r"incoming",
    r"loitering",
    r"surface-to-surface",
)

# Armed groups that claim attacks: canonical name -> spellings.
GROUPS: dict[str, tuple[str, ...]] = {
    "Ashab al-Kahf": (r"ashab al-kahf",),
    "Harakat al-Nujaba": (r"harakat (?:hezbollah )?al-nujaba", r"al-nujaba", r"nujaba"),
    "Islamic Resistance in Iraq": (
        r"islamic resistance in iraq",
        r"islamic resistance of iraq",
        r"islamic resistance",
        r"iraqi islamic resistance",
        r"iri",
    ),
    "Islamic State": (r"islamic state", r"isis", r"isil", r"daesh"),
    "Kataib Hezbollah": (
        r"kata'?ib hezbollah",
        r"kata'?ib hizballah",
        r"kataeb hezbollah",
        r"hezbollah brigades",
        r"kata'?ib hizbullah",
    ),
    "Kataib Sayyid al-Shuhada": (r"kata'?ib sayyid al-shuhada",),
    "Saraya Awliya al-Dam": (r"saraya awliya al-dam",),
    "Houthis": (r"houthis?", r"ansar allah"),
}

# Words that report an attack. Checked together with a base or an anaphoric reference.
ATTACK_TRIGGERS = (
    r"attack(?:ed|s|ing)?",
    r"target(?:ed|ing|s)?",
    r"struck",
    r"strikes?",
    r"hit",
    r"hits",
    r"shell(?:ed|ing)",
    r"bombard(?:ed|ment)",
    r"fired (?:[\w-]+ ){0,4}?(?:at|on|toward|towards|upon|against)",
    r"launched (?:[\w-]+ ){0,4}?(?:at|against|toward|towards|on)",
    r"came under",
    r"come under",
    r"comes under",
    r"intercept(?:ed|ion)",
    r"shot down",
    r"downed",
    r"thwarted",
    r"foiled",
    r"landed (?:in|inside|near|on)",
    r"fell (?:in|inside|near|on)",
    r"impact(?:ed)?",
    r"assault(?:ed)?",
    r"explosions?",
    r"blasts?",
    r"raid(?:ed)?",
    r"unleashed (?:[\w-]+ ){0,3}?(?:on|at|against)",
    r"rained (?:down )?(?:on|upon)",
    r"pounded",
    r"slammed into",
    r"crashed (?:into|inside|in|on|near)",
    r"exploded (?:at|in|inside|near|over|on|above)",
    r"detonated (?:at|in|inside|near|over|on)",
    r"directed (?:at|towards?|against)",
    r"aimed (?:[\w-]+ ){0,3}?(?:at|to|towards?|against)",
    r"neutrali[sz]ed",
    # casualties at a place report the attack that caused them: "four were injured at X"
    r"(?:injured|wounded|killed|hurt) (?:at|inside)",
    # the defences of a base in action: "X's C-RAM engaged", "air defences at X activated"
    r"c-ram",
    r"air defen[cs]es? (?:systems? )?(?:[\w'-]+ ){0,6}?(?:were |was |had been )?"
    r"(?:activated|engaged|fired|responded)",
)

# Verbs by which a group claims an attack.
CLAIM_VERBS = (
    r"claim(?:ed|s|ing)?",
    r"took responsibility",
    r"takes responsibility",
    # "said in a post on its Telegram channel that it had carried out the attack"
    r"said (?:[\w-]+ ){0,7}?(?:that )?(?:it|they) (?:had )?(?:carried|attacked|targeted|"
    r"launched|struck|hit|used|fired)",
    r"claimed (?:credit|responsibility)",
    r"declared that (?:it|they)",
    r"announced that (?:it|they)",
    r"announced (?:on \w+ )?that it",
    r"endorsed",
)

# Sources other than the attackers; "confirm" words mark an official confirmation.
REPORT_SOURCES = (
    r"sources?",
    r"officials?",
    r"spokesm[ae]n",
    r"spokesperson",
    r"reuters",
    r"afp",
    r"associated press",
    r"observatory",
    r"police",
    r"security (?:forces|services?)",
    r"counter-terrorism",
    r"anti-terrorism",
    r"ministry",
)
CONFIRMERS = (
    r"pentagon",
    r"centcom",
    r"central command",
    r"(?:us|u\.s\.|american) (?:defense |military )?"
    r"officials?",
    r"defense official",
    r"military official",
    r"coalition",
    r"department of defense",
    r"white house",
)

# Phrases that make a sentence (or clause) not a report of an attack.
THREATS = (
    r"threat(?:en|ens|ened)?",
    r"warn(?:ed|s|ing)?",
    r"vow(?:ed|s)?",
    r"pledg(?:ed|es)",
    r"would (?:target|attack|strike|hit|continue)",
    r"will (?:target|attack|strike|hit|continue)",
    r"plan(?:s|ned|ning)? to",
    r"prepar(?:ing|ed) (?:an? )?attacks?",
    r"intend(?:s|ed)? to",
    r"could (?:target|attack|strike|be)",
    r"if (?:washington|the us|the united states|america)",
    # attacks as a policy: suspended, halted, or to be resumed ("would suspend attacks on X",
    # "will resume its strikes"); "resumed attacks on Monday, striking X" reports them
    r"(?:suspend|suspends|suspended|suspending|suspension of|halt|halts|halted|halting|pause|"
    r"paused|cease|ceased|cessation of|stop|stops|stopped|end to)\s+(?:[\w-]+\s+){0,2}"
    r"(?:attacks|operations|strikes)",
    r"(?:would|will|to|threat to|vow to|vowed to)\s+(?:\w+\s+)?(?:resume|restart)",
)
TALLIES = (
    r"(?:more than|over|at least|some|about|nearly|almost|around|a total of|total of)\s+"
    r"(?:\d+|[a-z]+(?:-[a-z]+)?)\s+(?:\w+\s+){0,2}(?:attacks|strikes|incidents|times)",
    r"(?:dozens|scores|hundreds|series|spate|wave|string|number|barrage of|many|numerous|"
    r"repeated|frequent|recurring)\s+(?:of\s+)?(?:\w+\s+){0,2}"
    r"(?:attacks|strikes|target)",
    r"(?:has|have) (?:also )?claimed (?:responsibility for )?(?:[\w-]+ ){0,4}(?:attacks|strikes)",
    r"(?:attacked|targeted|struck|hit|shelled) (?:more than |over |at least |about |nearly |some )?"
    r"(?:\d+|[a-z]+(?:-[a-z]+)?) times",
    r"(?:(?:attacked|targeted|struck|hit|shelled) )?(?:dozens|scores|hundreds|several|many|"
    r"numerous|multiple|countless) (?:of )?times",
    r"(?:attacks|strikes)(?: [\w-]+){0,3} (?:have|has) (?:mainly|mostly|repeatedly|frequently|"
    r"often|regularly|largely|chiefly|also|previously) (?:been )?(?:targeted|attacked|hit|struck)",
    r"(?:have|has) (?:mainly|mostly|repeatedly|frequently|often|regularly|largely|chiefly) "
    r"(?:been )?(?:targeted|attacked|hit|struck)",
    r"(?:attacks|strikes) since",
    r"(?:attacks|strikes) (?:[\w-]+ ){0,8}since",
    r"(?:most|many|all|some|several|much|none|each|any|one|dozens|hundreds) of (?:the|these|those)"
    r" (?:[\w-]+ ){0,2}(?:attacks|strikes)",
    r"since (?:mid-)?(?:october|november|december|the start|the war)",
    r"\d+ (?:\w+ ){0,2}attacks",
    r"(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)"
    r"(?:-\w+)? (?:\w+ ){0,2}attacks",
)
HISTORY = (
    r"until last year",
    r"at the time",
    r"years? ago",
    r"in the past",
    r"historically",
    r"previously",
    r"last year",
    r"since the summer of",
    r"last (?:week|month)",
    r"last (?:january|february|march|april|may|june|july|august|september|october|november|"
    r"december)",
    r"earlier this (?:week|month|year)",
    r"(?:days|weeks|months) ago",
)
# Another attack, placed in time against this one or likened to it: "three weeks after the Tanf
# attack", "died in a similar attack on K-1 base".
OTHER_ATTACKS = (
    r"(?:two|three|four|several|a few|a couple of|\d+) (?:weeks|months) (?:before|after|earlier|"
    r"later)",
    r"a (?:week|month|year) (?:before|after|earlier|later)",
    r"(?:a |an )?similar (?:[\w-]+ ){0,2}(?:attacks?|strikes?|incidents?)",
    r"(?:previous|prior|earlier|past|former) (?:[\w-]+ ){0,2}(?:attacks|strikes|incidents)",
)
# Other places whose names contain a base's name: masked before bases are looked up.
FALSE_FRIENDS = (
    r"bassel al-?assad(?: air ?base| airbase| airport| international airport)?",
    r"hmeimim(?: air ?base| airbase)?",
    # another country's US embassy: "the US embassy in Beirut" is not Baghdad's
    r"(?:us|u\.s\.?|american|united states) embassy (?:in|at) (?!baghdad|iraq|the green zone)"
    r"[a-z]+",
)
# Words that may stand between a weak alias and its base word ("Tanf military garrison").
BASE_MODIFIERS = (
    r"military",
    r"air",
    r"us",
    r"u\.s\.",
    r"american",
    r"coalition",
    r"us-led",
    r"oil",
    r"gas",
    r"natural gas",
    r"army",
    r"airport",
    r"international",
    r"border",
    r"main",
    r"forward",
    r"operating",
)
# Strikes by US (or allied) forces: "US strikes", "retaliatory strikes", "self-defence strike".
OWN_STRIKES = (
    r"(?:us|u\.s\.|american|united states|israeli|british|turkish|russian|jordanian|coalition|"
    r"retaliatory|self-defen[cs]e"
    r"|precision|air|airstrikes?|counter)[\"']?\s+(?:military\s+|forces\s+|air\s+)?"
    r"(?:air)?strikes?",
    r"(?:the united states|washington|us forces|u\.s\. forces|us military|u\.s\. military|"
    r"american forces|centcom|central command|the pentagon)\s+"
    # "the Pentagon said drones hit X", "US forces were targeted" are not US strikes
    r"(?:(?!said|says|told|confirmed|reported|announced|stated|added|were|was|are|is|been)"
    r"\w+\s+){0,3}(?:struck|bombed|strikes|hit|launched|conducted|carried out|targeted|"
    r"retaliated)",
    r"in retaliation",
    r"retaliat\w*",
)

# Words that make an attack's outcome uncertain rather than stated.
UNCERTAIN = (
    r"not (?:yet )?(?:known|clear|immediately clear)",
    r"whether",
    r"unclear",
    r"if",
    # "no immediate reports of casualties", "did not give details about casualties"
    r"no (?:immediate |official )?(?:reports?|word|details|information) (?:of|on|about|regarding)",
    r"(?:did not|didn't|have not|has not|had not|not) (?:yet )?(?:give|provide|release|disclose|"
    r"released|provided|disclosed|given) (?:any )?(?:details|information|figures|the (?:exact )?"
    r"number)",
    r"yet to be (?:determined|confirmed|known|assessed)",
    # "damage was being assessed": the harm word before it is not stated
    r"(?:damages?|casualties|injuries|losses)\s+(?:was|were|is|are)\s+(?:still\s+)?(?:being\s+)?"
    r"(?:assessed|evaluated|investigated|determined|examined)",
    # "details regarding the extent of damage were not available"
    r"(?:details|information) (?:regarding|about|on|of)",
)

# Outcome phrases: a negation of harm. A phrase that rules out both damage and casualties
# ("no casualties or damage", "did not cause damage or injuries") makes the outcome no_damage;
# one that rules out only one of them ("no casualties were reported") is blanked so that its
# harm word does not count, but states no outcome (see ``fields.outcome``).
NO_DAMAGE = (
    r"(?:no|without|not cause|not result in|did not cause|didn't cause|did not inflict|"
    r"didn't inflict|not inflict|caused no|causing no|inflicted no|inflicting no|resulting in no|"
    r"resulted in no)"
    r"\s+(?:(?!(?:and|or|damage|casualties|injuries|losses)\s)\w+\s+){0,3}"
    r"(?:damages?|casualties|causalities|injuries|losses|deaths|fatalities)"
    r"(?:(?:\s*,\s*|\s*,?\s+(?:or|nor)\s+(?:any\s+|no\s+)?(?:\w+\s+)?|\s+and\s+(?:no\s+)?)"
    r"(?:damages?|casualties|injuries|losses|deaths|fatalities)"
    # "no injuries, and damage was being assessed": the second word is not ruled out
    r"(?!\s+(?:was|were|is|are)\s+(?:still\s+|now\s+|being\s+|not\s+yet\s+)*(?:being\s+)?"
    r"(?:assessed|evaluated|investigated|determined|examined|checked|unknown|unclear)))?",
    r"(?:no|none of the|not a single)\s+(?:[\w.-]+\s+){0,3}?(?:one|personnel|troops?|soldiers?|"
    r"service ?members?|servicemembers?|americans?|people|staff|forces|members?)\s+"
    r"(?:was|were|had been|have been|has been)\s+(?:\w+\s+)?(?:hurt|injured|wounded|killed)"
    r"(?:\s+(?:or|nor|and)\s+(?:hurt|injured|wounded|killed))?",
    r"(?:nobody|no one|no-one)\s+(?:was|were|had been|has been)\s+(?:\w+\s+)?"
    r"(?:hurt|injured|wounded|killed)(?:\s+(?:or|nor|and)\s+(?:hurt|injured|wounded|killed))?",
    r"no (?:injuries|casualties|damage) (?:were|was) reported",
)
DAMAGE = (
    r"damag(?:e|ed|ing)",
    # "destroyed" is damage when a building or aircraft was destroyed; drones destroyed in
    # the air were intercepted (see INTERCEPTED).
    r"(?:buildings?|hangars?|vehicles?|equipment|infrastructure|facilit(?:y|ies)|aircraft|"
    r"structures?|tents?|warehouses?|depots?) (?:was |were |had been )?destroyed",
    r"destroy(?:ed|ing) (?:a |an |the |two |three |several )?(?:buildings?|hangars?|vehicles?|"
    r"aircraft|structures?|tents?|warehouses?|depots?|equipment)",
    r"set (?:on )?fire",
    r"caught fire",
    r"burn(?:ed|t|ing)",
    r"material losses",
    r"craters?",
)
# Killings that are not the attack's casualties: a person's killing as an event ("following
# the killing of a commander"), a purpose ("with the aim of killing"), a charge.
NOT_CASUALTIES = (
    r"(?:the|his|her|their|its) (?:targeted )?(?:killing|death|assassination|murder) of",
    r"(?:aim|goal|purpose|intent|intention) of killing",
    r"responsible for (?:the )?(?:killing|deaths?|murder)",
)
CASUALTY_WORDS = (
    r"killed",
    r"killing",
    r"dead",
    r"died",
    r"wounded",
    r"wounding",
    r"injured",
    r"injuring",
    r"hurt",
    r"casualties",
    r"injuries",
    r"traumatic brain injur(?:y|ies)",
)
INTERCEPTED = (
    r"intercept(?:ed|ion|ing)?",
    r"shot (?:it |them )?down",
    r"downed",
    r"thwarted",
    r"foiled",
    r"repelled",
    r"neutrali[sz]ed",
    r"destroyed (?:in|mid)[- ]air",
    r"(?:drones?|uavs?|rockets?|missiles?|projectiles?) (?:was |were )?"
    r"(?:destroyed|neutrali[sz]ed)",
    r"(?:engaged and |successfully )destroyed",
    # "air defences engaged the drones", "air defense systems responded"
    r"air defen[cs]es? (?:[\w-]+ ){0,3}?(?:engaged|responded|confronted|countered|activated)",
    r"brought (?:it |them )?down",
    r"shot (?:it |them )?out of the sky",
)

# Words of aliases (monitor/pipeline/gazetteer.py).
# Words too common to stand for an alias on their own; an alias made only of these (and short
# words) is looked for whole.
ALIAS_GENERIC_WORDS = frozenset(
    [
        "air",
        "airbase",
        "airbases",
        "airfield",
        "airfields",
        "airport",
        "airports",
        "base",
        "bases",
        "camp",
        "camps",
        "complex",
        "field",
        "fields",
        "gas",
        "oil",
        "international",
        "military",
        "garrison",
        "station",
        "site",
        "sites",
        "support",
        "mission",
        "landing",
        "zone",
        "tower",
        "union",
        "victory",
        "green",
        "village",
        "plant",
        "plants",
        "the",
        "and",
        "of",
        "at",
        "us",
        "u",
        "s",
        "al",
        "el",
        "ad",
        "an",
        "as",
        "one",
        "two",
        "three",
        "american",
        "coalition",
    ]
)
# Other English words of aliases, matched as written (only Arabic and Kurdish names vary).
ALIAS_ENGLISH_WORDS = frozenset(
    [
        "oilfield",
        "oilfields",
        "victoria",
        "embassy",
        "diplomatic",
        "center",
        "centre",
        "patrol",
        "intl",
        "in",
        "iraq",
        "baghdad",
        "euphrates",
        "cooke",
        "compound",
    ]
)
# Words of an alias that make it a base on their own ("Hareer airfield", "Camp Tajee").
ALIAS_BASE_WORDS = frozenset(
    [
        "air",
        "airbase",
        "airfield",
        "airport",
        "base",
        "camp",
        "complex",
        "compound",
        "field",
        "fields",
        "gas",
        "garrison",
        "oil",
        "oilfield",
        "oilfields",
        "plant",
        "site",
        "station",
    ]
)
# Words that designate a base (for weak aliases: "Tanf" counts only as "Tanf base"/"garrison").
BASE_WORDS = (
    r"air ?base",
    r"airbase",
    r"air ?field",
    r"airfield",
    r"base",
    r"bases",
    r"camp",
    r"garrison",
    r"outpost",
    r"facility",
    r"installation",
    r"compound",
    r"complex",
    r"field",
    r"oil ?field",
    r"gas ?field",
    r"gas plant",
    r"site",
)
# Words just before a generic target that make it the object of the attack ("on US forces").
TARGETING = (
    r"on",
    r"at",
    r"against",
    r"targeting",
    r"targeted",
    r"target",
    r"attacked",
    r"attack",
    r"hit",
    r"struck",
    r"near",
    r"toward",
    r"towards",
    r"striking",
    r"hitting",
)
# Generic US/coalition targets for reports that name no tracked base.
GENERIC_TARGETS = (
    r"(?:a|an|one)\s+(?:\w+\s+){0,2}(?:military\s+)?(?:base|airbase|air base|outpost|garrison|"
    r"facility)(?:\s+(?:housing|hosting|used by)\s+(?:us|u\.s\.|american|coalition)\s+\w+)?",
    r"(?:us|u\.s\.|american|coalition|western|international)\s+(?:and\s+\w+\s+)?"
    r"(?:forces|troops|soldiers|personnel)",
    r"where (?:us|u\.s\.|american|coalition) (?:forces|troops) are",
)
# Country words, for the location of a report that names no tracked base.
COUNTRIES: dict[str, tuple[str, ...]] = {
    "IQ": (
        r"iraq",
        r"iraqi kurdistan",
        r"kurdistan region",
        r"anbar",
        r"erbil",
        r"baghdad",
        r"kirkuk",
        r"nineveh",
        r"mosul",
    ),
    "JO": (r"jordan",),
    "SY": (
        r"syria",
        r"deir ez-?zor",
        r"deir al-?zor",
        r"hasakah",
        r"hasaka",
        r"raqqa",
        r"al-?bukamal",
        r"abu kamal",
        r"homs",
    ),
}

# Negated attack verbs: "the base was not hit", "no attack on the base took place".
NEGATIONS = (
    r"(?:was|were|is|are|has|have|had|did|does|do)(?:n't|\s+not|\s+never)\s+(?:been\s+)?"
    r"(?:\w+\s+)?(?:hit|targeted|attacked|struck|shelled|affected|damaged)",
    r"no (?:\w+ )?(?:attacks?|strikes?|assaults?) (?:on|against|targeting|had|has|was|were|"
    r"took place|occurred)",
    r"not (?:the )?(?:intended )?target(?:ed)?",
)
# Denials of a report: what follows in the clause is what was denied.
# A denial reaches the attack itself, not a group's involvement, its origin or its casualties
# ("denied any involvement", "rejected claims that it was launched from Iraq").
DENIALS = (
    r"(?:den(?:y|ies|ied|ying)|refut(?:e|es|ed|ing)|dismiss(?:es|ed|ing)?|reject(?:s|ed|ing)?|"
    r"debunk(?:s|ed|ing)?|contradict(?:s|ed|ing)?|disput(?:e|es|ed|ing))\s+(?:\w+\s+){0,3}?"
    r"(?:reports?|claims?|rumou?rs?|allegations?|news|accounts?)\s+(?:(?:of|about|on)\s+"
    r"(?:a\s+|an\s+|the\s+|any\s+)?(?:[\w-]+\s+){0,2}(?:attacks?|strikes?|assaults?|shelling)"
    r"|that\s+[^,;.]{1,80}?\s(?:was|were|had been|has been)\s+(?:attacked|targeted|hit|struck|"
    r"shelled))",
    r"den(?:y|ies|ied|ying)\s+(?:that\s+)?(?:any|an|a)\s+(?:[\w-]+\s+){0,2}(?:attacks?|strikes?)"
    r"\s+(?:had\s+|has\s+)?(?:taken place|took place|occurred|happened)",
    r"den(?:y|ies|ied|ying)\s+that\s+(?:[\w'-]+\s+){1,8}(?:was|were|had been|has been)\s+"
    r"(?:attacked|targeted|hit|struck|shelled)",
    r"(?:false|fake|baseless|unfounded|untrue|fabricated|inaccurate) (?:\w+ )?"
    r"(?:reports?|claims?|news|rumou?rs?) (?:of|about|that) (?:a |an |the |any )?(?:[\w-]+ ){0,2}"
    r"(?:attacks?|strikes?)",
)
# Attacks only spoken of as possible: the phrase itself ("raising the risk of further attacks").
PROSPECTS = (
    r"(?:vulnerable|exposed) to (?:\w+ ){0,2}(?:attacks?|strikes?)",
    r"(?:risk|threat|fear|fears|prospect|danger|possibility) of (?:\w+ ){0,2}(?:attacks?|strikes?|"
    r"retaliation)",
)
# A report of an attack said to be false ("rumours of an attack on X proved false").
FALSE_REPORTS = (
    r"(?:reports?|rumou?rs?|claims?|news) (?:of|about|that) (?:a |an |the |any )?(?:[\w-]+ ){0,2}"
    r"(?:attacks?|strikes?)[^,;.]{0,80}? (?:turned out|proved|proven|were|was|are|is) "
    r"(?:to be )?(?:false|fake|untrue|baseless|unfounded|inaccurate|incorrect|fabricated)",
)
# Statements about bases in general, not one attack: "X and Y are frequent targets".
GENERIC_STATEMENTS = (
    r"(?:are|is|remain|remains|have been|has been|became|become|becoming|being)\s+"
    r"(?:a\s+|an\s+)?(?:\w+\s+)?(?:frequent|regular|common|repeated|favou?rite|prime|key|main|"
    r"likely|potential|constant|routine|persistent|recurring|perennial|usual|possible)\s+targets?",
    r"(?:often|frequently|regularly|routinely|repeatedly|periodically|occasionally|sometimes|"
    r"constantly)\s+(?:been\s+)?(?:come|comes|came|coming)\s+under",
    r"(?:is|are|have been|has been|get|gets|got|were|was)\s+(?:often|frequently|regularly|"
    r"routinely|repeatedly|periodically|occasionally|sometimes|constantly)\s+(?:been\s+)?"
    r"(?:targeted|attacked|hit|shelled|struck)",
    # a trend: "groups have increasingly used drones to target US forces at X"
    r"(?:have|has) (?:increasingly|repeatedly|frequently|often|regularly|long) (?:used|relied on|"
    r"employed|turned to|sought to|tried to)",
    # a summary of a campaign: "militias have attacked US bases across Iraq"
    r"(?:have|has) (?:\w+ )?(?:targeted|attacked|hit|struck|shelled) (?:[\w.-]+ ){0,3}"
    r"(?:installations|bases|facilities|positions|interests|forces|troops) "
    r"(?:across|throughout|all over|around)",
    r"(?:have|has|had) been (?:targeted|attacked|hit|shelled|struck) (?:repeatedly|frequently|"
    r"often|regularly|routinely|many times|several times|multiple times|time and again)",
)
