"""Static checks on a parsed expression: misused functions, operand counts and types, paths.

These are the checks AWS can make before reading any item, on literal values (``:v``) and on
function results whose type is known (``size`` is a number). A path's type is unknown until
evaluation, so paths never fail them. Messages are AWS's (DynamoDB Local's ``DbValidationError``
texts, formatted ``message; key: value, ...`` as its ``throwValidationError`` does; the argument
names are as dynalite's AWS-verified tests record them).
"""

from __future__ import annotations

import base64
from collections.abc import Iterable

from lakehose.services.dynamodb.attributes import TYPE_KEYS, compare_values, type_of
from lakehose.services.dynamodb.expressions.diagnostics import Diagnostics
from lakehose.services.dynamodb.expressions.nodes import (
    And,
    Arithmetic,
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
    SetValue,
    UpdateAction,
    Value,
)
from lakehose.services.dynamodb.expressions.parser import CONDITION_FUNCTIONS, UPDATE_FUNCTIONS

MAX_IN_OPERANDS = 100
_SCALARS = ("S", "N", "B")
_OPERAND_TYPE = "Incorrect operand type for operator or function"
# AWS's names of the types in ADD / DELETE operand errors.
_TYPE_WORDS = {
    "S": "STRING",
    "N": "NUMBER",
    "B": "BINARY",
    "NULL": "NULL",
    "BOOL": "BOOLEAN",
    "L": "LIST",
    "M": "MAP",
}


def static_type(operand: SetValue) -> str | None:
    """The type an operand is known to have before any item is read, if any."""
    if isinstance(operand, Value):
        return type_of(operand.value) if operand.value is not None else None
    if isinstance(operand, Arithmetic):
        return "N"
    if isinstance(operand, Call):
        if operand.name == "size":
            return "N"
        if operand.name == "list_append":
            return "L"
        if operand.name == "if_not_exists" and len(operand.args) == 2:
            return static_type(operand.args[1])
        return "BOOL" if operand.name in CONDITION_FUNCTIONS else None
    return None


def _operand_type_error(diagnostics: Diagnostics, operator: str, operand: SetValue) -> None:
    kind = static_type(operand)
    diagnostics.add(
        "operand", f"{_OPERAND_TYPE}; operator or function: {operator}, operand type: {kind}"
    )


def _require_types(
    diagnostics: Diagnostics, operator: str, operands: Iterable[SetValue], allowed: tuple[str, ...]
) -> None:
    for operand in operands:
        kind = static_type(operand)
        if kind is not None and kind not in allowed:
            _operand_type_error(diagnostics, operator, operand)
            return


def _check_distinct(diagnostics: Diagnostics, operator: str, operands: tuple[Operand, ...]) -> None:
    first = operands[0]
    if isinstance(first, Path) and any(
        isinstance(other, Path) and other.elements == first.elements for other in operands[1:]
    ):
        diagnostics.add(
            "operand",
            "The first operand must be distinct from the remaining operands for this operator "
            f"or function; operator: {operator}, first operand: {first.describe()}",
        )


# ------------------------------------------------------------------------------------ functions


def _check_call(diagnostics: Diagnostics, call: Call, *, nested_functions: bool) -> None:
    """Check ``call`` and, first, its arguments (AWS validates children before the operator)."""
    for arg in call.args:
        if isinstance(arg, Call):
            if not nested_functions and arg.name != "size":
                _misused(diagnostics, arg.name)
            _check_call(diagnostics, arg, nested_functions=nested_functions)
    arity = CONDITION_FUNCTIONS.get(call.name) or UPDATE_FUNCTIONS.get(call.name)
    if arity is None:
        return  # already reported as an invalid function name
    if len(call.args) != arity:
        diagnostics.add(
            "operand",
            "Incorrect number of operands for operator or function; "
            f"operator or function: {call.name}, number of operands: {len(call.args)}",
        )
        return
    if arity == 2:
        _check_distinct(diagnostics, call.name, call.args)
    first = call.args[0]
    if call.name in ("attribute_exists", "attribute_not_exists", "if_not_exists"):
        if not isinstance(first, Path):
            diagnostics.add(
                "operand",
                f"Operator or function requires a document path; operator or function: {call.name}",
            )
    elif call.name == "begins_with":
        _require_types(diagnostics, call.name, call.args, ("S", "B"))
    elif call.name == "size":
        if static_type(first) in ("N", "BOOL", "NULL"):
            _operand_type_error(diagnostics, call.name, first)
    elif call.name == "list_append":
        _require_types(diagnostics, call.name, call.args, ("L",))
    elif call.name == "attribute_type":
        _check_attribute_type(diagnostics, call.args[1])


def _check_attribute_type(diagnostics: Diagnostics, type_operand: Operand) -> None:
    kind = static_type(type_operand)
    if kind != "S":
        shown = kind or "{NS,SS,L,BS,N,M,B,BOOL,NULL,S}"
        diagnostics.add(
            "operand",
            f"{_OPERAND_TYPE}; operator or function: attribute_type, operand type: {shown}",
        )
    elif isinstance(type_operand, Value) and type_operand.value is not None:
        name = type_operand.value["S"]
        if name not in TYPE_KEYS:
            diagnostics.add(
                "operand",
                f"Invalid attribute type name found; type: {name}, "
                "valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}",
            )


def _misused(diagnostics: Diagnostics, name: str) -> None:
    diagnostics.add(
        "misuse",
        f"The function is not allowed to be used this way in an expression; function: {name}",
    )


# ------------------------------------------------------------------------------------ conditions


def _shown(value: Value) -> str:
    assert value.value is not None
    kind = type_of(value.value)
    content = value.value[kind]
    if isinstance(content, bytes):
        content = base64.b64encode(content).decode("ascii")
    return f"AttributeValue: {{{kind}:{content}}}"


def _check_between_bounds(diagnostics: Diagnostics, low: Operand, high: Operand) -> None:
    if not (isinstance(low, Value) and isinstance(high, Value)):
        return
    if low.value is None or high.value is None:
        return
    bounds = f"lower bound operand: {_shown(low)}, upper bound operand: {_shown(high)}"
    if type_of(low.value) != type_of(high.value):
        diagnostics.add(
            "operand",
            f"The BETWEEN operator requires same data type for lower and upper bounds; {bounds}",
        )
    elif type_of(low.value) in _SCALARS and compare_values(low.value, high.value) > 0:
        diagnostics.add(
            "operand",
            "The BETWEEN operator requires upper bound to be greater than or equal to lower "
            f"bound; {bounds}",
        )


def check_condition(diagnostics: Diagnostics, node: CondNode) -> None:
    """Record every static problem of a condition tree, in source order."""
    if isinstance(node, And | Or):
        check_condition(diagnostics, node.left)
        check_condition(diagnostics, node.right)
        return
    if isinstance(node, Not):
        check_condition(diagnostics, node.operand)
        return
    if isinstance(node, FunctionCondition):
        if node.call.name == "size":
            _misused(diagnostics, "size")
        _check_call(diagnostics, node.call, nested_functions=False)
        return
    operands = (
        (node.left, node.right)
        if isinstance(node, Comparison)
        else (node.subject, node.low, node.high)
        if isinstance(node, Between)
        else (node.subject, *node.options)
    )
    for operand in operands:
        if isinstance(operand, Call):
            if operand.name != "size":
                _misused(diagnostics, operand.name)
            _check_call(diagnostics, operand, nested_functions=False)
    if isinstance(node, Comparison):
        _check_distinct(diagnostics, node.op, operands)
        if node.op not in ("=", "<>"):
            _require_types(diagnostics, node.op, operands, _SCALARS)
    elif isinstance(node, Between):
        _require_types(diagnostics, "BETWEEN", operands, _SCALARS)
        _check_between_bounds(diagnostics, node.low, node.high)
    elif isinstance(node, In):
        _check_distinct(diagnostics, "IN", operands)
        if len(node.options) > MAX_IN_OPERANDS:
            diagnostics.add(
                "operand",
                "The IN operator is provided with too many operands; "
                f"number of operands: {len(node.options)}",
            )


# ---------------------------------------------------------------------------------------- update


def path_clash(first: Path, second: Path) -> str | None:
    """AWS's message when two paths of one update or projection overlap or conflict."""
    for a, b in zip(first.elements, second.elements, strict=False):
        if isinstance(a, int) != isinstance(b, int):
            relation = "conflict"
            break
        if a != b:
            return None
    else:
        relation = "overlap"
    return (
        f"Two document paths {relation} with each other; must remove or rewrite one of these "
        f"paths; path one: {first.describe()}, path two: {second.describe()}"
    )


def check_paths(diagnostics: Diagnostics, paths: list[Path]) -> None:
    for index, path in enumerate(paths):
        for earlier in paths[:index]:
            message = path_clash(earlier, path)
            if message:
                diagnostics.add("overlap", message)
                return


def _check_set_value(diagnostics: Diagnostics, value: SetValue) -> None:
    if isinstance(value, Arithmetic):
        for operand in (value.left, value.right):
            _check_set_value(diagnostics, operand)
        _require_types(diagnostics, value.op, (value.left, value.right), ("N",))
    elif isinstance(value, Call):
        _check_call(diagnostics, value, nested_functions=True)


def check_update(diagnostics: Diagnostics, actions: list[UpdateAction]) -> None:
    check_paths(diagnostics, [action.path for action in actions])
    for action in actions:
        if action.kind == "SET" and action.value is not None:
            _check_set_value(diagnostics, action.value)
        elif action.kind in ("ADD", "DELETE"):
            kind = static_type(action.value) if action.value is not None else None
            allowed = ("N", "SS", "NS", "BS") if action.kind == "ADD" else ("SS", "NS", "BS")
            if kind is not None and kind not in allowed:
                diagnostics.add(
                    "operand",
                    f"{_OPERAND_TYPE}; operator: {action.kind}, operand type: "
                    f"{_TYPE_WORDS[kind]}, typeSet: ALLOWED_FOR_{action.kind}_OPERAND",
                )
