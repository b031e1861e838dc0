"""A cheap check on a page's raw bytes: can it name a tracked base at all?

Full extraction (trafilatura) costs far more than the extractor; most pages a monitor or a
backtest reads name no base. ``may_name_a_base`` looks for a distinctive word of some alias in
the raw bytes, folded to ASCII lower case, and is built to be at least as permissive as the
extractor: whatever the extractor could match needs that word in the text, and the text comes
from the bytes (entities are decoded first). Pages it cannot judge (UTF-16) pass. Tags may
split an alias's words, so one distinctive word of an alias is enough.
"""

from __future__ import annotations

import html
import re

from monitor.pipeline.rules import Ruleset
from monitor.pipeline.sentences import ascii_fold

_UNJUDGEABLE = re.compile(rb"\x00")  # UTF-16 and the like: not worth decoding here


def may_name_a_base(raw: bytes, rules: Ruleset) -> bool:
    """False only when no alias of any tracked base can appear in the page's text."""
    if _UNJUDGEABLE.search(raw):
        return True
    text = html.unescape(raw.decode("utf-8", errors="ignore"))
    return rules.page_keys.search(ascii_fold(text).encode("ascii")) is not None
