"""CreatePreparedStatement, GetPreparedStatement, UpdatePreparedStatement,
DeletePreparedStatement, ListPreparedStatements, BatchGetPreparedStatement, and the same
statements as the SQL's ``PREPARE`` / ``EXECUTE`` / ``DEALLOCATE PREPARE`` see them.

A prepared statement belongs to a workgroup and is named within it; creating one whose name is
taken replaces it only through SQL's PREPARE (Trino's behaviour), the API refuses it.
"""

from __future__ import annotations

from typing import Any

from lakehose.services.athena import store
from lakehose.services.athena.base import AthenaBase, decode_token, encode_token, page_size
from lakehose.services.athena.errors import InvalidRequestException, ResourceNotFoundException
from lakehose.services.athena.store import PreparedRow


def _described(row: PreparedRow) -> dict[str, Any]:
    described: dict[str, Any] = {
        "StatementName": row.name,
        "QueryStatement": row.query_statement,
        "WorkGroupName": row.workgroup,
        "LastModifiedTime": row.last_modified,
    }
    if row.description is not None:
        described["Description"] = row.description
    return described


class PreparedStatementOperations(AthenaBase):
    def create_prepared_statement(
        self,
        *,
        statement_name: str,
        work_group: str,
        query_statement: str,
        description: str | None = None,
    ) -> dict[str, Any]:
        return self._save(work_group, statement_name, query_statement, description, False)

    def update_prepared_statement(
        self,
        *,
        statement_name: str,
        work_group: str,
        query_statement: str,
        description: str | None = None,
    ) -> dict[str, Any]:
        return self._save(work_group, statement_name, query_statement, description, True)

    def _save(
        self, work_group: str, name: str, sql: str, description: str | None, update: bool
    ) -> dict[str, Any]:
        """Create a statement (refused when the name is taken) or update one (which must
        exist; a description not given is kept)."""
        with self.db.transaction() as connection:
            workgroup = self._require_workgroup(connection, work_group)
            found = store.find_prepared(connection, workgroup.name, name)
            if update and found is None:
                raise ResourceNotFoundException.prepared_statement(name)
            if not update and found is not None:
                raise InvalidRequestException.prepared_statement_exists(name)
            if found is not None and description is None:
                description = found.description
            row = PreparedRow(workgroup.name, name, sql, description, 0.0)
            store.put_prepared(connection, row, self._now())
        return {}

    def get_prepared_statement(self, *, statement_name: str, work_group: str) -> dict[str, Any]:
        with self.db.read() as connection:
            found = self._require_prepared(connection, work_group, statement_name)
        return {"PreparedStatement": _described(found)}

    def delete_prepared_statement(self, *, statement_name: str, work_group: str) -> dict[str, Any]:
        with self.db.transaction() as connection:
            found = self._require_prepared(connection, work_group, statement_name)
            store.delete_prepared(connection, found.workgroup, found.name)
        return {}

    def list_prepared_statements(
        self, *, work_group: str, next_token: str | None = None, max_results: int | None = None
    ) -> dict[str, Any]:
        after = decode_token(next_token, "after")
        limit = page_size(max_results)
        with self.db.read() as connection:
            workgroup = self._require_workgroup(connection, work_group)
            rows = store.prepared_after(
                connection, workgroup.name, after["after"] if after else "", limit + 1
            )
        result: dict[str, Any] = {
            "PreparedStatements": [
                {"StatementName": row.name, "LastModifiedTime": row.last_modified}
                for row in rows[:limit]
            ]
        }
        if len(rows) > limit:
            result["NextToken"] = encode_token({"after": rows[limit - 1].name})
        return result

    def batch_get_prepared_statement(
        self, *, prepared_statement_names: list[str], work_group: str
    ) -> dict[str, Any]:
        found: list[dict[str, Any]] = []
        unprocessed: list[dict[str, str]] = []
        with self.db.read() as connection:
            workgroup = self._require_workgroup(connection, work_group)
            for name in prepared_statement_names:
                row = store.find_prepared(connection, workgroup.name, name)
                if row is None:
                    # The model's documented code for a name that has no statement.
                    error = ResourceNotFoundException.prepared_statement(name)
                    unprocessed.append(
                        {
                            "StatementName": name,
                            "ErrorCode": "STATEMENT_NOT_FOUND",
                            "ErrorMessage": error.message,
                        }
                    )
                else:
                    found.append(_described(row))
        return {"PreparedStatements": found, "UnprocessedPreparedStatementNames": unprocessed}

    def _require_prepared(self, connection: Any, work_group: str, name: str) -> PreparedRow:
        workgroup = self._require_workgroup(connection, work_group)
        found = store.find_prepared(connection, workgroup.name, name)
        if found is None:
            raise ResourceNotFoundException.prepared_statement(name)
        return found

    # -- as the SQL engine sees them (``sql.prepared.PreparedStatements``) ---------------------

    def _prepared_in(self, workgroup: str) -> WorkGroupStatements:
        return WorkGroupStatements(self, workgroup)


class WorkGroupStatements:
    """One workgroup's prepared statements, for PREPARE, EXECUTE and DEALLOCATE PREPARE."""

    def __init__(self, engine: PreparedStatementOperations, workgroup: str) -> None:
        self._engine = engine
        self._workgroup = workgroup

    def get(self, name: str) -> str | None:
        with self._engine.db.read() as connection:
            found = store.find_prepared(connection, self._workgroup, name)
        return found.query_statement if found else None

    def put(self, name: str, sql: str) -> None:
        with self._engine.db.transaction() as connection:
            row = PreparedRow(self._workgroup, name, sql, None, 0.0)
            store.put_prepared(connection, row, self._engine.clock.now())

    def delete(self, name: str) -> bool:
        with self._engine.db.transaction() as connection:
            return store.delete_prepared(connection, self._workgroup, name)
