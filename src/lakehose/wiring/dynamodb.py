"""DynamoDB's ports: ``ChangeStreamSink`` by the Kinesis engine (and, by ``ChangeRouter``, by the
DynamoDB Streams engine for a table's own stream), ``ExportObjectSink`` by S3.

Change records go in with PutRecords; after a crash, ``read_since`` lets the outbox recognize
records that reached the stream before their outbox rows were deleted. The stream is looked up in
the account and region its ARN names (DynamoDB only accepts its own table's region and account).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from lakehose.errors import LakehoseError, ServiceError
from lakehose.registry import EngineLookup, EngineSource
from lakehose.scopes import Scope, scope_of_arn
from lakehose.services.dynamodb.ports import (
    Change,
    ChangeStreamSink,
    ExportDestinationError,
    Outcome,
)
from lakehose.services.kinesis import KinesisEngine
from lakehose.services.s3 import S3Engine

# A record the stream can never take (too large) is refused with these codes.
_REJECTED = ("InvalidArgumentException", "ValidationException")


class KinesisChangeSink:
    """Change records into the destination stream, looked up per call (Kinesis may be replaced)."""

    def __init__(self, engines: EngineSource, scope: Scope | None = None) -> None:
        self.scope = scope or engines.scope
        self._lookup = EngineLookup(
            engines,
            "kinesis",
            KinesisEngine,
            missing=lambda: LakehoseError("the kinesis engine is not running"),
        )

    def _kinesis(self, stream_arn: str) -> KinesisEngine:
        return self._lookup(scope_of_arn(stream_arn, self.scope))

    def stream_exists(self, stream_arn: str) -> bool:
        try:
            self._kinesis(stream_arn).describe_stream_summary(stream_arn=stream_arn)
        except ServiceError:
            return False
        return True

    def put_changes(self, stream_arn: str, changes: Sequence[Change]) -> list[Outcome]:
        kinesis = self._kinesis(stream_arn)
        records = [{"PartitionKey": c.partition_key, "Data": c.data} for c in changes]
        try:
            answer = kinesis.put_records(stream_arn=stream_arn, records=records)
        except ServiceError as error:
            if error.error_code not in _REJECTED:
                return [Outcome.RETRY] * len(changes)
            if len(changes) == 1:
                return [Outcome.REJECTED]
            # One record spoiled the request: find it by sending them one at a time.
            return [self.put_changes(stream_arn, [change])[0] for change in changes]
        return [
            Outcome.RETRY if "ErrorCode" in entry else Outcome.DELIVERED
            for entry in answer["Records"]
        ]

    def read_since(self, stream_arn: str, since_ms: int) -> Iterator[Change]:
        kinesis = self._kinesis(stream_arn)
        moment = datetime.fromtimestamp(since_ms / 1000, tz=UTC)
        shards: list[dict[str, Any]] = []
        page = kinesis.list_shards(stream_arn=stream_arn)
        shards += page["Shards"]
        while page.get("NextToken"):
            page = kinesis.list_shards(next_token=page["NextToken"])
            shards += page["Shards"]
        for shard in shards:
            iterator = kinesis.get_shard_iterator(
                stream_arn=stream_arn,
                shard_id=shard["ShardId"],
                shard_iterator_type="AT_TIMESTAMP",
                timestamp=moment,
            )["ShardIterator"]
            while iterator:
                batch = kinesis.get_records(shard_iterator=iterator)
                for record in batch["Records"]:
                    yield Change(record["PartitionKey"], record["Data"])
                if not batch["Records"] and batch["MillisBehindLatest"] == 0:
                    break
                iterator = batch.get("NextShardIterator")


class ChangeRouter:
    """The outbox's one sink: Kinesis streams' ARNs to Kinesis, tables' streams to DynamoDB
    Streams (``wiring/dynamodbstreams.py``), so both outputs share one change history."""

    def __init__(self, kinesis: ChangeStreamSink, streams: ChangeStreamSink) -> None:
        self._kinesis = kinesis
        self._streams = streams

    def _sink(self, stream_arn: str) -> ChangeStreamSink:
        return self._streams if stream_arn.split(":", 3)[2:3] == ["dynamodb"] else self._kinesis

    def stream_exists(self, stream_arn: str) -> bool:
        return self._sink(stream_arn).stream_exists(stream_arn)

    def put_changes(self, stream_arn: str, changes: Sequence[Change]) -> list[Outcome]:
        return self._sink(stream_arn).put_changes(stream_arn, changes)

    def read_since(self, stream_arn: str, since_ms: int) -> Iterator[Change]:
        return self._sink(stream_arn).read_since(stream_arn, since_ms)


class S3ExportSink:
    """Table exports into the S3 engine (buckets are global, so no scope is involved)."""

    def __init__(self, engines: EngineSource) -> None:
        self._s3 = EngineLookup(
            engines,
            "s3",
            S3Engine,
            missing=lambda: ExportDestinationError("InternalError", "the S3 engine is not running"),
        )

    def put_export_object(self, bucket: str, key: str, data: bytes, content_type: str) -> str:
        try:
            return self._s3().put_object_bytes(bucket, key, data, content_type=content_type)
        except ServiceError as error:
            raise ExportDestinationError(error.error_code, error.message) from None
