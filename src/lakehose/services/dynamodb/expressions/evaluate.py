"""Evaluating conditions against an item, with DynamoDB's semantics.

A condition never fails at run time: a missing attribute or a value of the wrong type makes a
comparison or function false (``<>`` true, since a missing value is unequal to anything), as
DynamoDB behaves (and as ScyllaDB Alternator's DynamoDB-verified tests record it).
"""

from __future__ import annotations

from lakehose.services.dynamodb.attributes import (
    SET_TYPES,
    AttributeValue,
    Item,
    compare_values,
    set_contains,
    type_of,
    values_equal,
)
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

_ORDERED = ("S", "N", "B")
_COMPARE = {
    "<": lambda order: order < 0,
    "<=": lambda order: order <= 0,
    ">": lambda order: order > 0,
    ">=": lambda order: order >= 0,
}


def resolve_path(item: Item, path: Path) -> AttributeValue | None:
    """The value at ``path`` in ``item`` (the item's own object, not a copy), or None."""
    value = item.get(path.head)
    for element in path.elements[1:]:
        if value is None:
            return None
        if isinstance(element, int):
            members = value.get("L")
            value = members[element] if members is not None and element < len(members) else None
        else:
            fields = value.get("M")
            value = fields.get(element) if fields is not None else None
    return value


def _size(value: AttributeValue | None) -> AttributeValue | None:
    if value is None:
        return None
    kind = type_of(value)
    content = value[kind]
    if kind == "S":
        # DynamoDB measures strings in UTF-16 code units (verified against AWS by ExtendDB #67).
        length = len(content.encode("utf-16-le")) // 2
    elif kind in ("B", "L", "M") or kind in SET_TYPES:
        length = len(content)
    else:
        return None  # N, BOOL and NULL have no size: comparisons with it are false
    return {"N": str(length)}


def operand_value(operand: Operand, item: Item) -> AttributeValue | None:
    """An operand's value for ``item``; None when it refers to nothing."""
    if isinstance(operand, Path):
        return resolve_path(item, operand)
    if isinstance(operand, Value):
        return operand.value
    if operand.name == "size":
        return _size(operand_value(operand.args[0], item))
    return None  # other functions are rejected as operands before evaluation


def ordered(op: str, left: AttributeValue | None, right: AttributeValue | None) -> bool:
    """``left <op> right`` for =, <>, <, <=, >, >= with DynamoDB's treatment of missing values."""
    if left is None or right is None:
        return op == "<>"
    if op == "=":
        return values_equal(left, right)
    if op == "<>":
        return not values_equal(left, right)
    kind = type_of(left)
    if kind != type_of(right) or kind not in _ORDERED:
        return False
    return bool(_COMPARE[op](compare_values(left, right)))


def between(
    value: AttributeValue | None, low: AttributeValue | None, high: AttributeValue | None
) -> bool:
    return ordered(">=", value, low) and ordered("<=", value, high)


def begins_with(value: AttributeValue | None, prefix: AttributeValue | None) -> bool:
    if value is None or prefix is None:
        return False
    kind = type_of(value)
    if kind != type_of(prefix) or kind not in ("S", "B"):
        return False
    return bool(value[kind].startswith(prefix[kind]))


def contains(value: AttributeValue | None, member: AttributeValue | None) -> bool:
    """A substring of a string or binary, a member of a set, or an element of a list."""
    if value is None or member is None:
        return False
    kind = type_of(value)
    if kind in ("S", "B"):
        return type_of(member) == kind and member[kind] in value[kind]
    if kind in SET_TYPES:
        return set_contains(value, member)
    if kind == "L":
        return any(values_equal(element, member) for element in value["L"])
    return False


def _function(call: Call, item: Item) -> bool:
    values = [operand_value(arg, item) for arg in call.args]
    if call.name == "attribute_exists":
        return values[0] is not None
    if call.name == "attribute_not_exists":
        return values[0] is None
    if call.name == "attribute_type":
        wanted = values[1]
        return values[0] is not None and wanted is not None and type_of(values[0]) == wanted["S"]
    if call.name == "begins_with":
        return begins_with(values[0], values[1])
    if call.name == "contains":
        return contains(values[0], values[1])
    return False


def evaluate(node: CondNode, item: Item) -> bool:
    """Whether ``item`` satisfies the condition ``node``."""
    if isinstance(node, And):
        return evaluate(node.left, item) and evaluate(node.right, item)
    if isinstance(node, Or):
        return evaluate(node.left, item) or evaluate(node.right, item)
    if isinstance(node, Not):
        return not evaluate(node.operand, item)
    if isinstance(node, Comparison):
        return ordered(node.op, operand_value(node.left, item), operand_value(node.right, item))
    if isinstance(node, Between):
        return between(
            operand_value(node.subject, item),
            operand_value(node.low, item),
            operand_value(node.high, item),
        )
    if isinstance(node, In):
        subject = operand_value(node.subject, item)
        return subject is not None and any(
            ordered("=", subject, operand_value(option, item)) for option in node.options
        )
    assert isinstance(node, FunctionCondition)
    return _function(node.call, item)
