"""ListDataCatalogs, GetDataCatalog, ListDatabases, GetDatabase, ListTableMetadata,
GetTableMetadata: the Glue Data Catalog as Athena's metadata API shows it.

There is one catalog, ``AwsDataCatalog`` (type GLUE), read through ``ports.CatalogPort``;
federated, Hive and Lambda catalogs are not reproduced. Clients such as PyAthena's SQLAlchemy
dialect read tables through these calls. A table's ``Parameters`` carry the Glue table's own
parameters plus its storage descriptor flattened the way Athena shows it (``location``,
``inputformat``, ``outputformat``, ``serde.serialization.lib``, ``serde.param.<name>``).
"""

from __future__ import annotations

import re
from typing import Any

from lakehose.services.athena.base import AthenaBase, decode_token, encode_token, page_size
from lakehose.services.athena.errors import InvalidRequestException, MetadataException
from lakehose.services.athena.ports import CatalogPort

CATALOG = "AwsDataCatalog"


def _columns(columns: list[dict[str, Any]]) -> list[dict[str, str]]:
    return [
        {key: column[key] for key in ("Name", "Type", "Comment") if key in column}
        for column in columns
    ]


def table_metadata(table: dict[str, Any]) -> dict[str, Any]:
    descriptor = table.get("StorageDescriptor", {})
    serde = descriptor.get("SerdeInfo", {})
    parameters = dict(table.get("Parameters", {}))
    for name, key in (("location", "Location"), ("inputformat", "InputFormat")):
        if key in descriptor:
            parameters[name] = descriptor[key]
    if "OutputFormat" in descriptor:
        parameters["outputformat"] = descriptor["OutputFormat"]
    if "SerializationLibrary" in serde:
        parameters["serde.serialization.lib"] = serde["SerializationLibrary"]
    for name, value in serde.get("Parameters", {}).items():
        parameters[f"serde.param.{name}"] = value
    metadata: dict[str, Any] = {"Name": table["Name"]}
    for member in ("CreateTime", "LastAccessTime", "TableType"):
        if member in table:
            metadata[member] = table[member]
    metadata["Columns"] = _columns(descriptor.get("Columns", []))
    metadata["PartitionKeys"] = _columns(table.get("PartitionKeys", []))
    metadata["Parameters"] = parameters
    return metadata


def _matches(expression: str, names: list[str]) -> list[bool]:
    """Glue's table-name filter: a regular expression in which ``*`` stands for ``.*``.

    Matched by RE2 (DuckDB's), whose time is linear in the name whatever the pattern: Python's
    ``re`` would backtrack, ``(a+)+$`` against a 30-character name taking hours.
    """
    import duckdb  # loaded by the first query anyway; only a filter pays for it here

    connection = duckdb.connect(config={"enable_external_access": False, "threads": 1})
    try:
        # The pattern is compiled even for no names, so that a bad one is refused regardless.
        ((_, found),) = connection.execute(
            "SELECT regexp_full_match('', $2), "
            "list_transform($1::VARCHAR[], lambda t: regexp_full_match(t, $2))",
            [names, re.sub(r"(?<!\.)\*", ".*", expression)],
        ).fetchall()
    except duckdb.Error:
        raise InvalidRequestException(f"Invalid expression: {expression}") from None
    finally:
        connection.close()
    return [bool(matched) for matched in found]


def _page(
    items: list[dict[str, Any]], next_token: str | None, max_results: int | None
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of name-ordered ``items`` and the token of the next."""
    after = decode_token(next_token, "after")
    ordered = sorted(items, key=lambda item: str(item["Name"]))
    if after is not None:
        ordered = [item for item in ordered if item["Name"] > after["after"]]
    limit = page_size(max_results)
    more = len(ordered) > limit
    return ordered[:limit], encode_token({"after": ordered[limit - 1]["Name"]}) if more else None


class CatalogOperations(AthenaBase):
    catalog: CatalogPort

    def _check_catalog(self, name: str) -> None:
        # Athena matches catalog names without regard to case ("awsdatacatalog" works too).
        if name.lower() != CATALOG.lower():
            raise InvalidRequestException.catalog_not_found(name)

    def _not_found(self) -> MetadataException:
        return MetadataException.not_found(self.ids.uuid4())

    def list_data_catalogs(
        self,
        *,
        next_token: str | None = None,
        max_results: int | None = None,
        work_group: str | None = None,
    ) -> dict[str, Any]:
        decode_token(next_token, "after")  # there is only one page
        return {"DataCatalogsSummary": [{"CatalogName": CATALOG, "Type": "GLUE"}]}

    def get_data_catalog(self, *, name: str, work_group: str | None = None) -> dict[str, Any]:
        self._check_catalog(name)
        return {
            "DataCatalog": {
                "Name": CATALOG,
                "Type": "GLUE",
                "Parameters": {"catalog-id": self.account_id},
            }
        }

    def list_databases(
        self,
        *,
        catalog_name: str,
        next_token: str | None = None,
        max_results: int | None = None,
        work_group: str | None = None,
        attributes_to_get: list[str] | None = None,
    ) -> dict[str, Any]:
        self._check_catalog(catalog_name)
        databases = [_database(found) for found in self.catalog.list_databases()]
        page, token = _page(databases, next_token, max_results)
        if attributes_to_get == ["DATABASE_NAME"]:
            page = [{"Name": database["Name"]} for database in page]
        return {"DatabaseList": page, **({"NextToken": token} if token else {})}

    def get_database(
        self, *, catalog_name: str, database_name: str, work_group: str | None = None
    ) -> dict[str, Any]:
        self._check_catalog(catalog_name)
        found = self.catalog.get_database(database_name)
        if found is None:
            raise self._not_found()
        return {"Database": _database(found)}

    def list_table_metadata(
        self,
        *,
        catalog_name: str,
        database_name: str,
        expression: str | None = None,
        next_token: str | None = None,
        max_results: int | None = None,
        work_group: str | None = None,
        attributes_to_get: list[str] | None = None,
    ) -> dict[str, Any]:
        self._check_catalog(catalog_name)
        if self.catalog.get_database(database_name) is None:
            raise self._not_found()
        tables = [table_metadata(table) for table in self.catalog.list_tables(database_name)]
        if expression:
            found = _matches(expression, [str(table["Name"]) for table in tables])
            tables = [table for table, matched in zip(tables, found, strict=True) if matched]
        page, token = _page(tables, next_token, max_results)
        if attributes_to_get == ["TABLE_NAME"]:
            page = [{"Name": table["Name"]} for table in page]
        return {"TableMetadataList": page, **({"NextToken": token} if token else {})}

    def get_table_metadata(
        self,
        *,
        catalog_name: str,
        database_name: str,
        table_name: str,
        work_group: str | None = None,
    ) -> dict[str, Any]:
        self._check_catalog(catalog_name)
        found = self.catalog.get_table(database_name, table_name)
        if found is None:
            raise self._not_found()
        return {"TableMetadata": table_metadata(found)}


def _database(found: dict[str, Any]) -> dict[str, Any]:
    database: dict[str, Any] = {"Name": found["Name"]}
    if "Description" in found:
        database["Description"] = found["Description"]
    database["Parameters"] = found.get("Parameters", {})
    return database
