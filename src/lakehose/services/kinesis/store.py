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

from lakehose.formats.tags import TAGS_TABLE
from lakehose.services.kinesis.rows import RecordRow, ShardRow, StreamRow
from lakehose.storage import Migration

_SCHEMA = f"""
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
{TAGS_TABLE}
CREATE TABLE consumers (
    stream_id INTEGER NOT NULL REFERENCES streams(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    PRIMARY KEY (stream_id, name)
);
"""

# Stream settings AWS added since (encryption, enhanced monitoring, deletion held DELETING, the
# times of capacity-mode switches), each record's encryption, resource policies and consumer tags.
# Streams and records of older homes keep working with the defaults: unencrypted, no metrics.
_SETTINGS = """
ALTER TABLE streams ADD COLUMN encryption_type TEXT NOT NULL DEFAULT 'NONE';
ALTER TABLE streams ADD COLUMN key_id TEXT;
ALTER TABLE streams ADD COLUMN shard_metrics TEXT NOT NULL DEFAULT '';
ALTER TABLE streams ADD COLUMN deleted_until_ms INTEGER;
ALTER TABLE streams ADD COLUMN mode_switches TEXT NOT NULL DEFAULT '';
ALTER TABLE records ADD COLUMN encrypted INTEGER NOT NULL DEFAULT 0;
CREATE TABLE resource_policies (
    resource_arn TEXT PRIMARY KEY,
    stream_id INTEGER NOT NULL REFERENCES streams(id) ON DELETE CASCADE,
    policy TEXT NOT NULL
);
CREATE TABLE consumer_tags (
    consumer_arn TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (consumer_arn, key)
);
"""

MIGRATIONS = (Migration(1, _SCHEMA), Migration(2, _SETTINGS))


# -- settings -------------------------------------------------------------------------------


def setting(connection: sqlite3.Connection, key: str, default: bytes) -> bytes:
    """The stored value of ``key``; stores ``default`` first if there is none."""
    connection.execute("INSERT OR IGNORE INTO settings (key, value) VALUES (?, ?)", (key, default))
    row = connection.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
    return bytes(row[0])


def put_setting(connection: sqlite3.Connection, key: str, value: bytes) -> None:
    connection.execute(
        "INSERT INTO settings (key, value) VALUES (?, ?)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


# -- streams --------------------------------------------------------------------------------

_STREAM_COLUMNS = (
    "id, name, created_ms, active_ms, updating_until_ms, retention_hours, mode, max_record_kib, "
    "next_shard_index, encryption_type, key_id, shard_metrics, deleted_until_ms, mode_switches"
)


def _stream(row: sqlite3.Row | None) -> StreamRow | None:
    return None if row is None else StreamRow(*row)


def find_stream(connection: sqlite3.Connection, name: str) -> StreamRow | None:
    query = f"SELECT {_STREAM_COLUMNS} FROM streams WHERE name = ?"
    return _stream(connection.execute(query, (name,)).fetchone())


def find_stream_by_id(connection: sqlite3.Connection, stream_id: int) -> StreamRow | None:
    query = f"SELECT {_STREAM_COLUMNS} FROM streams WHERE id = ?"
    return _stream(connection.execute(query, (stream_id,)).fetchone())


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


def update_stream(
    connection: sqlite3.Connection, stream_id: int, **columns: int | str | None
) -> None:
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
    connection: sqlite3.Connection, rows: Iterable[tuple[int, int, int, int, str, bytes, bool]]
) -> None:
    """Rows of ``(stream_id, shard_index, counter, arrival_ms, partition_key, data, encrypted)``."""
    connection.executemany(
        "INSERT INTO records (stream_id, shard_index, counter, arrival_ms, partition_key, data,"
        " encrypted) VALUES (?, ?, ?, ?, ?, ?, ?)",
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
    max_bytes: int | None = None,
) -> list[RecordRow]:
    """Up to ``limit`` records from counter ``start`` on that arrived at ``since_ms`` or later.

    With ``max_bytes``, reading stops before the record that would take the data and keys past
    it (the first record always comes): rows are fetched one by one, so a page of large records
    never sits in memory whole.
    """
    cursor = connection.execute(
        "SELECT counter, arrival_ms, partition_key, data, encrypted FROM records WHERE"
        " stream_id = ? AND shard_index = ? AND counter >= ? AND arrival_ms >= ?"
        " ORDER BY counter LIMIT ?",
        (stream_id, shard_index, start, since_ms, limit),
    )
    rows: list[RecordRow] = []
    total = 0
    for counter, arrival_ms, partition_key, data, encrypted in cursor:
        row = RecordRow(counter, arrival_ms, partition_key, bytes(data), bool(encrypted))
        total += row.size
        if max_bytes is not None and rows and total > max_bytes:
            break
        rows.append(row)
    cursor.close()
    return rows


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


def forget_consumer(connection: sqlite3.Connection, consumer_arn: str) -> None:
    """Drop what a consumer had beside its row: its tags and its resource policy."""
    connection.execute("DELETE FROM consumer_tags WHERE consumer_arn = ?", (consumer_arn,))
    connection.execute("DELETE FROM resource_policies WHERE resource_arn = ?", (consumer_arn,))


# -- resource policies ----------------------------------------------------------------------


def policy(connection: sqlite3.Connection, resource_arn: str) -> str | None:
    row = connection.execute(
        "SELECT policy FROM resource_policies WHERE resource_arn = ?", (resource_arn,)
    ).fetchone()
    return None if row is None else str(row[0])


def put_policy(
    connection: sqlite3.Connection, resource_arn: str, stream_id: int, text: str
) -> None:
    connection.execute(
        "INSERT INTO resource_policies (resource_arn, stream_id, policy) VALUES (?, ?, ?)"
        " ON CONFLICT (resource_arn) DO UPDATE SET policy = excluded.policy",
        (resource_arn, stream_id, text),
    )


def delete_policy(connection: sqlite3.Connection, resource_arn: str) -> None:
    connection.execute("DELETE FROM resource_policies WHERE resource_arn = ?", (resource_arn,))


def on_demand_stream_count(connection: sqlite3.Connection) -> int:
    row = connection.execute(
        "SELECT COUNT(*) FROM streams WHERE mode = 'ON_DEMAND' AND deleted_until_ms IS NULL"
    ).fetchone()
    return int(row[0])


def streams_deleted_before(connection: sqlite3.Connection, now_ms: int) -> list[int]:
    """Streams held DELETING whose deletion is now complete."""
    rows = connection.execute(
        "SELECT id FROM streams WHERE deleted_until_ms IS NOT NULL AND deleted_until_ms <= ?",
        (now_ms,),
    )
    return [int(row[0]) for row in rows]
