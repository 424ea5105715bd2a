"""The three item writes, shared by the single-item, batch and transaction operations.

Each is planned, then committed. Planning takes the connection of an open transaction, reads the
item as it is, checks the condition against it and computes the new item, writing nothing; a
condition that fails raises ``ConditionalCheckFailedException``, carrying the item when the caller
asked for it (``ReturnValuesOnConditionCheckFailure=ALL_OLD``). ``commit`` then stores the change
through ``changes.apply_change``. Transactions plan every action before committing any.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from lakehose.services.dynamodb import store
from lakehose.services.dynamodb.attributes import (
    MAX_ITEM_SIZE,
    item_size,
    normalize_item,
    validate_item,
)
from lakehose.services.dynamodb.capacity import Consumed
from lakehose.services.dynamodb.changes import ChangeContext, apply_change
from lakehose.services.dynamodb.codec import Item
from lakehose.services.dynamodb.errors import (
    ConditionalCheckFailedException,
    ValidationException,
    invalid_parameters,
)
from lakehose.services.dynamodb.expressions import Condition, UpdatePlan
from lakehose.services.dynamodb.store import StoredTable
from lakehose.services.dynamodb.tables import TableMeta

ITEM_TOO_LARGE = "Item size has exceeded the maximum allowed size"
UPDATE_TOO_LARGE = "Item size to update has exceeded the maximum allowed size"
_UPDATED_EMPTY_INDEX_KEY = (
    "One or more parameter values are not valid. The update expression attempted to update a "
    "secondary index key to a value that is not supported. The AttributeValue for a key "
    "attribute cannot contain an empty string value."
)


@dataclass(frozen=True)
class Planned:
    """A write's before and after images (``None`` for no item)."""

    old: Item | None
    new: Item | None


@dataclass(frozen=True)
class Written:
    """A committed write's images and its cost."""

    old: Item | None
    new: Item | None
    consumed: Consumed


def commit(
    connection: sqlite3.Connection, table: StoredTable, planned: Planned, context: ChangeContext
) -> Written:
    consumed = apply_change(connection, table, planned.old, planned.new, context)
    return Written(planned.old, planned.new, consumed)


def checked_item(item: Item) -> Item:
    """A PutItem item after the checks that need no table: values, size; numbers canonical."""
    validate_item(item)
    return within_limit(item)


def within_limit(item: Item) -> Item:
    """A valid item with its numbers canonical, refused above 400 KB."""
    normalized = normalize_item(item)
    if item_size(normalized) > MAX_ITEM_SIZE:
        raise ValidationException(ITEM_TOO_LARGE)
    return normalized


def check_item_keys(meta: TableMeta, item: Item) -> None:
    """The table's key and every index key present in ``item`` must fit their schemas."""
    meta.schema.check_item(item)
    for index in meta.indexes:
        index.schema.check_index_item(item, index.name)


def current(connection: sqlite3.Connection, table: StoredTable, key: Item) -> Item | None:
    row = store.get_row(connection, table.id, store.TABLE_ROWS, table.meta.schema.encode(key))
    return None if row is None else row.item


def require(condition: Condition | None, item: Item | None, return_on_failure: str | None) -> None:
    if condition is not None and not condition.evaluate(item or {}):
        raise ConditionalCheckFailedException(
            item if return_on_failure == "ALL_OLD" and item is not None else None
        )


def put(
    connection: sqlite3.Connection,
    table: StoredTable,
    item: Item,
    condition: Condition | None,
    return_on_failure: str | None = None,
) -> Planned:
    """Put ``item`` (already ``checked_item``) in place of the item with its key."""
    check_item_keys(table.meta, item)
    old = current(connection, table, item)
    require(condition, old, return_on_failure)
    return Planned(old, item)


def delete(
    connection: sqlite3.Connection,
    table: StoredTable,
    key: Item,
    condition: Condition | None,
    return_on_failure: str | None = None,
) -> Planned:
    table.meta.schema.check_key(key)
    old = current(connection, table, key)
    require(condition, old, return_on_failure)
    return Planned(old, None)


def update(
    connection: sqlite3.Connection,
    table: StoredTable,
    key: Item,
    plan: UpdatePlan | None,
    condition: Condition | None,
    return_on_failure: str | None = None,
) -> Planned:
    """Apply ``plan`` to the item with ``key``, creating it from the key if it does not exist."""
    meta = table.meta
    meta.schema.check_key(key)
    if plan is not None:
        check_updated_paths(meta, plan)
    old = current(connection, table, key)
    require(condition, old, return_on_failure)
    if old is None and not creates(plan):
        return Planned(None, None)
    return Planned(old, updated(meta, old, key, plan))


def creates(plan: UpdatePlan | None) -> bool:
    """Whether an update makes an item where there is none.

    Without actions it does not (AWS creates no item for an UpdateItem naming only a key), nor
    with AttributeUpdates that only DELETE: "nothing happens; there is no attribute to delete",
    as the API reference says of a missing item.
    """
    if plan is None or not plan.actions:
        return False
    return not all(action.legacy and action.kind in ("REMOVE", "DELETE") for action in plan.actions)


def updated(meta: TableMeta, old: Item | None, key: Item, plan: UpdatePlan | None) -> Item:
    """The item an update produces, after AWS's checks of the result."""
    base = old if old is not None else normalize_item(key)
    new = normalize_item(plan.apply(base)) if plan is not None else base
    if item_size(new) > MAX_ITEM_SIZE:
        raise ValidationException(UPDATE_TOO_LARGE)
    for index in meta.indexes:
        for attribute in index.schema.attributes:
            value = new.get(attribute.name)
            if (
                value is not None
                and attribute.type in ("S", "B")
                and len(value.get(attribute.type, "x")) == 0
            ):
                raise ValidationException(_UPDATED_EMPTY_INDEX_KEY)
        index.schema.check_index_item(new, index.name)
    return new


def check_updated_paths(meta: TableMeta, plan: UpdatePlan) -> None:
    """Key attributes cannot be updated; index keys only as whole top-level attributes."""
    index_keys = {name for index in meta.indexes for name in index.schema.names}
    for path in plan.paths():
        if path.head in meta.schema.names:
            if len(path.elements) > 1:
                raise ValidationException(
                    "Key attributes must be scalars; list random access '[]' and map lookup "
                    f"'.' are not allowed: Key: {path.head}"
                )
            raise invalid_parameters(
                f"Cannot update attribute {path.head}. This attribute is part of the key"
            )
        if path.head in index_keys and len(path.elements) > 1:
            raise ValidationException(
                "Key attributes must be scalars; list random access '[]' and map lookup "
                f"'.' are not allowed: IndexKey: {path.head}"
            )
