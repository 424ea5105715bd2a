"""Key conditions for Query: KeyConditionExpression (and legacy KeyConditions).

A key condition is one equality on the partition key, optionally AND one condition on the sort
key (``= < <= > >= BETWEEN begins_with``). Parsing checks the shape against AWS's rules (messages
as dynalite's ``convertKeyCondition`` records them, prefixed ``Invalid KeyConditionExpression:``
as AWS sends them); ``bind`` then checks it against the table's or index's key schema.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from lakehose.errors import ValidationException
from lakehose.services.dynamodb.attributes import AttributeValue, type_of
from lakehose.services.dynamodb.expressions.condition import parse_condition_tree
from lakehose.services.dynamodb.expressions.context import ExpressionContext
from lakehose.services.dynamodb.expressions.evaluate import begins_with, between, ordered
from lakehose.services.dynamodb.expressions.nodes import (
    And,
    Between,
    Call,
    Comparison,
    CondNode,
    FunctionCondition,
    In,
    Not,
    Operand,
    Or,
    Path,
    Value,
)
from lakehose.services.dynamodb.expressions.tokenizer import invalid

LABEL = "KeyConditionExpression"
# Legacy ComparisonOperators a key condition cannot use; bind() rejects them.
NOT_INDEXABLE = frozenset({"NE", "NULL", "NOT_NULL", "CONTAINS", "NOT_CONTAINS", "IN"})
_BAD_CONDITION = "Invalid condition in KeyConditionExpression: "
_FLIPPED = {"=": "=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


@dataclass(frozen=True)
class KeyTerm:
    """One key attribute's condition: an operator and its values."""

    attribute: str
    op: str  # = < <= > >= BETWEEN begins_with, or a legacy NOT_INDEXABLE operator
    values: tuple[AttributeValue, ...]


@dataclass(frozen=True)
class BoundKeyCondition:
    """A key condition checked against a key schema: what a Query reads."""

    hash_key: str
    hash_value: AttributeValue
    range_key: str | None
    range: tuple[str, list[AttributeValue]] | None

    def matches_range(self, value: AttributeValue | None) -> bool:
        """Whether an item's sort-key value satisfies the sort-key condition."""
        if self.range is None:
            return True
        op, values = self.range
        if op == "BETWEEN":
            return between(value, values[0], values[1])
        if op == "begins_with":
            return begins_with(value, values[0])
        return value is not None and ordered(op, value, values[0])


@dataclass(frozen=True)
class KeyCondition:
    """A parsed key condition, not yet tied to a schema."""

    terms: tuple[KeyTerm, ...]

    def bind(
        self,
        hash_key: str,
        range_key: str | None,
        *,
        hash_type: str | None = None,
        range_type: str | None = None,
    ) -> BoundKeyCondition:
        """Check the condition against a key schema, with AWS's Query messages.

        With the key types given, a value of another type is rejected as AWS rejects it.
        """
        by_name = {term.attribute: term for term in self.terms}
        key_count = 2 if range_key else 1
        if len(self.terms) > key_count:
            raise ValidationException(
                f"The number of query conditions ({len(self.terms)}) exceeds the number of key "
                f"attributes defined in the schema ({key_count})"
            )
        if hash_key not in by_name:
            raise ValidationException(f"Query condition missed key schema element: {hash_key}")
        if len(self.terms) == 2 and (range_key is None or range_key not in by_name):
            raise ValidationException(f"Query condition missed key schema element: {range_key}")
        hash_term = by_name[hash_key]
        range_term = by_name.get(range_key) if range_key else None
        for term, key_type in ((hash_term, hash_type), (range_term, range_type)):
            if term is None:
                continue
            if term.op in NOT_INDEXABLE:
                raise ValidationException(
                    "Attempted conditional constraint is not an indexable operation"
                )
            if key_type is not None and any(type_of(v) != key_type for v in term.values):
                raise ValidationException(
                    "One or more parameter values were invalid: "
                    "Condition parameter type does not match schema type"
                )
        if hash_term.op != "=":
            raise ValidationException("Query key condition not supported")
        return BoundKeyCondition(
            hash_key=hash_key,
            hash_value=hash_term.values[0],
            range_key=range_key,
            range=(range_term.op, list(range_term.values)) if range_term else None,
        )


def _leaves(node: CondNode) -> list[CondNode]:
    """The conditions joined by AND, rejecting every other connective (as AWS does, outermost
    first)."""
    if isinstance(node, Or | Not):
        raise invalid(
            LABEL, f"Invalid operator used in KeyConditionExpression: {type(node).__name__.upper()}"
        )
    if isinstance(node, And):
        return _leaves(node.left) + _leaves(node.right)
    return [node]


def _term(node: CondNode) -> KeyTerm:
    def fail(message: str) -> ValidationException:
        return invalid(LABEL, message)

    if isinstance(node, In) or (isinstance(node, Comparison) and node.op == "<>"):
        op = "IN" if isinstance(node, In) else "<>"
        raise fail(f"Invalid operator used in KeyConditionExpression: {op}")
    if isinstance(node, FunctionCondition) and node.call.name != "begins_with":
        raise fail(f"Invalid operator used in KeyConditionExpression: {node.call.name}")
    operands: tuple[Operand, ...]
    if isinstance(node, FunctionCondition):
        operands, op = node.call.args, "begins_with"
    elif isinstance(node, Between):
        operands, op = (node.subject, node.low, node.high), "BETWEEN"
    else:
        assert isinstance(node, Comparison)
        operands, op = (node.left, node.right), node.op
    if any(isinstance(operand, Call) for operand in operands):
        raise fail("KeyConditionExpressions cannot contain nested operations")
    if op in ("BETWEEN", "begins_with") and not isinstance(operands[0], Path):
        raise fail(
            f"{_BAD_CONDITION}{op} operator must have the key attribute as its first operand"
        )
    paths = [index for index, operand in enumerate(operands) if isinstance(operand, Path)]
    if len(paths) > 1:
        raise fail(f"{_BAD_CONDITION}Multiple attribute names used in one condition")
    if not paths:
        raise fail(f"{_BAD_CONDITION}No key attribute specified")
    path = operands[paths[0]]
    assert isinstance(path, Path)
    if len(path.elements) > 1:
        raise fail("KeyConditionExpressions cannot have conditions on nested attributes")
    values = [operand for operand in operands if isinstance(operand, Value)]
    if paths[0] != 0:  # ":v < k" reads as "k > :v"
        op = _FLIPPED[op]
    return KeyTerm(path.head, op, tuple(v.value for v in values if v.value is not None))


def _distinct(terms: Iterable[KeyTerm]) -> tuple[KeyTerm, ...]:
    """The terms, rejecting a second one on the same attribute as soon as it is met."""
    seen: dict[str, KeyTerm] = {}
    for term in terms:
        if term.attribute in seen:
            raise invalid(LABEL, "KeyConditionExpressions must only contain one condition per key")
        seen[term.attribute] = term
    return tuple(seen.values())


def parse_key_condition(text: str, ctx: ExpressionContext) -> KeyCondition:
    """A KeyConditionExpression: a condition first, then the key-condition shape rules."""
    root = parse_condition_tree(text, ctx, LABEL)
    return KeyCondition(_distinct(_term(leaf) for leaf in _leaves(root)))
