"""How a stream's shards live: one open shard at a time, rolling over every four hours.

AWS does not document when DynamoDB Streams closes a shard; it says shards are ephemeral, created
and deleted automatically, and that a shard may split into children. lakehose's rule: a stream
has exactly one open shard; it closes when it is four hours old (AWS's shards are observed to roll
over at about that age) or when the stream is disabled, and a rolled-over shard's single child
(``ParentShardId`` = the closed shard) opens at once. Because a stream's records all go to its one
open shard, reading each shard to its end before its child keeps every item's changes in order.

Retention is AWS's 24 hours: records older than that are trimmed (raising the shard's trim
horizon), a closed shard disappears 24 hours after it closed, and a disabled stream 24 hours
after it was disabled, when nothing in it is readable any more.
"""

from __future__ import annotations

import sqlite3

from lakehose.ids import IdGenerator
from lakehose.services.dynamodbstreams import store

SHARD_LIFETIME_MS = 4 * 3600 * 1000
RETENTION_MS = 24 * 3600 * 1000
# Sequence numbers are 21 decimal digits or more (the model's minimum length), as AWS's are.
SEQUENCE_BASE = 10**20


def sequence_text(seq: int) -> str:
    return str(SEQUENCE_BASE + seq)


def sequence_value(text: str) -> int | None:
    """The counter value of a sequence number, or ``None`` if ``text`` cannot be one of ours."""
    if not text.isascii() or not text.isdigit():
        return None
    value = int(text) - SEQUENCE_BASE
    return value if value >= 1 else None


def new_shard(
    connection: sqlite3.Connection,
    ids: IdGenerator,
    stream_arn: str,
    parent: str | None,
    now_ms: int,
) -> None:
    """Open a shard starting at the next sequence number; its id is AWS-shaped."""
    shard_id = f"shardId-{now_ms:020d}-{ids.hex(8)}"
    store.insert_shard(
        connection, stream_arn, shard_id, parent, store.next_sequence(connection), now_ms
    )


def close(connection: sqlite3.Connection, shard: store.ShardRow, now_ms: int) -> None:
    """Close ``shard`` at its last record; an empty shard ends at its start, which is consumed so
    that the next shard's range begins after it."""
    last = store.last_seq(connection, shard.id)
    if last is None:
        if store.next_sequence(connection) <= shard.start_seq:
            store.consume_sequence(connection)
        last = shard.start_seq
    store.close_shard(connection, shard.id, last, now_ms)


def roll_over(
    connection: sqlite3.Connection, ids: IdGenerator, stream_arn: str, now_ms: int
) -> store.ShardRow | None:
    """The stream's open shard after closing it for age (and opening its child) if due."""
    shard = store.open_shard(connection, stream_arn)
    if shard is None or now_ms - shard.created_ms < SHARD_LIFETIME_MS:
        return shard
    close(connection, shard, now_ms)
    new_shard(connection, ids, stream_arn, shard.shard_id, now_ms)
    return store.open_shard(connection, stream_arn)


def expire(connection: sqlite3.Connection, now_ms: int) -> None:
    """Apply the 24-hour retention to records, closed shards and disabled streams."""
    horizon = now_ms - RETENTION_MS
    store.trim(connection, horizon)
    for stream in store.streams(connection, None):
        if stream.disabled_ms is not None and stream.disabled_ms < horizon:
            store.delete_stream(connection, stream.arn)
            continue
        for shard in store.shards(connection, stream.arn):
            if shard.closed_ms is not None and shard.closed_ms < horizon:
                store.delete_shard(connection, shard.id)


def next_due(connection: sqlite3.Connection) -> int | None:
    """When ``roll_over`` or ``expire`` next has something to do; ``None`` when nothing ever."""
    moments = [
        store.oldest_open_shard_ms(connection),
        store.oldest_record_ms(connection),
        store.oldest_closed_shard_ms(connection),
        store.oldest_disabled_ms(connection),
    ]
    lifetimes = (SHARD_LIFETIME_MS, RETENTION_MS, RETENTION_MS, RETENTION_MS)
    due = [
        moment + lifetime
        for moment, lifetime in zip(moments, lifetimes, strict=True)
        if moment is not None
    ]
    return min(due) if due else None
