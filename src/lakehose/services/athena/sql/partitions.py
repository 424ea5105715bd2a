"""Partitions: where they come from, and which of them a query can skip.

A partitioned table's partitions come from Glue (``CREATE TABLE ... PARTITIONED BY`` plus
``ALTER TABLE ADD PARTITION`` or ``MSCK REPAIR TABLE``), or, with partition projection, from its
table properties (``projection``). Either way they are pruned before any file is listed or
opened: the query's conditions that mention only partition columns are evaluated, by DuckDB,
against a small table of the candidate partitions' values, typed as the partition keys declare.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import unquote

import pyarrow as pa

from lakehose.services.athena.ports import CatalogPort
from lakehose.services.athena.sql.catalog import CatalogTable, Column
from lakehose.services.athena.sql.duck_columns import duckdb_type, quote
from lakehose.services.athena.sql.files import Location

HIVE_DEFAULT_PARTITION = "__HIVE_DEFAULT_PARTITION__"
INDEX = "__lh_index"

# Runs a DuckDB query over a table of partition values registered as ``__lh_partitions``;
# returns the ``__lh_index`` values of the rows it selects.
Evaluator = Callable[[pa.Table, str], list[int]]


@dataclass(frozen=True)
class Partition:
    values: tuple[str, ...]  # one per partition key, as text
    location: Location


def glue_partitions(catalog: CatalogPort, table: CatalogTable) -> list[Partition]:
    """The table's partitions as Glue holds them, each at its own location."""
    found = []
    for raw in catalog.get_partitions(table.database, table.name):
        values = tuple(str(v) for v in raw.get("Values") or [])
        uri = (raw.get("StorageDescriptor") or {}).get("Location")
        location = Location.parse(uri) if uri else table.location.child(hive_path(table, values))
        found.append(Partition(values, location))
    return found


def hive_path(table: CatalogTable, values: Sequence[str]) -> str:
    """``year=2023/month=03``: the Hive folder of a partition."""
    return "/".join(
        f"{key.name}={value}" for key, value in zip(table.partition_keys, values, strict=False)
    )


def hive_values(relative_key: str, keys: Sequence[str]) -> tuple[str, ...] | None:
    """The partition values a key's Hive-style folders name (``year=2023/month=03/f.gz``),
    when its leading folders are exactly ``key=value`` for each key, in order."""
    folders = relative_key.split("/")[:-1]
    if len(folders) < len(keys):
        return None
    values = []
    for folder, key in zip(folders, keys, strict=False):
        name, equals, value = folder.partition("=")
        if not equals or name.lower() != key.lower() or not value:
            return None
        values.append(unquote(value))
    return tuple(values)


def _typed(column: Column) -> str:
    """SQL typing one partition column of the candidates table (text in, declared type out)."""
    name = quote(column.name)
    value = f"NULLIF({name}, '{HIVE_DEFAULT_PARTITION}')"
    return f"CAST({value} AS {duckdb_type(column.type)}) AS {name}"


def values_table(table: CatalogTable, rows: Sequence[Sequence[str]]) -> pa.Table:
    columns: dict[str, pa.Array] = {INDEX: pa.array(range(len(rows)), pa.int64())}
    for position, key in enumerate(table.partition_keys):
        columns[key.name] = pa.array([row[position] for row in rows], pa.string())
    return pa.table(columns)


def prune(
    table: CatalogTable,
    partitions: Sequence[Partition],
    conditions: Sequence[str],
    evaluate: Evaluator,
) -> list[Partition]:
    """The partitions whose values satisfy every condition (DuckDB SQL over the partition
    columns, unqualified)."""
    if not conditions or not partitions:
        return list(partitions)
    typed = ", ".join([INDEX, *(_typed(key) for key in table.partition_keys)])
    where = " AND ".join(f"({c})" for c in conditions)
    sql = f"SELECT {INDEX} FROM (SELECT {typed} FROM __lh_partitions) WHERE {where}"
    keep = evaluate(values_table(table, [p.values for p in partitions]), sql)
    return [partitions[i] for i in sorted(keep)]


PARTITIONS_SUFFIX = "$partitions"


def partition_rows_sql(keys: Sequence[Column], rows: list[tuple[str, ...]]) -> str:
    """A query (Trino SQL) answering ``rows`` of partition values, one column per key, typed
    as the keys declare: what ``"table$partitions"`` reads."""
    items = ", ".join(
        f'CAST(v{i} AS {key.type.trino()}) AS "{key.name}"' for i, key in enumerate(keys)
    )
    if not rows:
        nulls = ", ".join(f'CAST(NULL AS {key.type.trino()}) AS "{key.name}"' for key in keys)
        return f"SELECT {nulls} WHERE false"
    values = ", ".join("(" + ", ".join(_text_literal(v) for v in row) + ")" for row in rows)
    names = ", ".join(f"v{i}" for i in range(len(keys)))
    return f"SELECT {items} FROM (VALUES {values}) AS p ({names})"


def _text_literal(value: str) -> str:
    if value == HIVE_DEFAULT_PARTITION:
        return "CAST(NULL AS varchar)"
    return "'" + value.replace("'", "''") + "'"
