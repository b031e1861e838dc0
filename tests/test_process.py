"""The article unit of work: dedup, merging reports into events, alerts (monitor/process.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from monitor.pipeline.rules import Ruleset
from monitor.process import AlertPolicy, Processed, process_article
from monitor.records import Article
from monitor.store import Store
from monitor.store import events as event_store
from monitor.store import outbox as outbox_store

DAY = datetime(2024, 1, 28, 15, 0, tzinfo=UTC)
POLICY = AlertPolicy(webhooks=("ops",))


def _article(url: str, text: str, published: datetime | None = DAY, title: str = "") -> Article:
    return Article(
        url=url,
        title=title,
        text=text,
        published_at=published,
        published_source="feed",
        origin="page",
    )


def _process(
    store: Store,
    rules: Ruleset,
    article: Article,
    *,
    now: datetime = DAY,
    policy: AlertPolicy = POLICY,
) -> Processed:
    return process_article(article, store=store, rules=rules, now=now, policy=policy)


def _events(store: Store) -> list:  # type: ignore[type-arg]
    with store.begin() as conn:
        return event_store.list_events(conn)


def _alerts(store: Store) -> list[tuple[str, int]]:
    with store.begin() as conn:
        return [(a.kind, a.event_id) for a in outbox_store.list_alerts(conn)]


FIRST = (
    "A drone attack struck Tower 22, a US outpost in Jordan near the Syrian border, "
    "on Sunday, US officials said."
)
SECOND = (
    "Tower 22 in northeastern Jordan came under a one-way drone attack on Sunday, "
    "a US official told Reuters."
)
LATER = (
    "Three US soldiers were killed and 34 were injured in Sunday's drone attack on "
    "Tower 22 in Jordan, the Pentagon said. The Islamic Resistance in Iraq claimed "
    "responsibility for the attack."
)


def test_two_outlets_one_attack_give_one_event(store: Store, rules: Ruleset) -> None:
    """Reports of the same base and day from two outlets merge into one event, alerted once."""
    _process(store, rules, _article("https://a.example/1", FIRST))
    second = _process(store, rules, _article("https://b.example/2", SECOND))
    (event,) = _events(store)
    assert [s.url for s in event.sources] == ["https://a.example/1", "https://b.example/2"]
    assert second.created == ()
    assert second.updated == ()
    assert _alerts(store) == [("event.created", event.id)]


def test_later_report_with_casualties_updates_the_event(store: Store, rules: Ruleset) -> None:
    """A later report adding casualties and a claim updates the event and alerts event.updated."""
    _process(store, rules, _article("https://a.example/1", FIRST))
    later = _process(
        store,
        rules,
        _article("https://c.example/3", LATER, DAY + timedelta(hours=20)),
        now=DAY + timedelta(hours=20),
    )
    (event,) = _events(store)
    assert (event.killed, event.injured, event.outcome.value) == (3, 34, "casualties")
    assert event.claimed_by == "Islamic Resistance in Iraq"
    assert later.updated == (event.id,)
    assert _alerts(store) == [("event.created", event.id), ("event.updated", event.id)]
    with store.begin() as conn:
        update = json.loads(outbox_store.list_alerts(conn)[-1].payload)
    assert update["type"] == "event.updated"
    assert update["event"]["killed"] == 3


def test_same_base_different_days_stay_two(store: Store, rules: Ruleset) -> None:
    """Two attacks on one base on different days are two events."""
    monday = "Two drones targeted Ain al-Asad air base on Monday, a security source said."
    tuesday = "Rockets struck Ain al-Asad air base on Tuesday, a security source said."
    _process(
        store,
        rules,
        _article("https://a.example/m", monday, datetime(2023, 10, 30, 12, tzinfo=UTC)),
    )
    _process(
        store,
        rules,
        _article("https://a.example/t", tuesday, datetime(2023, 10, 31, 12, tzinfo=UTC)),
    )
    assert sorted(str(e.day) for e in _events(store)) == ["2023-10-30", "2023-10-31"]


def test_undated_report_joins_a_recent_event_of_its_base(store: Store, rules: Ruleset) -> None:
    """A report that fixes no day joins the one recent event of its base it does not contradict."""
    _process(store, rules, _article("https://a.example/1", FIRST))
    vague = "A drone hit Tower 22 in Jordan, officials said."
    _process(store, rules, _article("https://d.example/4", vague, DAY + timedelta(days=1)))
    (event,) = _events(store)
    assert len(event.sources) == 2


def test_duplicate_url_and_text_are_rejected(store: Store, rules: Ruleset) -> None:
    """The same URL (tracking parameters aside) or the same text is not processed again."""
    _process(store, rules, _article("https://a.example/1", FIRST))
    again = _process(store, rules, _article("https://A.example/1?utm_source=rss", FIRST + " More."))
    copied = _process(store, rules, _article("https://mirror.example/x", FIRST.upper()))
    assert again.rejected is not None
    assert again.rejected.reason == "duplicate_url"
    assert copied.rejected is not None
    assert copied.rejected.reason == "duplicate_text"
    assert len(_alerts(store)) == 1


def test_old_article_records_event_without_alert(store: Store, rules: Ruleset) -> None:
    """An article older than max_article_age records its event but raises no alert."""
    policy = AlertPolicy(webhooks=("ops",), max_article_age_s=3600)
    _process(
        store,
        rules,
        _article("https://a.example/1", FIRST),
        now=DAY + timedelta(days=3),
        policy=policy,
    )
    assert len(_events(store)) == 1
    assert _alerts(store) == []


def test_outbox_rows_per_webhook(store: Store, rules: Ruleset) -> None:
    """Each alert gets one pending outbox row per configured webhook."""
    _process(
        store,
        rules,
        _article("https://a.example/1", FIRST),
        policy=AlertPolicy(webhooks=("ops", "slack")),
    )
    with store.begin() as conn:
        due = outbox_store.claim_due(conn, now=DAY)
    assert sorted(d.webhook for d in due) == ["ops", "slack"]
    assert len({d.dedupe_key for d in due}) == 1


def test_undated_report_then_dated_one_is_one_event(store: Store, rules: Ruleset) -> None:
    """A first report that fixes no day, then a dated one, are one attack: one created alert."""
    vague = "A drone attack struck Tower 22 in Jordan, US officials said."
    _process(store, rules, _article("https://a.example/v", vague))
    _process(store, rules, _article("https://b.example/d", FIRST, DAY + timedelta(hours=3)))
    (event,) = _events(store)
    assert str(event.day) == "2024-01-28"
    assert len(event.sources) == 2
    assert [kind for kind, _ in _alerts(store)] == ["event.created", "event.updated"]


def test_syndicated_copy_with_its_own_boilerplate_is_a_duplicate(
    store: Store, rules: Ruleset
) -> None:
    """A wire story republished with another outlet's header and footer adds nothing."""
    body = (
        "Two armed drones targeted Iraq's Ain al-Asad air base, which hosts US forces and other "
        "international forces in western Iraq, a security source and a government source told "
        "Reuters on Sunday morning.\n"
        "The attack in the early hours of Sunday did not cause casualties or damage, the sources "
        "said, and is the latest in a series of attacks on US troops in Iraq and Syria as "
        "tensions soar over the war in Gaza.\n"
        "A group called the Islamic Resistance in Iraq endorsed the attack in a statement on its "
        "Telegram channel, saying its fighters had hit their targets directly with the drones."
    )
    _process(store, rules, _article("https://wire.example/1", body))
    copy = _process(
        store,
        rules,
        _article(
            "https://mirror.example/2", "MIRROR NEWS | Home | World\n" + body + "\nShare this story"
        ),
    )
    assert copy.rejected is not None
    assert copy.rejected.reason == "syndicated_copy"
    (event,) = _events(store)
    assert len(event.sources) == 1


def test_undated_report_with_other_counts_joins_the_one_recent_event(
    store: Store, rules: Ruleset
) -> None:
    """Outlets count differently: an undated report of the one recent attack on its base joins
    it even when its munition count differs, and the larger count is kept."""
    dated = "Two drones targeted Harir air base on Sunday, officials said."
    other = "Five drones targeted Harir air base, officials said."
    _process(store, rules, _article("https://a.example/d", dated))
    _process(store, rules, _article("https://b.example/u", other, DAY + timedelta(hours=2)))
    (event,) = _events(store)
    assert (str(event.day), event.munitions_count, len(event.sources)) == ("2024-01-28", 5, 2)


def test_undated_report_picks_the_recent_event_its_count_agrees_with(
    store: Store, rules: Ruleset
) -> None:
    """With two recent attacks on its base, an undated report joins the one it agrees with."""
    first = "Two drones targeted Harir air base on Saturday, officials said."
    second = "Five rockets targeted Harir air base on Sunday, officials said."
    undated = "Five rockets targeted Harir air base, officials said."
    _process(store, rules, _article("https://a.example/1", first))
    _process(store, rules, _article("https://a.example/2", second))
    _process(store, rules, _article("https://b.example/u", undated, DAY + timedelta(hours=2)))
    by_day = {str(e.day): len(e.sources) for e in _events(store)}
    assert by_day == {"2024-01-27": 1, "2024-01-28": 2}


def test_two_reports_at_once_make_one_event(store: Store, rules: Ruleset) -> None:
    """Two workers recording two outlets' reports of one attack at the same moment make one
    event citing both: the database's unique event key decides, not the timing."""
    import threading

    barrier = threading.Barrier(2)
    results = []

    def record(url: str, text: str) -> None:
        barrier.wait()
        results.append(_process(store, rules, _article(url, text)))

    workers = [
        threading.Thread(target=record, args=("https://a.example/1", FIRST)),
        threading.Thread(target=record, args=("https://b.example/2", SECOND)),
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    (event,) = _events(store)
    assert len(event.sources) == 2
    assert sum(len(r.created) for r in results) == 1
    assert [kind for kind, _ in _alerts(store)] == ["event.created"]
