"""Athena's durable state: workgroups, named queries, query executions and idempotency tokens.

One SQLite database (``athena.sqlite3`` in the engine's directory). Structured AWS values that
lakehose only stores and shows back (a workgroup's ``Configuration``, an execution's
``ResultConfiguration``) are kept as JSON documents with AWS's member names; everything the
engine queries or updates by itself is a column.

An execution's state moves QUEUED -> RUNNING -> SUCCEEDED | FAILED | CANCELLED. Every move is
one ``UPDATE ... WHERE state = <expected>`` so that a stop racing the worker is decided by the
database: whichever commits first wins, and the loser sees that no row changed.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from lakehose.services.athena.statuses import QueryExecutionState
from lakehose.storage import Migration

ACTIVE_STATES = (QueryExecutionState.QUEUED, QueryExecutionState.RUNNING)

_SCHEMA = """
CREATE TABLE workgroups (
    name TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    description TEXT,
    configuration TEXT NOT NULL,
    tags TEXT NOT NULL,
    created REAL NOT NULL
);
CREATE TABLE named_queries (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    workgroup TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    database TEXT NOT NULL,
    query_string TEXT NOT NULL
);
CREATE INDEX named_queries_by_workgroup ON named_queries (workgroup, seq);
CREATE TABLE executions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    workgroup TEXT NOT NULL,
    request TEXT NOT NULL,
    state TEXT NOT NULL,
    reason TEXT,
    error TEXT,
    submitted REAL NOT NULL,
    started REAL,
    engine_done REAL,
    completed REAL,
    scanned INTEGER NOT NULL DEFAULT 0,
    update_count INTEGER,
    columns TEXT
);
CREATE INDEX executions_by_workgroup ON executions (workgroup, seq);
CREATE INDEX executions_by_state ON executions (state);
CREATE TABLE request_tokens (
    kind TEXT NOT NULL,
    token TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    PRIMARY KEY (kind, token)
);
"""

# 2: where a CTAS / INSERT INTO / UNLOAD wrote its data manifest (``DataManifestLocation``),
# and the prepared statements of each workgroup.
_MANIFESTS_AND_PREPARED = """
ALTER TABLE executions ADD COLUMN manifest TEXT;
CREATE TABLE prepared_statements (
    workgroup TEXT NOT NULL,
    name TEXT NOT NULL,
    query_statement TEXT NOT NULL,
    description TEXT,
    last_modified REAL NOT NULL,
    PRIMARY KEY (workgroup, name)
);
"""

MIGRATIONS = (Migration(1, _SCHEMA), Migration(2, _MANIFESTS_AND_PREPARED))


def dumps(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


def loads(text: str | None) -> Any:
    return None if text is None else orjson.loads(text)


# -- workgroups -------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkGroupRow:
    name: str
    state: str
    description: str | None
    configuration: dict[str, Any]
    tags: list[dict[str, str]]
    created: float


def _workgroup(row: sqlite3.Row) -> WorkGroupRow:
    return WorkGroupRow(
        row["name"],
        row["state"],
        row["description"],
        loads(row["configuration"]),
        loads(row["tags"]),
        row["created"],
    )


def find_workgroup(connection: sqlite3.Connection, name: str) -> WorkGroupRow | None:
    row = connection.execute("SELECT * FROM workgroups WHERE name = ?", (name,)).fetchone()
    return _workgroup(row) if row else None


def workgroups_after(connection: sqlite3.Connection, after: str, limit: int) -> list[WorkGroupRow]:
    """Workgroups in name order (as ListWorkGroups sorts them), after ``after``."""
    rows = connection.execute(
        "SELECT * FROM workgroups WHERE name > ? ORDER BY name LIMIT ?", (after, limit)
    )
    return [_workgroup(row) for row in rows]


def put_workgroup(connection: sqlite3.Connection, workgroup: WorkGroupRow) -> None:
    connection.execute(
        "INSERT OR REPLACE INTO workgroups VALUES (?, ?, ?, ?, ?, ?)",
        (
            workgroup.name,
            workgroup.state,
            workgroup.description,
            dumps(workgroup.configuration),
            dumps(workgroup.tags),
            workgroup.created,
        ),
    )


def delete_workgroup(connection: sqlite3.Connection, name: str) -> list[str]:
    """The workgroup with its named queries, prepared statements and query history (and their
    request tokens);
    returns the ids of the executions deleted."""
    rows = connection.execute("SELECT id FROM executions WHERE workgroup = ?", (name,))
    executions = [str(row[0]) for row in rows]
    for table in ("named_queries", "executions"):
        connection.execute(
            f"DELETE FROM request_tokens WHERE resource_id IN "
            f"(SELECT id FROM {table} WHERE workgroup = ?)",
            (name,),
        )
        connection.execute(f"DELETE FROM {table} WHERE workgroup = ?", (name,))
    connection.execute("DELETE FROM prepared_statements WHERE workgroup = ?", (name,))
    connection.execute("DELETE FROM workgroups WHERE name = ?", (name,))
    return executions


def workgroup_in_use(connection: sqlite3.Connection, name: str) -> bool:
    """Whether named queries or query executions belong to the workgroup."""
    return any(
        connection.execute(f"SELECT 1 FROM {table} WHERE workgroup = ? LIMIT 1", (name,)).fetchone()
        for table in ("named_queries", "executions")
    )


# -- named queries ----------------------------------------------------------------------------


@dataclass(frozen=True)
class NamedQueryRow:
    seq: int
    id: str
    workgroup: str
    name: str
    description: str | None
    database: str
    query_string: str


def find_named_query(connection: sqlite3.Connection, named_query_id: str) -> NamedQueryRow | None:
    row = connection.execute("SELECT * FROM named_queries WHERE id = ?", (named_query_id,))
    found = row.fetchone()
    return NamedQueryRow(**dict(found)) if found else None


def named_queries_after(
    connection: sqlite3.Connection, workgroup: str, after: int, limit: int
) -> list[NamedQueryRow]:
    rows = connection.execute(
        "SELECT * FROM named_queries WHERE workgroup = ? AND seq > ? ORDER BY seq LIMIT ?",
        (workgroup, after, limit),
    )
    return [NamedQueryRow(**dict(row)) for row in rows]


def insert_named_query(
    connection: sqlite3.Connection,
    named_query_id: str,
    workgroup: str,
    name: str,
    description: str | None,
    database: str,
    query_string: str,
) -> None:
    connection.execute(
        "INSERT INTO named_queries (id, workgroup, name, description, database, query_string) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (named_query_id, workgroup, name, description, database, query_string),
    )


def update_named_query(
    connection: sqlite3.Connection,
    named_query_id: str,
    name: str,
    description: str | None,
    query_string: str,
) -> None:
    connection.execute(
        "UPDATE named_queries SET name = ?, description = ?, query_string = ? WHERE id = ?",
        (name, description, query_string, named_query_id),
    )


def delete_named_query(connection: sqlite3.Connection, named_query_id: str) -> None:
    connection.execute("DELETE FROM request_tokens WHERE resource_id = ?", (named_query_id,))
    connection.execute("DELETE FROM named_queries WHERE id = ?", (named_query_id,))


# -- query executions -------------------------------------------------------------------------


@dataclass(frozen=True)
class ExecutionRow:
    """One query execution. ``request`` holds what was decided at submission (see executions)."""

    seq: int
    id: str
    workgroup: str
    request: dict[str, Any]
    state: str
    reason: str | None
    error: dict[str, Any] | None
    submitted: float
    started: float | None
    engine_done: float | None
    completed: float | None
    scanned: int
    update_count: int | None
    columns: list[dict[str, Any]] | None
    manifest: str | None = None  # DataManifestLocation, for statements that write data


def _execution(row: sqlite3.Row) -> ExecutionRow:
    values = dict(row)
    for name in ("request", "error", "columns"):
        values[name] = loads(values[name])
    return ExecutionRow(**values)


def find_execution(connection: sqlite3.Connection, execution_id: str) -> ExecutionRow | None:
    row = connection.execute("SELECT * FROM executions WHERE id = ?", (execution_id,)).fetchone()
    return _execution(row) if row else None


def executions_before(
    connection: sqlite3.Connection, workgroup: str, before: int | None, limit: int
) -> list[ExecutionRow]:
    """Newest first, as ListQueryExecutions lists them."""
    rows = connection.execute(
        "SELECT * FROM executions WHERE workgroup = ? AND seq < ? ORDER BY seq DESC LIMIT ?",
        (workgroup, before if before is not None else 2**63 - 1, limit),
    )
    return [_execution(row) for row in rows]


def executions_in_state(connection: sqlite3.Connection, state: str) -> list[ExecutionRow]:
    rows = connection.execute("SELECT * FROM executions WHERE state = ? ORDER BY seq", (state,))
    return [_execution(row) for row in rows]


def insert_execution(
    connection: sqlite3.Connection,
    execution_id: str,
    workgroup: str,
    request: dict[str, Any],
    submitted: float,
) -> None:
    connection.execute(
        "INSERT INTO executions (id, workgroup, request, state, submitted) "
        "VALUES (?, ?, ?, 'QUEUED', ?)",
        (execution_id, workgroup, dumps(request), submitted),
    )


def move_execution(
    connection: sqlite3.Connection,
    execution_id: str,
    expected: Sequence[str],
    state: str,
    **changes: Any,
) -> bool:
    """Set ``state`` (and ``changes``) if the execution is in one of ``expected``; moved?"""
    for name in ("error", "columns"):
        if name in changes and changes[name] is not None:
            changes[name] = dumps(changes[name])
    assignments = ", ".join(f"{name} = ?" for name in ("state", *changes))
    marks = ", ".join("?" for _ in expected)
    cursor = connection.execute(
        f"UPDATE executions SET {assignments} WHERE id = ? AND state IN ({marks})",
        (state, *changes.values(), execution_id, *expected),
    )
    return cursor.rowcount == 1


# -- idempotency tokens -----------------------------------------------------------------------


def claim_token(
    connection: sqlite3.Connection, kind: str, token: str, resource_id: str, fingerprint: str
) -> tuple[str, str] | None:
    """Record ``token`` for ``resource_id``; if it was used before, its (resource, fingerprint)."""
    row = connection.execute(
        "SELECT resource_id, fingerprint FROM request_tokens WHERE kind = ? AND token = ?",
        (kind, token),
    ).fetchone()
    if row is not None:
        return str(row[0]), str(row[1])
    connection.execute(
        "INSERT INTO request_tokens VALUES (?, ?, ?, ?)", (kind, token, resource_id, fingerprint)
    )
    return None


# -- prepared statements ----------------------------------------------------------------------


@dataclass(frozen=True)
class PreparedRow:
    workgroup: str
    name: str
    query_statement: str
    description: str | None
    last_modified: float


def find_prepared(connection: sqlite3.Connection, workgroup: str, name: str) -> PreparedRow | None:
    row = connection.execute(
        "SELECT * FROM prepared_statements WHERE workgroup = ? AND name = ?", (workgroup, name)
    ).fetchone()
    return PreparedRow(**dict(row)) if row else None


def prepared_after(
    connection: sqlite3.Connection, workgroup: str, after: str, limit: int
) -> list[PreparedRow]:
    rows = connection.execute(
        "SELECT * FROM prepared_statements WHERE workgroup = ? AND name > ? ORDER BY name LIMIT ?",
        (workgroup, after, limit),
    )
    return [PreparedRow(**dict(row)) for row in rows]


def put_prepared(connection: sqlite3.Connection, row: PreparedRow, now: float) -> None:
    """Create or replace a statement; ``now`` is its LastModifiedTime."""
    connection.execute(
        "INSERT OR REPLACE INTO prepared_statements VALUES (?, ?, ?, ?, ?)",
        (row.workgroup, row.name, row.query_statement, row.description, now),
    )


def delete_prepared(connection: sqlite3.Connection, workgroup: str, name: str) -> bool:
    cursor = connection.execute(
        "DELETE FROM prepared_statements WHERE workgroup = ? AND name = ?", (workgroup, name)
    )
    return cursor.rowcount == 1
