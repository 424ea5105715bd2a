"""The buffered records and the batches they are sealed into; delivered batches are the ledger.

Tables ``records`` and ``batches`` of ``firehose.db`` (schema in ``store``). ``stage`` names the
buffer a record waits in (``PROCESSING`` before a Lambda, ``DATA`` before the destination,
``ERROR`` before the error output) and ``lane`` the buffer within the stage (a dynamic
partition's keys, an error output type); ``batch`` is set once the record is sealed into a batch.
A batch row with ``delivered_ms`` set is a ledger entry: its object exists, its records are gone.

Record ids are SQLite's ``AUTOINCREMENT`` row ids, so ``ORDER BY id`` is arrival order in every
buffer. Functions take the connection of a transaction the engine opened.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from lakehose.services.firehose.records import SourceRecord
from lakehose.services.firehose.store import dumps

PROCESSING = "processing"
DATA = "data"
ERROR = "error"


# -- buffered records -----------------------------------------------------------------------


@dataclass(frozen=True)
class Buffered:
    """A record in one of a stream's buffers; ``id`` is its row id (its place in the order)."""

    id: int
    record: SourceRecord


_RECORD_COLUMNS = (
    "id, record_id, data, arrival_ms, shard_id, partition_key, sequence_number, subsequence"
)


def append(
    connection: sqlite3.Connection,
    stream_id: int,
    stage: str,
    entries: Iterable[tuple[str, SourceRecord]],
    buffered_ms: int,
) -> None:
    """Add ``(lane, record)`` entries to the stage's buffers, in order."""
    connection.executemany(
        "INSERT INTO records (stream_id, stage, lane, buffered_ms, arrival_ms, record_id, size,"
        " data, shard_id, partition_key, sequence_number, subsequence)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                stream_id,
                stage,
                lane,
                buffered_ms,
                record.arrival_ms,
                record.record_id,
                len(record.data),
                record.data,
                record.shard_id,
                record.partition_key,
                record.sequence_number,
                record.subsequence_number,
            )
            for lane, record in entries
        ],
    )


@dataclass(frozen=True)
class BufferState:
    """One open buffer: its lane, how much it holds, since when, and its newest record."""

    lane: str
    count: int
    size: int
    oldest_buffered_ms: int
    last_id: int


def open_buffers(connection: sqlite3.Connection, stream_id: int, stage: str) -> list[BufferState]:
    rows = connection.execute(
        "SELECT lane, COUNT(*), SUM(size), MIN(buffered_ms), MAX(id) FROM records WHERE"
        " stream_id = ? AND stage = ? AND batch IS NULL GROUP BY lane ORDER BY MIN(id)",
        (stream_id, stage),
    )
    return [
        BufferState(str(lane), int(n), int(size), int(oldest), int(last))
        for lane, n, size, oldest, last in rows
    ]


def buffered_sizes(
    connection: sqlite3.Connection, stream_id: int, stage: str, lane: str
) -> list[tuple[int, int]]:
    """``(id, size)`` of the lane's unsealed records in order, without reading their data."""
    rows = connection.execute(
        "SELECT id, size FROM records WHERE stream_id = ? AND stage = ? AND lane = ? AND batch IS"
        " NULL ORDER BY id",
        (stream_id, stage, lane),
    )
    return [(int(i), int(size)) for i, size in rows]


def buffered_records(
    connection: sqlite3.Connection, stream_id: int, stage: str, lane: str, up_to_id: int
) -> list[Buffered]:
    rows = connection.execute(
        f"SELECT {_RECORD_COLUMNS} FROM records WHERE stream_id = ? AND stage = ? AND lane = ?"
        " AND batch IS NULL AND id <= ? ORDER BY id",
        (stream_id, stage, lane, up_to_id),
    )
    return [_record(row) for row in rows]


def oldest_arrival(
    connection: sqlite3.Connection, stream_id: int, stage: str, lane: str, up_to_id: int
) -> int:
    """The earliest arrival time among the lane's unsealed records up to ``up_to_id``."""
    row = connection.execute(
        "SELECT MIN(arrival_ms) FROM records WHERE stream_id = ? AND stage = ? AND lane = ? AND"
        " batch IS NULL AND id <= ?",
        (stream_id, stage, lane, up_to_id),
    ).fetchone()
    return int(row[0])


def seal(
    connection: sqlite3.Connection, stream_id: int, stage: str, lane: str, up_to_id: int, seq: int
) -> int:
    """Put the lane's unsealed records up to ``up_to_id`` into batch ``seq``; how many."""
    return connection.execute(
        "UPDATE records SET batch = ? WHERE stream_id = ? AND stage = ? AND lane = ? AND batch IS"
        " NULL AND id <= ?",
        (seq, stream_id, stage, lane, up_to_id),
    ).rowcount


def batch_records(connection: sqlite3.Connection, stream_id: int, seq: int) -> list[Buffered]:
    rows = connection.execute(
        f"SELECT {_RECORD_COLUMNS} FROM records WHERE stream_id = ? AND batch = ? ORDER BY id",
        (stream_id, seq),
    )
    return [_record(row) for row in rows]


def delete_records(connection: sqlite3.Connection, ids: Iterable[int]) -> None:
    connection.executemany("DELETE FROM records WHERE id = ?", [(i,) for i in ids])


def _record(row: Sequence[Any]) -> Buffered:
    rid, record_id, data, arrival, shard, key, sequence, sub = row
    record = SourceRecord(
        record_id=str(record_id),
        data=bytes(data),
        arrival_ms=int(arrival),
        shard_id=shard,
        partition_key=key,
        sequence_number=sequence,
        subsequence_number=int(sub),
    )
    return Buffered(int(rid), record)


# -- batches --------------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchRow:
    stream_id: int
    seq: int
    stage: str
    lane: str
    plan: dict[str, Any]
    sealed_ms: int
    delivered_ms: int | None
    etag: str | None
    count: int


_BATCH_COLUMNS = "stream_id, seq, stage, lane, plan, sealed_ms, delivered_ms, etag, count"


def _batch(row: Sequence[Any]) -> BatchRow:
    values = list(row)
    values[4] = orjson.loads(values[4])
    return BatchRow(*values)


def insert_batch(connection: sqlite3.Connection, batch: BatchRow) -> None:
    connection.execute(
        f"INSERT INTO batches ({_BATCH_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            batch.stream_id,
            batch.seq,
            batch.stage,
            batch.lane,
            dumps(batch.plan),
            batch.sealed_ms,
            batch.delivered_ms,
            batch.etag,
            batch.count,
        ),
    )


def undelivered_batches(connection: sqlite3.Connection, stream_id: int) -> list[BatchRow]:
    query = (
        f"SELECT {_BATCH_COLUMNS} FROM batches WHERE stream_id = ? AND delivered_ms IS NULL"
        " ORDER BY seq"
    )
    return [_batch(row) for row in connection.execute(query, (stream_id,))]


def mark_delivered(
    connection: sqlite3.Connection, stream_id: int, seq: int, etag: str, now_ms: int
) -> bool:
    """Record the batch in the ledger; ``False`` if it was already there."""
    return (
        connection.execute(
            "UPDATE batches SET delivered_ms = ?, etag = ? WHERE stream_id = ? AND seq = ? AND"
            " delivered_ms IS NULL",
            (now_ms, etag, stream_id, seq),
        ).rowcount
        == 1
    )


def delete_batch_records(connection: sqlite3.Connection, stream_id: int, seq: int) -> None:
    connection.execute("DELETE FROM records WHERE stream_id = ? AND batch = ?", (stream_id, seq))
