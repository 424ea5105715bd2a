"""INSERT, UPDATE and DELETE as the PutItem, UpdateItem and DeleteItem they stand for.

Each statement is prepared against its table (its one item's key out of the WHERE clause, its
update actions as an ``UpdatePlan``) and then planned with the engine's own ``writes`` functions,
so conditions, update semantics, size limits, index-key checks and change records are those of
the item API. The differences are PartiQL's:

- INSERT fails with ``DuplicateItemException`` when the key exists (a PutItem with
  ``attribute_not_exists``, reported differently);
- UPDATE's WHERE clause is its condition, so an item that does not exist fails the condition
  (``ConditionalCheckFailedException``) instead of being created;
- DELETE of an item that does not exist succeeds and changes nothing; an item that exists but
  fails the WHERE clause is ``ConditionalCheckFailedException``.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from lakehose.services.dynamodb import writes
from lakehose.services.dynamodb.codec import Item
from lakehose.services.dynamodb.errors import DuplicateItemException, ValidationException
from lakehose.services.dynamodb.expressions import Condition, UpdatePlan
from lakehose.services.dynamodb.expressions.checks import check_update
from lakehose.services.dynamodb.expressions.diagnostics import UPDATE_ORDER
from lakehose.services.dynamodb.expressions.nodes import (
    ActionKind,
    Arithmetic,
    Call,
    Operand,
    Path,
    SetValue,
    UpdateAction,
    Value,
)
from lakehose.services.dynamodb.partiql.conditions import (
    StatementDiagnostics,
    item_key,
    operand,
    path_of,
    where_condition,
)
from lakehose.services.dynamodb.partiql.syntax import (
    Assignment,
    Binary,
    Delete,
    Expr,
    Func,
    Insert,
    Literal,
    Ref,
    Update,
)
from lakehose.services.dynamodb.store import StoredTable

_SET_FUNCTIONS: dict[str, ActionKind] = {"set_add": "ADD", "set_delete": "DELETE"}
_VALUE_FUNCTIONS = frozenset({"list_append", "if_not_exists"})


@dataclass(frozen=True)
class Modification:
    """A write statement checked against its table, ready to plan inside a transaction."""

    table: StoredTable
    kind: str  # insert, update, delete
    key: Item
    item: Item | None = None  # insert
    plan: UpdatePlan | None = None  # update
    condition: Condition | None = None  # update, delete
    returning: str | None = None


def prepare(statement: Insert | Update | Delete, table: StoredTable) -> Modification:
    """The item a write statement names and what it does, with AWS's static checks."""
    schema = table.meta.schema
    if isinstance(statement, Insert):
        item = writes.checked_item(statement.item["M"])
        writes.check_item_keys(table.meta, item)
        return Modification(table, "insert", schema.key_of(item), item=item)
    condition = where_condition(statement.where)
    key = item_key(condition, schema)
    schema.check_key(key)
    if isinstance(statement, Delete):
        return Modification(
            table, "delete", key, condition=condition, returning=statement.returning
        )
    plan = update_plan(statement)
    writes.check_updated_paths(table.meta, plan)
    return Modification(
        table, "update", key, plan=plan, condition=condition, returning=statement.returning
    )


def plan(
    connection: sqlite3.Connection, modification: Modification, return_on_failure: str | None
) -> writes.Planned | None:
    """The write's before and after images; None for a DELETE of an item that is not there."""
    table = modification.table
    if modification.kind == "insert":
        assert modification.item is not None
        if writes.current(connection, table, modification.key) is not None:
            raise DuplicateItemException()
        return writes.Planned(None, modification.item)
    if modification.kind == "delete":
        old = writes.current(connection, table, modification.key)
        if old is None:
            return None
        writes.require(modification.condition, old, return_on_failure)
        return writes.Planned(old, None)
    return writes.update(
        connection,
        table,
        modification.key,
        modification.plan,
        modification.condition,
        return_on_failure,
    )


def update_plan(statement: Update) -> UpdatePlan:
    """An UPDATE's SET and REMOVE clauses as update actions, checked as AWS checks them."""
    actions: list[UpdateAction] = []
    for action in statement.actions:
        path = path_of(action.path)
        if isinstance(action, Assignment):
            actions.append(_assignment(action, path))
        else:
            actions.append(UpdateAction("REMOVE", path))
    diagnostics = StatementDiagnostics("UpdateExpression")
    check_update(diagnostics, actions)
    diagnostics.raise_first(UPDATE_ORDER)
    return UpdatePlan(tuple(actions))


def _assignment(action: Assignment, path: Path) -> UpdateAction:
    value = action.value
    if isinstance(value, Func) and value.name in _SET_FUNCTIONS:
        word = value.name.upper()
        if len(value.args) != 2:
            raise ValidationException(f"{word} must have exactly two arguments")
        first, second = value.args
        if not isinstance(first, Ref) or first.elements != action.path.elements:
            raise ValidationException(
                f"The first argument to {word} must equal the assignment value"
            )
        if not isinstance(second, Literal) or not any(
            kind in second.value for kind in ("SS", "NS", "BS")
        ):
            raise ValidationException(
                f"The second argument to {word} must be a value with type SET"
            )
        return UpdateAction(_SET_FUNCTIONS[value.name], path, Value("?", second.value))
    return UpdateAction("SET", path, _set_value(value))


def _set_value(expr: Expr) -> SetValue:
    if isinstance(expr, Binary) and expr.op in ("+", "-"):
        left, right = _set_operand(expr.left), _set_operand(expr.right)
        return Arithmetic("+" if expr.op == "+" else "-", left, right)
    return _set_operand(expr)


def _set_operand(expr: Expr) -> Operand:
    if isinstance(expr, Func):
        if expr.name not in _VALUE_FUNCTIONS:
            raise ValidationException(
                f"Unsupported operator in Update Expression. Operator: {expr.name}"
            )
        return Call(expr.name, tuple(_set_operand(arg) for arg in expr.args))
    if isinstance(expr, Ref | Literal):
        return operand(expr)
    if isinstance(expr, Binary):
        raise ValidationException(f"Unsupported operator in Update Expression. Operator: {expr.op}")
    raise ValidationException("Unsupported operator in Update Expression. Operator: condition")
