"""Writing and reading records: PutRecord, PutRecords, GetShardIterator, GetRecords.

Commit order of a write, all in one SQLite transaction (so an acknowledged record is durable and
a failed request leaves nothing behind):

1. look the stream up and route every record to its open shard by hash key;
2. admit each record against the shard's throughput window (when limits are enforced);
3. give admitted records the shard's next counters and insert them;
4. store the shards' new next counters; commit, then answer with the sequence numbers.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lakehose.services.kinesis import sequences, store
from lakehose.services.kinesis.base import KinesisBase
from lakehose.services.kinesis.errors import (
    DryRunOperationException,
    InvalidArgumentException,
    ProvisionedThroughputExceededException,
    ResourceNotFoundException,
    ValidationException,
    missing_members,
    rate_exceeded_message,
    shard_id,
)
from lakehose.services.kinesis.hashing import MAX_HASH_KEY, HashRouter, partition_key_hash
from lakehose.services.kinesis.iterators import IteratorPosition
from lakehose.services.kinesis.rows import RecordRow, ShardRow, StreamRow, timestamp
from lakehose.services.kinesis.statuses import StreamStatus

MIB = 1 << 20
GET_RECORDS_LIMIT = 10_000
GET_RECORDS_MAX_BYTES = 10 * MIB
# A PutRecords request, data and partition keys: 10 MiB since AWS raised it from 5 MiB with
# large records (the API reference, for every stream whatever its maximum record size).
PUT_RECORDS_MAX_BYTES = 10 * MIB
_SEQUENCE_TYPES = ("AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER")


@dataclass(frozen=True)
class _Entry:
    """One record of a put request, checked and hashed."""

    partition_key: str
    data: bytes
    hash_key: int
    size: int  # what counts against the size limits and throughput: data plus key bytes

    @classmethod
    def of(cls, partition_key: str, data: bytes, explicit_hash_key: str | None) -> _Entry:
        hash_key = _hash_key(partition_key, explicit_hash_key)
        return cls(partition_key, data, hash_key, len(data) + len(partition_key.encode("utf-8")))


@dataclass(frozen=True)
class _Placed:
    """Where a record went: its shard, and its counter unless throughput refused it."""

    shard: int
    counter: int | None


class RecordOperations(KinesisBase):
    def put_record(
        self,
        *,
        data: bytes,
        partition_key: str | None = None,
        explicit_hash_key: str | None = None,
        sequence_number_for_ordering: str | None = None,
        stream_name: str | None = None,
        stream_arn: str | None = None,
        dry_run: bool | None = None,
    ) -> dict[str, Any]:
        if partition_key is None:
            raise missing_members(["partitionKey"])
        name = self._stream_name(stream_name, stream_arn)
        entry = _Entry.of(partition_key, data, explicit_hash_key)
        now = self._now_ms()
        if sequence_number_for_ordering is not None:
            parts = sequences.decode(sequence_number_for_ordering)
            if parts is None or parts.arrival * 1000 > now:
                raise InvalidArgumentException(
                    f"ExclusiveMinimumSequenceNumber {sequence_number_for_ordering} used in "
                    f"PutRecord on stream {name} under account {self.account_id} is invalid."
                )
        with self.db.transaction() as connection:
            stream = self._locate_at(connection, stream_name, stream_arn, now, active=False)
            _check_size(stream, entry, "data")
            if dry_run:
                raise DryRunOperationException()
            shards, placed = self._append(connection, stream, [entry], now)
        where = placed[0]
        if where.counter is None:
            raise ProvisionedThroughputExceededException(
                rate_exceeded_message(where.shard, stream.name, self.account_id)
            )
        return {
            "ShardId": shard_id(where.shard),
            "SequenceNumber": shards[where.shard].sequence_of(where.counter, now),
            **_encryption(stream),
        }

    def put_records(
        self,
        *,
        records: list[dict[str, Any]],
        stream_name: str | None = None,
        stream_arn: str | None = None,
        dry_run: bool | None = None,
    ) -> dict[str, Any]:
        missing = [
            f"records.{position}.member.partitionKey"
            for position, record in enumerate(records, start=1)
            if record.get("PartitionKey") is None
        ]
        if missing:
            raise missing_members(missing)
        self._stream_name(stream_name, stream_arn)
        entries = [
            _Entry.of(record["PartitionKey"], record["Data"], record.get("ExplicitHashKey"))
            for record in records
        ]
        now = self._now_ms()
        with self.db.transaction() as connection:
            stream = self._locate_at(connection, stream_name, stream_arn, now, active=False)
            for position, entry in enumerate(entries, start=1):
                _check_size(stream, entry, f"records.{position}.member.data")
            if sum(entry.size for entry in entries) > PUT_RECORDS_MAX_BYTES:
                raise InvalidArgumentException(
                    f"Records size exceeds {PUT_RECORDS_MAX_BYTES // MIB} MB limit"
                )
            if dry_run:
                raise DryRunOperationException()
            shards, placed = self._append(connection, stream, entries, now)
        results: list[dict[str, str]] = []
        for where in placed:
            if where.counter is None:
                message = rate_exceeded_message(where.shard, stream.name, self.account_id)
                results.append(
                    {"ErrorCode": "ProvisionedThroughputExceededException", "ErrorMessage": message}
                )
            else:
                results.append(
                    {
                        "SequenceNumber": shards[where.shard].sequence_of(where.counter, now),
                        "ShardId": shard_id(where.shard),
                    }
                )
        failed = sum(1 for where in placed if where.counter is None)
        return {"FailedRecordCount": failed, "Records": results, **_encryption(stream)}

    def _append(
        self,
        connection: sqlite3.Connection,
        stream: StreamRow,
        entries: list[_Entry],
        now_ms: int,
    ) -> tuple[dict[int, ShardRow], list[_Placed]]:
        """Steps 1-4 of the commit order."""
        shards = {s.index: s for s in store.shards(connection, stream.id, open_only=True)}
        router = HashRouter(_ranges(shards))
        counters = {index: shard.next_counter for index, shard in shards.items()}
        placed: list[_Placed] = []
        rows: list[tuple[int, int, int, int, str, bytes, bool]] = []
        encrypted = stream.encryption_type == "KMS"
        for entry in entries:
            index = router.shard_for(entry.hash_key)
            if not self.limits.admit_write((stream.id, index), entry.size, now_ms):
                placed.append(_Placed(index, None))
                continue
            counter = counters[index]
            counters[index] = counter + 1
            placed.append(_Placed(index, counter))
            rows.append(
                (stream.id, index, counter, now_ms, entry.partition_key, entry.data, encrypted)
            )
        store.insert_records(connection, rows)
        store.set_next_counters(
            connection,
            stream.id,
            {i: c for i, c in counters.items() if c != shards[i].next_counter},
        )
        return shards, placed

    # -- reading ------------------------------------------------------------------------------

    def get_shard_iterator(
        self,
        *,
        shard_id: str,
        shard_iterator_type: str,
        starting_sequence_number: str | None = None,
        timestamp: datetime | None = None,
        stream_name: str | None = None,
        stream_arn: str | None = None,
        dry_run: bool | None = None,
    ) -> dict[str, Any]:
        name = self._stream_name(stream_name, stream_arn)
        index = self._shard_index(shard_id)
        if index is None:
            raise ResourceNotFoundException.shard_named(shard_id, name, self.account_id)
        check_iterator_arguments(shard_iterator_type, starting_sequence_number, timestamp)
        now = self._now_ms()
        with self.db.read() as connection:
            stream, shard = self._readable_shard(connection, name, index, now)
            if not self.limits.admit_iterator((stream.id, index), now):
                raise ProvisionedThroughputExceededException(
                    rate_exceeded_message(index, stream.name, self.account_id)
                )
            position = self._position(
                connection,
                stream,
                shard,
                shard_iterator_type,
                starting_sequence_number,
                timestamp,
                now,
            )
        if dry_run:
            raise DryRunOperationException()
        iterator = self.iterators.encode(IteratorPosition(stream.name, index, position, now))
        return {"ShardIterator": iterator}

    def _position(
        self,
        connection: sqlite3.Connection,
        stream: StreamRow,
        shard: ShardRow,
        kind: str,
        sequence_number: str | None,
        moment: datetime | None,
        now_ms: int,
    ) -> int:
        """The counter of the first record an iterator of ``kind`` reads."""
        if kind == "TRIM_HORIZON":
            return 0  # reads skip what retention removed
        if kind == "LATEST":
            return shard.next_counter
        if kind == "AT_TIMESTAMP":
            assert moment is not None
            at_ms = int(moment.timestamp() * 1000)
            if at_ms > now_ms:
                raise InvalidArgumentException(
                    "The timestampInMillis parameter cannot be greater than the "
                    f"currentTimestampInMillis. timestampInMillis: {at_ms}, "
                    f"currentTimestampInMillis: {now_ms}"
                )
            since = max(at_ms, stream.retention_cutoff_ms(now_ms))
            found = store.first_counter_at(connection, stream.id, shard.index, since)
            return shard.next_counter if found is None else found
        assert sequence_number is not None
        parts = sequences.decode(sequence_number)
        where = f"on shard {shard.shard_id} in stream {stream.name} under account {self.account_id}"
        if parts is None:
            raise InvalidArgumentException(
                f"StartingSequenceNumber {sequence_number} used in GetShardIterator {where} is "
                "invalid."
            )
        if parts.shard_index != shard.index:
            raise InvalidArgumentException(
                f"Invalid StartingSequenceNumber. It encodes {shard_id(parts.shard_index)}, while "
                f"it was used in a call to a shard with {shard.shard_id}"
            )
        if parts.shard_created != shard.created_s:
            raise InvalidArgumentException(
                f"StartingSequenceNumber {sequence_number} used in GetShardIterator {where} is "
                "invalid because it did not come from this stream."
            )
        return parts.counter if kind == "AT_SEQUENCE_NUMBER" else parts.counter + 1

    def get_records(
        self,
        *,
        shard_iterator: str,
        limit: int | None = None,
        stream_arn: str | None = None,
        dry_run: bool | None = None,
    ) -> dict[str, Any]:
        now = self._now_ms()
        where = self.iterators.decode(shard_iterator, now)
        if stream_arn is not None and self._stream_name(None, stream_arn) != where.stream_name:
            raise InvalidArgumentException(
                f"StreamARN {stream_arn} does not match the stream of the shard iterator."
            )
        with self.db.read() as connection:
            stream, shard = self._readable_shard(
                connection, where.stream_name, where.shard_index, now
            )
            key = (stream.id, shard.index)
            if not self.limits.admit_read(key, now):
                raise ProvisionedThroughputExceededException(
                    rate_exceeded_message(shard.index, stream.name, self.account_id)
                )
            if dry_run:
                raise DryRunOperationException()
            page = read_page(connection, stream, shard, where.position, now, limit)
        self.limits.charge_read(key, sum(row.size for row in page.rows), now)
        result: dict[str, Any] = {
            "Records": [record_shape(shard, row) for row in page.rows],
            "MillisBehindLatest": page.behind,
        }
        if page.at_end:
            # The end of a closed shard: no next iterator; the children carry on.
            result["ChildShards"] = page.child_shards()
        else:
            next_position = IteratorPosition(stream.name, shard.index, page.following, now)
            result["NextShardIterator"] = self.iterators.encode(next_position)
        return result

    def _readable_shard(
        self, connection: sqlite3.Connection, name: str, index: int, now_ms: int
    ) -> tuple[StreamRow, ShardRow]:
        """The stream and shard an iterator names; AWS words every miss as the shard's."""
        stream = store.find_stream(connection, name)
        shard = None if stream is None else store.find_shard(connection, stream.id, index)
        unreadable = (StreamStatus.CREATING, StreamStatus.DELETING)
        if stream is None or shard is None or stream.status(now_ms) in unreadable:
            raise ResourceNotFoundException.shard(index, name, self.account_id)
        return stream, shard


@dataclass(frozen=True)
class Page:
    """One read of a shard: its records, where the next read starts, and how far behind."""

    rows: list[RecordRow]
    following: int  # the counter the next read starts at
    behind: int  # MillisBehindLatest
    at_end: bool  # a closed shard read to its end
    children: list[ShardRow]

    def child_shards(self) -> list[dict[str, Any]]:
        """The ``ChildShards`` of a read that reached a closed shard's end."""
        return [
            {
                "ShardId": child.shard_id,
                "ParentShards": [
                    shard_id(parent)
                    for parent in (child.parent, child.adjacent_parent)
                    if parent is not None
                ],
                "HashKeyRange": child.hash_key_range(),
            }
            for child in self.children
        ]


def read_page(
    connection: sqlite3.Connection,
    stream: StreamRow,
    shard: ShardRow,
    position: int,
    now_ms: int,
    limit: int | None = None,
) -> Page:
    """Read a shard from counter ``position`` as GetRecords and SubscribeToShard do."""
    cutoff = stream.retention_cutoff_ms(now_ms)
    rows = store.read_records(
        connection,
        stream.id,
        shard.index,
        start=position,
        since_ms=cutoff,
        limit=limit or GET_RECORDS_LIMIT,
        max_bytes=GET_RECORDS_MAX_BYTES,
    )
    following = rows[-1].counter + 1 if rows else position
    caught_up = following >= shard.next_counter
    behind = 0
    if not caught_up:
        upcoming = store.read_records(
            connection, stream.id, shard.index, start=following, since_ms=cutoff, limit=1
        )
        caught_up = not upcoming
        behind = max(0, now_ms - upcoming[0].arrival_ms) if upcoming else 0
    at_end = not shard.is_open and caught_up
    children = store.children(connection, stream.id, shard.index) if at_end else []
    return Page(rows, following, behind, at_end, children)


def record_shape(shard: ShardRow, row: RecordRow) -> dict[str, Any]:
    """The ``Record`` structure of GetRecords and SubscribeToShard events."""
    shape: dict[str, Any] = {
        "SequenceNumber": shard.sequence_of(row.counter, row.arrival_ms),
        "ApproximateArrivalTimestamp": timestamp(row.arrival_ms),
        "Data": row.data,
        "PartitionKey": row.partition_key,
    }
    if row.encrypted:
        shape["EncryptionType"] = "KMS"
    return shape


def _encryption(stream: StreamRow) -> dict[str, str]:
    """A put's ``EncryptionType``: named when the stream encrypts, absent otherwise (as in AWS's
    documented answers)."""
    return {"EncryptionType": "KMS"} if stream.encryption_type == "KMS" else {}


def _hash_key(partition_key: str, explicit_hash_key: str | None) -> int:
    if explicit_hash_key is None:
        return partition_key_hash(partition_key)
    key = int(explicit_hash_key)
    if key > MAX_HASH_KEY:
        raise InvalidArgumentException(
            "Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. "
            f"Specified value was {explicit_hash_key}"
        )
    return key


def _check_size(stream: StreamRow, entry: _Entry, path: str) -> None:
    """A record's data plus partition key may not exceed the stream's maximum record size."""
    limit = stream.max_record_kib * 1024
    if len(entry.data) > limit:
        # Coral's wording, with the Java ByteBuffer that AWS's validator prints for a blob.
        length = len(entry.data)
        raise ValidationException(
            f"1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim={length} "
            f"cap={length}]' at '{path}' failed to satisfy constraint: Member must have length "
            f"less than or equal to {limit}"
        )
    if entry.size > limit:
        raise InvalidArgumentException(
            f"Record size (data plus partition key) of {entry.size} bytes exceeds the maximum "
            f"record size of {limit} bytes."
        )


def check_iterator_arguments(
    kind: str, sequence_number: str | None, moment: datetime | None
) -> None:
    if kind == "AT_TIMESTAMP" and moment is None:
        raise InvalidArgumentException(
            "Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. "
            "Current request has no timestamp parameter."
        )
    wants_number = kind in _SEQUENCE_TYPES
    if wants_number == (sequence_number is not None):
        return
    given = "also a" if sequence_number is not None else "no"
    raise InvalidArgumentException(
        "Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and "
        "StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. "
        f"Request specified {kind} and {given} StartingSequenceNumber."
    )


def _ranges(shards: dict[int, ShardRow]) -> list[tuple[int, int, int]]:
    return [(s.hash_start, s.hash_end, s.index) for s in shards.values()]
