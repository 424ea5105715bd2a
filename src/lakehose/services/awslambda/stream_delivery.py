"""Event source mappings at work: Kinesis and DynamoDB stream records to function invocations,
checkpoint by checkpoint.

Both sources go through the same steps; they differ only in how records are shown
(``_KinesisSource``, ``_DynamoDBSource``): a Kinesis record carries its ``kinesis`` metadata and
``data`` in base64, a DynamoDB record is the change as GetRecords shows it plus
``eventSourceARN``, and filters see the Kinesis metadata with ``data`` parsed as JSON, or the
whole DynamoDB record.

Every ``run_due()`` (and ``flush()``) goes over the enabled mappings and, for each shard whose
parents are done, delivers at most one batch per lane. A shard has ``ParallelizationFactor``
lanes (1 by default); each record belongs to the lane of its partition key (a DynamoDB record's:
its item's key), so one key's records are delivered in order while the lanes' batches run at the
same time. Each lane has its own checkpoint, and the steps below apply to a lane's records:

1. Read up to ``BatchSize`` records after the lane's checkpoint (from the oldest record when
   there is none; ``AT_TIMESTAMP`` skips records that arrived before the timestamp).
2. Wait while the batch is not full and its oldest record is younger than
   ``MaximumBatchingWindowInSeconds`` (by the engine's clock).
3. Drop the records no filter matches; if none is left, the checkpoint moves past the batch.
4. Invoke the function synchronously with AWS's event for the source (``Records``).
5. On success, commit the checkpoint to the batch's last record, in one transaction. With
   ``ReportBatchItemFailures``, a response naming failed items commits only up to the record
   before the first of them, and the rest is retried.
6. On failure, the same records are tried again on the next pass: halved first when
   ``BisectBatchOnFunctionError`` is set, until ``MaximumRetryAttempts`` retries or
   ``MaximumRecordAgeInSeconds`` have passed; then the batch is discarded, its invocation
   record written to the ``OnFailure`` S3 destination (AWS's key layout and document, with the
   payload), and the checkpoint moves past it.

A batch counts as done only when its checkpoint is committed: after a ``kill -9`` nothing
committed is delivered again and nothing skipped; a batch in flight at the crash is delivered
again, as on AWS. Retry counts live in memory and start over after a restart.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import threading
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from lakehose.errors import LakehoseError
from lakehose.services.awslambda import store
from lakehose.services.awslambda.event_filters import compile_filters
from lakehose.services.awslambda.invocations import Call, InvocationResult, InvokeOperations
from lakehose.services.awslambda.ports import (
    DestinationUnavailable,
    StreamRecord,
    StreamUnavailable,
)

logger = logging.getLogger(__name__)

# Batches one mapping runs at the same time at most (10 shards' worth of lanes would be more).
MAX_CONCURRENT_BATCHES = 10


def lanes_of(mapping: dict[str, Any]) -> int:
    return int(mapping.get("ParallelizationFactor") or 1)


def lane_of(partition_key: str, lanes: int) -> int:
    """The lane of a key: stable across restarts (lanes have durable checkpoints), so every
    record of one key is delivered by the same lane, in order."""
    return zlib.crc32(partition_key.encode()) % lanes


@dataclass
class _Retry:
    """A shard's failing batch: how often it was retried, and how many records it now holds."""

    attempts: int = 0
    limit: int | None = None


@dataclass
class _Outcome:
    done_through: str | None  # the last record that needs no more delivery
    failed: bool
    result: InvocationResult | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class StreamDelivery(InvokeOperations):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._retries: dict[tuple[str, str, int], _Retry] = {}
        # One delivery pass at a time: the worker's tick and a flush (``lakehose flush``, the
        # admin endpoint) would otherwise both read a lane from the same checkpoint and
        # invoke its batch twice.
        self._delivering = threading.Lock()

    def _deliver_streams(self) -> None:
        if self.stream_reader is None or self._closing:
            return
        with self._delivering:
            self._deliver_enabled()

    def _deliver_enabled(self) -> None:
        with self.db.read() as connection:
            enabled = [m for m in store.mappings(connection) if m["State"] == "Enabled"]
        for mapping in enabled:
            try:
                self._deliver_mapping(mapping)
            except StreamUnavailable as error:
                logger.info("event source %s not read: %s", mapping["EventSourceArn"], error)
            except LakehoseError as error:
                # Tried again on the next tick (a deleted function, a closing engine).
                logger.info("event source mapping %s: %s", mapping["UUID"], error)

    def _deliver_mapping(self, mapping: dict[str, Any]) -> None:
        assert self.stream_reader is not None
        stream = str(mapping["EventSourceArn"])
        shards = self.stream_reader.shards(stream)
        lanes = lanes_of(mapping)
        with self.db.read() as connection:
            marks = store.checkpoints(connection, mapping["UUID"])
        present = {shard.shard_id for shard in shards}
        done = {
            shard.shard_id
            for shard in shards
            if all(marks.get((shard.shard_id, lane), (None, False))[1] for lane in range(lanes))
        }
        work: list[tuple[str, int, str | None]] = []
        for shard in shards:
            # A child shard waits until its parents (those retention kept) are read to the end.
            waiting = any(parent in present and parent not in done for parent in shard.parents)
            if shard.shard_id in done or waiting:
                continue
            for lane in range(lanes):
                position, finished = marks.get((shard.shard_id, lane), (None, False))
                if not finished:
                    work.append((shard.shard_id, lane, position))
        if lanes == 1 or len(work) < 2:
            for shard_id, lane, position in work:
                self._deliver_lane(mapping, shard_id, lane, position)
            return
        # ParallelizationFactor: the lanes' batches run at the same time, each lane in order.
        with ThreadPoolExecutor(max_workers=min(len(work), MAX_CONCURRENT_BATCHES)) as pool:
            running = [pool.submit(self._deliver_lane, mapping, *item) for item in work]
            for future in running:
                future.result()

    def _read_lane(
        self, mapping: dict[str, Any], shard: str, lane: int, position: str | None, limit: int
    ) -> tuple[list[StreamRecord], bool, str | None]:
        """Up to ``limit`` of the lane's records after ``position``, whether the shard is read to
        its end, and the sequence number up to which the lane has nothing more to deliver."""
        assert self.stream_reader is not None
        lanes = lanes_of(mapping)
        arn = str(mapping["EventSourceArn"])
        if lanes == 1:
            records, ended = self.stream_reader.read(arn, shard, position, limit)
            return records, ended, records[-1].sequence_number if records else position
        # The other lanes' records in the page are skipped; a page of ``limit`` per lane
        # keeps the lane busy when its keys are as frequent as the others'.
        page, ended = self.stream_reader.read(arn, shard, position, limit * lanes)
        mine = [r for r in page if lane_of(r.partition_key, lanes) == lane][:limit]
        if len(mine) == limit:
            return mine, False, mine[-1].sequence_number
        return mine, ended, page[-1].sequence_number if page else position

    def _deliver_lane(
        self, mapping: dict[str, Any], shard: str, lane: int, position: str | None
    ) -> None:
        uuid = str(mapping["UUID"])
        retry = self._retries.setdefault((uuid, shard, lane), _Retry())
        limit = retry.limit or int(mapping["BatchSize"])
        records, ended, scanned = self._read_lane(mapping, shard, lane, position, limit)
        since = mapping.get("StartingPositionTimestamp")
        if since is not None and position is None:
            skipped = [r for r in records if r.arrival_ms < since * 1000]
            if skipped and len(skipped) == len(records):
                self._commit(uuid, shard, lane, scanned)
                return
            records = [r for r in records if r.arrival_ms >= since * 1000]
        if not records:
            if ended or scanned != position:
                self._commit(uuid, shard, lane, scanned, finished=ended)
            return
        now_ms = self.clock.now() * 1000
        window = int(mapping.get("MaximumBatchingWindowInSeconds") or 0) * 1000
        if len(records) < limit and now_ms - records[0].arrival_ms < window:
            return
        outcome = self._invoke_batch(mapping, shard, records, scanned)
        if not outcome.failed:
            self._retries.pop((uuid, shard, lane), None)
            self._commit(uuid, shard, lane, outcome.done_through)
            self._record_result(mapping, "OK")
            return
        if outcome.done_through is not None:
            self._commit(uuid, shard, lane, outcome.done_through)
        self._record_result(mapping, "PROBLEM: Function call failed")
        self._after_failure(mapping, shard, lane, records, outcome, retry)

    def _invoke_batch(
        self, mapping: dict[str, Any], shard: str, records: list[StreamRecord], through: str | None
    ) -> _Outcome:
        """Deliver ``records``; on success everything up to ``through`` is done."""
        matches = compile_filters(mapping.get("FilterCriteria"))
        with self.db.read() as connection:
            record, _, _ = self._find_target(connection, mapping["FunctionArn"])
        source = _source_of(mapping)
        shown = [source.record(self.region, mapping, shard, r, record.role) for r in records]
        chosen = [
            event_record
            for event_record, r in zip(shown, records, strict=True)
            if matches is None or matches(source.filter_view(event_record, r))
        ]
        if not chosen:
            return _Outcome(through, failed=False)
        event = {"Records": chosen}
        call = Call(self.ids.uuid4(), mapping["FunctionArn"], orjson.dumps(event), None)
        try:
            result = self._execute(record, call, wait=True)
        except LakehoseError as error:
            logger.info("batch of %s not delivered: %s", mapping["UUID"], error)
            return _Outcome(None, failed=True, extra={"event": event})
        if result.function_error is not None:
            return _Outcome(None, failed=True, result=result, extra={"event": event})
        failed_items = self._failed_items(mapping, result.payload)
        if not failed_items:
            return _Outcome(through, failed=False, result=result)
        # Everything before the first failed item is done; the rest is retried.
        sequences = [r.sequence_number for r in records]
        first = min((sequences.index(s) for s in failed_items if s in sequences), default=0)
        done = sequences[first - 1] if first > 0 else None
        return _Outcome(done, failed=True, result=result, extra={"event": event})

    def _after_failure(
        self,
        mapping: dict[str, Any],
        shard: str,
        lane: int,
        records: list[StreamRecord],
        outcome: _Outcome,
        retry: _Retry,
    ) -> None:
        uuid = str(mapping["UUID"])
        if mapping.get("BisectBatchOnFunctionError") and len(records) > 1:
            retry.limit = (len(records) + 1) // 2
            return
        retry.attempts += 1
        max_attempts = int(mapping.get("MaximumRetryAttempts", -1))
        max_age = int(mapping.get("MaximumRecordAgeInSeconds", -1))
        age_ms = self.clock.now() * 1000 - records[0].arrival_ms
        exhausted = max_attempts != -1 and retry.attempts > max_attempts
        too_old = max_age != -1 and age_ms > max_age * 1000
        if not (exhausted or too_old):
            return
        condition = "RetryAttemptsExhausted" if exhausted else "RecordAgeExceeded"
        self._discard(mapping, shard, records, outcome, retry.attempts, condition)
        self._retries.pop((uuid, shard, lane), None)
        self._commit(uuid, shard, lane, records[-1].sequence_number)

    def _discard(
        self,
        mapping: dict[str, Any],
        shard: str,
        records: list[StreamRecord],
        outcome: _Outcome,
        attempts: int,
        condition: str,
    ) -> None:
        destination = (mapping["DestinationConfig"].get("OnFailure") or {}).get("Destination")
        if destination is None or self.destination is None:
            return
        now = datetime.fromtimestamp(self.clock.now(), tz=UTC)
        result = outcome.result
        document = {
            "requestContext": {
                "requestId": result.request_id if result else self.ids.uuid4(),
                "functionArn": mapping["FunctionArn"],
                "condition": condition,
                "approximateInvokeCount": attempts,
            },
            "responseContext": {
                "statusCode": result.status_code if result else 429,
                "executedVersion": result.executed_version if result else "$LATEST",
                "functionError": (result.function_error if result else None) or "Unhandled",
            },
            "version": "1.0",
            "timestamp": _iso(now),
            _source_of(mapping).batch_info: {
                "shardId": shard,
                "startSequenceNumber": records[0].sequence_number,
                "endSequenceNumber": records[-1].sequence_number,
                "approximateArrivalOfFirstRecord": _iso_ms(records[0].arrival_ms),
                "approximateArrivalOfLastRecord": _iso_ms(records[-1].arrival_ms),
                "batchSize": len(records),
                "streamArn": mapping["EventSourceArn"],
            },
            "payload": orjson.dumps(outcome.extra.get("event", {})).decode(),
        }
        key = (
            f"aws/lambda/{mapping['UUID']}/{shard}/{now:%Y/%m/%d}/"
            f"{now:%Y-%m-%dT%H.%M.%S}-{self.ids.uuid4()}"
        )
        try:
            self.destination.send(destination, key, orjson.dumps(document))
        except DestinationUnavailable as error:
            logger.warning(
                "failed batch of %s not written to %s: %s", mapping["UUID"], destination, error
            )

    def _commit(
        self, uuid: str, shard: str, lane: int, sequence: str | None, *, finished: bool = False
    ) -> None:
        with self.db.transaction() as connection:
            if store.get_mapping(connection, uuid) is not None:
                store.save_checkpoint(connection, uuid, shard, lane, sequence, finished)

    def _record_result(self, mapping: dict[str, Any], result: str) -> None:
        if mapping.get("LastProcessingResult") == result:
            return
        with self.db.transaction() as connection:
            current = store.get_mapping(connection, mapping["UUID"])
            if current is not None:
                current["LastProcessingResult"] = result
                store.put_mapping(connection, current)

    @staticmethod
    def _failed_items(mapping: dict[str, Any], payload: bytes) -> list[str]:
        """The sequence numbers a ``ReportBatchItemFailures`` response names."""
        if "ReportBatchItemFailures" not in (mapping.get("FunctionResponseTypes") or []):
            return []
        try:
            response = orjson.loads(payload)
        except orjson.JSONDecodeError:
            return []
        failures = response.get("batchItemFailures") if isinstance(response, dict) else None
        if not isinstance(failures, list):
            return []
        return [str(item.get("itemIdentifier")) for item in failures if isinstance(item, dict)]


class _KinesisSource:
    """How a Kinesis stream's records are shown to functions, filters and failure records."""

    batch_info = "KinesisBatchInfo"

    @staticmethod
    def record(
        region: str, mapping: dict[str, Any], shard: str, record: StreamRecord, role: str
    ) -> dict[str, Any]:
        """One record of AWS's Kinesis event, keys in AWS's order."""
        return {
            "kinesis": {
                "kinesisSchemaVersion": "1.0",
                "partitionKey": record.partition_key,
                "sequenceNumber": record.sequence_number,
                "data": base64.b64encode(record.data).decode(),
                "approximateArrivalTimestamp": record.arrival_ms / 1000,
            },
            "eventSource": "aws:kinesis",
            "eventVersion": "1.0",
            "eventID": f"{shard}:{record.sequence_number}",
            "eventName": "aws:kinesis:record",
            "invokeIdentityArn": role,
            "awsRegion": region,
            "eventSourceARN": mapping["EventSourceArn"],
        }

    @staticmethod
    def filter_view(shown: dict[str, Any], record: StreamRecord) -> dict[str, Any]:
        """What filter patterns see of a record: its metadata, and its data as JSON."""
        view: dict[str, Any] = {
            "partitionKey": record.partition_key,
            "sequenceNumber": record.sequence_number,
            "kinesisSchemaVersion": "1.0",
            "approximateArrivalTimestamp": record.arrival_ms / 1000,
        }
        with contextlib.suppress(orjson.JSONDecodeError):
            view["data"] = orjson.loads(record.data)
        return view


class _DynamoDBSource:
    """How a DynamoDB stream's records are shown to functions, filters and failure records."""

    batch_info = "DDBStreamBatchInfo"

    @staticmethod
    def record(
        region: str, mapping: dict[str, Any], shard: str, record: StreamRecord, role: str
    ) -> dict[str, Any]:
        """The change as the stream holds it (eventID, eventName, eventVersion, eventSource,
        awsRegion, dynamodb), then the stream's ARN, as AWS's DynamoDB event has it."""
        return {**(record.document or {}), "eventSourceARN": mapping["EventSourceArn"]}

    @staticmethod
    def filter_view(shown: dict[str, Any], record: StreamRecord) -> dict[str, Any]:
        # DynamoDB filter patterns match the record itself (eventName, dynamodb.NewImage ...).
        return shown


def _source_of(mapping: dict[str, Any]) -> _KinesisSource | _DynamoDBSource:
    arn = str(mapping["EventSourceArn"])
    return _DynamoDBSource() if arn.split(":")[2:3] == ["dynamodb"] else _KinesisSource()


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _iso_ms(milliseconds: int) -> str:
    return _iso(datetime.fromtimestamp(milliseconds / 1000, tz=UTC))
