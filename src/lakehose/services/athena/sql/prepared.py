"""PREPARE name FROM statement, EXECUTE name [USING value, ...], DEALLOCATE PREPARE name.

Prepared statements belong to the workgroup the query runs in (the same ones the
``CreatePreparedStatement`` API manages); the runner hands the SQL engine a
``PreparedStatements`` bound to that workgroup. EXECUTE replaces the statement's ``?``
placeholders, in text order, by the ``USING`` values, or by the query's ``ExecutionParameters``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from sqlglot import exp

from lakehose.services.athena.sql.errors import (
    INVALID_PARAMETER_USAGE,
    NOT_FOUND,
    NOT_SUPPORTED,
    SYNTAX_ERROR,
    QueryFailed,
)
from lakehose.services.athena.sql.translate import bind_parameters, parse
from lakehose.services.athena.sql.words import Words

# Athena's limit on a prepared statement's name (the API's StatementName pattern).
_NAME_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


class PreparedStatements(Protocol):
    """The prepared statements of the workgroup a query runs in."""

    def get(self, name: str) -> str | None:
        """The statement's SQL, or None when there is none by that name."""
        ...

    def put(self, name: str, sql: str) -> None:
        """Create or replace the statement."""
        ...

    def delete(self, name: str) -> bool:
        """Delete the statement; whether there was one."""
        ...


def not_found(name: str) -> QueryFailed:
    return QueryFailed(NOT_FOUND, f"Prepared statement not found: {name}")


def _store(prepared: PreparedStatements | None) -> PreparedStatements:
    if prepared is None:
        raise QueryFailed(NOT_SUPPORTED, "Prepared statements need a workgroup")
    return prepared


def _name(words: Words) -> str:
    parts = words.name()
    if len(parts) != 1 or not set(parts[0]) <= _NAME_CHARACTERS:
        raise QueryFailed(SYNTAX_ERROR, f"Invalid prepared statement name: {'.'.join(parts)}")
    return parts[0]


def prepare(query: str, words: Words, prepared: PreparedStatements | None) -> None:
    """``words`` is past ``PREPARE``."""
    name = _name(words)
    words.expect("FROM")
    if words.done:
        raise words.fail("<statement>")
    statement = query[words.tokens[words.position].start :].strip()
    if Words.of(statement).peek() in ("PREPARE", "EXECUTE", "DEALLOCATE"):
        raise QueryFailed(NOT_SUPPORTED, "Invalid statement type for prepared statement: PREPARE")
    _store(prepared).put(name, statement)


def deallocate(words: Words, prepared: PreparedStatements | None) -> None:
    """``words`` is past ``DEALLOCATE``."""
    words.expect("PREPARE")
    name = _name(words)
    words.end()
    if not _store(prepared).delete(name):
        raise not_found(name)


def execute(
    query: str, words: Words, prepared: PreparedStatements | None, parameters: Sequence[str]
) -> str:
    """The statement text to run for ``EXECUTE``; ``words`` is past ``EXECUTE``."""
    name = _name(words)
    statement = _store(prepared).get(name)
    if statement is None:
        raise not_found(name)
    values = list(parameters)
    if words.accept("USING"):
        if values:
            raise QueryFailed(
                INVALID_PARAMETER_USAGE,
                "EXECUTE ... USING and execution parameters cannot both be given",
            )
        if words.done:
            raise words.fail("<expression>")
        values = _using(query[words.tokens[words.position].start :])
    else:
        words.end()
    return bind_parameters(statement, values)


def _using(text: str) -> list[str]:
    """The ``USING`` expressions, each as Trino SQL text."""
    trees = parse(f"SELECT {text}")
    if len(trees) != 1 or not isinstance(trees[0], exp.Select) or trees[0].args.get("from_"):
        raise QueryFailed(SYNTAX_ERROR, "mismatched input after USING. Expecting: <expression>")
    return [node.sql(dialect="trino") for node in trees[0].expressions]
