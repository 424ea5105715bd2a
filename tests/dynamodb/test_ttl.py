"""Time to live: the two operations, and expired items deleted by the clock with a record."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from botocore.exceptions import ClientError

from lakehose import Lakehose
from tests.dynamodb.conftest import error_of, key_schema, stream_records

NOW = 1_700_000_000  # the ``clock`` fixture's start


def test_describe_and_update_time_to_live(ddb: Any, table: str) -> None:
    assert ddb.describe_time_to_live(TableName=table)["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "DISABLED"
    }
    spec = {"Enabled": True, "AttributeName": "expires"}
    answer = ddb.update_time_to_live(TableName=table, TimeToLiveSpecification=spec)
    assert answer["TimeToLiveSpecification"] == spec
    assert ddb.describe_time_to_live(TableName=table)["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "ENABLED",
        "AttributeName": "expires",
    }
    with pytest.raises(ClientError) as error:
        ddb.update_time_to_live(TableName=table, TimeToLiveSpecification=spec)
    assert error_of(error) == ("ValidationException", "TimeToLive is already enabled")
    with pytest.raises(ClientError) as error:
        ddb.update_time_to_live(
            TableName=table, TimeToLiveSpecification={"Enabled": False, "AttributeName": "other"}
        )
    assert error_of(error)[1] == (
        "TimeToLive is active on a different AttributeName: current AttributeName is expires"
    )
    ddb.update_time_to_live(
        TableName=table, TimeToLiveSpecification={"Enabled": False, "AttributeName": "expires"}
    )
    with pytest.raises(ClientError) as error:
        ddb.update_time_to_live(
            TableName=table, TimeToLiveSpecification={"Enabled": False, "AttributeName": "expires"}
        )
    assert error_of(error)[1] == "TimeToLive is already disabled"


def test_expired_items_are_deleted_by_the_clock(
    lake: Lakehose, lake_ddb: Any, lake_kinesis: Any
) -> None:
    lake_ddb.create_table(TableName="ttl", BillingMode="PAY_PER_REQUEST", **key_schema(("id", "S")))
    lake_kinesis.create_stream(StreamName="ttl-changes", ShardCount=1)
    arn = lake_kinesis.describe_stream_summary(StreamName="ttl-changes")[
        "StreamDescriptionSummary"
    ]["StreamARN"]
    items = {
        "soon": {"N": str(NOW + 10)},
        "later": {"N": str(NOW + 1000)},
        "text": {"S": str(NOW)},  # not a Number: never expires
        "ancient": {"N": str(NOW - 6 * 365 * 86400)},  # over five years old: ignored, as AWS
    }
    for item_id, expires in items.items():
        lake_ddb.put_item(TableName="ttl", Item={"id": {"S": item_id}, "exp": expires})
    # Enabling after the items exist indexes what is already there.
    lake_ddb.update_time_to_live(
        TableName="ttl", TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"}
    )
    lake_ddb.enable_kinesis_streaming_destination(TableName="ttl", StreamArn=arn)
    lake.advance(5)
    assert _ids(lake_ddb) == {"soon", "later", "text", "ancient"}
    lake.advance(10)
    assert _ids(lake_ddb) == {"later", "text", "ancient"}
    (record,) = stream_records(lake_kinesis, "ttl-changes")
    change = orjson.loads(record["Data"])
    assert change["eventName"] == "REMOVE"
    assert change["userIdentity"] == {"type": "Service", "principalId": "dynamodb.amazonaws.com"}
    assert change["dynamodb"]["Keys"] == {"id": {"S": "soon"}}
    # An update can postpone expiry; disabling TTL stops it.
    lake_ddb.update_item(
        TableName="ttl",
        Key={"id": {"S": "later"}},
        UpdateExpression="SET exp = :e",
        ExpressionAttributeValues={":e": {"N": str(NOW + 5000)}},
    )
    lake.advance(1000)
    assert "later" in _ids(lake_ddb)
    lake_ddb.update_time_to_live(
        TableName="ttl", TimeToLiveSpecification={"Enabled": False, "AttributeName": "exp"}
    )
    lake.advance(10_000)
    assert "later" in _ids(lake_ddb)


def _ids(client: Any) -> set[str]:
    return {item["id"]["S"] for item in client.scan(TableName="ttl")["Items"]}
