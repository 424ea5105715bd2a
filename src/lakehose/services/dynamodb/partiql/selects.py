"""SELECT: the statement as the Query or Scan it stands for, one page at a time.

A WHERE clause with an equality (or an IN list, or ORs of equalities) on the partition key reads
those partitions as Queries, bounded by a top-level sort-key condition when there is one;
anything else is a full Scan, as AWS documents. Either way the whole WHERE clause then filters
the rows read, with the FilterExpression semantics, and ``Limit`` counts rows read, not rows
returned, as Query's and Scan's ``Limit`` does. Pages end at ``Limit`` or 1 MB; ``NextToken``
carries the partition and the last key read, bound to the statement and its parameters.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from lakehose.services.dynamodb import store
from lakehose.services.dynamodb.attributes import compare_values
from lakehose.services.dynamodb.capacity import Consumed
from lakehose.services.dynamodb.codec import Item, dump_item, load_item
from lakehose.services.dynamodb.errors import ValidationException
from lakehose.services.dynamodb.expressions import BoundKeyCondition, Condition
from lakehose.services.dynamodb.expressions.evaluate import resolve_path
from lakehose.services.dynamodb.partiql.conditions import (
    partition_values,
    path_of,
    sort_key_term,
    where_condition,
)
from lakehose.services.dynamodb.partiql.syntax import AttributeValue, Ref, Select
from lakehose.services.dynamodb.query import row_range
from lakehose.services.dynamodb.reads import Target, read_page, start_position
from lakehose.services.dynamodb.store import StoredTable

NO_INDEX = "The table does not have the specified index"
INVALID_TOKEN = "Invalid NextToken"
OTHER_REQUEST = "NextToken does not match request"
_KEY_TYPE = "Key attribute's data type should match its data type in table's schema: Key {}"
# AWS reads at most 50 partitions for one statement (an IN list of hash key values).
MAX_PARTITIONS = 50


@dataclass(frozen=True)
class SelectPlan:
    """How a SELECT reads: the partitions it queries (None: a scan), in order."""

    target: Target
    condition: Condition
    partitions: list[AttributeValue] | None
    sort_key: tuple[str, list[AttributeValue]] | None
    forward: bool
    projection: tuple[Ref, ...] | None  # None for *


def select_target(table: StoredTable, index_name: str | None, consistent: bool) -> Target:
    if index_name is None:
        return Target(table, None)
    index = table.meta.index(index_name)
    if index is None:
        raise ValidationException(NO_INDEX)
    if consistent and index.kind == "GSI":
        raise ValidationException(
            "Strongly consistent read is not supported on Global Secondary Indexes"
        )
    return Target(table, index)


def plan_select(table: StoredTable, select: Select, consistent: bool) -> SelectPlan:
    """Check a SELECT against its table and choose how it reads."""
    where = select_target(table, select.index, consistent)
    schema = where.schema
    condition = where_condition(select.where) if select.where is not None else Condition(None)
    partitions = partition_values(condition, schema.hash.name)
    if partitions is not None and len(partitions) > MAX_PARTITIONS:
        raise ValidationException("Too many decomposed read operations for a given query.")
    for value in partitions or []:
        if schema.hash.type not in value:
            raise ValidationException(_KEY_TYPE.format(schema.hash.name))
    sort_key = None
    if partitions is not None and schema.range is not None:
        term = sort_key_term(condition, schema.range.name)
        if term is not None:
            if any(schema.range.type not in value for value in term.values):
                raise ValidationException(_KEY_TYPE.format(schema.range.name))
            sort_key = (term.op, list(term.values))
    forward = _check_order(select, where, partitions)
    if partitions is not None and any(name == schema.hash.name for name, _ in select.order_by):
        descending = dict(select.order_by)[schema.hash.name]
        partitions = sorted(
            partitions,
            key=_Sortable,
            reverse=descending,
        )
    return SelectPlan(where, condition, partitions, sort_key, forward, select.projection)


class _Sortable:
    """A key value ordered as DynamoDB orders key values of one type."""

    def __init__(self, value: AttributeValue) -> None:
        self.value = value

    def __lt__(self, other: _Sortable) -> bool:
        return compare_values(self.value, other.value) < 0


def _check_order(select: Select, where: Target, partitions: list[Any] | None) -> bool:
    """AWS's ORDER BY rules; whether the sort key is read ascending."""
    if not select.order_by:
        return True
    key_names = where.schema.names
    for name, _descending in select.order_by:
        if name not in key_names:
            raise ValidationException(
                f"Variable reference {name} in ORDER BY clause must be part of the primary key"
            )
    if partitions is None:
        raise ValidationException(
            "Must have at least one non-optional hash key condition in WHERE clause when using "
            "ORDER BY clause."
        )
    ordered = dict(select.order_by)
    if len(partitions) > 1 and where.schema.hash.name not in ordered:
        raise ValidationException(
            "Must have hash key in ORDER BY clause when more than one hash key condition "
            "specified in WHERE clause."
        )
    range_key = where.schema.range
    return not (range_key is not None and ordered.get(range_key.name, False))


def statement_digest(statement: str, parameters: Sequence[AttributeValue] | None) -> str:
    """What a NextToken is bound to: the statement and its parameters."""
    material = orjson.dumps(
        [statement, parameters or []], default=lambda value: base64.b64encode(value).decode()
    )
    return hashlib.sha256(material).hexdigest()[:32]


def _encode_token(digest: str, partition: int, last_key: Item) -> str:
    body = {"d": digest, "p": partition, "k": base64.b64encode(dump_item(last_key)).decode()}
    return base64.urlsafe_b64encode(orjson.dumps(body)).decode("ascii")


def _resume_at(
    token: str, digest: str, plan: SelectPlan
) -> tuple[int, tuple[int, bytes, bytes, bytes]]:
    """The partition and row position a NextToken resumes at, refusing tokens not ours."""
    try:
        body = orjson.loads(base64.urlsafe_b64decode(token.encode("ascii")))
        token_digest, partition = body["d"], body["p"]
        last_key = load_item(base64.b64decode(body["k"]))
    except (ValueError, KeyError, TypeError, AttributeError, StopIteration, binascii.Error):
        raise ValidationException(INVALID_TOKEN) from None
    if token_digest != digest:
        raise ValidationException(OTHER_REQUEST)
    partitions = len(plan.partitions) if plan.partitions is not None else 1
    if not isinstance(partition, int) or not 0 <= partition < partitions:
        raise ValidationException(INVALID_TOKEN)
    try:
        # The key must be one this target's rows can have: the table's key and the index's.
        position = start_position(plan.target, last_key)
    except ValidationException:
        raise ValidationException(INVALID_TOKEN) from None
    assert position is not None
    return partition, position


def project(item: Item, paths: tuple[Ref, ...] | None) -> Item:
    """A SELECT list applied to an item: each path's value under the path's own name."""
    if paths is None:
        return item
    projected: Item = {}
    for ref in paths:
        value = resolve_path(item, path_of(ref))
        if value is not None:
            projected[ref.render()] = value
    return projected


def read_select(
    connection: sqlite3.Connection,
    plan: SelectPlan,
    *,
    limit: int | None,
    next_token: str | None,
    digest: str,
    consistent: bool,
) -> tuple[list[Item], Consumed, str | None, Item | None]:
    """One page: the projected items, their cost, the NextToken and LastEvaluatedKey."""
    where = plan.target
    start = 0
    after = None
    if next_token is not None:
        start, after = _resume_at(next_token, digest, plan)
    consumed = Consumed(where.table.meta.name)
    items: list[Item] = []
    targets = list(range(start, len(plan.partitions))) if plan.partitions is not None else [0]
    for partition in targets:
        if plan.partitions is None:
            walked = store.walk(
                connection, store.RowRange(where.table.id, where.index_name, after=after)
            )
        else:
            bound = BoundKeyCondition(
                where.schema.hash.name,
                plan.partitions[partition],
                where.schema.range.name if where.schema.range else None,
                plan.sort_key,
            )
            walked = store.walk(connection, row_range(where, bound, after, plan.forward))
        page = read_page(
            connection,
            where,
            walked,
            limit=limit,
            filter_=plan.condition if plan.condition.root is not None else None,
            select=None,
            consistent=consistent,
        )
        consumed.merge(page.consumed)
        items.extend(project(item, plan.projection) for item in page.items)
        if limit is not None:
            limit -= page.scanned
        after = None
        if page.last_key is not None:
            return items, consumed, _encode_token(digest, partition, page.last_key), page.last_key
    return items, consumed, None, None
