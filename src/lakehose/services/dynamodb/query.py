"""Query: one partition of the table or of an index, as a range scan over the sort key.

The key condition becomes bounds on the stored sort-key encoding (which orders like DynamoDB
orders S, N and B), so only the rows it selects are read: ``begins_with`` is the range from the
prefix to the prefix's successor. ScanIndexForward=false walks the same range backwards.
"""

from __future__ import annotations

from typing import Any

from lakehose.services.dynamodb import store
from lakehose.services.dynamodb.base import DynamoDBBase
from lakehose.services.dynamodb.codec import Item
from lakehose.services.dynamodb.errors import ValidationException
from lakehose.services.dynamodb.expressions import BoundKeyCondition, Condition
from lakehose.services.dynamodb.keys import KeySchema, encode_scalar, hash_order
from lakehose.services.dynamodb.reads import (
    Target,
    check_select,
    check_target,
    page_result,
    read_page,
    start_position,
    target,
)
from lakehose.services.dynamodb.requests import Request, parse_request

Bound = tuple[bytes, bool]


class QueryOperations(DynamoDBBase):
    def query(
        self,
        *,
        table_name: str,
        index_name: str | None = None,
        select: str | None = None,
        attributes_to_get: list[str] | None = None,
        limit: int | None = None,
        consistent_read: bool | None = None,
        key_conditions: dict[str, Any] | None = None,
        query_filter: dict[str, Any] | None = None,
        conditional_operator: str | None = None,
        scan_index_forward: bool | None = None,
        exclusive_start_key: Item | None = None,
        return_consumed_capacity: str | None = None,
        projection_expression: str | None = None,
        filter_expression: str | None = None,
        key_condition_expression: str | None = None,
        expression_attribute_names: dict[str, str] | None = None,
        expression_attribute_values: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        parsed = parse_request(
            Request(
                key_condition_expression=key_condition_expression,
                filter_expression=filter_expression,
                projection_expression=projection_expression,
                names=expression_attribute_names,
                values=expression_attribute_values,
                key_conditions=key_conditions,
                query_filter=query_filter,
                attributes_to_get=attributes_to_get,
                conditional_operator=conditional_operator,
            ),
            ["ProjectionExpression", "FilterExpression", "KeyConditionExpression"],
            ["AttributesToGet", "QueryFilter", "ConditionalOperator", "KeyConditions"],
        )
        if parsed.key_condition is None:
            raise ValidationException(
                "Either the KeyConditions or KeyConditionExpression parameter must be specified "
                "in the request."
            )
        check_select(select, parsed.projection, attributes_to_get is not None, index_name)
        with self.db.read() as connection:
            table = self._item_table(connection, table_name)
            where = target(table, index_name)
            check_target(where, select, consistent_read)
            schema = where.schema
            bound = parsed.key_condition.bind(
                schema.hash.name,
                schema.range.name if schema.range else None,
                hash_type=schema.hash.type,
                range_type=schema.range.type if schema.range else None,
            )
            _check_filter(parsed.filter, schema)
            rows = store.walk(
                connection,
                row_range(
                    where,
                    bound,
                    start_position(where, exclusive_start_key),
                    scan_index_forward is not False,
                ),
            )
            page = read_page(
                connection,
                where,
                rows,
                limit=limit,
                filter_=parsed.filter,
                select=select,
                consistent=bool(consistent_read),
            )
        return page_result(
            page,
            select=select,
            projection=parsed.projection,
            capacity=return_consumed_capacity,
        )


def _check_filter(filter_: Condition | None, schema: KeySchema) -> None:
    if filter_ is None:
        return
    for name in filter_.top_level_names():
        if name in schema.names:
            raise ValidationException(
                "Filter Expression can only contain non-primary key attributes: Primary key "
                f"attribute: {name}"
            )


def row_range(
    where: Target,
    bound: BoundKeyCondition,
    after: tuple[int, bytes, bytes, bytes] | None,
    forward: bool,
) -> store.RowRange:
    """The rows of one partition of ``where`` that a bound key condition selects."""
    schema = where.schema
    hash_key = encode_scalar(schema.hash.type, bound.hash_value[schema.hash.type])
    lower, upper = _range_bounds(schema, bound)
    return store.RowRange(
        where.table.id,
        where.index_name,
        partition=(hash_order(hash_key), hash_key),
        lower=lower,
        upper=upper,
        after=after,
        forward=forward,
    )


def _range_bounds(schema: KeySchema, bound: BoundKeyCondition) -> tuple[Bound | None, Bound | None]:
    """The sort-key bounds (encoded, inclusive?) a sort-key condition selects."""
    if bound.range is None or schema.range is None:
        return None, None
    op, values = bound.range
    kind = schema.range.type
    encoded = [encode_scalar(kind, value[kind]) for value in values]
    if op == "=":
        return (encoded[0], True), (encoded[0], True)
    if op == "<":
        return None, (encoded[0], False)
    if op == "<=":
        return None, (encoded[0], True)
    if op == ">":
        return (encoded[0], False), None
    if op == ">=":
        return (encoded[0], True), None
    if op == "BETWEEN":
        return (encoded[0], True), (encoded[1], True)
    successor = _prefix_successor(encoded[0])
    return (encoded[0], True), (successor, False) if successor is not None else None


def _prefix_successor(prefix: bytes) -> bytes | None:
    """The smallest byte string greater than every string starting with ``prefix``."""
    stripped = prefix.rstrip(b"\xff")
    if not stripped:
        return None
    return stripped[:-1] + bytes([stripped[-1] + 1])
