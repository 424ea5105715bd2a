"""Hive columns spelled for DuckDB: quoted identifiers and DuckDB types.

Relations hand DuckDB the lower-cased struct field names Athena shows, so that struct values
render with Athena's field names. The Hive type itself is parsed by ``lakehose.formats``.
"""

from __future__ import annotations

from lakehose.formats.hive_types import HiveType

__all__ = ["duckdb_type", "quote"]

_DUCKDB: dict[str, str] = {
    "string": "VARCHAR",
    "varchar": "VARCHAR",
    "char": "VARCHAR",
    "int": "INTEGER",
    "bigint": "BIGINT",
    "smallint": "SMALLINT",
    "tinyint": "TINYINT",
    "double": "DOUBLE",
    "float": "FLOAT",
    "boolean": "BOOLEAN",
    "binary": "BLOB",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
}


def quote(name: str) -> str:
    """A double-quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def duckdb_type(kind: HiveType) -> str:
    """The DuckDB type, struct fields lower-cased."""
    if kind.name == "array":
        return f"{duckdb_type(kind.children[0])}[]"
    if kind.name == "map":
        return f"MAP({duckdb_type(kind.children[0])}, {duckdb_type(kind.children[1])})"
    if kind.name == "struct":
        inner = ", ".join(
            f"{quote(n)} {duckdb_type(t)}"
            for n, t in zip(kind.field_names(), kind.children, strict=False)
        )
        return f"STRUCT({inner})"
    if kind.name == "decimal":
        precision, scale = kind.decimal()
        return f"DECIMAL({precision},{scale})"
    return _DUCKDB[kind.name]
