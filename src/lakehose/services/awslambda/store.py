"""SQLite persistence of functions, their versions and aliases, tags and policy statements.

One database, ``lambda.db`` in the engine's directory. A function's configuration is one JSON
document (``FunctionRecord``): it is always read and written whole, and only ever looked up by
name. Tags and policy statements are rows of their own so that one can change without rewriting
the other, and they go when their function goes (``ON DELETE CASCADE``). The ``tags`` table has
the shape ``lakehose.formats.tags`` reads and writes, keyed by function name (its
``owner_column="function"``).

A published version is a frozen copy of the function's record (``version`` set to its number);
an alias is a row naming the version it points to and its routing weights. Both go with their
function.

Functions take the connection of a transaction the engine opened, so every operation's reads and
writes commit together or not at all.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from lakehose.storage import Migration

_SCHEMA = """
CREATE TABLE functions (
    name TEXT PRIMARY KEY,
    record BLOB NOT NULL
);
CREATE TABLE tags (
    function TEXT NOT NULL REFERENCES functions(name) ON DELETE CASCADE,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (function, key)
);
CREATE TABLE statements (
    function TEXT NOT NULL REFERENCES functions(name) ON DELETE CASCADE,
    sid TEXT NOT NULL,
    position INTEGER NOT NULL,
    document BLOB NOT NULL,
    PRIMARY KEY (function, sid)
);
"""

_VERSIONS = """
CREATE TABLE versions (
    function TEXT NOT NULL REFERENCES functions(name) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    record BLOB NOT NULL,
    PRIMARY KEY (function, version)
);
CREATE TABLE aliases (
    function TEXT NOT NULL REFERENCES functions(name) ON DELETE CASCADE,
    name TEXT NOT NULL,
    document BLOB NOT NULL,
    PRIMARY KEY (function, name)
);
"""

_MAPPINGS = """
CREATE TABLE mappings (
    uuid TEXT PRIMARY KEY,
    function TEXT NOT NULL,
    document BLOB NOT NULL
);
CREATE TABLE checkpoints (
    mapping TEXT NOT NULL REFERENCES mappings(uuid) ON DELETE CASCADE,
    shard_id TEXT NOT NULL,
    sequence_number TEXT,
    finished INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (mapping, shard_id)
);
"""

# A mapping with a ParallelizationFactor reads each shard in that many lanes (records spread by
# partition key); each lane has its own checkpoint. Existing checkpoints become lane 0's.
_LANES = """
CREATE TABLE lane_checkpoints (
    mapping TEXT NOT NULL REFERENCES mappings(uuid) ON DELETE CASCADE,
    shard_id TEXT NOT NULL,
    lane INTEGER NOT NULL,
    sequence_number TEXT,
    finished INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (mapping, shard_id, lane)
);
INSERT INTO lane_checkpoints (mapping, shard_id, lane, sequence_number, finished)
    SELECT mapping, shard_id, 0, sequence_number, finished FROM checkpoints;
DROP TABLE checkpoints;
"""

MIGRATIONS = (
    Migration(1, _SCHEMA),
    Migration(2, _VERSIONS),
    Migration(3, _MAPPINGS),
    Migration(4, _LANES),
)


@dataclass(frozen=True)
class FunctionRecord:
    """Everything lakehose keeps about one function (its ``$LATEST``)."""

    name: str
    runtime: str
    role: str
    handler: str
    description: str
    timeout: int
    memory_size: int
    code_sha256: str
    code_hex: str
    code_size: int
    last_modified: str
    revision_id: str
    environment: dict[str, str] | None = None
    architectures: list[str] = field(default_factory=lambda: ["x86_64"])
    ephemeral_storage: int = 512
    tracing_mode: str = "PassThrough"
    reserved_concurrency: int | None = None
    version: str = "$LATEST"
    # The number the last published version took (numbers are never reused).
    last_version: int = 0

    def replace(self, **changes: Any) -> FunctionRecord:
        return dataclasses.replace(self, **changes)

    def to_json(self) -> bytes:
        return orjson.dumps(dataclasses.asdict(self))

    @classmethod
    def from_json(cls, data: bytes) -> FunctionRecord:
        return cls(**orjson.loads(data))


# -- functions ----------------------------------------------------------------------------------


def get_function(connection: sqlite3.Connection, name: str) -> FunctionRecord | None:
    row = connection.execute("SELECT record FROM functions WHERE name = ?", (name,)).fetchone()
    return FunctionRecord.from_json(row["record"]) if row else None


def insert_function(connection: sqlite3.Connection, record: FunctionRecord) -> bool:
    """Add ``record``; ``False`` if a function of that name exists already."""
    cursor = connection.execute(
        "INSERT OR IGNORE INTO functions (name, record) VALUES (?, ?)",
        (record.name, record.to_json()),
    )
    return cursor.rowcount == 1


def save_function(connection: sqlite3.Connection, record: FunctionRecord) -> None:
    connection.execute(
        "UPDATE functions SET record = ? WHERE name = ?", (record.to_json(), record.name)
    )


def delete_function(connection: sqlite3.Connection, name: str) -> None:
    connection.execute("DELETE FROM functions WHERE name = ?", (name,))


def list_functions(
    connection: sqlite3.Connection, after: str | None, limit: int
) -> list[FunctionRecord]:
    """Up to ``limit`` functions in name order, starting after the name ``after``."""
    rows = connection.execute(
        "SELECT record FROM functions WHERE name > ? ORDER BY name LIMIT ?", (after or "", limit)
    )
    return [FunctionRecord.from_json(row["record"]) for row in rows]


def all_functions(connection: sqlite3.Connection) -> list[FunctionRecord]:
    rows = connection.execute("SELECT record FROM functions ORDER BY name")
    return [FunctionRecord.from_json(row["record"]) for row in rows]


# -- versions and aliases -----------------------------------------------------------------------


@dataclass(frozen=True)
class AliasRecord:
    """An alias: the version it points to, its description, weights and revision."""

    name: str
    function_version: str
    description: str
    revision_id: str
    weights: dict[str, float] | None = None

    def to_json(self) -> bytes:
        return orjson.dumps(dataclasses.asdict(self))

    @classmethod
    def from_json(cls, data: bytes) -> AliasRecord:
        return cls(**orjson.loads(data))


def insert_version(connection: sqlite3.Connection, record: FunctionRecord) -> None:
    connection.execute(
        "INSERT INTO versions (function, version, record) VALUES (?, ?, ?)",
        (record.name, int(record.version), record.to_json()),
    )


def get_version(connection: sqlite3.Connection, name: str, version: int) -> FunctionRecord | None:
    row = connection.execute(
        "SELECT record FROM versions WHERE function = ? AND version = ?", (name, version)
    ).fetchone()
    return FunctionRecord.from_json(row["record"]) if row else None


def versions(connection: sqlite3.Connection, name: str) -> list[FunctionRecord]:
    rows = connection.execute(
        "SELECT record FROM versions WHERE function = ? ORDER BY version", (name,)
    )
    return [FunctionRecord.from_json(row["record"]) for row in rows]


def all_versions(connection: sqlite3.Connection) -> list[FunctionRecord]:
    rows = connection.execute("SELECT record FROM versions ORDER BY function, version")
    return [FunctionRecord.from_json(row["record"]) for row in rows]


def delete_version(connection: sqlite3.Connection, name: str, version: int) -> None:
    connection.execute("DELETE FROM versions WHERE function = ? AND version = ?", (name, version))


def get_alias(connection: sqlite3.Connection, function: str, name: str) -> AliasRecord | None:
    row = connection.execute(
        "SELECT document FROM aliases WHERE function = ? AND name = ?", (function, name)
    ).fetchone()
    return AliasRecord.from_json(row["document"]) if row else None


def put_alias(connection: sqlite3.Connection, function: str, alias: AliasRecord) -> None:
    connection.execute(
        "INSERT OR REPLACE INTO aliases (function, name, document) VALUES (?, ?, ?)",
        (function, alias.name, alias.to_json()),
    )


def delete_alias(connection: sqlite3.Connection, function: str, name: str) -> None:
    connection.execute("DELETE FROM aliases WHERE function = ? AND name = ?", (function, name))


def aliases(connection: sqlite3.Connection, function: str) -> list[AliasRecord]:
    rows = connection.execute(
        "SELECT document FROM aliases WHERE function = ? ORDER BY name", (function,)
    )
    return [AliasRecord.from_json(row["document"]) for row in rows]


# -- event source mappings and their checkpoints ------------------------------------------------


def get_mapping(connection: sqlite3.Connection, uuid: str) -> dict[str, Any] | None:
    row = connection.execute("SELECT document FROM mappings WHERE uuid = ?", (uuid,)).fetchone()
    return dict(orjson.loads(row["document"])) if row else None


def put_mapping(connection: sqlite3.Connection, mapping: Mapping[str, Any]) -> None:
    # An upsert, not a replace: replacing the row would cascade to its checkpoints.
    connection.execute(
        "INSERT INTO mappings (uuid, function, document) VALUES (?, ?, ?) "
        "ON CONFLICT (uuid) DO UPDATE SET function = excluded.function, "
        "document = excluded.document",
        (mapping["UUID"], mapping["FunctionName"], orjson.dumps(mapping)),
    )


def delete_mapping(connection: sqlite3.Connection, uuid: str) -> None:
    connection.execute("DELETE FROM mappings WHERE uuid = ?", (uuid,))


def mappings(connection: sqlite3.Connection) -> list[dict[str, Any]]:
    rows = connection.execute("SELECT document FROM mappings ORDER BY uuid")
    return [dict(orjson.loads(row["document"])) for row in rows]


def checkpoints(
    connection: sqlite3.Connection, mapping: str
) -> dict[tuple[str, int], tuple[str | None, bool]]:
    """Per shard and lane: the sequence number up to which the lane's records are done, and
    whether the lane has read its shard to the end."""
    rows = connection.execute(
        "SELECT shard_id, lane, sequence_number, finished FROM lane_checkpoints WHERE mapping = ?",
        (mapping,),
    )
    return {
        (row["shard_id"], row["lane"]): (row["sequence_number"], bool(row["finished"]))
        for row in rows
    }


def save_checkpoint(
    connection: sqlite3.Connection,
    mapping: str,
    shard_id: str,
    lane: int,
    sequence_number: str | None,
    finished: bool = False,
) -> None:
    connection.execute(
        "INSERT OR REPLACE INTO lane_checkpoints "
        "(mapping, shard_id, lane, sequence_number, finished) VALUES (?, ?, ?, ?, ?)",
        (mapping, shard_id, lane, sequence_number, int(finished)),
    )


def clear_checkpoints(connection: sqlite3.Connection, mapping: str) -> None:
    connection.execute("DELETE FROM lane_checkpoints WHERE mapping = ?", (mapping,))


# -- policy statements --------------------------------------------------------------------------


def statements(connection: sqlite3.Connection, name: str) -> list[dict[str, Any]]:
    """The function's policy statements in the order they were added."""
    rows = connection.execute(
        "SELECT document FROM statements WHERE function = ? ORDER BY position", (name,)
    )
    return [orjson.loads(row["document"]) for row in rows]


def add_statement(
    connection: sqlite3.Connection, name: str, sid: str, document: Mapping[str, Any]
) -> bool:
    """Append a statement; ``False`` if one with this ``sid`` exists already."""
    cursor = connection.execute(
        "INSERT OR IGNORE INTO statements (function, sid, position, document) "
        "SELECT ?, ?, COALESCE(MAX(position), 0) + 1, ? FROM statements WHERE function = ?",
        (name, sid, orjson.dumps(document), name),
    )
    return cursor.rowcount == 1


def remove_statement(connection: sqlite3.Connection, name: str, sid: str) -> bool:
    cursor = connection.execute(
        "DELETE FROM statements WHERE function = ? AND sid = ?", (name, sid)
    )
    return cursor.rowcount == 1


def reserved_concurrency_total(connection: sqlite3.Connection, excluding: str) -> int:
    """Concurrency reserved by every function but ``excluding`` (the account's share taken)."""
    return sum(
        record.reserved_concurrency or 0
        for record in all_functions(connection)
        if record.name != excluding
    )
