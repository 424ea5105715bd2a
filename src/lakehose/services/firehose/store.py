"""SQLite persistence of delivery streams, their tags and their source checkpoints.

One database, ``firehose.db`` in the engine's directory, whose schema is all here:

``streams``      one row per delivery stream; the destination is stored as the
                 ``ExtendedS3DestinationDescription`` document Describe returns (defaults filled)
``tags``         the stream's tags
``checkpoints``  per Kinesis shard, the sequence number read up to and whether the shard is done
``records``      every record not yet in an object, and ``batches``, the sealed batches and the
                 delivery ledger: both are read and written by ``ledger``

Functions take the connection of a transaction the engine opened, so each step of the commit
order (``delivery``) commits together or not at all.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from lakehose.formats.tags import TAGS_TABLE
from lakehose.services.firehose.statuses import DeliveryStreamStatus
from lakehose.storage import Migration

_SCHEMA = f"""
CREATE TABLE streams (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    salt TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    active_ms INTEGER NOT NULL,
    updated_ms INTEGER,
    version INTEGER NOT NULL,
    destination BLOB NOT NULL,
    source BLOB,
    delivery_start_ms INTEGER,
    next_batch INTEGER NOT NULL DEFAULT 1,
    next_record INTEGER NOT NULL DEFAULT 1
);
{TAGS_TABLE}
CREATE TABLE checkpoints (
    stream_id INTEGER NOT NULL REFERENCES streams(id) ON DELETE CASCADE,
    shard_id TEXT NOT NULL,
    after_sequence TEXT,
    finished INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (stream_id, shard_id)
);
CREATE TABLE records (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    stream_id INTEGER NOT NULL,
    stage TEXT NOT NULL,
    lane TEXT NOT NULL,
    batch INTEGER,
    buffered_ms INTEGER NOT NULL,
    arrival_ms INTEGER NOT NULL,
    record_id TEXT NOT NULL,
    size INTEGER NOT NULL,
    data BLOB NOT NULL,
    shard_id TEXT,
    partition_key TEXT,
    sequence_number TEXT,
    subsequence INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX records_by_buffer ON records (stream_id, stage, lane, batch, id);
CREATE INDEX records_by_batch ON records (stream_id, batch);
CREATE TABLE batches (
    stream_id INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    stage TEXT NOT NULL,
    lane TEXT NOT NULL,
    plan BLOB NOT NULL,
    sealed_ms INTEGER NOT NULL,
    delivered_ms INTEGER,
    etag TEXT,
    count INTEGER NOT NULL,
    PRIMARY KEY (stream_id, seq)
);
"""

MIGRATIONS = (Migration(1, _SCHEMA),)


def dumps(document: Any) -> bytes:
    return orjson.dumps(document, option=orjson.OPT_SORT_KEYS)


# -- streams --------------------------------------------------------------------------------


@dataclass(frozen=True)
class StreamRow:
    id: int
    name: str
    type: str
    salt: str
    created_ms: int
    active_ms: int
    updated_ms: int | None
    version: int
    destination: dict[str, Any]
    source: dict[str, Any] | None
    delivery_start_ms: int | None

    def status(self, now_ms: int) -> DeliveryStreamStatus:
        if now_ms < self.active_ms:
            return DeliveryStreamStatus.CREATING
        return DeliveryStreamStatus.ACTIVE


_STREAM_COLUMNS = (
    "id, name, type, salt, created_ms, active_ms, updated_ms, version, destination, source, "
    "delivery_start_ms"
)


def _stream(row: Sequence[Any]) -> StreamRow:
    values = list(row)
    values[8] = orjson.loads(values[8])
    values[9] = None if values[9] is None else orjson.loads(values[9])
    return StreamRow(*values)


def find_stream(connection: sqlite3.Connection, name: str) -> StreamRow | None:
    query = f"SELECT {_STREAM_COLUMNS} FROM streams WHERE name = ?"
    row = connection.execute(query, (name,)).fetchone()
    return None if row is None else _stream(row)


def find_stream_by_id(connection: sqlite3.Connection, stream_id: int) -> StreamRow | None:
    query = f"SELECT {_STREAM_COLUMNS} FROM streams WHERE id = ?"
    row = connection.execute(query, (stream_id,)).fetchone()
    return None if row is None else _stream(row)


def stream_exists(connection: sqlite3.Connection, stream_id: int) -> bool:
    row = connection.execute("SELECT 1 FROM streams WHERE id = ?", (stream_id,)).fetchone()
    return row is not None


def all_streams(connection: sqlite3.Connection) -> list[StreamRow]:
    query = f"SELECT {_STREAM_COLUMNS} FROM streams ORDER BY id"
    return [_stream(row) for row in connection.execute(query)]


def stream_names(
    connection: sqlite3.Connection, kind: str | None, after: str, limit: int
) -> list[str]:
    query = "SELECT name FROM streams WHERE name > ?"
    parameters: list[Any] = [after]
    if kind is not None:
        query += " AND type = ?"
        parameters.append(kind)
    rows = connection.execute(query + " ORDER BY name LIMIT ?", (*parameters, limit))
    return [str(name) for (name,) in rows]


def insert_stream(
    connection: sqlite3.Connection,
    *,
    name: str,
    kind: str,
    salt: str,
    created_ms: int,
    active_ms: int,
    destination: dict[str, Any],
    source: dict[str, Any] | None,
    delivery_start_ms: int | None,
) -> StreamRow:
    connection.execute(
        "INSERT INTO streams (name, type, salt, created_ms, active_ms, version, destination,"
        " source, delivery_start_ms) VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?)",
        (
            name,
            kind,
            salt,
            created_ms,
            active_ms,
            dumps(destination),
            None if source is None else dumps(source),
            delivery_start_ms,
        ),
    )
    stream = find_stream(connection, name)
    assert stream is not None
    return stream


def update_destination(
    connection: sqlite3.Connection, stream_id: int, destination: dict[str, Any], now_ms: int
) -> None:
    connection.execute(
        "UPDATE streams SET destination = ?, version = version + 1, updated_ms = ? WHERE id = ?",
        (dumps(destination), now_ms, stream_id),
    )


def delete_stream(connection: sqlite3.Connection, stream_id: int) -> None:
    for table in ("records", "batches"):
        connection.execute(f"DELETE FROM {table} WHERE stream_id = ?", (stream_id,))
    connection.execute("DELETE FROM streams WHERE id = ?", (stream_id,))


def take_counter(connection: sqlite3.Connection, stream_id: int, column: str, count: int) -> int:
    """Reserve ``count`` values of the stream's ``next_batch`` or ``next_record``; the first."""
    assert column in ("next_batch", "next_record")
    row = connection.execute(f"SELECT {column} FROM streams WHERE id = ?", (stream_id,)).fetchone()
    connection.execute(
        f"UPDATE streams SET {column} = {column} + ? WHERE id = ?", (count, stream_id)
    )
    return int(row[0])


# -- tags -----------------------------------------------------------------------------------


# -- source checkpoints ---------------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    after_sequence: str | None  # None: from the shard's first record
    finished: bool


def checkpoints(connection: sqlite3.Connection, stream_id: int) -> dict[str, Checkpoint]:
    rows = connection.execute(
        "SELECT shard_id, after_sequence, finished FROM checkpoints WHERE stream_id = ?",
        (stream_id,),
    )
    return {str(shard): Checkpoint(after, bool(done)) for shard, after, done in rows}


def set_checkpoint(
    connection: sqlite3.Connection,
    stream_id: int,
    shard_id: str,
    checkpoint: Checkpoint,
) -> None:
    connection.execute(
        "INSERT INTO checkpoints (stream_id, shard_id, after_sequence, finished)"
        " VALUES (?, ?, ?, ?) ON CONFLICT (stream_id, shard_id) DO UPDATE SET"
        " after_sequence = excluded.after_sequence, finished = excluded.finished",
        (stream_id, shard_id, checkpoint.after_sequence, int(checkpoint.finished)),
    )
