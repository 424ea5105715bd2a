"""The tags table Kinesis and Firehose share (``lakehose.formats.tags``)."""

from __future__ import annotations

import sqlite3

from lakehose.formats.tags import TAGS_TABLE, delete_tags, put_tags, tags


def test_put_replaces_delete_ignores_absent_keys_and_listing_is_sorted() -> None:
    connection = sqlite3.connect(":memory:")
    connection.executescript("CREATE TABLE streams (id INTEGER PRIMARY KEY);" + TAGS_TABLE)
    connection.execute("INSERT INTO streams (id) VALUES (1), (2)")
    put_tags(connection, 1, {"b": "1", "a": "2"})
    put_tags(connection, 1, {"b": "3"})
    put_tags(connection, 2, {"c": "4"})
    delete_tags(connection, 1, ["a", "absent"])
    assert tags(connection, 1) == {"b": "3"}
    assert list(tags(connection, 2)) == ["c"]
    put_tags(connection, 1, {"z": "", "m": "x"})
    assert list(tags(connection, 1)) == ["b", "m", "z"]
