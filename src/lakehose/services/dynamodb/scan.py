"""Scan: every item of the table or of an index, in AWS's hash order, optionally one segment.

Rows are stored in the order of a hash of their partition key (see ``keys``), so a parallel
scan's segment ``i`` of ``n`` is the i-th slice of that hash space: the segments are disjoint,
cover every item, and each is a plain range scan.
"""

from __future__ import annotations

from typing import Any

from lakehose.services.dynamodb import store
from lakehose.services.dynamodb.base import DynamoDBBase
from lakehose.services.dynamodb.codec import Item
from lakehose.services.dynamodb.errors import ValidationException
from lakehose.services.dynamodb.keys import segment_bounds
from lakehose.services.dynamodb.reads import (
    check_select,
    check_target,
    page_result,
    read_page,
    start_position,
    target,
)
from lakehose.services.dynamodb.requests import Request, parse_request


class ScanOperations(DynamoDBBase):
    def scan(
        self,
        *,
        table_name: str,
        index_name: str | None = None,
        attributes_to_get: list[str] | None = None,
        limit: int | None = None,
        select: str | None = None,
        scan_filter: dict[str, Any] | None = None,
        conditional_operator: str | None = None,
        exclusive_start_key: Item | None = None,
        return_consumed_capacity: str | None = None,
        total_segments: int | None = None,
        segment: int | None = None,
        projection_expression: str | None = None,
        filter_expression: str | None = None,
        expression_attribute_names: dict[str, str] | None = None,
        expression_attribute_values: dict[str, Any] | None = None,
        consistent_read: bool | None = None,
    ) -> dict[str, Any]:
        parsed = parse_request(
            Request(
                filter_expression=filter_expression,
                projection_expression=projection_expression,
                names=expression_attribute_names,
                values=expression_attribute_values,
                scan_filter=scan_filter,
                attributes_to_get=attributes_to_get,
                conditional_operator=conditional_operator,
            ),
            ["ProjectionExpression", "FilterExpression"],
            ["AttributesToGet", "ScanFilter", "ConditionalOperator"],
        )
        bounds = _segment(segment, total_segments)
        check_select(select, parsed.projection, attributes_to_get is not None, index_name)
        with self.db.read() as connection:
            table = self._item_table(connection, table_name)
            where = target(table, index_name)
            check_target(where, select, consistent_read)
            rows = store.walk(
                connection,
                store.RowRange(
                    table.id,
                    where.index_name,
                    segment=bounds,
                    after=start_position(where, exclusive_start_key),
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


def _segment(segment: int | None, total: int | None) -> tuple[int, int | None] | None:
    if segment is not None and total is None:
        raise ValidationException(
            "The TotalSegments parameter is required but was not present in the request when "
            "Segment parameter is present"
        )
    if total is None:
        return None
    if segment is None:
        raise ValidationException(
            "The Segment parameter is required but was not present in the request when "
            "parameter TotalSegments is present"
        )
    if segment >= total:
        raise ValidationException(
            "The Segment parameter is zero-based and must be less than parameter TotalSegments"
        )
    return segment_bounds(segment, total)
