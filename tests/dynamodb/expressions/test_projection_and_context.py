"""Projection expressions and the ExpressionAttributeNames / Values bookkeeping."""

from __future__ import annotations

from typing import Any

import pytest

from lakehose.services.dynamodb.expressions import (
    ExpressionContext,
    parse_condition,
    parse_projection,
    parse_update,
)
from tests.dynamodb.expressions.helpers import S, ctx, message_of

ITEM: dict[str, Any] = {
    "Id": {"S": "key1"},
    "RelatedIds": {"L": [{"S": "id1"}, {"S": "id2"}]},
    "Nested": {"L": [{"M": {"Value": {"S": "foo"}, "Extra": {"N": "1"}}}]},
    "doc": {"M": {"a": {"N": "1"}, "b": {"M": {"c": {"S": "x"}, "d": {"S": "y"}}}}},
    "list": {"L": [{"N": "0"}, {"N": "1"}, {"N": "2"}, {"N": "3"}]},
}
NAMES = {"#l": "list", "#v": "Value"}


@pytest.mark.parametrize(
    ("expression", "projected"),
    [
        # moto's test_projection_expression_accessing_list_elements
        ("Id, RelatedIds", {"Id": ITEM["Id"], "RelatedIds": ITEM["RelatedIds"]}),
        ("Id, RelatedIds[0]", {"Id": ITEM["Id"], "RelatedIds": {"L": [{"S": "id1"}]}}),
        ("Id, RelatedIds[1]", {"Id": ITEM["Id"], "RelatedIds": {"L": [{"S": "id2"}]}}),
        ("Id, RelatedIds[2]", {"Id": ITEM["Id"]}),
        ("RelatedIds[2]", {}),
        ("Nested[1].#v", {}),
        ("Nested[0].#v", {"Nested": {"L": [{"M": {"Value": {"S": "foo"}}}]}}),
        ("doc.b.c, doc.a", {"doc": {"M": {"b": {"M": {"c": {"S": "x"}}}, "a": {"N": "1"}}}}),
        ("#l[3], #l[1]", {"list": {"L": [{"N": "1"}, {"N": "3"}]}}),  # index order, compacted
        (
            "#l[2], Nested[0].Extra",
            {
                "list": {"L": [{"N": "2"}]},
                "Nested": {"L": [{"M": {"Extra": {"N": "1"}}}]},
            },
        ),
        ("doc.a.b, Id.x, RelatedIds[0].y", {}),
        ("absent", {}),
    ],
)
def test_projection(expression: str, projected: dict[str, Any]) -> None:
    assert parse_projection(expression, ctx(names=NAMES)).apply(ITEM) == projected


def test_projection_copies_values() -> None:
    projected = parse_projection("doc", ctx()).apply(ITEM)
    projected["doc"]["M"]["a"]["N"] = "changed"
    assert ITEM["doc"]["M"]["a"]["N"] == "1"


def test_projection_names() -> None:
    projection = parse_projection("doc.a, Id, doc.b, #l[0]", ctx(names={"#l": "list"}))
    assert projection.top_level_names() == ["doc", "Id", "list"]


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        (
            "body, subject, body",
            "Two document paths overlap with each other; must remove or rewrite one of these "
            "paths; path one: [body], path two: [body]",
        ),
        (
            "a.b, a",
            "Two document paths overlap with each other; must remove or rewrite one of these "
            "paths; path one: [a, b], path two: [a]",
        ),
        (
            "a[0], a.b",
            "Two document paths conflict with each other; must remove or rewrite one of these "
            "paths; path one: [a, [0]], path two: [a, b]",
        ),
        ("name", "Attribute name is a reserved keyword; reserved keyword: name"),
        (
            "#nope",
            "An expression attribute name used in the document path is not defined; "
            "attribute name: #nope",
        ),
        # reserved words come before undefined names, before overlaps
        ("a, a, #nope, name", "Attribute name is a reserved keyword; reserved keyword: name"),
        (
            "a, a, #nope",
            "An expression attribute name used in the document path is not defined; "
            "attribute name: #nope",
        ),
    ],
)
def test_projection_errors(expression: str, message: str) -> None:
    assert message_of(lambda: parse_projection(expression, ctx())) == (
        f"Invalid ProjectionExpression: {message}"
    )


def test_empty_maps_are_rejected() -> None:
    assert message_of(lambda: ExpressionContext({}, None)) == (
        "ExpressionAttributeNames must not be empty"
    )
    assert message_of(lambda: ExpressionContext(None, {})) == (
        "ExpressionAttributeValues must not be empty"
    )


def test_malformed_keys_and_values_are_rejected() -> None:
    assert message_of(lambda: ExpressionContext({"#a-b": "x"}, None)) == (
        'ExpressionAttributeNames contains invalid key: Syntax error; key: "#a-b"'
    )
    assert message_of(lambda: ExpressionContext({"a": "x"}, None)) == (
        'ExpressionAttributeNames contains invalid key: Syntax error; key: "a"'
    )
    assert message_of(lambda: ExpressionContext(None, {":a.b": S})) == (
        'ExpressionAttributeValues contains invalid key: Syntax error; key: ":a.b"'
    )
    assert message_of(lambda: ExpressionContext(None, {":v": {"NS": []}})) == (
        "One or more parameter values were invalid: An number set  may not be empty"
    )


def test_unused_names_then_values_are_reported() -> None:
    context = ExpressionContext(
        {"#count": "count", "#limit": "limit", "#x": "x"}, {":countChange": S, ":limit": S}
    )
    parse_update("SET spec.#limit = :limit", context)
    assert message_of(context.check_unused) == (
        "Value provided in ExpressionAttributeNames unused in expressions: keys: {#count, #x}"
    )
    context = ExpressionContext({"#limit": "limit"}, {":countChange": S, ":limit": S})
    parse_update("SET spec.#limit = :limit", context)
    assert message_of(context.check_unused) == (
        "Value provided in ExpressionAttributeValues unused in expressions: keys: {:countChange}"
    )


def test_use_is_tracked_across_expressions() -> None:
    context = ExpressionContext({"#limit": "limit", "#t": "test"}, {":t": S, ":limit": S})
    parse_update("SET spec.#limit = :limit", context)
    parse_condition("begins_with(#t, :t)", context)
    context.check_unused()


def test_undefined_references_per_expression_kind() -> None:
    assert message_of(
        lambda: parse_update("SET #c = :v", ExpressionContext({"#a": "a"}, None))
    ) == (
        "Invalid UpdateExpression: An expression attribute name used in the document path is "
        "not defined; attribute name: #c"
    )
    assert message_of(
        lambda: parse_condition(
            "a = :v", ExpressionContext(None, {":w": S}), label="FilterExpression"
        )
    ) == (
        "Invalid FilterExpression: An expression attribute value used in expression is not "
        "defined; attribute value: :v"
    )
