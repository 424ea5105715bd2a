"""CreateNamedQuery, GetNamedQuery, ListNamedQueries, BatchGetNamedQuery, UpdateNamedQuery,
DeleteNamedQuery: saved queries, listed per workgroup in the order they were saved.

Names need not be unique; a saved query is found by its id. A disabled workgroup accepts no new
named queries (Athena's user guide, "Enable and disable a workgroup").
"""

from __future__ import annotations

from typing import Any

from lakehose.services.athena import store
from lakehose.services.athena.base import AthenaBase, decode_token, encode_token, page_size
from lakehose.services.athena.errors import INVALID_INPUT, InvalidRequestException
from lakehose.services.athena.store import NamedQueryRow


def describe_named_query(row: NamedQueryRow) -> dict[str, Any]:
    described: dict[str, Any] = {
        "Name": row.name,
        "Database": row.database,
        "QueryString": row.query_string,
        "NamedQueryId": row.id,
        "WorkGroup": row.workgroup,
    }
    if row.description is not None:
        described["Description"] = row.description
    return described


class NamedQueryOperations(AthenaBase):
    def create_named_query(
        self,
        *,
        name: str,
        database: str,
        query_string: str,
        description: str | None = None,
        client_request_token: str | None = None,
        work_group: str | None = None,
    ) -> dict[str, Any]:
        new_id = self.ids.uuid4()
        with self.db.transaction() as connection:
            workgroup = self._require_enabled(connection, work_group)
            compared = {
                "Name": name,
                "Database": database,
                "QueryString": query_string,
                "Description": description,
                "WorkGroup": workgroup.name,
            }
            earlier = self._idempotent(connection, "named", client_request_token, new_id, compared)
            if earlier is not None:
                return {"NamedQueryId": earlier}
            store.insert_named_query(
                connection, new_id, workgroup.name, name, description, database, query_string
            )
        return {"NamedQueryId": new_id}

    def get_named_query(self, *, named_query_id: str) -> dict[str, Any]:
        with self.db.read() as connection:
            found = store.find_named_query(connection, named_query_id)
        if found is None:
            raise InvalidRequestException.named_query_not_found(named_query_id)
        return {"NamedQuery": describe_named_query(found)}

    def batch_get_named_query(self, *, named_query_ids: list[str]) -> dict[str, Any]:
        found: list[dict[str, Any]] = []
        unprocessed: list[dict[str, str]] = []
        with self.db.read() as connection:
            for named_query_id in named_query_ids:
                row = store.find_named_query(connection, named_query_id)
                if row is None:
                    error = InvalidRequestException.named_query_not_found(named_query_id)
                    unprocessed.append(
                        {
                            "NamedQueryId": named_query_id,
                            "ErrorCode": INVALID_INPUT,
                            "ErrorMessage": error.message,
                        }
                    )
                else:
                    found.append(describe_named_query(row))
        return {"NamedQueries": found, "UnprocessedNamedQueryIds": unprocessed}

    def list_named_queries(
        self,
        *,
        next_token: str | None = None,
        max_results: int | None = None,
        work_group: str | None = None,
    ) -> dict[str, Any]:
        after = decode_token(next_token, "after")
        limit = page_size(max_results)
        with self.db.read() as connection:
            workgroup = self._require_workgroup(connection, work_group)
            rows = store.named_queries_after(
                connection, workgroup.name, after["after"] if after else 0, limit + 1
            )
        result: dict[str, Any] = {"NamedQueryIds": [row.id for row in rows[:limit]]}
        if len(rows) > limit:
            result["NextToken"] = encode_token({"after": rows[limit - 1].seq})
        return result

    def update_named_query(
        self,
        *,
        named_query_id: str,
        name: str,
        query_string: str,
        description: str | None = None,
    ) -> dict[str, Any]:
        with self.db.transaction() as connection:
            found = store.find_named_query(connection, named_query_id)
            if found is None:
                raise InvalidRequestException.named_query_not_found(named_query_id)
            # Name and QueryString are required and replaced; an omitted Description is kept.
            kept = description if description is not None else found.description
            store.update_named_query(connection, named_query_id, name, kept, query_string)
        return {}

    def delete_named_query(self, *, named_query_id: str) -> dict[str, Any]:
        with self.db.transaction() as connection:
            if store.find_named_query(connection, named_query_id) is None:
                raise InvalidRequestException.named_query_not_found(named_query_id)
            store.delete_named_query(connection, named_query_id)
        return {}
