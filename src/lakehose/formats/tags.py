"""A resource's tags as Kinesis, Firehose, Lambda and Logs keep them: one ``tags`` table per store.

Kinesis and Firehose tag a stream with up to 50 key-value pairs (``AddTagsToStream`` /
``TagDeliveryStream``), Lambda a function (``TagResource``): adding an existing key replaces its
value, removing an absent key is no error, and listings return keys in sorted order
(``ListTagsForStream``, ``ListTagsForDeliveryStream``, ``ListTags``). The table has one owner
column, then ``key`` and ``value``, with the pair (owner, key) as primary key. Kinesis and
Firehose key it by the store's ``streams.id`` (``stream_id``, the default ``owner_column``; the
statement is part of each store's first migration, ``TAGS_TABLE``); Lambda's own schema keys it
by function name (``owner_column="function"``). Kinesis keeps its consumers' tags in a second
table, ``consumer_tags``, keyed by consumer ARN (``table="consumer_tags"``,
``owner_column="consumer_arn"``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from typing import Literal

__all__ = ["TAGS_TABLE", "OwnerColumn", "TagTable", "delete_tags", "put_tags", "tags"]

# The tables and owner columns stores use: closed sets, as the names are part of the SQL text.
OwnerColumn = Literal["stream_id", "function", "consumer_arn", "log_group"]
TagTable = Literal["tags", "consumer_tags"]

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
    table: TagTable = "tags",
) -> dict[str, str]:
    """The resource's tags, by key in sorted order."""
    rows = connection.execute(
        f"SELECT key, value FROM {table} WHERE {owner_column} = ? ORDER BY key",
        (owner,),
    )
    return {str(key): str(value) for key, value in rows}


def put_tags(
    connection: sqlite3.Connection,
    owner: int | str,
    new: Mapping[str, str],
    *,
    owner_column: OwnerColumn = "stream_id",
    table: TagTable = "tags",
) -> None:
    """Adds the tags; a key the resource already has takes the new value."""
    connection.executemany(
        f"INSERT INTO {table} ({owner_column}, key, value) VALUES (?, ?, ?)"
        f" ON CONFLICT ({owner_column}, key) DO UPDATE SET value = excluded.value",
        [(owner, key, value) for key, value in new.items()],
    )


def delete_tags(
    connection: sqlite3.Connection,
    owner: int | str,
    keys: Iterable[str],
    *,
    owner_column: OwnerColumn = "stream_id",
    table: TagTable = "tags",
) -> None:
    """Removes the tags with these keys; keys the resource does not have are ignored."""
    connection.executemany(
        f"DELETE FROM {table} WHERE {owner_column} = ? AND key = ?",
        [(owner, key) for key in keys],
    )
