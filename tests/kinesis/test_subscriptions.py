"""SubscribeToShard through boto3's ``subscribe_to_shard`` and its EventStream, in both modes.

boto3 parses AWS's binary event-stream framing itself (preludes, headers, both CRC32s) and
requires the ``initial-response`` message first, so reading events at all checks the framing.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lakehose import Lakehose
from lakehose.clock import ManualClock
from tests.conftest import NO_RETRIES, ServerProcess
from tests.kinesis.conftest import StreamFactory, error_code, error_message

SHARD = "shardId-000000000000"


def _consumer(client: Any, stream: str, name: str = "fan-out") -> str:
    arn = client.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]["StreamARN"]
    return str(
        client.register_stream_consumer(StreamARN=arn, ConsumerName=name)["Consumer"]["ConsumerARN"]
    )


def _subscribe(client: Any, consumer: str, **position: Any) -> Any:
    return client.subscribe_to_shard(ConsumerARN=consumer, ShardId=SHARD, StartingPosition=position)


def test_a_subscription_reads_live_records(kinesis: Any, make_stream: StreamFactory) -> None:
    stream = make_stream(1)
    consumer = _consumer(kinesis, stream)
    first = kinesis.put_record(StreamName=stream, Data=b"before", PartitionKey="k")
    response = _subscribe(kinesis, consumer, Type="TRIM_HORIZON")
    assert response["ResponseMetadata"]["HTTPHeaders"]["content-type"] == (
        "application/vnd.amazon.eventstream"
    )
    started = threading.Event()

    def produce() -> None:
        started.wait(30)
        for number in range(3):
            kinesis.put_record(StreamName=stream, Data=f"live-{number}".encode(), PartitionKey="k")

    producer = threading.Thread(target=produce)
    producer.start()
    records: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for message in response["EventStream"]:
        event = message["SubscribeToShardEvent"]
        events.append(event)
        records.extend(event["Records"])
        started.set()
        if len(records) == 4:
            break
    response["EventStream"].close()
    producer.join()

    assert [r["Data"] for r in records] == [b"before", b"live-0", b"live-1", b"live-2"]
    assert records[0]["SequenceNumber"] == first["SequenceNumber"]
    assert set(records[0]) == {
        "SequenceNumber",
        "ApproximateArrivalTimestamp",
        "Data",
        "PartitionKey",
    }
    numbers = [int(r["SequenceNumber"]) for r in records]
    assert numbers == sorted(set(numbers))
    last = events[-1]
    assert last["ContinuationSequenceNumber"] == records[-1]["SequenceNumber"]
    assert last["MillisBehindLatest"] == 0
    assert "ChildShards" not in last

    # The continuation number resumes exactly after what was read (by another consumer here:
    # the same one may not subscribe to the shard again within five seconds).
    kinesis.put_record(StreamName=stream, Data=b"after", PartitionKey="k")
    again = _subscribe(
        kinesis,
        _consumer(kinesis, stream, "second"),
        Type="AFTER_SEQUENCE_NUMBER",
        SequenceNumber=last["ContinuationSequenceNumber"],
    )
    for message in again["EventStream"]:
        resumed = message["SubscribeToShardEvent"]["Records"]
        if resumed:
            break
    again["EventStream"].close()
    assert [r["Data"] for r in resumed] == [b"after"]


def test_a_second_call_within_five_seconds_is_refused(
    kinesis: Any, make_stream: StreamFactory
) -> None:
    stream = make_stream(1)
    consumer = _consumer(kinesis, stream)
    held = _subscribe(kinesis, consumer, Type="LATEST")
    next(iter(held["EventStream"]))  # the first event comes at once, records or not
    with pytest.raises(ClientError) as error:
        _subscribe(kinesis, consumer, Type="LATEST")
    assert error_code(error) == "ResourceInUseException"
    held["EventStream"].close()
    with pytest.raises(ClientError) as error:  # counted from the call, open or not
        _subscribe(kinesis, consumer, Type="LATEST")
    assert error_code(error) == "ResourceInUseException"


def test_a_call_five_seconds_later_takes_the_subscription_over(
    lake: Lakehose, clock: ManualClock
) -> None:
    client = lake.client("kinesis")
    client.create_stream(StreamName="taken", ShardCount=1)
    consumer = _consumer(client, "taken")
    first = iter(_subscribe(client, consumer, Type="LATEST")["EventStream"])
    next(first)
    clock.advance(5)
    second = _subscribe(client, consumer, Type="LATEST")
    with pytest.raises(ClientError) as error:
        next(first)
    assert error_code(error) == "ResourceInUseException"
    assert next(iter(second["EventStream"]))["SubscribeToShardEvent"]["Records"] == []
    second["EventStream"].close()


def test_subscribing_needs_a_registered_consumer_and_a_shard(
    kinesis: Any, make_stream: StreamFactory
) -> None:
    stream = make_stream(1)
    consumer = _consumer(kinesis, stream)
    with pytest.raises(ClientError) as error:
        kinesis.subscribe_to_shard(
            ConsumerARN=consumer.replace("fan-out", "absent"),
            ShardId=SHARD,
            StartingPosition={"Type": "LATEST"},
        )
    assert error_code(error) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as error:
        kinesis.subscribe_to_shard(
            ConsumerARN=consumer,
            ShardId="shardId-000000000009",
            StartingPosition={"Type": "LATEST"},
        )
    assert error_code(error) == "ResourceNotFoundException"
    assert error_message(error) == (
        f"Could not find shard shardId-000000000009 in stream {stream} under account 000000000000."
    )
    with pytest.raises(ClientError) as error:
        _subscribe(kinesis, consumer, Type="AT_SEQUENCE_NUMBER")
    assert error_code(error) == "InvalidArgumentException"


def test_the_end_of_a_closed_shard_names_its_children(
    kinesis: Any, make_stream: StreamFactory
) -> None:
    stream = make_stream(1)
    consumer = _consumer(kinesis, stream)
    kinesis.put_record(StreamName=stream, Data=b"parent", PartitionKey="k")
    kinesis.split_shard(StreamName=stream, ShardToSplit=SHARD, NewStartingHashKey=str(2**127))
    response = _subscribe(kinesis, consumer, Type="TRIM_HORIZON")
    events = [message["SubscribeToShardEvent"] for message in response["EventStream"]]
    assert [r["Data"] for event in events for r in event["Records"]] == [b"parent"]
    children = events[-1]["ChildShards"]
    assert [child["ShardId"] for child in children] == [
        "shardId-000000000001",
        "shardId-000000000002",
    ]
    assert all(child["ParentShards"] == [SHARD] for child in children)


def test_a_subscription_lasts_five_minutes(lake: Lakehose, clock: ManualClock) -> None:
    client = lake.client("kinesis")
    client.create_stream(StreamName="five", ShardCount=1)
    consumer = _consumer(client, "five")
    response = _subscribe(client, consumer, Type="LATEST")
    stream = iter(response["EventStream"])
    assert next(stream)["SubscribeToShardEvent"]["Records"] == []
    client.put_record(StreamName="five", Data=b"inside", PartitionKey="k")
    assert [r["Data"] for r in next(stream)["SubscribeToShardEvent"]["Records"]] == [b"inside"]
    clock.advance(300)
    assert list(stream) == []  # the stream ends; the consumer subscribes again
    again = _subscribe(client, consumer, Type="LATEST")
    assert next(iter(again["EventStream"]))["SubscribeToShardEvent"]["Records"] == []
    again["EventStream"].close()


def test_a_deleted_stream_ends_the_subscription_with_an_error(lake: Lakehose) -> None:
    client = lake.client("kinesis")
    client.create_stream(StreamName="gone", ShardCount=1)
    consumer = _consumer(client, "gone")
    stream = iter(_subscribe(client, consumer, Type="LATEST")["EventStream"])
    next(stream)
    client.delete_stream(StreamName="gone", EnforceConsumerDeletion=True)
    with pytest.raises(ClientError) as error:
        next(stream)
    assert error_code(error) == "ResourceNotFoundException"


def test_a_deregistered_consumer_ends_its_subscription(lake: Lakehose) -> None:
    client = lake.client("kinesis")
    client.create_stream(StreamName="left", ShardCount=1)
    consumer = _consumer(client, "left")
    stream = iter(_subscribe(client, consumer, Type="LATEST")["EventStream"])
    next(stream)
    client.deregister_stream_consumer(ConsumerARN=consumer)
    with pytest.raises(ClientError) as error:
        next(stream)
    assert error_code(error) == "ResourceNotFoundException"


@pytest.mark.server
def test_stopping_the_server_ends_open_subscriptions_cleanly(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "home")
    try:
        client = server.client("kinesis", config=NO_RETRIES)
        client.create_stream(StreamName="open", ShardCount=1)
        consumer = _consumer(client, "open")
        stream = iter(_subscribe(client, consumer, Type="LATEST")["EventStream"])
        next(stream)
    finally:
        code = server.stop()
    assert code == 0
    # The stream ends (after any event already sent), not a connection cut off mid-response,
    # which botocore reports as a ProtocolError.
    assert all("SubscribeToShardEvent" in event for event in stream)
