"""CreatePartition, BatchCreatePartition, GetPartition, GetPartitions, UpdatePartition,
DeletePartition, BatchDeletePartition.

A partition is stored as the ``Partition`` document Glue returns: the ``PartitionInput`` as given
plus ``DatabaseName``, ``TableName``, ``CreationTime`` and ``CatalogId``. Partitions list in
creation order; ``Segment`` splits them by a stable hash of their values, so the segments of one
table are disjoint and together hold every partition.
"""

from __future__ import annotations

import sqlite3
import zlib
from typing import Any

from lakehose.services.glue import store
from lakehose.services.glue.base import Document, GlueBase, decode_token, encode_token, storable
from lakehose.services.glue.errors import (
    AlreadyExistsException,
    EntityNotFoundException,
    InvalidInputException,
    error_detail,
)
from lakehose.services.glue.expressions import Key, PartitionFilter

_DEFAULT_PAGE = 1000


class PartitionOperations(GlueBase):
    def create_partition(
        self,
        *,
        database_name: str,
        table_name: str,
        partition_input: dict[str, Any],
        catalog_id: str | None = None,
    ) -> dict[str, Any]:
        self._check_catalog(catalog_id, "CreatePartition")
        with self.db.transaction() as connection:
            table = self._locate_table(connection, database_name, table_name)
            self._add_partition(connection, table, partition_input)
        return {}

    def batch_create_partition(
        self,
        *,
        database_name: str,
        table_name: str,
        partition_input_list: list[dict[str, Any]],
        catalog_id: str | None = None,
    ) -> dict[str, Any]:
        self._check_catalog(catalog_id, "BatchCreatePartition")
        errors: list[dict[str, Any]] = []
        with self.db.transaction() as connection:
            table = self._locate_table(connection, database_name, table_name)
            for partition_input in partition_input_list:
                try:
                    self._add_partition(connection, table, partition_input)
                except (AlreadyExistsException, InvalidInputException) as error:
                    values = partition_input.get("Values", [])
                    errors.append({"PartitionValues": values, "ErrorDetail": error_detail(error)})
        return {"Errors": errors}

    def get_partition(
        self,
        *,
        database_name: str,
        table_name: str,
        partition_values: list[str],
        catalog_id: str | None = None,
    ) -> dict[str, Any]:
        self._check_catalog(catalog_id, "GetPartition")
        with self.db.read() as connection:
            table = self._locate_table(connection, database_name, table_name)
            return {"Partition": self._locate(connection, table, partition_values)[1]}

    def get_partitions(
        self,
        *,
        database_name: str,
        table_name: str,
        catalog_id: str | None = None,
        expression: str | None = None,
        next_token: str | None = None,
        segment: dict[str, int] | None = None,
        max_results: int | None = None,
        exclude_column_schema: bool | None = None,
    ) -> dict[str, Any]:
        self._check_catalog(catalog_id, "GetPartitions")
        after = decode_token(next_token, 0)
        limit = max_results or _DEFAULT_PAGE
        if segment is not None and segment["SegmentNumber"] >= segment["TotalSegments"]:
            raise InvalidInputException("The segment number must be less than the total segments")
        found: list[tuple[int, Document]] = []
        with self.db.read() as connection:
            table = self._locate_table(connection, database_name, table_name)
            matches = partition_filter(table, expression)
            rows = store.partitions_after(connection, table["DatabaseName"], table["Name"], after)
            for row_id, key, partition in rows:
                if segment is not None and not _in_segment(key, segment):
                    continue
                if matches is not None and not matches.matches(partition["Values"]):
                    continue
                found.append((row_id, partition))
                if len(found) > limit:
                    break
        partitions = [partition for _, partition in found[:limit]]
        if exclude_column_schema:
            partitions = [_without_columns(partition) for partition in partitions]
        result: dict[str, Any] = {"Partitions": partitions}
        if len(found) > limit:
            result["NextToken"] = encode_token(found[limit - 1][0])
        return result

    def update_partition(
        self,
        *,
        database_name: str,
        table_name: str,
        partition_value_list: list[str],
        partition_input: dict[str, Any],
        catalog_id: str | None = None,
    ) -> dict[str, Any]:
        self._check_catalog(catalog_id, "UpdatePartition")
        with self.db.transaction() as connection:
            table = self._locate_table(connection, database_name, table_name)
            row_id, current = self._locate(connection, table, partition_value_list)
            values: list[str] = partition_input.get("Values") or current["Values"]
            if values != current["Values"]:
                self._check_values(table, values)
                if store.find_partition(connection, table["DatabaseName"], table["Name"], values):
                    raise AlreadyExistsException.of("Partition")
            document = self._document(table, {**partition_input, "Values": values})
            document["CreationTime"] = current["CreationTime"]
            store.replace_partition(connection, row_id, document)
        return {}

    def delete_partition(
        self,
        *,
        database_name: str,
        table_name: str,
        partition_values: list[str],
        catalog_id: str | None = None,
    ) -> dict[str, Any]:
        self._check_catalog(catalog_id, "DeletePartition")
        with self.db.transaction() as connection:
            table = self._locate_table(connection, database_name, table_name)
            store.delete_partition(connection, self._locate(connection, table, partition_values)[0])
        return {}

    def batch_delete_partition(
        self,
        *,
        database_name: str,
        table_name: str,
        partitions_to_delete: list[dict[str, Any]],
        catalog_id: str | None = None,
    ) -> dict[str, Any]:
        self._check_catalog(catalog_id, "BatchDeletePartition")
        errors: list[dict[str, Any]] = []
        with self.db.transaction() as connection:
            table = self._locate_table(connection, database_name, table_name)
            for entry in partitions_to_delete:
                values = entry["Values"]
                try:
                    store.delete_partition(connection, self._locate(connection, table, values)[0])
                except EntityNotFoundException as error:
                    errors.append({"PartitionValues": values, "ErrorDetail": error_detail(error)})
        return {"Errors": errors}

    # -- shared with the crawler ----------------------------------------------------------

    def _add_partition(
        self, connection: sqlite3.Connection, table: Document, partition_input: dict[str, Any]
    ) -> None:
        """Store a new partition of ``table`` (AlreadyExistsException if its values exist)."""
        values = partition_input.get("Values", [])
        self._check_values(table, values)
        if store.find_partition(connection, table["DatabaseName"], table["Name"], values):
            raise AlreadyExistsException.of("Partition")
        store.insert_partition(
            connection, table["DatabaseName"], table["Name"], self._document(table, partition_input)
        )

    def _document(self, table: Document, partition_input: dict[str, Any]) -> Document:
        document: Document = storable(partition_input)
        document.update(
            DatabaseName=table["DatabaseName"],
            TableName=table["Name"],
            CreationTime=self.clock.now(),
            CatalogId=self.account_id,
        )
        return document

    @staticmethod
    def _check_values(table: Document, values: list[str]) -> None:
        if len(values) != len(table.get("PartitionKeys", [])):
            raise InvalidInputException.value_count()

    @staticmethod
    def _locate(
        connection: sqlite3.Connection, table: Document, values: list[str]
    ) -> tuple[int, Document]:
        found = store.find_partition(connection, table["DatabaseName"], table["Name"], values)
        if found is None:
            raise EntityNotFoundException.partition()
        return found


def partition_filter(table: Document, expression: str | None) -> PartitionFilter | None:
    """The table's GetPartitions filter for ``expression`` (None: every partition matches)."""
    if not expression or not expression.strip():
        return None
    columns = table.get("StorageDescriptor", {}).get("Columns", [])
    keys = {column["Name"]: Key(None, column.get("Type", "string")) for column in columns}
    for index, column in enumerate(table.get("PartitionKeys", [])):
        keys[column["Name"]] = Key(index, column.get("Type", "string"))
    try:
        return PartitionFilter(expression, keys)
    except RecursionError:
        # 2048 characters of parentheses nest deeper than Python's stack allows.
        raise InvalidInputException(f"Unsupported expression '{expression}'") from None


def _in_segment(values_key: str, segment: dict[str, int]) -> bool:
    return zlib.crc32(values_key.encode()) % segment["TotalSegments"] == segment["SegmentNumber"]


def _without_columns(partition: Document) -> Document:
    descriptor = partition.get("StorageDescriptor")
    if descriptor is None or "Columns" not in descriptor:
        return partition
    trimmed = {key: value for key, value in descriptor.items() if key != "Columns"}
    return {**partition, "StorageDescriptor": trimmed}
