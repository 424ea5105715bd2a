"""Attribute values: AWS's validation messages, number canonical form, ordering and item size."""

from __future__ import annotations

from typing import Any

import pytest

from lakehose.services.dynamodb.attributes import (
    MAX_ITEM_SIZE,
    compare_values,
    item_size,
    key_of,
    normalize_item,
    normalize_number,
    validate_item,
    value_size,
    values_equal,
)
from tests.dynamodb.expressions.helpers import message_of

INVALID = "One or more parameter values were invalid: "


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            {},
            "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes",
        ),
        (
            {"S": "a", "N": "1"},
            "Supplied AttributeValue has more than one datatypes set, "
            "must contain exactly one of the supported datatypes",
        ),
        ({"NULL": False}, INVALID + "Null attribute value types must have the value of true"),
        ({"SS": []}, INVALID + "An string set  may not be empty"),
        ({"NS": []}, INVALID + "An number set  may not be empty"),
        ({"BS": []}, INVALID + "Binary sets should not be empty"),
        ({"SS": ["a", "a"]}, INVALID + "Input collection [a, a] contains duplicates."),
        ({"SS": ["a", "b", "a"]}, INVALID + "Input collection [a, b, a] contains duplicates."),
        (
            {"BS": [b"b", b"b"]},
            INVALID + "Input collection [Yg==, Yg==]of type BS contains duplicates.",
        ),
        ({"NS": ["1", "1.0"]}, "Input collection contains duplicates"),
        ({"N": ""}, "The parameter cannot be converted to a numeric value"),
        ({"N": "x"}, "The parameter cannot be converted to a numeric value: x"),
        ({"N": "1e"}, "The parameter cannot be converted to a numeric value: 1e"),
        ({"N": " 1"}, "The parameter cannot be converted to a numeric value:  1"),
        ({"N": "NaN"}, "The parameter cannot be converted to a numeric value: NaN"),
        (
            {"NS": ["1", "Infinity"]},
            "The parameter cannot be converted to a numeric value: Infinity",
        ),
        ({"N": "1" * 39}, "Attempting to store more than 38 significant digits in a Number"),
        (
            {"N": "1e126"},
            "Number overflow. Attempting to store a number with magnitude larger than supported "
            "range",
        ),
        (
            {"N": "-1e-131"},
            "Number underflow. Attempting to store a number with magnitude smaller than supported "
            "range",
        ),
        ({"M": {"a": {"L": [{"SS": []}]}}}, INVALID + "An string set  may not be empty"),
        ({"L": [{"N": "x"}]}, "The parameter cannot be converted to a numeric value: x"),
    ],
)
def test_invalid_values_have_aws_messages(value: dict[str, object], message: str) -> None:
    assert message_of(lambda: validate_item({"a": value})) == message


@pytest.mark.parametrize(
    "value",
    [
        {"S": ""},
        {"B": b""},
        {"N": "1" * 38},
        {"N": "9.9999999999999999999999999999999999999E+125"},
        {"N": "1E-130"},
        {"N": "-0"},
        {"N": "+5"},
        {"N": ".5"},
        {"N": "5."},
        {"N": "00012000"},
        {"N": "1" + "0" * 100},  # trailing zeros are not significant
        {"NULL": True},
        {"BOOL": False},
        {"L": []},
        {"M": {}},
        {"NS": ["1", "2"]},
    ],
)
def test_valid_values_pass(value: dict[str, object]) -> None:
    validate_item({"a": value})


def test_nesting_deeper_than_32_levels_is_rejected() -> None:
    value: dict[str, object] = {"S": "leaf"}
    for _ in range(32):
        value = {"L": [value]}
    validate_item({"a": value})
    assert message_of(lambda: validate_item({"a": {"M": {"x": value}}})) == (
        "Nesting Levels have exceeded supported limits: "
        "Attributes in the item have nested levels beyond supported limit"
    )


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("0", "0"),
        ("-0", "0"),
        ("0.000", "0"),
        ("00012000", "12000"),
        ("12.500", "12.5"),
        ("-12.500", "-12.5"),
        ("+7", "7"),
        (".5", "0.5"),
        ("5.", "5"),
        ("1E2", "100"),
        ("1.5e-3", "0.0015"),
        ("-1E-130", "-0." + "0" * 129 + "1"),
        ("123456789012345678901234567890.12345678", "123456789012345678901234567890.12345678"),
    ],
)
def test_normalize_number(text: str, canonical: str) -> None:
    assert normalize_number(text) == canonical


@pytest.mark.parametrize(
    ("a", "b", "order"),
    [
        ({"N": "2"}, {"N": "10"}, -1),
        ({"N": "-1"}, {"N": "-0.5"}, -1),
        ({"N": "1.0"}, {"N": "1"}, 0),
        ({"N": "1e2"}, {"N": "99.9"}, 1),
        ({"S": "B"}, {"S": "a"}, -1),
        ({"S": "\uffff"}, {"S": "\U0001f600"}, -1),  # UTF-8 byte order, not UTF-16
        ({"B": b"\x7f"}, {"B": b"\x80"}, -1),  # unsigned bytes
        ({"B": b"ab"}, {"B": b"a"}, 1),
    ],
)
def test_compare_values(a: dict[str, object], b: dict[str, object], order: int) -> None:
    assert compare_values(a, b) == order
    assert compare_values(b, a) == -order


def test_compare_values_needs_one_scalar_type() -> None:
    with pytest.raises(TypeError):
        compare_values({"N": "1"}, {"S": "1"})


def test_values_equal_compares_numbers_and_sets_by_value() -> None:
    assert values_equal({"NS": ["1", "2.0"]}, {"NS": ["2", "1.00"]})
    assert values_equal({"SS": ["a", "b"]}, {"SS": ["b", "a"]})
    assert values_equal({"M": {"a": {"L": [{"N": "1"}]}}}, {"M": {"a": {"L": [{"N": "1.0"}]}}})
    assert not values_equal({"L": [{"N": "1"}, {"N": "2"}]}, {"L": [{"N": "2"}, {"N": "1"}]})
    assert not values_equal({"S": "1"}, {"N": "1"})


@pytest.mark.parametrize(
    ("value", "size"),
    [
        ({"S": "abc"}, 3),
        ({"S": "下野"}, 6),  # UTF-8 bytes
        ({"B": b"\x00\x01"}, 2),
        ({"BOOL": True}, 1),
        ({"NULL": True}, 1),
        ({"N": "0"}, 1),
        ({"N": "54148"}, 4),  # KDS record SizeBytes example in the reference
        ({"N": "12"}, 2),
        ({"N": "1.2"}, 3),  # digit pairs align on the decimal point
        ({"N": "-12"}, 3),
        ({"SS": ["a", "bc"]}, 3),
        ({"L": []}, 3),
        ({"M": {}}, 3),
        ({"L": [{"S": "ab"}, {"N": "1"}]}, 3 + (1 + 2) + (1 + 2)),
        ({"M": {"k": {"S": "v"}}}, 3 + 1 + 1 + 1),
    ],
)
def test_value_size(value: dict[str, object], size: int) -> None:
    assert value_size(value) == size


def test_item_size_matches_the_reference_kds_example() -> None:
    # The cities MODIFY record in the reference carries SizeBytes 104 = keys + new + old image.
    keys = {"key": {"S": "t0926"}}
    new = {
        "population": {"N": "54148"},
        "key": {"S": "t0926"},
        "name": {"S": "下野"},
        "date_mod": {"S": "1950-9-7"},
    }
    old = {**new, "population": {"N": "56148"}}
    assert item_size(keys) + item_size(new) + item_size(old) == 104
    assert MAX_ITEM_SIZE == 409600


def test_key_of_and_normalize_item() -> None:
    item: dict[str, Any] = {"pk": {"S": "a"}, "sk": {"N": "1.50"}, "x": {"NS": ["1e1"]}}
    assert key_of(item, ["pk", "sk"]) == {"pk": {"S": "a"}, "sk": {"N": "1.50"}}
    assert key_of(item, ["pk", "missing"]) == {"pk": {"S": "a"}}
    assert normalize_item(item) == {"pk": {"S": "a"}, "sk": {"N": "1.5"}, "x": {"NS": ["10"]}}
