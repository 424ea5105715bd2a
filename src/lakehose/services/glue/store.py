"""SQLite persistence of the Data Catalog (databases, tables, versions, partitions) and crawlers.

One database, ``glue.db`` in the engine's directory. Catalog objects are stored as the JSON
documents the API returns (``Database``, ``Table``, ``Partition``), timestamps as epoch seconds,
so what a client gave comes back member for member. Every table version is kept
(``table_versions``); ``tables.version`` names the current one. Names are stored as Glue stores
them, lowercased, so lookups are exact matches.

Partitions are keyed by the JSON text of their values and listed in creation order (``id``), which
is also what pagination tokens and segments are computed from.

Functions take the connection of a transaction the engine opened, so every operation's reads and
writes commit together or not at all.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from typing import Any

import orjson

from lakehose.storage import Migration

_SCHEMA = """
CREATE TABLE databases (
    name TEXT PRIMARY KEY,
    document BLOB NOT NULL,
    tags BLOB NOT NULL
);
CREATE TABLE tables (
    database TEXT NOT NULL REFERENCES databases(name) ON DELETE CASCADE,
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    PRIMARY KEY (database, name)
);
CREATE TABLE table_versions (
    database TEXT NOT NULL,
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    document BLOB NOT NULL,
    PRIMARY KEY (database, name, version),
    FOREIGN KEY (database, name) REFERENCES tables(database, name) ON DELETE CASCADE
);
CREATE TABLE partitions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    database TEXT NOT NULL,
    table_name TEXT NOT NULL,
    values_key TEXT NOT NULL,
    document BLOB NOT NULL,
    UNIQUE (database, table_name, values_key),
    FOREIGN KEY (database, table_name) REFERENCES tables(database, name) ON DELETE CASCADE
);
CREATE TABLE crawlers (
    name TEXT PRIMARY KEY,
    document BLOB NOT NULL,
    tags BLOB NOT NULL,
    state TEXT NOT NULL,
    due REAL,
    run BLOB,
    history BLOB NOT NULL
);
"""

MIGRATIONS = (Migration(1, _SCHEMA),)

Document = dict[str, Any]


def dumps(document: Any) -> bytes:
    return orjson.dumps(document)


def loads(blob: bytes | None) -> Any:
    return None if blob is None else orjson.loads(blob)


def values_key(values: Sequence[str]) -> str:
    """The stored identity of a partition: its values as JSON text."""
    return orjson.dumps(list(values)).decode()


# -- databases ------------------------------------------------------------------------------


def find_database(connection: sqlite3.Connection, name: str) -> Document | None:
    row = connection.execute("SELECT document FROM databases WHERE name = ?", (name,)).fetchone()
    return None if row is None else loads(row[0])


def database_page(connection: sqlite3.Connection, after: str, limit: int) -> list[Document]:
    query = "SELECT document FROM databases WHERE name > ? ORDER BY name LIMIT ?"
    return [loads(row[0]) for row in connection.execute(query, (after, limit))]


def put_database(
    connection: sqlite3.Connection, document: Document, tags: dict[str, str] | None = None
) -> None:
    """Insert a database, or replace its document (keeping its tags) when ``tags`` is None."""
    name = document["Name"]
    if tags is None:
        connection.execute(
            "UPDATE databases SET document = ? WHERE name = ?", (dumps(document), name)
        )
    else:
        connection.execute(
            "INSERT INTO databases (name, document, tags) VALUES (?, ?, ?)",
            (name, dumps(document), dumps(tags)),
        )


def delete_database(connection: sqlite3.Connection, name: str) -> None:
    """Delete a database; its tables, versions and partitions go with it (cascade)."""
    connection.execute("DELETE FROM databases WHERE name = ?", (name,))


# -- tables ---------------------------------------------------------------------------------


def find_table(connection: sqlite3.Connection, database: str, name: str) -> Document | None:
    row = connection.execute(
        "SELECT v.document FROM tables t JOIN table_versions v "
        "ON v.database = t.database AND v.name = t.name AND v.version = t.version "
        "WHERE t.database = ? AND t.name = ?",
        (database, name),
    ).fetchone()
    return None if row is None else loads(row[0])


def tables_of(connection: sqlite3.Connection, database: str) -> list[Document]:
    """The current version of every table in ``database``, by name."""
    rows = connection.execute(
        "SELECT v.document FROM tables t JOIN table_versions v "
        "ON v.database = t.database AND v.name = t.name AND v.version = t.version "
        "WHERE t.database = ? ORDER BY t.name",
        (database,),
    )
    return [loads(row[0]) for row in rows]


def put_table_version(
    connection: sqlite3.Connection, database: str, name: str, version: int, document: Document
) -> None:
    """Store ``document`` as ``version`` of the table and make it current (creating the table)."""
    connection.execute(
        "INSERT INTO tables (database, name, version) VALUES (?, ?, ?) "
        "ON CONFLICT (database, name) DO UPDATE SET version = excluded.version",
        (database, name, version),
    )
    connection.execute(
        "INSERT OR REPLACE INTO table_versions (database, name, version, document) "
        "VALUES (?, ?, ?, ?)",
        (database, name, version, dumps(document)),
    )


def table_versions(
    connection: sqlite3.Connection, database: str, name: str, after: int, limit: int
) -> list[Document]:
    rows = connection.execute(
        "SELECT document FROM table_versions WHERE database = ? AND name = ? AND version > ? "
        "ORDER BY version LIMIT ?",
        (database, name, after, limit),
    )
    return [loads(row[0]) for row in rows]


def delete_table(connection: sqlite3.Connection, database: str, name: str) -> bool:
    cursor = connection.execute(
        "DELETE FROM tables WHERE database = ? AND name = ?", (database, name)
    )
    return cursor.rowcount > 0


# -- partitions -----------------------------------------------------------------------------


def find_partition(
    connection: sqlite3.Connection, database: str, table: str, values: Sequence[str]
) -> tuple[int, Document] | None:
    row = connection.execute(
        "SELECT id, document FROM partitions "
        "WHERE database = ? AND table_name = ? AND values_key = ?",
        (database, table, values_key(values)),
    ).fetchone()
    return None if row is None else (int(row[0]), loads(row[1]))


def insert_partition(
    connection: sqlite3.Connection, database: str, table: str, document: Document
) -> None:
    connection.execute(
        "INSERT INTO partitions (database, table_name, values_key, document) VALUES (?, ?, ?, ?)",
        (database, table, values_key(document["Values"]), dumps(document)),
    )


def replace_partition(connection: sqlite3.Connection, row_id: int, document: Document) -> None:
    """Rewrite a partition in place: it keeps its position in listings."""
    connection.execute(
        "UPDATE partitions SET values_key = ?, document = ? WHERE id = ?",
        (values_key(document["Values"]), dumps(document), row_id),
    )


def delete_partition(connection: sqlite3.Connection, row_id: int) -> None:
    connection.execute("DELETE FROM partitions WHERE id = ?", (row_id,))


def partitions_after(
    connection: sqlite3.Connection, database: str, table: str, after: int
) -> Iterator[tuple[int, str, Document]]:
    """``(id, values_key, document)`` of the table's partitions past ``after``, in order."""
    rows = connection.execute(
        "SELECT id, values_key, document FROM partitions "
        "WHERE database = ? AND table_name = ? AND id > ? ORDER BY id",
        (database, table, after),
    )
    for row in rows:
        yield int(row[0]), str(row[1]), loads(row[2])


# -- crawlers -------------------------------------------------------------------------------


def find_crawler(connection: sqlite3.Connection, name: str) -> sqlite3.Row | None:
    row: sqlite3.Row | None = connection.execute(
        "SELECT name, document, state, due, run, history FROM crawlers WHERE name = ?", (name,)
    ).fetchone()
    return row


def crawler_page(connection: sqlite3.Connection, after: str, limit: int) -> list[sqlite3.Row]:
    return list(
        connection.execute(
            "SELECT name, document, state, due, run, history FROM crawlers "
            "WHERE name > ? ORDER BY name LIMIT ?",
            (after, limit),
        )
    )


def insert_crawler(
    connection: sqlite3.Connection, name: str, document: Document, tags: dict[str, str]
) -> None:
    connection.execute(
        "INSERT INTO crawlers (name, document, tags, state, history) VALUES (?, ?, ?, 'READY', ?)",
        (name, dumps(document), dumps(tags), dumps({})),
    )


def set_crawler_state(
    connection: sqlite3.Connection,
    name: str,
    state: str,
    due: float | None,
    run: Document | None,
    history: Document | None = None,
    document: Document | None = None,
) -> None:
    """Move a crawler to ``state``; ``history`` and ``document`` are kept when None."""
    connection.execute(
        "UPDATE crawlers SET state = ?, due = ?, run = ?, "
        "history = COALESCE(?, history), document = COALESCE(?, document) WHERE name = ?",
        (
            state,
            due,
            None if run is None else dumps(run),
            None if history is None else dumps(history),
            None if document is None else dumps(document),
            name,
        ),
    )


def due_crawlers(connection: sqlite3.Connection, now: float) -> list[str]:
    """Crawlers whose current state has work due by ``now`` (RUNNING or STOPPING)."""
    rows = connection.execute(
        "SELECT name FROM crawlers WHERE due IS NOT NULL AND due <= ? ORDER BY due, name", (now,)
    )
    return [str(row[0]) for row in rows]


def delete_crawler(connection: sqlite3.Connection, name: str) -> None:
    connection.execute("DELETE FROM crawlers WHERE name = ?", (name,))
