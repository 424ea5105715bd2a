"""The DynamoDB Streams API, in both modes: streams of tables, their shards and their records."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.dynamodb.conftest import TableFactory, error_of
from tests.dynamodbstreams.conftest import read_stream, stream_spec

SEQUENCE = re.compile(r"\d{21,40}")
SHARD_ID = re.compile(r"shardId-\d{20}-[0-9a-f]{8}")
LABEL = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}")


def _changes(ddb: Any, table: str) -> None:
    """An INSERT, a MODIFY and a REMOVE of one item."""
    ddb.put_item(TableName=table, Item={"id": {"S": "a"}, "n": {"N": "1"}})
    ddb.update_item(
        TableName=table,
        Key={"id": {"S": "a"}},
        UpdateExpression="SET n = :n",
        ExpressionAttributeValues={":n": {"N": "2"}},
    )
    ddb.delete_item(TableName=table, Key={"id": {"S": "a"}})


OLD = {"id": {"S": "a"}, "n": {"N": "1"}}
NEW = {"id": {"S": "a"}, "n": {"N": "2"}}
IMAGES = {  # per view type: the (NewImage, OldImage) of the INSERT, MODIFY and REMOVE
    "KEYS_ONLY": [(None, None), (None, None), (None, None)],
    "NEW_IMAGE": [(OLD, None), (NEW, None), (None, None)],
    "OLD_IMAGE": [(None, None), (None, OLD), (None, NEW)],
    "NEW_AND_OLD_IMAGES": [(OLD, None), (NEW, OLD), (None, NEW)],
}
SIZES = {  # Keys (3 bytes) plus each image carried (6 bytes each)
    "KEYS_ONLY": [3, 3, 3],
    "NEW_IMAGE": [9, 9, 3],
    "OLD_IMAGE": [3, 9, 9],
    "NEW_AND_OLD_IMAGES": [9, 15, 9],
}


@pytest.mark.parametrize("view_type", sorted(IMAGES))
def test_records_carry_the_images_their_view_type_asks_for(
    ddb: Any, streams: Any, make_table: TableFactory, view_type: str
) -> None:
    table = make_table(StreamSpecification=stream_spec(view_type))
    arn = ddb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    _changes(ddb, table)
    records = read_stream(streams, arn)
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY", "REMOVE"]
    numbers = [r["dynamodb"]["SequenceNumber"] for r in records]
    assert all(SEQUENCE.fullmatch(n) for n in numbers)
    assert numbers == sorted(numbers, key=int) and len(set(numbers)) == 3
    for record, (new, old), size, number in zip(
        records, IMAGES[view_type], SIZES[view_type], numbers, strict=True
    ):
        body: dict[str, Any] = {
            "ApproximateCreationDateTime": record["dynamodb"]["ApproximateCreationDateTime"],
            "Keys": {"id": {"S": "a"}},
        }
        if new is not None:
            body["NewImage"] = new
        if old is not None:
            body["OldImage"] = old
        body |= {"SequenceNumber": number, "SizeBytes": size, "StreamViewType": view_type}
        assert record == {
            "eventID": record["eventID"],
            "eventName": record["eventName"],
            "eventVersion": "1.1",
            "eventSource": "aws:dynamodb",
            "awsRegion": "us-east-1",
            "dynamodb": body,
        }
        assert isinstance(body["ApproximateCreationDateTime"], datetime)
        assert body["ApproximateCreationDateTime"].microsecond == 0  # rounded down to seconds
    assert len({r["eventID"] for r in records}) == 3


def test_table_description_list_and_describe_name_the_stream(
    ddb: Any, streams: Any, make_table: TableFactory
) -> None:
    table = make_table(StreamSpecification=stream_spec("NEW_IMAGE"))
    described = ddb.describe_table(TableName=table)["Table"]
    label = described["LatestStreamLabel"]
    assert LABEL.fullmatch(label)
    arn = described["LatestStreamArn"]
    assert arn == f"{described['TableArn']}/stream/{label}"
    assert described["StreamSpecification"] == stream_spec("NEW_IMAGE")
    listed = streams.list_streams(TableName=table)["Streams"]
    assert listed == [{"StreamArn": arn, "TableName": table, "StreamLabel": label}]
    assert {"StreamArn": arn, "TableName": table, "StreamLabel": label} in streams.list_streams()[
        "Streams"
    ]
    description = streams.describe_stream(StreamArn=arn)["StreamDescription"]
    shard = description["Shards"][0]
    assert SHARD_ID.fullmatch(shard["ShardId"])
    assert description == {
        "StreamArn": arn,
        "StreamLabel": label,
        "StreamStatus": "ENABLED",
        "StreamViewType": "NEW_IMAGE",
        "CreationRequestDateTime": description["CreationRequestDateTime"],
        "TableName": table,
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "Shards": [
            {
                "ShardId": shard["ShardId"],
                "SequenceNumberRange": {
                    "StartingSequenceNumber": shard["SequenceNumberRange"]["StartingSequenceNumber"]
                },
            }
        ],
    }
    assert streams.list_streams(TableName=f"{table}-none")["Streams"] == []


def test_iterator_types_start_where_aws_says(
    ddb: Any, streams: Any, make_table: TableFactory
) -> None:
    table = make_table(StreamSpecification=stream_spec("KEYS_ONLY"))
    arn = ddb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    for n in range(3):
        ddb.put_item(TableName=table, Item={"id": {"S": f"k{n}"}})
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]

    def keys(kind: str, number: str | None = None) -> list[str]:
        extra = {"SequenceNumber": number} if number is not None else {}
        iterator = streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard, ShardIteratorType=kind, **extra
        )["ShardIterator"]
        page = streams.get_records(ShardIterator=iterator)
        assert "NextShardIterator" in page  # the shard is open
        return [r["dynamodb"]["Keys"]["id"]["S"] for r in page["Records"]]

    assert keys("TRIM_HORIZON") == ["k0", "k1", "k2"]
    assert keys("LATEST") == []
    latest = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="LATEST")
    ddb.put_item(TableName=table, Item={"id": {"S": "k3"}})
    page = streams.get_records(ShardIterator=latest["ShardIterator"])
    assert [r["dynamodb"]["Keys"]["id"]["S"] for r in page["Records"]] == ["k3"]
    numbers = [r["dynamodb"]["SequenceNumber"] for r in read_stream(streams, arn)]
    assert keys("AT_SEQUENCE_NUMBER", numbers[1]) == ["k1", "k2", "k3"]
    assert keys("AFTER_SEQUENCE_NUMBER", numbers[1]) == ["k2", "k3"]
    # Limit pages through the shard with NextShardIterator.
    iterator = streams.get_shard_iterator(
        StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    first = streams.get_records(ShardIterator=iterator, Limit=2)
    second = streams.get_records(ShardIterator=first["NextShardIterator"], Limit=2)
    assert [r["dynamodb"]["SequenceNumber"] for r in first["Records"] + second["Records"]] == (
        numbers
    )


def test_disabled_stream_stays_readable_and_a_new_one_starts(
    ddb: Any, streams: Any, make_table: TableFactory
) -> None:
    table = make_table(StreamSpecification=stream_spec())
    first = ddb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    ddb.put_item(TableName=table, Item={"id": {"S": "before"}})
    answer = ddb.update_table(TableName=table, StreamSpecification={"StreamEnabled": False})
    assert "StreamSpecification" not in answer["TableDescription"]
    assert answer["TableDescription"]["LatestStreamArn"] == first
    ddb.put_item(TableName=table, Item={"id": {"S": "while-off"}})
    description = streams.describe_stream(StreamArn=first)["StreamDescription"]
    assert description["StreamStatus"] == "DISABLED"
    (shard,) = description["Shards"]
    ending = shard["SequenceNumberRange"]["EndingSequenceNumber"]
    iterator = streams.get_shard_iterator(
        StreamArn=first, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    page = streams.get_records(ShardIterator=iterator)
    assert [r["dynamodb"]["Keys"]["id"]["S"] for r in page["Records"]] == ["before"]
    assert page["Records"][-1]["dynamodb"]["SequenceNumber"] == ending
    assert "NextShardIterator" not in page  # closed and read to its end

    ddb.update_table(TableName=table, StreamSpecification=stream_spec("KEYS_ONLY"))
    second = ddb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    assert second != first
    ddb.put_item(TableName=table, Item={"id": {"S": "after"}})
    assert [r["dynamodb"]["Keys"]["id"]["S"] for r in read_stream(streams, second)] == ["after"]
    assert [s["StreamArn"] for s in streams.list_streams(TableName=table)["Streams"]] == [
        first,
        second,
    ]
    ddb.delete_table(TableName=table)
    assert streams.describe_stream(StreamArn=second)["StreamDescription"]["StreamStatus"] == (
        "DISABLED"
    )
    assert [r["eventName"] for r in read_stream(streams, second)] == ["INSERT"]


def test_misuse_gets_aws_errors(ddb: Any, streams: Any, make_table: TableFactory) -> None:
    table = make_table(StreamSpecification=stream_spec())
    arn = ddb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    ddb.put_item(TableName=table, Item={"id": {"S": "a"}})
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    missing = arn.replace(table, f"{table}-gone")

    def fails(call: Any, **arguments: Any) -> tuple[str, str]:
        with pytest.raises(ClientError) as error:
            call(**arguments)
        return error_of(error)

    assert fails(streams.describe_stream, StreamArn=missing) == (
        "ResourceNotFoundException",
        f"Requested resource not found: Stream: {missing} not found",
    )
    assert (
        fails(
            streams.get_shard_iterator,
            StreamArn=missing,
            ShardId=shard,
            ShardIteratorType="TRIM_HORIZON",
        )[0]
        == "ResourceNotFoundException"
    )
    other = "shardId-00000000000000000001-00000000"
    assert fails(
        streams.get_shard_iterator, StreamArn=arn, ShardId=other, ShardIteratorType="LATEST"
    ) == ("ResourceNotFoundException", f"Requested resource not found: Shard: {other} not found")
    assert (
        fails(
            streams.get_shard_iterator,
            StreamArn=arn,
            ShardId=shard,
            ShardIteratorType="AT_SEQUENCE_NUMBER",
        )[0]
        == "ValidationException"
    )
    assert (
        fails(
            streams.get_shard_iterator,
            StreamArn=arn,
            ShardId=shard,
            ShardIteratorType="AFTER_SEQUENCE_NUMBER",
            SequenceNumber="9" * 30,
        )[0]
        == "ValidationException"
    )
    assert (
        fails(streams.describe_stream, StreamArn=f"arn:aws:kinesis:us-east-1:{'0' * 12}:x/y")[0]
        == "ValidationException"
    )
    iterator = streams.get_shard_iterator(
        StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    forged = iterator[:-6] + ("AAAA==" if not iterator.endswith("AAAA==") else "BBBB==")
    assert fails(streams.get_records, ShardIterator=forged) == (
        "ValidationException",
        "Invalid ShardIterator",
    )
    assert fails(streams.get_records, ShardIterator=iterator, Limit=1001) == (
        "ValidationException",
        "1 validation error detected: Value '1001' at 'limit' failed to satisfy constraint: "
        "Member must have value less than or equal to 1000",
    )


def test_an_empty_open_shard_can_be_read_from_its_starting_number(
    ddb: Any, streams: Any, make_table: TableFactory
) -> None:
    table = make_table(StreamSpecification=stream_spec("KEYS_ONLY"))
    arn = ddb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    (shard,) = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    start = shard["SequenceNumberRange"]["StartingSequenceNumber"]
    at = streams.get_shard_iterator(
        StreamArn=arn,
        ShardId=shard["ShardId"],
        ShardIteratorType="AT_SEQUENCE_NUMBER",
        SequenceNumber=start,
    )["ShardIterator"]
    ddb.put_item(TableName=table, Item={"id": {"S": "first"}})
    (record,) = streams.get_records(ShardIterator=at)["Records"]
    assert record["dynamodb"]["SequenceNumber"] == start
