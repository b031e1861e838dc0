"""Accuracy gate: replaying labelled corpora must stay at or above the pinned floors.

The seed corpus lives in the project; the development sets are read from ../shared/corpus and the
test is skipped, saying so, where it is absent. Floors live in tests/corpus/floors.json.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.pipeline.rules import Ruleset
from monitor.pipeline.score import Score, gold_events, score_events
from monitor.process import AlertPolicy
from monitor.replay import replay
from monitor.store import Store
from monitor.store import events as event_store
from tests.conftest import ROOT, SEEDS, SEEDS_GOLD, SHARED

FLOORS = json.loads((ROOT / "tests" / "corpus" / "floors.json").read_text())
DEV = SHARED / "corpus" / "dev.jsonl"
DEV2 = SHARED / "corpus" / "dev2.jsonl"


def _score(store: Store, rules: Ruleset, corpus: Path, gold: Path) -> Score:
    replay(
        [corpus],
        store=store,
        rules=rules,
        policy=AlertPolicy(),
        now=datetime(2026, 1, 1, tzinfo=UTC),
    )
    with store.begin() as conn:
        events = event_store.list_events(conn)
    labels = [
        g
        for line in gold.read_text().splitlines()
        if line.strip()
        for g in gold_events(json.loads(line))
    ]
    return score_events(events, labels)


def _assert_floors(score: Score, floors: dict[str, float]) -> None:
    measured = {
        "precision": score.precision,
        "recall": score.recall,
        "f1": score.f1,
        **score.field_accuracy(),
    }
    below = {
        k: (round(v, 3), floors[k]) for k, v in measured.items() if k in floors and v < floors[k]
    }
    assert below == {}, f"below the floor (measured, floor): {below}"
    assert len(score.duplicates) <= floors["max_duplicates"]


def test_seed_corpus_stays_perfect(store: Store, rules: Ruleset) -> None:
    """The user's seed corpus scores 100% on every figure."""
    _assert_floors(_score(store, rules, SEEDS, SEEDS_GOLD), FLOORS["seeds"])


@pytest.mark.parametrize(("corpus", "name"), [(DEV, "dev"), (DEV2, "dev2")], ids=["dev", "dev2"])
def test_dev_corpus_stays_above_floors(
    store: Store, rules: Ruleset, corpus: Path, name: str
) -> None:
    """The labelled development sets stay at or above their pinned floors."""
    if not corpus.is_file():
        pytest.skip(f"development corpus not found at {corpus} (it lives outside the project)")
    _assert_floors(_score(store, rules, corpus, corpus), FLOORS[name])
