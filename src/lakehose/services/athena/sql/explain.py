"""EXPLAIN [ANALYZE] [VERBOSE] [(TYPE ..., FORMAT ...)] query, as Trino answers it.

Trino answers with one row: a ``Query Plan`` varchar holding the whole plan text (``TYPE
VALIDATE``: a ``Valid`` boolean; ``TYPE IO``: the tables read, as JSON). The plan text here is
the plan DuckDB runs the translated query with, not Trino's fragments (docs/deviations.md);
``EXPLAIN ANALYZE`` runs the query and shows the plan with its measured counts and times.
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson
from sqlglot import exp

from lakehose.services.athena.sql.catalog import table_parts
from lakehose.services.athena.sql.context import Context
from lakehose.services.athena.sql.errors import NOT_SUPPORTED, QueryFailed
from lakehose.services.athena.sql.outcome import QueryOutcome, ResultColumn
from lakehose.services.athena.sql.words import Words

_TYPES = ("DISTRIBUTED", "LOGICAL", "VALIDATE", "IO")
_FORMATS = ("TEXT", "JSON", "GRAPHVIZ")
_NAN = "NaN"


@dataclass(frozen=True)
class Explain:
    analyze: bool
    kind: str  # one of _TYPES
    statement: str


def read(query: str, words: Words) -> Explain:
    """``words`` is past ``EXPLAIN``."""
    analyze = words.accept("ANALYZE")
    words.accept("VERBOSE")
    kind, shown = "DISTRIBUTED", "TEXT"
    if words.peek() == "(" and words.peek(1) in ("TYPE", "FORMAT"):
        words.expect("(")
        while True:
            if words.accept("TYPE"):
                kind = _option(words, _TYPES)
            elif words.accept("FORMAT"):
                shown = _option(words, _FORMATS)
            else:
                raise words.fail("'FORMAT', 'TYPE'")
            if words.accept(")"):
                break
            words.expect(",")
    if shown != "TEXT":
        raise QueryFailed(NOT_SUPPORTED, f"EXPLAIN FORMAT {shown} is not supported by lakehose")
    if analyze and kind != "DISTRIBUTED":
        raise QueryFailed(NOT_SUPPORTED, f"EXPLAIN ANALYZE doesn't support TYPE {kind}")
    if words.done:
        raise words.fail("<query>")
    statement = query[words.tokens[words.position].start :].strip()
    return Explain(analyze, kind, statement)


def _option(words: Words, allowed: tuple[str, ...]) -> str:
    value = words.peek()
    if value not in allowed:
        raise words.fail(", ".join(f"'{a}'" for a in allowed))
    words.position += 1
    return value


def query_tree(parsed: list[exp.Expr]) -> exp.Query:
    if len(parsed) != 1 or not isinstance(parsed[0], exp.Query):
        raise QueryFailed(NOT_SUPPORTED, "lakehose explains queries (SELECT, WITH, VALUES) only")
    return parsed[0]


def validated() -> QueryOutcome:
    return QueryOutcome(
        columns=[ResultColumn("Valid", "boolean")],
        rows=[["true"]],
        data_scanned_bytes=0,
        statement_type="DML",
    )


def plan(text: str, scanned: int = 0, files: int = 0) -> QueryOutcome:
    return QueryOutcome(
        columns=[ResultColumn("Query Plan", "varchar")],
        rows=[[text]],
        data_scanned_bytes=scanned,
        statement_type="DML",
        files_opened=files,
    )


def io_plan(context: Context, tree: exp.Expr) -> QueryOutcome:
    """Trino's ``TYPE IO`` JSON: the catalog tables the query reads, without estimates."""
    ctes = {cte.alias.lower() for cte in tree.find_all(exp.CTE)}
    tables: list[tuple[str, str]] = []
    for node in tree.find_all(exp.Table):
        if not node.name or (len(node.parts) == 1 and node.name.lower() in ctes):
            continue
        key = context.resolver.split(table_parts(node), None)
        if key not in tables:
            tables.append(key)
    estimate = {
        "outputRowCount": _NAN,
        "outputSizeInBytes": _NAN,
        "cpuCost": _NAN,
        "maxMemory": _NAN,
        "networkCost": _NAN,
    }
    document = {
        "inputTableColumnInfos": [
            {
                "table": {
                    "catalog": "awsdatacatalog",
                    "schemaTable": {"schema": schema, "table": table},
                },
                "columnConstraints": [],
                "estimate": estimate,
            }
            for schema, table in tables
        ],
        "estimate": estimate,
    }
    return plan(orjson.dumps(document, option=orjson.OPT_INDENT_2).decode())
