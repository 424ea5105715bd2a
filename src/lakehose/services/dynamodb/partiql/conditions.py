"""WHERE clauses as the engine's condition trees, and the keys they name.

A WHERE clause becomes the same tree a ConditionExpression or FilterExpression parses to
(``expressions.nodes``), so it is checked (``check_condition``) and evaluated by the very code
GetItem, Query, Scan and the conditional writes use: a PartiQL statement answers exactly as the
equivalent API call. PartiQL's own forms map onto it: ``x IS MISSING`` is
``attribute_not_exists(x)``, ``x IS NOT MISSING`` ``attribute_exists(x)``, ``x IS STRING``
``attribute_type(x, 'S')``, ``!=`` is ``<>``.

AWS reports the static problems of a statement with the bare message, without the
``Invalid ConditionExpression:`` prefix of the expression parameters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lakehose.services.dynamodb.attributes import values_equal
from lakehose.services.dynamodb.errors import ValidationException
from lakehose.services.dynamodb.expressions import Condition
from lakehose.services.dynamodb.expressions.checks import check_condition
from lakehose.services.dynamodb.expressions.diagnostics import CONDITION_ORDER, Diagnostics
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
from lakehose.services.dynamodb.keys import KeySchema
from lakehose.services.dynamodb.partiql.parser import TYPE_NAMES
from lakehose.services.dynamodb.partiql.syntax import (
    AttributeValue,
    Binary,
    Expr,
    Func,
    Literal,
    Membership,
    Negation,
    Range,
    Ref,
    TypeTest,
)

INCOMPLETE_KEY = "Where clause does not contain a mandatory equality on all key attributes"
NOT_BOOLEAN = "WHERE clause must contain an expression that resolves to a boolean"
OVERLAPPING = "Overlapping conditions with range keys are not supported in where clause"
_CONDITION_FUNCTIONS = frozenset(
    {"begins_with", "contains", "attribute_type", "attribute_exists", "attribute_not_exists"}
)
_COMPARATORS = frozenset({"=", "<>", "<", "<=", ">", ">="})


class StatementDiagnostics(Diagnostics):
    """The expression checks, reported with AWS's bare PartiQL messages."""

    def raise_first(self, order: Sequence[str]) -> None:
        for category in order:
            if category in self._first:
                raise ValidationException(self._first[category])


def path_of(ref: Ref) -> Path:
    return Path(ref.elements, (None,) * len(ref.elements))


def value_of(value: AttributeValue) -> Value:
    return Value("?", value)


def operand(expr: Expr) -> Operand:
    """A comparison's operand: a path, a literal or ``size(path)``."""
    if isinstance(expr, Ref):
        return path_of(expr)
    if isinstance(expr, Literal):
        return value_of(expr.value)
    if isinstance(expr, Func):
        return Call(expr.name, tuple(operand(arg) for arg in expr.args))
    if isinstance(expr, Binary) and expr.op in ("+", "-"):
        raise ValidationException(
            f"Unsupported operator in Condition Expression. Operator: {expr.op}"
        )
    raise ValidationException(NOT_BOOLEAN)


def condition_tree(expr: Expr) -> CondNode:
    """The condition tree of a WHERE expression (not yet checked)."""
    if isinstance(expr, Binary):
        if expr.op == "AND":
            return And(condition_tree(expr.left), condition_tree(expr.right))
        if expr.op == "OR":
            return Or(condition_tree(expr.left), condition_tree(expr.right))
        if expr.op in _COMPARATORS:
            return Comparison(expr.op, operand(expr.left), operand(expr.right))
    if isinstance(expr, Negation):
        return Not(condition_tree(expr.operand))
    if isinstance(expr, Range):
        between = Between(operand(expr.subject), operand(expr.low), operand(expr.high))
        return Not(between) if expr.negated else between
    if isinstance(expr, Membership):
        member = In(operand(expr.subject), tuple(operand(option) for option in expr.options))
        return Not(member) if expr.negated else member
    if isinstance(expr, TypeTest):
        if not isinstance(expr.subject, Ref):
            raise ValidationException(
                "The left hand side argument to IS must be a Variable Reference, Literal, or Path"
            )
        path = path_of(expr.subject)
        kind = TYPE_NAMES[expr.type_name]
        if not kind:
            name = "attribute_exists" if expr.negated else "attribute_not_exists"
            return FunctionCondition(Call(name, (path,)))
        test = FunctionCondition(Call("attribute_type", (path, value_of({"S": kind}))))
        return Not(test) if expr.negated else test
    if isinstance(expr, Func) and expr.name in _CONDITION_FUNCTIONS:
        return FunctionCondition(Call(expr.name, tuple(operand(arg) for arg in expr.args)))
    raise ValidationException(NOT_BOOLEAN)


def where_condition(expr: Expr) -> Condition:
    """A WHERE clause, checked as AWS checks a condition before reading any item."""
    root = condition_tree(expr)
    diagnostics = StatementDiagnostics("ConditionExpression")
    check_condition(diagnostics, root)
    diagnostics.raise_first(CONDITION_ORDER)
    return Condition(root)


def conjuncts(node: CondNode) -> list[CondNode]:
    """The conditions joined by the top-level ANDs."""
    if isinstance(node, And):
        return conjuncts(node.left) + conjuncts(node.right)
    return [node]


def equality(node: CondNode) -> tuple[str, AttributeValue] | None:
    """``attribute = value`` (either way round) on a top-level attribute, else None."""
    if not isinstance(node, Comparison) or node.op != "=":
        return None
    for left, right in ((node.left, node.right), (node.right, node.left)):
        if (
            isinstance(left, Path)
            and len(left.elements) == 1
            and isinstance(right, Value)
            and right.value is not None
        ):
            return left.head, right.value
    return None


def _key_type_matches(schema: KeySchema, name: str, value: AttributeValue) -> None:
    for attribute in schema.attributes:
        if attribute.name == name and attribute.type not in value:
            raise ValidationException(
                "Key attribute's data type should match its data type in table's schema: "
                f"Key {name}"
            )


def item_key(
    condition: Condition, schema: KeySchema, *, first_wins: bool = False
) -> dict[str, AttributeValue]:
    """The one item a write's WHERE names: an equality on every key attribute.

    Two values for one key attribute are refused, except in an EXISTS check (``first_wins``),
    which reads the item of the first value and then finds its condition false, as AWS does.
    """
    assert condition.root is not None
    found: dict[str, AttributeValue] = {}
    for node in conjuncts(condition.root):
        pair = equality(node)
        if pair is None or pair[0] not in schema.names:
            continue
        name, value = pair
        if name in found and first_wins:
            continue
        if name in found and not values_equal(found[name], value):
            raise ValidationException(
                f"Multiple conditions on same key {name}. Only single item Update/Insert/Delete "
                "are supported"
            )
        found[name] = value
    if set(found) != set(schema.names):
        raise ValidationException(INCOMPLETE_KEY)
    for name, value in found.items():
        _key_type_matches(schema, name, value)
    return {name: found[name] for name in schema.names}


@dataclass(frozen=True)
class SortKeyTerm:
    """A top-level condition on the sort key that bounds a Query: ``op`` and its values."""

    op: str  # = < <= > >= BETWEEN begins_with
    values: tuple[AttributeValue, ...]


def partition_values(condition: Condition, hash_key: str) -> list[AttributeValue] | None:
    """The partitions a SELECT reads without a full scan, or None for a scan.

    AWS reads by partition when a top-level conjunct is an equality on the partition key, an
    IN list of its values, or an OR of such equalities; anything else scans the table.
    """
    if condition.root is None:
        return None
    for node in conjuncts(condition.root):
        values = _hash_values(node, hash_key)
        if values is not None:
            for index, value in enumerate(values):
                if any(values_equal(value, seen) for seen in values[:index]):
                    # The same partition twice would be read twice: AWS refuses it.
                    raise ValidationException(OVERLAPPING)
            return values
    return None


def _hash_values(node: CondNode, hash_key: str) -> list[AttributeValue] | None:
    pair = equality(node)
    if pair is not None:
        return [pair[1]] if pair[0] == hash_key else None
    if isinstance(node, In):
        subject = node.subject
        if (
            isinstance(subject, Path)
            and subject.elements == (hash_key,)
            and all(isinstance(option, Value) for option in node.options)
        ):
            return [
                option.value
                for option in node.options
                if isinstance(option, Value) and option.value is not None
            ]
        return None
    if isinstance(node, Or):
        left = _hash_values(node.left, hash_key)
        right = _hash_values(node.right, hash_key)
        return left + right if left is not None and right is not None else None
    return None


def sort_key_term(condition: Condition, range_key: str) -> SortKeyTerm | None:
    """A top-level conjunct on the sort key a Query can use as its key condition."""
    if condition.root is None:
        return None
    for node in conjuncts(condition.root):
        term = _range_term(node, range_key)
        if term is not None:
            return term
    return None


def _is_key(candidate: Operand, name: str) -> bool:
    return isinstance(candidate, Path) and candidate.elements == (name,)


def _range_term(node: CondNode, range_key: str) -> SortKeyTerm | None:
    flipped = {"=": "=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
    if isinstance(node, Comparison) and node.op in flipped:
        if _is_key(node.left, range_key) and isinstance(node.right, Value):
            value = node.right.value
            return SortKeyTerm(node.op, (value,)) if value else None
        if _is_key(node.right, range_key) and isinstance(node.left, Value):
            value = node.left.value
            return SortKeyTerm(flipped[node.op], (value,)) if value else None
    if (
        isinstance(node, Between)
        and _is_key(node.subject, range_key)
        and isinstance(node.low, Value)
        and isinstance(node.high, Value)
        and node.low.value
        and node.high.value
    ):
        return SortKeyTerm("BETWEEN", (node.low.value, node.high.value))
    if isinstance(node, FunctionCondition) and node.call.name == "begins_with":
        subject, prefix = node.call.args
        if _is_key(subject, range_key) and isinstance(prefix, Value) and prefix.value:
            return SortKeyTerm("begins_with", (prefix.value,))
    return None


def exact_key(condition: Condition, schema: KeySchema) -> dict[str, AttributeValue] | None:
    """The key a batch or transaction read names, when its WHERE clause is only that key.

    Such reads are GetItems: every top-level conjunct must be an equality (or a one-member IN)
    on a key attribute, and together they must name every key attribute once.
    """
    if condition.root is None:
        return None
    found: dict[str, AttributeValue] = {}
    for node in conjuncts(condition.root):
        pair = equality(node) or _single_member(node)
        if pair is None or pair[0] not in schema.names:
            return None
        name, value = pair
        if name in found and not values_equal(found[name], value):
            return None
        found[name] = value
    if set(found) != set(schema.names):
        return None
    return {name: found[name] for name in schema.names}


def _single_member(node: CondNode) -> tuple[str, AttributeValue] | None:
    if (
        isinstance(node, In)
        and len(node.options) == 1
        and isinstance(node.subject, Path)
        and len(node.subject.elements) == 1
    ):
        option = node.options[0]
        if isinstance(option, Value) and option.value is not None:
            return node.subject.head, option.value
    return None
