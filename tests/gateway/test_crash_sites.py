"""The four requests that once crashed the gateway (500 InternalFailure) now get AWS's errors.

(a) out-of-range timestamps (``OverflowError``/``OSError`` in ``values.parse_timestamp``);
(b) DynamoDB attribute values nested ~260 levels (``RecursionError`` in the shape decoder before
    DynamoDB's 32-level check could answer);
(c) expressions with ~500 nested parentheses or NOTs (``RecursionError`` in the parser);
(d) CreateTable with only TableName (``TypeError``: newer models mark ``KeySchema`` optional).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from lakehose import Lakehose
from lakehose.gateway.protocols.values import ValueFormatError, parse_timestamp
from tests.gateway.raw import ENDPOINT, document, json_call, signed

TABLE = "crash-sites"
NESTING_MESSAGE = (
    "1 validation error detected: Nesting Levels have exceeded supported limits: "
    "Attributes in the item have nested levels beyond supported limit"
)


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lakehose]:
    home = tmp_path_factory.mktemp("crash") / "home"
    with Lakehose(home=home, background=False, seed=3) as runtime:
        runtime.client("dynamodb").create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        runtime.client("s3").create_bucket(Bucket="crash-sites")
        runtime.client("s3").put_object(Bucket="crash-sites", Key="k", Body=b"x")
        yield runtime


def _nested(levels: int) -> dict[str, Any]:
    value: dict[str, Any] = {"S": "leaf"}
    for _ in range(levels):
        value = {"M": {"n": value}}
    return value


# -- (a) timestamps ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", [1e17, -1e17, 99999999999999999999, "99999999999999999999", "1e400", float("inf")]
)
def test_out_of_range_epoch_is_a_format_error(value: Any) -> None:
    with pytest.raises(ValueFormatError):
        parse_timestamp(value)


def test_kinesis_timestamp_out_of_range_is_a_serialization_error(lake: Lakehose) -> None:
    response = json_call(
        lake, "kinesis", "ListShards", {"StreamName": "s", "StreamCreationTimestamp": 1e17}
    )
    assert response.status == 400
    assert document(response) == {
        "__type": "SerializationException",
        "Message": "NUMBER_VALUE cannot be converted to Date",
    }


def test_s3_if_modified_since_out_of_range_is_a_client_error(lake: Lakehose) -> None:
    request = signed(
        "GET",
        f"{ENDPOINT}/crash-sites/k",
        service="s3",
        headers={"If-Modified-Since": "99999999999999999999"},
    )
    response = lake.gateway.handle(request)
    assert 400 <= response.status < 500


# -- (b) nesting ---------------------------------------------------------------------------------


@pytest.mark.parametrize("levels", [33, 260, 400])
def test_deeply_nested_attribute_values_get_the_nesting_error(lake: Lakehose, levels: int) -> None:
    item = {"pk": {"S": "p"}, "deep": _nested(levels)}
    response = json_call(lake, "dynamodb", "PutItem", {"TableName": TABLE, "Item": item})
    assert response.status == 400
    assert document(response) == {
        "__type": "com.amazon.coral.validate#ValidationException",
        "message": NESTING_MESSAGE,
    }


def test_thirty_two_levels_are_stored(lake: Lakehose) -> None:
    item = {"pk": {"S": "p32"}, "deep": _nested(31)}
    response = json_call(lake, "dynamodb", "PutItem", {"TableName": TABLE, "Item": item})
    assert response.status == 200


def test_json_nested_past_the_parser_limit_is_a_serialization_error(lake: Lakehose) -> None:
    body = b'{"TableName": ' + b"[" * 2000 + b"]" * 2000 + b"}"
    response = json_call(lake, "dynamodb", "DescribeTable", body)
    assert response.status == 400
    assert document(response)["__type"] == "com.amazon.coral.service#SerializationException"


# -- (c) expressions -----------------------------------------------------------------------------


def _scan(lake: Lakehose, expression: str) -> dict[str, Any]:
    response = json_call(
        lake,
        "dynamodb",
        "Scan",
        {
            "TableName": TABLE,
            "FilterExpression": expression,
            "ExpressionAttributeValues": {":v": {"S": "x"}},
        },
    )
    assert response.status in (200, 400)
    return document(response)


def test_five_hundred_nested_parentheses_are_redundant(lake: Lakehose) -> None:
    answer = _scan(lake, "(" * 500 + "pk = :v" + ")" * 500)
    assert (
        answer["message"] == "Invalid FilterExpression: The expression has redundant parentheses;"
    )


def test_five_hundred_nots_are_too_many_operators(lake: Lakehose) -> None:
    answer = _scan(lake, "NOT " * 500 + "pk = :v")
    # AWS's wording, recorded in aws/aws-sdk-js#3721.
    assert answer["message"] == (
        "Invalid FilterExpression: The expression contains too many operators; operator count: 301"
    )


def test_nested_function_calls_are_bounded_too(lake: Lakehose) -> None:
    answer = _scan(lake, "size(" * 400 + "pk" + ")" * 400 + " > :v")
    assert "operator count: 301" in answer["message"]


def test_three_hundred_operators_deep_still_evaluate(lake: Lakehose) -> None:
    nested = "(pk = :v AND " * 149 + "pk = :v" + ")" * 149  # 299 operators, 149 groups deep
    assert "Items" in _scan(lake, nested)
    chained = "NOT " * 298 + "pk = :v"  # 299 operators in a NOT chain
    assert "Items" in _scan(lake, chained)


def test_update_expression_parentheses_are_bounded(lake: Lakehose) -> None:
    response = json_call(
        lake,
        "dynamodb",
        "UpdateItem",
        {
            "TableName": TABLE,
            "Key": {"pk": {"S": "p"}},
            "UpdateExpression": "SET a = " + "(" * 500 + "a + :v" + ")" * 500,
            "ExpressionAttributeValues": {":v": {"N": "1"}},
        },
    )
    assert response.status == 400
    assert document(response)["message"].endswith("The expression has redundant parentheses;")


# -- (d) CreateTable with only TableName ---------------------------------------------------------


def test_create_table_with_only_its_name_is_a_validation_error(lake: Lakehose) -> None:
    response = json_call(lake, "dynamodb", "CreateTable", {"TableName": "only-name"})
    assert response.status == 400
    # As AWS answered when its model still required both (dynalite's AWS-recorded tests).
    assert document(response) == {
        "__type": "com.amazon.coral.validate#ValidationException",
        "message": "2 validation errors detected: Value null at 'attributeDefinitions' failed to "
        "satisfy constraint: Member must not be null; Value null at 'keySchema' failed to "
        "satisfy constraint: Member must not be null",
    }
