"""Update expressions: AWS's parse errors, run-time errors and apply semantics."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from lakehose.services.dynamodb.expressions import parse_update
from tests.dynamodb.expressions.helpers import ctx, message_of

PREFIX = "Invalid UpdateExpression: "
VALUES: dict[str, Any] = {
    ":s": {"S": "x"},
    ":one": {"N": "1"},
    ":zero": {"N": "0"},
    ":ss": {"SS": ["b", "c"]},
    ":ns": {"NS": ["2", "3"]},
    ":bs": {"BS": [b"\x01"]},
    ":l": {"L": [{"S": "new"}]},
    ":m": {"M": {"k": {"S": "v"}}},
    ":b": {"B": b"\x00"},
    ":null": {"NULL": True},
    ":bool": {"BOOL": False},
}
ITEM: dict[str, Any] = {
    "pk": {"S": "key"},
    "n": {"N": "5"},
    "s": {"S": "text"},
    "ss": {"SS": ["a", "b"]},
    "ns": {"NS": ["1", "2"]},
    "l": {"L": [{"S": "0"}, {"S": "1"}, {"S": "2"}, {"S": "3"}, {"S": "4"}]},
    "m": {"M": {"x": {"N": "1"}, "c": {"L": [{"N": "1"}, {"N": "2"}, {"N": "3"}]}}},
}


def parse_error(expression: str, names: dict[str, str] | None = None) -> str:
    message = message_of(lambda: parse_update(expression, ctx(VALUES, names)))
    assert message.startswith(PREFIX)
    return message[len(PREFIX) :]


def apply(expression: str, item: dict[str, Any] | None = None) -> dict[str, Any]:
    return parse_update(expression, ctx(VALUES)).apply(ITEM if item is None else item)


def apply_error(expression: str) -> str:
    plan = parse_update(expression, ctx(VALUES))
    return message_of(lambda: plan.apply(ITEM))


OVERLAP = "Two document paths overlap with each other; must remove or rewrite one of these paths; "
CONFLICT = (
    "Two document paths conflict with each other; must remove or rewrite one of these paths; "
)
ADD_TYPE = "Incorrect operand type for operator or function; operator: ADD, operand type: {}, "
DELETE_TYPE = (
    "Incorrect operand type for operator or function; operator: DELETE, operand type: {}, "
)


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        (
            "SET a = :s SET b = :s",
            'The "SET" section can only be used once in an update expression;',
        ),
        (
            "REMOVE a SET b = :s REMOVE c",
            'The "REMOVE" section can only be used once in an update expression;',
        ),
        (
            "ADD a :one DELETE b :ss ADD c :one",
            'The "ADD" section can only be used once in an update expression;',
        ),
        (
            "DELETE a :ss DELETE b :ss",
            'The "DELETE" section can only be used once in an update expression;',
        ),
        ("SET a = :s, a.b = :s", OVERLAP + "path one: [a], path two: [a, b]"),
        ("SET #s = :s, #s = :s", OVERLAP + "path one: [string_set], path two: [string_set]"),
        ("SET a.b = :s, a.b = :s", OVERLAP + "path one: [a, b], path two: [a, b]"),
        ("ADD #s :ss DELETE #s :ss", OVERLAP + "path one: [string_set], path two: [string_set]"),
        ("REMOVE a SET a.b = :s", OVERLAP + "path one: [a], path two: [a, b]"),
        ("SET a[1] = :s REMOVE a[1].b", OVERLAP + "path one: [a, [1]], path two: [a, [1], b]"),
        ("SET a.b = :s, a[1] = :s", CONFLICT + "path one: [a, b], path two: [a, [1]]"),
        ("SET a = size(b)", "The function is not allowed in an update expression; function: size"),
        (
            "SET a = attribute_exists(b)",
            "The function is not allowed in an update expression; function: attribute_exists",
        ),
        ("SET a = foo(b)", "Invalid function name; function: foo"),
        (
            "SET a = if_not_exists(b)",
            "Incorrect number of operands for operator or function; "
            "operator or function: if_not_exists, number of operands: 1",
        ),
        (
            "SET a = if_not_exists(:s, :s)",
            "Operator or function requires a document path; operator or function: if_not_exists",
        ),
        (
            "SET a = list_append(a, :s)",
            "Incorrect operand type for operator or function; "
            "operator or function: list_append, operand type: S",
        ),
        (
            "SET a = a + :s",
            "Incorrect operand type for operator or function; "
            "operator or function: +, operand type: S",
        ),
        (
            "SET a = :l - a",
            "Incorrect operand type for operator or function; "
            "operator or function: -, operand type: L",
        ),
        ("ADD a :s", ADD_TYPE.format("STRING") + "typeSet: ALLOWED_FOR_ADD_OPERAND"),
        ("ADD a :l", ADD_TYPE.format("LIST") + "typeSet: ALLOWED_FOR_ADD_OPERAND"),
        ("ADD a :m", ADD_TYPE.format("MAP") + "typeSet: ALLOWED_FOR_ADD_OPERAND"),
        ("ADD a :b", ADD_TYPE.format("BINARY") + "typeSet: ALLOWED_FOR_ADD_OPERAND"),
        ("ADD a :null", ADD_TYPE.format("NULL") + "typeSet: ALLOWED_FOR_ADD_OPERAND"),
        ("ADD a :bool", ADD_TYPE.format("BOOLEAN") + "typeSet: ALLOWED_FOR_ADD_OPERAND"),
        ("DELETE a :one", DELETE_TYPE.format("NUMBER") + "typeSet: ALLOWED_FOR_DELETE_OPERAND"),
        ("DELETE a :s", DELETE_TYPE.format("STRING") + "typeSet: ALLOWED_FOR_DELETE_OPERAND"),
        (
            "SET a = :nope",
            "An expression attribute value used in expression is not defined; "
            "attribute value: :nope",
        ),
        (
            "SET #nope = :s",
            "An expression attribute name used in the document path is not "
            "defined; attribute name: #nope",
        ),
        ("SET size = :s", "Attribute name is a reserved keyword; reserved keyword: size"),
    ],
)
def test_parse_errors(expression: str, message: str) -> None:
    assert parse_error(expression, {"#s": "string_set"}) == message


def test_parse_error_precedence() -> None:
    # reserved words, then function names, then sections, then undefined names, then values,
    # then overlapping paths, then operand types (dynalite's updateParser checkErrors order)
    assert parse_error("SET a = foo(b), size = :nope").endswith("reserved keyword: size")
    assert parse_error("SET a = foo(b) SET c = :s").startswith("Invalid function name")
    assert parse_error("SET a = #x SET c = :s").startswith('The "SET" section')
    assert parse_error("SET a = :nope, b = #x").endswith("attribute name: #x")
    assert parse_error("SET a = :nope, a = :s").endswith("attribute value: :nope")
    assert parse_error("ADD a :s, a :s").startswith("Two document paths overlap")


def test_no_overlap_for_an_alias_holding_a_dot() -> None:
    # the alias names one attribute "string_set.nested", not a nested path (AWS-verified in moto)
    parse_update("SET string_set = :s, #n = :s", ctx(VALUES, {"#n": "string_set.nested"}))


def test_shared_roots_are_not_overlaps() -> None:
    names = {"#root": "nested", "#c1": "key1", "#c2": "key2"}
    plan = parse_update("SET #root.#c1 = :s, #root.#c2 = :s", ctx(VALUES, names))
    item = {"nested": {"M": {"key1": {"S": "1"}, "key3": {"S": "3"}}}}
    assert plan.apply(item) == {
        "nested": {"M": {"key1": {"S": "x"}, "key2": {"S": "x"}, "key3": {"S": "3"}}}
    }


@pytest.mark.parametrize(
    ("expression", "changed"),
    [
        ("SET n = :one", {"n": {"N": "1"}}),
        ("SET added = :s", {"added": {"S": "x"}}),
        ("SET n = n + :one", {"n": {"N": "6"}}),
        ("SET n = :one - n", {"n": {"N": "-4"}}),
        ("SET c = if_not_exists(c, :zero) + :one", {"c": {"N": "1"}}),
        ("SET n = if_not_exists(n, :zero) + :one", {"n": {"N": "6"}}),
        ("SET s2 = s", {"s2": {"S": "text"}}),
        ("SET l = list_append(l, :l)", {"l": {"L": [*ITEM["l"]["L"], {"S": "new"}]}}),
        ("SET l = list_append(:l, l)", {"l": {"L": [{"S": "new"}, *ITEM["l"]["L"]]}}),
        (
            "SET c = list_append(if_not_exists(c, :l), :l)",
            {"c": {"L": [{"S": "new"}, {"S": "new"}]}},
        ),
        ("SET m.x = :s", {"m": {"M": {"x": {"S": "x"}, "c": ITEM["m"]["M"]["c"]}}}),
        ("SET m.y = m.x", {"m": {"M": {**ITEM["m"]["M"], "y": {"N": "1"}}}}),
        (
            "SET l[1] = :s",
            {"l": {"L": [{"S": "0"}, {"S": "x"}, {"S": "2"}, {"S": "3"}, {"S": "4"}]}},
        ),
        ("SET l[10] = :s", {"l": {"L": [*ITEM["l"]["L"], {"S": "x"}]}}),
        (
            "SET l[9] = :s, l[7] = :one",
            {"l": {"L": [*ITEM["l"]["L"], {"N": "1"}, {"S": "x"}]}},
        ),
        ("SET n = s, s = n", {"n": {"S": "text"}, "s": {"N": "5"}}),  # reads the old item
        ("REMOVE s", {"s": None}),
        ("REMOVE nothing_here", {}),
        ("REMOVE m.x", {"m": {"M": {"c": ITEM["m"]["M"]["c"]}}}),
        ("REMOVE l[0], l[1], l[2]", {"l": {"L": [{"S": "3"}, {"S": "4"}]}}),
        ("REMOVE l[2], l[0]", {"l": {"L": [{"S": "1"}, {"S": "3"}, {"S": "4"}]}}),
        ("REMOVE l[10]", {}),
        (
            "SET l[1] = :s REMOVE l[0]",
            {"l": {"L": [{"S": "x"}, {"S": "2"}, {"S": "3"}, {"S": "4"}]}},
        ),
        ("SET l[9] = :s REMOVE l[5]", {"l": {"L": [*ITEM["l"]["L"], {"S": "x"}]}}),
        ("SET l[9] = :s REMOVE l[0]", {"l": {"L": [*ITEM["l"]["L"][1:], {"S": "x"}]}}),
        ("ADD n :one", {"n": {"N": "6"}}),
        ("ADD fresh :one", {"fresh": {"N": "1"}}),
        ("ADD ss :ss", {"ss": {"SS": ["a", "b", "c"]}}),
        ("ADD ns :ns", {"ns": {"NS": ["1", "2", "3"]}}),
        ("ADD fresh :bs", {"fresh": {"BS": [b"\x01"]}}),
        (
            "ADD m.c[0] :one",
            {"m": {"M": {"x": {"N": "1"}, "c": {"L": [{"N": "2"}, {"N": "2"}, {"N": "3"}]}}}},
        ),
        ("DELETE ss :ss", {"ss": {"SS": ["a"]}}),
        ("DELETE ns :ns", {"ns": {"NS": ["1"]}}),
        ("DELETE fresh :ss", {}),
        ("DELETE ss :ss, ns :ns", {"ss": {"SS": ["a"]}, "ns": {"NS": ["1"]}}),
        (
            "SET a = :s REMOVE s ADD n :one DELETE ss :ss",
            {
                "a": {"S": "x"},
                "s": None,
                "n": {"N": "6"},
                "ss": {"SS": ["a"]},
            },
        ),
    ],
)
def test_apply(expression: str, changed: dict[str, Any]) -> None:
    expected = copy.deepcopy(ITEM)
    for name, value in changed.items():
        if value is None:
            del expected[name]
        else:
            expected[name] = value
    assert apply(expression) == expected


def test_delete_of_every_member_removes_the_attribute() -> None:
    plan = parse_update("DELETE ss :all", ctx({":all": {"SS": ["a", "b", "z"]}}))
    assert "ss" not in plan.apply(ITEM)


def test_numbers_stay_exact() -> None:
    values = {":big": {"N": "12345678901234567890123456789012345678"}, ":tiny": {"N": "0.1"}}
    plan = parse_update("SET a = :big - :big, b = :tiny + :tiny", ctx(values))
    assert plan.apply({}) == {"a": {"N": "0"}, "b": {"N": "0.2"}}


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        (
            "SET a = nothing_here",
            "The provided expression refers to an attribute that does not exist in the item",
        ),
        (
            "SET a = nothing_here + :one",
            "The provided expression refers to an attribute that does not exist in the item",
        ),
        (
            "SET a = list_append(nothing_here, :l)",
            "The provided expression refers to an attribute that does not exist in the item",
        ),
        ("SET a = s + :one", "An operand in the update expression has an incorrect data type"),
        ("SET a = s - s", "An operand in the update expression has an incorrect data type"),
        (
            "SET a = list_append(s, :l)",
            "An operand in the update expression has an incorrect data type",
        ),
        ("ADD s :one", "An operand in the update expression has an incorrect data type"),
        ("ADD ss :ns", "An operand in the update expression has an incorrect data type"),
        ("ADD ss :one", "An operand in the update expression has an incorrect data type"),
        ("DELETE ns :ss", "An operand in the update expression has an incorrect data type"),
        ("DELETE s :ss", "An operand in the update expression has an incorrect data type"),
        (
            "SET s[1] = :s",
            "The document path provided in the update expression is invalid for update",
        ),
        (
            "SET s.x = :s",
            "The document path provided in the update expression is invalid for update",
        ),
        (
            "SET nothing_here.x = :s",
            "The document path provided in the update expression is invalid for update",
        ),
        (
            "SET l[9].x = :s",
            "The document path provided in the update expression is invalid for update",
        ),
        (
            "SET m[0] = :s",
            "The document path provided in the update expression is invalid for update",
        ),
        (
            "REMOVE nothing_here.x",
            "The document path provided in the update expression is invalid for update",
        ),
    ],
)
def test_runtime_errors(expression: str, message: str) -> None:
    assert apply_error(expression) == message


def test_number_limits_apply_to_results() -> None:
    values = {":max": {"N": "9.9999999999999999999999999999999999999E+125"}}
    plan = parse_update("SET a = :max + :max", ctx(values))
    assert message_of(lambda: plan.apply({})) == (
        "Number overflow. Attempting to store a number with magnitude larger than supported range"
    )


def test_apply_leaves_the_input_alone() -> None:
    before = copy.deepcopy(ITEM)
    apply("SET m.x = :s, l[1] = :s REMOVE l[0] ADD ss :ss DELETE ns :ns")
    assert before == ITEM


def test_updated_paths() -> None:
    plan = parse_update("SET a.b = :s, c[1] = :s REMOVE d ADD a2 :one", ctx(VALUES))
    assert plan.updated_paths() == ["a", "c", "d", "a2"]
    assert plan.updated_attribute_names == ["a", "c", "d", "a2"]


def test_return_values_project_the_updated_paths() -> None:
    # Alternator's DynamoDB-verified test_update_item_returnvalues_nested.
    item: dict[str, Any] = {
        "p": {"S": "p"},
        "a": {"M": {"b": {"S": "dog"}, "c": {"L": [{"N": "1"}, {"N": "2"}, {"N": "3"}]}}},
    }

    def returned(
        expression: str, values: dict[str, Any] | None = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        plan = parse_update(expression, ctx(values))
        new = plan.apply(item)
        return plan.project_updated(item), plan.project_updated(new)

    old, new = returned("SET a.b = :v", {":v": {"S": "hi"}})
    assert old == {"a": {"M": {"b": {"S": "dog"}}}}
    assert new == {"a": {"M": {"b": {"S": "hi"}}}}
    old, new = returned("SET a.c[1] = :v, a.b = :w", {":v": {"N": "8"}, ":w": {"S": "x"}})
    assert old == {"a": {"M": {"c": {"L": [{"N": "2"}]}, "b": {"S": "dog"}}}}
    assert new == {"a": {"M": {"c": {"L": [{"N": "8"}]}, "b": {"S": "x"}}}}
    old, new = returned("SET a.x1 = :v", {":v": {"N": "8"}})
    assert old == {}
    assert new == {"a": {"M": {"x1": {"N": "8"}}}}
    _old, new = returned("SET a.c[100] = :v", {":v": {"N": "70"}})
    assert new == {}  # appended at the end, not at [100]
    old, new = returned("REMOVE a.c[1], a.c[3]")
    assert old == {"a": {"M": {"c": {"L": [{"N": "2"}]}}}}
    assert new == {"a": {"M": {"c": {"L": [{"N": "3"}]}}}}  # the old a.c[2] moved up
