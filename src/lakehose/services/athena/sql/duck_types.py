"""DuckDB result types under their Trino and Hive names.

Types come from DuckDB's result description, which keeps JSON, HUGEINT and unnamed rows apart
(Arrow does not). ``ResultColumn.type`` is the full Trino signature (``row(a integer, b
varchar)``); ``ColumnInfo.Type`` is its base name. ``hive_type`` is what CTAS and CREATE VIEW
store in Glue for a column of that type.
"""

from __future__ import annotations

import pyarrow as pa
from duckdb.sqltypes import DuckDBPyType

from lakehose.services.athena.sql.errors import NOT_SUPPORTED, QueryFailed
from lakehose.services.athena.sql.outcome import ResultColumn

_PRIMITIVE_NAMES = {
    "varchar": "varchar", "tinyint": "tinyint", "smallint": "smallint", "integer": "integer",
    "bigint": "bigint", "hugeint": "bigint", "utinyint": "smallint", "usmallint": "integer",
    "uinteger": "bigint", "ubigint": "decimal(20,0)", "uhugeint": "decimal(38,0)",
    "float": "real", "double": "double", "boolean": "boolean", "date": "date",
    "timestamp": "timestamp(3)", "timestamp_ms": "timestamp(3)", "timestamp_s": "timestamp(3)",
    "timestamp_ns": "timestamp(3)", "timestamp with time zone": "timestamp(3) with time zone",
    "time": "time(3)", "blob": "varbinary", "uuid": "uuid", "interval": "interval day to second",
    "null": "unknown", "bit": "varchar", "bignum": "decimal(38,0)",
}  # fmt: skip
# ColumnInfo.Precision as Athena's JDBC-style metadata gives it (varchar and integer observed).
_PRECISION = {
    "varchar": 2147483647, "char": 2147483647, "tinyint": 3, "smallint": 5, "integer": 10,
    "bigint": 19, "real": 7, "double": 17, "timestamp": 3, "time": 3, "varbinary": 2147483647,
    "json": 2147483647,
}  # fmt: skip


def fields(kind: DuckDBPyType) -> list[tuple[str, DuckDBPyType]]:
    """The (name, type) children of a nested type: list element, map key and value, fields.

    Field names are lower-cased: Trino's row field names are case-insensitive and shown
    lower-case (a Parquet file's ``Code`` is the Glue column's ``code``)."""
    found = []
    for name, child in kind.children:
        if not isinstance(child, DuckDBPyType):
            raise TypeError(f"{kind} has no nested types")
        found.append((name.lower(), child))
    return found


def trino_type(kind: DuckDBPyType) -> str:
    """The Trino type signature of a DuckDB type."""
    identifier = kind.id
    if str(kind) == "JSON":
        return "json"
    if identifier in ("list", "array"):
        return f"array({trino_type(fields(kind)[0][1])})"
    if identifier == "map":
        key, value = (child for _, child in fields(kind))
        return f"map({trino_type(key)}, {trino_type(value)})"
    if identifier == "struct":
        inner = ", ".join(f"{name} {trino_type(child)}" for name, child in fields(kind))
        return f"row({inner})"
    if identifier == "tuple":
        return f"row({', '.join(trino_type(child) for _, child in fields(kind))})"
    if identifier == "decimal":
        parameters = dict(kind.children)
        return f"decimal({parameters['precision']},{parameters['scale']})"
    return _PRIMITIVE_NAMES.get(identifier, "varchar")


def result_column(
    name: str, kind: DuckDBPyType, values: pa.ChunkedArray | None = None
) -> ResultColumn:
    """A result column's ColumnInfo; ``values`` tell an interval column's kind (DuckDB has one
    interval type, Trino two)."""
    signature = trino_type(kind)
    if kind.id == "interval" and values is not None and year_month(values):
        signature = "interval year to month"
    base = signature.split("(", 1)[0]
    if signature.startswith("decimal"):
        precision, scale = (int(p) for p in signature[8:-1].split(","))
        return ResultColumn(name, signature, precision, scale)
    return ResultColumn(name, signature, _PRECISION.get(base, 0), 0)


def year_month(column: pa.ChunkedArray) -> bool:
    """Whether an interval column is Trino's ``interval year to month``: a value has months."""
    return any(v is not None and v.months for v in column.to_pylist())


_HIVE_NAMES = {
    "varchar": "string", "tinyint": "tinyint", "smallint": "smallint", "integer": "int",
    "bigint": "bigint", "real": "float", "double": "double", "boolean": "boolean",
    "date": "date", "timestamp(3)": "timestamp", "varbinary": "binary", "json": "string",
    "uuid": "string", "timestamp(3) with time zone": "timestamp",
}  # fmt: skip


def hive_type(kind: DuckDBPyType) -> str:
    """The Hive type Glue stores for a column of this DuckDB type."""
    identifier = kind.id
    if identifier in ("list", "array"):
        return f"array<{hive_type(fields(kind)[0][1])}>"
    if identifier == "map":
        key, value = (child for _, child in fields(kind))
        return f"map<{hive_type(key)},{hive_type(value)}>"
    if identifier in ("struct", "tuple"):
        inner = [
            f"{name or f'field{i}'}:{hive_type(child)}"
            for i, (name, child) in enumerate(fields(kind))
        ]
        return f"struct<{','.join(inner)}>"
    trino = trino_type(kind)
    if trino.startswith("decimal"):
        return trino
    if trino not in _HIVE_NAMES:
        raise QueryFailed(NOT_SUPPORTED, f"Unsupported Hive type: {trino}")
    return _HIVE_NAMES[trino]
