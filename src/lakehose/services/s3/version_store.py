"""SQLite persistence of what is not a key's current object: noncurrent versions, delete markers.

The ``objects`` table holds each key's current version (what GET without ``versionId`` reads and
what listings show). Everything older, and every delete marker, is a row of ``versions``,
numbered per key by ``seq``: a key's rows are newer the higher their ``seq``, and the current
object, when there is one, is newer than all of them. A key whose newest row is a delete marker and
that has no current object reads as deleted.

A version id of ``None`` is S3's ``null`` version (written while versioning was never enabled or
was suspended); a key has at most one.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import orjson

from lakehose.services.s3 import store
from lakehose.services.s3.store import ObjectRow, object_row, object_values

_COLUMNS = (
    "bucket_id, key, blob, size, etag, modified, headers, metadata, checksum_algorithm, "
    "checksum_value, checksum_type, parts_count, storage_class, version_id, attributes"
)


def push(connection: sqlite3.Connection, item: ObjectRow) -> None:
    """Make ``item`` (an object that stops being current, or a delete marker) the key's newest
    noncurrent row."""
    connection.execute(
        f"INSERT INTO versions ({_COLUMNS}, seq, delete_marker) VALUES "
        "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
        "(SELECT COALESCE(MAX(seq), 0) + 1 FROM versions WHERE bucket_id = ? AND key = ?), ?)",
        (
            *object_values(item)[:2],
            item.blob or None,
            *object_values(item)[3:],
            item.bucket_id,
            item.key,
            int(item.delete_marker),
        ),
    )


def of_key(connection: sqlite3.Connection, bucket_id: int, key: bytes) -> list[ObjectRow]:
    """The key's noncurrent rows, newest first."""
    rows = connection.execute(
        f"SELECT {_COLUMNS}, delete_marker FROM versions WHERE bucket_id = ? AND key = ? "
        "ORDER BY seq DESC",
        (bucket_id, key),
    )
    return [object_row(row) for row in rows]


def newest(connection: sqlite3.Connection, bucket_id: int, key: bytes) -> ObjectRow | None:
    row = connection.execute(
        f"SELECT {_COLUMNS}, delete_marker FROM versions WHERE bucket_id = ? AND key = ? "
        "ORDER BY seq DESC LIMIT 1",
        (bucket_id, key),
    ).fetchone()
    return object_row(row) if row else None


def find(
    connection: sqlite3.Connection, bucket_id: int, key: bytes, version_id: str | None
) -> ObjectRow | None:
    row = connection.execute(
        f"SELECT {_COLUMNS}, delete_marker FROM versions WHERE bucket_id = ? AND key = ? "
        "AND version_id IS ?",
        (bucket_id, key, version_id),
    ).fetchone()
    return object_row(row) if row else None


def remove(
    connection: sqlite3.Connection, bucket_id: int, key: bytes, version_id: str | None
) -> str | None:
    """Delete the noncurrent row with this version id; returns its blob, if it had one."""
    row = connection.execute(
        "DELETE FROM versions WHERE bucket_id = ? AND key = ? AND version_id IS ? RETURNING blob",
        (bucket_id, key, version_id),
    ).fetchone()
    return str(row["blob"]) if row and row["blob"] else None


def set_attributes(
    connection: sqlite3.Connection,
    bucket_id: int,
    key: bytes,
    version_id: str | None,
    attributes: dict[str, Any],
) -> None:
    """Replace the attributes (ACL, tags) of a version, current or not."""
    current = store.find_object(connection, bucket_id, key)
    if current is not None and current.version_id == version_id:
        store.set_object_attributes(connection, bucket_id, key, attributes)
        return
    connection.execute(
        "UPDATE versions SET attributes = ? WHERE bucket_id = ? AND key = ? AND version_id IS ?",
        (orjson.dumps(attributes), bucket_id, key, version_id),
    )


def scan(
    connection: sqlite3.Connection, bucket_id: int, low: bytes, high: bytes | None, limit: int
) -> list[bytes]:
    """Distinct keys with noncurrent rows, ``low <= key < high``, in key order."""
    sql, parameters = store.in_key_range("SELECT DISTINCT key FROM versions", bucket_id, low, high)
    sql += " ORDER BY key LIMIT ?"
    parameters.append(limit)
    return [bytes(row["key"]) for row in connection.execute(sql, parameters)]
