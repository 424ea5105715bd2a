"""Event source mappings for Kinesis: the mapping operations, AWS's event, batching, filters,
failures (bisection, retries, the S3 on-failure destination, partial batch responses) and
checkpoints that survive a restart and a kill -9."""

from __future__ import annotations

import base64
import json
import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lakehose import Lakehose
from lakehose.services.awslambda import store
from lakehose.services.awslambda.store import MIGRATIONS
from lakehose.storage import open_database
from tests.awslambda.conftest import (
    ACCOUNT,
    REGION,
    ROLE,
    FunctionFactory,
    delivered,
    error_code,
    wait_for,
    zip_of,
)
from tests.conftest import NO_RETRIES, AwsTarget, ServerProcess, cached_client

RECORDS = """
import json, os
def handler(event, context):
    with open(os.environ["OUT"], "a") as out:
        out.write(json.dumps(event) + "\\n")
    for record in event["Records"]:
        if b"bad" in __import__("base64").b64decode(record["kinesis"]["data"]):
            if os.environ.get("PARTIAL"):
                return {"batchItemFailures": [
                    {"itemIdentifier": record["kinesis"]["sequenceNumber"]}
                ]}
            raise ValueError("bad record")
    return {}
"""


def stream_arn(stream: str) -> str:
    return f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{stream}"


def datas(out: Path) -> list[list[str]]:
    return [
        [base64.b64decode(r["kinesis"]["data"]).decode() for r in event["Records"]]
        for event in delivered(out)
    ]


def make_handler(client: Any, name: str, out: Path, **variables: str) -> str:
    client.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": zip_of({"app.py": RECORDS})},
        Environment={"Variables": {"OUT": str(out), **variables}},
        Timeout=30,
    )
    return name


@dataclass(frozen=True)
class Consumer:
    """Clients of the ``lake`` runtime and the file the function writes its events to."""

    kinesis: Any
    lam: Any
    s3: Any
    out: Path

    def wire(self, stream: str, function: str, **variables: str) -> None:
        """A one-shard stream and a function that records what it receives."""
        self.kinesis.create_stream(StreamName=stream, ShardCount=1)
        make_handler(self.lam, function, self.out, **variables)


@pytest.fixture
def consumer(lake: Lakehose, tmp_path: Path) -> Consumer:
    return Consumer(
        lake.client("kinesis", config=NO_RETRIES),
        lake.client("lambda", config=NO_RETRIES),
        lake.client("s3", config=NO_RETRIES),
        tmp_path / "out.jsonl",
    )


def test_mapping_operations(
    aws: AwsTarget,
    client_cache: dict[str, Any],
    lam: Any,
    make_function: FunctionFactory,
    name: str,
) -> None:
    kinesis = cached_client(aws, client_cache, "kinesis")
    kinesis.create_stream(StreamName=name, ShardCount=1)
    function = make_function()
    created = lam.create_event_source_mapping(
        FunctionName=function,
        EventSourceArn=stream_arn(name),
        StartingPosition="TRIM_HORIZON",
        BatchSize=10,
        MaximumBatchingWindowInSeconds=2,
        FilterCriteria={"Filters": [{"Pattern": '{"data": {"kind": ["beat"]}}'}]},
        DestinationConfig={"OnFailure": {"Destination": "arn:aws:s3:::failures"}},
        MaximumRetryAttempts=2,
        BisectBatchOnFunctionError=True,
        FunctionResponseTypes=["ReportBatchItemFailures"],
    )
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 202
    uuid = created["UUID"]
    assert re.fullmatch(r"[0-9a-f-]{36}", uuid)
    created.pop("ResponseMetadata")
    modified = created.pop("LastModified")
    assert created == {
        "UUID": uuid,
        "StartingPosition": "TRIM_HORIZON",
        "BatchSize": 10,
        "MaximumBatchingWindowInSeconds": 2,
        "ParallelizationFactor": 1,
        "EventSourceArn": stream_arn(name),
        "FilterCriteria": {"Filters": [{"Pattern": '{"data": {"kind": ["beat"]}}'}]},
        "FunctionArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function}",
        "LastProcessingResult": "No records processed",
        "State": "Creating",
        "StateTransitionReason": "User action",
        "DestinationConfig": {"OnFailure": {"Destination": "arn:aws:s3:::failures"}},
        "MaximumRecordAgeInSeconds": -1,
        "BisectBatchOnFunctionError": True,
        "MaximumRetryAttempts": 2,
        "TumblingWindowInSeconds": 0,
        "FunctionResponseTypes": ["ReportBatchItemFailures"],
        "EventSourceMappingArn": (f"arn:aws:lambda:{REGION}:{ACCOUNT}:event-source-mapping:{uuid}"),
    }
    assert modified.year >= 2023
    assert lam.get_event_source_mapping(UUID=uuid)["State"] == "Enabled"
    listed = lam.list_event_source_mappings(FunctionName=function)["EventSourceMappings"]
    assert [m["UUID"] for m in listed] == [uuid]
    by_source = lam.list_event_source_mappings(EventSourceArn=stream_arn(name))
    assert [m["UUID"] for m in by_source["EventSourceMappings"]] == [uuid]

    updated = lam.update_event_source_mapping(UUID=uuid, BatchSize=50, Enabled=False)
    assert (updated["State"], updated["BatchSize"]) == ("Updating", 50)
    assert lam.get_event_source_mapping(UUID=uuid)["State"] == "Disabled"
    assert lam.delete_event_source_mapping(UUID=uuid)["State"] == "Deleting"
    with pytest.raises(ClientError) as error:
        lam.get_event_source_mapping(UUID=uuid)
    assert error_code(error) == "ResourceNotFoundException"

    with pytest.raises(ClientError) as error:
        lam.create_event_source_mapping(FunctionName=function, EventSourceArn=stream_arn(name))
    assert error_code(error) == "InvalidParameterValueException"
    with pytest.raises(ClientError) as error:
        lam.create_event_source_mapping(
            FunctionName=function,
            EventSourceArn=stream_arn(f"{name}-missing"),
            StartingPosition="LATEST",
        )
    assert error_code(error) == "InvalidParameterValueException"
    assert error.value.response["Error"]["Message"] == (
        f"Stream not found: {stream_arn(name + '-missing')}"
    )
    kinesis.delete_stream(StreamName=name)


def test_records_arrive_as_aws_sends_them(lake: Lakehose, consumer: Consumer) -> None:
    kinesis, lam, out = consumer.kinesis, consumer.lam, consumer.out
    consumer.wire("beats", "consumer")
    kinesis.put_record(StreamName="beats", PartitionKey="before", Data=b"old")
    lam.create_event_source_mapping(
        FunctionName="consumer",
        EventSourceArn=stream_arn("beats"),
        StartingPosition="LATEST",
        BatchSize=2,
        MaximumBatchingWindowInSeconds=5,
    )
    for index in range(3):
        kinesis.put_record(StreamName="beats", PartitionKey=f"p{index}", Data=f"r{index}".encode())
    lake.advance(1)
    # A full batch goes at once; the third record waits out the batching window.
    assert datas(out) == [["r0", "r1"]]
    lake.advance(5)
    assert datas(out) == [["r0", "r1"], ["r2"]]

    shard = kinesis.list_shards(StreamName="beats")["Shards"][0]["ShardId"]
    iterator = kinesis.get_shard_iterator(
        StreamName="beats", ShardId=shard, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    stored = kinesis.get_records(ShardIterator=iterator)["Records"][1:]
    expected = [
        {
            "kinesis": {
                "kinesisSchemaVersion": "1.0",
                "partitionKey": record["PartitionKey"],
                "sequenceNumber": record["SequenceNumber"],
                "data": base64.b64encode(record["Data"]).decode(),
                "approximateArrivalTimestamp": record["ApproximateArrivalTimestamp"].timestamp(),
            },
            "eventSource": "aws:kinesis",
            "eventVersion": "1.0",
            "eventID": f"{shard}:{record['SequenceNumber']}",
            "eventName": "aws:kinesis:record",
            "invokeIdentityArn": ROLE,
            "awsRegion": REGION,
            "eventSourceARN": stream_arn("beats"),
        }
        for record in stored
    ]
    events = delivered(out)
    assert events[0]["Records"] + events[1]["Records"] == expected
    # Key order too: the payload is AWS's byte for byte, up to the float rendering.
    assert list(events[0]["Records"][0]) == list(expected[0])
    assert list(events[0]["Records"][0]["kinesis"]) == list(expected[0]["kinesis"])
    mapping = lam.list_event_source_mappings(FunctionName="consumer")["EventSourceMappings"][0]
    assert mapping["LastProcessingResult"] == "OK"


def test_filters_drop_records(lake: Lakehose, consumer: Consumer) -> None:
    kinesis, lam, out = consumer.kinesis, consumer.lam, consumer.out
    consumer.wire("mixed", "picky")
    lam.create_event_source_mapping(
        FunctionName="picky",
        EventSourceArn=stream_arn("mixed"),
        StartingPosition="TRIM_HORIZON",
        FilterCriteria={
            "Filters": [
                {"Pattern": json.dumps({"data": {"bpm": [{"numeric": [">", 100]}]}})},
                {"Pattern": json.dumps({"partitionKey": [{"prefix": "vip-"}]})},
            ]
        },
    )
    for key, data in [
        ("a", {"bpm": 80}),
        ("b", {"bpm": 140}),
        ("vip-c", {"bpm": 60}),
        ("d", "not json"),
    ]:
        kinesis.put_record(StreamName="mixed", PartitionKey=key, Data=json.dumps(data).encode())
    lake.flush()
    assert datas(out) == [['{"bpm": 140}', '{"bpm": 60}']]
    # The dropped records are done with: nothing is delivered again.
    lake.flush()
    assert len(delivered(out)) == 1


def test_a_failing_batch_is_bisected_and_sent_to_s3(lake: Lakehose, consumer: Consumer) -> None:
    kinesis, lam, s3, out = consumer.kinesis, consumer.lam, consumer.s3, consumer.out
    s3.create_bucket(Bucket="failures")
    consumer.wire("failing", "fragile")
    uuid = lam.create_event_source_mapping(
        FunctionName="fragile",
        EventSourceArn=stream_arn("failing"),
        StartingPosition="TRIM_HORIZON",
        BisectBatchOnFunctionError=True,
        MaximumRetryAttempts=0,
        DestinationConfig={"OnFailure": {"Destination": "arn:aws:s3:::failures"}},
    )["UUID"]
    for data in ["a", "b", "bad", "c"]:
        kinesis.put_record(StreamName="failing", PartitionKey="k", Data=data.encode())
    for _ in range(6):
        lake.flush()
    # [a b bad c] fails, [a b] passes, [bad c] fails, [bad] fails and is discarded, [c] passes.
    assert datas(out) == [["a", "b", "bad", "c"], ["a", "b"], ["bad", "c"], ["bad"], ["c"]]
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="failures").get("Contents", [])]
    assert len(keys) == 1
    shard = kinesis.list_shards(StreamName="failing")["Shards"][0]["ShardId"]
    assert re.fullmatch(
        rf"aws/lambda/{uuid}/{shard}/\d{{4}}/\d\d/\d\d/\d{{4}}-\d\d-\d\dT\d\d\.\d\d\.\d\d-[0-9a-f-]{{36}}",
        keys[0],
    )
    record = json.loads(s3.get_object(Bucket="failures", Key=keys[0])["Body"].read())
    assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert record["requestContext"]["functionArn"].endswith(":function:fragile")
    assert record["responseContext"]["functionError"] == "Unhandled"
    info = record["KinesisBatchInfo"]
    assert (info["shardId"], info["batchSize"], info["streamArn"]) == (
        shard,
        1,
        stream_arn("failing"),
    )
    assert info["startSequenceNumber"] == info["endSequenceNumber"]
    payload = json.loads(record["payload"])
    assert [base64.b64decode(r["kinesis"]["data"]) for r in payload["Records"]] == [b"bad"]


def test_partial_batch_responses_retry_from_the_failed_record(
    lake: Lakehose, consumer: Consumer
) -> None:
    kinesis, lam, out = consumer.kinesis, consumer.lam, consumer.out
    consumer.wire("partial", "reporter", PARTIAL="1")
    lam.create_event_source_mapping(
        FunctionName="reporter",
        EventSourceArn=stream_arn("partial"),
        StartingPosition="TRIM_HORIZON",
        FunctionResponseTypes=["ReportBatchItemFailures"],
        MaximumRetryAttempts=1,
    )
    for data in ["a", "bad", "c"]:
        kinesis.put_record(StreamName="partial", PartitionKey="k", Data=data.encode())
    for _ in range(3):
        lake.flush()
    # "a" is done after the first call; the rest is retried once from "bad", then discarded.
    assert datas(out) == [["a", "bad", "c"], ["bad", "c"]]
    kinesis.put_record(StreamName="partial", PartitionKey="k", Data=b"d")
    lake.flush()
    assert datas(out)[2:] == [["d"]]


def test_checkpoints_survive_a_restart(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    home = tmp_path / "home"
    with Lakehose(home=home, background=False) as lake:
        kinesis = lake.client("kinesis", config=NO_RETRIES)
        lam = lake.client("lambda", config=NO_RETRIES)
        kinesis.create_stream(StreamName="durable", ShardCount=2)
        make_handler(lam, "steady", out)
        lam.create_event_source_mapping(
            FunctionName="steady",
            EventSourceArn=stream_arn("durable"),
            StartingPosition="TRIM_HORIZON",
        )
        for index in range(6):
            kinesis.put_record(StreamName="durable", PartitionKey=str(index), Data=b"%d" % index)
        lake.flush()
    with Lakehose(home=home, background=False) as lake:
        lake.client("kinesis", config=NO_RETRIES).put_record(
            StreamName="durable", PartitionKey="x", Data=b"after"
        )
        lake.flush()
    seen = sorted(data for batch in datas(out) for data in batch)
    assert seen == ["0", "1", "2", "3", "4", "5", "after"]


def test_kill_9_neither_skips_nor_redelivers_a_completed_batch(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    home = tmp_path / "home"
    server = ServerProcess(home)
    try:
        kinesis = server.client("kinesis", config=NO_RETRIES)
        lam = server.client("lambda", config=NO_RETRIES)
        kinesis.create_stream(StreamName="crash", ShardCount=1)
        make_handler(lam, "survivor", out)
        for index in range(5):
            kinesis.put_record(StreamName="crash", PartitionKey="k", Data=b"first-%d" % index)
        uuid = lam.create_event_source_mapping(
            FunctionName="survivor",
            EventSourceArn=stream_arn("crash"),
            StartingPosition="TRIM_HORIZON",
        )["UUID"]
        # "OK" is recorded once the batch's checkpoint is committed.
        wait_for(
            lambda: lam.get_event_source_mapping(UUID=uuid)["LastProcessingResult"] == "OK",
            "the first batch to complete",
        )
    finally:
        server.kill()
    server = ServerProcess(home)
    try:
        kinesis = server.client("kinesis", config=NO_RETRIES)
        kinesis.put_record(StreamName="crash", PartitionKey="k", Data=b"second")
        wait_for(
            lambda: any("second" in batch for batch in datas(out)),
            "the record put after the restart",
        )
    finally:
        server.stop()
    seen = [data for batch in datas(out) for data in batch]
    assert seen == [f"first-{index}" for index in range(5)] + ["second"]


def test_at_timestamp_and_record_age(lake: Lakehose, consumer: Consumer) -> None:
    kinesis, lam, s3, out = consumer.kinesis, consumer.lam, consumer.s3, consumer.out
    s3.create_bucket(Bucket="aged")
    consumer.wire("timed", "timed")
    kinesis.put_record(StreamName="timed", PartitionKey="k", Data=b"early")
    lake.advance(10)
    moment = datetime.fromtimestamp(lake.now() - 5, tz=UTC)
    kinesis.put_record(StreamName="timed", PartitionKey="k", Data=b"bad")
    lam.create_event_source_mapping(
        FunctionName="timed",
        EventSourceArn=stream_arn("timed"),
        StartingPosition="AT_TIMESTAMP",
        StartingPositionTimestamp=moment,
        MaximumRecordAgeInSeconds=60,
        DestinationConfig={"OnFailure": {"Destination": "arn:aws:s3:::aged"}},
    )
    lake.flush()
    lake.flush()
    # "early" arrived before the timestamp; "bad" fails and is retried while young enough.
    assert datas(out) == [["bad"], ["bad"]]
    assert "Contents" not in s3.list_objects_v2(Bucket="aged")
    lake.advance(61)
    assert datas(out)[-1] == ["bad"]
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="aged")["Contents"]]
    record = json.loads(s3.get_object(Bucket="aged", Key=keys[0])["Body"].read())
    assert record["requestContext"]["condition"] == "RecordAgeExceeded"
    kinesis.put_record(StreamName="timed", PartitionKey="k", Data=b"later")
    lake.flush()
    assert datas(out)[-1] == ["later"]


def test_parallelization_keeps_each_key_in_order(lake: Lakehose, consumer: Consumer) -> None:
    kinesis, lam, out = consumer.kinesis, consumer.lam, consumer.out
    consumer.wire("parallel", "lanes")
    with pytest.raises(ClientError) as error:
        lam.create_event_source_mapping(
            FunctionName="lanes",
            EventSourceArn=stream_arn("parallel"),
            StartingPosition="TRIM_HORIZON",
            ParallelizationFactor=11,
        )
    assert error_code(error) == "ValidationException"
    assert "Member must have value less than or equal to 10" in str(error.value)
    uuid = lam.create_event_source_mapping(
        FunctionName="lanes",
        EventSourceArn=stream_arn("parallel"),
        StartingPosition="TRIM_HORIZON",
        BatchSize=2,
        ParallelizationFactor=10,
    )["UUID"]
    assert lam.get_event_source_mapping(UUID=uuid)["ParallelizationFactor"] == 10
    keys = [f"key{index}" for index in range(6)]
    # The first record fails for ever (retries are unlimited) and holds up its key's lane only.
    kinesis.put_record(StreamName="parallel", PartitionKey="blocked", Data=b"bad")
    for step in range(3):
        for key in keys:
            kinesis.put_record(
                StreamName="parallel", PartitionKey=key, Data=f"{key}/{step}".encode()
            )
    for _ in range(8):
        lake.flush()
    batches = datas(out)
    assert all(batch[0] == "bad" for batch in batches if "bad" in batch)
    assert sum("bad" in batch for batch in batches) == 8
    done = [data for batch in batches if "bad" not in batch for data in batch]
    per_key = {key: [d for d in done if d.startswith(f"{key}/")] for key in keys}
    # Every key the blocked lane does not hold is delivered once, in order, past the failure.
    delivered_keys = [key for key, datas_ in per_key.items() if datas_]
    assert delivered_keys
    for key in delivered_keys:
        assert per_key[key] == [f"{key}/{step}" for step in range(3)]

    # Fewer lanes: each starts where the slowest stood, so nothing is skipped.
    lam.update_event_source_mapping(UUID=uuid, ParallelizationFactor=1, MaximumRetryAttempts=0)
    for _ in range(12):
        lake.flush()
    after = [data for batch in datas(out)[len(batches) :] for data in batch]
    assert set(after) >= {f"{key}/{step}" for key in keys for step in range(3)} - set(done)
    assert after[-1] == "key5/2"


def test_checkpoints_from_before_lanes_become_lane_zero(tmp_path: Path) -> None:
    """A Lambda database at schema version 3 keeps each shard's checkpoint as its lane 0's."""
    database = open_database(tmp_path / "lambda.db", MIGRATIONS[:3])
    with database.transaction() as connection:
        connection.execute(
            "INSERT INTO mappings (uuid, function, document) VALUES ('m', 'f', '{}')"
        )
        connection.execute("INSERT INTO checkpoints VALUES ('m', 'shard-a', '17', 0)")
        connection.execute("INSERT INTO checkpoints VALUES ('m', 'shard-b', NULL, 1)")
    database.close()
    database = open_database(tmp_path / "lambda.db", MIGRATIONS)
    with database.read() as connection:
        assert store.checkpoints(connection, "m") == {
            ("shard-a", 0): ("17", False),
            ("shard-b", 0): (None, True),
        }
    database.close()


SLOW = """
import json, os, time
def handler(event, context):
    with open(os.environ["OUT"], "a") as out:
        out.write(json.dumps(event) + "\\n")
    time.sleep(1)
    return {}
"""


def test_two_delivery_passes_at_once_deliver_a_batch_once(
    lake: Lakehose, consumer: Consumer
) -> None:
    # The worker's tick and a flush may start a delivery pass at the same moment; both would
    # read the same checkpoint and invoke the same batch unless passes take turns.
    consumer.kinesis.create_stream(StreamName="twice", ShardCount=1)
    consumer.lam.create_function(
        FunctionName="slow",
        Runtime="python3.12",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": zip_of({"app.py": SLOW})},
        Environment={"Variables": {"OUT": str(consumer.out)}},
        Timeout=30,
    )
    consumer.lam.create_event_source_mapping(
        FunctionName="slow", EventSourceArn=stream_arn("twice"), StartingPosition="TRIM_HORIZON"
    )
    consumer.kinesis.put_record(StreamName="twice", PartitionKey="k", Data=b"once")
    engine = lake.engine("lambda")
    assert engine is not None
    passes = [threading.Thread(target=engine.flush) for _ in range(2)]
    for thread in passes:
        thread.start()
    for thread in passes:
        thread.join(timeout=120)
    assert datas(consumer.out) == [["once"]]
