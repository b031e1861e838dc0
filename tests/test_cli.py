"""The command line (monitor/cli.py), through click's CliRunner."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from monitor.cli import cli
from tests.conftest import SEEDS


def _run(config: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--config", str(config), "--log-level", "error", *args])
    return result.exit_code, result.stdout, result.stderr


def test_replay_then_events_in_every_format(config: Path) -> None:
    """replay fills the store; events lists the same events as table, jsonl and csv."""
    code, out, _ = _run(config, "replay", str(SEEDS))
    assert code == 0
    assert "12 events created" in out
    code, jsonl, _ = _run(config, "events", "--format", "jsonl", "--tracked-only")
    rows = [json.loads(line) for line in jsonl.splitlines()]
    assert len(rows) == 10
    assert all(r["tracked"] and r["base"] and r["sources"] for r in rows)
    _, table, _ = _run(config, "events")
    assert table.strip().endswith("12 events")
    _, text, _ = _run(config, "events", "--format", "csv", "--base", "ain-al-asad")
    records = list(csv.DictReader(io.StringIO(text)))
    assert {r["base"] for r in records} == {"ain-al-asad"}
    assert len(records) == 5


def test_alerts_list_shows_recorded_alerts(config: Path) -> None:
    """After a replay, alerts list shows one recorded alert per event and no deliveries."""
    _run(config, "replay", str(SEEDS))
    code, out, _ = _run(config, "alerts", "list")
    assert code == 0
    assert "12 alerts; deliveries: none" in out


def test_db_upgrade_and_current(config: Path) -> None:
    """db upgrade brings the store to head, and db current says so."""
    code, out, _ = _run(config, "db", "upgrade")
    assert code == 0
    assert out.startswith("database at revision ")
    _, current, _ = _run(config, "db", "current")
    revision = out.split()[-1]
    assert current.strip() == f"database: {revision}; code: {revision}"


def test_events_on_a_fresh_database_asks_for_upgrade(config: Path) -> None:
    """Reading a database that was never upgraded says which command fixes it, in one line."""
    code, _, err = _run(config, "events")
    assert code == 1
    assert "monitor db upgrade" in err
    assert "Traceback" not in err


def test_config_show_masks_secrets(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """config show prints the settings with webhook secrets and database passwords masked."""
    text = config.read_text().replace(
        "  webhooks: []",
        "  webhooks:\n    - url: https://hooks.example/x\n      secret: ${HOOK_SECRET}",
    )
    config.write_text(text)
    monkeypatch.setenv("HOOK_SECRET", "whsec_dmVyeS1zZWNyZXQtdmFsdWUtb2YtMjQtYnl0ZXM=")
    monkeypatch.setenv("MONITOR_DATABASE_URL", "postgresql+psycopg://u:dbpassword@h/db")
    code, out, _ = _run(config, "config", "show")
    assert code == 0
    assert "dmVyeS1zZWNyZXQtdmFsdWU" not in out
    assert "dbpassword" not in out
    assert json.loads(out)["alerts"]["webhooks"][0]["secret"] == "********"


def test_config_show_refuses_what_run_refuses(config: Path) -> None:
    """An alias with letters that the gazetteer cannot match (no Latin letter or digit once
    folded) fails config show as it fails run: one line naming the base."""
    config.write_text(config.read_text().replace("      - Tower 22\n", "      - عين الأسد\n"))
    code, _, err = _run(config, "config", "show")
    assert code == 1
    assert "base tower-22: alias 'عين الأسد' has no letters or digits" in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["replay", "/no/such/corpus"], "no such file or directory"),
        (["events", "--format", "xml"], "Invalid value for '--format'"),
    ],
    ids=["missing-corpus", "bad-format"],
)
def test_bad_arguments_give_one_line(config: Path, args: list[str], message: str) -> None:
    """Bad arguments and paths are one clear line on stderr, never a traceback."""
    code, _, err = _run(config, *args)
    assert code != 0
    assert message in err
    assert "Traceback" not in err


def test_invalid_config_is_one_line(tmp_path: Path) -> None:
    """A broken config file is reported as one line naming the key and line."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("feeds:\n  - url: https://a.example/\n    interval: soon\n")
    result = CliRunner().invoke(cli, ["--config", str(bad), "config", "show"])
    assert result.exit_code == 1
    assert "line 3: feeds[0].interval" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_alerts_test_sends_a_signed_sample(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """alerts test posts a signed monitor.test alert to the webhook and says it was delivered."""
    from tests.loopback import Site, serve

    with serve(Site()) as site:
        text = config.read_text().replace(
            "  webhooks: []",
            f"  webhooks:\n    - name: ops\n      url: {site.base_url}/hook\n"
            "      secret: ${HOOK_SECRET}",
        )
        config.write_text(text)
        monkeypatch.setenv("HOOK_SECRET", "whsec_" + "c2FtcGxlLXNlY3JldC1rZXktbWF0ZXJpYWwh")
        code, out, _ = _run(config, "alerts", "test")
    assert code == 0
    assert out.strip() == "ops: delivered, signed"
    (post,) = site.posts
    assert json.loads(post.body)["type"] == "monitor.test"
    assert post.headers["webhook-signature"].startswith("v1,")


def test_alerts_test_without_webhooks_is_one_line(config: Path) -> None:
    """alerts test with no webhook configured says what to configure."""
    code, _, err = _run(config, "alerts", "test")
    assert code == 1
    assert "no webhooks configured" in err


def test_feeds_shows_health(config: Path) -> None:
    """feeds lists every configured feed once the daemon has synced them, with its status."""
    from monitor.settings import load_settings
    from monitor.store import feeds as feed_store
    from monitor.store import open_store

    _run(config, "db", "upgrade")
    settings = load_settings(config, {})
    store = open_store(settings.database_url)
    with store.begin() as conn:
        feed_store.sync_feeds(
            conn,
            [(f.url, f.name, f.interval_s) for f in settings.feeds],
            now=datetime(2024, 1, 1, tzinfo=UTC),
        )
        first = feed_store.list_feeds(conn)[0]
        feed_store.record_failure(
            conn,
            first.id,
            error="http: timed out",
            now=datetime(2024, 1, 1, tzinfo=UTC),
            retry_after_s=60,
        )
    code, out, _ = _run(config, "feeds")
    assert code == 0
    assert f"{len(settings.feeds)} feeds, 1 failing" in out
    assert "failing x1" in out
    assert "http: timed out" in out


def test_backtest_scores_the_seeds(config: Path) -> None:
    """backtest --json on the seeds gives the documented figures, all perfect."""
    code, out, _ = _run(
        config, "backtest", str(SEEDS), "--gold", str(SEEDS.parent / "seeds.gold.jsonl"), "--json"
    )
    assert code == 0
    figures = json.loads(out)
    assert (figures["precision"], figures["recall"], figures["f1"]) == (1.0, 1.0, 1.0)
    assert figures["duplicates"] == 0
    assert set(figures["field_accuracy"]) == {
        "day",
        "weapons",
        "munitions_count",
        "claimed_by",
        "outcome",
    }
    assert figures["missed_events"] == figures["false_events"] == []


def test_backtest_lists_misses_with_evidence(config: Path, tmp_path: Path) -> None:
    """A gold event nobody found is a miss; an unlabelled event is false, with its evidence."""
    corpus = tmp_path / "c.jsonl"
    corpus.write_text(
        json.dumps(
            {
                "id": "X1",
                "url": "https://news.example/x1",
                "published": "2024-01-29",
                "text": "Rockets hit Harir air base on Monday, officials said.",
                "events": [{"base": "tower-22", "date": "2024-01-28"}],
            }
        )
        + "\n"
    )
    code, out, _ = _run(config, "backtest", str(corpus), "--gold", str(corpus))
    assert code == 0
    assert "MISS       X1  tower-22 2024-01-28" in out
    assert "FALSE      event 1 harir 2024-01-29" in out
    assert "evidence: Rockets hit Harir air base on Monday" in out
    assert f"explain: monitor explain {corpus} --record https://news.example/x1 --base harir" in out


def test_explain_shows_names_candidates_masks_and_events(config: Path, tmp_path: Path) -> None:
    """explain: how each name resolved, the attack words, the mask that removed a candidate."""
    page = tmp_path / "story.txt"
    page.write_text(
        "Two drones struck the Tal Beidar base on Monday, a war monitor said. "
        "Officials denied reports of a rocket attack on the Harir base."
    )
    code, out, _ = _run(config, "explain", str(page))
    assert code == 0
    assert '"Tal Beidar base" -> tal-baydar (variant of "Tal Baydar base")' in out
    assert 'attack words: "struck"' in out
    assert "candidate harir: removed by denial: A denial of reports" in out
    assert "events: 1" in out
    assert "tal-baydar undated" in out
    code, out, _ = _run(config, "explain", str(page), "--base", "harir")
    assert "tal-baydar" not in out
    assert "events: 0" in out


def test_explain_picks_one_record_of_a_corpus(config: Path, tmp_path: Path) -> None:
    """In a corpus of several articles, --record picks one by URL; without it, a clear error."""
    corpus = tmp_path / "c.jsonl"
    rows = [
        {"url": f"https://news.example/{n}", "published": "2024-01-29", "text": text}
        for n, text in enumerate(["Rockets hit Harir air base on Monday.", "A quiet day."])
    ]
    corpus.write_text("".join(json.dumps(r) + "\n" for r in rows))
    code, out, _ = _run(config, "explain", str(corpus), "--record", "https://news.example/0")
    assert code == 0
    assert "harir 2024-01-29" in out
    code, _, err = _run(config, "explain", str(corpus))
    assert code != 0
    assert "2 articles" in err
    assert "--record" in err
    code, _, err = _run(config, "explain", str(corpus), "--record", "https://news.example/9")
    assert code != 0
    assert "no article" in err
    code, _, err = _run(config, "explain", str(corpus), "--base", "nowhere", "--record", "x")
    assert code != 0
    assert "nowhere" in err


def test_backtest_names_a_bad_gold_line(config: Path, tmp_path: Path) -> None:
    """A broken gold file is one line naming its file and line."""
    gold = tmp_path / "gold.jsonl"
    gold.write_text('{"events": [{"base": "harir", "date": "yesterday"}]}\n')
    code, _, err = _run(config, "backtest", str(SEEDS), "--gold", str(gold))
    assert code == 1
    assert f"{gold}:1" in err


def test_health_reports_stalled_polling_then_ok(config: Path) -> None:
    """health exits 1 naming the stall while feeds are overdue, and 0 once they were polled."""
    from monitor.settings import load_settings
    from monitor.store import feeds as feed_store
    from monitor.store import open_store

    _run(config, "db", "upgrade")
    settings = load_settings(config, {})
    store = open_store(settings.database_url)
    long_ago = datetime(2024, 1, 1, tzinfo=UTC)
    with store.begin() as conn:
        feed_store.sync_feeds(
            conn, [(f.url, f.name, f.interval_s) for f in settings.feeds], now=long_ago
        )
    code, out, _ = _run(config, "health")
    assert code == 1
    assert out.startswith("unhealthy: polling stalled")
    now = datetime.now(UTC)
    with store.begin() as conn:
        for feed in feed_store.list_feeds(conn):
            feed_store.record_success(
                conn, feed.id, etag=None, last_modified=None, now=now, interval_s=feed.interval_s
            )
    code, out, _ = _run(config, "health", "--json")
    assert code == 0
    assert json.loads(out)["healthy"] is True


def test_events_as_geojson(config: Path) -> None:
    """events --format geojson gives one Point per tracked event, [lon, lat], with its facts."""
    _run(config, "replay", str(SEEDS))
    code, out, _ = _run(config, "events", "--format", "geojson")
    assert code == 0
    collection = json.loads(out)
    assert collection["type"] == "FeatureCollection"
    assert len(collection["features"]) == 10
    harir = next(f for f in collection["features"] if f["properties"]["base"] == "harir")
    assert harir["geometry"]["type"] == "Point"
    lon, lat = harir["geometry"]["coordinates"]
    assert 43 < lon < 45
    assert 36 < lat < 37
    assert "location" not in harir["properties"]


def test_replay_shows_progress_when_asked(config: Path) -> None:
    """--progress draws the reading bar (tasks done, pages/s, relevant pages) and the replaying
    bar (events) on stderr."""
    code, out, err = _run(config, "replay", "--progress", "--workers", "1", str(SEEDS))
    assert code == 0
    assert "12 events created" in out
    assert "preparing 1 task in this process" in err
    assert "reading" in err
    assert "pages/s" in err
    assert "relevant" in err
    assert "replaying" in err
    assert "12 events" in err
    _, _, quiet = _run(config, "replay", "--workers", "1", str(SEEDS))
    assert "pages/s" not in quiet  # not a terminal, not asked: no bars


def test_backtest_report_without_gold(config: Path, tmp_path: Path) -> None:
    """Without gold labels the report has no figures but every event, base and its timing;
    --json, which prints the figures, asks for --gold."""
    page, data = tmp_path / "r.html", tmp_path / "r.json"
    code, out, _ = _run(
        config, "backtest", str(SEEDS), "--html", str(page), "--report-json", str(data)
    )
    assert code == 0
    assert f"wrote {page}" in out
    report = json.loads(data.read_text())
    assert report["figures"] is None
    assert len(report["events"]) == 12
    assert sum(base["attacks"] for base in report["bases"]) == 10
    assert report["alert_timing"]["alerted"] == 12
    assert "<svg" in page.read_text()
    code, _, err = _run(config, "backtest", str(SEEDS), "--json")
    assert code == 2
    assert "--gold" in err


def test_explain_fetches_a_page_over_http(config: Path) -> None:
    """explain URL fetches the page (a real loopback server) and reads it as the daemon does."""
    from tests.loopback import Site, serve

    page = (
        "<html><head><title>Drones hit Harir air base</title><meta property="
        "'article:published_time' content='2024-01-29T10:00:00Z'></head><body><article>"
        "<h1>Drones hit Harir air base</h1><p>Two drones struck the Harir air base north of "
        "Erbil on Monday, officials said, causing no damage or casualties.</p></article>"
        "</body></html>"
    )
    with serve(Site()) as site:
        site.put("/story", "text/html; charset=utf-8", page)
        code, out, _ = _run(config, "explain", f"{site.base_url}/story")
    assert code == 0
    assert "published 2024-01-29" in out
    assert "harir 2024-01-29" in out
    assert "outcome no_damage" in out


def _attacks(path: Path, count: int) -> Path:
    """A JSON Lines corpus of ``count`` attacks on one base, two days apart: one alert each."""
    lines = []
    for i in range(count):
        day = datetime(2024, 1, 1, 12, tzinfo=UTC) + timedelta(days=2 * i)
        text = (
            f"A drone attacked Ain al-Asad air base in western Iraq on {day:%A}, US officials "
            f"said. Officials have counted {i + 3} such incidents at sites in the region."
        )
        record = {"url": f"https://news.example/{i}", "published": day.isoformat(), "text": text}
        lines.append(json.dumps({**record, "title": f"Attack {i}"}))
    path.write_text("\n".join(lines) + "\n")
    return path


def _with_webhook(config: Path, url: str) -> None:
    """Send the config's alerts to ``url``, retrying a failure after 1 s."""
    config.write_text(
        config.read_text().replace(
            "  webhooks: []",
            f"  webhooks:\n    - name: ops\n      url: {url}\n  retry: {{initial: 1, max: 2}}",
        )
    )


def test_replay_sends_every_alert_in_order_after_a_failed_first_attempt(
    config: Path, tmp_path: Path
) -> None:
    """replay --send-alerts delivers all 60 alerts (more than one batch) in order of detection,
    retrying the refused first attempt, and counts 60 sent in 61 attempts, 1 failed."""
    from tests.loopback import Site, serve

    corpus = _attacks(tmp_path / "attacks.jsonl", 60)
    with serve(Site(refuse_first_posts=1)) as site:
        _with_webhook(config, f"{site.base_url}/hook")
        code, out, _ = _run(config, "replay", "--send-alerts", "--workers", "1", str(corpus))
    assert code == 0, out
    assert "deliveries: 60 sent in 61 attempts (1 failed)" in out
    assert "nothing left pending" in out
    accepted = [json.loads(post.body)["event"] for post in site.accepted()]
    assert [event["id"] for event in accepted] == sorted(event["id"] for event in accepted)
    assert len({post.headers["webhook-id"] for post in site.accepted()}) == 60
    assert site.posts[0].headers["webhook-id"] == site.posts[1].headers["webhook-id"]
    _, listed, _ = _run(config, "alerts", "list")
    assert "deliveries: sent 60" in listed


def test_replay_names_what_it_leaves_pending(config: Path, tmp_path: Path) -> None:
    """With an endpoint that refuses everything and no wait for retries, replay says how many
    deliveries are left, when the next try is and the endpoint's answer."""
    from tests.loopback import Site, serve

    corpus = _attacks(tmp_path / "attacks.jsonl", 3)
    with serve(Site(refuse_posts_until=float("inf"))) as site:
        _with_webhook(config, f"{site.base_url}/hook")
        code, out, _ = _run(
            config, "replay", "--send-alerts", "--retry-for", "0", "--workers", "1", str(corpus)
        )
    assert code == 0, out
    assert len(site.posts) == 1  # the others wait behind the first, in order
    assert "deliveries: 0 sent in 1 attempts (1 failed)" in out
    assert "left pending: ops: 3 (next try " in out
    assert "deliver: endpoint answered 503); `monitor run` delivers them" in out


# Every command that opens the database, with arguments that get it that far. A new command
# must be added here or to NO_DATABASE: test_every_command_is_classified says so.
DATABASE_COMMANDS = {
    "run": ["run", "--once"],
    "replay": ["replay", str(SEEDS)],
    "events": ["events"],
    "alerts list": ["alerts", "list"],
    "health": ["health"],
    "feeds": ["feeds"],
    "db upgrade": ["db", "upgrade"],
    "db current": ["db", "current"],
}
NO_DATABASE = {"backtest", "explain", "alerts test", "config show"}
# The commands that only read: they must never create a database, nor write to one.
READING_COMMANDS = ["events", "alerts list", "health", "feeds", "db current"]


def _leaf_commands(group: click.Group, prefix: str = "") -> set[str]:
    found: set[str] = set()
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found |= _leaf_commands(command, f"{prefix}{name} ")
        else:
            found.add(f"{prefix}{name}")
    return found


def test_every_command_is_classified() -> None:
    """Each command is listed as using the database or not, so the tests below cover it."""
    assert _leaf_commands(cli) == set(DATABASE_COMMANDS) | NO_DATABASE


UNREACHABLE = "postgresql+psycopg://monitor:hunter2@127.0.0.1:1/monitor"


@pytest.mark.parametrize("command", sorted(DATABASE_COMMANDS), ids=str)
def test_unreachable_database_is_one_line(
    config: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    """A database that does not answer is one line naming it (password masked) and why."""
    monkeypatch.setenv("MONITOR_DATABASE_URL", UNREACHABLE)
    result = CliRunner().invoke(
        cli, ["--config", str(config), "--log-level", "error", *DATABASE_COMMANDS[command]]
    )
    assert type(result.exception) is SystemExit, result.exception  # not an uncaught error
    assert result.exit_code == 1
    (line,) = result.stderr.splitlines()
    assert "postgresql+psycopg://monitor:********@127.0.0.1:1/monitor" in line
    assert "Connection refused" in line
    assert "hunter2" not in result.output


@pytest.mark.parametrize("command", [*READING_COMMANDS, "run"], ids=str)
def test_missing_database_is_never_created(config: Path, tmp_path: Path, command: str) -> None:
    """Reading commands and the daemon on a missing SQLite file say so and create nothing
    (an empty database made here would pass for the real one)."""
    code, _, err = _run(config, *DATABASE_COMMANDS[command])
    assert code == 1
    assert err.strip() == (
        f"Error: store: no database at {tmp_path / 'm.db'}; run `monitor db upgrade` to create it"
    )
    assert list(tmp_path.iterdir()) == [config]


def test_reading_commands_open_the_database_read_only(config: Path) -> None:
    """Commands that only read leave the database file untouched, byte for byte."""
    subprocess.run(  # in a process of its own, which checkpoints and closes the file on exit
        [sys.executable, "-m", "monitor", "--config", str(config), "db", "upgrade"],
        check=True,
        capture_output=True,
    )
    database = config.parent / "m.db"
    before = database.read_bytes()
    for command in READING_COMMANDS:
        code, _, err = _run(config, *DATABASE_COMMANDS[command])
        assert code == 0, err
        assert database.read_bytes() == before, command


def _migrate_to(url: str, revision: str) -> None:
    """Bring a database to an older revision: a store left behind by an older release."""
    from alembic import command
    from alembic.config import Config

    from monitor.store import MIGRATIONS_DIR, open_store

    store = open_store(url)
    alembic = Config()
    alembic.set_main_option("script_location", str(MIGRATIONS_DIR))
    with store.engine.begin() as conn:
        alembic.attributes["connection"] = conn
        command.upgrade(alembic, revision)
    store.engine.dispose()


@pytest.mark.parametrize(
    "command", sorted(set(DATABASE_COMMANDS) - {"db upgrade", "db current"}), ids=str
)
def test_database_behind_the_migrations_is_refused(config: Path, command: str) -> None:
    """Every command but `db upgrade` and `db current` refuses a database an older release
    left behind, in one line saying how to upgrade it; none migrates it behind the
    operator's back (replay used to)."""
    from monitor.settings import load_settings

    url = load_settings(config, {}).database_url
    _migrate_to(url, "0003")
    code, _, err = _run(config, *DATABASE_COMMANDS[command])
    assert code == 1
    (line,) = err.splitlines()
    assert "database schema is at 0003" in line
    assert "run `monitor db upgrade`" in line
    _, current, _ = _run(config, "db", "current")
    assert current.startswith("database: 0003;")


@pytest.mark.parametrize("command", sorted(set(DATABASE_COMMANDS) - {"db current"}), ids=str)
def test_database_of_a_newer_release_is_refused(config: Path, command: str) -> None:
    """A schema this release does not know (a newer one migrated it) is refused in one line by
    every command, `db upgrade` included: no upgrade of this code can fix it."""
    import sqlite3

    _run(config, "db", "upgrade")
    with sqlite3.connect(config.parent / "m.db") as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    code, _, err = _run(config, *DATABASE_COMMANDS[command])
    assert code == 1
    (line,) = err.splitlines()
    assert "database schema is at 9999, which this release does not know" in line
