"""CreateTable, GetTable, GetTables, UpdateTable, DeleteTable, BatchDeleteTable, GetTableVersions.

A table is stored as the ``Table`` document GetTable returns: the ``TableInput`` exactly as given
(only ``Name`` is lowercased, as Glue stores names) plus the members Glue adds itself
(``DatabaseName``, ``CreateTime``, ``UpdateTime``, ``Retention`` when absent, ``CreatedBy``,
``IsRegisteredWithLakeFormation``, ``CatalogId``, ``VersionId``, ``IsMultiDialectView``), which is
what real GetTable answers show. Every UpdateTable stores a new version (``"0"``, ``"1"``, ...).
"""

from __future__ import annotations

import re
import sqlite3
from typing import Any

from lakehose.services.glue import store
from lakehose.services.glue.base import (
    Document,
    GlueBase,
    decode_token,
    encode_token,
    project,
    storable,
)
from lakehose.services.glue.errors import (
    AlreadyExistsException,
    ConcurrentModificationException,
    EntityNotFoundException,
    InvalidInputException,
    error_detail,
    unsupported,
)
from lakehose.services.glue.expressions import regex_full_matches

_TABLE_ATTRIBUTES = {"NAME": "Name", "TABLE_TYPE": "TableType"}
_UNSUPPORTED_INPUT = ("TargetTable", "FederatedTable", "ViewDefinition")
_DEFAULT_PAGE = 100


class TableOperations(GlueBase):
    def create_table(
        self,
        *,
        database_name: str,
        table_input: dict[str, Any] | None = None,
        name: str | None = None,
        catalog_id: str | None = None,
        partition_indexes: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """``Name`` and no ``TableInput`` is how Iceberg tables are created; not supported."""
        self._check_catalog(catalog_id, "CreateTable")
        table_input = _required_input(table_input, name)
        with self.db.transaction() as connection:
            self._insert_table(connection, database_name, table_input, self.caller_arn)
        return {}

    def get_table(
        self,
        *,
        database_name: str,
        name: str,
        catalog_id: str | None = None,
        include_status_details: bool | None = None,
        attributes_to_get: list[str] | None = None,
    ) -> dict[str, Any]:
        self._check_catalog(catalog_id, "GetTable")
        with self.db.read() as connection:
            table = self._locate_table(connection, database_name, name)
        return {"Table": _project(table, attributes_to_get)}

    def get_tables(
        self,
        *,
        database_name: str,
        catalog_id: str | None = None,
        expression: str | None = None,
        next_token: str | None = None,
        max_results: int | None = None,
        include_status_details: bool | None = None,
        attributes_to_get: list[str] | None = None,
    ) -> dict[str, Any]:
        self._check_catalog(catalog_id, "GetTables")
        pattern = name_pattern(expression)
        after = decode_token(next_token, "")
        limit = max_results or _DEFAULT_PAGE
        with self.db.read() as connection:
            self._locate_database(connection, database_name)
            tables = store.tables_of(connection, database_name.lower())
        matching = [table for table in tables if table["Name"] > after]
        if pattern is not None:
            try:
                found = regex_full_matches(
                    pattern, [table["Name"] for table in matching], ignore_case=True
                )
            except ValueError:
                raise InvalidInputException(f"Invalid expression: {expression}") from None
            matching = [table for table, matched in zip(matching, found, strict=True) if matched]
        result: dict[str, Any] = {
            "TableList": [_project(table, attributes_to_get) for table in matching[:limit]]
        }
        if len(matching) > limit:
            result["NextToken"] = encode_token(matching[limit - 1]["Name"])
        return result

    def update_table(
        self,
        *,
        database_name: str,
        table_input: dict[str, Any] | None = None,
        name: str | None = None,
        catalog_id: str | None = None,
        skip_archive: bool | None = None,
        version_id: str | None = None,
    ) -> dict[str, Any]:
        self._check_catalog(catalog_id, "UpdateTable")
        table_input = _required_input(table_input, name)
        with self.db.transaction() as connection:
            current = self._locate_table(connection, database_name, table_input["Name"])
            if version_id is not None and version_id != current["VersionId"]:
                raise ConcurrentModificationException(
                    "Update table failed due to concurrent modifications."
                )
            self._replace_table(connection, current, table_input, archive=not skip_archive)
        return {}

    def delete_table(
        self, *, database_name: str, name: str, catalog_id: str | None = None
    ) -> dict[str, Any]:
        self._check_catalog(catalog_id, "DeleteTable")
        with self.db.transaction() as connection:
            table = self._locate_table(connection, database_name, name)
            store.delete_table(connection, table["DatabaseName"], table["Name"])
        return {}

    def batch_delete_table(
        self, *, database_name: str, tables_to_delete: list[str], catalog_id: str | None = None
    ) -> dict[str, Any]:
        self._check_catalog(catalog_id, "BatchDeleteTable")
        errors: list[dict[str, Any]] = []
        with self.db.transaction() as connection:
            database = self._locate_database(connection, database_name)["Name"]
            for table in tables_to_delete:
                if not store.delete_table(connection, database, table.lower()):
                    missing = EntityNotFoundException.table(table.lower())
                    errors.append({"TableName": table, "ErrorDetail": error_detail(missing)})
        return {"Errors": errors}

    def get_table_versions(
        self,
        *,
        database_name: str,
        table_name: str,
        catalog_id: str | None = None,
        next_token: str | None = None,
        max_results: int | None = None,
    ) -> dict[str, Any]:
        self._check_catalog(catalog_id, "GetTableVersions")
        after = decode_token(next_token, -1)
        limit = max_results or _DEFAULT_PAGE
        with self.db.read() as connection:
            table = self._locate_table(connection, database_name, table_name)
            versions = store.table_versions(
                connection, table["DatabaseName"], table["Name"], after, limit + 1
            )
        result: dict[str, Any] = {
            "TableVersions": [
                {"Table": version, "VersionId": version["VersionId"]}
                for version in versions[:limit]
            ]
        }
        if len(versions) > limit:
            result["NextToken"] = encode_token(int(versions[limit - 1]["VersionId"]))
        return result

    # -- shared with the crawler ----------------------------------------------------------

    def _insert_table(
        self,
        connection: sqlite3.Connection,
        database_name: str,
        table_input: dict[str, Any],
        created_by: str,
    ) -> Document:
        """Store a new table as version 0 (AlreadyExistsException if the name is taken)."""
        database = self._locate_database(connection, database_name)["Name"]
        name = table_input["Name"].lower()
        if store.find_table(connection, database, name) is not None:
            raise AlreadyExistsException.of("Table")
        now = self.clock.now()
        document = self._table_document(table_input, database, now, 0, created_by, now)
        store.put_table_version(connection, database, name, 0, document)
        return document

    def _replace_table(
        self,
        connection: sqlite3.Connection,
        current: Document,
        table_input: dict[str, Any],
        *,
        archive: bool = True,
    ) -> Document:
        """Store ``table_input`` as the table's next version; without ``archive`` the previous
        version is not kept (UpdateTable's SkipArchive)."""
        version = int(current["VersionId"]) + 1
        document = self._table_document(
            table_input,
            current["DatabaseName"],
            current["CreateTime"],
            version,
            current.get("CreatedBy", self.caller_arn),
            self.clock.now(),
        )
        database, name = current["DatabaseName"], current["Name"]
        store.put_table_version(connection, database, name, version, document)
        if not archive:
            connection.execute(
                "DELETE FROM table_versions WHERE database = ? AND name = ? AND version = ?",
                (database, name, version - 1),
            )
        return document

    def _table_document(
        self,
        table_input: dict[str, Any],
        database: str,
        created: float,
        version: int,
        created_by: str,
        updated: float,
    ) -> Document:
        for member in _UNSUPPORTED_INPUT:
            if member in table_input:
                raise unsupported(f"TableInput.{member}")
        if "SchemaReference" in table_input.get("StorageDescriptor", {}):
            raise unsupported("StorageDescriptor.SchemaReference (the Glue Schema Registry)")
        document: Document = {"Retention": 0, **storable(table_input)}
        document.update(
            Name=table_input["Name"].lower(),
            DatabaseName=database,
            CreateTime=created,
            UpdateTime=updated,
            CreatedBy=created_by,
            IsRegisteredWithLakeFormation=False,
            CatalogId=self.account_id,
            VersionId=str(version),
            IsMultiDialectView=False,
        )
        return document


def name_pattern(expression: str | None) -> str | None:
    """GetTables' Expression: a regular expression over table names, in which a bare ``*``
    means any characters (Hive's pattern habit that Glue keeps: ``sales*``, ``a*|b*``).

    It is matched by RE2 (``regex_full_matches``), never by Python's backtracking ``re``."""
    if not expression:
        return None
    return re.sub(r"(?<!\.)\*", ".*", expression)


def _required_input(table_input: dict[str, Any] | None, name: str | None) -> dict[str, Any]:
    """The TableInput of a Create/UpdateTable; the top-level Name, if given, must agree."""
    if table_input is None:
        raise InvalidInputException("TableInput is required")
    if name is not None and name.lower() != table_input["Name"].lower():
        raise InvalidInputException("Name and TableInput.Name must be the same table")
    return table_input


def _project(table: Document, attributes: list[str] | None) -> Document:
    if attributes is not None and (
        "DEFAULT" in attributes or "LATEST_ICEBERG_METADATA" in attributes
    ):
        return table
    return project(table, attributes, _TABLE_ATTRIBUTES)
