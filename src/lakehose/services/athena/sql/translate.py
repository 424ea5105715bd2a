"""Trino SQL to DuckDB SQL, as a tuple of small rules over sqlglot trees (sqlglot's optimizer
style). ``parse`` reads Athena's Trino dialect; ``RULES`` rewrite what DuckDB would read
differently; ``to_duckdb`` prints the result. Catalog tables are replaced by the planner
(``planner``) before the rules run, so that every rule sees DuckDB relation names only.

Rules, in order:

1. ``name_outputs``: the query's output columns get Athena's names: an alias as written, a
   column reference's last name part as written (``dynamodb.newimage.Id.S`` is ``S``), and
   anything else ``_col<position>`` (decided after the run, when stars have been expanded).
2. ``relations``: UNNEST in FROM and FETCH FIRST WITH TIES (``unnest``).
3. ``rewrite_functions``: Trino functions sqlglot leaves as Trino (``functions``).
4. ``carry_zones``: each output column holding a ``timestamp with time zone`` gets its zone in
   a hidden column next to it (``zones``), which the engine takes off before naming.
5. ``fix_types``: type parameters DuckDB does not take (``timestamp(3)``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime

import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel, ParseError, TokenError, UnsupportedError
from sqlglot.tokenizer_core import TokenType

from lakehose.services.athena.sql.errors import (
    INVALID_PARAMETER_USAGE,
    NOT_SUPPORTED,
    SYNTAX_ERROR,
    QueryFailed,
    position_in,
)
from lakehose.services.athena.sql.functions import rewrite_functions
from lakehose.services.athena.sql.unnest import relations
from lakehose.services.athena.sql.zones import ZONE_COLUMN, zone_of

READ = "trino"
WRITE = "duckdb"
# Unnamed outputs are aliased with this marker and their index; ``_col<n>`` replaces it once
# DuckDB has expanded the stars and the output position is known.
UNNAMED = "__lh_unnamed_"
_UNNAMED = re.compile(re.escape(UNNAMED) + r"\d+")

Rule = Callable[[exp.Expr, datetime], exp.Expr]


def syntax_error(query: str, offset: int, text: str) -> QueryFailed:
    return QueryFailed(SYNTAX_ERROR, text, position=position_in(query, offset))


def bind_parameters(query: str, parameters: Sequence[str]) -> str:
    """``?`` placeholders replaced, in text order, by the execution parameters (which are SQL
    literals already, as Athena's ``ExecutionParameters`` are)."""
    try:
        tokens = sqlglot.Dialect.get_or_raise(READ).tokenize(query)
    except TokenError as error:
        raise syntax_error(query, len(query), str(error)) from None
    placeholders = [t for t in tokens if t.token_type == TokenType.PLACEHOLDER and t.text == "?"]
    if len(placeholders) != len(parameters):
        raise QueryFailed(
            INVALID_PARAMETER_USAGE,
            f"Incorrect number of parameters: expected {len(placeholders)} "
            f"but found {len(parameters)}",
        )
    pieces: list[str] = []
    position = 0
    for token, value in zip(placeholders, parameters, strict=False):
        pieces += [query[position : token.start], f"({value})"]
        position = token.end + 1
    return "".join([*pieces, query[position:]])


def parse(query: str, dialect: str = READ) -> list[exp.Expr]:
    """The statements of a query (Trino's dialect unless told otherwise: Hive DDL is read
    with sqlglot's Athena dialect); SYNTAX_ERROR at the offending token."""
    try:
        statements = [s for s in sqlglot.parse(query, read=dialect) if s is not None]
    except ParseError as error:
        detail = error.errors[0] if error.errors else {}
        token = str(detail.get("highlight") or "")
        line, column = int(detail.get("line") or 1), int(detail.get("col") or 1)
        offset = _offset(query, line, column) - len(token) + 1 if token else len(query)
        shown = token or "<EOF>"
        description = str(detail.get("description") or "")
        raise syntax_error(
            query, max(offset, 0), f"mismatched input '{shown}'. {description}".strip()
        ) from None
    except TokenError as error:
        raise syntax_error(query, len(query), str(error)) from None
    if not statements:
        raise syntax_error(query, len(query), "mismatched input '<EOF>'")
    return statements


def _offset(query: str, line: int, column: int) -> int:
    """sqlglot's (line, end column) as a character offset (its column is 1-based)."""
    lines = query.split("\n")
    return sum(len(text) + 1 for text in lines[: line - 1]) + column - 1


def node_offset(node: exp.Expr) -> int | None:
    """Where a node starts in the query text: its leftmost identifier or literal."""
    starts = [
        int(part.meta["start"])
        for part in node.walk()
        if isinstance(part, exp.Expr) and part.meta.get("start") is not None
    ]
    return min(starts) if starts else None


def outermost_select(expression: exp.Expr) -> exp.Select | None:
    """The SELECT whose list names a query's output (the leftmost one of a set operation)."""
    node: exp.Expr | None = expression
    while isinstance(node, (exp.SetOperation, exp.Subquery)):
        node = node.this
    return node if isinstance(node, exp.Select) else None


def output_name(item: exp.Expr) -> str | None:
    """The name Trino gives a select item, None when it is unnamed (``_col<n>``)."""
    if isinstance(item, exp.Alias):
        return item.alias
    if isinstance(item, exp.Column) and not isinstance(item.this, exp.Star):
        return item.name
    if isinstance(item, exp.Dot) and isinstance(item.expression, exp.Identifier):
        return item.expression.name
    return None


def name_outputs(expression: exp.Expr, now: datetime) -> exp.Expr:
    select = outermost_select(expression)
    if select is None:
        return expression
    items: list[exp.Expr] = []
    for index, item in enumerate(select.expressions):
        if item.is_star or isinstance(item, exp.Alias):
            items.append(item)
            continue
        name = output_name(item)
        identifier = exp.to_identifier(name if name is not None else f"{UNNAMED}{index}")
        identifier.set("quoted", True)
        items.append(exp.Alias(this=item, alias=identifier))
    select.set("expressions", items)
    return expression


def final_names(names: Sequence[str], tree: exp.Expr) -> list[str]:
    """DuckDB's output names with the unnamed markers turned into ``_col<position>``; a bare
    VALUES query has no names at all in Trino."""
    if isinstance(tree, exp.Values):
        return [f"_col{i}" for i in range(len(names))]
    return [f"_col{i}" if _UNNAMED.fullmatch(n) else n for i, n in enumerate(names)]


def fix_types(expression: exp.Expr, now: datetime) -> exp.Expr:
    def visit(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.DataType) and node.this in (
            exp.DataType.Type.TIMESTAMP,
            exp.DataType.Type.TIMESTAMPTZ,
            exp.DataType.Type.TIME,
        ):
            node.set("expressions", [])
        return node

    return expression.transform(visit, copy=False)


def carry_zones(expression: exp.Expr, now: datetime) -> exp.Expr:
    select = outermost_select(expression)
    if select is None or select is not expression:
        return expression
    grouped = select.args.get("group") is not None or any(
        item.find(exp.AggFunc) for item in select.expressions
    )
    hidden: list[exp.Expr] = []
    for index, item in enumerate(select.expressions):
        value = item.this if isinstance(item, exp.Alias) else item
        zone = zone_of(value)
        if zone is None:
            continue
        if grouped and not isinstance(zone, exp.Literal):
            zone = exp.Anonymous(this="ANY_VALUE", expressions=[zone.copy()])
        hidden.append(exp.alias_(zone.copy(), f"{ZONE_COLUMN}{index}", quoted=True))
    if hidden:
        select.set("expressions", [*select.expressions, *hidden])
    return expression


RULES: tuple[Rule, ...] = (name_outputs, relations, rewrite_functions, carry_zones, fix_types)


def translate(expression: exp.Expr, now: datetime) -> exp.Expr:
    for rule in RULES:
        expression = rule(expression, now)
    return expression


def _parenthesize(expression: exp.Expr) -> None:
    """Operands that are operations themselves get parentheses: the rewrites build trees, and
    sqlglot prints a tree's operators without regard to precedence (``a * (b - c)`` would
    print as ``a * b - c``)."""
    for node in list(expression.walk()):
        if isinstance(node, (exp.Binary, exp.Unary)) and not isinstance(node, exp.Paren):
            for key in ("this", "expression"):
                child = node.args.get(key)
                if isinstance(child, (exp.Binary, exp.Unary)) and not isinstance(
                    child, (exp.Paren, exp.Dot)
                ):
                    node.set(key, exp.Paren(this=child))


def to_duckdb(expression: exp.Expr) -> str:
    """DuckDB's SQL for a translated tree; a construct sqlglot cannot say in DuckDB (it would
    otherwise drop it with a warning, and the query would silently mean something else) fails
    as NOT_SUPPORTED, naming the construct."""
    _parenthesize(expression)
    try:
        return expression.sql(dialect=WRITE, unsupported_level=ErrorLevel.RAISE)
    except UnsupportedError as error:
        detail = str(error).strip().splitlines()[0] if str(error).strip() else "a construct"
        raise QueryFailed(NOT_SUPPORTED, f"Not supported by lakehose: {detail}") from None


def transpile(query: str, now: datetime) -> str:
    """One Trino statement as DuckDB SQL (no catalog tables): the fixture tests' entry."""
    return to_duckdb(translate(parse(query)[0], now))
