"""SQLite persistence of log groups, log streams and their events.

One database, ``logs.db`` in the engine's directory. Events are rows in arrival order (their
``id``, which also makes ``GetLogEvents``' tokens and ``FilterLogEvents``' event ids), indexed by
stream and time and by group and time. A stream's summary (first and last event times, last
ingestion, stored bytes) is kept on its row, updated in the transaction that appends events.
Deleting a group deletes its streams, events and tags (``ON DELETE CASCADE``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from lakehose.storage import Migration

_SCHEMA = """
CREATE TABLE groups (
    name TEXT PRIMARY KEY,
    created_ms INTEGER NOT NULL,
    retention_days INTEGER,
    kms_key_id TEXT,
    log_group_class TEXT NOT NULL DEFAULT 'STANDARD'
);
CREATE TABLE streams (
    log_group TEXT NOT NULL REFERENCES groups(name) ON DELETE CASCADE,
    name TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    first_event_ms INTEGER,
    last_event_ms INTEGER,
    last_ingestion_ms INTEGER,
    stored_bytes INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (log_group, name)
);
CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    log_group TEXT NOT NULL,
    stream TEXT NOT NULL,
    timestamp INTEGER NOT NULL,
    ingestion INTEGER NOT NULL,
    message TEXT NOT NULL,
    FOREIGN KEY (log_group, stream) REFERENCES streams(log_group, name) ON DELETE CASCADE
);
CREATE INDEX events_by_stream ON events (log_group, stream, id);
CREATE INDEX events_by_time ON events (log_group, timestamp, id);
CREATE TABLE tags (
    log_group TEXT NOT NULL REFERENCES groups(name) ON DELETE CASCADE,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (log_group, key)
);
"""

MIGRATIONS = (Migration(1, _SCHEMA),)


@dataclass(frozen=True)
class Group:
    name: str
    created_ms: int
    retention_days: int | None
    kms_key_id: str | None
    log_group_class: str
    stored_bytes: int = 0


@dataclass(frozen=True)
class Stream:
    log_group: str
    name: str
    created_ms: int
    first_event_ms: int | None
    last_event_ms: int | None
    last_ingestion_ms: int | None
    stored_bytes: int


@dataclass(frozen=True)
class Event:
    id: int
    stream: str
    timestamp: int
    ingestion: int
    message: str


def _group(row: sqlite3.Row) -> Group:
    return Group(
        row["name"],
        row["created_ms"],
        row["retention_days"],
        row["kms_key_id"],
        row["log_group_class"],
        row["stored"] or 0,
    )


_GROUP_SELECT = (
    "SELECT g.*, (SELECT SUM(stored_bytes) FROM streams s WHERE s.log_group = g.name) AS stored "
    "FROM groups g"
)


def get_group(connection: sqlite3.Connection, name: str) -> Group | None:
    row = connection.execute(f"{_GROUP_SELECT} WHERE g.name = ?", (name,)).fetchone()
    return _group(row) if row else None


def insert_group(
    connection: sqlite3.Connection,
    name: str,
    created_ms: int,
    kms_key_id: str | None,
    log_group_class: str,
) -> bool:
    cursor = connection.execute(
        "INSERT OR IGNORE INTO groups (name, created_ms, kms_key_id, log_group_class) "
        "VALUES (?, ?, ?, ?)",
        (name, created_ms, kms_key_id, log_group_class),
    )
    return cursor.rowcount == 1


def delete_group(connection: sqlite3.Connection, name: str) -> bool:
    connection.execute("DELETE FROM events WHERE log_group = ?", (name,))
    return connection.execute("DELETE FROM groups WHERE name = ?", (name,)).rowcount == 1


def groups_after(
    connection: sqlite3.Connection, after: str, prefix: str, limit: int
) -> list[Group]:
    """Up to ``limit`` groups named after ``after`` and not before ``prefix``, by name."""
    rows = connection.execute(
        f"{_GROUP_SELECT} WHERE g.name > ? AND g.name >= ? ORDER BY g.name LIMIT ?",
        (after, prefix, limit),
    )
    return [_group(row) for row in rows]


def groups_with_retention(connection: sqlite3.Connection) -> list[Group]:
    rows = connection.execute(f"{_GROUP_SELECT} WHERE g.retention_days IS NOT NULL")
    return [_group(row) for row in rows]


def set_retention(connection: sqlite3.Connection, name: str, days: int | None) -> None:
    connection.execute("UPDATE groups SET retention_days = ? WHERE name = ?", (days, name))


def _stream(row: sqlite3.Row) -> Stream:
    return Stream(
        row["log_group"],
        row["name"],
        row["created_ms"],
        row["first_event_ms"],
        row["last_event_ms"],
        row["last_ingestion_ms"],
        row["stored_bytes"],
    )


def get_stream(connection: sqlite3.Connection, group: str, name: str) -> Stream | None:
    row = connection.execute(
        "SELECT * FROM streams WHERE log_group = ? AND name = ?", (group, name)
    ).fetchone()
    return _stream(row) if row else None


def insert_stream(connection: sqlite3.Connection, group: str, name: str, created_ms: int) -> bool:
    cursor = connection.execute(
        "INSERT OR IGNORE INTO streams (log_group, name, created_ms) VALUES (?, ?, ?)",
        (group, name, created_ms),
    )
    return cursor.rowcount == 1


def delete_stream(connection: sqlite3.Connection, group: str, name: str) -> bool:
    connection.execute("DELETE FROM events WHERE log_group = ? AND stream = ?", (group, name))
    cursor = connection.execute(
        "DELETE FROM streams WHERE log_group = ? AND name = ?", (group, name)
    )
    return cursor.rowcount == 1


def streams(connection: sqlite3.Connection, group: str) -> list[Stream]:
    rows = connection.execute("SELECT * FROM streams WHERE log_group = ? ORDER BY name", (group,))
    return [_stream(row) for row in rows]


def append(
    connection: sqlite3.Connection,
    group: str,
    stream: str,
    events: Sequence[tuple[int, str]],
    ingestion_ms: int,
) -> None:
    """Append ``(timestamp, message)`` events to a stream and update its summary."""
    connection.executemany(
        "INSERT INTO events (log_group, stream, timestamp, ingestion, message) "
        "VALUES (?, ?, ?, ?, ?)",
        [(group, stream, timestamp, ingestion_ms, message) for timestamp, message in events],
    )
    stored = sum(len(message.encode()) for _, message in events)
    connection.execute(
        "UPDATE streams SET "
        "first_event_ms = MIN(COALESCE(first_event_ms, ?), ?), "
        "last_event_ms = MAX(COALESCE(last_event_ms, ?), ?), "
        "last_ingestion_ms = ?, stored_bytes = stored_bytes + ? "
        "WHERE log_group = ? AND name = ?",
        (
            min(t for t, _ in events),
            min(t for t, _ in events),
            max(t for t, _ in events),
            max(t for t, _ in events),
            ingestion_ms,
            stored,
            group,
            stream,
        ),
    )


def _event(row: sqlite3.Row) -> Event:
    return Event(row["id"], row["stream"], row["timestamp"], row["ingestion"], row["message"])


def stream_events(
    connection: sqlite3.Connection,
    group: str,
    stream: str,
    *,
    start: int,
    end: int,
    after_id: int | None,
    before_id: int | None,
    limit: int,
    newest_first: bool,
) -> list[Event]:
    """Events of one stream with ``start <= timestamp < end`` by arrival, ``limit`` at most."""
    clauses = ["log_group = ?", "stream = ?", "timestamp >= ?", "timestamp < ?"]
    values: list[object] = [group, stream, start, end]
    if after_id is not None:
        clauses.append("id > ?")
        values.append(after_id)
    if before_id is not None:
        clauses.append("id < ?")
        values.append(before_id)
    order = "DESC" if newest_first else "ASC"
    rows = connection.execute(
        f"SELECT * FROM events WHERE {' AND '.join(clauses)} ORDER BY id {order} LIMIT ?",
        (*values, limit),
    )
    found = [_event(row) for row in rows]
    return found[::-1] if newest_first else found


def group_events(
    connection: sqlite3.Connection,
    group: str,
    *,
    start: int,
    end: int,
    after: tuple[int, int] | None,
    limit: int,
) -> list[Event]:
    """Events of a group with ``start <= timestamp <= end``, by time then arrival, after the
    ``(timestamp, id)`` position ``after``."""
    if after is None:
        rows = connection.execute(
            "SELECT * FROM events WHERE log_group = ? AND timestamp >= ? AND timestamp <= ? "
            "ORDER BY timestamp, id LIMIT ?",
            (group, start, end, limit),
        )
    else:
        rows = connection.execute(
            "SELECT * FROM events WHERE log_group = ? AND timestamp <= ? "
            "AND (timestamp > ? OR (timestamp = ? AND id > ?)) AND timestamp >= ? "
            "ORDER BY timestamp, id LIMIT ?",
            (group, end, after[0], after[0], after[1], start, limit),
        )
    return [_event(row) for row in rows]


def expire(connection: sqlite3.Connection, group: str, before_ms: int) -> None:
    connection.execute(
        "DELETE FROM events WHERE log_group = ? AND timestamp < ?", (group, before_ms)
    )
