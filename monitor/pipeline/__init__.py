"""Pure pipeline stages: no network, no database, no settings, no clock.

Each stage takes records plus explicit parameters and returns records or a ``Rejected``.
"""

from monitor.pipeline.alerts import alert_body, event_object, render_alert
from monitor.pipeline.corpus import parse_text_article
from monitor.pipeline.dedup import canonical_url, content_hash, item_key
from monitor.pipeline.detect import detect_events
from monitor.pipeline.extract import extract_article
from monitor.pipeline.feeds import parse_feed
from monitor.pipeline.merge import event_key, merge_report
from monitor.pipeline.rules import Ruleset, compile_rules

__all__ = [
    "Ruleset",
    "alert_body",
    "canonical_url",
    "compile_rules",
    "content_hash",
    "detect_events",
    "event_key",
    "event_object",
    "extract_article",
    "item_key",
    "merge_report",
    "parse_feed",
    "parse_text_article",
    "render_alert",
]
