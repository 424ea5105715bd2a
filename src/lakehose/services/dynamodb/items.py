"""PutItem, GetItem, UpdateItem, DeleteItem.

Checks run in AWS's order: the request's own shape (ReturnValues, expressions, attribute values,
item size), then the table, then the key against the table's schema, then the condition against
the stored item. A write commits its item change and change record together, then carries the
record to the stream before answering (see ``outbox``).
"""

from __future__ import annotations

from typing import Any

from lakehose.services.dynamodb import writes
from lakehose.services.dynamodb.attributes import item_size, validate_item
from lakehose.services.dynamodb.base import DynamoDBBase
from lakehose.services.dynamodb.capacity import Consumed, read_units
from lakehose.services.dynamodb.codec import Item
from lakehose.services.dynamodb.expressions import UpdatePlan
from lakehose.services.dynamodb.requests import (
    ALL_OLD_OR_NONE,
    Parsed,
    Request,
    check_return_values,
    coral_validation,
    parse_request,
)
from lakehose.services.dynamodb.store import StoredTable

UPDATE_RETURN_VALUES = ("NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW")
_CONDITION = ["ConditionExpression"]
_CONDITION_LEGACY = ["Expected", "ConditionalOperator"]


def _parse_condition(
    condition_expression: str | None,
    names: dict[str, str] | None,
    values: dict[str, Any] | None,
    expected: dict[str, Any] | None,
    conditional_operator: str | None,
) -> Parsed:
    """PutItem's and DeleteItem's condition, from the expression or the legacy ``Expected``."""
    return parse_request(
        Request(
            condition_expression=condition_expression,
            names=names,
            values=values,
            expected=expected,
            conditional_operator=conditional_operator,
        ),
        _CONDITION,
        _CONDITION_LEGACY,
    )


class ItemOperations(DynamoDBBase):
    def put_item(
        self,
        *,
        table_name: str,
        item: Item,
        expected: dict[str, Any] | None = None,
        return_values: str | None = None,
        return_consumed_capacity: str | None = None,
        return_item_collection_metrics: str | None = None,
        conditional_operator: str | None = None,
        condition_expression: str | None = None,
        expression_attribute_names: dict[str, str] | None = None,
        expression_attribute_values: dict[str, Any] | None = None,
        return_values_on_condition_check_failure: str | None = None,
    ) -> dict[str, Any]:
        returns = check_return_values(return_values, ALL_OLD_OR_NONE)
        with coral_validation():
            parsed = _parse_condition(
                condition_expression,
                expression_attribute_names,
                expression_attribute_values,
                expected,
                conditional_operator,
            )
            validate_item(item)
        new = writes.within_limit(item)
        context = self._change_context()
        with self.db.transaction() as connection:
            table = self._item_table(connection, table_name)
            planned = writes.put(
                connection, table, new, parsed.condition, return_values_on_condition_check_failure
            )
            written = writes.commit(connection, table, planned, context)
        self._committed(context)
        result = _write_result(
            table, written, return_consumed_capacity, return_item_collection_metrics
        )
        if returns == "ALL_OLD" and written.old is not None:
            result["Attributes"] = written.old
        return result

    def get_item(
        self,
        *,
        table_name: str,
        key: Item,
        attributes_to_get: list[str] | None = None,
        consistent_read: bool | None = None,
        return_consumed_capacity: str | None = None,
        projection_expression: str | None = None,
        expression_attribute_names: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        parsed = parse_request(
            Request(
                projection_expression=projection_expression,
                names=expression_attribute_names,
                attributes_to_get=attributes_to_get,
            ),
            ["ProjectionExpression"],
            ["AttributesToGet"],
        )
        validate_item(key)
        with self.db.read() as connection:
            table = self._item_table(connection, table_name)
            table.meta.schema.check_key(key)
            found = writes.current(connection, table, key)
        result: dict[str, Any] = {}
        if found is not None:
            result["Item"] = parsed.projection.apply(found) if parsed.projection else found
        consumed = Consumed(table.meta.name)
        consumed.table = read_units(item_size_of(found), bool(consistent_read))
        if (report := consumed.report(return_consumed_capacity)) is not None:
            result["ConsumedCapacity"] = report
        return result

    def update_item(
        self,
        *,
        table_name: str,
        key: Item,
        attribute_updates: dict[str, Any] | None = None,
        expected: dict[str, Any] | None = None,
        conditional_operator: str | None = None,
        return_values: str | None = None,
        return_consumed_capacity: str | None = None,
        return_item_collection_metrics: str | None = None,
        update_expression: str | None = None,
        condition_expression: str | None = None,
        expression_attribute_names: dict[str, str] | None = None,
        expression_attribute_values: dict[str, Any] | None = None,
        return_values_on_condition_check_failure: str | None = None,
    ) -> dict[str, Any]:
        returns = check_return_values(return_values, UPDATE_RETURN_VALUES)
        with coral_validation():
            parsed = parse_request(
                Request(
                    update_expression=update_expression,
                    condition_expression=condition_expression,
                    names=expression_attribute_names,
                    values=expression_attribute_values,
                    expected=expected,
                    attribute_updates=attribute_updates,
                    conditional_operator=conditional_operator,
                ),
                ["UpdateExpression", "ConditionExpression"],
                ["AttributeUpdates", *_CONDITION_LEGACY],
            )
            validate_item(key)
        context = self._change_context()
        with self.db.transaction() as connection:
            table = self._item_table(connection, table_name)
            planned = writes.update(
                connection,
                table,
                key,
                parsed.update,
                parsed.condition,
                return_values_on_condition_check_failure,
            )
            written = writes.commit(connection, table, planned, context)
        self._committed(context)
        result = _write_result(
            table, written, return_consumed_capacity, return_item_collection_metrics
        )
        attributes = returned_attributes(returns, written, parsed.update)
        if attributes:
            result["Attributes"] = attributes
        return result

    def delete_item(
        self,
        *,
        table_name: str,
        key: Item,
        expected: dict[str, Any] | None = None,
        conditional_operator: str | None = None,
        return_values: str | None = None,
        return_consumed_capacity: str | None = None,
        return_item_collection_metrics: str | None = None,
        condition_expression: str | None = None,
        expression_attribute_names: dict[str, str] | None = None,
        expression_attribute_values: dict[str, Any] | None = None,
        return_values_on_condition_check_failure: str | None = None,
    ) -> dict[str, Any]:
        returns = check_return_values(return_values, ALL_OLD_OR_NONE)
        with coral_validation():
            parsed = _parse_condition(
                condition_expression,
                expression_attribute_names,
                expression_attribute_values,
                expected,
                conditional_operator,
            )
            validate_item(key)
        context = self._change_context()
        with self.db.transaction() as connection:
            table = self._item_table(connection, table_name)
            planned = writes.delete(
                connection, table, key, parsed.condition, return_values_on_condition_check_failure
            )
            written = writes.commit(connection, table, planned, context)
        self._committed(context)
        result = _write_result(
            table, written, return_consumed_capacity, return_item_collection_metrics
        )
        if returns == "ALL_OLD" and written.old is not None:
            result["Attributes"] = written.old
        return result


def item_size_of(item: Item | None) -> int:
    return 0 if item is None else item_size(item)


def returned_attributes(
    returns: str, written: writes.Written, plan: UpdatePlan | None
) -> Item | None:
    """What UpdateItem's ReturnValues asks for."""
    if returns == "ALL_OLD":
        return written.old
    if returns == "ALL_NEW":
        return written.new
    if plan is None:
        return None
    if returns == "UPDATED_OLD":
        return plan.project_updated(written.old) if written.old is not None else None
    if returns == "UPDATED_NEW":
        return plan.project_updated(written.new) if written.new is not None else None
    return None


def _write_result(
    table: StoredTable, written: writes.Written, capacity: str | None, metrics: str | None
) -> dict[str, Any]:
    result: dict[str, Any] = {}
    if (report := written.consumed.report(capacity)) is not None:
        result["ConsumedCapacity"] = report
    collection = item_collection_metrics(table, written, metrics)
    if collection is not None:
        result["ItemCollectionMetrics"] = collection
    return result


def item_collection_metrics(
    table: StoredTable, written: writes.Written, metrics: str | None
) -> dict[str, Any] | None:
    """AWS reports item collections (for ``SIZE``) only for tables with local indexes."""
    if metrics != "SIZE" or not any(index.kind == "LSI" for index in table.meta.indexes):
        return None
    item = written.new if written.new is not None else written.old
    if item is None:
        return None
    hash_name = table.meta.schema.hash.name
    return {"ItemCollectionKey": {hash_name: item[hash_name]}, "SizeEstimateRangeGB": [0.0, 1.0]}
