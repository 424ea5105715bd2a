"""Key conditions: shape errors at parse time, schema errors at bind time, sort-key matching."""

from __future__ import annotations

from typing import Any

import pytest

from lakehose.services.dynamodb.expressions import parse_key_condition
from tests.dynamodb.expressions.helpers import ctx, message_of

VALUES: dict[str, Any] = {
    ":pk": {"S": "p"},
    ":a": {"S": "a"},
    ":m": {"S": "m"},
    ":z": {"S": "z"},
    ":n": {"N": "5"},
}


def parse(expression: str, names: dict[str, str] | None = None) -> Any:
    return parse_key_condition(expression, ctx(VALUES, names))


@pytest.mark.parametrize(
    ("expression", "op", "values"),
    [
        ("pk = :pk", None, None),
        ("pk = :pk AND sk = :a", "=", [{"S": "a"}]),
        ("sk < :m AND pk = :pk", "<", [{"S": "m"}]),
        (":m < sk AND pk = :pk", ">", [{"S": "m"}]),  # value first: the operator flips
        (":m >= sk AND :pk = pk", "<=", [{"S": "m"}]),
        ("pk = :pk AND sk BETWEEN :a AND :z", "BETWEEN", [{"S": "a"}, {"S": "z"}]),
        ("pk = :pk AND begins_with(sk, :a)", "begins_with", [{"S": "a"}]),
        ("(pk = :pk) AND (sk > :a)", ">", [{"S": "a"}]),
        ("#p = :pk AND #s >= :a", ">=", [{"S": "a"}]),
    ],
)
def test_valid_key_conditions(expression: str, op: str | None, values: Any) -> None:
    bound = parse(expression, {"#p": "pk", "#s": "sk"}).bind("pk", "sk")
    assert bound.hash_key == "pk"
    assert bound.hash_value == {"S": "p"}
    assert bound.range_key == "sk"
    assert bound.range == (None if op is None else (op, values))


PREFIX = "Invalid KeyConditionExpression: "


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("pk = :pk OR sk = :a", "Invalid operator used in KeyConditionExpression: OR"),
        ("NOT pk = :pk", "Invalid operator used in KeyConditionExpression: NOT"),
        ("pk IN (:pk)", "Invalid operator used in KeyConditionExpression: IN"),
        ("pk <> :pk", "Invalid operator used in KeyConditionExpression: <>"),
        (
            "pk = :pk AND attribute_exists(sk)",
            "Invalid operator used in KeyConditionExpression: attribute_exists",
        ),
        (
            "pk = :pk AND contains(sk, :a)",
            "Invalid operator used in KeyConditionExpression: contains",
        ),
        ("size(pk) = :n", "KeyConditionExpressions cannot contain nested operations"),
        (
            "pk = :pk AND :a BETWEEN sk AND :z",
            "Invalid condition in KeyConditionExpression: BETWEEN operator must have the key "
            "attribute as its first operand",
        ),
        (
            "pk = :pk AND begins_with(:a, sk)",
            "Invalid condition in KeyConditionExpression: begins_with operator must have the key "
            "attribute as its first operand",
        ),
        (
            "(#0 = x)",
            "Invalid condition in KeyConditionExpression: Multiple attribute names used in one "
            "condition",
        ),
        (":pk = :a", "Invalid condition in KeyConditionExpression: No key attribute specified"),
        ("pk.x = :pk", "KeyConditionExpressions cannot have conditions on nested attributes"),
        ("pk = :pk AND pk = :a", "KeyConditionExpressions must only contain one condition per key"),
        ("BegIns_WiTh(sk, :a) AND pk = :pk", "Invalid function name; function: BegIns_WiTh"),
        (
            "pk = :pk AND begins_with(sk, :n)",
            "Incorrect operand type for operator or function; "
            "operator or function: begins_with, operand type: N",
        ),
    ],
)
def test_shape_errors(expression: str, message: str) -> None:
    assert message_of(lambda: parse(expression, {"#0": "pk"})) == PREFIX + message


@pytest.mark.parametrize(
    ("expression", "hash_key", "range_key", "message"),
    [
        ("wrongName = :pk", "pk", "sk", "Query condition missed key schema element: pk"),
        ("gsi_pk = :pk", "pk", "sk", "Query condition missed key schema element: pk"),
        ("pk = :pk", "gsi_pk", None, "Query condition missed key schema element: gsi_pk"),
        (
            "gsi_pk = :pk AND sk = :a",
            "pk",
            "sk",
            "Query condition missed key schema element: pk",
        ),
        (
            "gsiK1PartitionKey = :pk AND wrongName = :a",
            "gsiK1PartitionKey",
            "gsiK1SortKey",
            "Query condition missed key schema element: gsiK1SortKey",
        ),
        (
            "gsi_pk = :pk AND sk = :a",
            "gsi_pk",
            None,
            "The number of query conditions (2) exceeds the number of key attributes defined in "
            "the schema (1)",
        ),
        ("pk < :pk", "pk", "sk", "Query key condition not supported"),
        ("begins_with(pk, :pk)", "pk", None, "Query key condition not supported"),
        ("pk BETWEEN :a AND :z", "pk", "sk", "Query key condition not supported"),
    ],
)
def test_schema_errors(expression: str, hash_key: str, range_key: str | None, message: str) -> None:
    condition = parse(expression)
    assert message_of(lambda: condition.bind(hash_key, range_key)) == message


def test_key_types_are_checked_when_given() -> None:
    condition = parse("pk = :pk AND sk > :n")
    condition.bind("pk", "sk", hash_type="S", range_type="N")
    assert message_of(lambda: condition.bind("pk", "sk", hash_type="S", range_type="S")) == (
        "One or more parameter values were invalid: Condition parameter type does not match "
        "schema type"
    )


@pytest.mark.parametrize(
    ("expression", "matching", "not_matching"),
    [
        ("pk = :pk", [{"S": "anything"}, None], []),
        ("pk = :pk AND sk = :m", [{"S": "m"}], [{"S": "a"}, {"N": "5"}, None]),
        ("pk = :pk AND sk < :m", [{"S": "a"}, {"S": "ll"}], [{"S": "m"}, {"S": "z"}, None]),
        ("pk = :pk AND sk <= :m", [{"S": "m"}], [{"S": "ma"}]),
        ("pk = :pk AND sk > :m", [{"S": "ma"}], [{"S": "m"}]),
        ("pk = :pk AND sk >= :n", [{"N": "5.0"}, {"N": "6"}], [{"N": "4.99"}, {"S": "9"}]),
        ("pk = :pk AND sk BETWEEN :a AND :m", [{"S": "a"}, {"S": "m"}], [{"S": "ma"}]),
        ("pk = :pk AND begins_with(sk, :m)", [{"S": "m"}, {"S": "mz"}], [{"S": "am"}, None]),
    ],
)
def test_matches_range(expression: str, matching: list[Any], not_matching: list[Any]) -> None:
    bound = parse(expression).bind("pk", "sk")
    assert all(bound.matches_range(value) for value in matching)
    assert not any(bound.matches_range(value) for value in not_matching)
