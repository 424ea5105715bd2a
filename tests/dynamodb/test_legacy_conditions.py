"""Legacy filters and Expected through the API: EQ and NE take every type, as the API reference
says; a comparison Expected cannot make is a ValidationException, not a failed condition."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.dynamodb.conftest import error_of

INVALID = "One or more parameter values were invalid: "
ITEM = {
    "id": {"S": "a"},
    "l": {"L": [{"N": "1"}, {"S": "x"}]},
    "m": {"M": {"k": {"BOOL": True}}},
    "b": {"BOOL": True},
    "z": {"NULL": True},
}


@pytest.mark.parametrize(
    ("condition", "matches"),
    [
        ({"l": {"ComparisonOperator": "EQ", "AttributeValueList": [ITEM["l"]]}}, True),
        ({"l": {"ComparisonOperator": "NE", "AttributeValueList": [ITEM["l"]]}}, False),
        ({"l": {"ComparisonOperator": "EQ", "AttributeValueList": [{"L": []}]}}, False),
        ({"b": {"ComparisonOperator": "EQ", "AttributeValueList": [{"BOOL": True}]}}, True),
        ({"b": {"ComparisonOperator": "NE", "AttributeValueList": [{"BOOL": False}]}}, True),
        ({"m": {"ComparisonOperator": "EQ", "AttributeValueList": [ITEM["m"]]}}, True),
        ({"z": {"ComparisonOperator": "EQ", "AttributeValueList": [{"NULL": True}]}}, True),
        ({"b": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "true"}]}}, False),
    ],
)
def test_filters_compare_lists_maps_and_booleans(
    ddb: Any, table: str, condition: dict[str, Any], matches: bool
) -> None:
    ddb.put_item(TableName=table, Item=ITEM)
    scanned = ddb.scan(TableName=table, ScanFilter=condition)
    assert scanned["Count"] == (1 if matches else 0)
    queried = ddb.query(
        TableName=table,
        KeyConditions={"id": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "a"}]}},
        QueryFilter=condition,
    )
    assert queried["Items"] == ([ITEM] if matches else [])


def test_between_with_list_operands_is_a_validation_error(ddb: Any, table: str) -> None:
    ddb.put_item(TableName=table, Item=ITEM)
    with pytest.raises(ClientError) as error:
        ddb.scan(
            TableName=table,
            FilterExpression="l BETWEEN :low AND :high",
            ExpressionAttributeValues={":low": {"L": [{"N": "1"}]}, ":high": {"L": [{"N": "2"}]}},
        )
    assert error_of(error) == (
        "ValidationException",
        "Invalid FilterExpression: Incorrect operand type for operator or function; "
        "operator or function: BETWEEN, operand type: L",
    )
    with pytest.raises(ClientError) as error:
        ddb.scan(
            TableName=table,
            ScanFilter={
                "l": {
                    "ComparisonOperator": "BETWEEN",
                    "AttributeValueList": [{"L": [{"N": "1"}]}, {"L": [{"N": "2"}]}],
                }
            },
        )
    assert error_of(error) == (
        "ValidationException",
        INVALID + "ComparisonOperator BETWEEN is not valid for L AttributeValue type",
    )


@pytest.mark.parametrize(
    ("expected", "kind"),
    [
        ({"l": {"ComparisonOperator": "GT", "AttributeValueList": [{"L": []}]}}, ("GT", "L")),
        (
            {
                "id": {
                    "ComparisonOperator": "BETWEEN",
                    "AttributeValueList": [{"SS": ["a"]}, {"SS": ["b"]}],
                }
            },
            ("BETWEEN", "SS"),
        ),
        (
            {"b": {"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [{"BOOL": True}]}},
            ("BEGINS_WITH", "BOOL"),
        ),
    ],
)
def test_expected_comparisons_of_the_wrong_type_are_validation_errors(
    ddb: Any, table: str, expected: dict[str, Any], kind: tuple[str, str]
) -> None:
    ddb.put_item(TableName=table, Item=ITEM)
    with pytest.raises(ClientError) as error:
        ddb.put_item(TableName=table, Item={"id": {"S": "a"}}, Expected=expected)
    assert error_of(error) == (
        "ValidationException",
        f"1 validation error detected: {INVALID}ComparisonOperator {kind[0]} is not valid for "
        f"{kind[1]} AttributeValue type",
    )
    assert ddb.get_item(TableName=table, Key={"id": {"S": "a"}})["Item"] == ITEM
    # A simple Value compares any type; a mismatch is a failed condition.
    with pytest.raises(ClientError) as error:
        ddb.put_item(
            TableName=table, Item={"id": {"S": "a"}}, Expected={"b": {"Value": {"BOOL": False}}}
        )
    assert error_of(error)[0] == "ConditionalCheckFailedException"
