"""What each stage of a pipeline holds, read through the AWS APIs only.

A pipeline is found the way an operator would trace it in the console: each Firehose delivery
stream with a Kinesis source names its stream and its bucket; the DynamoDB table streaming into
that stream is the source. Each count comes from one public API (DescribeTable, GetRecords,
ListObjectsV2), so this works against a server, an embedded runtime or AWS. A count an API cannot
give (a service missing, access refused) is ``None``, shown as unknown, never a guess.

What the AWS APIs do not expose (how far Firehose lags behind its stream, what it holds in its
buffers) is CloudWatch's business, which lakehose does not serve; it is not shown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")
Clients = Callable[[str], Any]

# Counting change records reads the stream; beyond this many a count says "at least".
RECORD_COUNT_LIMIT = 100_000
_EXPRESSION = "!{"


@dataclass(frozen=True)
class Pipeline:
    delivery_stream: str | None
    table: str | None
    stream: str | None
    bucket: str | None
    data_prefix: str
    error_prefix: str


@dataclass(frozen=True)
class Objects:
    count: int
    size: int


@dataclass(frozen=True)
class Stages:
    items: int | None
    change_records: int | None
    data: Objects | None
    errors: Objects | None


def measure(clients: Clients, pipeline: Pipeline) -> Stages:
    """Items in the table, records in the stream, objects under the data and error prefixes."""
    table, stream, bucket = pipeline.table, pipeline.stream, pipeline.bucket
    items = records = None
    data = errors = None
    if table:
        items = _known(lambda: count_items(clients("dynamodb"), table))
    if stream:
        records = _known(lambda: count_records(clients("kinesis"), stream))
    if bucket:
        # With no static data prefix the data is the whole bucket, less the error output.
        data = _known(
            lambda: objects_under(
                clients("s3"), bucket, pipeline.data_prefix, exclude=pipeline.error_prefix
            )
        )
        if pipeline.error_prefix:
            errors = _known(lambda: objects_under(clients("s3"), bucket, pipeline.error_prefix))
    return Stages(items=items, change_records=records, data=data, errors=errors)


def discover(clients: Clients) -> list[Pipeline]:
    """Every delivery stream with its source table and stream and its bucket and prefixes."""
    firehose = clients("firehose")
    names: list[str] = []
    answer: dict[str, Any] = {"HasMoreDeliveryStreams": True}
    while answer.get("HasMoreDeliveryStreams"):
        start = {"ExclusiveStartDeliveryStreamName": names[-1]} if names else {}
        answer = firehose.list_delivery_streams(**start)
        names += answer.get("DeliveryStreamNames", [])
    sources = _tables_by_stream(clients("dynamodb"))
    return [_pipeline(firehose, name, sources) for name in names]


def count_items(dynamodb: Any, table: str) -> int:
    count: int = dynamodb.describe_table(TableName=table)["Table"]["ItemCount"]
    return count


def count_records(kinesis: Any, stream: str, limit: int = RECORD_COUNT_LIMIT) -> int:
    """Records in the stream now, from the oldest retained (at most ``limit``)."""
    shards: list[dict[str, Any]] = []
    page = kinesis.list_shards(StreamName=stream)
    shards += page["Shards"]
    while page.get("NextToken"):
        page = kinesis.list_shards(NextToken=page["NextToken"])
        shards += page["Shards"]
    total = 0
    for shard in shards:
        iterator = kinesis.get_shard_iterator(
            StreamName=stream, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        while iterator and total < limit:
            batch = kinesis.get_records(ShardIterator=iterator, Limit=10_000)
            total += len(batch["Records"])
            if not batch["Records"] and batch.get("MillisBehindLatest", 0) == 0:
                break
            iterator = batch.get("NextShardIterator")
    return min(total, limit)


def objects_under(s3: Any, bucket: str, prefix: str, exclude: str = "") -> Objects:
    """Objects (and their bytes) whose key starts with ``prefix`` and not with ``exclude``."""
    count = size = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            if exclude and item["Key"].startswith(exclude):
                continue
            count += 1
            size += int(item["Size"])
    return Objects(count, size)


def static_prefix(prefix: str) -> str:
    """The folder a Firehose prefix always starts with: ``data/`` for ``data/year=!{...}/``."""
    if _EXPRESSION not in prefix:
        return prefix
    head = prefix.split(_EXPRESSION, 1)[0]
    return head[: head.rfind("/") + 1]


def _pipeline(firehose: Any, name: str, sources: dict[str, str]) -> Pipeline:
    description = firehose.describe_delivery_stream(DeliveryStreamName=name)[
        "DeliveryStreamDescription"
    ]
    source = description.get("Source", {}).get("KinesisStreamSourceDescription", {})
    stream_arn = source.get("KinesisStreamARN")
    destinations = description.get("Destinations", [])
    s3 = destinations[0].get("ExtendedS3DestinationDescription", {}) if destinations else {}
    bucket_arn = s3.get("BucketARN")
    return Pipeline(
        delivery_stream=name,
        table=sources.get(stream_arn) if stream_arn else None,
        stream=stream_arn.rsplit("/", 1)[-1] if stream_arn else None,
        bucket=bucket_arn.rsplit(":", 1)[-1] if bucket_arn else None,
        data_prefix=static_prefix(s3.get("Prefix", "")),
        error_prefix=static_prefix(s3.get("ErrorOutputPrefix", "")),
    )


def _tables_by_stream(dynamodb: Any) -> dict[str, str]:
    """Kinesis stream ARN to the DynamoDB table streaming change records into it."""
    tables: list[str] = []
    for page in dynamodb.get_paginator("list_tables").paginate():
        tables += page.get("TableNames", [])
    found: dict[str, str] = {}
    for table in tables:
        answer = _known(_destinations(dynamodb, table))
        for destination in (answer or {}).get("KinesisDataStreamDestinations", []):
            if destination.get("DestinationStatus") in ("ACTIVE", "ENABLING"):
                found[destination["StreamArn"]] = table
    return found


def _destinations(dynamodb: Any, table: str) -> Callable[[], dict[str, Any]]:
    def read() -> dict[str, Any]:
        answer: dict[str, Any] = dynamodb.describe_kinesis_streaming_destination(TableName=table)
        return answer

    return read


def _known(read: Callable[[], T]) -> T | None:
    """The value ``read`` returns, or ``None`` when the API refuses or is not there."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return read()
    except (ClientError, BotoCoreError):
        return None
