"""The SQLite file under a store: where it is, whether it is still the same file, and the lock
that lets only one daemon use it.

SQLite serves one daemon: a second one on the same file would take over the first's leases and
send every alert twice. A PostgreSQL store has none of this (replicas share it by design).
"""

from __future__ import annotations

import fcntl
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import URL

from monitor.errors import StoreError

FileIdentity = tuple[int, int]  # (st_dev, st_ino): a file deleted or replaced gets another


def sqlite_path(url: URL) -> Path | None:
    """The file of an SQLite URL; None for other databases, memory and ``file:`` URIs."""
    database = url.database or ""
    if url.get_backend_name() != "sqlite" or database in {"", ":memory:"}:
        return None
    if database.startswith("file:") or url.query.get("uri"):
        return None  # SQLite's own URI syntax: its options are the user's to choose
    return Path(database).absolute()


def file_identity(path: Path) -> FileIdentity | None:
    """The file's identity, or None when there is no file at ``path``."""
    try:
        found = path.stat()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StoreError(f"store: cannot read {path}: {exc.strerror}") from exc
    return found.st_dev, found.st_ino


def require_same_file(path: Path, identity: FileIdentity) -> None:
    """Raise when the database file was deleted or replaced since it was opened: writes would
    go on into a file no one can see, and the next command would find another one."""
    now = file_identity(path)
    if now is None:
        raise StoreError(f"store: the database file {path} was deleted while in use")
    if now != identity:
        raise StoreError(f"store: the database file {path} was replaced while in use")


@contextmanager
def sole_daemon_lock(path: Path, *, started_at: datetime) -> Iterator[None]:
    """Hold an exclusive lock on ``DB.lock`` beside the database while the block runs.

    The kernel releases the lock when the process ends however it ends, so a killed daemon
    never leaves a stale one. The file names the holder for the refusal message. It sits beside
    the file the path leads to, symbolic links followed: a daemon given a link to the database
    takes the same lock as one given the file itself.
    """
    real = path.resolve()
    lock_path = real.with_name(real.name + ".lock")
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        raise StoreError(f"store: cannot open the lock file {lock_path}: {exc.strerror}") from exc
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 512, 0).decode("utf-8", "replace").strip() or "holder unknown"
            raise StoreError(
                f"store: {path} is in use by another daemon ({holder}); SQLite serves one "
                "daemon (run replicas on PostgreSQL)"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, _holder(started_at).encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)  # nobody holds it now
    finally:
        os.close(fd)  # releases the lock


def _holder(started_at: datetime) -> str:
    """Who holds the lock, in the words of the message that refuses a second daemon."""
    return f"pid {os.getpid()} on {socket.gethostname()}, started {started_at:%Y-%m-%d %H:%M:%S %Z}"
