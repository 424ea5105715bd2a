"""The legacy parameters, translated into the objects the expressions parse into.

Expected, QueryFilter / ScanFilter (with ConditionalOperator), KeyConditions, AttributeUpdates and
AttributesToGet name attributes literally (no ``#`` aliases, no nesting). Their validation
messages are AWS's as dynalite records them (``validateAttributeConditions``,
``validateConditions`` and the UpdateItem / GetItem validations).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from lakehose.errors import ValidationException
from lakehose.services.dynamodb.attributes import (
    AttributeValue,
    compare_values,
    type_of,
    validate_value,
)
from lakehose.services.dynamodb.expressions.condition import Condition
from lakehose.services.dynamodb.expressions.key_condition import KeyCondition, KeyTerm
from lakehose.services.dynamodb.expressions.nodes import (
    And,
    Between,
    Call,
    Comparison,
    CondNode,
    FunctionCondition,
    In,
    Not,
    Or,
    Path,
    UpdateAction,
    Value,
)
from lakehose.services.dynamodb.expressions.projection import Projection
from lakehose.services.dynamodb.expressions.update import UpdatePlan

_INVALID = "One or more parameter values were invalid: "
_ANY_COUNT = -1  # IN takes one or more values
_ARITY = {"NULL": 0, "NOT_NULL": 0, "BETWEEN": 2, "IN": _ANY_COUNT}  # every other operator: 1
_SCALAR = ("S", "N", "B")
# EQ and NE are "supported for all data types, including lists and maps" (the API reference's
# Condition); every other operator that takes values compares S, N or B.
_EVERY_TYPE = (*_SCALAR, "SS", "NS", "BS", "L", "M", "BOOL", "NULL")
_FILTER_TYPES = {"EQ": _EVERY_TYPE, "NE": _EVERY_TYPE, "BEGINS_WITH": ("S", "B")}
_COMPARATORS = {"EQ": "=", "NE": "<>", "LT": "<", "LE": "<=", "GT": ">", "GE": ">="}
# What a key condition may use; the others stay as they are for bind() to reject.
_KEY_OPERATORS = {
    **{op: symbol for op, symbol in _COMPARATORS.items() if op != "NE"},
    "BEGINS_WITH": "begins_with",
    "BETWEEN": "BETWEEN",
}
_OPERATORS = frozenset({*_COMPARATORS, *_KEY_OPERATORS, *_ARITY, "CONTAINS", "NOT_CONTAINS"})


def _arity_ok(op: str, count: int) -> bool:
    expected = _ARITY.get(op, 1)
    return count > 0 if expected == _ANY_COUNT else count == expected


def _check_values(op: str, values: list[AttributeValue], *, check_types: bool) -> None:
    """Arity, same-type, per-operator type and BETWEEN-order checks of one condition."""
    if op not in _OPERATORS:  # the gateway's enum validation normally stops these first
        raise ValidationException(f"{_INVALID}Invalid ComparisonOperator: {op}")
    if not _arity_ok(op, len(values)):
        raise ValidationException(
            f"{_INVALID}Invalid number of argument(s) for the {op} ComparisonOperator"
        )
    if len({type_of(value) for value in values}) > 1:
        raise ValidationException(
            f"{_INVALID}AttributeValues inside AttributeValueList must be of same type"
        )
    if check_types:
        allowed = _FILTER_TYPES.get(op, _SCALAR)
        for value in values:
            if type_of(value) not in allowed:
                raise ValidationException(
                    f"{_INVALID}ComparisonOperator {op} is not valid for {type_of(value)} "
                    "AttributeValue type"
                )
    ordered = type_of(values[0]) in _SCALAR if values else False
    if op == "BETWEEN" and ordered and compare_values(values[0], values[1]) > 0:
        raise ValidationException(
            "The BETWEEN condition was provided a range where the lower bound is greater than "
            "the upper bound"
        )


def _node(name: str, op: str, values: list[AttributeValue]) -> CondNode:
    path = Path.of(name)
    operands = [Value("", value) for value in values]
    if op in _COMPARATORS:
        return Comparison(_COMPARATORS[op], path, operands[0])
    if op in ("NULL", "NOT_NULL"):
        function = "attribute_not_exists" if op == "NULL" else "attribute_exists"
        return FunctionCondition(Call(function, (path,)))
    if op == "IN":
        return In(path, tuple(operands))
    if op == "BETWEEN":
        return Between(path, operands[0], operands[1])
    if op == "BEGINS_WITH":
        return FunctionCondition(Call("begins_with", (path, operands[0])))
    contains = FunctionCondition(Call("contains", (path, operands[0])))
    if op == "CONTAINS":
        return contains
    # NOT_CONTAINS is false for a missing attribute (ScyllaDB Alternator's DynamoDB-verified
    # behaviour), unlike NOT contains(...) in an expression.
    return And(FunctionCondition(Call("attribute_exists", (path,))), Not(contains))


def _combine(nodes: list[CondNode], operator: str | None) -> Condition:
    if not nodes:
        return Condition(None)
    root = nodes[0]
    for node in nodes[1:]:
        root = Or(root, node) if operator == "OR" else And(root, node)
    return Condition(root)


def _values(condition: Mapping[str, Any]) -> list[AttributeValue]:
    values = list(condition.get("AttributeValueList") or [])
    if not values and condition.get("Value") is not None:
        values = [condition["Value"]]
    for value in values:
        validate_value(value)
    return values


def condition_from_filter(filter: Mapping[str, Any], operator: str | None) -> Condition:
    """QueryFilter / ScanFilter with its ConditionalOperator (AND when absent)."""
    nodes = []
    for name, condition in filter.items():
        op = condition.get("ComparisonOperator")
        values = _values(condition)
        _check_values(op, values, check_types=True)
        nodes.append(_node(name, op, values))
    return _combine(nodes, operator)


def _expected_node(name: str, condition: Mapping[str, Any]) -> CondNode:
    def fail(detail: str) -> ValidationException:
        return ValidationException(f"{_INVALID}{detail} for Attribute: {name}")

    if "AttributeValueList" in condition and "Value" in condition:
        raise fail("Value and AttributeValueList cannot be used together")
    values = _values(condition)
    op = condition.get("ComparisonOperator")
    if op is not None:
        if "Exists" in condition:
            raise fail("Exists and ComparisonOperator cannot be used together")
        if op not in ("NULL", "NOT_NULL") and not values:
            raise fail(f"Value or AttributeValueList must be used with ComparisonOperator: {op}")
        _check_values(op, values, check_types=True)
        return _node(name, op, values)
    if "AttributeValueList" in condition:
        raise fail("AttributeValueList can only be used with a ComparisonOperator")
    exists = condition.get("Exists")
    if exists is None or exists:
        if not values:
            shown = "null" if exists is None else "true"
            raise fail(f"Value must be provided when Exists is {shown}")
        return _node(name, "EQ", values)
    if values:
        raise fail("Value cannot be used when Exists is false")
    return _node(name, "NULL", [])


def condition_from_expected(expected: Mapping[str, Any], operator: str | None) -> Condition:
    """Expected (PutItem / UpdateItem / DeleteItem) with its ConditionalOperator."""
    return _combine([_expected_node(name, c) for name, c in expected.items()], operator)


def key_condition_from_legacy(key_conditions: Mapping[str, Any]) -> KeyCondition:
    """Query's KeyConditions; ``KeyCondition.bind`` then checks it against the schema."""
    terms = []
    for name, condition in key_conditions.items():
        op = condition.get("ComparisonOperator")
        values = _values(condition)
        _check_values(op, values, check_types=True)
        terms.append(KeyTerm(name, _KEY_OPERATORS.get(op, op), tuple(values)))
    if len(terms) not in (1, 2):
        raise ValidationException("Conditions can be of length 1 or 2 only")
    return KeyCondition(tuple(terms))


def _update_action(name: str, update: Mapping[str, Any]) -> UpdateAction:
    action = update.get("Action") or "PUT"
    value = update.get("Value")
    path = Path.of(name)
    if value is None:
        if action != "DELETE":
            raise ValidationException(
                f"{_INVALID}Only DELETE action is allowed when no attribute value is specified"
            )
        return UpdateAction("REMOVE", path, legacy=True)
    validate_value(value)
    kind = type_of(value)
    operand = Value("", value)
    if action == "DELETE":
        if kind not in ("SS", "NS", "BS"):
            raise ValidationException(
                f"{_INVALID}DELETE action with value is not supported for the type {kind}"
            )
        return UpdateAction("DELETE", path, operand, legacy=True)
    if action == "ADD":
        if kind not in ("L", "SS", "NS", "BS", "N"):
            raise ValidationException(f"{_INVALID}ADD action is not supported for the type {kind}")
        return UpdateAction("APPEND" if kind == "L" else "ADD", path, operand, legacy=True)
    return UpdateAction("SET", path, operand, legacy=True)


def update_from_attribute_updates(updates: Mapping[str, Any]) -> UpdatePlan:
    """AttributeUpdates (PUT / ADD / DELETE actions) as an update plan."""
    return UpdatePlan(tuple(_update_action(name, update) for name, update in updates.items()))


def projection_from_attributes_to_get(names: Sequence[str]) -> Projection:
    """AttributesToGet: top-level attribute names, taken literally."""
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ValidationException(f"{_INVALID}Duplicate value in attribute name: {name}")
        seen.add(name)
    return Projection(tuple(Path.of(name) for name in names))
