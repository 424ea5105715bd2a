"""kill -9 of a real ``lakehose up`` while a client writes to a table with a DynamoDB stream and a
Kinesis destination: every committed change is in the DynamoDB stream exactly once, in order,
and both outputs hold the same changes."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import orjson
import pytest
from botocore.config import Config

from tests.conftest import ServerProcess
from tests.dynamodb.conftest import key_schema, stream_records
from tests.dynamodb.test_crash import write_until_killed
from tests.dynamodbstreams.conftest import read_stream, stream_spec

ROUNDS = 3
CONFIG = Config(retries={"total_max_attempts": 1}, connect_timeout=2, read_timeout=5)


@pytest.mark.slow
@pytest.mark.server
def test_stream_records_survive_kill_9_exactly_once(tmp_path: Path) -> None:
    home = tmp_path / "home"
    server = ServerProcess(home)
    try:
        ddb = server.client("dynamodb", config=CONFIG)
        kinesis = server.client("kinesis", config=CONFIG)
        ddb.create_table(
            TableName="crash",
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification=stream_spec("NEW_IMAGE"),
            **key_schema(("id", "S")),
        )
        kinesis.create_stream(StreamName="crash-changes", ShardCount=1)
        arn = kinesis.describe_stream_summary(StreamName="crash-changes")[
            "StreamDescriptionSummary"
        ]["StreamARN"]
        ddb.enable_kinesis_streaming_destination(TableName="crash", StreamArn=arn)
    except BaseException:
        server.kill()
        raise
    acknowledged: list[str] = []
    for round_ in range(ROUNDS):
        if round_:
            server = ServerProcess(home)
        acknowledged += write_until_killed(server, f"r{round_}")
    final = ServerProcess(home)
    try:
        final.flush()
        ddb = final.client("dynamodb", config=CONFIG)
        stored = {
            item["id"]["S"]
            for page in ddb.get_paginator("scan").paginate(TableName="crash")
            for item in page["Items"]
        }
        table = ddb.describe_table(TableName="crash")["Table"]
        records = read_stream(
            final.client("dynamodbstreams", config=CONFIG), table["LatestStreamArn"]
        )
        kinesis_records = stream_records(final.client("kinesis", config=CONFIG), "crash-changes")
    finally:
        final.stop()
    assert set(acknowledged) <= stored, "an acknowledged write was lost"
    per_item = Counter(record["dynamodb"]["Keys"]["id"]["S"] for record in records)
    assert set(per_item) == stored, "a committed change is missing from the DynamoDB stream"
    assert set(per_item.values()) == {1}, "a change reached the DynamoDB stream twice"
    numbers = [int(record["dynamodb"]["SequenceNumber"]) for record in records]
    assert numbers == sorted(numbers)
    # Commit order is write order here (one writer): the stream holds the writes in that order.
    order = [record["dynamodb"]["Keys"]["id"]["S"] for record in records]
    assert [key for key in order if key in acknowledged] == [
        key for key in acknowledged if key in per_item
    ]
    # One Kinesis shard: both outputs hold the same changes in the same order.
    assert [r["eventID"] for r in records] == [
        orjson.loads(r["Data"])["eventID"] for r in kinesis_records
    ]
