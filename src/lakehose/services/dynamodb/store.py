"""SQLite persistence of tables, items, index entries, the change outbox and idempotency tokens.

One database, ``dynamodb.db`` in the engine's directory.

- ``tables`` holds each table's metadata as JSON; tables get a fresh ``id`` each time a name is
  created, so a table deleted and created again never sees its predecessor's items.
- ``items`` holds the table's items (``index_name = ''``) and one row per item in each secondary
  index it belongs to, projected. Rows are keyed by ``(hash_order, hash_key, range_key,
  table_key)`` (see ``keys``), so a Query is a range scan of the primary key and a Scan (or one
  parallel-scan segment) walks it in AWS's hash order. ``table_key`` tells apart index rows of
  different items with equal index keys; it is empty for table rows.
- ``expires_at`` is the item's TTL attribute, kept while TTL is enabled, with a partial index so
  the expiry sweep reads only what has expired.
- ``outbox`` holds change records committed with the change itself and not yet in Kinesis.
- ``tokens`` remembers TransactWriteItems' ClientRequestTokens for the idempotency window.

Functions take the connection of a transaction the engine opened, so every operation's reads and
writes commit together or not at all.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from lakehose.services.dynamodb import export_store
from lakehose.services.dynamodb.codec import Item, dump_item, load_item
from lakehose.services.dynamodb.keys import EncodedKey
from lakehose.services.dynamodb.tables import TableMeta
from lakehose.storage import Migration

_SCHEMA = """
CREATE TABLE tables (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    meta BLOB NOT NULL
);
CREATE TABLE items (
    table_id INTEGER NOT NULL,
    index_name TEXT NOT NULL,
    hash_order INTEGER NOT NULL,
    hash_key BLOB NOT NULL,
    range_key BLOB NOT NULL,
    table_key BLOB NOT NULL,
    size INTEGER NOT NULL,
    expires_at REAL,
    item BLOB NOT NULL,
    PRIMARY KEY (table_id, index_name, hash_order, hash_key, range_key, table_key)
) WITHOUT ROWID;
CREATE INDEX items_expiry ON items (table_id, expires_at) WHERE expires_at IS NOT NULL;
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    stream_arn TEXT NOT NULL,
    partition_key TEXT NOT NULL,
    data BLOB NOT NULL,
    created_ms INTEGER NOT NULL
);
CREATE TABLE tokens (
    token TEXT PRIMARY KEY,
    fingerprint BLOB NOT NULL,
    created_ms INTEGER NOT NULL
);
"""

MIGRATIONS = (Migration(1, _SCHEMA), Migration(2, export_store.SCHEMA))
TABLE_ROWS = ""  # the index_name of a table's own rows


@dataclass(frozen=True)
class StoredTable:
    id: int
    meta: TableMeta


@dataclass(frozen=True)
class Row:
    """One stored row: where it sits in its index, its item and the item's size."""

    hash_order: int
    hash_key: bytes
    range_key: bytes
    table_key: bytes
    size: int
    item: Item

    @property
    def position(self) -> tuple[int, bytes, bytes, bytes]:
        return (self.hash_order, self.hash_key, self.range_key, self.table_key)


# -- tables ----------------------------------------------------------------------------------


def find_table(connection: sqlite3.Connection, name: str) -> StoredTable | None:
    row = connection.execute("SELECT id, meta FROM tables WHERE name = ?", (name,)).fetchone()
    return None if row is None else StoredTable(row[0], TableMeta.from_json(orjson.loads(row[1])))


def table_by_id(connection: sqlite3.Connection, table_id: int) -> StoredTable | None:
    row = connection.execute("SELECT id, meta FROM tables WHERE id = ?", (table_id,)).fetchone()
    return None if row is None else StoredTable(row[0], TableMeta.from_json(orjson.loads(row[1])))


def table_names(connection: sqlite3.Connection, after: str | None, limit: int) -> list[str]:
    rows = connection.execute(
        "SELECT name FROM tables WHERE name > ? ORDER BY name LIMIT ?", (after or "", limit)
    )
    return [row[0] for row in rows]


def insert_table(connection: sqlite3.Connection, meta: TableMeta) -> int:
    cursor = connection.execute(
        "INSERT INTO tables (name, meta) VALUES (?, ?)", (meta.name, orjson.dumps(meta.to_json()))
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def save_table(connection: sqlite3.Connection, table: StoredTable) -> None:
    connection.execute(
        "UPDATE tables SET meta = ? WHERE id = ?", (orjson.dumps(table.meta.to_json()), table.id)
    )


def delete_table(connection: sqlite3.Connection, table_id: int) -> None:
    connection.execute("DELETE FROM items WHERE table_id = ?", (table_id,))
    connection.execute("DELETE FROM tables WHERE id = ?", (table_id,))


def counts(connection: sqlite3.Connection, table_id: int) -> dict[str, tuple[int, int]]:
    """Item count and total size of the table (key "") and of each index."""
    rows = connection.execute(
        "SELECT index_name, COUNT(*), COALESCE(SUM(size), 0) FROM items WHERE table_id = ? "
        "GROUP BY index_name",
        (table_id,),
    )
    return {row[0]: (row[1], row[2]) for row in rows}


# -- rows ------------------------------------------------------------------------------------


def get_row(
    connection: sqlite3.Connection, table_id: int, index_name: str, key: EncodedKey
) -> Row | None:
    found = connection.execute(
        "SELECT hash_order, hash_key, range_key, table_key, size, item FROM items "
        "WHERE table_id = ? AND index_name = ? AND hash_order = ? AND hash_key = ? "
        "AND range_key = ? AND table_key = x''",
        (table_id, index_name, key.hash_order, key.hash_key, key.range_key),
    ).fetchone()
    return None if found is None else _row(found)


def put_row(
    connection: sqlite3.Connection,
    table_id: int,
    index_name: str,
    key: EncodedKey,
    table_key: bytes,
    item: Item,
    size: int,
    expires_at: float | None = None,
) -> None:
    connection.execute(
        "INSERT OR REPLACE INTO items (table_id, index_name, hash_order, hash_key, range_key, "
        "table_key, size, expires_at, item) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            table_id,
            index_name,
            key.hash_order,
            key.hash_key,
            key.range_key,
            table_key,
            size,
            expires_at,
            dump_item(item),
        ),
    )


def delete_row(
    connection: sqlite3.Connection,
    table_id: int,
    index_name: str,
    key: EncodedKey,
    table_key: bytes = b"",
) -> None:
    connection.execute(
        "DELETE FROM items WHERE table_id = ? AND index_name = ? AND hash_order = ? "
        "AND hash_key = ? AND range_key = ? AND table_key = ?",
        (table_id, index_name, key.hash_order, key.hash_key, key.range_key, table_key),
    )


def delete_index_rows(connection: sqlite3.Connection, table_id: int, index_name: str) -> None:
    connection.execute(
        "DELETE FROM items WHERE table_id = ? AND index_name = ?", (table_id, index_name)
    )


@dataclass(frozen=True)
class RowRange:
    """Which rows of one index a read walks, in key order.

    ``partition`` restricts to one hash key (Query); ``segment`` to a slice of hash_order (parallel
    Scan); ``lower`` / ``upper`` bound the range key (each ``(bytes, inclusive)``); ``after`` is
    the position an ExclusiveStartKey names, exclusive in the walking direction.
    """

    table_id: int
    index_name: str
    partition: tuple[int, bytes] | None = None
    segment: tuple[int, int | None] | None = None
    lower: tuple[bytes, bool] | None = None
    upper: tuple[bytes, bool] | None = None
    after: tuple[int, bytes, bytes, bytes] | None = None
    forward: bool = True


_COLUMNS = ("hash_order", "hash_key", "range_key", "table_key")


def walk(connection: sqlite3.Connection, where: RowRange, batch: int = 256) -> Iterator[Row]:
    """The rows ``where`` selects, fetched ``batch`` at a time so that callers may stop early."""
    position = where.after
    while True:
        rows = _fetch(connection, where, position, batch)
        yield from rows
        if len(rows) < batch:
            return
        position = rows[-1].position


def _fetch(
    connection: sqlite3.Connection,
    where: RowRange,
    after: tuple[int, bytes, bytes, bytes] | None,
    limit: int,
) -> list[Row]:
    clauses = ["table_id = ?", "index_name = ?"]
    parameters: list[Any] = [where.table_id, where.index_name]
    if where.partition is not None:
        clauses += ["hash_order = ?", "hash_key = ?"]
        parameters += list(where.partition)
    if where.segment is not None:
        low, high = where.segment
        clauses.append("hash_order >= ?")
        parameters.append(low)
        if high is not None:
            clauses.append("hash_order < ?")
            parameters.append(high)
    if where.lower is not None:
        clauses.append("range_key >= ?" if where.lower[1] else "range_key > ?")
        parameters.append(where.lower[0])
    if where.upper is not None:
        clauses.append("range_key <= ?" if where.upper[1] else "range_key < ?")
        parameters.append(where.upper[0])
    if after is not None:
        # Within one partition only the range and table keys move; comparing just those lets
        # SQLite keep its index range on the partition.
        columns = _COLUMNS[2:] if where.partition is not None else _COLUMNS
        values = after[2:] if where.partition is not None else after
        placeholders = ", ".join("?" for _ in columns)
        operator = ">" if where.forward else "<"
        clauses.append(f"({', '.join(columns)}) {operator} ({placeholders})")
        parameters += list(values)
    direction = "" if where.forward else " DESC"
    order = ", ".join(f"{column}{direction}" for column in _COLUMNS)
    sql = (
        "SELECT hash_order, hash_key, range_key, table_key, size, item FROM items WHERE "
        + " AND ".join(clauses)
        + f" ORDER BY {order} LIMIT ?"
    )
    parameters.append(limit)
    return [_row(found) for found in connection.execute(sql, parameters)]


def _row(found: Sequence[Any]) -> Row:
    return Row(
        found[0], bytes(found[1]), bytes(found[2]), bytes(found[3]), found[4], load_item(found[5])
    )


# -- TTL -------------------------------------------------------------------------------------


def expired(
    connection: sqlite3.Connection, table_id: int, now_s: float, oldest_s: float, limit: int
) -> list[Row]:
    """Table rows whose TTL lies in ``[oldest_s, now_s]`` (AWS ignores TTLs over 5 years old)."""
    rows = connection.execute(
        "SELECT hash_order, hash_key, range_key, table_key, size, item FROM items "
        "WHERE table_id = ? AND expires_at IS NOT NULL AND expires_at <= ? AND expires_at >= ? "
        "AND index_name = '' ORDER BY expires_at LIMIT ?",
        (table_id, now_s, oldest_s, limit),
    )
    return [_row(found) for found in rows]


def tables_with_expired(connection: sqlite3.Connection, now_s: float, oldest_s: float) -> list[int]:
    """Ids of the tables with at least one expired item (one index probe per table)."""
    return [
        table_id
        for (table_id,) in connection.execute("SELECT id FROM tables").fetchall()
        if connection.execute(
            "SELECT 1 FROM items WHERE table_id = ? AND expires_at IS NOT NULL "
            "AND expires_at <= ? AND expires_at >= ? LIMIT 1",
            (table_id, now_s, oldest_s),
        ).fetchone()
    ]


def clear_expiries(connection: sqlite3.Connection, table_id: int) -> None:
    connection.execute(
        "UPDATE items SET expires_at = NULL WHERE table_id = ? AND expires_at IS NOT NULL",
        (table_id,),
    )


def set_expiries(
    connection: sqlite3.Connection, table_id: int, expiries: Iterable[tuple[float | None, Row]]
) -> None:
    connection.executemany(
        "UPDATE items SET expires_at = ? WHERE table_id = ? AND index_name = '' "
        "AND hash_order = ? AND hash_key = ? AND range_key = ? AND table_key = x''",
        [
            (expires_at, table_id, row.hash_order, row.hash_key, row.range_key)
            for expires_at, row in expiries
        ],
    )


# -- outbox ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutboxRow:
    id: int
    stream_arn: str
    partition_key: str
    data: bytes
    created_ms: int


def add_to_outbox(
    connection: sqlite3.Connection, stream_arn: str, partition_key: str, data: bytes, now_ms: int
) -> None:
    connection.execute(
        "INSERT INTO outbox (stream_arn, partition_key, data, created_ms) VALUES (?, ?, ?, ?)",
        (stream_arn, partition_key, data, now_ms),
    )


def pending(connection: sqlite3.Connection, limit: int | None) -> list[OutboxRow]:
    """The oldest ``limit`` rows (all when ``None``), in commit order."""
    rows = connection.execute(
        "SELECT id, stream_arn, partition_key, data, created_ms FROM outbox ORDER BY id LIMIT ?",
        (-1 if limit is None else limit,),
    )
    return [OutboxRow(r[0], r[1], r[2], bytes(r[3]), r[4]) for r in rows]


def remove_from_outbox(connection: sqlite3.Connection, ids: Iterable[int]) -> None:
    connection.executemany("DELETE FROM outbox WHERE id = ?", [(i,) for i in ids])


# -- idempotency tokens ------------------------------------------------------------------------


def token_fingerprint(connection: sqlite3.Connection, token: str, since_ms: int) -> bytes | None:
    row = connection.execute(
        "SELECT fingerprint FROM tokens WHERE token = ? AND created_ms >= ?", (token, since_ms)
    ).fetchone()
    return None if row is None else bytes(row[0])


def remember_token(
    connection: sqlite3.Connection, token: str, fingerprint: bytes, now_ms: int
) -> None:
    connection.execute(
        "INSERT OR REPLACE INTO tokens (token, fingerprint, created_ms) VALUES (?, ?, ?)",
        (token, fingerprint, now_ms),
    )


def forget_tokens(connection: sqlite3.Connection, before_ms: int) -> None:
    connection.execute("DELETE FROM tokens WHERE created_ms < ?", (before_ms,))
