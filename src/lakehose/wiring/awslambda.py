"""Lambda's ports fulfilled by other engines (part of ``runtime.py``'s wiring): ``CodeSource`` and
``FailureDestination`` by S3, ``LogSink`` by CloudWatch Logs in the function's own account and
region, ``StreamReader`` by Kinesis through the stream reader Firehose's adapter already is
(``wiring.firehose.KinesisSource``), so event source mappings read streams exactly as delivery
streams do, and by DynamoDB Streams for mappings whose source is a table's stream."""

from __future__ import annotations

from collections.abc import Sequence

from lakehose.errors import LakehoseError, ServiceError
from lakehose.registry import EngineLookup, EngineSource
from lakehose.scopes import Scope, scope_of_arn
from lakehose.services.awslambda.ports import (
    CodeObjectMissing,
    DestinationUnavailable,
    LogsUnavailable,
    StreamRecord,
    StreamShard,
    StreamUnavailable,
)
from lakehose.services.dynamodbstreams import DynamoDBStreamsEngine
from lakehose.services.firehose.ports import SourceUnavailable
from lakehose.services.logs import LogsEngine
from lakehose.services.s3 import S3Engine
from lakehose.wiring.firehose import KinesisSource


class S3CodeSource:
    """Function code from ``Code.S3Bucket`` / ``S3Key``, looked up per read (S3 may be replaced)."""

    def __init__(self, engines: EngineSource) -> None:
        self._s3 = EngineLookup(
            engines,
            "s3",
            S3Engine,
            missing=lambda: CodeObjectMissing(
                "NoSuchBucket", "The specified bucket does not exist"
            ),
        )

    def read_object(self, bucket: str, key: str) -> bytes:
        s3 = self._s3()
        try:
            return s3.get_object_bytes(bucket, key)
        except ServiceError as error:
            if error.error_code in ("NoSuchBucket", "NoSuchKey"):
                raise CodeObjectMissing(error.error_code, error.message) from None
            raise


class LogsSink:
    """Invocation logs into CloudWatch Logs, looked up per write (Logs may be replaced)."""

    def __init__(self, engines: EngineSource, scope: Scope) -> None:
        self.scope = scope
        self._logs = EngineLookup(
            engines,
            "logs",
            LogsEngine,
            missing=lambda: LogsUnavailable("the CloudWatch Logs engine is not running"),
            refused=lambda error: LogsUnavailable(error.message),
        )

    def write(self, group: str, stream: str, events: Sequence[tuple[int, str]]) -> None:
        try:
            self._logs(self.scope).append_events(group, stream, events)
        except (ServiceError, LakehoseError) as error:
            raise LogsUnavailable(str(error)) from None


class KinesisRecords:
    """``StreamReader`` over the Kinesis adapter Firehose reads with."""

    def __init__(self, engines: EngineSource, scope: Scope) -> None:
        self._source = KinesisSource(engines, scope)

    def shards(self, stream_arn: str) -> list[StreamShard]:
        try:
            found = self._source.shards(stream_arn)
        except SourceUnavailable as error:
            raise StreamUnavailable(str(error)) from None
        return [StreamShard(s.shard_id, tuple(s.parent_ids), s.closed, s.tip) for s in found]

    def read(
        self, stream_arn: str, shard_id: str, after_sequence: str | None, limit: int
    ) -> tuple[list[StreamRecord], bool]:
        try:
            page = self._source.read(stream_arn, shard_id, after_sequence, limit)
        except SourceUnavailable as error:
            raise StreamUnavailable(str(error)) from None
        records = [
            StreamRecord(r.sequence_number, r.arrival_ms, r.partition_key, r.data)
            for r in page.records
        ]
        return records, page.end_of_shard


class DynamoDBStreamRecords:
    """``StreamReader`` over the DynamoDB Streams engine, in the stream's own account."""

    def __init__(self, engines: EngineSource, scope: Scope) -> None:
        self.scope = scope
        self._streams = EngineLookup(
            engines,
            "dynamodbstreams",
            DynamoDBStreamsEngine,
            missing=lambda: StreamUnavailable("the dynamodbstreams engine is not running"),
            refused=lambda error: StreamUnavailable(error.message),
        )

    def shards(self, stream_arn: str) -> list[StreamShard]:
        try:
            found = self._streams(scope_of_arn(stream_arn, self.scope)).shard_positions(
                stream_arn=stream_arn
            )
        except ServiceError as error:
            raise StreamUnavailable(error.message) from None
        return [
            StreamShard(shard, (parent,) if parent else (), closed, tip)
            for shard, parent, closed, tip in found
        ]

    def read(
        self, stream_arn: str, shard_id: str, after_sequence: str | None, limit: int
    ) -> tuple[list[StreamRecord], bool]:
        try:
            found, ended = self._streams(scope_of_arn(stream_arn, self.scope)).read_shard(
                stream_arn=stream_arn, shard_id=shard_id, after_sequence=after_sequence, limit=limit
            )
        except ServiceError as error:
            raise StreamUnavailable(error.message) from None
        records = [
            StreamRecord(document["dynamodb"]["SequenceNumber"], arrival_ms, key, b"", document)
            for arrival_ms, key, document in found
        ]
        return records, ended


class EventSources:
    """``StreamReader`` for every source a mapping may name, chosen by the ARN's service."""

    def __init__(self, kinesis: KinesisRecords, dynamodb: DynamoDBStreamRecords) -> None:
        self._kinesis = kinesis
        self._dynamodb = dynamodb

    def _reader(self, stream_arn: str) -> KinesisRecords | DynamoDBStreamRecords:
        return self._dynamodb if stream_arn.split(":")[2:3] == ["dynamodb"] else self._kinesis

    def shards(self, stream_arn: str) -> list[StreamShard]:
        return self._reader(stream_arn).shards(stream_arn)

    def read(
        self, stream_arn: str, shard_id: str, after_sequence: str | None, limit: int
    ) -> tuple[list[StreamRecord], bool]:
        return self._reader(stream_arn).read(stream_arn, shard_id, after_sequence, limit)


class S3Destination:
    """``FailureDestination`` into an S3 bucket named by its ARN."""

    def __init__(self, engines: EngineSource) -> None:
        self._s3 = EngineLookup(
            engines,
            "s3",
            S3Engine,
            missing=lambda: DestinationUnavailable("the S3 engine is not running"),
        )

    def send(self, destination_arn: str, key: str, document: bytes) -> None:
        bucket = destination_arn.rpartition(":")[2]
        try:
            self._s3().put_object_bytes(bucket, key, document, content_type="application/json")
        except ServiceError as error:
            raise DestinationUnavailable(error.message) from None
