"""CreateTable, DescribeTable, ListTables, DeleteTable.

Tables are usable as soon as CreateTable returns: its answer says CREATING, as AWS's does, and
DescribeTable says ACTIVE from then on (AWS takes seconds; ``wait_until_exists`` returns at once).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from lakehose.services.dynamodb import schema, store, stream_records
from lakehose.services.dynamodb.base import DynamoDBBase
from lakehose.services.dynamodb.errors import (
    ResourceInUseException,
    ValidationException,
    invalid_parameters,
)
from lakehose.services.dynamodb.statuses import IndexStatus, TableStatus
from lakehose.services.dynamodb.tables import IndexMeta, TableMeta, Throughput
from lakehose.services.dynamodb.tags import check_new as check_tags

DEFAULT_LIST_LIMIT = 100


class TableOperations(DynamoDBBase):
    def create_table(
        self,
        *,
        table_name: str,
        attribute_definitions: list[dict[str, str]],
        key_schema: list[dict[str, str]],
        local_secondary_indexes: list[dict[str, Any]] | None = None,
        global_secondary_indexes: list[dict[str, Any]] | None = None,
        billing_mode: str | None = None,
        provisioned_throughput: dict[str, int] | None = None,
        stream_specification: dict[str, Any] | None = None,
        sse_specification: dict[str, Any] | None = None,
        tags: list[dict[str, str]] | None = None,
        table_class: str | None = None,
        deletion_protection_enabled: bool | None = None,
        on_demand_throughput: dict[str, int] | None = None,
    ) -> dict[str, Any]:
        name = self._table_name(table_name)
        mode = billing_mode or "PROVISIONED"
        schema.check_billing(mode, provisioned_throughput)
        schema.check_key_count(key_schema)
        schema.check_definitions(
            key_schema, attribute_definitions, local_secondary_indexes, global_secondary_indexes
        )
        table_key = schema.table_schema(key_schema, attribute_definitions)
        indexes: list[IndexMeta] = []
        if local_secondary_indexes is not None:
            indexes += schema.local_indexes(
                local_secondary_indexes, table_key, attribute_definitions
            )
        if global_secondary_indexes is not None:
            if not global_secondary_indexes:
                raise invalid_parameters("List of GlobalSecondaryIndexes is empty")
            indexes += [
                schema.global_index(index, attribute_definitions, mode, creating=True)
                for index in global_secondary_indexes
            ]
        schema.check_index_names(indexes)
        stream = _stream_for_create(stream_specification)
        tag_map = check_tags(tags or [], {})
        now = self.clock.now()
        throughput = provisioned_throughput or {"ReadCapacityUnits": 0, "WriteCapacityUnits": 0}
        meta = TableMeta(
            name=name,
            table_id=self.ids.uuid4(),
            arn=self._table_arn(name),
            created=now,
            schema=table_key,
            attribute_definitions=[dict(d) for d in attribute_definitions],
            billing_mode=mode,
            billing_explicit=billing_mode is not None,
            throughput=Throughput(
                throughput["ReadCapacityUnits"], throughput["WriteCapacityUnits"]
            ),
            indexes=indexes,
            stream=stream,
            stream_label=stream_label(now) if stream else None,
            sse=dict(sse_specification) if sse_specification else None,
            table_class=table_class,
            deletion_protection=bool(deletion_protection_enabled),
            on_demand=dict(on_demand_throughput) if on_demand_throughput else None,
            tags=tag_map,
        )
        with self.db.transaction() as connection:
            if store.find_table(connection, name) is not None:
                raise ResourceInUseException.table_exists(name)
            store.insert_table(connection, meta)
            if meta.stream is not None:
                stream_records.announce_opened(connection, meta, int(now * 1000))
        if meta.stream is not None:
            self._deliver_now()
        description = meta.describe(
            {}, status=TableStatus.CREATING, index_status=IndexStatus.CREATING
        )
        return {"TableDescription": description}

    def describe_table(self, *, table_name: str) -> dict[str, Any]:
        with self.db.read() as connection:
            table = self._control_table(connection, table_name)
            counts = store.counts(connection, table.id)
        return {"Table": table.meta.describe(counts)}

    def list_tables(
        self, *, exclusive_start_table_name: str | None = None, limit: int | None = None
    ) -> dict[str, Any]:
        page = limit or DEFAULT_LIST_LIMIT
        with self.db.read() as connection:
            names = store.table_names(connection, exclusive_start_table_name, page + 1)
        result: dict[str, Any] = {"TableNames": names[:page]}
        if len(names) > page:
            result["LastEvaluatedTableName"] = names[page - 1]
        return result

    def delete_table(self, *, table_name: str) -> dict[str, Any]:
        with self.db.transaction() as connection:
            table = self._control_table(connection, table_name)
            if table.meta.deletion_protection:
                raise ValidationException(
                    "Resource cannot be deleted as it is currently protected against deletion. "
                    "Disable deletion protection first."
                )
            counts = store.counts(connection, table.id)
            store.delete_table(connection, table.id)
            stream_records.announce_closed(connection, table.meta, self._now_ms())
        if table.meta.stream is not None:
            self._deliver_now()
        return {"TableDescription": table.meta.describe_deleted(counts)}


def stream_label(now: float) -> str:
    """The ``LatestStreamLabel`` of a stream enabled at ``now``: an ISO time with milliseconds."""
    moment = datetime.fromtimestamp(now, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}"


def _stream_for_create(specification: dict[str, Any] | None) -> dict[str, Any] | None:
    if specification is None:
        return None
    enabled = specification["StreamEnabled"]
    if enabled and "StreamViewType" not in specification:
        raise invalid_parameters(
            "Table is being created with a stream enabled, UpdateViewType is required"
        )
    if not enabled and "StreamViewType" in specification:
        raise invalid_parameters(
            "Table is being created with a stream disabled, UpdateViewType should not be specified"
        )
    return dict(specification) if enabled else None
