"""The SQL adapter: ``Store(engine)`` and query functions per aggregate.

The only package that imports SQLAlchemy. Every write of a unit of work happens inside one
``store.begin()`` transaction; foreign database errors become ``StoreError`` here, in one line
naming the database (its password masked) and the reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from urllib.parse import quote

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from monitor.errors import StoreError
from monitor.store._sql import first_line
from monitor.store.sqlite_file import (
    FileIdentity,
    file_identity,
    require_same_file,
    sole_daemon_lock,
    sqlite_path,
)
from monitor.urls import mask_database_url

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from alembic.config import Config
    from alembic.script import ScriptDirectory

__all__ = ["MIGRATIONS_DIR", "OpenMode", "Store", "Transaction", "open_store"]

# The transaction handle the store functions take; callers never use it directly.
Transaction = Connection

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"

# create: an SQLite file is created if missing (db upgrade, replay); write: it must exist (the
# daemon); read: it must exist and is opened read-only (every command that only reads).
OpenMode = Literal["create", "write", "read"]


class Store:
    """A database: transactions, health and schema version."""

    def __init__(self, engine: Engine, *, path: Path | None = None, name: str = "") -> None:
        self.engine = engine
        self.path = path  # the SQLite file, if the store is one
        # What error messages call the database: its URL as configured, secrets masked.
        self.name = name or mask_database_url(engine.url.render_as_string(hide_password=False))
        self._identity: FileIdentity | None = file_identity(path) if path else None

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """One transaction; committed when the block ends, rolled back if it raises."""
        with self._errors(), self.engine.begin() as conn:
            yield conn

    @contextmanager
    def _errors(self, doing: str = "") -> Iterator[None]:
        """Map every SQLAlchemy error to one ``StoreError`` line: database, step, reason."""
        try:
            yield
        except SQLAlchemyError as exc:
            reason = f"{type(exc).__name__}: {first_line(exc)}"
            raise StoreError(f"store: {self.name}: {doing}{reason}") from exc

    def is_single_process(self) -> bool:
        """Whether only one daemon may use this store (SQLite: one machine, one writer)."""
        return self.engine.dialect.name == "sqlite"

    def sole_daemon(self, *, started_at: datetime) -> AbstractContextManager[None]:
        """While the block runs, no other daemon may use this SQLite file (a second one is
        refused, naming this one); a PostgreSQL store is shared by replicas, so no lock."""
        if self.path is None:
            return nullcontext()
        return sole_daemon_lock(self.path, started_at=started_at)

    def require_same_file(self) -> None:
        """Raise if the SQLite file was deleted or replaced since the store was opened."""
        if self.path is not None and self._identity is not None:
            require_same_file(self.path, self._identity)

    def ping(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return False
        return True

    def upgrade(self) -> None:
        """Apply every migration up to head (``monitor db upgrade``)."""
        from alembic import command  # Alembic is only needed here: the CLI starts faster

        self._require_known(self.current_revision())
        with self._errors("upgrade failed: "), self.engine.begin() as conn:
            command.upgrade(_alembic_config(conn), "head")

    def create_if_empty(self) -> None:
        """Bring a brand-new, empty database to head; one with tables is left as it is
        (migrating a database in use is ``monitor db upgrade``'s job, done on purpose)."""
        with self._errors(), self.engine.connect() as conn:
            empty = not inspect(conn).get_table_names()
        if empty:
            self.upgrade()

    def current_revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        with self._errors("cannot read the schema version: "), self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def head_revision(self) -> str | None:
        return _scripts().get_current_head()

    def is_at_head(self) -> bool:
        return self.current_revision() == self.head_revision()

    def require_head(self) -> None:
        """Refuse to work on a database whose schema is not the current one."""
        current, head = self.current_revision(), self.head_revision()
        self._require_known(current)
        if current != head:
            raise StoreError(
                f"store: {self.name}: database schema is at {current or 'nothing'}, code needs "
                f"{head}; run `monitor db upgrade`"
            )

    def _require_known(self, revision: str | None) -> None:
        """Refuse a schema written by a newer release: no upgrade of this code can fix it."""
        from alembic.util import CommandError

        if revision is None:
            return
        try:
            _scripts().get_revision(revision)
        except CommandError:
            raise StoreError(
                f"store: {self.name}: database schema is at {revision}, which this release "
                "does not know (a newer one migrated it); run that release or a later one"
            ) from None


def open_store(url: str, *, mode: OpenMode = "create") -> Store:
    """A Store on an SQLAlchemy URL (see ``OpenMode``; only ``create`` makes an SQLite file)."""
    name = mask_database_url(url)
    try:
        engine, path = _engine(url, mode)
    except (SQLAlchemyError, ImportError, OSError, ValueError) as exc:
        raise StoreError(f"store: {name}: cannot open: {first_line(exc)}") from exc
    return Store(engine, path=path, name=name)


def _engine(url: str, mode: OpenMode) -> tuple[Engine, Path | None]:
    parsed = make_url(url)
    path = sqlite_path(parsed)
    if path is not None and mode != "create" and not path.exists():
        raise StoreError(f"store: no database at {path}; run `monitor db upgrade` to create it")
    if path is not None and mode == "create":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()  # an empty file is an empty SQLite database; its identity is known now
    if path is not None and mode == "read":
        parsed = parsed.set(
            database=f"file:{quote(str(path))}", query={**parsed.query, "mode": "ro", "uri": "true"}
        )
    engine = create_engine(parsed, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        reads_only = mode == "read"
        event.listen(engine, "connect", _sqlite_read_pragmas if reads_only else _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin if reads_only else _sqlite_begin_immediate)
    return engine, path


def _sqlite_pragmas(dbapi_connection: object, record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
    _sqlite_read_pragmas(dbapi_connection, record)


def _sqlite_read_pragmas(dbapi_connection: object, _record: object) -> None:
    """What a read-only connection sets too (it cannot change the journal mode)."""
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
    # SQLAlchemy's documented recipe: let it emit BEGIN itself (see _sqlite_begin_immediate).
    dbapi_connection.isolation_level = None  # type: ignore[attr-defined]


def _sqlite_begin(conn: Connection) -> None:
    """A reader's transaction: it takes no write lock, so it never holds up the daemon."""
    conn.exec_driver_sql("BEGIN")


def _sqlite_begin_immediate(conn: Connection) -> None:
    """Take SQLite's write lock when a transaction begins. A transaction that reads and then
    writes would otherwise fail at once ("database is locked", which no busy timeout waits
    out) whenever another thread wrote in between; this way it waits its turn."""
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def _scripts() -> ScriptDirectory:
    """The migrations this release ships."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config(None))


def _alembic_config(conn: Connection | None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if conn is not None:
        config.attributes["connection"] = conn
    return config
