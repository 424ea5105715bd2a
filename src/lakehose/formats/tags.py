"""A resource's tags as Kinesis and Firehose keep them: one SQLite ``tags`` table per store.

Both services tag a stream with up to 50 key-value pairs (``AddTagsToStream`` /
``TagDeliveryStream``): adding an existing key replaces its value, removing an absent key is
no error, and listings return keys in sorted order (``ListTagsForStream``,
``ListTagsForDeliveryStream``). The table is keyed by the store's ``streams.id``; the
statement is part of each store's first migration (``TAGS_TABLE``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping

__all__ = ["TAGS_TABLE", "delete_tags", "put_tags", "tags"]

TAGS_TABLE = """CREATE TABLE tags (
    stream_id INTEGER NOT NULL REFERENCES streams(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (stream_id, key)
);"""


def tags(connection: sqlite3.Connection, stream_id: int) -> dict[str, str]:
    """The stream's tags, by key in sorted order."""
    rows = connection.execute(
        "SELECT key, value FROM tags WHERE stream_id = ? ORDER BY key", (stream_id,)
    )
    return {str(key): str(value) for key, value in rows}


def put_tags(connection: sqlite3.Connection, stream_id: int, new: Mapping[str, str]) -> None:
    """Adds the tags; a key the stream already has takes the new value."""
    connection.executemany(
        "INSERT INTO tags (stream_id, key, value) VALUES (?, ?, ?) ON CONFLICT (stream_id, key)"
        " DO UPDATE SET value = excluded.value",
        [(stream_id, key, value) for key, value in new.items()],
    )


def delete_tags(connection: sqlite3.Connection, stream_id: int, keys: Iterable[str]) -> None:
    """Removes the tags with these keys; keys the stream does not have are ignored."""
    connection.executemany(
        "DELETE FROM tags WHERE stream_id = ? AND key = ?", [(stream_id, key) for key in keys]
    )
