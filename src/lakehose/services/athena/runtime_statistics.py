"""GetQueryRuntimeStatistics: an execution's timeline and row counts.

The timeline is the one ``Statistics`` reports. Of the row counts lakehose knows the bytes read
(``InputBytes``, the scanned bytes) and the rows and bytes produced (``OutputRows``: the result's
rows, or the rows a CTAS / INSERT INTO / UNLOAD wrote; ``OutputBytes``: the result file's size as
the engine keeps it); it counts no input rows and reports no stages, which AWS also leaves out
when it has not gathered them.
"""

from __future__ import annotations

from typing import Any

from lakehose.services.athena import store
from lakehose.services.athena.errors import InvalidRequestException
from lakehose.services.athena.executions import ExecutionOperations
from lakehose.services.athena.results import ResultOperations
from lakehose.services.athena.statements import ResultFile
from lakehose.services.athena.statuses import QueryExecutionState
from lakehose.services.athena.store import ExecutionRow

_TIMELINE = (
    "QueryQueueTimeInMillis",
    "ServicePreProcessingTimeInMillis",
    "QueryPlanningTimeInMillis",
    "EngineExecutionTimeInMillis",
    "ServiceProcessingTimeInMillis",
    "TotalExecutionTimeInMillis",
)


class RuntimeStatisticsOperations(ExecutionOperations, ResultOperations):
    def get_query_runtime_statistics(self, *, query_execution_id: str) -> dict[str, Any]:
        with self.db.read() as connection:
            found = store.find_execution(connection, query_execution_id)
        if found is None:
            raise InvalidRequestException.execution_not_found(query_execution_id)
        statistics = self._statistics(found)
        answer: dict[str, Any] = {"Timeline": {name: statistics[name] for name in _TIMELINE}}
        if found.state == QueryExecutionState.SUCCEEDED:
            answer["Rows"] = {"InputBytes": found.scanned, **self._output(found)}
        return {"QueryRuntimeStatistics": answer}

    def _output(self, found: ExecutionRow) -> dict[str, int]:
        path = self.result_sets.path(found.id)
        try:
            size = path.stat().st_size
            with path.open("rb") as handle:
                lines = sum(1 for _ in handle)
        except FileNotFoundError:
            size, lines = 0, 0
        if ResultFile(found.request["ResultFile"]).has_header:
            lines = max(0, lines - 1)
        rows = found.update_count if found.update_count is not None else lines
        return {"OutputBytes": size, "OutputRows": rows}
