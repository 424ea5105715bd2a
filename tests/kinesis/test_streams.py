"""Stream life cycle, description, listing, retention and tags, through boto3 in both modes."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.kinesis.conftest import StreamFactory, error_code, error_message

ACCOUNT = "000000000000"
MAX_KEY = str(2**128 - 1)


def test_create_describes_shards_as_aws_lays_them_out(
    kinesis: Any, make_stream: StreamFactory
) -> None:
    stream = make_stream(3)
    description = kinesis.describe_stream(StreamName=stream)["StreamDescription"]
    numbers = [shard.pop("SequenceNumberRange") for shard in description["Shards"]]
    assert description["Shards"] == [
        {
            "ShardId": "shardId-000000000000",
            "HashKeyRange": {
                "StartingHashKey": "0",
                "EndingHashKey": "113427455640312821154458202477256070484",
            },
        },
        {
            "ShardId": "shardId-000000000001",
            "HashKeyRange": {
                "StartingHashKey": "113427455640312821154458202477256070485",
                "EndingHashKey": "226854911280625642308916404954512140969",
            },
        },
        {
            "ShardId": "shardId-000000000002",
            "HashKeyRange": {
                "StartingHashKey": "226854911280625642308916404954512140970",
                "EndingHashKey": MAX_KEY,
            },
        },
    ]
    for number in numbers:
        assert list(number) == ["StartingSequenceNumber"]  # open: no ending number
        assert len(number["StartingSequenceNumber"]) == 56
    assert description["StreamName"] == stream
    assert description["StreamARN"] == f"arn:aws:kinesis:us-east-1:{ACCOUNT}:stream/{stream}"
    assert description["StreamStatus"] == "ACTIVE"
    assert description["StreamModeDetails"] == {"StreamMode": "PROVISIONED"}
    assert description["HasMoreShards"] is False
    assert description["RetentionPeriodHours"] == 24
    assert description["EnhancedMonitoring"] == [{"ShardLevelMetrics": []}]
    assert description["EncryptionType"] == "NONE"


def test_summary_counts_open_shards(kinesis: Any, make_stream: StreamFactory) -> None:
    stream = make_stream(2)
    summary = kinesis.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]
    assert summary["OpenShardCount"] == 2
    assert summary["ConsumerCount"] == 0
    assert summary["StreamStatus"] == "ACTIVE"
    assert summary["MaxRecordSizeInKiB"] == 1024
    assert summary["StreamARN"].endswith(f":stream/{stream}")


def test_waiter_sees_the_stream_exist(kinesis: Any, make_stream: StreamFactory) -> None:
    stream = make_stream(1)
    kinesis.get_waiter("stream_exists").wait(StreamName=stream, WaiterConfig={"Delay": 0})


def test_describe_stream_pages_shards(kinesis: Any, make_stream: StreamFactory) -> None:
    stream = make_stream(3)
    first = kinesis.describe_stream(StreamName=stream, Limit=2)["StreamDescription"]
    assert [s["ShardId"] for s in first["Shards"]] == [
        "shardId-000000000000",
        "shardId-000000000001",
    ]
    assert first["HasMoreShards"] is True
    rest = kinesis.describe_stream(StreamName=stream, ExclusiveStartShardId="shardId-000000000001")[
        "StreamDescription"
    ]
    assert [s["ShardId"] for s in rest["Shards"]] == ["shardId-000000000002"]
    assert rest["HasMoreShards"] is False


def test_creating_an_existing_stream_is_in_use(kinesis: Any, make_stream: StreamFactory) -> None:
    stream = make_stream(1)
    with pytest.raises(ClientError) as error:
        kinesis.create_stream(StreamName=stream, ShardCount=1)
    assert error_code(error) == "ResourceInUseException"
    assert error_message(error) == f"Stream {stream} under account {ACCOUNT} already exists."


def test_unknown_stream_is_not_found(kinesis: Any, name: str) -> None:
    with pytest.raises(ClientError) as error:
        kinesis.describe_stream(StreamName=name)
    assert error_code(error) == "ResourceNotFoundException"
    assert error_message(error) == f"Stream {name} under account {ACCOUNT} not found."


def test_provisioned_stream_needs_a_shard_count(kinesis: Any, name: str) -> None:
    with pytest.raises(ClientError) as error:
        kinesis.create_stream(StreamName=name)
    assert error_code(error) == "ValidationException"
    assert "Value null at 'shardCount'" in error_message(error)


def test_shard_quota_is_enforced(kinesis: Any, name: str) -> None:
    with pytest.raises(ClientError) as error:
        kinesis.create_stream(StreamName=name, ShardCount=501)
    assert error_code(error) == "LimitExceededException"
    assert (
        "Limit: 500. Number of additional shards that would have resulted from this "
        "request: 501." in error_message(error)
    )


def test_on_demand_stream_opens_four_shards(kinesis: Any, make_stream: StreamFactory) -> None:
    stream = make_stream(StreamModeDetails={"StreamMode": "ON_DEMAND"})
    summary = kinesis.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]
    assert summary["StreamModeDetails"] == {"StreamMode": "ON_DEMAND"}
    assert summary["OpenShardCount"] == 4
    with pytest.raises(ClientError) as error:
        kinesis.update_shard_count(
            StreamName=stream, TargetShardCount=5, ScalingType="UNIFORM_SCALING"
        )
    assert error_code(error) == "ValidationException"
    assert error_message(error) == (
        f"Request is invalid. Stream {stream} under account {ACCOUNT} is in On-Demand mode."
    )


def test_stream_arn_addresses_the_stream(kinesis: Any, make_stream: StreamFactory) -> None:
    stream = make_stream(1)
    arn = f"arn:aws:kinesis:us-east-1:{ACCOUNT}:stream/{stream}"
    summary = kinesis.describe_stream_summary(StreamARN=arn)["StreamDescriptionSummary"]
    assert summary["StreamName"] == stream
    kinesis.add_tags_to_stream(StreamARN=arn, Tags={"team": "data"})
    assert kinesis.list_tags_for_stream(StreamName=stream)["Tags"] == [
        {"Key": "team", "Value": "data"}
    ]
    with pytest.raises(ClientError) as error:
        kinesis.describe_stream_summary(StreamARN=f"{arn}-missing")
    assert error_code(error) == "ResourceNotFoundException"
    assert error_message(error) == f"Stream {stream}-missing under account {ACCOUNT} not found."
    with pytest.raises(ClientError) as error:
        kinesis.describe_stream_summary(StreamARN=arn, StreamName=f"{stream}-other")
    assert error_code(error) == "InvalidArgumentException"


def test_list_streams_pages_by_name(kinesis: Any, make_stream: StreamFactory, name: str) -> None:
    streams = [make_stream(1, suffix=suffix) for suffix in ("-a", "-b", "-c")]
    first = kinesis.list_streams(ExclusiveStartStreamName=name, Limit=2)
    assert first["StreamNames"] == streams[:2]
    assert first["HasMoreStreams"] is True
    assert [s["StreamName"] for s in first["StreamSummaries"]] == streams[:2]
    assert first["StreamSummaries"][0]["StreamStatus"] == "ACTIVE"
    following = kinesis.list_streams(NextToken=first["NextToken"], Limit=1)
    assert following["StreamNames"] == streams[2:]


def test_delete_removes_the_stream(kinesis: Any, make_stream: StreamFactory) -> None:
    stream = make_stream(2)
    kinesis.delete_stream(StreamName=stream)
    with pytest.raises(ClientError) as error:
        kinesis.describe_stream_summary(StreamName=stream)
    assert error_code(error) == "ResourceNotFoundException"
    assert stream not in kinesis.list_streams(ExclusiveStartStreamName=stream[:-1])["StreamNames"]


def test_a_recreated_stream_starts_empty(kinesis: Any, make_stream: StreamFactory) -> None:
    stream = make_stream(1)
    kinesis.put_record(StreamName=stream, PartitionKey="k", Data=b"old")
    kinesis.delete_stream(StreamName=stream)
    kinesis.create_stream(StreamName=stream, ShardCount=1)
    iterator = kinesis.get_shard_iterator(
        StreamName=stream, ShardId="shardId-000000000000", ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    assert kinesis.get_records(ShardIterator=iterator)["Records"] == []


@pytest.mark.parametrize(
    ("operation", "hours", "message"),
    [
        (
            "increase_stream_retention_period",
            23,
            "Minimum allowed retention period is 24 hours. Requested retention period (23 hours) "
            "is too short.",
        ),
        (
            "increase_stream_retention_period",
            8761,
            "Maximum allowed retention period is 8760 hours. Requested retention period "
            "(8761 hours) is too long.",
        ),
        (
            "decrease_stream_retention_period",
            72,
            "Requested retention period (72 hours) for stream {stream} can not be longer than "
            "existing retention period (48 hours). Use IncreaseRetentionPeriod API.",
        ),
        (
            "increase_stream_retention_period",
            30,
            "Requested retention period (30 hours) for stream {stream} can not be shorter than "
            "existing retention period (48 hours). Use DecreaseRetentionPeriod API.",
        ),
    ],
)
def test_retention_bounds(
    kinesis: Any, make_stream: StreamFactory, operation: str, hours: int, message: str
) -> None:
    stream = make_stream(1)
    kinesis.increase_stream_retention_period(StreamName=stream, RetentionPeriodHours=48)
    with pytest.raises(ClientError) as error:
        getattr(kinesis, operation)(StreamName=stream, RetentionPeriodHours=hours)
    assert error_code(error) == "InvalidArgumentException"
    assert error_message(error) == message.format(stream=stream)


def test_retention_changes_both_ways(kinesis: Any, make_stream: StreamFactory) -> None:
    stream = make_stream(1)
    kinesis.increase_stream_retention_period(StreamName=stream, RetentionPeriodHours=168)
    summary = kinesis.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]
    assert summary["RetentionPeriodHours"] == 168
    kinesis.decrease_stream_retention_period(StreamName=stream, RetentionPeriodHours=24)
    summary = kinesis.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]
    assert summary["RetentionPeriodHours"] == 24


def test_tags_add_list_page_and_remove(kinesis: Any, make_stream: StreamFactory) -> None:
    stream = make_stream(1, Tags={"b": "2"})
    kinesis.add_tags_to_stream(StreamName=stream, Tags={"a": "1", "c": "3", "b": "two"})
    listed = kinesis.list_tags_for_stream(StreamName=stream)
    assert listed["Tags"] == [
        {"Key": "a", "Value": "1"},
        {"Key": "b", "Value": "two"},
        {"Key": "c", "Value": "3"},
    ]
    assert listed["HasMoreTags"] is False
    page = kinesis.list_tags_for_stream(StreamName=stream, ExclusiveStartTagKey="a", Limit=1)
    assert page == {
        "Tags": [{"Key": "b", "Value": "two"}],
        "HasMoreTags": True,
        "ResponseMetadata": page["ResponseMetadata"],
    }
    kinesis.remove_tags_from_stream(StreamName=stream, TagKeys=["a", "c", "absent"])
    assert kinesis.list_tags_for_stream(StreamName=stream)["Tags"] == [{"Key": "b", "Value": "two"}]


def test_a_stream_holds_at_most_fifty_tags(kinesis: Any, make_stream: StreamFactory) -> None:
    stream = make_stream(1)
    kinesis.add_tags_to_stream(StreamName=stream, Tags={f"k{i}": "v" for i in range(50)})
    with pytest.raises(ClientError) as error:
        kinesis.add_tags_to_stream(StreamName=stream, Tags={"one-more": "v"})
    assert error_code(error) == "InvalidArgumentException"
    assert error_message(error) == (
        f"Failed to add tags to stream {stream} under account {ACCOUNT} because a given stream "
        "cannot have more than 50 tags associated with it."
    )
