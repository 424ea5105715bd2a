"""SQLite persistence of streams, shards, records, consumers and tags.

One database, ``kinesis.db`` in the engine's directory. Records are keyed by
``(stream_id, shard_index, counter)``, the counter being the per-shard position that sequence
numbers and iterators encode, so reading a shard in order is a range scan of the primary key.
Streams get a fresh ``id`` each time a name is created, so a stream deleted and created again never
sees its predecessor's records. Hash keys (128-bit) are stored as decimal text; SQLite integers
stop at 64 bits.

Functions take the connection of a transaction the engine opened, so every operation's reads and
writes commit together or not at all.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from lakehose.services.kinesis import sequences
from lakehose.services.kinesis.errors import shard_id
from lakehose.storage import Database, Migration, open_database

_SCHEMA = """
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
CREATE TABLE streams (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    created_ms INTEGER NOT NULL,
    active_ms INTEGER NOT NULL,
    updating_until_ms INTEGER NOT NULL DEFAULT 0,
    retention_hours INTEGER NOT NULL,
    mode TEXT NOT NULL,
    max_record_kib INTEGER NOT NULL,
    next_shard_index INTEGER NOT NULL
);
CREATE TABLE shards (
    stream_id INTEGER NOT NULL REFERENCES streams(id) ON DELETE CASCADE,
    shard_index INTEGER NOT NULL,
    parent INTEGER,
    adjacent_parent INTEGER,
    hash_start TEXT NOT NULL,
    hash_end TEXT NOT NULL,
    opened_ms INTEGER NOT NULL,
    created_s INTEGER NOT NULL,
    closed_ms INTEGER,
    next_counter INTEGER NOT NULL,
    PRIMARY KEY (stream_id, shard_index)
);
CREATE TABLE records (
    stream_id INTEGER NOT NULL,
    shard_index INTEGER NOT NULL,
    counter INTEGER NOT NULL,
    arrival_ms INTEGER NOT NULL,
    partition_key TEXT NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (stream_id, shard_index, counter)
);
CREATE TABLE tags (
    stream_id INTEGER NOT NULL REFERENCES streams(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (stream_id, key)
);
CREATE TABLE consumers (
    stream_id INTEGER NOT NULL REFERENCES streams(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    PRIMARY KEY (stream_id, name)
);
"""

MIGRATIONS = (Migration(1, _SCHEMA),)


def open_store(directory: Path) -> Database:
    return open_database(directory / "kinesis.db", MIGRATIONS)


@dataclass(frozen=True)
class StreamRow:
    id: int
    name: str
    created_ms: int
    active_ms: int
    updating_until_ms: int
    retention_hours: int
    mode: str
    max_record_kib: int
    next_shard_index: int

    def status(self, now_ms: int) -> str:
        """CREATING until the creation delay has passed, UPDATING while resharding, else ACTIVE."""
        if now_ms < self.active_ms:
            return "CREATING"
        if now_ms < self.updating_until_ms:
            return "UPDATING"
        return "ACTIVE"

    def retention_cutoff_ms(self, now_ms: int) -> int:
        """Records that arrived before this instant have aged out."""
        return now_ms - self.retention_hours * 3_600_000


@dataclass(frozen=True)
class ShardRow:
    stream_id: int
    index: int
    parent: int | None
    adjacent_parent: int | None
    hash_start: int
    hash_end: int
    opened_ms: int  # when the shard began taking records
    created_s: int  # the creation second its sequence numbers carry
    closed_ms: int | None
    next_counter: int

    @property
    def shard_id(self) -> str:
        return shard_id(self.index)

    @property
    def is_open(self) -> bool:
        return self.closed_ms is None

    def open_at(self, when_ms: int) -> bool:
        """Whether the shard took records at ``when_ms``."""
        return self.opened_ms <= when_ms and (self.closed_ms is None or when_ms < self.closed_ms)

    @property
    def starting_sequence(self) -> str:
        return sequences.encode(
            sequences.SequenceParts(self.created_s, self.index, 0, self.created_s)
        )

    @property
    def ending_sequence(self) -> str | None:
        if self.closed_ms is None:
            return None
        parts = sequences.SequenceParts(
            self.created_s, self.index, sequences.END_COUNTER, self.closed_ms // 1000
        )
        return sequences.encode(parts)

    def sequence_of(self, counter: int, arrival_ms: int) -> str:
        """The sequence number of this shard's record number ``counter``."""
        parts = sequences.SequenceParts(self.created_s, self.index, counter, arrival_ms // 1000)
        return sequences.encode(parts)

    def hash_key_range(self) -> dict[str, str]:
        return {"StartingHashKey": str(self.hash_start), "EndingHashKey": str(self.hash_end)}

    def describe(self) -> dict[str, object]:
        """The ``Shard`` structure of DescribeStream and ListShards."""
        numbers = {"StartingSequenceNumber": self.starting_sequence}
        if (ending := self.ending_sequence) is not None:
            numbers["EndingSequenceNumber"] = ending
        shape: dict[str, object] = {"ShardId": self.shard_id}
        if self.parent is not None:
            shape["ParentShardId"] = shard_id(self.parent)
        if self.adjacent_parent is not None:
            shape["AdjacentParentShardId"] = shard_id(self.adjacent_parent)
        shape["HashKeyRange"] = self.hash_key_range()
        shape["SequenceNumberRange"] = numbers
        return shape


@dataclass(frozen=True)
class RecordRow:
    counter: int
    arrival_ms: int
    partition_key: str
    data: bytes


# -- settings -------------------------------------------------------------------------------


def setting(connection: sqlite3.Connection, key: str, default: bytes) -> bytes:
    """The stored value of ``key``; stores ``default`` first if there is none."""
    connection.execute("INSERT OR IGNORE INTO settings (key, value) VALUES (?, ?)", (key, default))
    row = connection.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
    return bytes(row[0])


# -- streams --------------------------------------------------------------------------------

_STREAM_COLUMNS = (
    "id, name, created_ms, active_ms, updating_until_ms, retention_hours, mode, max_record_kib, "
    "next_shard_index"
)


def _stream(row: sqlite3.Row | None) -> StreamRow | None:
    return None if row is None else StreamRow(*row)


def find_stream(connection: sqlite3.Connection, name: str) -> StreamRow | None:
    query = f"SELECT {_STREAM_COLUMNS} FROM streams WHERE name = ?"
    return _stream(connection.execute(query, (name,)).fetchone())


def list_streams(connection: sqlite3.Connection, after: str, limit: int) -> list[StreamRow]:
    query = f"SELECT {_STREAM_COLUMNS} FROM streams WHERE name > ? ORDER BY name LIMIT ?"
    return [StreamRow(*row) for row in connection.execute(query, (after, limit))]


def all_streams(connection: sqlite3.Connection) -> list[StreamRow]:
    return [StreamRow(*row) for row in connection.execute(f"SELECT {_STREAM_COLUMNS} FROM streams")]


def insert_stream(
    connection: sqlite3.Connection,
    *,
    name: str,
    created_ms: int,
    active_ms: int,
    retention_hours: int,
    mode: str,
    max_record_kib: int,
) -> StreamRow:
    cursor = connection.execute(
        "INSERT INTO streams (name, created_ms, active_ms, retention_hours, mode, max_record_kib,"
        " next_shard_index) VALUES (?, ?, ?, ?, ?, ?, 0)",
        (name, created_ms, active_ms, retention_hours, mode, max_record_kib),
    )
    stream = find_stream(connection, name)
    assert stream is not None and stream.id == cursor.lastrowid
    return stream


def delete_stream(connection: sqlite3.Connection, stream_id: int) -> None:
    connection.execute("DELETE FROM records WHERE stream_id = ?", (stream_id,))
    connection.execute("DELETE FROM streams WHERE id = ?", (stream_id,))


def update_stream(connection: sqlite3.Connection, stream_id: int, **columns: int) -> None:
    assignments = ", ".join(f"{column} = ?" for column in columns)
    connection.execute(
        f"UPDATE streams SET {assignments} WHERE id = ?", (*columns.values(), stream_id)
    )


# -- shards ---------------------------------------------------------------------------------

_SHARD_COLUMNS = (
    "stream_id, shard_index, parent, adjacent_parent, hash_start, hash_end, opened_ms, "
    "created_s, closed_ms, next_counter"
)


def _shard(row: Sequence[object]) -> ShardRow:
    values = list(row)
    values[4] = int(str(values[4]))
    values[5] = int(str(values[5]))
    return ShardRow(*values)  # type: ignore[arg-type]


def shards(
    connection: sqlite3.Connection, stream_id: int, *, open_only: bool = False
) -> list[ShardRow]:
    query = f"SELECT {_SHARD_COLUMNS} FROM shards WHERE stream_id = ?"
    if open_only:
        query += " AND closed_ms IS NULL"
    return [
        _shard(row) for row in connection.execute(query + " ORDER BY shard_index", (stream_id,))
    ]


def find_shard(connection: sqlite3.Connection, stream_id: int, index: int) -> ShardRow | None:
    query = f"SELECT {_SHARD_COLUMNS} FROM shards WHERE stream_id = ? AND shard_index = ?"
    row = connection.execute(query, (stream_id, index)).fetchone()
    return None if row is None else _shard(row)


def insert_shard(connection: sqlite3.Connection, shard: ShardRow) -> None:
    connection.execute(
        f"INSERT INTO shards ({_SHARD_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            shard.stream_id,
            shard.index,
            shard.parent,
            shard.adjacent_parent,
            str(shard.hash_start),
            str(shard.hash_end),
            shard.opened_ms,
            shard.created_s,
            shard.closed_ms,
            shard.next_counter,
        ),
    )


def close_shard(connection: sqlite3.Connection, stream_id: int, index: int, when_ms: int) -> None:
    connection.execute(
        "UPDATE shards SET closed_ms = ? WHERE stream_id = ? AND shard_index = ?",
        (when_ms, stream_id, index),
    )


def set_next_counters(
    connection: sqlite3.Connection, stream_id: int, counters: dict[int, int]
) -> None:
    connection.executemany(
        "UPDATE shards SET next_counter = ? WHERE stream_id = ? AND shard_index = ?",
        [(counter, stream_id, index) for index, counter in counters.items()],
    )


def children(connection: sqlite3.Connection, stream_id: int, index: int) -> list[ShardRow]:
    query = (
        f"SELECT {_SHARD_COLUMNS} FROM shards WHERE stream_id = ? AND (parent = ? OR "
        "adjacent_parent = ?) ORDER BY shard_index"
    )
    return [_shard(row) for row in connection.execute(query, (stream_id, index, index))]


def open_shard_count(connection: sqlite3.Connection) -> int:
    row = connection.execute("SELECT COUNT(*) FROM shards WHERE closed_ms IS NULL").fetchone()
    return int(row[0])


def drop_shards_closed_before(
    connection: sqlite3.Connection, stream_id: int, cutoff_ms: int
) -> None:
    """Forget closed shards whose every record has aged out, as AWS does after retention."""
    for (index,) in connection.execute(
        "SELECT shard_index FROM shards WHERE stream_id = ? AND closed_ms < ?",
        (stream_id, cutoff_ms),
    ).fetchall():
        connection.execute(
            "DELETE FROM records WHERE stream_id = ? AND shard_index = ?", (stream_id, index)
        )
        connection.execute(
            "DELETE FROM shards WHERE stream_id = ? AND shard_index = ?", (stream_id, index)
        )


# -- records --------------------------------------------------------------------------------


def insert_records(
    connection: sqlite3.Connection, rows: Iterable[tuple[int, int, int, int, str, bytes]]
) -> None:
    """Rows of ``(stream_id, shard_index, counter, arrival_ms, partition_key, data)``."""
    connection.executemany(
        "INSERT INTO records (stream_id, shard_index, counter, arrival_ms, partition_key, data)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        rows,
    )


def read_records(
    connection: sqlite3.Connection,
    stream_id: int,
    shard_index: int,
    *,
    start: int,
    since_ms: int,
    limit: int,
) -> list[RecordRow]:
    """Up to ``limit`` records from counter ``start`` on that arrived at ``since_ms`` or later."""
    rows = connection.execute(
        "SELECT counter, arrival_ms, partition_key, data FROM records WHERE stream_id = ? AND"
        " shard_index = ? AND counter >= ? AND arrival_ms >= ? ORDER BY counter LIMIT ?",
        (stream_id, shard_index, start, since_ms, limit),
    )
    return [RecordRow(row[0], row[1], row[2], bytes(row[3])) for row in rows]


def first_counter_at(
    connection: sqlite3.Connection, stream_id: int, shard_index: int, at_ms: int
) -> int | None:
    """The counter of the shard's first record that arrived at ``at_ms`` or later."""
    row = connection.execute(
        "SELECT counter FROM records WHERE stream_id = ? AND shard_index = ? AND arrival_ms >= ?"
        " ORDER BY counter LIMIT 1",
        (stream_id, shard_index, at_ms),
    ).fetchone()
    return None if row is None else int(row[0])


def trim_records(
    connection: sqlite3.Connection, stream_id: int, shard_index: int, cutoff_ms: int
) -> int:
    """Delete the records that aged out; returns how many went.

    Records arrive in counter order, so the expired ones are a prefix of the shard: finding the
    first live record scans only what is being deleted, never the whole shard. (Reads also filter
    by arrival time, so a record behind the front, after a wall-clock step back, is never served.)
    """
    first_live = first_counter_at(connection, stream_id, shard_index, cutoff_ms)
    if first_live is None:
        query = "DELETE FROM records WHERE stream_id = ? AND shard_index = ?"
        return connection.execute(query, (stream_id, shard_index)).rowcount
    query = "DELETE FROM records WHERE stream_id = ? AND shard_index = ? AND counter < ?"
    return connection.execute(query, (stream_id, shard_index, first_live)).rowcount


# -- tags and consumers ---------------------------------------------------------------------


def tags(connection: sqlite3.Connection, stream_id: int) -> dict[str, str]:
    rows = connection.execute(
        "SELECT key, value FROM tags WHERE stream_id = ? ORDER BY key", (stream_id,)
    )
    return {str(key): str(value) for key, value in rows}


def put_tags(connection: sqlite3.Connection, stream_id: int, new: dict[str, str]) -> None:
    connection.executemany(
        "INSERT INTO tags (stream_id, key, value) VALUES (?, ?, ?) ON CONFLICT (stream_id, key)"
        " DO UPDATE SET value = excluded.value",
        [(stream_id, key, value) for key, value in new.items()],
    )


def delete_tags(connection: sqlite3.Connection, stream_id: int, keys: Iterable[str]) -> None:
    connection.executemany(
        "DELETE FROM tags WHERE stream_id = ? AND key = ?", [(stream_id, key) for key in keys]
    )


def consumers(connection: sqlite3.Connection, stream_id: int) -> list[tuple[str, int]]:
    """``(name, created_ms)`` of every consumer, in registration order."""
    rows = connection.execute(
        "SELECT name, created_ms FROM consumers WHERE stream_id = ? ORDER BY created_ms, name",
        (stream_id,),
    )
    return [(str(name), int(created)) for name, created in rows]


def insert_consumer(
    connection: sqlite3.Connection, stream_id: int, name: str, created_ms: int
) -> None:
    connection.execute(
        "INSERT INTO consumers (stream_id, name, created_ms) VALUES (?, ?, ?)",
        (stream_id, name, created_ms),
    )


def delete_consumer(connection: sqlite3.Connection, stream_id: int, name: str) -> None:
    connection.execute("DELETE FROM consumers WHERE stream_id = ? AND name = ?", (stream_id, name))
