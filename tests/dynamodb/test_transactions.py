"""TransactWriteItems and TransactGetItems: all or nothing, reasons in order, idempotency."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.dynamodb.conftest import error_of


def test_transaction_commits_all(ddb: Any, table: str) -> None:
    ddb.put_item(TableName=table, Item={"id": {"S": "gone"}})
    ddb.put_item(TableName=table, Item={"id": {"S": "counter"}, "n": {"N": "1"}})
    ddb.put_item(TableName=table, Item={"id": {"S": "guard"}, "open": {"BOOL": True}})
    answer = ddb.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": table, "Item": {"id": {"S": "new"}}}},
            {"Delete": {"TableName": table, "Key": {"id": {"S": "gone"}}}},
            {
                "Update": {
                    "TableName": table,
                    "Key": {"id": {"S": "counter"}},
                    "UpdateExpression": "ADD n :one",
                    "ExpressionAttributeValues": {":one": {"N": "1"}},
                }
            },
            {
                "ConditionCheck": {
                    "TableName": table,
                    "Key": {"id": {"S": "guard"}},
                    "ConditionExpression": "#o = :t",
                    "ExpressionAttributeNames": {"#o": "open"},
                    "ExpressionAttributeValues": {":t": {"BOOL": True}},
                }
            },
        ],
        ReturnConsumedCapacity="TOTAL",
    )
    assert answer["ConsumedCapacity"] == [{"TableName": table, "CapacityUnits": 8.0}]
    got = ddb.transact_get_items(
        TransactItems=[
            {"Get": {"TableName": table, "Key": {"id": {"S": "new"}}}},
            {"Get": {"TableName": table, "Key": {"id": {"S": "gone"}}}},
            {"Get": {"TableName": table, "Key": {"id": {"S": "counter"}}}},
        ]
    )["Responses"]
    assert got == [
        {"Item": {"id": {"S": "new"}}},
        {},
        {"Item": {"id": {"S": "counter"}, "n": {"N": "2"}}},
    ]


def test_transaction_cancelled_writes_nothing(ddb: Any, table: str) -> None:
    ddb.put_item(TableName=table, Item={"id": {"S": "held"}, "v": {"N": "1"}})
    with pytest.raises(ClientError) as error:
        ddb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": table, "Item": {"id": {"S": "a"}}}},
                {
                    "Put": {
                        "TableName": table,
                        "Item": {"id": {"S": "held"}},
                        "ConditionExpression": "attribute_not_exists(id)",
                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                    }
                },
                {
                    "Update": {
                        "TableName": table,
                        "Key": {"id": {"S": "held2"}},
                        "UpdateExpression": "SET v = v + :one",
                        "ExpressionAttributeValues": {":one": {"N": "1"}},
                    }
                },
            ]
        )
    code, message = error_of(error)
    assert code == "TransactionCanceledException"
    assert message == (
        "Transaction cancelled, please refer cancellation reasons for specific reasons "
        "[None, ConditionalCheckFailed, ValidationError]"
    )
    reasons = error.value.response["CancellationReasons"]
    assert reasons[0] == {"Code": "None"}
    assert reasons[1] == {
        "Code": "ConditionalCheckFailed",
        "Message": "The conditional request failed",
        "Item": {"id": {"S": "held"}, "v": {"N": "1"}},
    }
    assert reasons[2]["Code"] == "ValidationError"
    assert reasons[2]["Message"] == (
        "The provided expression refers to an attribute that does not exist in the item"
    )
    assert "Item" not in ddb.get_item(TableName=table, Key={"id": {"S": "a"}})


def test_one_item_twice(ddb: Any, table: str) -> None:
    with pytest.raises(ClientError) as error:
        ddb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": table, "Item": {"id": {"S": "x"}}}},
                {"Delete": {"TableName": table, "Key": {"id": {"S": "x"}}}},
            ]
        )
    assert error_of(error) == (
        "ValidationException",
        "Transaction request cannot include multiple operations on one item",
    )


def test_client_request_token_is_idempotent(ddb: Any, table: str) -> None:
    request = {
        "TransactItems": [
            {
                "Update": {
                    "TableName": table,
                    "Key": {"id": {"S": "c"}},
                    "UpdateExpression": "ADD n :one",
                    "ExpressionAttributeValues": {":one": {"N": "1"}},
                }
            }
        ],
        "ClientRequestToken": str(uuid.uuid4()),
    }
    ddb.transact_write_items(**request)
    ddb.transact_write_items(**request)
    assert ddb.get_item(TableName=table, Key={"id": {"S": "c"}})["Item"]["n"] == {"N": "1"}
    changed = {
        **request,
        "TransactItems": [{"Put": {"TableName": table, "Item": {"id": {"S": "d"}}}}],
    }
    with pytest.raises(ClientError) as error:
        ddb.transact_write_items(**changed)
    assert error_of(error)[0] == "IdempotentParameterMismatchException"


def test_token_window_is_ten_minutes(lake: Any, lake_ddb: Any) -> None:
    lake_ddb.create_table(
        TableName="tokens",
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
    )
    request = {
        "TransactItems": [
            {
                "Update": {
                    "TableName": "tokens",
                    "Key": {"id": {"S": "c"}},
                    "UpdateExpression": "ADD n :one",
                    "ExpressionAttributeValues": {":one": {"N": "1"}},
                }
            }
        ],
        "ClientRequestToken": "same",
    }
    lake_ddb.transact_write_items(**request)
    lake.advance(599)
    lake_ddb.transact_write_items(**request)
    lake.advance(2)
    lake_ddb.transact_write_items(**request)
    item = lake_ddb.get_item(TableName="tokens", Key={"id": {"S": "c"}})["Item"]
    assert item["n"] == {"N": "2"}
