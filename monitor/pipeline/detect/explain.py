"""``monitor explain``'s text: how the extractor read one article, sentence by sentence.

For each sentence that names a tracked base: how each name resolved (the configured alias, or a
romanisation variant of it), the attack words, each candidate and the mask that removed it with
the reason; then the events with the sentences their facts rest on.
"""

from __future__ import annotations

from collections.abc import Iterator

from monitor.pipeline.detect.candidates import Candidate, Reading
from monitor.pipeline.detect.masks import MASKS
from monitor.records import Report

_REASONS = {mask.name: mask.reason for mask in MASKS}
_WIDTH = 160


def render_explanation(
    readings: tuple[tuple[Reading, tuple[Candidate, ...]], ...],
    reports: tuple[Report, ...],
    *,
    dropped: tuple[tuple[str, str], ...] = (),
    base_id: str | None = None,
) -> Iterator[str]:
    """Lines of text explaining one article's reading; only ``base_id``'s, when given."""
    shown = [
        (reading, candidates)
        for reading, candidates in readings
        if base_id is None or any(m.base_id == base_id for m in reading.mentions)
    ]
    if not shown:
        yield "no sentence names " + (f"the base {base_id}" if base_id else "a tracked base")
    for reading, candidates in shown:
        sentence = reading.sentence
        yield f"[{sentence.index}] {_clip(sentence.text)}"
        for mention in reading.mentions:
            words = sentence.text[mention.start : mention.end]
            how = f'variant of "{mention.alias}"' if mention.variant else f'alias "{mention.alias}"'
            yield f'    name    "{words}" -> {mention.base_id} ({how})'
        attack_words = ", ".join(f'"{t.text}"' for t in reading.triggers) or "none"
        yield f"    attack words: {attack_words}"
        for name, start, end in reading.phrases:
            yield f'    masked  "{_clip(reading.folded[start:end], 80)}" by {name}'
        for candidate in candidates:
            yield "    " + _candidate_line(candidate)
    events = [r for r in reports if base_id is None or r.base_id == base_id]
    yield ""
    yield f"events: {len(events)}"
    for report in events:
        yield from _report_lines(report)
    for label, reason in dropped:
        if base_id is None or label.startswith(f"{base_id} "):
            yield f"  left out: {label}: {reason}"


def _candidate_line(candidate: Candidate) -> str:
    base = candidate.mention.base_id
    if candidate.removed_by is not None:
        reason = _REASONS.get(candidate.removed_by, "")
        return f"candidate {base}: removed by {candidate.removed_by}: {reason}"
    if candidate.day is not None:
        day = f'{candidate.day.isoformat()} ("{candidate.day_expression}")'
    elif candidate.day_expression:
        day = f'undated ("{candidate.day_expression}" does not resolve)'
    else:
        day = "undated"
    words = ", ".join(f'"{t.text}"' for t in candidate.triggers)
    return f"candidate {base}: kept, attack words {words}, day {day}"


def _report_lines(report: Report) -> Iterator[str]:
    day = report.day.isoformat() if report.day else "undated"
    yield f'  {report.base_id or "untracked"} {day}  target "{report.base_mention}"'
    if report.day_expression:
        yield f'    day from "{report.day_expression}"'
    yield (
        f"    weapons {', '.join(report.weapons)}; munitions {report.munitions_count or '-'}; "
        f"outcome {report.outcome.value}"
        + (f" (injured {report.injured})" if report.injured else "")
        + (f" (killed {report.killed})" if report.killed else "")
        + f"; claimed by {report.claimed_by or '-'}; {report.attribution.value}"
    )
    for name, span in report.basis:
        yield f"    {name} from: {_clip(span.text)}"
    for span in report.evidence:
        yield f"    evidence: {_clip(span.text)}"


def _clip(text: str, width: int = _WIDTH) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
