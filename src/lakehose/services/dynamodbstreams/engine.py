"""The DynamoDB Streams engine: the change records of tables with a stream, as AWS serves them.

DynamoDB hands it what to keep through its change outbox (``wiring/dynamodb.py``): when a table's
stream is enabled or disabled (``open_stream``, ``close_stream``) and each change record in commit
order (``append_records``), exactly once. This engine gives every record its sequence number in
the stream's open shard and serves ListStreams, DescribeStream, GetShardIterator and GetRecords.
Shards roll over and records expire as ``shards`` describes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar

import orjson

from lakehose.arns import InvalidArn, parse_arn
from lakehose.formats.attribute_values import restore_binary
from lakehose.services.dynamodbstreams import shards, store
from lakehose.services.dynamodbstreams.errors import (
    ResourceNotFoundException,
    TrimmedDataAccessException,
    ValidationException,
)
from lakehose.services.dynamodbstreams.iterators import (
    IteratorCodec,
    IteratorPosition,
    iterator_codec,
)
from lakehose.services.engine import SqliteEngine
from lakehose.storage import Migration

DEFAULT_LIMIT = 100
MAX_RECORDS = 1000
MAX_BYTES = 1 << 20  # GetRecords returns at most 1 MB
_KEY_BYTES = 32
_NEVER = 1 << 62  # nothing will come due until something is added
_ITERATOR_TYPES = ("TRIM_HORIZON", "LATEST", "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER")


class DynamoDBStreamsEngine(SqliteEngine):
    """Amazon DynamoDB Streams on a SQLite database in the engine's directory."""

    service_name: ClassVar[str] = "dynamodbstreams"
    database_file: ClassVar[str] = "dynamodbstreams.db"
    migrations: ClassVar[Sequence[Migration]] = store.MIGRATIONS
    PORT_METHODS: ClassVar[frozenset[str]] = frozenset(
        {
            "open_stream",
            "close_stream",
            "append_records",
            "read_since",
            "stream_exists",
            "shard_positions",
            "read_shard",
        }
    )

    _codec: IteratorCodec | None = None
    # When run_due next has something to do (a shard to roll over, something to expire);
    # ``None`` until computed. Writes only ever bring it forward.
    _due_ms: int | None = None

    def start(self) -> None:
        super().start()
        with self.db.transaction() as connection:
            key = store.setting(connection, "iterator_key")
            if key is None:
                key = bytes.fromhex(self.ids.hex(2 * _KEY_BYTES))
                store.put_setting(connection, "iterator_key", key)
        self._codec = iterator_codec(key)

    def run_due(self) -> None:
        now = self._now_ms()
        if self._due_ms is not None and now < self._due_ms:
            return
        with self.db.transaction() as connection:
            for stream in store.streams(connection, None):
                if stream.disabled_ms is None:
                    shards.roll_over(connection, self.ids, stream.arn, now)
            shards.expire(connection, now)
            due = shards.next_due(connection)
        self._due_ms = _NEVER if due is None else due

    def _changed(self, now_ms: int) -> None:
        """Something was added at ``now_ms``: the earliest it can be due is a shard's lifetime
        later (records and closed shards expire later still)."""
        due = now_ms + shards.SHARD_LIFETIME_MS
        if self._due_ms is not None:
            self._due_ms = min(self._due_ms, due)

    # -- what DynamoDB's change outbox calls (through wiring/dynamodbstreams.py) --------------

    def open_stream(
        self,
        *,
        stream_arn: str,
        table_name: str,
        label: str,
        view_type: str,
        key_schema: list[dict[str, str]],
        created_ms: int,
    ) -> None:
        """Start keeping a new stream's records; opening one twice is harmless (recovery)."""
        with self.db.transaction() as connection:
            if store.find_stream(connection, stream_arn) is not None:
                return
            store.insert_stream(
                connection,
                store.StreamRow(
                    stream_arn, table_name, label, view_type, key_schema, created_ms, None
                ),
            )
            shards.new_shard(connection, self.ids, stream_arn, None, self._now_ms())
        self._changed(self._now_ms())

    def close_stream(self, *, stream_arn: str) -> None:
        """The table's stream was disabled (or the table deleted): close its shard, keep it
        readable until its records expire."""
        now = self._now_ms()
        with self.db.transaction() as connection:
            shard = store.open_shard(connection, stream_arn)
            if shard is not None:
                shards.close(connection, shard, now)
            store.disable_stream(connection, stream_arn, now)
        self._changed(now)

    def append_records(self, *, stream_arn: str, records: Sequence[tuple[str, bytes]]) -> None:
        """Append ``(partition key, record bytes)`` pairs in order, in one transaction.

        Raises ``ResourceNotFoundException`` for a stream not opened yet and
        ``ValidationException`` for a disabled one, which takes no records.
        """
        now = self._now_ms()
        with self.db.transaction() as connection:
            stream = store.find_stream(connection, stream_arn)
            if stream is None:
                raise ResourceNotFoundException.stream(stream_arn)
            shard = shards.roll_over(connection, self.ids, stream_arn, now)
            if stream.disabled_ms is not None or shard is None:
                raise ValidationException(f"Stream {stream_arn} is disabled")
            first = store.consume_sequence(connection, len(records))
            for offset, (partition_key, data) in enumerate(records):
                store.append(connection, shard.id, first + offset, partition_key, now, data)
        self._changed(now)

    def read_since(self, *, stream_arn: str, since_ms: int) -> list[tuple[str, bytes]]:
        """``(partition key, record bytes)`` of each record arriving at or after ``since_ms``."""
        with self.db.read() as connection:
            return [
                (r.partition_key, r.data) for r in store.since(connection, stream_arn, since_ms)
            ]

    def stream_exists(self, *, stream_arn: str) -> bool:
        with self.db.read() as connection:
            return store.find_stream(connection, stream_arn) is not None

    # -- operations ----------------------------------------------------------------------------

    def list_streams(
        self,
        *,
        table_name: str | None = None,
        limit: int | None = None,
        exclusive_start_stream_arn: str | None = None,
    ) -> dict[str, Any]:
        page = _page_limit(limit, DEFAULT_LIMIT)
        with self.db.read() as connection:
            found = store.streams(connection, table_name)
        if exclusive_start_stream_arn is not None:
            arns = [stream.arn for stream in found]
            if exclusive_start_stream_arn in arns:
                found = found[arns.index(exclusive_start_stream_arn) + 1 :]
        result: dict[str, Any] = {
            "Streams": [
                {"StreamArn": s.arn, "TableName": s.table_name, "StreamLabel": s.label}
                for s in found[:page]
            ]
        }
        if len(found) > page:
            result["LastEvaluatedStreamArn"] = found[page - 1].arn
        return result

    def describe_stream(
        self,
        *,
        stream_arn: str,
        limit: int | None = None,
        exclusive_start_shard_id: str | None = None,
        shard_filter: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        page = _page_limit(limit, DEFAULT_LIMIT)
        with self.db.read() as connection:
            stream = self._stream(connection, stream_arn)
            found = store.shards(connection, stream.arn)
        if shard_filter is not None:
            parent = shard_filter.get("ShardId")
            if shard_filter.get("Type") != "CHILD_SHARDS" or parent is None:
                raise ValidationException("ShardFilter of type CHILD_SHARDS must specify a ShardId")
            found = [shard for shard in found if shard.parent_shard_id == parent]
        if exclusive_start_shard_id is not None:
            ids = [shard.shard_id for shard in found]
            if exclusive_start_shard_id in ids:
                found = found[ids.index(exclusive_start_shard_id) + 1 :]
        description: dict[str, Any] = {
            "StreamArn": stream.arn,
            "StreamLabel": stream.label,
            "StreamStatus": "ENABLED" if stream.disabled_ms is None else "DISABLED",
            "StreamViewType": stream.view_type,
            "CreationRequestDateTime": _moment(stream.created_ms),
            "TableName": stream.table_name,
            "KeySchema": [dict(key) for key in stream.key_schema],
            "Shards": [_describe_shard(shard) for shard in found[:page]],
        }
        if len(found) > page:
            description["LastEvaluatedShardId"] = found[page - 1].shard_id
        return {"StreamDescription": description}

    def get_shard_iterator(
        self,
        *,
        stream_arn: str,
        shard_id: str,
        shard_iterator_type: str,
        sequence_number: str | None = None,
        timestamp: datetime | None = None,
    ) -> dict[str, Any]:
        now = self._now_ms()
        with self.db.read() as connection:
            stream, shard = self._shard(connection, stream_arn, shard_id)
            position = self._start(
                connection, shard, shard_iterator_type, sequence_number, timestamp
            )
        where = IteratorPosition(stream.arn, shard.id, position, now)
        return {"ShardIterator": self._iterators.encode(where)}

    def get_records(self, *, shard_iterator: str, limit: int | None = None) -> dict[str, Any]:
        if limit is not None and limit > MAX_RECORDS:
            raise ValidationException(
                f"1 validation error detected: Value '{limit}' at 'limit' failed to satisfy "
                f"constraint: Member must have value less than or equal to {MAX_RECORDS}"
            )
        now = self._now_ms()
        where = self._iterators.decode(shard_iterator, now)
        with self.db.read() as connection:
            stream = self._stream(connection, where.stream)
            shard = store.shard_by_id(connection, where.shard)
            if shard is None or shard.stream_arn != stream.arn:
                raise ResourceNotFoundException.stream(stream.arn)
            if where.position <= shard.trimmed_seq:
                raise TrimmedDataAccessException()
            rows = store.read(connection, shard.id, where.position, limit or MAX_RECORDS)
        taken: list[store.RecordRow] = []
        size = 0
        for row in rows:
            size += len(row.data)
            if taken and size > MAX_BYTES:
                break
            taken.append(row)
        next_position = taken[-1].seq + 1 if taken else where.position
        result: dict[str, Any] = {"Records": [_record(row) for row in taken]}
        if shard.end_seq is None or next_position <= shard.end_seq:
            result["NextShardIterator"] = self._iterators.encode(
                IteratorPosition(stream.arn, shard.id, next_position, now)
            )
        return result

    # -- the event source port (Lambda's event source mappings read through it) ----------------

    def shard_positions(self, *, stream_arn: str) -> list[tuple[str, str | None, bool, str | None]]:
        """Each shard of the stream as ``(shard id, parent id, closed, newest sequence number)``,
        oldest first; the newest is ``None`` while the shard holds no record."""
        with self.db.read() as connection:
            stream = self._stream(connection, stream_arn)
            found = store.shards(connection, stream.arn)
            tips = [store.last_seq(connection, shard.id) for shard in found]
        return [
            (
                shard.shard_id,
                shard.parent_shard_id,
                not shard.is_open,
                None if tip is None else shards.sequence_text(tip),
            )
            for shard, tip in zip(found, tips, strict=True)
        ]

    def read_shard(
        self, *, stream_arn: str, shard_id: str, after_sequence: str | None, limit: int
    ) -> tuple[list[tuple[int, str, dict[str, Any]]], bool]:
        """Up to ``limit`` records after ``after_sequence`` (from the trim horizon when ``None``
        or trimmed away) as ``(arrival ms, partition key, record as GetRecords shows it, binary
        values in base64)``, and whether the shard is closed and read to its end."""
        with self.db.read() as connection:
            shard = self._shard(connection, stream_arn, shard_id)[1]
            start = shard.trimmed_seq + 1
            if after_sequence is not None:
                start = max(start, (shards.sequence_value(after_sequence) or 0) + 1)
            rows = store.read(connection, shard.id, start, limit)
        next_position = rows[-1].seq + 1 if rows else start
        ended = shard.end_seq is not None and next_position > shard.end_seq
        records = [(row.arrival_ms, row.partition_key, _record(row, binary=False)) for row in rows]
        return records, ended

    # -- helpers -------------------------------------------------------------------------------

    @property
    def _iterators(self) -> IteratorCodec:
        if self._codec is None:
            raise RuntimeError("the dynamodbstreams engine is not started")
        return self._codec

    def _now_ms(self) -> int:
        return int(self.clock.now() * 1000)

    def _stream(self, connection: sqlite3.Connection, arn: str) -> store.StreamRow:
        """The stream ``arn`` names; a malformed ARN is a ValidationException, as AWS's is."""
        try:
            parsed = parse_arn(arn)
        except InvalidArn:
            raise ValidationException(f"Invalid StreamArn: {arn}") from None
        if parsed.service != "dynamodb" or "/stream/" not in parsed.resource:
            raise ValidationException(f"Invalid StreamArn: {arn}")
        stream = store.find_stream(connection, arn)
        if stream is None:
            raise ResourceNotFoundException.stream(arn)
        return stream

    def _shard(
        self, connection: sqlite3.Connection, stream_arn: str, shard_id: str
    ) -> tuple[store.StreamRow, store.ShardRow]:
        """The stream ``stream_arn`` names and its shard ``shard_id``."""
        stream = self._stream(connection, stream_arn)
        shard = next(
            (s for s in store.shards(connection, stream.arn) if s.shard_id == shard_id), None
        )
        if shard is None:
            raise ResourceNotFoundException.shard(shard_id)
        return stream, shard

    def _start(
        self,
        connection: sqlite3.Connection,
        shard: store.ShardRow,
        kind: str,
        sequence_number: str | None,
        timestamp: datetime | None,
    ) -> int:
        """The sequence number an iterator of ``kind`` reads first."""
        if kind == "TRIM_HORIZON":
            return shard.trimmed_seq + 1
        if kind == "LATEST":
            return store.next_sequence(connection) if shard.is_open else (shard.end_seq or 0) + 1
        if kind == "AT_TIMESTAMP":
            if timestamp is None:
                raise ValidationException("Timestamp must be specified for AT_TIMESTAMP")
            moment_ms = int(timestamp.timestamp() * 1000)
            if moment_ms > self._now_ms():
                raise ValidationException("Timestamp must not be in the future")
            found = store.first_at(connection, shard.id, moment_ms)
            if found is not None:
                return found
            return store.next_sequence(connection) if shard.is_open else (shard.end_seq or 0) + 1
        if kind not in _ITERATOR_TYPES:
            raise ValidationException(f"Invalid ShardIteratorType: {kind}")
        if sequence_number is None:
            raise ValidationException(f"SequenceNumber must be specified for {kind}")
        seq = shards.sequence_value(sequence_number)
        # A closed shard's range ends at its last record; an open one's reaches the next record
        # (so its StartingSequenceNumber is a valid position even before its first record).
        last = shard.end_seq if shard.end_seq is not None else store.next_sequence(connection)
        if seq is None or seq < shard.start_seq or seq > last:
            raise ValidationException(
                f"Invalid SequenceNumber {sequence_number} for shard {shard.shard_id}"
            )
        if seq <= shard.trimmed_seq:
            raise TrimmedDataAccessException()
        return seq + 1 if kind == "AFTER_SEQUENCE_NUMBER" else seq


def _page_limit(limit: int | None, default: int) -> int:
    if limit is None:
        return default
    if limit > default:
        raise ValidationException(
            f"1 validation error detected: Value '{limit}' at 'limit' failed to satisfy "
            f"constraint: Member must have value less than or equal to {default}"
        )
    return limit


def _describe_shard(shard: store.ShardRow) -> dict[str, Any]:
    numbers = {"StartingSequenceNumber": shards.sequence_text(shard.start_seq)}
    if shard.end_seq is not None:
        numbers["EndingSequenceNumber"] = shards.sequence_text(shard.end_seq)
    described: dict[str, Any] = {"ShardId": shard.shard_id, "SequenceNumberRange": numbers}
    if shard.parent_shard_id is not None:
        described["ParentShardId"] = shard.parent_shard_id
    return described


def _record(row: store.RecordRow, *, binary: bool = True) -> dict[str, Any]:
    """The stored record with its sequence number in place (before ``SizeBytes``); binary
    values as bytes for the API's serializer, or as stored (base64) for JSON payloads."""
    record: dict[str, Any] = orjson.loads(row.data)
    body: dict[str, Any] = {}
    for name, value in record["dynamodb"].items():
        if binary and name in ("Keys", "NewImage", "OldImage"):
            for attribute in value.values():
                restore_binary(attribute)
        if name == "SizeBytes":
            body["SequenceNumber"] = shards.sequence_text(row.seq)
        body[name] = value
    record["dynamodb"] = body
    return record


def _moment(epoch_ms: int) -> datetime:
    return datetime.fromtimestamp(epoch_ms / 1000, tz=UTC)
