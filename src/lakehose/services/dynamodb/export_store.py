"""SQLite persistence of table exports.

``exports`` holds one row per ExportTableToPointInTime: its ARN, table, client token, when it
started, and its ``ExportDescription`` as JSON (status, counts, manifest key, failure). The
point-in-time recovery flag exports require is kept in the table's metadata (``backups.py``).

Schema version 2 of ``dynamodb.db`` (``store.MIGRATIONS``).
"""

from __future__ import annotations

import sqlite3
from typing import Any

import orjson

SCHEMA = """
CREATE TABLE exports (
    export_arn TEXT PRIMARY KEY,
    table_arn TEXT NOT NULL,
    client_token TEXT,
    started_ms INTEGER NOT NULL,
    description BLOB NOT NULL
);
CREATE INDEX exports_by_table ON exports (table_arn, started_ms);
"""


def save_export(
    connection: sqlite3.Connection,
    description: dict[str, Any],
    client_token: str | None,
    started_ms: int,
) -> None:
    connection.execute(
        "INSERT OR REPLACE INTO exports (export_arn, table_arn, client_token, started_ms, "
        "description) VALUES (?, ?, ?, ?, ?)",
        (
            description["ExportArn"],
            description["TableArn"],
            client_token,
            started_ms,
            orjson.dumps(description),
        ),
    )


def find_export(connection: sqlite3.Connection, export_arn: str) -> dict[str, Any] | None:
    row = connection.execute(
        "SELECT description FROM exports WHERE export_arn = ?", (export_arn,)
    ).fetchone()
    return None if row is None else _loaded(row[0])


def export_by_token(
    connection: sqlite3.Connection, table_arn: str, client_token: str
) -> dict[str, Any] | None:
    row = connection.execute(
        "SELECT description FROM exports WHERE table_arn = ? AND client_token = ?",
        (table_arn, client_token),
    ).fetchone()
    return None if row is None else _loaded(row[0])


def list_exports(
    connection: sqlite3.Connection, table_arn: str | None, after: str | None, limit: int
) -> list[dict[str, Any]]:
    """Exports in the order they started (then by ARN), after the ARN ``after``."""
    clauses, arguments = [], []
    if table_arn is not None:
        clauses.append("table_arn = ?")
        arguments.append(table_arn)
    if after is not None:
        clauses.append(
            "(started_ms, export_arn) > (SELECT started_ms, export_arn FROM exports "
            "WHERE export_arn = ?)"
        )
        arguments.append(after)
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    rows = connection.execute(
        f"SELECT description FROM exports {where} ORDER BY started_ms, export_arn LIMIT ?",
        (*arguments, limit),
    ).fetchall()
    return [_loaded(row[0]) for row in rows]


def unfinished_exports(connection: sqlite3.Connection) -> list[dict[str, Any]]:
    rows = connection.execute("SELECT description FROM exports").fetchall()
    return [d for d in (_loaded(row[0]) for row in rows) if d["ExportStatus"] == "IN_PROGRESS"]


def _loaded(data: bytes) -> dict[str, Any]:
    description: dict[str, Any] = orjson.loads(data)
    return description
