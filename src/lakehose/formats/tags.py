"""A resource's tags as Kinesis, Firehose, Lambda and Logs keep them: one ``tags`` table per store.

Kinesis and Firehose tag a stream with up to 50 key-value pairs (``AddTagsToStream`` /
``TagDeliveryStream``), Lambda a function (``TagResource``): adding an existing key replaces its
value, removing an absent key is no error, and listings return keys in sorted order
(``ListTagsForStream``, ``ListTagsForDeliveryStream``, ``ListTags``). The table has one owner
column, then ``key`` and ``value``, with the pair (owner, key) as primary key. Kinesis and
Firehose key it by the store's ``streams.id`` (``stream_id``, the default ``owner_column``; the
statement is part of each store's first migration, ``TAGS_TABLE``); Lambda's own schema keys it
by function name (``owner_column="function"``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from typing import Literal

__all__ = ["TAGS_TABLE", "OwnerColumn", "delete_tags", "put_tags", "tags"]

# The owner columns stores use: a closed set, as the name is part of the SQL text.
OwnerColumn = Literal["stream_id", "function", "log_group"]

TAGS_TABLE = """CREATE TABLE tags (
    stream_id INTEGER NOT NULL REFERENCES streams(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (stream_id, key)
);"""


def tags(
    connection: sqlite3.Connection,
    owner: int | str,
    *,
    owner_column: OwnerColumn = "stream_id",
) -> dict[str, str]:
    """The resource's tags, by key in sorted order."""
    rows = connection.execute(
        f"SELECT key, value FROM tags WHERE {owner_column} = ? ORDER BY key",
        (owner,),
    )
    return {str(key): str(value) for key, value in rows}


def put_tags(
    connection: sqlite3.Connection,
    owner: int | str,
    new: Mapping[str, str],
    *,
    owner_column: OwnerColumn = "stream_id",
) -> None:
    """Adds the tags; a key the resource already has takes the new value."""
    connection.executemany(
        f"INSERT INTO tags ({owner_column}, key, value) VALUES (?, ?, ?)"
        f" ON CONFLICT ({owner_column}, key) DO UPDATE SET value = excluded.value",
        [(owner, key, value) for key, value in new.items()],
    )


def delete_tags(
    connection: sqlite3.Connection,
    owner: int | str,
    keys: Iterable[str],
    *,
    owner_column: OwnerColumn = "stream_id",
) -> None:
    """Removes the tags with these keys; keys the resource does not have are ignored."""
    connection.executemany(
        f"DELETE FROM tags WHERE {owner_column} = ? AND key = ?",
        [(owner, key) for key in keys],
    )
