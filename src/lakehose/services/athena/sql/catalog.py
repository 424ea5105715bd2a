"""Glue tables as the SQL engine sees them: names resolved as Trino resolves them, storage
formats recognised from the SerDe, views decoded from their Presto view text.

Names are case-insensitive (Glue keeps them lower-case); a one-part table name uses the query's
database, a two-part name the query's catalog, and the only catalog is ``awsdatacatalog``.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from sqlglot import exp

from lakehose.formats.hive_types import HiveType, HiveTypeError, parse_hive_type
from lakehose.services.athena.ports import CatalogPort
from lakehose.services.athena.sql.errors import (
    CATALOG_NOT_FOUND,
    HIVE_UNSUPPORTED_FORMAT,
    INVALID_VIEW,
    SCHEMA_NOT_FOUND,
    TABLE_NOT_FOUND,
    ErrorKind,
    QueryFailed,
)
from lakehose.services.athena.sql.files import Location

CATALOG = "awsdatacatalog"
VIEW_PREFIX = "/* Presto View: "
VIEW_SUFFIX = " */"
OPENX_JSON = "org.openx.data.jsonserde.JsonSerDe"
HIVE_JSON = "org.apache.hive.hcatalog.data.JsonSerDe"
PARQUET = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
LAZY_SIMPLE = "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"
OPEN_CSV = "org.apache.hadoop.hive.serde2.OpenCSVSerde"
_FORMATS = {
    OPENX_JSON.lower(): "json",
    HIVE_JSON.lower(): "json",
    PARQUET.lower(): "parquet",
    LAZY_SIMPLE.lower(): "text",
    OPEN_CSV.lower(): "csv",
}
_CLASSIFICATIONS = {"json": "json", "parquet": "parquet", "csv": "text"}


@dataclass(frozen=True)
class Column:
    name: str  # lower-case, as Athena shows it
    type: HiveType
    comment: str | None = None


@dataclass(frozen=True)
class CatalogTable:
    """A Glue table with what reading it needs."""

    database: str
    name: str
    raw: dict[str, Any]
    columns: tuple[Column, ...]
    partition_keys: tuple[Column, ...]

    @property
    def qualified(self) -> str:
        return f"{CATALOG}.{self.database}.{self.name}"

    @property
    def is_view(self) -> bool:
        return self.raw.get("TableType") == "VIRTUAL_VIEW"

    @property
    def descriptor(self) -> dict[str, Any]:
        return dict(self.raw.get("StorageDescriptor") or {})

    @property
    def parameters(self) -> dict[str, str]:
        return dict(self.raw.get("Parameters") or {})

    @property
    def serde_parameters(self) -> dict[str, str]:
        return dict((self.descriptor.get("SerdeInfo") or {}).get("Parameters") or {})

    @property
    def location(self) -> Location:
        uri = self.descriptor.get("Location")
        if not uri:
            raise QueryFailed(HIVE_UNSUPPORTED_FORMAT, f"Table {self.qualified} has no location")
        return Location.parse(uri)

    @property
    def format(self) -> str:
        """json, parquet, text (LazySimpleSerDe) or csv (OpenCSVSerde)."""
        descriptor = self.descriptor
        library = str((descriptor.get("SerdeInfo") or {}).get("SerializationLibrary") or "")
        found = _FORMATS.get(library.lower())
        if found is None and "parquet" in str(descriptor.get("InputFormat") or "").lower():
            found = "parquet"
        if found is None and not library:
            found = _CLASSIFICATIONS.get(self.parameters.get("classification", "").lower())
        if found is None:
            raise QueryFailed(
                HIVE_UNSUPPORTED_FORMAT,
                f"Unable to create input format for table {self.qualified}: SerDe "
                f"'{library or descriptor.get('InputFormat')}' is not supported",
            )
        return found

    def all_columns(self) -> tuple[Column, ...]:
        return self.columns + self.partition_keys

    def view_sql(self) -> tuple[str, str | None]:
        """A view's original SQL and the schema it was created in."""
        text = str(self.raw.get("ViewOriginalText") or "")
        if not (text.startswith(VIEW_PREFIX) and text.endswith(VIEW_SUFFIX)):
            raise QueryFailed(INVALID_VIEW, f"Invalid view text for {self.qualified}")
        try:
            encoded = text[len(VIEW_PREFIX) : -len(VIEW_SUFFIX)]
            definition = json.loads(base64.b64decode(encoded))
            return str(definition["originalSql"]), definition.get("schema")
        except (ValueError, KeyError, TypeError):
            raise QueryFailed(INVALID_VIEW, f"Invalid view text for {self.qualified}") from None


def encode_view(sql: str, database: str, columns: list[tuple[str, str]]) -> str:
    """``ViewOriginalText`` as Athena writes it for CREATE VIEW."""
    definition = {
        "originalSql": sql,
        "catalog": CATALOG,
        "schema": database,
        "columns": [{"name": name, "type": kind} for name, kind in columns],
        "owner": "lakehose",
        "runAsInvoker": False,
    }
    encoded = base64.b64encode(json.dumps(definition).encode()).decode()
    return f"{VIEW_PREFIX}{encoded}{VIEW_SUFFIX}"


def _columns(entries: list[dict[str, Any]] | None, table: str) -> tuple[Column, ...]:
    columns = []
    for entry in entries or []:
        try:
            kind = parse_hive_type(str(entry.get("Type") or "string"))
        except HiveTypeError as error:
            raise QueryFailed(
                HIVE_UNSUPPORTED_FORMAT,
                f"Invalid type of column {entry.get('Name')} in {table}: {error}",
            ) from None
        columns.append(Column(str(entry["Name"]).lower(), kind, entry.get("Comment")))
    return tuple(columns)


def table_from_glue(database: str, raw: dict[str, Any]) -> CatalogTable:
    name = str(raw["Name"]).lower()
    descriptor = raw.get("StorageDescriptor") or {}
    qualified = f"{CATALOG}.{database}.{name}"
    return CatalogTable(
        database=database,
        name=name,
        raw=raw,
        columns=_columns(descriptor.get("Columns"), qualified),
        partition_keys=_columns(raw.get("PartitionKeys"), qualified),
    )


@dataclass(frozen=True)
class Resolver:
    """Looks tables up as the query's context (catalog, database) says."""

    catalog: CatalogPort
    database: str | None
    catalog_name: str = CATALOG

    def split(self, parts: list[str], position: tuple[int, int] | None) -> tuple[str, str]:
        """(database, table) of a one-, two- or three-part name."""
        names = [p.lower() for p in parts]
        catalog_name = self.catalog_name.lower()
        if len(names) == 3:
            catalog_name = names.pop(0)
        if catalog_name != CATALOG:
            raise QueryFailed(
                CATALOG_NOT_FOUND, f"Catalog '{catalog_name}' does not exist", position=position
            )
        if len(names) == 1:
            if not self.database:
                raise QueryFailed(
                    SCHEMA_NOT_FOUND,
                    "Schema must be specified when session schema is not set",
                    position=position,
                )
            names.insert(0, self.database.lower())
        return names[0], names[1]

    def table(self, parts: list[str], position: tuple[int, int] | None = None) -> CatalogTable:
        database, name = self.split(parts, position)
        return self.lookup(database, name, position)

    def lookup(
        self, database: str, name: str, position: tuple[int, int] | None = None
    ) -> CatalogTable:
        raw = self.catalog.get_table(database, name)
        if raw is None:
            if self.catalog.get_database(database) is None:
                raise missing(SCHEMA_NOT_FOUND, f"Schema '{database}' does not exist", position)
            raise missing(
                TABLE_NOT_FOUND, f"Table '{CATALOG}.{database}.{name}' does not exist", position
            )
        return table_from_glue(database, raw)


def missing(kind: ErrorKind, text: str, position: tuple[int, int] | None) -> QueryFailed:
    return QueryFailed(kind, text, position=position)


def table_parts(node: exp.Table) -> list[str]:
    """The written parts of a table reference: [catalog,] [database,] name."""
    return [part.name for part in node.parts]
