"""SQLite for engine state: WAL journaling, a busy timeout, and versioned schema migrations.

Every engine keeps its durable state in its own database file. ``open_database`` applies the
engine's migrations in order inside one transaction each, recording progress in
``PRAGMA user_version``; a database written by a newer lakehose (a higher version than the code
knows) is refused rather than misread. A database that is damaged (truncated, overwritten, pages
lost: SQLite's ``quick_check`` fails) is reported by its path and left untouched, never replaced
by an empty one.

WAL with ``synchronous=NORMAL`` makes a committed transaction survive the death of the process
(``kill -9``) because the WAL is in the kernel's page cache before ``COMMIT`` returns; ``FULL``
additionally survives power loss at the cost of an fsync per commit, and is available per database.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from lakehose.errors import StorageError

BUSY_TIMEOUT_MS = 10_000


@dataclass(frozen=True)
class Migration:
    """One schema step: ``version`` is the ``user_version`` after ``sql`` has run."""

    version: int
    sql: str


class Database:
    """A SQLite connection shared by an engine's threads, serialized by a lock.

    SQLite connections are not safe for concurrent use; engines are called from the gateway's
    worker threads and from background workers, so every use goes through ``transaction()`` or
    ``read()``, which hold the lock.
    """

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self._connection = connection
        self.path = path
        self._lock = threading.RLock()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (``BEGIN IMMEDIATE``) committed on success, rolled back on error."""
        with self._lock:
            connection = self._connection
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield connection
            except BaseException:
                connection.rollback()
                raise
            connection.commit()

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """The connection, for reads, under the lock."""
        with self._lock:
            yield self._connection

    def query(self, sql: str, parameters: Sequence[Any] = ()) -> list[sqlite3.Row]:
        with self.read() as connection:
            return list(connection.execute(sql, parameters))

    def close(self) -> None:
        with self._lock:
            self._connection.close()


def open_database(
    path: Path,
    migrations: Sequence[Migration],
    *,
    synchronous: Literal["NORMAL", "FULL"] = "NORMAL",
) -> Database:
    """Open (creating if needed) the database at ``path`` and bring its schema up to date."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        connection = sqlite3.connect(
            path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
        )
    except sqlite3.Error as error:
        raise StorageError(f"{path} cannot be opened: {error}") from None
    try:
        connection.row_factory = sqlite3.Row
        connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute(f"PRAGMA synchronous = {synchronous}")
        connection.execute("PRAGMA foreign_keys = ON")
        _check(connection, path)
        _migrate(connection, path, migrations)
    except sqlite3.DatabaseError as error:
        connection.close()
        raise StorageError(_damaged(path, str(error))) from None
    except BaseException:
        connection.close()
        raise
    return Database(connection, path)


def _check(connection: sqlite3.Connection, path: Path) -> None:
    """Refuse a damaged database before anything reads or writes it."""
    problems = [str(row[0]) for row in connection.execute("PRAGMA quick_check")]
    if problems != ["ok"]:
        raise StorageError(_damaged(path, "; ".join(problems[:3])))


def _damaged(path: Path, problem: str) -> str:
    return (
        f"{path} is damaged or not a lakehose database ({problem}). It was left as it is: "
        "restore it from a backup, or move it away to start that service without its data"
    )


def _migrate(connection: sqlite3.Connection, path: Path, migrations: Sequence[Migration]) -> None:
    versions = [m.version for m in migrations]
    if versions != sorted(set(versions)) or (versions and versions[0] < 1):
        raise ValueError("migrations must have distinct, increasing versions starting at 1 or more")
    current = int(connection.execute("PRAGMA user_version").fetchone()[0])
    latest = versions[-1] if versions else 0
    if current > latest:
        raise StorageError(
            f"{path} has schema version {current}, newer than this lakehose knows ({latest}); "
            "upgrade lakehose"
        )
    for migration in migrations:
        if migration.version <= current:
            continue
        connection.execute("BEGIN IMMEDIATE")
        try:
            for statement in _statements(migration.sql):
                connection.execute(statement)
            connection.execute(f"PRAGMA user_version = {migration.version}")
        except BaseException:
            connection.rollback()
            raise
        connection.commit()


def _statements(script: str) -> Iterator[str]:
    """Split a migration script into statements (``executescript`` would commit implicitly)."""
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                yield buffer.strip()
            buffer = ""
    if buffer.strip():
        raise ValueError(f"incomplete SQL statement in migration: {buffer.strip()[:80]}")
