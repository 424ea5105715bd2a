"""A request's expressions, parsed once: the modern parameters or the legacy ones, never both.

Each operation names which of its members are expressions and which are their legacy
counterparts. ``parse_request`` applies AWS's rules about mixing them (dynalite's
``validateExpressionParams``, messages verified against AWS), parses every expression with one
``ExpressionContext``, and finally rejects names and values no expression used.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from lakehose.services.dynamodb import expressions as ex
from lakehose.services.dynamodb.errors import ValidationException

ALL_OLD_OR_NONE = ("NONE", "ALL_OLD")


@dataclass(frozen=True)
class Parsed:
    """The parsed forms; ``None`` where the request has neither kind of parameter."""

    condition: ex.Condition | None = None
    update: ex.UpdatePlan | None = None
    key_condition: ex.KeyCondition | None = None
    filter: ex.Condition | None = None
    projection: ex.Projection | None = None


@dataclass(frozen=True)
class Request:
    """The expression-related members of one request, by their AWS names."""

    condition_expression: str | None = None
    update_expression: str | None = None
    key_condition_expression: str | None = None
    filter_expression: str | None = None
    projection_expression: str | None = None
    names: Mapping[str, str] | None = None
    values: Mapping[str, Any] | None = None
    expected: Mapping[str, Any] | None = None
    attribute_updates: Mapping[str, Any] | None = None
    key_conditions: Mapping[str, Any] | None = None
    query_filter: Mapping[str, Any] | None = None
    scan_filter: Mapping[str, Any] | None = None
    attributes_to_get: Sequence[str] | None = None
    conditional_operator: str | None = None


_EXPRESSIONS = (
    ("UpdateExpression", "update_expression"),
    ("ConditionExpression", "condition_expression"),
    ("KeyConditionExpression", "key_condition_expression"),
    ("FilterExpression", "filter_expression"),
    ("ProjectionExpression", "projection_expression"),
)
_LEGACY = (
    ("AttributesToGet", "attributes_to_get"),
    ("AttributeUpdates", "attribute_updates"),
    ("Expected", "expected"),
    ("QueryFilter", "query_filter"),
    ("ScanFilter", "scan_filter"),
    ("ConditionalOperator", "conditional_operator"),
    ("KeyConditions", "key_conditions"),
)


def parse_request(request: Request, expressions: Sequence[str], legacy: Sequence[str]) -> Parsed:
    """Parse ``request``'s members named in ``expressions`` (AWS names) and their ``legacy``."""
    _check_mix(request, expressions, legacy)
    # AWS rejects an empty (or oversized) expression before parsing any of them.
    for label, field in _EXPRESSIONS:
        if (text := getattr(request, field)) is not None:
            ex.precheck(text, label)
    context = ex.ExpressionContext(request.names, request.values)
    update = (
        ex.parse_update(request.update_expression, context)
        if request.update_expression is not None
        else None
    )
    condition = (
        ex.parse_condition(request.condition_expression, context)
        if request.condition_expression is not None
        else None
    )
    key_condition = (
        ex.parse_key_condition(request.key_condition_expression, context)
        if request.key_condition_expression is not None
        else None
    )
    filter_ = (
        ex.parse_condition(request.filter_expression, context, label="FilterExpression")
        if request.filter_expression is not None
        else None
    )
    projection = (
        ex.parse_projection(request.projection_expression, context)
        if request.projection_expression is not None
        else None
    )
    context.check_unused()
    operator = request.conditional_operator
    if request.attribute_updates is not None:
        update = ex.update_from_attribute_updates(request.attribute_updates)
    if request.expected is not None:
        condition = ex.condition_from_expected(request.expected, operator)
    if request.key_conditions is not None and key_condition is None:
        key_condition = ex.key_condition_from_legacy(request.key_conditions)
    legacy_filter = (
        request.query_filter if request.query_filter is not None else request.scan_filter
    )
    if legacy_filter is not None:
        filter_ = ex.condition_from_filter(legacy_filter, operator)
    if request.attributes_to_get is not None:
        _check_distinct(request.attributes_to_get)
        projection = ex.projection_from_attributes_to_get(request.attributes_to_get)
    return Parsed(condition, update, key_condition, filter_, projection)


def _check_mix(request: Request, expressions: Sequence[str], legacy: Sequence[str]) -> None:
    given_expressions = [
        name
        for name, field in _EXPRESSIONS
        if name in expressions and getattr(request, field) is not None
    ]
    given_legacy = [
        name for name, field in _LEGACY if name in legacy and getattr(request, field) is not None
    ]
    if given_expressions:
        if request.key_conditions is not None and request.key_condition_expression is None:
            # KeyConditions may accompany a FilterExpression or ProjectionExpression.
            given_legacy = [name for name in given_legacy if name != "KeyConditions"]
        if given_legacy:
            raise ValidationException(
                "Can not use both expression and non-expression parameters in the same request: "
                f"Non-expression parameters: {{{', '.join(given_legacy)}}} "
                f"Expression parameters: {{{', '.join(given_expressions)}}}"
            )
    if request.names is not None and not given_expressions:
        raise ValidationException(
            "ExpressionAttributeNames can only be specified when using expressions"
        )
    value_expressions = [name for name in expressions if name != "ProjectionExpression"]
    if (
        request.values is not None
        and value_expressions
        and not any(name in given_expressions for name in value_expressions)
    ):
        verb = "are" if len(value_expressions) > 1 else "is"
        raise ValidationException(
            "ExpressionAttributeValues can only be specified when using expressions: "
            f"{' and '.join(value_expressions)} {verb} null"
        )


def _check_distinct(names: Sequence[str]) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ValidationException(
                "One or more parameter values were invalid: Duplicate value in attribute name: "
                f"{name}"
            )
        seen.add(name)


def check_return_values(value: str | None, allowed: Sequence[str]) -> str:
    """``ReturnValues`` (default NONE), refused when the operation does not offer it."""
    chosen = value or "NONE"
    if chosen not in allowed:
        raise ValidationException("Return values set to invalid value")
    return chosen


@contextmanager
def coral_validation() -> Iterator[None]:
    """Report a request's own validation errors as AWS's front end does for item writes.

    PutItem, UpdateItem and DeleteItem answer the errors of their expressions and attribute
    values with Coral's "1 validation error detected: " prefix (moto's AWS-verified tests record
    it); checks that need the table (keys, conditions) keep the plain message.
    """
    try:
        yield
    except ValidationException as error:
        raise ValidationException(f"1 validation error detected: {error.message}") from None
