"""The sandbox a query runs in: what SQL is accepted, and the DuckDB connection it runs on.

Two fences, so that neither alone has to be perfect:

1. ``check_query`` accepts only a query (SELECT, WITH, VALUES, set operations) and refuses what
   Trino would not parse or resolve: table functions (``read_csv('/etc/passwd')``), DuckDB's
   own introspection and side-effect functions, and lakehose's internal names. Statements such
   as COPY, ATTACH, INSTALL, LOAD, SET and PRAGMA never reach DuckDB: ``engine`` only runs the
   statements it recognises.
2. ``connect`` opens a fresh in-memory DuckDB per query with external access off, only the
   data files that query reads in ``allowed_paths``, extension auto-loading off and the
   configuration locked, so a statement that slipped through still cannot read another file,
   write one, attach a database or change a setting.

The connection also fixes what Trino fixes: the session time zone is UTC and ``/`` on integers
is integer division.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import duckdb
from sqlglot import exp

from lakehose.services.athena.sql.errors import (
    FUNCTION_NOT_FOUND,
    NOT_SUPPORTED,
    SYNTAX_ERROR,
    QueryFailed,
    position_in,
)
from lakehose.services.athena.sql.functions import MACROS
from lakehose.services.athena.sql.translate import node_offset

INTERNAL_PREFIX = "__lh"
# DuckDB functions with no Trino counterpart that read state or files, or are plumbing.
_DENIED_PREFIXES = (
    "duckdb_", "pragma_", "read_", "parquet_", "glob", "sniff_", "current_setting", "getvariable",
    "query", "iceberg_", "delta_", "sqlite_", "postgres_", "mysql_", "icu_", "which_secret",
    "checkpoint", "force_checkpoint", "json_execute", "json_serialize_sql", "json_deserialize",
    "lh_", "enable_", "disable_", "test_", "summary", "range", "generate_series", "unnest",
    "repeat_row", "arrow_scan", "seq_scan", "index_scan", "get_block_size", "finalize",
)  # fmt: skip
_QUERY_ROOTS = (exp.Select, exp.SetOperation, exp.Values, exp.Subquery)
# Parsed DuckDB-only constructs that must not reach DuckDB from user SQL.
_DENIED_NODES: tuple[type[exp.Expr], ...] = (
    exp.ReadCSV,
    exp.ReadParquet,
    exp.Copy,
    exp.Set,
    exp.Pragma,
    exp.Command,
    exp.Create,
    exp.Drop,
    exp.Insert,
    exp.Delete,
    exp.Update,
    exp.Merge,
    exp.Use,
    exp.Version,
)


def _refuse(query: str, node: exp.Expr, kind: str, text: str) -> QueryFailed:
    offset = node_offset(node)
    position = position_in(query, offset) if offset is not None else None
    error = {"syntax": SYNTAX_ERROR, "function": FUNCTION_NOT_FOUND}.get(kind, NOT_SUPPORTED)
    return QueryFailed(error, text, position=position)


def check_query(query: str, tree: exp.Expr) -> None:
    """Raise ``QueryFailed`` unless ``tree`` is a plain query Trino would accept."""
    if not isinstance(tree, _QUERY_ROOTS):
        raise _refuse(query, tree, "syntax", f"mismatched input '{query.split()[0]}'")
    for node in tree.walk():
        if isinstance(node, _DENIED_NODES):
            raise _refuse(query, node, "syntax", f"mismatched input '{node.key}'")
        if isinstance(node, exp.Table) and not isinstance(node.this, exp.Identifier):
            raise _refuse(query, node, "syntax", "mismatched input '('. Expecting: <identifier>")
        if isinstance(node, exp.Identifier) and node.name.lower().startswith(INTERNAL_PREFIX):
            raise _refuse(query, node, "other", f"Identifier '{node.name}' is reserved")
        if isinstance(node, exp.Anonymous):
            name = node.name.lower()
            if name.startswith(_DENIED_PREFIXES):
                raise _refuse(query, node, "function", f"Function '{name}' not registered")


def connect(
    scratch: Path, allowed_paths: Iterable[Path], threads: int | None = None
) -> duckdb.DuckDBPyConnection:
    """A locked-down in-memory DuckDB that can read exactly ``allowed_paths``."""
    scratch.mkdir(parents=True, exist_ok=True)
    connection = duckdb.connect(
        ":memory:",
        config={
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
            "allow_community_extensions": False,
            "allow_persistent_secrets": False,
        },
    )
    try:
        paths = [str(p) for p in allowed_paths]
        if paths:
            connection.execute("SET allowed_paths = ?", [paths])
        connection.execute("SET temp_directory = ?", [str(scratch)])
        connection.execute("SET TimeZone = 'UTC'")
        connection.execute("SET integer_division = true")
        if threads:
            connection.execute(f"SET threads = {int(threads)}")
        connection.execute("SET enable_external_access = false")
        connection.execute("SET lock_configuration = true")
        for macro in MACROS:
            connection.execute(macro)
    except BaseException:
        connection.close()
        raise
    return connection
