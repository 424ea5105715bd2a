"""PutItem, GetItem, UpdateItem, DeleteItem: conditions, ReturnValues, key rules, limits."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.dynamodb.conftest import TableFactory, error_of

INVALID = "One or more parameter values were invalid: "
NOT_VALID = "One or more parameter values are not valid. "
KEY_MISMATCH = "The provided key element does not match the schema"


def test_put_get_round_trip_every_type(ddb: Any, table: str) -> None:
    item = {
        "id": {"S": "all"},
        "s": {"S": "text ü"},
        "n": {"N": "0012.50"},
        "b": {"B": b"\x00\xff"},
        "bool": {"BOOL": False},
        "null": {"NULL": True},
        "ss": {"SS": ["a", "b"]},
        "ns": {"NS": ["1", "2.0"]},
        "bs": {"BS": [b"x", b"y"]},
        "m": {"M": {"inner": {"L": [{"N": "1"}, {"S": ""}]}}},
        "empty": {"S": ""},
    }
    ddb.put_item(TableName=table, Item=item)
    stored = ddb.get_item(TableName=table, Key={"id": {"S": "all"}}, ConsistentRead=True)["Item"]
    assert stored["n"] == {"N": "12.5"}  # numbers come back in canonical form
    assert stored["ns"] == {"NS": ["1", "2"]}
    assert stored["b"] == {"B": b"\x00\xff"}
    assert {k: v for k, v in stored.items() if k not in ("n", "ns")} == {
        k: v for k, v in item.items() if k not in ("n", "ns")
    }


def test_get_missing_item_and_projection(ddb: Any, table: str) -> None:
    assert "Item" not in ddb.get_item(TableName=table, Key={"id": {"S": "nope"}})
    ddb.put_item(
        TableName=table,
        Item={"id": {"S": "p"}, "a": {"M": {"b": {"S": "x"}, "c": {"S": "y"}}}, "d": {"N": "1"}},
    )
    got = ddb.get_item(
        TableName=table,
        Key={"id": {"S": "p"}},
        ProjectionExpression="#a.b, d",
        ExpressionAttributeNames={"#a": "a"},
    )["Item"]
    assert got == {"a": {"M": {"b": {"S": "x"}}}, "d": {"N": "1"}}
    legacy = ddb.get_item(TableName=table, Key={"id": {"S": "p"}}, AttributesToGet=["d"])
    assert legacy["Item"] == {"d": {"N": "1"}}


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ({"other": {"S": "x"}}, INVALID + "Missing the key id in the item"),
        ({"id": {"N": "1"}}, INVALID + "Type mismatch for key id expected: S actual: N"),
        (
            {"id": {"S": ""}},
            NOT_VALID + "The AttributeValue for a key attribute cannot contain an empty string "
            "value. Key: id",
        ),
        (
            {"id": {"S": "x" * 2049}},
            INVALID + "Size of hashkey has exceeded the maximum size limit of2048 bytes",
        ),
    ],
)
def test_put_item_key_errors(ddb: Any, table: str, item: dict[str, Any], message: str) -> None:
    with pytest.raises(ClientError) as error:
        ddb.put_item(TableName=table, Item=item)
    assert error_of(error) == ("ValidationException", message)


@pytest.mark.parametrize(
    "key",
    [{"id": {"N": "1"}}, {"other": {"S": "x"}}, {"id": {"S": "x"}, "extra": {"S": "y"}}],
)
def test_key_must_match_schema(ddb: Any, table: str, key: dict[str, Any]) -> None:
    for call in (ddb.get_item, ddb.delete_item):
        with pytest.raises(ClientError) as error:
            call(TableName=table, Key=key)
        assert error_of(error) == ("ValidationException", KEY_MISMATCH)


def test_range_key_size_limit(ddb: Any, make_table: TableFactory) -> None:
    table = make_table(("pk", "S"), ("sk", "B"))
    with pytest.raises(ClientError) as error:
        ddb.put_item(TableName=table, Item={"pk": {"S": "a"}, "sk": {"B": b"x" * 1025}})
    assert error_of(error)[1] == (
        INVALID + "Aggregated size of all range keys has exceeded the size limit of 1024 bytes"
    )
    ddb.put_item(TableName=table, Item={"pk": {"S": "a"}, "sk": {"B": b"x" * 1024}})


def test_item_size_limit(ddb: Any, table: str) -> None:
    # id (2 + 1) + "v" (1 + 409597) = exactly 400 KiB
    ddb.put_item(TableName=table, Item={"id": {"S": "a"}, "v": {"S": "x" * (409600 - 4)}})
    with pytest.raises(ClientError) as error:
        ddb.put_item(TableName=table, Item={"id": {"S": "a"}, "v": {"S": "x" * (409600 - 3)}})
    assert error_of(error) == (
        "ValidationException",
        "Item size has exceeded the maximum allowed size",
    )
    with pytest.raises(ClientError) as error:
        ddb.update_item(
            TableName=table,
            Key={"id": {"S": "a"}},
            UpdateExpression="SET w = :w",
            ExpressionAttributeValues={":w": {"S": "xx"}},
        )
    assert error_of(error)[1] == "Item size to update has exceeded the maximum allowed size"


def test_conditional_put_and_return_values(ddb: Any, table: str) -> None:
    first = {"id": {"S": "c"}, "v": {"N": "1"}}
    assert "Attributes" not in ddb.put_item(TableName=table, Item=first, ReturnValues="ALL_OLD")
    with pytest.raises(ClientError) as error:
        ddb.put_item(
            TableName=table,
            Item={"id": {"S": "c"}, "v": {"N": "2"}},
            ConditionExpression="attribute_not_exists(id)",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    assert error_of(error) == (
        "ConditionalCheckFailedException",
        "The conditional request failed",
    )
    assert error.value.response["Item"] == first
    replaced = ddb.put_item(
        TableName=table,
        Item={"id": {"S": "c"}, "v": {"N": "3"}},
        ConditionExpression="v = :one",
        ExpressionAttributeValues={":one": {"N": "1"}},
        ReturnValues="ALL_OLD",
    )
    assert replaced["Attributes"] == first
    with pytest.raises(ClientError) as error:
        ddb.put_item(TableName=table, Item=first, ReturnValues="ALL_NEW")
    assert error_of(error) == ("ValidationException", "Return values set to invalid value")


def test_condition_failure_without_item(ddb: Any, table: str) -> None:
    ddb.put_item(TableName=table, Item={"id": {"S": "x"}})
    with pytest.raises(ClientError) as error:
        ddb.delete_item(
            TableName=table,
            Key={"id": {"S": "x"}},
            ConditionExpression="attribute_exists(nope)",
        )
    assert error_of(error)[0] == "ConditionalCheckFailedException"
    assert "Item" not in error.value.response
    assert "Item" in ddb.get_item(TableName=table, Key={"id": {"S": "x"}})


def test_legacy_expected(ddb: Any, table: str) -> None:
    ddb.put_item(TableName=table, Item={"id": {"S": "l"}, "v": {"N": "1"}})
    with pytest.raises(ClientError) as error:
        ddb.put_item(
            TableName=table,
            Item={"id": {"S": "l"}},
            Expected={"v": {"Value": {"N": "2"}}},
        )
    assert error_of(error)[0] == "ConditionalCheckFailedException"
    ddb.put_item(
        TableName=table,
        Item={"id": {"S": "l"}},
        Expected={"v": {"Exists": True, "Value": {"N": "1"}}},
    )


def test_expression_and_legacy_cannot_mix(ddb: Any, table: str) -> None:
    with pytest.raises(ClientError) as error:
        ddb.put_item(
            TableName=table,
            Item={"id": {"S": "m"}},
            Expected={"v": {"Exists": False}},
            ConditionExpression="attribute_not_exists(v)",
        )
    assert error_of(error)[1] == (
        "1 validation error detected: "
        "Can not use both expression and non-expression parameters in the same request: "
        "Non-expression parameters: {Expected} Expression parameters: {ConditionExpression}"
    )
    with pytest.raises(ClientError) as error:
        ddb.put_item(
            TableName=table,
            Item={"id": {"S": "m"}},
            ExpressionAttributeValues={":v": {"S": "x"}},
        )
    assert error_of(error)[1] == (
        "1 validation error detected: "
        "ExpressionAttributeValues can only be specified when using expressions: "
        "ConditionExpression is null"
    )
    with pytest.raises(ClientError) as error:
        ddb.put_item(
            TableName=table,
            Item={"id": {"S": "m"}},
            ConditionExpression="attribute_exists(id)",
            ExpressionAttributeValues={":v": {"S": "x"}},
        )
    assert error_of(error)[1] == (
        "1 validation error detected: "
        "Value provided in ExpressionAttributeValues unused in expressions: keys: {:v}"
    )


def test_update_item_return_values(ddb: Any, table: str) -> None:
    key = {"id": {"S": "u"}}
    created = ddb.update_item(
        TableName=table,
        Key=key,
        UpdateExpression="SET a = :a, b = :b",
        ExpressionAttributeValues={":a": {"N": "1"}, ":b": {"S": "x"}},
        ReturnValues="ALL_NEW",
    )
    assert created["Attributes"] == {"id": {"S": "u"}, "a": {"N": "1"}, "b": {"S": "x"}}

    def update(returns: str) -> dict[str, Any]:
        answer = ddb.update_item(
            TableName=table,
            Key=key,
            UpdateExpression="SET a = a + :one",
            ExpressionAttributeValues={":one": {"N": "1"}},
            ReturnValues=returns,
        )
        return answer.get("Attributes", {})  # type: ignore[no-any-return]

    assert update("UPDATED_OLD") == {"a": {"N": "1"}}
    assert update("UPDATED_NEW") == {"a": {"N": "3"}}
    assert update("ALL_OLD") == {"id": {"S": "u"}, "a": {"N": "3"}, "b": {"S": "x"}}
    assert update("NONE") == {}


def test_update_creates_missing_item_only_with_actions(ddb: Any, table: str) -> None:
    # No actions, or AttributeUpdates that only DELETE: AWS creates no item.
    answer = ddb.update_item(TableName=table, Key={"id": {"S": "bare"}}, ReturnValues="ALL_NEW")
    assert "Attributes" not in answer
    ddb.update_item(
        TableName=table,
        Key={"id": {"S": "bare"}},
        AttributeUpdates={
            "gone": {"Action": "DELETE"},
            "s": {"Action": "DELETE", "Value": {"SS": ["x"]}},
        },
    )
    assert "Item" not in ddb.get_item(TableName=table, Key={"id": {"S": "bare"}})
    ddb.update_item(
        TableName=table,
        Key={"id": {"S": "bare"}},
        AttributeUpdates={"n": {"Action": "ADD", "Value": {"N": "5"}}},
    )
    assert ddb.get_item(TableName=table, Key={"id": {"S": "bare"}})["Item"]["n"] == {"N": "5"}


def test_update_cannot_touch_the_key(ddb: Any, table: str) -> None:
    with pytest.raises(ClientError) as error:
        ddb.update_item(
            TableName=table,
            Key={"id": {"S": "k"}},
            UpdateExpression="SET id = :v",
            ExpressionAttributeValues={":v": {"S": "other"}},
        )
    assert error_of(error) == (
        "ValidationException",
        INVALID + "Cannot update attribute id. This attribute is part of the key",
    )


def test_index_key_type_is_enforced(ddb: Any, make_table: TableFactory) -> None:
    table = make_table(
        AttributeDefinitions=[{"AttributeName": "g", "AttributeType": "N"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by-g",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    with pytest.raises(ClientError) as error:
        ddb.put_item(TableName=table, Item={"id": {"S": "a"}, "g": {"S": "text"}})
    assert error_of(error)[1] == (
        INVALID + "Type mismatch for Index Key g Expected: N Actual: S IndexName: by-g"
    )


def test_delete_item_returns_old(ddb: Any, table: str) -> None:
    ddb.put_item(TableName=table, Item={"id": {"S": "d"}, "v": {"S": "x"}})
    gone = ddb.delete_item(TableName=table, Key={"id": {"S": "d"}}, ReturnValues="ALL_OLD")
    assert gone["Attributes"] == {"id": {"S": "d"}, "v": {"S": "x"}}
    again = ddb.delete_item(TableName=table, Key={"id": {"S": "d"}}, ReturnValues="ALL_OLD")
    assert "Attributes" not in again


def test_consumed_capacity(ddb: Any, make_table: TableFactory) -> None:
    table = make_table(
        AttributeDefinitions=[{"AttributeName": "g", "AttributeType": "S"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by-g",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ],
    )
    big = {"id": {"S": "a"}, "g": {"S": "k"}, "v": {"S": "x" * 5000}}  # ~5 KB: 5 WCU, 2 RCU
    put = ddb.put_item(TableName=table, Item=big, ReturnConsumedCapacity="INDEXES")
    assert put["ConsumedCapacity"] == {
        "TableName": table,
        "CapacityUnits": 6.0,
        "Table": {"CapacityUnits": 5.0},
        "GlobalSecondaryIndexes": {"by-g": {"CapacityUnits": 1.0}},
    }
    key = {"id": {"S": "a"}}
    eventual = ddb.get_item(TableName=table, Key=key, ReturnConsumedCapacity="TOTAL")
    assert eventual["ConsumedCapacity"] == {"TableName": table, "CapacityUnits": 1.0}
    strong = ddb.get_item(
        TableName=table, Key=key, ConsistentRead=True, ReturnConsumedCapacity="TOTAL"
    )
    assert strong["ConsumedCapacity"]["CapacityUnits"] == 2.0
    missing = ddb.get_item(TableName=table, Key={"id": {"S": "zz"}}, ReturnConsumedCapacity="TOTAL")
    assert missing["ConsumedCapacity"]["CapacityUnits"] == 0.5
    assert "ConsumedCapacity" not in ddb.get_item(TableName=table, Key=key)
