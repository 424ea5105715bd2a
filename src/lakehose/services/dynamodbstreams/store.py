"""SQLite persistence of streams, their shards and their records.

One database, ``dynamodbstreams.db`` in the engine's directory.

- ``streams`` holds each stream as DynamoDB opened it (table, label, view type, key schema) and
  when it was disabled; a disabled stream stays until its last records expire.
- ``shards`` holds each shard's lineage and sequence-number range: ``end_seq`` is set when the
  shard closes, ``trimmed_seq`` is the highest sequence number the 24-hour retention removed
  (``start_seq - 1`` while nothing has been trimmed).
- ``records`` holds every record's bytes as DynamoDB rendered them (without ``SequenceNumber``,
  which is the row's key), with the item's partition key and the record's arrival time.
- ``settings`` holds the iterator signing key and the next sequence number (a counter that
  never goes back, whatever retention removes).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from lakehose.storage import Migration

_SCHEMA = """
CREATE TABLE streams (
    arn TEXT PRIMARY KEY,
    table_name TEXT NOT NULL,
    label TEXT NOT NULL,
    view_type TEXT NOT NULL,
    key_schema BLOB NOT NULL,
    created_ms INTEGER NOT NULL,
    disabled_ms INTEGER
);
CREATE TABLE shards (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    stream_arn TEXT NOT NULL,
    shard_id TEXT NOT NULL,
    parent_shard_id TEXT,
    start_seq INTEGER NOT NULL,
    end_seq INTEGER,
    created_ms INTEGER NOT NULL,
    closed_ms INTEGER,
    trimmed_seq INTEGER NOT NULL
);
CREATE UNIQUE INDEX shards_by_stream ON shards (stream_arn, shard_id);
CREATE TABLE records (
    seq INTEGER PRIMARY KEY,
    shard INTEGER NOT NULL,
    partition_key TEXT NOT NULL,
    arrival_ms INTEGER NOT NULL,
    data BLOB NOT NULL
);
CREATE INDEX records_by_shard ON records (shard, seq);
CREATE INDEX records_by_arrival ON records (arrival_ms);
CREATE TABLE settings (
    name TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
"""

MIGRATIONS = (Migration(1, _SCHEMA),)


@dataclass(frozen=True)
class StreamRow:
    arn: str
    table_name: str
    label: str
    view_type: str
    key_schema: list[dict[str, str]]
    created_ms: int
    disabled_ms: int | None


@dataclass(frozen=True)
class ShardRow:
    id: int
    stream_arn: str
    shard_id: str
    parent_shard_id: str | None
    start_seq: int
    end_seq: int | None
    created_ms: int
    closed_ms: int | None
    trimmed_seq: int

    @property
    def is_open(self) -> bool:
        return self.end_seq is None


@dataclass(frozen=True)
class RecordRow:
    seq: int
    partition_key: str
    arrival_ms: int
    data: bytes


# -- settings --------------------------------------------------------------------------------


def setting(connection: sqlite3.Connection, name: str) -> bytes | None:
    row = connection.execute("SELECT value FROM settings WHERE name = ?", (name,)).fetchone()
    return None if row is None else bytes(row[0])


def put_setting(connection: sqlite3.Connection, name: str, value: bytes) -> None:
    connection.execute("INSERT OR REPLACE INTO settings (name, value) VALUES (?, ?)", (name, value))


def next_sequence(connection: sqlite3.Connection) -> int:
    """The sequence number the next record (or the next shard's start) gets; not consumed."""
    stored = setting(connection, "next_seq")
    return int(stored) if stored is not None else 1


def consume_sequence(connection: sqlite3.Connection, count: int = 1) -> int:
    """Take ``count`` sequence numbers; returns the first."""
    first = next_sequence(connection)
    put_setting(connection, "next_seq", str(first + count).encode())
    return first


# -- streams ---------------------------------------------------------------------------------

_STREAM_COLUMNS = "arn, table_name, label, view_type, key_schema, created_ms, disabled_ms"


def _stream(row: Sequence[Any]) -> StreamRow:
    return StreamRow(row[0], row[1], row[2], row[3], orjson.loads(row[4]), row[5], row[6])


def find_stream(connection: sqlite3.Connection, arn: str) -> StreamRow | None:
    row = connection.execute(
        f"SELECT {_STREAM_COLUMNS} FROM streams WHERE arn = ?", (arn,)
    ).fetchone()
    return None if row is None else _stream(row)


def insert_stream(connection: sqlite3.Connection, stream: StreamRow) -> None:
    connection.execute(
        f"INSERT INTO streams ({_STREAM_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            stream.arn,
            stream.table_name,
            stream.label,
            stream.view_type,
            orjson.dumps(stream.key_schema),
            stream.created_ms,
            stream.disabled_ms,
        ),
    )


def disable_stream(connection: sqlite3.Connection, arn: str, now_ms: int) -> None:
    connection.execute(
        "UPDATE streams SET disabled_ms = ? WHERE arn = ? AND disabled_ms IS NULL", (now_ms, arn)
    )


def streams(connection: sqlite3.Connection, table_name: str | None) -> list[StreamRow]:
    """Every stream (of one table), oldest first."""
    if table_name is None:
        rows = connection.execute(f"SELECT {_STREAM_COLUMNS} FROM streams ORDER BY rowid")
    else:
        rows = connection.execute(
            f"SELECT {_STREAM_COLUMNS} FROM streams WHERE table_name = ? ORDER BY rowid",
            (table_name,),
        )
    return [_stream(row) for row in rows]


def delete_stream(connection: sqlite3.Connection, arn: str) -> None:
    for shard in shards(connection, arn):
        connection.execute("DELETE FROM records WHERE shard = ?", (shard.id,))
    connection.execute("DELETE FROM shards WHERE stream_arn = ?", (arn,))
    connection.execute("DELETE FROM streams WHERE arn = ?", (arn,))


# -- shards ----------------------------------------------------------------------------------

_SHARD_COLUMNS = (
    "id, stream_arn, shard_id, parent_shard_id, start_seq, end_seq, created_ms, closed_ms, "
    "trimmed_seq"
)


def shards(connection: sqlite3.Connection, stream_arn: str) -> list[ShardRow]:
    """The stream's shards, oldest first (parents before their children)."""
    rows = connection.execute(
        f"SELECT {_SHARD_COLUMNS} FROM shards WHERE stream_arn = ? ORDER BY id", (stream_arn,)
    )
    return [ShardRow(*row) for row in rows]


def shard_by_id(connection: sqlite3.Connection, shard: int) -> ShardRow | None:
    row = connection.execute(f"SELECT {_SHARD_COLUMNS} FROM shards WHERE id = ?", (shard,))
    found = row.fetchone()
    return None if found is None else ShardRow(*found)


def open_shard(connection: sqlite3.Connection, stream_arn: str) -> ShardRow | None:
    row = connection.execute(
        f"SELECT {_SHARD_COLUMNS} FROM shards WHERE stream_arn = ? AND end_seq IS NULL",
        (stream_arn,),
    ).fetchone()
    return None if row is None else ShardRow(*row)


def insert_shard(
    connection: sqlite3.Connection,
    stream_arn: str,
    shard_id: str,
    parent_shard_id: str | None,
    start_seq: int,
    now_ms: int,
) -> None:
    connection.execute(
        "INSERT INTO shards (stream_arn, shard_id, parent_shard_id, start_seq, created_ms, "
        "trimmed_seq) VALUES (?, ?, ?, ?, ?, ?)",
        (stream_arn, shard_id, parent_shard_id, start_seq, now_ms, start_seq - 1),
    )


def close_shard(connection: sqlite3.Connection, shard: int, end_seq: int, now_ms: int) -> None:
    connection.execute(
        "UPDATE shards SET end_seq = ?, closed_ms = ? WHERE id = ?", (end_seq, now_ms, shard)
    )


def delete_shard(connection: sqlite3.Connection, shard: int) -> None:
    connection.execute("DELETE FROM records WHERE shard = ?", (shard,))
    connection.execute("DELETE FROM shards WHERE id = ?", (shard,))


# -- records ---------------------------------------------------------------------------------


def append(
    connection: sqlite3.Connection,
    shard: int,
    seq: int,
    partition_key: str,
    now_ms: int,
    data: bytes,
) -> None:
    connection.execute(
        "INSERT INTO records (seq, shard, partition_key, arrival_ms, data) VALUES (?, ?, ?, ?, ?)",
        (seq, shard, partition_key, now_ms, data),
    )


def last_seq(connection: sqlite3.Connection, shard: int) -> int | None:
    row = connection.execute("SELECT MAX(seq) FROM records WHERE shard = ?", (shard,)).fetchone()
    return None if row[0] is None else int(row[0])


def read(connection: sqlite3.Connection, shard: int, from_seq: int, limit: int) -> list[RecordRow]:
    rows = connection.execute(
        "SELECT seq, partition_key, arrival_ms, data FROM records WHERE shard = ? AND seq >= ? "
        "ORDER BY seq LIMIT ?",
        (shard, from_seq, limit),
    )
    return [RecordRow(r[0], r[1], r[2], bytes(r[3])) for r in rows]


def first_at(connection: sqlite3.Connection, shard: int, since_ms: int) -> int | None:
    """The sequence number of the shard's first record that arrived at or after ``since_ms``."""
    row = connection.execute(
        "SELECT MIN(seq) FROM records WHERE shard = ? AND arrival_ms >= ?", (shard, since_ms)
    ).fetchone()
    return None if row[0] is None else int(row[0])


def since(connection: sqlite3.Connection, stream_arn: str, since_ms: int) -> list[RecordRow]:
    rows = connection.execute(
        "SELECT r.seq, r.partition_key, r.arrival_ms, r.data FROM records r "
        "JOIN shards s ON s.id = r.shard WHERE s.stream_arn = ? AND r.arrival_ms >= ?",
        (stream_arn, since_ms),
    )
    return [RecordRow(r[0], r[1], r[2], bytes(r[3])) for r in rows]


def trim(connection: sqlite3.Connection, before_ms: int) -> None:
    """Remove records that arrived before ``before_ms``, raising their shards' trim horizons."""
    connection.execute(
        "UPDATE shards SET trimmed_seq = (SELECT MAX(seq) FROM records WHERE shard = shards.id "
        "AND arrival_ms < ?) WHERE EXISTS (SELECT 1 FROM records WHERE shard = shards.id AND "
        "arrival_ms < ?)",
        (before_ms, before_ms),
    )
    connection.execute("DELETE FROM records WHERE arrival_ms < ?", (before_ms,))


# -- what comes due --------------------------------------------------------------------------


def _single(connection: sqlite3.Connection, sql: str) -> int | None:
    value = connection.execute(sql).fetchone()[0]
    return None if value is None else int(value)


def oldest_open_shard_ms(connection: sqlite3.Connection) -> int | None:
    """When the oldest open shard of an enabled stream opened."""
    return _single(
        connection,
        "SELECT MIN(s.created_ms) FROM shards s JOIN streams t ON t.arn = s.stream_arn "
        "WHERE s.end_seq IS NULL AND t.disabled_ms IS NULL",
    )


def oldest_record_ms(connection: sqlite3.Connection) -> int | None:
    return _single(connection, "SELECT MIN(arrival_ms) FROM records")


def oldest_closed_shard_ms(connection: sqlite3.Connection) -> int | None:
    return _single(connection, "SELECT MIN(closed_ms) FROM shards")


def oldest_disabled_ms(connection: sqlite3.Connection) -> int | None:
    return _single(connection, "SELECT MIN(disabled_ms) FROM streams")
