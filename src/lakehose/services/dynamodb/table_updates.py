"""UpdateTable: billing mode, provisioned throughput, global secondary indexes, streams, SSE,
table class and deletion protection.

A new index is backfilled from the table's items inside the UpdateTable transaction, so it is
complete and queryable as soon as the call returns (AWS backfills for minutes; its answer says
CREATING, as this one's does).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from typing import Any

from lakehose.services.dynamodb import schema, store, stream_records
from lakehose.services.dynamodb.attributes import item_size
from lakehose.services.dynamodb.base import DynamoDBBase
from lakehose.services.dynamodb.errors import (
    ResourceNotFoundException,
    ValidationException,
    invalid_parameters,
)
from lakehose.services.dynamodb.keys import canonical_key
from lakehose.services.dynamodb.statuses import TableStatus
from lakehose.services.dynamodb.store import StoredTable
from lakehose.services.dynamodb.table_operations import stream_label
from lakehose.services.dynamodb.tables import IndexMeta, TableMeta, Throughput

NOTHING_TO_UPDATE = (
    "At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, "
    "GlobalSecondaryIndexUpdates, SSESpecification, ReplicaUpdates, MultiAccountReplicaReady, "
    "ReplicaTransitRoleArn, MultiRegionConsistency, DeletionProtectionEnabled, "
    "OnDemandThroughput, WarmThroughput or TableClass is required"
)


class TableUpdates(DynamoDBBase):
    def update_table(
        self,
        *,
        table_name: str,
        attribute_definitions: list[dict[str, str]] | None = None,
        billing_mode: str | None = None,
        provisioned_throughput: dict[str, int] | None = None,
        global_secondary_index_updates: list[dict[str, Any]] | None = None,
        stream_specification: dict[str, Any] | None = None,
        sse_specification: dict[str, Any] | None = None,
        table_class: str | None = None,
        deletion_protection_enabled: bool | None = None,
        on_demand_throughput: dict[str, int] | None = None,
    ) -> dict[str, Any]:
        changes = (
            billing_mode,
            provisioned_throughput,
            global_secondary_index_updates,
            stream_specification,
            sse_specification,
            table_class,
            deletion_protection_enabled,
            on_demand_throughput,
        )
        if all(change is None for change in changes):
            raise ValidationException(NOTHING_TO_UPDATE)
        now = self.clock.now()
        with self.db.transaction() as connection:
            table = self._control_table(connection, table_name)
            meta = table.meta
            _update_billing(meta, billing_mode, provisioned_throughput, now)
            created = self._update_indexes(
                connection, table, global_secondary_index_updates or [], attribute_definitions
            )
            if stream_specification is not None:
                _update_stream(connection, meta, stream_specification, now)
            if sse_specification is not None:
                meta.sse = dict(sse_specification)
            if table_class is not None:
                meta.table_class = table_class
                meta.table_class_updated = now
            if deletion_protection_enabled is not None:
                meta.deletion_protection = deletion_protection_enabled
            if on_demand_throughput is not None:
                meta.on_demand = dict(on_demand_throughput)
            store.save_table(connection, table)
            counts = store.counts(connection, table.id)
        if stream_specification is not None:
            self._deliver_now()
        updating = any(
            change is not None
            for change in (
                billing_mode,
                provisioned_throughput,
                global_secondary_index_updates,
                stream_specification,
            )
        )
        description = meta.describe(
            counts,
            status=TableStatus.UPDATING if updating else TableStatus.ACTIVE,
            new_indexes=frozenset(created),
        )
        return {"TableDescription": description}

    def _update_indexes(
        self,
        connection: sqlite3.Connection,
        table: StoredTable,
        updates: list[dict[str, Any]],
        definitions: list[dict[str, str]] | None,
    ) -> list[str]:
        """Apply GlobalSecondaryIndexUpdates; returns the names of the indexes created."""
        meta = table.meta
        seen: set[str] = set()
        created: list[str] = []
        for update in updates:
            actions = [a for a in ("Update", "Create", "Delete") if update.get(a) is not None]
            if not actions:
                raise invalid_parameters(
                    "One of GlobalSecondaryIndexUpdate.Update, GlobalSecondaryIndexUpdate.Create, "
                    "GlobalSecondaryIndexUpdate.Delete must not be null"
                )
            if len(actions) > 1:
                raise invalid_parameters(
                    "Only one global secondary index action is allowed per "
                    "GlobalSecondaryIndexUpdate object"
                )
            action = actions[0]
            body = update[action]
            name = body["IndexName"]
            if name in seen:
                raise invalid_parameters(
                    "Only one global secondary index update per index is allowed "
                    f"simultaneously. Index: {name}"
                )
            seen.add(name)
            existing = meta.index(name)
            if action == "Create":
                if existing is not None:
                    raise ValidationException("Attempting to create an index which already exists")
                merged = _merge_definitions(meta, body, definitions)
                index = schema.global_index(body, merged, meta.billing_mode, creating=False)
                meta.indexes.append(index)
                schema.check_index_names(meta.indexes)
                meta.attribute_definitions = merged
                _backfill(connection, table, index)
                created.append(name)
            elif existing is None:
                raise ResourceNotFoundException(
                    f"Requested resource not found: Index: {name} not found"
                )
            elif existing.kind != "GSI":
                verb = "delete" if action == "Delete" else "update"
                raise ValidationException(
                    f"Cannot {verb} an index that is not a GlobalSecondaryIndex: {name}"
                )
            elif action == "Delete":
                meta.indexes.remove(existing)
                store.delete_index_rows(connection, table.id, name)
                meta.attribute_definitions = _used_definitions(meta)
            else:
                _update_index_throughput(meta, existing, body)
        return created


def _update_billing(
    meta: TableMeta, mode: str | None, throughput: Mapping[str, int] | None, now: float
) -> None:
    target = mode or meta.billing_mode
    if target == "PAY_PER_REQUEST":
        if throughput is not None:
            raise invalid_parameters(
                "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when "
                "BillingMode is PAY_PER_REQUEST"
            )
        if meta.billing_mode != "PAY_PER_REQUEST":
            meta.billing_switched = now
        meta.billing_mode = target
        if mode is not None:
            meta.billing_explicit = True
        return
    if throughput is None:
        if meta.billing_mode == "PAY_PER_REQUEST":
            raise invalid_parameters(
                "ProvisionedThroughput must be specified when BillingMode is PROVISIONED"
            )
        return
    schema.check_capacity(throughput)
    if meta.billing_mode == "PAY_PER_REQUEST":
        for index in meta.indexes:
            if index.kind == "GSI" and index.throughput is None:
                raise invalid_parameters(
                    f"ProvisionedThroughput must be specified for index: {index.name}"
                )
        meta.billing_mode = "PROVISIONED"
        meta.billing_explicit = True
        meta.throughput = Throughput(
            throughput["ReadCapacityUnits"], throughput["WriteCapacityUnits"]
        )
        return
    _change_throughput(meta.throughput, throughput, now, "the table")


def _change_throughput(
    current: Throughput, requested: Mapping[str, int], now: float, what: str
) -> None:
    read, write = requested["ReadCapacityUnits"], requested["WriteCapacityUnits"]
    if (read, write) == (current.read, current.write):
        subject = "table" if what == "the table" else f"index {what}"
        raise ValidationException(
            f"The provisioned throughput for the {subject} will not change. The requested value "
            "equals the current value. Current ReadCapacityUnits provisioned for the "
            f"{subject}: {current.read}. Requested ReadCapacityUnits: {read}. Current "
            f"WriteCapacityUnits provisioned for the {subject}: {current.write}. Requested "
            f"WriteCapacityUnits: {write}. Refer to the Amazon DynamoDB Developer Guide for "
            "current limits and how to request higher limits."
        )
    if read < current.read or write < current.write:
        current.decreases_today += 1
        current.last_decrease = now
    if read > current.read or write > current.write:
        current.last_increase = now
    current.read, current.write = read, write


def _update_index_throughput(meta: TableMeta, index: IndexMeta, body: Mapping[str, Any]) -> None:
    throughput = body.get("ProvisionedThroughput")
    if throughput is not None:
        if meta.billing_mode == "PAY_PER_REQUEST":
            raise invalid_parameters(
                f"The only Updates for index: {index.name} when TableThroughputMode is "
                "PAY_PER_REQUEST can be to OnDemandThroughput, WarmThroughput"
            )
        schema.check_capacity(throughput)
        if index.throughput is None:
            index.throughput = Throughput(0, 0)
        _change_throughput(index.throughput, throughput, 0.0, index.name)
    if body.get("OnDemandThroughput") is not None:
        index.on_demand = dict(body["OnDemandThroughput"])


def _update_stream(
    connection: sqlite3.Connection, meta: TableMeta, specification: Mapping[str, Any], now: float
) -> None:
    enabled = specification["StreamEnabled"]
    if enabled:
        if meta.stream is not None:
            raise ValidationException(
                f"Table already has an enabled stream: TableName: {meta.name}"
            )
        if "StreamViewType" not in specification:
            raise invalid_parameters("If stream is being enabled then UpdateViewType is required")
        meta.stream = dict(specification)
        # A stream re-enabled within the millisecond its predecessor got is still a new stream.
        label, moment = stream_label(now), now
        while label == meta.stream_label:
            moment += 0.001
            label = stream_label(moment)
        meta.stream_label = label
        stream_records.announce_opened(connection, meta, int(now * 1000))
        return
    if meta.stream is None:
        raise ValidationException(f"Table has no stream to disable: TableName: {meta.name}")
    if "StreamViewType" in specification:
        raise invalid_parameters(
            "If stream is being disabled, then UpdateViewType must not be specified"
        )
    stream_records.announce_closed(connection, meta, int(now * 1000))
    meta.stream = None


def _merge_definitions(
    meta: TableMeta, body: Mapping[str, Any], definitions: list[dict[str, str]] | None
) -> list[dict[str, str]]:
    """The table's definitions plus those the new index's key needs, from the request."""
    known = {d["AttributeName"]: d for d in meta.attribute_definitions}
    given = {d["AttributeName"]: d for d in definitions or []}
    for key in body["KeySchema"]:
        name = key["AttributeName"]
        if name in known:
            continue
        if name not in given:
            raise invalid_parameters(
                f"AttributeDefinitions is not specified for index: {body['IndexName']}"
            )
        known[name] = dict(given[name])
    return list(known.values())


def _used_definitions(meta: TableMeta) -> list[dict[str, str]]:
    """Definitions still used by the table's or an index's key (AWS drops the others)."""
    used = set(meta.schema.names)
    for index in meta.indexes:
        used |= set(index.schema.names)
    return [d for d in meta.attribute_definitions if d["AttributeName"] in used]


def _backfill(connection: sqlite3.Connection, table: StoredTable, index: IndexMeta) -> None:
    """Index every item that has the index's key attributes with the right types."""
    schema_ = table.meta.schema
    for row in store.walk(connection, store.RowRange(table.id, store.TABLE_ROWS)):
        if not index.schema.covers(row.item):
            continue
        projected = index.project(row.item, schema_)
        store.put_row(
            connection,
            table.id,
            index.name,
            index.schema.encode(projected),
            canonical_key(schema_, row.item),
            projected,
            item_size(projected),
        )
