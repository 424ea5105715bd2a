"""BatchWriteItem (up to 25 puts and deletes) and BatchGetItem (up to 100 keys).

A local engine is never throttled, so ``UnprocessedItems`` is always empty; a batch is applied in
one SQLite transaction, and a request AWS would reject as a whole (a missing table, a key that
does not match, a duplicate) is rejected before anything is written. BatchGetItem stops at AWS's
16 MB response limit and returns the rest as ``UnprocessedKeys``.
"""

from __future__ import annotations

from typing import Any

from lakehose.services.dynamodb import writes
from lakehose.services.dynamodb.attributes import item_size, validate_item
from lakehose.services.dynamodb.base import DynamoDBBase
from lakehose.services.dynamodb.capacity import Consumed, read_units, report_all
from lakehose.services.dynamodb.codec import Item
from lakehose.services.dynamodb.errors import ValidationException
from lakehose.services.dynamodb.items import item_collection_metrics
from lakehose.services.dynamodb.keys import canonical_key
from lakehose.services.dynamodb.requests import Request, parse_request

MAX_WRITES = 25
MAX_READS = 100
RESPONSE_BYTES = 16 << 20
DUPLICATES = "Provided list of item keys contains duplicates"


class BatchOperations(DynamoDBBase):
    def batch_write_item(
        self,
        *,
        request_items: dict[str, list[dict[str, Any]]],
        return_consumed_capacity: str | None = None,
        return_item_collection_metrics: str | None = None,
    ) -> dict[str, Any]:
        if sum(len(requests) for requests in request_items.values()) > MAX_WRITES:
            raise ValidationException("Too many items requested for the BatchWriteItem call")
        prepared: dict[str, list[tuple[str, Item]]] = {}
        for table_name, requests in request_items.items():
            prepared[table_name] = []
            for request in requests:
                put, delete = request.get("PutRequest"), request.get("DeleteRequest")
                if (put is None) == (delete is None):
                    raise ValidationException(
                        "Supplied AttributeValue has more than one datatypes set, must contain "
                        "exactly one of the supported datatypes"
                    )
                if put is not None:
                    prepared[table_name].append(("put", writes.checked_item(put["Item"])))
                elif delete is not None:
                    validate_item(delete["Key"])
                    prepared[table_name].append(("delete", delete["Key"]))
        consumed: list[Consumed] = []
        metrics: dict[str, list[dict[str, Any]]] = {}
        with self.db.transaction() as connection:
            tables = {name: self._item_table(connection, name) for name in prepared}
            context = self._change_context()
            for table_name, actions in prepared.items():
                table = tables[table_name]
                seen: set[bytes] = set()
                planned = []
                for kind, item in actions:
                    if kind == "put":
                        writes.check_item_keys(table.meta, item)
                    else:
                        table.meta.schema.check_key(item)
                    identity = canonical_key(table.meta.schema, item)
                    if identity in seen:
                        raise ValidationException(DUPLICATES)
                    seen.add(identity)
                    planned.append(
                        writes.put(connection, table, item, None)
                        if kind == "put"
                        else writes.delete(connection, table, item, None)
                    )
                for plan in planned:
                    written = writes.commit(connection, table, plan, context)
                    consumed.append(written.consumed)
                    collection = item_collection_metrics(
                        table, written, return_item_collection_metrics
                    )
                    if collection is not None:
                        metrics.setdefault(table_name, []).append(collection)
        self._committed(context)
        result: dict[str, Any] = {"UnprocessedItems": {}}
        if (report := report_all(consumed, return_consumed_capacity)) is not None:
            result["ConsumedCapacity"] = report
        if return_item_collection_metrics == "SIZE":
            result["ItemCollectionMetrics"] = metrics
        return result

    def batch_get_item(
        self,
        *,
        request_items: dict[str, dict[str, Any]],
        return_consumed_capacity: str | None = None,
    ) -> dict[str, Any]:
        if sum(len(request["Keys"]) for request in request_items.values()) > MAX_READS:
            raise ValidationException("Too many items requested for the BatchGetItem call")
        projections = {}
        for table_name, request in request_items.items():
            parsed = parse_request(
                Request(
                    projection_expression=request.get("ProjectionExpression"),
                    names=request.get("ExpressionAttributeNames"),
                    attributes_to_get=request.get("AttributesToGet"),
                ),
                ["ProjectionExpression"],
                ["AttributesToGet"],
            )
            projections[table_name] = parsed.projection
            for key in request["Keys"]:
                validate_item(key)
        responses: dict[str, list[Item]] = {}
        unprocessed: dict[str, dict[str, Any]] = {}
        consumed: list[Consumed] = []
        size = 0
        full = False
        with self.db.read() as connection:
            tables = {name: self._item_table(connection, name) for name in request_items}
            for table_name, request in request_items.items():
                table = tables[table_name]
                seen: set[bytes] = set()
                for key in request["Keys"]:
                    table.meta.schema.check_key(key)
                    identity = canonical_key(table.meta.schema, key)
                    if identity in seen:
                        raise ValidationException(DUPLICATES)
                    seen.add(identity)
                responses[table_name] = []
                cost = Consumed(table_name)
                for key in request["Keys"]:
                    found = None if full else writes.current(connection, table, key)
                    found_size = item_size(found) if found is not None else 0
                    if full or size + found_size > RESPONSE_BYTES:
                        # Past 16 MB: this key and every later one are left for the next call.
                        full = True
                        pending = unprocessed.setdefault(table_name, {**request, "Keys": []})
                        pending["Keys"].append(key)
                        continue
                    cost.table += read_units(found_size, bool(request.get("ConsistentRead")))
                    if found is not None:
                        size += found_size
                        projection = projections[table_name]
                        responses[table_name].append(
                            projection.apply(found) if projection else found
                        )
                consumed.append(cost)
        result: dict[str, Any] = {"Responses": responses, "UnprocessedKeys": unprocessed}
        if (report := report_all(consumed, return_consumed_capacity)) is not None:
            result["ConsumedCapacity"] = report
        return result
