"""Dialect helpers shared by the store modules."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Connection, Table, update
from sqlalchemy.dialects import postgresql, sqlite


def insert_ignore(conn: Connection, table: Table, values: dict[str, Any]) -> int | None:
    """INSERT … ON CONFLICT DO NOTHING; the new row's id, or None when a unique key existed."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(table).values(**values).on_conflict_do_nothing().returning(table.c.id)
    )
    row = conn.execute(statement).first()
    return None if row is None else int(row[0])


def insert_ignore_pk(
    conn: Connection, table: Table, values: dict[str, Any] | list[dict[str, Any]]
) -> bool:
    """INSERT … ON CONFLICT DO NOTHING for a table without an id column, of one row or many;
    whether it inserted any."""
    if not values:
        return False
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    result = conn.execute(dialect.insert(table).on_conflict_do_nothing(), values)
    return bool(result.rowcount)


def release_pending_leases(
    conn: Connection, table: Table, *, now: datetime, replica: str | None
) -> int:
    """Make a queue table's leased pending rows due now: every replica's (None) or one's."""
    held = table.c.leased_by.is_not(None) if replica is None else table.c.leased_by == replica
    result = conn.execute(
        update(table)
        .where(table.c.status == "pending", table.c.next_attempt_at > now, held)
        .values(next_attempt_at=now, leased_by=None)
    )
    return int(result.rowcount)


def first_line(exc: BaseException) -> str:
    """The first line of a database error's own message (not SQLAlchemy's SQL dump)."""
    message = str(getattr(exc, "orig", None) or exc)
    return message.strip().splitlines()[0] if message.strip() else type(exc).__name__


def fits(column: Column[Any], value: str | None) -> bool:
    """Whether ``value`` fits a string column's length (PostgreSQL refuses longer ones; SQLite
    keeps them, so a test on SQLite alone would not see it)."""
    length = getattr(column.type, "length", None)
    return value is None or length is None or len(value) <= length
