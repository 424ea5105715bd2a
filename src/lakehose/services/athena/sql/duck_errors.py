"""DuckDB's errors as the Athena errors Trino would have raised for the same query.

DuckDB reports positions in the translated SQL, so the position is found again in the query
the user wrote: the first column reference, function or comparison the error names.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import duckdb
from sqlglot import exp

from lakehose.services.athena.sql.errors import (
    AMBIGUOUS_NAME,
    COLUMN_NOT_FOUND,
    DIVISION_BY_ZERO,
    EXPRESSION_NOT_AGGREGATE,
    FUNCTION_NOT_FOUND,
    GENERIC_INTERNAL_ERROR,
    INVALID_CAST_ARGUMENT,
    INVALID_FUNCTION_ARGUMENT,
    NOT_SUPPORTED,
    NUMERIC_VALUE_OUT_OF_RANGE,
    PERMISSION_DENIED,
    SYNTAX_ERROR,
    TYPE_MISMATCH,
    ErrorKind,
    QueryFailed,
    cancelled_by_user,
    position_in,
)
from lakehose.services.athena.sql.sqlnodes import ERROR_MARK
from lakehose.services.athena.sql.translate import node_offset

_MISSING_COLUMN = re.compile(
    r'Referenced column "([^"]+)" not found|Column "([^"]+)" referenced that exists in the SELECT'
)
_MISSING_QUALIFIED = re.compile(r'Table "([^"]+)" does not have a column named "([^"]+)"')
_MISSING_FIELD = re.compile(r'Could not find key "([^"]+)" in struct')
_COMPARE = re.compile(r"Cannot compare values of type (\S+) and type (\S+)")
_NO_MATCH = re.compile(r"No function matches the given name and argument types '(.+)\((.*)\)'")
_NOT_AGGREGATE = re.compile(r'column "([^"]+)" must appear in the GROUP BY clause')
_AMBIGUOUS = re.compile(r'Ambiguous reference to column name "([^"]+)"')
_NO_FUNCTION = re.compile(r"(?:Scalar|Aggregate|Table) Function with name (\S+) does not exist")
_CAST = re.compile(r"Could not convert string '(.*)' to (\w+)")
_OPERATORS = {"+", "-", "*", "/", "%", "||", "//"}
_COMPARISONS: dict[type[exp.Expr], str] = {
    exp.EQ: "=", exp.NEQ: "<>", exp.GT: ">", exp.GTE: ">=", exp.LT: "<", exp.LTE: "<="
}  # fmt: skip
_TRINO_TYPES = {
    "VARCHAR": "varchar", "INTEGER": "integer", "INTEGER_LITERAL": "integer", "BIGINT": "bigint",
    "DOUBLE": "double", "FLOAT": "real", "BOOLEAN": "boolean", "DATE": "date",
    "TIMESTAMP": "timestamp(3)", "DECIMAL_LITERAL": "decimal", "SMALLINT": "smallint",
    "TINYINT": "tinyint", "STRING_LITERAL": "varchar", "HUGEINT": "bigint", "BLOB": "varbinary",
}  # fmt: skip


def _trino(duck: str) -> str:
    base = duck.split("(", 1)[0].upper()
    return _TRINO_TYPES.get(base, duck.lower())


def _first_line(error: Exception) -> str:
    text = str(error).split("\n", 1)[0]
    return re.sub(r"^[A-Za-z ]+ Error: ", "", text)


class Locator:
    """Finds the node an error is about in the tree of the query the user wrote."""

    def __init__(self, query: str, tree: exp.Expr) -> None:
        self.query = query
        self.tree = tree

    def at(self, test: Callable[[exp.Expr], bool]) -> tuple[int, int] | None:
        for node in self.tree.walk():
            if isinstance(node, exp.Expr) and test(node):
                offset = node_offset(node)
                if offset is not None:
                    return position_in(self.query, offset)
        return None

    def column(self, name: str) -> tuple[int, int] | None:
        wanted = name.lower()
        return self.at(
            lambda n: isinstance(n, exp.Column) and any(p.name.lower() == wanted for p in n.parts)
        )

    def column_text(self, name: str) -> str:
        """The written reference to a column or field (``dynamodb.newimage.foo``)."""
        wanted = name.lower()
        for node in self.tree.find_all(exp.Column):
            parts = [p.name for p in node.parts]
            if any(p.lower() == wanted for p in parts):
                return ".".join(parts)
        return name

    def function(self, name: str) -> tuple[int, int] | None:
        wanted = name.lower()
        return self.at(
            lambda n: (
                isinstance(n, exp.Func)
                and (n.sql_name().lower() == wanted or n.name.lower() == wanted)
            )
        )


def _fail(kind: ErrorKind, text: str, position: tuple[int, int] | None = None) -> QueryFailed:
    return QueryFailed(kind, text, position=position)


def _comparison(locator: Locator, left: str, right: str) -> QueryFailed:
    for node in locator.tree.walk():
        if not isinstance(node, exp.Binary):
            continue
        operator = _COMPARISONS.get(type(node))
        if operator is not None:
            literals = [isinstance(s, exp.Literal) for s in (node.left, node.right)]
            if any(literals) and not all(literals):
                offset = node_offset(node.left)
                position = position_in(locator.query, offset) if offset is not None else None
                text = f"Cannot apply operator: {_trino(left)} {operator} {_trino(right)}"
                return _fail(TYPE_MISMATCH, text, position)
    return _fail(TYPE_MISMATCH, f"Cannot apply operator: {_trino(left)} = {_trino(right)}")


def _binder(error: Exception, locator: Locator) -> QueryFailed:
    text = str(error)
    if match := _MISSING_COLUMN.search(text):
        name = match.group(1) or match.group(2)
        return _fail(
            COLUMN_NOT_FOUND,
            f"Column '{locator.column_text(name)}' cannot be resolved",
            locator.column(name),
        )
    if match := _MISSING_QUALIFIED.search(text):
        name = match.group(2)
        return _fail(
            COLUMN_NOT_FOUND,
            f"Column '{locator.column_text(name)}' cannot be resolved",
            locator.column(name),
        )
    if match := _MISSING_FIELD.search(text):
        name = match.group(1)
        return _fail(
            COLUMN_NOT_FOUND,
            f"Column '{locator.column_text(name)}' cannot be resolved",
            locator.column(name),
        )
    if match := _COMPARE.search(text):
        return _comparison(locator, match.group(1), match.group(2))
    if match := _NO_MATCH.search(text):
        name, arguments = match.group(1), match.group(2)
        types = ", ".join(_trino(a.strip()) for a in arguments.split(",") if a.strip())
        if name.strip('"') in _OPERATORS:
            parts = [_trino(a.strip()) for a in arguments.split(",")]
            return _fail(TYPE_MISMATCH, f"Cannot apply operator: {f' {name} '.join(parts)}")
        return _fail(
            FUNCTION_NOT_FOUND,
            f"Unexpected parameters ({types}) for function {name.lower()}",
            locator.function(name),
        )
    if match := _NOT_AGGREGATE.search(text):
        name = match.group(1)
        return _fail(
            EXPRESSION_NOT_AGGREGATE,
            f"'{name}' must be an aggregate expression or appear in GROUP BY clause",
            locator.column(name),
        )
    if match := _AMBIGUOUS.search(text):
        name = match.group(1)
        return _fail(AMBIGUOUS_NAME, f"Column '{name}' is ambiguous", locator.column(name))
    return _fail(SYNTAX_ERROR, _first_line(error))


_KINDS = {kind.name: kind for kind in (DIVISION_BY_ZERO, INVALID_FUNCTION_ARGUMENT, TYPE_MISMATCH)}
_MARKED = re.compile(re.escape(ERROR_MARK) + r"(\w+): (.*)")
_DIVISION = re.compile(r"Division by zero in expression|Could not divide|division by zero")


def _raised(text: str) -> QueryFailed | None:
    """The error of a failing row: a marked ``error()`` call (``sqlnodes.fail``), a function's
    argument error, or a division by zero."""
    marked = _MARKED.search(text)
    if marked is not None:
        kind = _KINDS.get(marked.group(1), INVALID_FUNCTION_ARGUMENT)
        return _fail(kind, marked.group(2).split("\n", 1)[0])
    if _DIVISION.search(text):
        return _fail(DIVISION_BY_ZERO, "Division by zero")
    return None


def map_error(error: Exception, query: str, tree: exp.Expr) -> QueryFailed:
    """The Athena error for a DuckDB exception raised while running ``tree``."""
    locator = Locator(query, tree)
    raised = _raised(str(error))
    if raised is not None:
        return raised
    if isinstance(error, duckdb.InterruptException):
        return cancelled_by_user()
    if isinstance(error, duckdb.BinderException):
        return _binder(error, locator)
    if isinstance(error, duckdb.CatalogException):
        match = _NO_FUNCTION.search(str(error))
        if match:
            name = match.group(1).lower()
            return _fail(
                FUNCTION_NOT_FOUND, f"Function '{name}' not registered", locator.function(name)
            )
        return _fail(SYNTAX_ERROR, _first_line(error))
    if isinstance(error, duckdb.ConversionException):
        match = _CAST.search(str(error))
        if match:
            return _fail(
                INVALID_CAST_ARGUMENT, f"Cannot cast '{match.group(1)}' to {match.group(2)}"
            )
        return _fail(INVALID_CAST_ARGUMENT, _first_line(error))
    if isinstance(error, duckdb.OutOfRangeException):
        return _fail(NUMERIC_VALUE_OUT_OF_RANGE, _first_line(error))
    if isinstance(error, duckdb.PermissionException):
        return _fail(PERMISSION_DENIED, "Access Denied: the query may read only its tables' files")
    if isinstance(error, duckdb.NotImplementedException):
        return _fail(NOT_SUPPORTED, _first_line(error))
    if isinstance(error, (duckdb.InvalidInputException, duckdb.ParserException)):
        return _fail(INVALID_FUNCTION_ARGUMENT, _first_line(error))
    return _fail(GENERIC_INTERNAL_ERROR, _first_line(error))
