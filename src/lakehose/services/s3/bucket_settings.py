"""A bucket's settings documents, durable in the ``bucket_settings`` table by name.

Each setting is one JSON document in the shape its Get operation returns (ownership controls,
public access block, encryption, versioning, ACL...). A setting that was never put reads as
``None``; callers that have an S3 default (encryption: SSE-S3) apply it themselves.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import orjson

OWNERSHIP = "ownership"
PUBLIC_ACCESS_BLOCK = "public_access_block"
ENCRYPTION = "encryption"
VERSIONING = "versioning"
ACL = "acl"
LIFECYCLE = "lifecycle"
CORS = "cors"


def read(connection: sqlite3.Connection, bucket_id: int, name: str) -> Any:
    row = connection.execute(
        "SELECT value FROM bucket_settings WHERE bucket_id = ? AND name = ?", (bucket_id, name)
    ).fetchone()
    return orjson.loads(row["value"]) if row else None


def write(connection: sqlite3.Connection, bucket_id: int, name: str, value: Any) -> None:
    """Store ``value`` as the setting (``None`` removes it)."""
    if value is None:
        connection.execute(
            "DELETE FROM bucket_settings WHERE bucket_id = ? AND name = ?", (bucket_id, name)
        )
        return
    connection.execute(
        "INSERT OR REPLACE INTO bucket_settings (bucket_id, name, value) VALUES (?, ?, ?)",
        (bucket_id, name, orjson.dumps(value)),
    )


def all_with(connection: sqlite3.Connection, name: str) -> list[tuple[int, Any]]:
    """Every bucket that has the setting, with its value."""
    rows = connection.execute(
        "SELECT bucket_id, value FROM bucket_settings WHERE name = ?", (name,)
    )
    return [(row["bucket_id"], orjson.loads(row["value"])) for row in rows]
