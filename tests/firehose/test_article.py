"""The article's delivery stream, exactly as configured there (``../shared/seed/article.txt``):
Kinesis source, a Lambda appending "\\n", GZIP, 1 MiB / 60 s, the Hive-style prefix, ``errors/``."""

from __future__ import annotations

import gzip
import re
from datetime import UTC, datetime
from typing import Any

from lakehose import Lakehose
from lakehose.cli.heartrate import sample_change_record as change_record
from lakehose.clock import ManualClock
from tests.awslambda.conftest import zip_of
from tests.conftest import AwsTarget
from tests.firehose.conftest import (
    APPEND_NEWLINE,
    ARTICLE_PREFIX,
    ROLE,
    STAMP,
    UUID,
    FunctionFactory,
    LakeClients,
    destination,
    flush,
    lambda_processor,
    objects,
)

ACCOUNT = "000000000000"


def article_destination(bucket: str, function_arn: str | None) -> dict[str, Any]:
    members: dict[str, Any] = {
        "Prefix": ARTICLE_PREFIX,
        "ErrorOutputPrefix": "errors/",
        "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 60},
        "CompressionFormat": "GZIP",
    }
    if function_arn is not None:
        members["ProcessingConfiguration"] = lambda_processor(function_arn)
    return destination(bucket, **members)


def _create(firehose: Any, kinesis: Any, name: str, bucket: str, function_arn: str | None) -> None:
    kinesis.create_stream(StreamName=name, ShardCount=1)
    firehose.create_delivery_stream(
        DeliveryStreamName=name,
        DeliveryStreamType="KinesisStreamAsSource",
        KinesisStreamSourceConfiguration={
            "KinesisStreamARN": f"arn:aws:kinesis:us-east-1:{ACCOUNT}:stream/{name}",
            "RoleARN": ROLE,
        },
        ExtendedS3DestinationConfiguration=article_destination(bucket, function_arn),
    )


def _key_pattern(name: str) -> str:
    return (
        rf"data/year=(\d{{4}})/month=(\d{{2}})/day=(\d{{2}})/hour=(\d{{2}})/"
        rf"{re.escape(name)}-1-{STAMP}-{UUID}\.gz"
    )


def test_the_article_pipeline_writes_one_record_per_line(
    aws: AwsTarget,
    firehose: Any,
    kinesis: Any,
    s3: Any,
    make_function: FunctionFactory,
    name: str,
    bucket: str,
) -> None:
    _create(firehose, kinesis, name, bucket, make_function(APPEND_NEWLINE))
    records = [change_record(n) for n in range(40)]
    kinesis.put_records(
        StreamName=name,
        Records=[{"Data": r, "PartitionKey": f"{n:032X}"} for n, r in enumerate(records)],
    )
    flush(aws)
    found = objects(s3, bucket)
    assert found and all(re.fullmatch(_key_pattern(name), key) for key in found)
    lines = [line for key in sorted(found) for line in gzip.decompress(found[key]).splitlines(True)]
    assert lines == [record + b"\n" for record in records]
    for key in found:
        assert s3.head_object(Bucket=bucket, Key=key)["ContentEncoding"] == "gzip"


def test_without_the_transform_records_are_concatenated(
    aws: AwsTarget, firehose: Any, kinesis: Any, s3: Any, name: str, bucket: str
) -> None:
    _create(firehose, kinesis, name, bucket, None)
    records = [change_record(n) for n in range(5)]
    kinesis.put_records(
        StreamName=name, Records=[{"Data": r, "PartitionKey": "k"} for r in records]
    )
    flush(aws)
    ((key, body),) = objects(s3, bucket).items()
    assert re.fullmatch(_key_pattern(name), key)
    assert gzip.decompress(body) == b"".join(records)  # no delimiter: "}{" between records


def test_the_article_timeline_on_the_clock(
    lake: Lakehose, clients: LakeClients, clock: ManualClock
) -> None:
    """Processing buffer (1 MiB / 60 s default) before the destination buffer (1 MiB / 60 s)."""
    clock.set(datetime(2024, 3, 22, 19, 59, 20, tzinfo=UTC))
    clients.s3.create_bucket(Bucket="bucket")
    function_arn = clients.lam.create_function(
        FunctionName="append-newline",
        Runtime="python3.12",
        Role="arn:aws:iam::000000000000:role/lambda-role",
        Handler="app.handler",
        Code={"ZipFile": zip_of({"app.py": APPEND_NEWLINE})},
    )["FunctionArn"]
    _create(clients.firehose, clients.kinesis, "heartrate-firehose", "bucket", function_arn)
    clients.kinesis.put_record(
        StreamName="heartrate-firehose", PartitionKey="k", Data=change_record(1)
    )
    lake.advance(0)  # read into the processing buffer at 19:59:20
    lake.advance(59)
    lake.advance(1)  # 19:60:20: the Lambda runs; its output waits in the destination buffer
    clients.kinesis.put_record(
        StreamName="heartrate-firehose", PartitionKey="k", Data=change_record(2)
    )
    lake.advance(59)
    assert objects(clients.s3, "bucket") == {}
    lake.advance(1)  # 20:01:20: the destination interval is over
    ((key, body),) = objects(clients.s3, "bucket").items()
    # The hour is the oldest record's arrival (19:59:20), not the flush time (20:01:20).
    assert key.startswith(
        "data/year=2024/month=03/day=22/hour=19/heartrate-firehose-1-2024-03-22-20-01-20-"
    )
    assert gzip.decompress(body) == change_record(1) + b"\n"
    lake.flush()
    assert len(objects(clients.s3, "bucket")) == 2
