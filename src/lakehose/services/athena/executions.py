"""StartQueryExecution, GetQueryExecution, BatchGetQueryExecution, ListQueryExecutions,
StopQueryExecution: submitting queries and watching them.

StartQueryExecution decides everything that does not need the query to run, in one transaction:
the workgroup (which must be ENABLED), the idempotency token, the effective result configuration
(the workgroup's when it enforces its settings, else the query's members over the workgroup's),
the bytes-scanned cutoff, the statement kind and the result file's name. That decision is stored
as the execution's ``request`` document, the execution is QUEUED, and the worker pool
(``runner``) takes it from there.
"""

from __future__ import annotations

import re
import sqlite3
from typing import Any

from lakehose.services.athena import store
from lakehose.services.athena.base import (
    ENGINE_VERSION,
    AthenaBase,
    decode_token,
    encode_token,
    page_size,
    split_s3_location,
)
from lakehose.services.athena.errors import InvalidRequestException
from lakehose.services.athena.statements import classify
from lakehose.services.athena.statuses import QueryExecutionState
from lakehose.services.athena.store import ExecutionRow, WorkGroupRow

USER_CANCELLED = "Query cancelled by user"  # measured (athena-local README)
_EXECUTE = re.compile(r"\s*EXECUTE\s+([A-Za-z_][A-Za-z0-9_@:]*)", re.IGNORECASE)


def effective_result_configuration(
    workgroup: WorkGroupRow, given: dict[str, Any] | None
) -> dict[str, Any]:
    """Which result settings a query runs with (Athena's "override client-side settings")."""
    configured = dict(workgroup.configuration.get("ResultConfiguration", {}))
    if workgroup.configuration.get("EnforceWorkGroupConfiguration"):
        return configured
    return {**configured, **(given or {})}


def _executed(connection: sqlite3.Connection, workgroup: str, query: str) -> str:
    """What a query runs: for ``EXECUTE name``, the workgroup's prepared statement (whose kind
    decides the statement type and result file), else the query itself."""
    named = _EXECUTE.match(query)
    if named is not None:
        found = store.find_prepared(connection, workgroup, named.group(1))
        if found is not None:
            return found.query_statement
    return query


def _millis(seconds: float) -> int:
    return max(0, round(seconds * 1000))


class ExecutionOperations(AthenaBase):
    def start_query_execution(
        self,
        *,
        query_string: str,
        client_request_token: str | None = None,
        query_execution_context: dict[str, str] | None = None,
        result_configuration: dict[str, Any] | None = None,
        work_group: str | None = None,
        execution_parameters: list[str] | None = None,
        result_reuse_configuration: dict[str, Any] | None = None,
        engine_configuration: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        if engine_configuration:
            raise InvalidRequestException.unsupported("EngineConfiguration (Spark capacity)")
        new_id = self.ids.uuid4()
        context = query_execution_context or {}
        with self.db.transaction() as connection:
            workgroup = self._require_enabled(connection, work_group)
            statement = classify(_executed(connection, workgroup.name, query_string))
            compared = {
                "QueryString": query_string,
                "Database": context.get("Database"),
                "OutputLocation": (result_configuration or {}).get("OutputLocation"),
            }
            earlier = self._idempotent(
                connection, "execution", client_request_token, new_id, compared
            )
            if earlier is not None:
                return {"QueryExecutionId": earlier}
            effective = effective_result_configuration(workgroup, result_configuration)
            location = effective.get("OutputLocation")
            if not location:
                raise InvalidRequestException.no_output_location()
            bucket, prefix = split_s3_location(location)
            self._check_output_bucket(bucket)
            request: dict[str, Any] = {
                "Query": query_string,
                "StatementType": statement.statement_type,
                "SubstatementType": statement.substatement_type,
                "ResultFile": statement.result_file.value,
                "OutputLocation": location,
                "ResultConfiguration": {
                    **effective,
                    "OutputLocation": f"s3://{bucket}/" + statement.result_file.key(prefix, new_id),
                },
                "QueryExecutionContext": query_execution_context,
                "ExecutionParameters": execution_parameters,
                "ResultReuseConfiguration": result_reuse_configuration,
                "BytesScannedCutoffPerQuery": workgroup.configuration.get(
                    "BytesScannedCutoffPerQuery"
                ),
                "EngineVersion": workgroup.configuration.get("EngineVersion", ENGINE_VERSION),
            }
            store.insert_execution(connection, new_id, workgroup.name, request, self._now())
        self._submit(new_id)
        return {"QueryExecutionId": new_id}

    def get_query_execution(self, *, query_execution_id: str) -> dict[str, Any]:
        with self.db.read() as connection:
            found = store.find_execution(connection, query_execution_id)
        if found is None:
            raise InvalidRequestException.execution_not_found(query_execution_id)
        return {"QueryExecution": self._describe_execution(found)}

    def batch_get_query_execution(self, *, query_execution_ids: list[str]) -> dict[str, Any]:
        found: list[dict[str, Any]] = []
        unprocessed: list[dict[str, str]] = []
        with self.db.read() as connection:
            for execution_id in query_execution_ids:
                row = store.find_execution(connection, execution_id)
                if row is None:
                    error = InvalidRequestException.execution_not_found(execution_id)
                    unprocessed.append(
                        {
                            "QueryExecutionId": execution_id,
                            "ErrorCode": error.athena_error_code,
                            "ErrorMessage": error.message,
                        }
                    )
                else:
                    found.append(self._describe_execution(row))
        return {"QueryExecutions": found, "UnprocessedQueryExecutionIds": unprocessed}

    def list_query_executions(
        self,
        *,
        next_token: str | None = None,
        max_results: int | None = None,
        work_group: str | None = None,
    ) -> dict[str, Any]:
        before = decode_token(next_token, "before")
        limit = page_size(max_results)
        with self.db.read() as connection:
            workgroup = self._require_workgroup(connection, work_group)
            rows = store.executions_before(
                connection, workgroup.name, before["before"] if before else None, limit + 1
            )
        result: dict[str, Any] = {"QueryExecutionIds": [row.id for row in rows[:limit]]}
        if len(rows) > limit:
            result["NextToken"] = encode_token({"before": rows[limit - 1].seq})
        return result

    def stop_query_execution(self, *, query_execution_id: str) -> dict[str, Any]:
        """Cancel a queued or running query; stopping a finished one changes nothing (as AWS)."""
        with self.db.transaction() as connection:
            found = store.find_execution(connection, query_execution_id)
            if found is None:
                raise InvalidRequestException.execution_not_found(query_execution_id)
            stopped = store.move_execution(
                connection,
                found.id,
                store.ACTIVE_STATES,
                QueryExecutionState.CANCELLED,
                reason=USER_CANCELLED,
                completed=self._now(),
            )
        if stopped:
            self._cancel(found.id)
        return {}

    # -- description --------------------------------------------------------------------------

    def _describe_execution(self, row: ExecutionRow) -> dict[str, Any]:
        request = row.request
        described: dict[str, Any] = {
            "QueryExecutionId": row.id,
            "Query": request["Query"],
            "StatementType": request["StatementType"],
            "ResultConfiguration": request["ResultConfiguration"],
        }
        for member in ("ResultReuseConfiguration", "QueryExecutionContext"):
            if request.get(member) is not None:
                described[member] = request[member]
        status: dict[str, Any] = {"State": row.state, "SubmissionDateTime": row.submitted}
        if row.reason is not None:
            status["StateChangeReason"] = row.reason
        if row.completed is not None:
            status["CompletionDateTime"] = row.completed
        if row.error is not None:
            status["AthenaError"] = row.error
        described["Status"] = status
        described["Statistics"] = self._statistics(row)
        described["WorkGroup"] = row.workgroup
        described["EngineVersion"] = request["EngineVersion"]
        if request.get("ExecutionParameters"):
            described["ExecutionParameters"] = request["ExecutionParameters"]
        if request.get("SubstatementType"):
            described["SubstatementType"] = request["SubstatementType"]
        return described

    def _statistics(self, row: ExecutionRow) -> dict[str, Any]:
        """Times from the execution's moves, so far for one still active.

        Queue time runs from submission to the worker taking the query, engine time while the
        SQL engine works, service processing while the results are written. lakehose does not
        time planning or pre-processing apart from execution, so those two are 0.
        """
        end = row.completed if row.completed is not None else self._now()
        started = row.started if row.started is not None else end
        engine_end = row.engine_done if row.engine_done is not None else end
        return {
            "EngineExecutionTimeInMillis": _millis(engine_end - started),
            "DataScannedInBytes": row.scanned,
            **({"DataManifestLocation": row.manifest} if row.manifest else {}),
            "TotalExecutionTimeInMillis": _millis(end - row.submitted),
            "QueryQueueTimeInMillis": _millis(started - row.submitted),
            "ServicePreProcessingTimeInMillis": 0,
            "QueryPlanningTimeInMillis": 0,
            "ServiceProcessingTimeInMillis": _millis(end - engine_end),
            "ResultReuseInformation": {"ReusedPreviousResult": False},
        }
