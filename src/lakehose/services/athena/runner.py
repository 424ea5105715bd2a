"""The worker pool that runs queries, and the order in which a run becomes visible.

A run, for one QUEUED execution (every state move is conditional, see ``store``):

1. Move QUEUED -> RUNNING; if that fails the query was stopped while queued, nothing to do.
2. Run the SQL with the execution's parameters, cutoff and a cancel event.
3. On a SQL failure, move RUNNING -> FAILED with Athena's error; on the cutoff, -> CANCELLED.
4. Write the result object and its ``.metadata`` to the output location, then the engine's own
   copy of the rows (``results.ResultSets``), both before the state says SUCCEEDED, so a client
   that sees SUCCEEDED always finds the files.
5. Move RUNNING -> SUCCEEDED with the statistics and columns.

A StopQueryExecution moves the state to CANCELLED first and then sets the cancel event, so the
worker's later move fails harmlessly and the stop wins. ``close()`` interrupts runs without
moving their state: on the next start, executions still RUNNING are marked FAILED (their run was
lost; a retry is the client's call, as after an Athena internal error) and QUEUED ones are run.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import TYPE_CHECKING, Any, Protocol

from lakehose.services.athena import store
from lakehose.services.athena.base import split_s3_location
from lakehose.services.athena.errors import InvalidRequestException
from lakehose.services.athena.ports import BucketMissing, ObjectStorePort
from lakehose.services.athena.prepared_statements import PreparedStatementOperations
from lakehose.services.athena.results import (
    column_info,
    render_csv,
    render_metadata,
    render_text,
)
from lakehose.services.athena.runtime_statistics import RuntimeStatisticsOperations
from lakehose.services.athena.statements import ResultFile
from lakehose.services.athena.statuses import QueryExecutionState
from lakehose.services.athena.store import ExecutionRow

if TYPE_CHECKING:
    from lakehose.services.athena.sql import QueryFailed, QueryOutcome
    from lakehose.services.athena.sql.prepared import PreparedStatements

logger = logging.getLogger(__name__)

# Athena's error catalog: category 1 is SYSTEM; type 100 "Internal service error", 200 "Query
# engine had an internal error", 401 "Failed to write query results to Amazon S3".
_SYSTEM = 1
_INTERRUPTED = (
    "lakehose stopped while this query was running, so it did not finish; submit it again"
)


class QueryEngine(Protocol):
    """What the runner needs from the SQL engine (``sql.SqlEngine``)."""

    def execute(
        self,
        query: str,
        *,
        database: str | None,
        catalog: str | None = ...,
        parameters: Sequence[str] = ...,
        output_location: str | None = ...,
        bytes_scanned_cutoff: int | None = ...,
        cancel: threading.Event | None = ...,
        query_execution_id: str | None = ...,
        prepared_statements: PreparedStatements | None = ...,
    ) -> QueryOutcome: ...

    def close(self) -> None: ...


def _system_error(error_type: int, message: str, retryable: bool) -> dict[str, Any]:
    return {
        "ErrorCategory": _SYSTEM,
        "ErrorType": error_type,
        "Retryable": retryable,
        "ErrorMessage": message,
    }


class QueryRunner(RuntimeStatisticsOperations, PreparedStatementOperations):
    _sql: QueryEngine | None = None
    _objects: ObjectStorePort | None = None
    _pool: ThreadPoolExecutor | None = None

    def _start_workers(self, make_sql: Callable[[], QueryEngine], objects: ObjectStorePort) -> None:
        """Start the pool; the SQL engine is made by ``make_sql`` when the first query runs,
        so that a runtime that runs no query never loads DuckDB and sqlglot (seconds)."""
        self._make_sql, self._objects = make_sql, objects
        self._closing = threading.Event()
        self._lock = threading.Lock()
        self._cancels: dict[str, threading.Event] = {}
        self._running: set[Future[None]] = set()
        workers = int(self.environment.option("athena.max_concurrent_queries"))
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="athena-query")
        with self.db.transaction() as connection:
            for lost in store.executions_in_state(connection, QueryExecutionState.RUNNING):
                store.move_execution(
                    connection,
                    lost.id,
                    (QueryExecutionState.RUNNING,),
                    QueryExecutionState.FAILED,
                    reason=_INTERRUPTED,
                    error=_system_error(100, _INTERRUPTED, True),
                    completed=self._now(),
                )
            queued = store.executions_in_state(connection, QueryExecutionState.QUEUED)
        for execution in queued:
            self._submit(execution.id)

    def _stop_workers(self) -> None:
        if self._pool is None:
            return
        self._closing.set()
        with self._lock:
            for event in self._cancels.values():
                event.set()
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._pool = None

    def _wait_idle(self) -> None:
        """Block until every submitted query has finished (``flush()``)."""
        if self._pool is None:
            return
        while True:
            with self._lock:
                pending = set(self._running)
            if not pending:
                return
            wait(pending)

    # -- hooks used by the operations ---------------------------------------------------------

    def _submit(self, execution_id: str) -> None:
        if self._pool is None or self._closing.is_set():
            return  # left QUEUED; the next start runs it
        with self._lock:
            self._cancels[execution_id] = threading.Event()
            future = self._pool.submit(self._run, execution_id)
            self._running.add(future)
        future.add_done_callback(self._forget(execution_id))

    def _forget(self, execution_id: str) -> Callable[[Future[None]], None]:
        def done(future: Future[None]) -> None:
            with self._lock:
                self._running.discard(future)
                self._cancels.pop(execution_id, None)

        return done

    def _cancel(self, execution_id: str) -> None:
        with self._lock:
            event = self._cancels.get(execution_id)
        if event is not None:
            event.set()

    def _check_output_bucket(self, bucket: str) -> None:
        try:
            self.objects.head_bucket(bucket)
        except (BucketMissing, KeyError):
            raise InvalidRequestException.output_bucket_unavailable(bucket) from None

    @property
    def objects(self) -> ObjectStorePort:
        if self._objects is None:
            raise RuntimeError("the athena engine is not started")
        return self._objects

    @property
    def sql(self) -> QueryEngine:
        with self._lock:
            if self._sql is None:
                self._sql = self._make_sql()
            return self._sql

    def _close_sql(self) -> None:
        """After ``stop_workers``: no worker can be making or using the engine any more."""
        made, self._sql = self._sql, None
        if made is not None:
            made.close()

    # -- one run ------------------------------------------------------------------------------

    def _run(self, execution_id: str) -> None:
        with self._lock:
            cancel = self._cancels[execution_id]
        try:
            self._run_steps(execution_id, cancel)
        except Exception:
            # A bug must not leave the query RUNNING forever or kill the worker thread.
            logger.exception("athena query %s failed unexpectedly", execution_id)
            self._finish_failed(execution_id, _system_error(200, "GENERIC_INTERNAL_ERROR", False))

    def _run_steps(self, execution_id: str, cancel: threading.Event) -> None:
        if self._closing.is_set():
            return  # taken up while closing: stays QUEUED for the next start
        with self.db.transaction() as connection:
            if not store.move_execution(
                connection,
                execution_id,
                (QueryExecutionState.QUEUED,),
                QueryExecutionState.RUNNING,
                started=self._now(),
            ):
                return
            found = store.find_execution(connection, execution_id)
        assert found is not None
        request = found.request
        context = request.get("QueryExecutionContext") or {}
        from lakehose.services.athena.sql import QueryCancelled, QueryFailed  # see start_workers

        try:
            outcome = self.sql.execute(
                request["Query"],
                database=context.get("Database"),
                catalog=context.get("Catalog", "AwsDataCatalog"),
                parameters=request.get("ExecutionParameters") or (),
                output_location=request["OutputLocation"],
                bytes_scanned_cutoff=request.get("BytesScannedCutoffPerQuery"),
                cancel=cancel,
                query_execution_id=execution_id,
                prepared_statements=self._prepared_in(found.workgroup),
            )
        except QueryCancelled as cancelled:
            if not cancel.is_set():  # not a stop, so the scan cutoff: CANCELLED, still billed
                self._finish(
                    execution_id,
                    QueryExecutionState.CANCELLED,
                    reason=cancelled.message,
                    scanned=cancelled.data_scanned_bytes,
                )
            return
        except QueryFailed as failure:
            if not cancel.is_set():
                self._finish_failed(
                    execution_id, self._athena_error(failure), failure.data_scanned_bytes
                )
            return
        except Exception:
            if cancel.is_set():
                return  # however the engine reports an interruption, the stop decided
            raise
        if cancel.is_set():
            return  # stopped (state already CANCELLED) or closing (state left RUNNING)
        engine_done = self._now()
        columns = [column_info(column) for column in outcome.columns]
        try:
            manifest = self._publish(found, outcome, columns)
        except (BucketMissing, KeyError) as error:
            message = f"Failed to write query results to {request['OutputLocation']}: {error}"
            self._finish_failed(execution_id, _system_error(401, message, False))
            return
        self._finish(
            execution_id,
            QueryExecutionState.SUCCEEDED,
            engine_done=engine_done,
            scanned=outcome.data_scanned_bytes,
            update_count=outcome.update_count,
            columns=columns,
            manifest=manifest,
        )

    @staticmethod
    def _athena_error(failure: QueryFailed) -> dict[str, Any]:
        return {
            "ErrorCategory": failure.error_category,
            "ErrorType": failure.error_type,
            "Retryable": False,
            "ErrorMessage": failure.message,
        }

    def _finish_failed(self, execution_id: str, error: dict[str, Any], scanned: int = 0) -> None:
        self._finish(
            execution_id,
            QueryExecutionState.FAILED,
            reason=error["ErrorMessage"],
            error=error,
            scanned=scanned,
        )

    def _finish(self, execution_id: str, state: QueryExecutionState, **changes: Any) -> None:
        """Move a RUNNING execution to a final ``state`` (a stop that came first wins)."""
        with self.db.transaction() as connection:
            store.move_execution(
                connection,
                execution_id,
                (QueryExecutionState.RUNNING,),
                state,
                completed=self._now(),
                **changes,
            )

    def _publish(
        self, found: ExecutionRow, outcome: QueryOutcome, columns: list[dict[str, Any]]
    ) -> str | None:
        """Step 4: the output location's files, then the engine's copy of the rows; the data
        manifest's location when the statement writes data (CTAS, INSERT INTO, UNLOAD)."""
        kind = ResultFile(found.request["ResultFile"])
        bucket, key = split_s3_location(found.request["ResultConfiguration"]["OutputLocation"])
        manifest = None
        if kind.writes_manifest:
            # Athena's ``<query id>-manifest.csv``: one s3:// URI a line of each file written.
            lines = "".join(f"{uri}\n" for uri in outcome.written_files)
            self.objects.put_object_bytes(
                bucket, f"{key}-manifest.csv", lines.encode(), "application/octet-stream"
            )
            manifest = f"s3://{bucket}/{key}-manifest.csv"
        rows: list[Sequence[str | None]] = list(outcome.rows)
        if kind.has_header:
            rows.insert(0, [column.name for column in outcome.columns])
        if kind is ResultFile.ROWS_CSV:
            self.objects.put_object_bytes(bucket, key, render_csv(rows), "application/octet-stream")
        elif kind is ResultFile.TEXT:
            self.objects.put_object_bytes(bucket, key, render_text(rows), "binary/octet-stream")
        if columns:
            metadata = render_metadata(found.id, columns)
            self.objects.put_object_bytes(
                bucket, f"{key}.metadata", metadata, "application/octet-stream"
            )
        self.result_sets.write(found.id, rows)
        return manifest
