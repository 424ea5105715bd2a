"""A table's changes read through DynamoDB Streams and through its Kinesis streaming destination
are the same changes, in the same order: both come from one durable change history."""

from __future__ import annotations

import base64
import contextlib
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import orjson
import pytest
from botocore.exceptions import ClientError

from tests.conftest import AwsTarget, cached_client
from tests.dynamodb.conftest import TableFactory, stream_records
from tests.dynamodbstreams.conftest import read_stream, stream_spec


@pytest.fixture
def kinesis_stream(aws: AwsTarget, client_cache: dict[str, Any], name: str) -> Iterator[str]:
    kinesis = cached_client(aws, client_cache, "kinesis")
    kinesis.create_stream(StreamName=f"{name}-k", ShardCount=2)
    yield f"{name}-k"
    with contextlib.suppress(ClientError):
        kinesis.delete_stream(StreamName=f"{name}-k", EnforceConsumerDeletion=True)


def test_streams_and_kinesis_carry_identical_changes_in_order(
    aws: AwsTarget,
    client_cache: dict[str, Any],
    ddb: Any,
    streams: Any,
    make_table: TableFactory,
    kinesis_stream: str,
) -> None:
    kinesis = cached_client(aws, client_cache, "kinesis")
    table = make_table(StreamSpecification=stream_spec())
    stream_arn = kinesis.describe_stream_summary(StreamName=kinesis_stream)[
        "StreamDescriptionSummary"
    ]["StreamARN"]
    ddb.enable_kinesis_streaming_destination(TableName=table, StreamArn=stream_arn)
    for n in range(6):
        ddb.put_item(TableName=table, Item={"id": {"S": f"i{n % 3}"}, "n": {"N": str(n)}})
    ddb.update_item(
        TableName=table,
        Key={"id": {"S": "i1"}},
        UpdateExpression="ADD n :one",
        ExpressionAttributeValues={":one": {"N": "1"}},
    )
    ddb.transact_write_items(
        TransactItems=[
            {"Delete": {"TableName": table, "Key": {"id": {"S": "i0"}}}},
            {"Put": {"TableName": table, "Item": {"id": {"S": "i9"}, "b": {"B": b"\x00"}}}},
        ]
    )
    ddb.delete_item(TableName=table, Key={"id": {"S": "i2"}})

    records = read_stream(streams, table_stream(ddb, table))
    from_streams = [_content(r, r["dynamodb"]) for r in records]
    from_kinesis = []
    for record in stream_records(kinesis, kinesis_stream):
        data = orjson.loads(record["Data"])
        from_kinesis.append(_content(data, data["dynamodb"]))
    assert len(from_streams) == 10
    # Kinesis spreads items over its shards; each item's changes keep their order in both.
    for item in ("i0", "i1", "i2", "i9"):
        assert [c for c in from_streams if c["key"] == item] == [
            c for c in from_kinesis if c["key"] == item
        ]
    assert sorted(from_streams, key=lambda c: c["eventID"]) == sorted(
        from_kinesis, key=lambda c: c["eventID"]
    )


def table_stream(ddb: Any, table: str) -> str:
    return str(ddb.describe_table(TableName=table)["Table"]["LatestStreamArn"])


def _content(record: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """What both records say about a change; binary values compared as their base64 text."""
    created = body["ApproximateCreationDateTime"]
    seconds = int(created.timestamp()) if not isinstance(created, int) else created // 1000
    return {
        "eventID": record["eventID"],
        "eventName": record["eventName"],
        "eventSource": record["eventSource"],
        "awsRegion": record["awsRegion"],
        "key": body["Keys"]["id"]["S"],
        "Keys": body["Keys"],
        "NewImage": _plain(body.get("NewImage")),
        "OldImage": _plain(body.get("OldImage")),
        "SizeBytes": body["SizeBytes"],
        "second": Decimal(seconds),
    }


def _plain(image: dict[str, Any] | None) -> Any:
    if image is None:
        return None
    return orjson.loads(orjson.dumps(image, default=lambda raw: base64.b64encode(raw).decode()))
