"""Legacy parameters: Expected, filters, KeyConditions, AttributeUpdates, AttributesToGet."""

from __future__ import annotations

from typing import Any

import pytest

from lakehose.services.dynamodb.expressions import (
    condition_from_expected,
    condition_from_filter,
    key_condition_from_legacy,
    projection_from_attributes_to_get,
    update_from_attribute_updates,
)
from tests.dynamodb.expressions.helpers import message_of

INVALID = "One or more parameter values were invalid: "
ITEM: dict[str, Any] = {
    "s": {"S": "hello"},
    "n": {"N": "10"},
    "ss": {"SS": ["a", "b"]},
    "l": {"L": [{"S": "a"}]},
}


def cond(op: str, *values: dict[str, Any]) -> dict[str, Any]:
    return {"ComparisonOperator": op, "AttributeValueList": list(values)}


@pytest.mark.parametrize(
    ("attribute", "condition", "expected"),
    [
        ("s", cond("EQ", {"S": "hello"}), True),
        ("n", cond("EQ", {"N": "10.0"}), True),
        ("ss", cond("EQ", {"SS": ["b", "a"]}), True),
        ("s", cond("NE", {"S": "x"}), True),
        ("absent", cond("NE", {"S": "x"}), True),
        ("n", cond("LT", {"N": "11"}), True),
        ("n", cond("LE", {"N": "9"}), False),
        ("n", cond("GT", {"N": "9"}), True),
        ("s", cond("GE", {"S": "hello"}), True),
        ("n", cond("GT", {"S": "1"}), False),
        ("s", cond("NOT_NULL"), True),
        ("absent", cond("NOT_NULL"), False),
        ("absent", cond("NULL"), True),
        ("s", cond("NULL"), False),
        ("s", cond("CONTAINS", {"S": "ell"}), True),
        ("ss", cond("CONTAINS", {"S": "a"}), True),
        ("l", cond("CONTAINS", {"S": "a"}), True),
        ("ss", cond("NOT_CONTAINS", {"S": "z"}), True),
        ("ss", cond("NOT_CONTAINS", {"S": "a"}), False),
        ("absent", cond("NOT_CONTAINS", {"S": "a"}), False),
        ("s", cond("BEGINS_WITH", {"S": "he"}), True),
        ("s", cond("BEGINS_WITH", {"S": "lo"}), False),
        ("n", cond("IN", {"N": "1"}, {"N": "10"}), True),
        ("n", cond("IN", {"N": "1"}, {"N": "2"}), False),
        ("n", cond("BETWEEN", {"N": "10"}, {"N": "20"}), True),
        ("s", cond("BETWEEN", {"S": "a"}, {"S": "b"}), False),
    ],
)
def test_filter_operators(attribute: str, condition: dict[str, Any], expected: bool) -> None:
    assert condition_from_filter({attribute: condition}, None).evaluate(ITEM) is expected


def test_conditional_operator_combines_conditions() -> None:
    conditions = {"s": cond("EQ", {"S": "x"}), "n": cond("EQ", {"N": "10"})}
    assert not condition_from_filter(conditions, None).evaluate(ITEM)
    assert not condition_from_filter(conditions, "AND").evaluate(ITEM)
    assert condition_from_filter(conditions, "OR").evaluate(ITEM)
    assert condition_from_filter({}, None).evaluate(ITEM)


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        (cond("EQ"), INVALID + "Invalid number of argument(s) for the EQ ComparisonOperator"),
        (
            cond("NULL", {"S": "a"}),
            INVALID + "Invalid number of argument(s) for the NULL ComparisonOperator",
        ),
        (cond("IN"), INVALID + "Invalid number of argument(s) for the IN ComparisonOperator"),
        (
            cond("BETWEEN", {"N": "1"}),
            INVALID + "Invalid number of argument(s) for the BETWEEN ComparisonOperator",
        ),
        (
            cond("IN", {"N": "1"}, {"S": "1"}),
            INVALID + "AttributeValues inside AttributeValueList must be of same type",
        ),
        (
            cond("CONTAINS", {"SS": ["a"]}),
            INVALID + "ComparisonOperator CONTAINS is not valid for SS AttributeValue type",
        ),
        (
            cond("BEGINS_WITH", {"N": "1"}),
            INVALID + "ComparisonOperator BEGINS_WITH is not valid for N AttributeValue type",
        ),
        (
            cond("LT", {"BOOL": True}),
            INVALID + "ComparisonOperator LT is not valid for BOOL AttributeValue type",
        ),
        (
            cond("BETWEEN", {"N": "2"}, {"N": "1"}),
            "The BETWEEN condition was provided a range where the lower bound is greater than "
            "the upper bound",
        ),
        (cond("EQ", {"SS": []}), INVALID + "An string set  may not be empty"),
    ],
)
def test_filter_errors(condition: dict[str, Any], message: str) -> None:
    assert message_of(lambda: condition_from_filter({"a": condition}, None)) == message


@pytest.mark.parametrize(
    ("expected", "result"),
    [
        ({"s": {"Value": {"S": "hello"}}}, True),
        ({"s": {"Value": {"S": "hello"}, "Exists": True}}, True),
        ({"s": {"Value": {"S": "x"}}}, False),
        ({"absent": {"Exists": False}}, True),
        ({"s": {"Exists": False}}, False),
        ({"n": {"ComparisonOperator": "GT", "Value": {"N": "5"}}}, True),
        ({"n": {"ComparisonOperator": "GT", "AttributeValueList": [{"N": "50"}]}}, False),
        ({"s": {"ComparisonOperator": "NOT_NULL"}}, True),
        ({"ss": {"ComparisonOperator": "CONTAINS", "Value": {"S": "b"}}}, True),
    ],
)
def test_expected(expected: dict[str, Any], result: bool) -> None:
    assert condition_from_expected(expected, None).evaluate(ITEM) is result


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        (
            {"Value": {"S": "a"}, "AttributeValueList": [{"S": "a"}]},
            "Value and AttributeValueList cannot be used together for Attribute: a",
        ),
        (
            {"ComparisonOperator": "EQ", "Exists": True, "Value": {"S": "a"}},
            "Exists and ComparisonOperator cannot be used together for Attribute: a",
        ),
        (
            {"ComparisonOperator": "EQ"},
            "Value or AttributeValueList must be used with ComparisonOperator: EQ for Attribute: a",
        ),
        (
            {"ComparisonOperator": "BETWEEN", "Value": {"S": "a"}},
            "Invalid number of argument(s) for the BETWEEN ComparisonOperator",
        ),
        (
            {"AttributeValueList": [{"S": "a"}]},
            "AttributeValueList can only be used with a ComparisonOperator for Attribute: a",
        ),
        ({}, "Value must be provided when Exists is null for Attribute: a"),
        ({"Exists": True}, "Value must be provided when Exists is true for Attribute: a"),
        (
            {"Exists": False, "Value": {"S": "a"}},
            "Value cannot be used when Exists is false for Attribute: a",
        ),
    ],
)
def test_expected_errors(condition: dict[str, Any], message: str) -> None:
    assert message_of(lambda: condition_from_expected({"a": condition}, None)) == INVALID + message


def test_key_conditions() -> None:
    conditions = {"pk": cond("EQ", {"S": "p"}), "sk": cond("BEGINS_WITH", {"S": "x"})}
    bound = key_condition_from_legacy(conditions).bind("pk", "sk")
    assert bound.hash_value == {"S": "p"}
    assert bound.range == ("begins_with", [{"S": "x"}])
    bound = key_condition_from_legacy({"pk": cond("EQ", {"N": "1"})}).bind("pk", None)
    assert bound.range is None


@pytest.mark.parametrize(
    ("conditions", "message"),
    [
        ({}, "Conditions can be of length 1 or 2 only"),
        (
            {"pk": cond("EQ", {"S": "p"}), "sk": cond("NE", {"S": "x"})},
            "Attempted conditional constraint is not an indexable operation",
        ),
        (
            {"pk": cond("EQ", {"S": "p"}), "sk": cond("IN", {"S": "x"})},
            "Attempted conditional constraint is not an indexable operation",
        ),
        ({"pk": cond("GT", {"S": "p"})}, "Query key condition not supported"),
        ({"other": cond("EQ", {"S": "p"})}, "Query condition missed key schema element: pk"),
    ],
)
def test_key_condition_errors(conditions: dict[str, Any], message: str) -> None:
    assert message_of(lambda: key_condition_from_legacy(conditions).bind("pk", "sk")) == message


def test_attribute_updates() -> None:
    updates = {
        "s": {"Action": "PUT", "Value": {"S": "new"}},
        "n": {"Action": "ADD", "Value": {"N": "-1"}},
        "ss": {"Action": "DELETE", "Value": {"SS": ["a"]}},
        "l": {"Action": "ADD", "Value": {"L": [{"S": "b"}]}},
        "fresh": {"Value": {"BOOL": True}},  # PUT is the default action
        "gone": {"Action": "DELETE"},
        "added": {"Action": "ADD", "Value": {"NS": ["1"]}},
    }
    item = {**ITEM, "gone": {"S": "x"}}
    plan = update_from_attribute_updates(updates)
    assert plan.apply(item) == {
        "s": {"S": "new"},
        "n": {"N": "9"},
        "ss": {"SS": ["b"]},
        "l": {"L": [{"S": "a"}, {"S": "b"}]},
        "fresh": {"BOOL": True},
        "added": {"NS": ["1"]},
    }
    assert plan.updated_paths() == list(updates)


@pytest.mark.parametrize(
    ("updates", "message"),
    [
        (
            {"a": {"Action": "PUT"}},
            INVALID + "Only DELETE action is allowed when no attribute value is specified",
        ),
        (
            {"a": {"Action": "DELETE", "Value": {"S": "x"}}},
            INVALID + "DELETE action with value is not supported for the type S",
        ),
        (
            {"a": {"Action": "ADD", "Value": {"S": "x"}}},
            INVALID + "ADD action is not supported for the type S",
        ),
        ({"a": {"Value": {"N": "x"}}}, "The parameter cannot be converted to a numeric value: x"),
    ],
)
def test_attribute_update_errors(updates: dict[str, Any], message: str) -> None:
    assert message_of(lambda: update_from_attribute_updates(updates)) == message


@pytest.mark.parametrize(
    "updates",
    [
        {"s": {"Action": "ADD", "Value": {"N": "1"}}},
        {"ss": {"Action": "ADD", "Value": {"NS": ["1"]}}},
        {"n": {"Action": "DELETE", "Value": {"NS": ["1"]}}},
        {"s": {"Action": "ADD", "Value": {"L": []}}},
    ],
)
def test_attribute_update_type_mismatch(updates: dict[str, Any]) -> None:
    plan = update_from_attribute_updates(updates)
    assert message_of(lambda: plan.apply(ITEM)) == "Type mismatch for attribute to update"


def test_attributes_to_get() -> None:
    projection = projection_from_attributes_to_get(["s", "a.b", "n"])
    assert projection.apply({**ITEM, "a.b": {"S": "dotted"}}) == {
        "s": ITEM["s"],
        "a.b": {"S": "dotted"},
        "n": ITEM["n"],
    }
    assert message_of(lambda: projection_from_attributes_to_get(["a", "b", "a"])) == (
        INVALID + "Duplicate value in attribute name: a"
    )
