"""The SQL adapter: ``Store(engine)`` and query functions per aggregate.

The only package that imports SQLAlchemy. Every write of a unit of work happens inside one
``store.begin()`` transaction; foreign database errors become ``StoreError`` here.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.exc import SQLAlchemyError

from monitor.errors import StoreError
from monitor.store._sql import first_line

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = ["MIGRATIONS_DIR", "Store", "Transaction", "open_store"]

# The transaction handle the store functions take; callers never use it directly.
Transaction = Connection

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"


class Store:
    """A database: transactions, health and schema version."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """One transaction; committed when the block ends, rolled back if it raises."""
        try:
            with self.engine.begin() as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise StoreError(f"store: {type(exc).__name__}: {first_line(exc)}") from exc

    def is_single_process(self) -> bool:
        """Whether only one daemon may use this store (SQLite: one machine, one writer)."""
        return self.engine.dialect.name == "sqlite"

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

        try:
            with self.engine.begin() as conn:
                config = _alembic_config(conn)
                command.upgrade(config, "head")
        except SQLAlchemyError as exc:
            raise StoreError(f"store: upgrade failed: {first_line(exc)}") from exc

    def current_revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def head_revision(self) -> str | None:
        from alembic.script import ScriptDirectory

        return ScriptDirectory.from_config(_alembic_config(None)).get_current_head()

    def is_at_head(self) -> bool:
        return self.current_revision() == self.head_revision()

    def require_head(self) -> None:
        """Refuse to work on a database whose schema is not the current one."""
        try:
            current, head = self.current_revision(), self.head_revision()
        except SQLAlchemyError as exc:
            raise StoreError(f"store: cannot read the schema version: {first_line(exc)}") from exc
        if current != head:
            raise StoreError(
                f"store: database schema is at {current or 'nothing'}, code needs {head}; "
                "run `monitor db upgrade`"
            )


def open_store(url: str) -> Store:
    """A Store on an SQLAlchemy URL; creates the directory of an SQLite file."""
    try:
        if url.startswith("sqlite:///") and not url.endswith(":memory:"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, pool_pre_ping=True)
    except (SQLAlchemyError, ImportError, OSError) as exc:
        raise StoreError(f"store: cannot open database: {first_line(exc)}") from exc
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin_immediate)
    return Store(engine)


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
    # SQLAlchemy's documented recipe: let it emit BEGIN itself (see _sqlite_begin_immediate).
    dbapi_connection.isolation_level = None  # type: ignore[attr-defined]


def _sqlite_begin_immediate(conn: Connection) -> None:
    """Take SQLite's write lock when a transaction begins. A transaction that reads and then
    writes would otherwise fail at once ("database is locked", which no busy timeout waits
    out) whenever another thread wrote in between; this way it waits its turn."""
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def _alembic_config(conn: Connection | None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if conn is not None:
        config.attributes["connection"] = conn
    return config
