"""Condition expressions: AWS's static error messages and the order AWS reports them in."""

from __future__ import annotations

import pytest

from lakehose.services.dynamodb.expressions import RESERVED_WORDS, is_reserved, parse_condition
from tests.dynamodb.expressions.helpers import N, S, ctx, message_of

PREFIX = "Invalid ConditionExpression: "
OPERAND_TYPE = "Incorrect operand type for operator or function; operator or function: "
VALUES = {
    ":s": S,
    ":n": N,
    ":b": {"B": b"x"},
    ":null": {"NULL": True},
    ":bool": {"BOOL": True},
    ":l": {"L": []},
    ":m": {"M": {}},
    ":ss": {"SS": ["a"]},
    ":t": {"S": "SS"},
    ":bad": {"S": "STRING"},
    ":n10": {"N": "10"},
}


def error(expression: str, names: dict[str, str] | None = None) -> str:
    message = message_of(lambda: parse_condition(expression, ctx(VALUES, names)))
    assert message.startswith(PREFIX)
    return message[len(PREFIX) :]


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("end = :s", "Attribute name is a reserved keyword; reserved keyword: end"),
        ("a.Comment = :s", "Attribute name is a reserved keyword; reserved keyword: Comment"),
        ("foo(a)", "Invalid function name; function: foo"),
        ("BEGINS_WITH(a, :s)", "Invalid function name; function: BEGINS_WITH"),
        (
            "if_not_exists(a, :s) = :s",
            "The function is not allowed in a condition expression; function: if_not_exists",
        ),
        (
            "list_append(a, :l) = :l",
            "The function is not allowed in a condition expression; function: list_append",
        ),
        (
            "attribute_exists(a) = :s",
            "The function is not allowed to be used this way in an expression; "
            "function: attribute_exists",
        ),
        (
            "size(a)",
            "The function is not allowed to be used this way in an expression; function: size",
        ),
        (
            "begins_with(contains(a, :s), :s)",
            "The function is not allowed to be used this way in an expression; function: contains",
        ),
        (
            "#x = :s",
            "An expression attribute name used in the document path is not defined; "
            "attribute name: #x",
        ),
        (
            "a = :nope",
            "An expression attribute value used in expression is not defined; "
            "attribute value: :nope",
        ),
        (
            "attribute_exists(a, b)",
            "Incorrect number of operands for operator or function; "
            "operator or function: attribute_exists, number of operands: 2",
        ),
        (
            "begins_with(a)",
            "Incorrect number of operands for operator or function; "
            "operator or function: begins_with, number of operands: 1",
        ),
        (
            "attribute_exists(:s)",
            "Operator or function requires a document path; operator or function: attribute_exists",
        ),
        (
            "attribute_not_exists(size(a))",
            "Operator or function requires a document path; "
            "operator or function: attribute_not_exists",
        ),
        ("begins_with(a, :n)", OPERAND_TYPE + "begins_with, operand type: N"),
        ("begins_with(:ss, a)", OPERAND_TYPE + "begins_with, operand type: SS"),
        ("begins_with(a, size(b))", OPERAND_TYPE + "begins_with, operand type: N"),
        ("attribute_type(a, :n)", OPERAND_TYPE + "attribute_type, operand type: N"),
        (
            "attribute_type(a, b)",
            OPERAND_TYPE + "attribute_type, operand type: {NS,SS,L,BS,N,M,B,BOOL,NULL,S}",
        ),
        (
            "attribute_type(a, :bad)",
            "Invalid attribute type name found; type: STRING, "
            "valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}",
        ),
        ("size(:n) = :n", OPERAND_TYPE + "size, operand type: N"),
        ("size(:bool) = :n", OPERAND_TYPE + "size, operand type: BOOL"),
        ("size(size(a)) = :n", OPERAND_TYPE + "size, operand type: N"),
        ("a < :bool", OPERAND_TYPE + "<, operand type: BOOL"),
        ("a >= :l", OPERAND_TYPE + ">=, operand type: L"),
        ("a BETWEEN :null AND :n", OPERAND_TYPE + "BETWEEN, operand type: NULL"),
        ("a BETWEEN :l AND :l", OPERAND_TYPE + "BETWEEN, operand type: L"),
        ("a BETWEEN :m AND :m", OPERAND_TYPE + "BETWEEN, operand type: M"),
        ("a BETWEEN :n AND :null", OPERAND_TYPE + "BETWEEN, operand type: NULL"),
        (
            "a BETWEEN :n AND :s",
            "The BETWEEN operator requires same data type for lower and upper bounds; "
            "lower bound operand: AttributeValue: {N:1}, "
            "upper bound operand: AttributeValue: {S:x}",
        ),
        (
            "a BETWEEN :n10 AND :n",
            "The BETWEEN operator requires upper bound to be greater than or equal to lower "
            "bound; lower bound operand: AttributeValue: {N:10}, "
            "upper bound operand: AttributeValue: {N:1}",
        ),
        (
            "contains(#d, #d)",
            "The first operand must be distinct from the remaining operands for this operator or "
            "function; operator: contains, first operand: [data]",
        ),
        (
            "a.b[1] = a.b[1]",
            "The first operand must be distinct from the remaining operands for this operator or "
            "function; operator: =, first operand: [a, b, [1]]",
        ),
        (
            "a IN (:s, a)",
            "The first operand must be distinct from the remaining operands for this operator or "
            "function; operator: IN, first operand: [a]",
        ),
    ],
)
def test_condition_errors(expression: str, message: str) -> None:
    assert error(expression, {"#d": "data"}) == message


def test_in_takes_at_most_100_operands() -> None:
    hundred = ", ".join([":s"] * 100)
    parse_condition(f"a IN ({hundred})", ctx({":s": S}))
    assert error(f"a IN ({hundred}, :s)") == (
        "The IN operator is provided with too many operands; number of operands: 101"
    )


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        # An unknown function is reported before a misused one, before a reserved word, before
        # an undefined reference, before operand problems (dynalite's checkErrors order).
        ("end = :nope AND foo(a)", "Invalid function name; function: foo"),
        (
            "end = :nope AND attribute_exists(a) = :s",
            "The function is not allowed to be used this way in an expression; "
            "function: attribute_exists",
        ),
        (
            "begins_with(a, :n) AND #x = :nope AND end = :s",
            "Attribute name is a reserved keyword; reserved keyword: end",
        ),
        (
            "begins_with(a, :n) AND a = :nope",
            "An expression attribute value used in expression is not defined; "
            "attribute value: :nope",
        ),
        # Within a category the first problem in the text wins.
        ("zone = :s AND year = :s", "Attribute name is a reserved keyword; reserved keyword: zone"),
    ],
)
def test_error_precedence(expression: str, message: str) -> None:
    assert error(expression) == message


def test_syntax_errors_come_before_everything_else() -> None:
    assert error("end = :nope AND foo(a) b") == 'Syntax error; token: "b", near: ") b"'


def test_reserved_words() -> None:
    assert len(RESERVED_WORDS) == 573
    for word in ("comment", "Name", "DATA", "size", "ttl", "Zone"):
        assert is_reserved(word)
    for word in ("REMOVE", "pk", "createdAt", "heartrate"):
        assert not is_reserved(word)


def test_reserved_words_through_aliases_are_fine() -> None:
    parse_condition("#c = :s", ctx({":s": S}, {"#c": "Comment"}))
