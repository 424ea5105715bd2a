"""Syntax errors: the offending token and AWS's "near" window.

The expected texts are AWS's, as recorded by moto's tests (test_dynamodb_expressions.py,
test_dynamodb.py, test_dynamodb_table_with_range_key.py, test_dynamodb_exceptions.py), by
LowVoltage's integration tests against real DynamoDB, and by a June 2026 capture of live AWS.
"""

from __future__ import annotations

import pytest

from lakehose.services.dynamodb.expressions import (
    parse_condition,
    parse_key_condition,
    parse_projection,
    parse_update,
)
from tests.dynamodb.expressions.helpers import N, ctx, message_of

VALUES = {":val1": N, ":val2": N, ":_val": N, ":val2x": N}


def update_error(expression: str) -> str:
    return message_of(lambda: parse_update(expression, ctx(VALUES)))


@pytest.mark.parametrize(
    ("expression", "token", "near"),
    [
        ("SET attrName = 3", "3", "= 3"),
        ("SET attrName = 34", "34", "= 34"),
        ("SET MyStr[ 3", "<EOF>", "3"),
        ("SET MyStr[3 )", ")", "3 )"),
        ("SET MyStr[3)", ")", "3)"),
        ("SET 2", "2", "SET 2"),
        ("2", "2", "2"),
        ("SET )", ")", "SET )"),
        ("SET ) 3", ")", "SET ) 3"),
        ("SET MyStr[ 3 ", "<EOF>", "3 "),
        ("SET MyStr = (:_val", "<EOF>", ":_val"),
        ("SET MyStr = (:_val ", "<EOF>", ":_val "),
        ("SET MyStr = [:_val", "[", "= [:_val"),
        ("SET MyStr = [:_val  ", "[", "= [:_val"),
        ("SET MyStr = (:_val + (:val2", "<EOF>", ":val2"),
        ("SET MyStr = ):_val", ")", "= ):_val"),
        ("SET MyStr = ]:_val", "]", "= ]:_val"),
        ("SET MyStr = ):_val + :val2", ")", "= ):_val"),
        ("RESET NonExistent", "RESET", "RESET NonExistent"),
        ("RESET NonExistent value", "RESET", "RESET NonExistent"),
        ("  RESET NonExistent value", "RESET", "  RESET NonExistent"),
        ("RESET", "RESET", "RESET"),
        ("SET a[0].b = 5", "5", "= 5"),
        ("SET a [  2 ]. b = 5", "5", "= 5"),
        ("SET a [2][ 3  ]. b = 5", "5", "= 5"),
        ("SET a . b = 5", "5", "= 5"),
        ("SET a [  [2] ]. b = 5", "[", "[  [2"),
        ("SET a [2 1]. b = 5", "1", "2 1]"),
        ("SET #a a = 5", "a", "#a a ="),
        ("SET #a.a = 5", "5", "= 5"),
        ("SET MyStr = NoExist + + :_val ", "+", "+ + :_val"),
        ("SET MyStr = myNum + 1", "1", "+ 1"),
        ("SET MyStr = myNum Mystr2 myNum2", "Mystr2", "myNum Mystr2 myNum2"),
        ("ADD str_set bad_value", "bad_value", "str_set bad_value"),
        ("DELETE num_val badvalue", "badvalue", "num_val badvalue"),
        ("SET #attr1 = :val1, #attr2 = :val2,", "<EOF>", ","),
        ("INVALID SYNTAX", "INVALID", "INVALID SYNTAX"),
        ("SET a = :val1 + :val2 + :val1", "+", ":val2 + :val1"),
        ("SET a = b[-1]", "-", "[-1"),
        ("SET a = (b + c) + d", "+", ") + d"),
    ],
)
def test_update_syntax_errors(expression: str, token: str, near: str) -> None:
    names = {"#a": "a", "#attr1": "a1", "#attr2": "a2"}
    message = message_of(lambda: parse_update(expression, ctx(VALUES, names)))
    assert message == f'Invalid UpdateExpression: Syntax error; token: "{token}", near: "{near}"'


@pytest.mark.parametrize(
    ("expression", "token", "near"),
    [
        ("foo", "<EOF>", "foo"),
        ("a = ", "<EOF>", "= "),
        ("a == :val1", "=", "== :val1"),
        ("a = !!", "!", "= !!"),
        ("a = :val1 AND", "<EOF>", "AND"),
        ("a = :val1 b", "b", ":val1 b"),
        ("(a = :val1", "<EOF>", ":val1"),
        ("a = :val1)", ")", ":val1)"),
        ("a IN :val1", ":val1", "IN :val1"),
        ("a BETWEEN :val1 OR :val2", "OR", ":val1 OR :val2"),
        ("NOT", "<EOF>", "NOT"),
        ("a = # ", "#", "= # "),
        ("a = :", ":", "= :"),
        ('a = "s"', '"s"', '= "s"'),
        ("a.1 = :val1", "1", ".1 ="),
        ("a = size(", "<EOF>", "("),
        ("set = :val1", "set", "set ="),
    ],
)
def test_condition_syntax_errors(expression: str, token: str, near: str) -> None:
    message = message_of(lambda: parse_condition(expression, ctx(VALUES)))
    assert message == f'Invalid ConditionExpression: Syntax error; token: "{token}", near: "{near}"'


def test_labels_name_the_parameter() -> None:
    assert message_of(lambda: parse_condition("a", ctx(), label="FilterExpression")) == (
        'Invalid FilterExpression: Syntax error; token: "<EOF>", near: "a"'
    )
    assert message_of(lambda: parse_projection("a,", ctx())) == (
        'Invalid ProjectionExpression: Syntax error; token: "<EOF>", near: ","'
    )
    assert message_of(lambda: parse_projection(":v", ctx())) == (
        'Invalid ProjectionExpression: Syntax error; token: ":v", near: ":v"'
    )
    assert message_of(
        lambda: parse_key_condition("pk=:val1 AND begins_with sk, :val2 ", ctx(VALUES))
    ) == ('Invalid KeyConditionExpression: Syntax error; token: "sk", near: "begins_with sk,"')


@pytest.mark.parametrize(
    "parse",
    [
        lambda: parse_condition("", ctx()),
        lambda: parse_update("", ctx()),
        lambda: parse_projection("", ctx()),
        lambda: parse_key_condition("", ctx()),
    ],
)
def test_empty_expressions(parse: object) -> None:
    assert callable(parse)
    assert message_of(parse).endswith(": The expression can not be empty;")


def test_empty_expression_messages_name_the_parameter() -> None:
    assert message_of(lambda: parse_update("", ctx())) == (
        "Invalid UpdateExpression: The expression can not be empty;"
    )
    assert message_of(lambda: parse_condition("", ctx(), label="FilterExpression")) == (
        "Invalid FilterExpression: The expression can not be empty;"
    )


def test_expressions_over_4_kb_are_rejected() -> None:
    long = " AND ".join(f"a{i} = :val1" for i in range(400))
    size = len(long)
    assert size > 4096
    assert message_of(lambda: parse_condition(long, ctx(VALUES))) == (
        "Invalid ConditionExpression: Expression size has exceeded the maximum allowed size; "
        f"expression size: {size}"
    )


@pytest.mark.parametrize(
    "expression",
    [
        "((a < b))",
        "((((a < b))))",
        "((a = b) AND ((c = d)))",
        "((a)) = b",
        "NOT ((a = b))",
    ],
)
def test_redundant_parentheses(expression: str) -> None:
    assert message_of(lambda: parse_condition(expression, ctx())) == (
        "Invalid ConditionExpression: The expression has redundant parentheses;"
    )


@pytest.mark.parametrize(
    "expression",
    [
        "#a = :b OR (#c = :d AND #e = :f)",
        "(attribute_exists (#0)) AND (((#1 <> :0) AND (#1 <> :1)) AND (#2 = :3))",
        "((#a = :b) OR (#c = :d) AND (#e = :f))",
        "(#a) = :b",
        "(size(#a)) > :b",
        "(#a) BETWEEN :b AND :d",
        "(#a) IN (:b, (:d))",
    ],
)
def test_needed_parentheses_are_accepted(expression: str) -> None:
    names = {f"#{n}": f"n{n}" for n in "ace012"}
    values = {f":{v}": N for v in "bdf013"}
    parse_condition(expression, ctx(values, names))


def test_redundant_parentheses_in_update_values() -> None:
    assert message_of(lambda: parse_update("SET a = ((b + :val1))", ctx(VALUES))) == (
        "Invalid UpdateExpression: The expression has redundant parentheses;"
    )
    parse_update("SET a = (b + :val1), c = (:val1), d = (b) - (:val1)", ctx(VALUES))
