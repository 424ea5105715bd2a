"""The Kinesis streaming destination: its operations, and the change records in the stream."""

from __future__ import annotations

import re
import uuid
from collections import Counter
from typing import Any

import orjson
import pytest
from botocore.exceptions import ClientError

from tests.dynamodb.conftest import TableFactory, error_of, stream_records

NOT_VALID = "Table is not in a valid state to enable Kinesis Streaming Destination: "


def _changes(kinesis: Any, stream: str) -> list[dict[str, Any]]:
    return [orjson.loads(record["Data"]) for record in stream_records(kinesis, stream)]


def _stream_arn(kinesis: Any, stream: str) -> str:
    summary = kinesis.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]
    return str(summary["StreamARN"])


def test_puts_updates_and_deletes_become_records(
    ddb: Any, kinesis: Any, streamed_table: tuple[str, str]
) -> None:
    table, stream = streamed_table
    key = {"id": {"S": "one"}}
    ddb.put_item(TableName=table, Item={**key, "v": {"N": "1"}})
    ddb.update_item(
        TableName=table,
        Key=key,
        UpdateExpression="SET v = :v, w = :w",
        ExpressionAttributeValues={":v": {"N": "2"}, ":w": {"S": "ü"}},
    )
    ddb.delete_item(TableName=table, Key=key)
    changes = _changes(kinesis, stream)
    assert [c["eventName"] for c in changes] == ["INSERT", "MODIFY", "REMOVE"]
    insert, modify, remove = (c["dynamodb"] for c in changes)
    assert insert["Keys"] == key
    assert insert["NewImage"] == {**key, "v": {"N": "1"}}
    assert "OldImage" not in insert
    assert modify["OldImage"] == {**key, "v": {"N": "1"}}
    assert modify["NewImage"] == {**key, "v": {"N": "2"}, "w": {"S": "ü"}}
    assert remove["OldImage"] == modify["NewImage"]
    assert "NewImage" not in remove
    for change in changes:
        assert change["tableName"] == table
        assert change["userIdentity"] is None
        assert uuid.UUID(change["eventID"]).version == 4
        assert len(str(change["dynamodb"]["ApproximateCreationDateTime"])) == 13
        assert "ApproximateCreationDateTimePrecision" not in change["dynamodb"]
    keys = {r["PartitionKey"] for r in stream_records(kinesis, stream)}
    assert len(keys) == 1
    assert re.fullmatch(r"[0-9A-F]{32}", keys.pop())


def test_rejected_and_unchanged_writes_make_no_record(
    ddb: Any, kinesis: Any, streamed_table: tuple[str, str]
) -> None:
    table, stream = streamed_table
    item = {"id": {"S": "x"}, "n": {"N": "1.0"}, "s": {"SS": ["a", "b"]}}
    ddb.put_item(TableName=table, Item=item)
    with pytest.raises(ClientError):
        ddb.put_item(TableName=table, Item=item, ConditionExpression="attribute_not_exists(id)")
    ddb.put_item(TableName=table, Item={"id": {"S": "x"}, "n": {"N": "1"}, "s": {"SS": ["b", "a"]}})
    ddb.delete_item(TableName=table, Key={"id": {"S": "never-there"}})
    with pytest.raises(ClientError):
        ddb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": table, "Item": {"id": {"S": "t1"}}}},
                {
                    "ConditionCheck": {
                        "TableName": table,
                        "Key": {"id": {"S": "x"}},
                        "ConditionExpression": "attribute_not_exists(id)",
                    }
                },
            ]
        )
    assert [c["eventName"] for c in _changes(kinesis, stream)] == ["INSERT"]


def test_batches_and_transactions_make_one_record_per_item(
    ddb: Any, kinesis: Any, streamed_table: tuple[str, str]
) -> None:
    table, stream = streamed_table
    ddb.batch_write_item(
        RequestItems={table: [{"PutRequest": {"Item": {"id": {"S": f"b{i}"}}}} for i in range(10)]}
    )
    ddb.transact_write_items(
        TransactItems=[
            {"Delete": {"TableName": table, "Key": {"id": {"S": "b0"}}}},
            {"Put": {"TableName": table, "Item": {"id": {"S": "b1"}, "v": {"S": "new"}}}},
        ]
    )
    changes = _changes(kinesis, stream)
    by_key = Counter((c["dynamodb"]["Keys"]["id"]["S"], c["eventName"]) for c in changes)
    assert by_key == Counter(
        {**{(f"b{i}", "INSERT"): 1 for i in range(10)}, ("b0", "REMOVE"): 1, ("b1", "MODIFY"): 1}
    )


def test_disable_stops_records(ddb: Any, kinesis: Any, streamed_table: tuple[str, str]) -> None:
    table, stream = streamed_table
    arn = _stream_arn(kinesis, stream)
    ddb.put_item(TableName=table, Item={"id": {"S": "before"}})
    disabled = ddb.disable_kinesis_streaming_destination(TableName=table, StreamArn=arn)
    assert disabled["DestinationStatus"] == "DISABLING"
    ddb.put_item(TableName=table, Item={"id": {"S": "after"}})
    assert [c["dynamodb"]["Keys"]["id"]["S"] for c in _changes(kinesis, stream)] == ["before"]
    described = ddb.describe_kinesis_streaming_destination(TableName=table)
    assert described["KinesisDataStreamDestinations"] == [
        {"StreamArn": arn, "DestinationStatus": "DISABLED"}
    ]


def test_destination_state_errors(ddb: Any, kinesis: Any, streamed_table: tuple[str, str]) -> None:
    table, stream = streamed_table
    arn = _stream_arn(kinesis, stream)
    with pytest.raises(ClientError) as error:
        ddb.enable_kinesis_streaming_destination(TableName=table, StreamArn=arn)
    assert error_of(error) == (
        "ValidationException",
        NOT_VALID + "EnableKinesisStreamingDestination must be DISABLED or ENABLE_FAILED to "
        "perform ENABLE operation.",
    )
    other = arn + "-other"
    with pytest.raises(ClientError) as error:
        ddb.disable_kinesis_streaming_destination(TableName=table, StreamArn=other)
    assert error_of(error) == (
        "ValidationException",
        NOT_VALID + "KinesisStreamingDestination must be ACTIVE to perform DISABLE operation.",
    )
    with pytest.raises(ClientError) as error:
        ddb.update_kinesis_streaming_destination(
            TableName=table,
            StreamArn=arn,
            UpdateKinesisStreamingConfiguration={
                "ApproximateCreationDateTimePrecision": "MILLISECOND"
            },
        )
    code, message = error_of(error)
    assert code == "ValidationException"
    assert message.startswith(
        "Invalid Request: Precision is already set to the desired value of MILLISECOND for "
        "tableId: "
    )
    with pytest.raises(ClientError) as error:
        ddb.update_kinesis_streaming_destination(TableName=table, StreamArn=arn)
    assert error_of(error)[1] == (
        "Streaming destination cannot be updated with given parameters: "
        "UpdateKinesisStreamingConfiguration cannot be null or contain only null values"
    )
    with pytest.raises(ClientError) as error:
        ddb.describe_kinesis_streaming_destination(TableName=f"{table}-missing")
    assert error_of(error) == (
        "ResourceNotFoundException",
        f"Requested resource not found: Table: {table}-missing not found",
    )


def test_microsecond_precision(ddb: Any, kinesis: Any, streamed_table: tuple[str, str]) -> None:
    table, stream = streamed_table
    arn = _stream_arn(kinesis, stream)
    answer = ddb.update_kinesis_streaming_destination(
        TableName=table,
        StreamArn=arn,
        UpdateKinesisStreamingConfiguration={"ApproximateCreationDateTimePrecision": "MICROSECOND"},
    )
    assert answer["DestinationStatus"] == "UPDATING"
    (destination,) = ddb.describe_kinesis_streaming_destination(TableName=table)[
        "KinesisDataStreamDestinations"
    ]
    assert destination == {
        "StreamArn": arn,
        "DestinationStatus": "ACTIVE",
        "ApproximateCreationDateTimePrecision": "MICROSECOND",
    }
    ddb.put_item(TableName=table, Item={"id": {"S": "us"}})
    (change,) = _changes(kinesis, stream)
    assert len(str(change["dynamodb"]["ApproximateCreationDateTime"])) == 16
    assert list(change["dynamodb"])[-1] == "ApproximateCreationDateTimePrecision"


def test_missing_stream_fails_the_destination(
    ddb: Any, kinesis: Any, make_table: TableFactory, name: str
) -> None:
    table = make_table()
    arn = f"arn:aws:kinesis:us-east-1:{_account(ddb, table)}:stream/{name}-absent"
    answer = ddb.enable_kinesis_streaming_destination(
        TableName=table,
        StreamArn=arn,
        EnableKinesisStreamingConfiguration={"ApproximateCreationDateTimePrecision": "MICROSECOND"},
    )
    assert answer["DestinationStatus"] == "ENABLING"
    assert answer["EnableKinesisStreamingConfiguration"] == {
        "ApproximateCreationDateTimePrecision": "MICROSECOND"
    }
    (destination,) = ddb.describe_kinesis_streaming_destination(TableName=table)[
        "KinesisDataStreamDestinations"
    ]
    assert destination["DestinationStatus"] == "ENABLE_FAILED"
    assert destination["DestinationStatusDescription"] == (
        "User does not have a permission to use kinesis stream"
    )
    other_region = arn.replace("us-east-1", "eu-west-3")
    ddb.enable_kinesis_streaming_destination(TableName=table, StreamArn=other_region)
    described = ddb.describe_kinesis_streaming_destination(TableName=table)
    assert [d["StreamArn"] for d in described["KinesisDataStreamDestinations"]] == [
        other_region,
        arn,
    ]
    assert described["KinesisDataStreamDestinations"][0]["DestinationStatusDescription"] == (
        "The kinesis Arn used to enable kinesis replication belongs to a stream which is not in "
        "the current region"
    )
    ddb.put_item(TableName=table, Item={"id": {"S": "nowhere"}})  # a failed destination: no record


def _account(ddb: Any, table: str) -> str:
    return str(ddb.describe_table(TableName=table)["Table"]["TableArn"].split(":")[4])
