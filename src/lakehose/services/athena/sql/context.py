"""What a statement handler gets: the query, its session (database, clock, output location)
and the ports, plus a way to run a SELECT and get typed Arrow rows back."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import pyarrow as pa
from duckdb.sqltypes import DuckDBPyType
from sqlglot import exp

from lakehose.services.athena.ports import CatalogPort, ObjectStorePort
from lakehose.services.athena.sql.catalog import CatalogTable, Resolver
from lakehose.services.athena.sql.errors import QueryFailed, ddl_failed, semantic_failed
from lakehose.services.athena.sql.outcome import QueryOutcome


@dataclass
class Selected:
    """A SELECT's rows before rendering: Athena's column names, DuckDB's types."""

    names: list[str]
    types: list[DuckDBPyType]
    table: pa.Table
    scanned: int
    files: int
    # The zone of each row of a ``timestamp with time zone`` column, by column position.
    zones: dict[int, list[str | None]] = field(default_factory=dict)


@dataclass
class Context:
    query: str
    catalog: CatalogPort
    store: ObjectStorePort
    resolver: Resolver
    now: datetime
    output_location: str | None
    query_id: str
    # Runs a query tree (in the text ``query``); ``limit_zero`` plans it without reading data.
    select: Callable[[exp.Expr, str, bool], Selected]

    @property
    def database(self) -> str | None:
        return self.resolver.database

    def table_name(self, parts: list[str]) -> tuple[str, str]:
        """(database, table) of a name, lower-cased; the current database when unqualified."""
        return self.resolver.split(parts, None)

    def existing_table(self, parts: list[str]) -> CatalogTable:
        """A table DDL acts on; Hive's "Table not found" when it does not exist."""
        database, name = self.table_name(parts)
        if self.catalog.get_database(database) is None:
            raise semantic_failed(10072, f"Database does not exist: {database}")
        raw = self.catalog.get_table(database, name)
        if raw is None:
            raise semantic_failed(10001, f"Table not found {database}.{name}")
        return self.resolver.lookup(database, name)

    def require_database(self, database: str) -> None:
        if self.catalog.get_database(database) is None:
            raise semantic_failed(10072, f"Database does not exist: {database}")


def done(statement_type: str = "DDL") -> QueryOutcome:
    """The outcome of a statement that returns no rows."""
    return QueryOutcome(columns=[], rows=[], data_scanned_bytes=0, statement_type=statement_type)


def already_exists(kind: str, name: str) -> QueryFailed:
    return ddl_failed(f"AlreadyExistsException(message:{kind} {name} already exists)")
