"""Event source mappings for DynamoDB streams: the mapping operations on a table's stream, AWS's
DynamoDB event record for record, starting positions, filters, failing batches bisected to the S3
on-failure destination, and checkpoints that survive a restart."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lakehose import Lakehose
from tests.awslambda.conftest import (
    REGION,
    ROLE,
    FunctionFactory,
    delivered,
    error_code,
    wait_for,
    zip_of,
)
from tests.conftest import NO_RETRIES, AwsTarget, ServerProcess, cached_client, flush

CHANGES = """
import json, os
def handler(event, context):
    with open(os.environ["OUT"], "a") as out:
        out.write(json.dumps(event) + "\\n")
    for record in event["Records"]:
        if record["dynamodb"]["Keys"]["id"]["S"].startswith("bad"):
            if os.environ.get("PARTIAL"):
                return {"batchItemFailures": [
                    {"itemIdentifier": record["dynamodb"]["SequenceNumber"]}
                ]}
            raise ValueError("bad item")
    return {}
"""


def changes(out: Path) -> list[list[str]]:
    """Each event's changes as ``<eventName> <id>``."""
    return [
        [f"{r['eventName']} {r['dynamodb']['Keys']['id']['S']}" for r in event["Records"]]
        for event in delivered(out)
    ]


def stream_records(streams: Any, stream: str) -> list[dict[str, Any]]:
    """The records of the stream's first shard, from its trim horizon."""
    shard = streams.describe_stream(StreamArn=stream)["StreamDescription"]["Shards"][0]
    iterator = streams.get_shard_iterator(
        StreamArn=stream, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    return list(streams.get_records(ShardIterator=iterator)["Records"])


def records_or_none(streams: Any, stream: str) -> list[dict[str, Any]]:
    """``stream_records``, or none while the stream is not open yet."""
    try:
        return stream_records(streams, stream)
    except ClientError:
        return []


def create_table(dynamodb: Any, name: str) -> str:
    """A table with a NEW_AND_OLD_IMAGES stream; its LatestStreamArn."""
    table = dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    return str(table["TableDescription"]["LatestStreamArn"])


@dataclass(frozen=True)
class Consumer:
    """Clients of the ``lake`` runtime and the file the function writes its events to."""

    dynamodb: Any
    streams: Any
    lam: Any
    s3: Any
    out: Path

    def wire(self, table: str, function: str, **variables: str) -> str:
        """A table with a stream and a function that records what it receives."""
        self.lam.create_function(
            FunctionName=function,
            Runtime="python3.12",
            Role=ROLE,
            Handler="app.handler",
            Code={"ZipFile": zip_of({"app.py": CHANGES})},
            Environment={"Variables": {"OUT": str(self.out), **variables}},
            Timeout=30,
        )
        return create_table(self.dynamodb, table)

    @classmethod
    def of(cls, runtime: Lakehose | ServerProcess, out: Path) -> Consumer:
        """Clients of ``runtime``, the function writing its events to ``out``."""
        return cls(
            runtime.client("dynamodb", config=NO_RETRIES),
            runtime.client("dynamodbstreams", config=NO_RETRIES),
            runtime.client("lambda", config=NO_RETRIES),
            runtime.client("s3", config=NO_RETRIES),
            out,
        )

    def put(self, table: str, *ids: str) -> None:
        for item_id in ids:
            self.dynamodb.put_item(TableName=table, Item={"id": {"S": item_id}})


@pytest.fixture
def consumer(lake: Lakehose, tmp_path: Path) -> Consumer:
    return Consumer.of(lake, tmp_path / "out.jsonl")


def test_mapping_operations_on_a_table_stream(
    aws: AwsTarget,
    client_cache: dict[str, Any],
    lam: Any,
    make_function: FunctionFactory,
    name: str,
) -> None:
    dynamodb = cached_client(aws, client_cache, "dynamodb")
    stream = create_table(dynamodb, name)
    function = make_function()
    created = lam.create_event_source_mapping(
        FunctionName=function,
        EventSourceArn=stream,
        StartingPosition="LATEST",
        BatchSize=5,
        FilterCriteria={"Filters": [{"Pattern": '{"eventName": ["INSERT"]}'}]},
    )
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 202
    uuid = created["UUID"]
    assert (created["EventSourceArn"], created["StartingPosition"], created["State"]) == (
        stream,
        "LATEST",
        "Creating",
    )
    assert created["BatchSize"] == 5
    assert lam.get_event_source_mapping(UUID=uuid)["State"] == "Enabled"
    listed = lam.list_event_source_mappings(EventSourceArn=stream)["EventSourceMappings"]
    assert [m["UUID"] for m in listed] == [uuid]
    lam.delete_event_source_mapping(UUID=uuid)

    # DynamoDB streams start at TRIM_HORIZON or LATEST only; a missing stream is refused.
    with pytest.raises(ClientError) as error:
        lam.create_event_source_mapping(
            FunctionName=function,
            EventSourceArn=stream,
            StartingPosition="AT_TIMESTAMP",
            StartingPositionTimestamp=1,
        )
    assert error_code(error) == "InvalidParameterValueException"
    missing = stream.replace(f"table/{name}/", f"table/{name}-missing/")
    with pytest.raises(ClientError) as error:
        lam.create_event_source_mapping(
            FunctionName=function, EventSourceArn=missing, StartingPosition="TRIM_HORIZON"
        )
    assert error_code(error) == "InvalidParameterValueException"
    assert error.value.response["Error"]["Message"] == f"Stream not found: {missing}"
    dynamodb.delete_table(TableName=name)


def test_filtered_changes_and_a_bisected_failure_in_s3(
    aws: AwsTarget, client_cache: dict[str, Any], lam: Any, name: str, tmp_path: Path
) -> None:
    dynamodb = cached_client(aws, client_cache, "dynamodb")
    s3 = cached_client(aws, client_cache, "s3")
    out = tmp_path / "out.jsonl"
    s3.create_bucket(Bucket=name)
    consumer = Consumer(dynamodb, None, lam, s3, out)
    stream = consumer.wire(name, name)
    uuid = lam.create_event_source_mapping(
        FunctionName=name,
        EventSourceArn=stream,
        StartingPosition="TRIM_HORIZON",
        FilterCriteria={"Filters": [{"Pattern": json.dumps({"eventName": ["INSERT"]})}]},
        BisectBatchOnFunctionError=True,
        MaximumRetryAttempts=0,
        DestinationConfig={"OnFailure": {"Destination": f"arn:aws:s3:::{name}"}},
    )["UUID"]
    consumer.put(name, "a", "b", "bad", "c")
    dynamodb.update_item(
        TableName=name,
        Key={"id": {"S": "a"}},
        UpdateExpression="SET amount = :one",
        ExpressionAttributeValues={":one": {"N": "1"}},
    )

    def failures() -> list[str]:
        return [o["Key"] for o in s3.list_objects_v2(Bucket=name).get("Contents", [])]

    def settled() -> bool:
        flush(aws)
        done = [c for batch in changes(out) if "INSERT bad" not in batch for c in batch]
        return bool(failures()) and {"INSERT a", "INSERT b", "INSERT c"} <= set(done)

    wait_for(settled, "the good changes delivered and the bad one discarded")
    # The MODIFY never reaches the function; bisection leaves "bad" alone in the one failure.
    assert all(c.startswith("INSERT ") for batch in changes(out) for c in batch)
    assert len(failures()) == 1
    record = json.loads(s3.get_object(Bucket=name, Key=failures()[0])["Body"].read())
    info = record["DDBStreamBatchInfo"]
    assert (info["batchSize"], info["streamArn"]) == (1, stream)
    payload = json.loads(record["payload"])
    assert [r["dynamodb"]["Keys"] for r in payload["Records"]] == [{"id": {"S": "bad"}}]
    lam.delete_event_source_mapping(UUID=uuid)
    lam.delete_function(FunctionName=name)
    dynamodb.delete_table(TableName=name)


def test_changes_arrive_as_aws_sends_them(lake: Lakehose, consumer: Consumer) -> None:
    dynamodb, lam, out = consumer.dynamodb, consumer.lam, consumer.out
    stream = consumer.wire("orders", "consumer")
    consumer.put("orders", "before")
    lake.flush()
    lam.create_event_source_mapping(
        FunctionName="consumer",
        EventSourceArn=stream,
        StartingPosition="LATEST",
        BatchSize=2,
    )
    consumer.put("orders", "o1")
    dynamodb.update_item(
        TableName="orders",
        Key={"id": {"S": "o1"}},
        UpdateExpression="SET amount = :t",
        ExpressionAttributeValues={":t": {"N": "12"}},
    )
    dynamodb.delete_item(TableName="orders", Key={"id": {"S": "o1"}})
    lake.flush()
    lake.flush()
    # LATEST skips "before"; batches of two, in commit order.
    assert changes(out) == [["INSERT o1", "MODIFY o1"], ["REMOVE o1"]]

    # Each record is the stream's record (as GetRecords shows it) plus eventSourceARN.
    stored = stream_records(consumer.streams, stream)[1:]
    records = delivered(out)[0]["Records"] + delivered(out)[1]["Records"]
    assert len(records) == len(stored) == 3
    for record, original in zip(records, stored, strict=True):
        assert list(record) == [
            "eventID",
            "eventName",
            "eventVersion",
            "eventSource",
            "awsRegion",
            "dynamodb",
            "eventSourceARN",
        ]
        assert record["eventID"] == original["eventID"]
        assert record["eventName"] == original["eventName"]
        assert (record["eventVersion"], record["eventSource"]) == ("1.1", "aws:dynamodb")
        assert (record["awsRegion"], record["eventSourceARN"]) == (REGION, stream)
        body = dict(original["dynamodb"])
        body["ApproximateCreationDateTime"] = int(body["ApproximateCreationDateTime"].timestamp())
        assert record["dynamodb"] == body
        assert list(record["dynamodb"]) == list(body)
    assert records[1]["dynamodb"]["NewImage"] == {"id": {"S": "o1"}, "amount": {"N": "12"}}
    assert records[1]["dynamodb"]["OldImage"] == {"id": {"S": "o1"}}
    assert records[1]["dynamodb"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    mapping = lam.list_event_source_mappings(FunctionName="consumer")["EventSourceMappings"][0]
    assert mapping["LastProcessingResult"] == "OK"


def test_trim_horizon_and_filters(lake: Lakehose, consumer: Consumer) -> None:
    dynamodb, lam, out = consumer.dynamodb, consumer.lam, consumer.out
    stream = consumer.wire("picks", "picky")
    consumer.put("picks", "a", "b")
    dynamodb.put_item(TableName="picks", Item={"id": {"S": "vip-c"}, "tier": {"S": "gold"}})
    dynamodb.delete_item(TableName="picks", Key={"id": {"S": "b"}})
    lam.create_event_source_mapping(
        FunctionName="picky",
        EventSourceArn=stream,
        StartingPosition="TRIM_HORIZON",
        FilterCriteria={
            "Filters": [
                {"Pattern": json.dumps({"eventName": ["REMOVE"]})},
                {"Pattern": json.dumps({"dynamodb": {"NewImage": {"tier": {"S": ["gold"]}}}})},
            ]
        },
    )
    lake.flush()
    lake.flush()
    # TRIM_HORIZON reads the changes made before the mapping; the filters keep two of four.
    assert changes(out) == [["INSERT vip-c", "REMOVE b"]]
    consumer.put("picks", "d")
    lake.flush()
    assert len(delivered(out)) == 1


def test_a_failing_batch_is_bisected_and_sent_to_s3(lake: Lakehose, consumer: Consumer) -> None:
    lam, s3, out = consumer.lam, consumer.s3, consumer.out
    s3.create_bucket(Bucket="failures")
    stream = consumer.wire("fragile", "fragile")
    uuid = lam.create_event_source_mapping(
        FunctionName="fragile",
        EventSourceArn=stream,
        StartingPosition="TRIM_HORIZON",
        BisectBatchOnFunctionError=True,
        MaximumRetryAttempts=0,
        DestinationConfig={"OnFailure": {"Destination": "arn:aws:s3:::failures"}},
    )["UUID"]
    consumer.put("fragile", "a", "b", "bad", "c")
    for _ in range(6):
        lake.flush()
    # [a b bad c] fails, [a b] passes, [bad c] fails, [bad] fails and is discarded, [c] passes.
    assert changes(out) == [
        ["INSERT a", "INSERT b", "INSERT bad", "INSERT c"],
        ["INSERT a", "INSERT b"],
        ["INSERT bad", "INSERT c"],
        ["INSERT bad"],
        ["INSERT c"],
    ]
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="failures").get("Contents", [])]
    assert len(keys) == 1
    shard = consumer.streams.describe_stream(StreamArn=stream)["StreamDescription"]["Shards"][0]
    assert re.fullmatch(
        rf"aws/lambda/{uuid}/{shard['ShardId']}/\d{{4}}/\d\d/\d\d/"
        r"\d{4}-\d\d-\d\dT\d\d\.\d\d\.\d\d-[0-9a-f-]{36}",
        keys[0],
    )
    record = json.loads(s3.get_object(Bucket="failures", Key=keys[0])["Body"].read())
    assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert "KinesisBatchInfo" not in record
    info = record["DDBStreamBatchInfo"]
    assert (info["shardId"], info["batchSize"], info["streamArn"]) == (
        shard["ShardId"],
        1,
        stream,
    )
    assert info["startSequenceNumber"] == info["endSequenceNumber"]
    payload = json.loads(record["payload"])
    assert [r["dynamodb"]["Keys"] for r in payload["Records"]] == [{"id": {"S": "bad"}}]


def test_partial_batch_responses_name_sequence_numbers(lake: Lakehose, consumer: Consumer) -> None:
    lam, out = consumer.lam, consumer.out
    stream = consumer.wire("partial", "reporter", PARTIAL="1")
    lam.create_event_source_mapping(
        FunctionName="reporter",
        EventSourceArn=stream,
        StartingPosition="TRIM_HORIZON",
        FunctionResponseTypes=["ReportBatchItemFailures"],
        MaximumRetryAttempts=1,
    )
    consumer.put("partial", "a", "bad", "c")
    for _ in range(3):
        lake.flush()
    # "a" is done after the first call; the rest is retried once from "bad", then discarded.
    assert changes(out) == [["INSERT a", "INSERT bad", "INSERT c"], ["INSERT bad", "INSERT c"]]
    consumer.put("partial", "d")
    lake.flush()
    lake.flush()
    assert changes(out)[2:] == [["INSERT d"]]


def test_parallel_lanes_keep_each_item_in_order(lake: Lakehose, consumer: Consumer) -> None:
    dynamodb, lam, out = consumer.dynamodb, consumer.lam, consumer.out
    stream = consumer.wire("lanes", "lanes")
    lam.create_event_source_mapping(
        FunctionName="lanes",
        EventSourceArn=stream,
        StartingPosition="TRIM_HORIZON",
        BatchSize=2,
        ParallelizationFactor=5,
    )
    consumer.put("lanes", "bad")
    for step in range(3):
        for item in ("i0", "i1", "i2", "i3"):
            dynamodb.put_item(TableName="lanes", Item={"id": {"S": item}, "step": {"N": str(step)}})
    for _ in range(8):
        lake.flush()
    steps: dict[str, list[str]] = {}
    for event in delivered(out):
        if any(r["dynamodb"]["Keys"]["id"]["S"] == "bad" for r in event["Records"]):
            continue
        for record in event["Records"]:
            image = record["dynamodb"]["NewImage"]
            steps.setdefault(image["id"]["S"], []).append(image["step"]["N"])
    # The failing item holds up its own lane only; every other item's changes come in order.
    assert steps
    assert all(found == ["0", "1", "2"] for found in steps.values())


def test_kill_9_neither_skips_nor_redelivers_a_completed_batch(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    server = ServerProcess(tmp_path / "home")
    try:
        consumer = Consumer.of(server, out)
        stream = consumer.wire("crash", "survivor")
        consumer.put("crash", "first-0", "first-1", "first-2")
        # All three changes in the stream first, so that they make one batch.
        wait_for(lambda: len(records_or_none(consumer.streams, stream)) == 3, "the stream")
        uuid = consumer.lam.create_event_source_mapping(
            FunctionName="survivor", EventSourceArn=stream, StartingPosition="TRIM_HORIZON"
        )["UUID"]
        # "OK" is recorded once the batch's checkpoint is committed.
        wait_for(
            lambda: (
                consumer.lam.get_event_source_mapping(UUID=uuid)["LastProcessingResult"] == "OK"
            ),
            "the first batch to complete",
        )
    finally:
        server.kill()
    server = ServerProcess(tmp_path / "home")
    try:
        server.client("dynamodb", config=NO_RETRIES).put_item(
            TableName="crash", Item={"id": {"S": "second"}}
        )
        wait_for(
            lambda: any("INSERT second" in batch for batch in changes(out)),
            "the change made after the restart",
        )
    finally:
        server.stop()
    seen = [change for batch in changes(out) for change in batch]
    assert seen == ["INSERT first-0", "INSERT first-1", "INSERT first-2", "INSERT second"]


def test_checkpoints_survive_a_restart(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    home = tmp_path / "home"
    with Lakehose(home=home, background=False) as lake:
        consumer = Consumer.of(lake, out)
        stream = consumer.wire("durable", "steady")
        lake.client("lambda", config=NO_RETRIES).create_event_source_mapping(
            FunctionName="steady", EventSourceArn=stream, StartingPosition="TRIM_HORIZON"
        )
        consumer.put("durable", "0", "1", "2")
        lake.flush()
        lake.flush()
    with Lakehose(home=home, background=False) as lake:
        lake.client("dynamodb", config=NO_RETRIES).put_item(
            TableName="durable", Item={"id": {"S": "after"}}
        )
        lake.flush()
        lake.flush()
    assert changes(out) == [["INSERT 0", "INSERT 1", "INSERT 2"], ["INSERT after"]]
