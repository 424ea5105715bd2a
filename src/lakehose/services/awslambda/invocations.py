"""Invoke, and the invoke port other engines use (``invoke_function``).

An invocation, step by step:

1. Resolve the function (name, partial or full ARN) and its qualifier: ``$LATEST``, a version,
   or an alias, whose routing weights pick the version that runs. Check the payload as AWS
   does: size (6 MB synchronous, 1 MB for events), UTF-8 JSON (an empty payload is ``{}``).
2. ``DryRun`` stops here (204). ``Event`` is queued for a background thread (202) which waits
   for a free slot; ``RequestResponse`` takes a slot now or is throttled (429).
3. Take a warm worker of the function's current code and configuration, or start one (a cold
   start: the handler module is imported within the 10-second init limit).
4. Send the request; wait for the result until the function's Timeout, killing the worker on
   the deadline. A worker that timed out or died is never reused; the next invocation starts a
   new one.
5. Shape the result as AWS does: the handler's response, or its error document with
   ``FunctionError: Unhandled``; the platform's own documents for timeouts
   (``Sandbox.Timedout``), crashes (``Runtime.ExitError``), running out of memory
   (``Runtime.OutOfMemory``) and oversized responses; and the log
   with START / END / REPORT lines, of which ``LogType=Tail`` returns the last 4 KB, and which
   is written to CloudWatch Logs (``/aws/lambda/<name>``, the worker's stream) line by line.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import shutil
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol

import orjson

from lakehose.clock import utc_datetime
from lakehose.errors import LakehoseError
from lakehose.services.awslambda import logs, nodejs, runtimes
from lakehose.services.awslambda.base import LambdaBase
from lakehose.services.awslambda.errors import (
    InvalidRequestContentException,
    InvalidRuntimeException,
    RequestTooLargeException,
    ResourceNotFoundException,
    ServiceException,
    TooManyRequestsException,
)
from lakehose.services.awslambda.names import LATEST
from lakehose.services.awslambda.pool import PoolClosed, Throttled
from lakehose.services.awslambda.ports import LogsUnavailable
from lakehose.services.awslambda.store import FunctionRecord
from lakehose.services.awslambda.workers import Outcome, Worker

logger = logging.getLogger(__name__)

SYNC_PAYLOAD_LIMIT = 6_291_456  # 6 MB, request and response
EVENT_PAYLOAD_LIMIT = 1_048_576  # 1 MB since October 2025 (256 KB before)
RESPONSE_LIMIT = 6_291_556  # the figure AWS's error message quotes
INIT_TIMEOUT_SECONDS = 10.0
EVENT_THREADS = 16


class Caller(Protocol):
    """What Invoke reads from the gateway's request context (engines do not import it)."""

    @property
    def request_id(self) -> str: ...


@dataclass(frozen=True)
class Call:
    """One invocation's request: its id, the ARN it was invoked by, payload, client context."""

    request_id: str
    arn: str
    payload: bytes
    client_context: dict[str, Any] | None


@dataclass(frozen=True)
class InvocationResult:
    """The outcome of one synchronous invocation, as Invoke reports it.

    ``payload`` is the handler's response or the error document; ``function_error`` is
    ``"Unhandled"`` when the function failed (raised, timed out, crashed), else ``None``;
    ``timed_out`` tells a timeout apart from other failures; ``log_tail`` is the last 4 KB of the
    invocation's log.
    """

    request_id: str
    payload: bytes
    function_error: str | None
    log_tail: bytes
    timed_out: bool = False
    status_code: int = 200
    executed_version: str = LATEST


class InvokeOperations(LambdaBase):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._events: ThreadPoolExecutor | None = None
        self._events_lock = threading.Lock()
        self._closing = False

    def invoke(
        self,
        *,
        function_name: str,
        payload: bytes = b"",
        invocation_type: str | None = None,
        log_type: str | None = None,
        qualifier: str | None = None,
        client_context: str | None = None,
        context: Caller | None = None,
    ) -> dict[str, Any]:
        # The invocation's request id is the API request's, as AWS's x-amzn-RequestId shows.
        request_id = context.request_id if context is not None else self.ids.uuid4()
        kind = invocation_type or "RequestResponse"
        with self.db.read() as connection:
            record, effective, alias = self._find_target(connection, function_name, qualifier)
            if alias is not None and alias.weights:
                record = self._routed(connection, record, alias.weights)
        if kind == "Event":
            _check_size(payload, EVENT_PAYLOAD_LIMIT, "InvokeAsync")
        else:
            _check_size(payload, SYNC_PAYLOAD_LIMIT, "InvokeFunction")
        body = _json_payload(payload)
        client = _client_context(client_context)
        if kind == "DryRun":
            return {"StatusCode": 204}
        call = Call(request_id, self.names.arn(record.name, effective), body, client)
        if kind == "Event":
            self._event_runner().submit(self._run_event, record.name, call)
            return {"StatusCode": 202}
        result = self._execute(record, call, wait=False)
        response: dict[str, Any] = {
            "StatusCode": result.status_code,
            "Payload": result.payload,
            "ExecutedVersion": result.executed_version,
        }
        if result.function_error is not None:
            response["FunctionError"] = result.function_error
        if log_type == "Tail":
            response["LogResult"] = base64.b64encode(result.log_tail).decode()
        return response

    def invoke_function(
        self, function_arn_or_name: str, payload: bytes, *, timeout_seconds: float | None = None
    ) -> InvocationResult:
        """Invoke synchronously for another engine (Firehose's data transformation).

        ``timeout_seconds`` caps the wait below the function's own Timeout. Raises
        ``ResourceNotFoundException`` for an unknown function, ``TooManyRequestsException`` when
        throttled and ``InvalidRequestContentException`` for a payload that is not JSON; a
        function that fails returns normally, with ``function_error`` set.
        """
        with self.db.read() as connection:
            record, effective, alias = self._find_target(connection, function_arn_or_name)
            if alias is not None and alias.weights:
                record = self._routed(connection, record, alias.weights)
        _check_size(payload, SYNC_PAYLOAD_LIMIT, "InvokeFunction")
        arn = self.names.arn(record.name, effective)
        call = Call(self.ids.uuid4(), arn, _json_payload(payload), None)
        return self._execute(record, call, wait=False, timeout_seconds=timeout_seconds)

    def _routed(
        self, connection: sqlite3.Connection, primary: FunctionRecord, weights: dict[str, float]
    ) -> FunctionRecord:
        """The version an alias with routing weights sends this invocation to."""
        for version, weight in weights.items():
            if self.ids.integer(1_000_000) < weight * 1_000_000:
                found = self._version_record(connection, primary, version)
                if found is not None:
                    return found.replace(reserved_concurrency=primary.reserved_concurrency)
        return primary

    # -- execution ----------------------------------------------------------------------------

    def _execute(
        self,
        record: FunctionRecord,
        call: Call,
        *,
        wait: bool,
        timeout_seconds: float | None = None,
    ) -> InvocationResult:
        if self._closing:
            raise ServiceException.shutting_down()
        self._check_runnable(record)
        timeout = min(float(record.timeout), timeout_seconds or float(record.timeout))
        header = {
            "request_id": call.request_id,
            "invoked_function_arn": call.arn,
            "timeout_ms": int(timeout * 1000),
            "client_context": call.client_context,
        }
        key = _worker_key(record)
        try:
            with self.pool.slot(record.name, record.reserved_concurrency, wait=wait):
                worker = self.pool.take_idle(record.name, key)
                cold = worker is None
                if worker is None:
                    worker = self.pool.spawn(record.name, lambda: self._start_worker(record, key))
                outcome = self._run(record.name, worker, cold, header, call.payload, timeout)
        except Throttled as throttled:
            raise TooManyRequestsException.throttled(throttled.reason) from None
        except PoolClosed:
            raise ServiceException.shutting_down() from None
        init = (worker.init_output, worker.init_ms) if cold else ("", None)
        result, log = self._result(record, call.request_id, outcome, init, timeout)
        self._write_log(record, worker.log_stream, log)
        return result

    def _run(
        self,
        function: str,
        worker: Worker,
        cold: bool,
        header: dict[str, Any],
        payload: bytes,
        timeout: float,
    ) -> Outcome:
        """Init (when cold) and invoke on ``worker``, then hand it back, reusable if healthy."""
        outcome: Outcome | None = None
        try:
            if cold:
                outcome = worker.start(INIT_TIMEOUT_SECONDS)
            if outcome is None:
                outcome = worker.invoke(header, payload, timeout)
            return outcome
        finally:
            survives = outcome is not None and outcome.worker_survives
            self.pool.give_back(function, worker, reusable=survives, now=self.clock.now())

    def _check_runnable(self, record: FunctionRecord) -> None:
        if runtimes.is_node(record.runtime) and shutil.which(self.node_executable) is None:
            raise InvalidRuntimeException.unavailable(record.runtime, self.node_executable)
        if not self.code.task_root(record.name, record.code_hex).is_dir():
            raise ResourceNotFoundException.function(self.names.arn(record.name))

    def _start_worker(self, record: FunctionRecord, key: str) -> Worker:
        node = runtimes.is_node(record.runtime)
        launch = runtimes.launch(
            record,
            task_root=self.code.task_root(record.name, record.code_hex),
            region=self.region,
            credentials=self.credentials,
            endpoint=self.endpoint(),
            log_stream=self._log_stream(record.version),
            node_bootstrap=nodejs.write_bootstrap(self.environment.directory) if node else None,
            node_executable=self.node_executable,
        )
        return Worker(launch, key)

    def _log_stream(self, version: str) -> str:
        """AWS's stream name for a new execution environment: ``2024/05/01/[$LATEST]<hex>``."""
        day = utc_datetime(self.clock).strftime("%Y/%m/%d")
        return f"{day}/[{version}]{self.ids.hex(32)}"

    def _result(
        self,
        record: FunctionRecord,
        request_id: str,
        outcome: Outcome,
        init: tuple[str, float | None],
        timeout: float,
    ) -> tuple[InvocationResult, str]:
        """The invocation's result and its whole log."""
        init_output, init_ms = init
        body, extra, status, error_type = outcome.body, "", None, None
        if outcome.kind == "success" and len(body) > RESPONSE_LIMIT:
            body = orjson.dumps(
                {
                    "errorMessage": "Response payload size exceeded maximum allowed payload size "
                    f"({RESPONSE_LIMIT} bytes).",
                    "errorType": "Function.ResponseSizeTooLarge",
                }
            )
            status, error_type = "error", "Function.ResponseSizeTooLarge"
        elif outcome.kind == "timeout":
            message = f"RequestId: {request_id} Error: Task timed out after {timeout:.2f} seconds"
            body = orjson.dumps({"errorType": "Sandbox.Timedout", "errorMessage": message})
            extra = logs.timeout_line(utc_datetime(self.clock), request_id, timeout)
            status = "timeout"
        elif outcome.kind in ("exited", "oom"):
            error_type = "Runtime.OutOfMemory" if outcome.kind == "oom" else "Runtime.ExitError"
            message = f"RequestId: {request_id} Error: {outcome.exit_reason}"
            body = orjson.dumps({"errorType": error_type, "errorMessage": message})
            extra = logs.exit_lines(request_id, outcome.exit_reason, error_type)
            status = "error"
        elif outcome.kind == "init_error":
            status, error_type = "error", str(orjson.loads(body).get("errorType", ""))
        # Out of memory, the sandbox held all it could: AWS reports the whole memory size used.
        used = record.memory_size if outcome.kind == "oom" else outcome.memory_mb
        report = logs.Report(
            request_id,
            outcome.duration_ms,
            record.memory_size,
            used,
            init_ms,
            status,
            error_type,
        )
        log = logs.invocation_log(init_output, outcome.output, extra, report, record.version)
        failed = outcome.kind != "success" or status is not None
        result = InvocationResult(
            request_id,
            body,
            "Unhandled" if failed else None,
            logs.tail(log),
            timed_out=outcome.kind == "timeout",
            executed_version=record.version,
        )
        return result, log

    def _write_log(self, record: FunctionRecord, stream: str, log: str) -> None:
        """The log to ``/aws/lambda/<name>``, a line an event; a failure costs the log only."""
        if self.log_sink is None:
            return
        now = int(self.clock.now() * 1000)
        events = [(now, line) for line in log.splitlines(keepends=True)]
        try:
            self.log_sink.write(runtimes.log_group(record.name), stream, events)
        except LogsUnavailable as error:
            logger.warning("the log of %s was not written: %s", record.name, error)

    # -- asynchronous invocations -------------------------------------------------------------

    def _event_runner(self) -> ThreadPoolExecutor:
        with self._events_lock:
            if self._closing:
                raise ServiceException.shutting_down()
            if self._events is None:
                self._events = ThreadPoolExecutor(EVENT_THREADS, "lakehose-lambda-event")
            return self._events

    def _run_event(self, name: str, call: Call) -> None:
        """Run one Event invocation; failures are logged, as AWS drops them without a DLQ."""
        try:
            record = self._function(name)
            if record.reserved_concurrency == 0:
                # AWS retries a throttled event for up to six hours, then drops it.
                logger.warning("event for %s dropped: its reserved concurrency is 0", name)
                return
            result = self._execute(record, call, wait=True)
            if result.function_error:
                logger.info("event invocation %s of %s failed", result.request_id, name)
        except LakehoseError as error:
            logger.info("event invocation of %s not run: %s", name, error)
        except Exception:
            logger.exception("event invocation of %s failed", name)

    def _stop_invocations(self) -> None:
        """Stop accepting invocations, cancel queued events, kill every worker, wait for threads."""
        with self._events_lock:
            self._closing = True
            events, self._events = self._events, None
        if events is not None:
            events.shutdown(wait=False, cancel_futures=True)
        self.pool.close()
        if events is not None:
            events.shutdown(wait=True)


def _check_size(payload: bytes, limit: int, operation: str) -> None:
    if len(payload) > limit:
        raise RequestTooLargeException.payload(limit, operation)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"Non-standard token '{name}'")


def _json_payload(payload: bytes) -> bytes:
    """The payload, checked to be JSON as AWS checks it; an empty payload is ``{}``."""
    if not payload.strip():
        return b"{}"
    try:
        json.loads(payload.decode("utf-8"), parse_constant=_reject_constant)
    except UnicodeDecodeError as error:
        raise InvalidRequestContentException.payload(
            f"Invalid UTF-8 start byte 0x{payload[error.start]:02x}"
        ) from None
    except ValueError as error:
        raise InvalidRequestContentException.payload(str(error)) from None
    return payload


def _client_context(encoded: str | None) -> dict[str, Any] | None:
    if encoded is None:
        return None
    try:
        document = json.loads(base64.b64decode(encoded, validate=True))
    except (binascii.Error, ValueError):
        raise InvalidRequestContentException.client_context() from None
    if not isinstance(document, dict):
        raise InvalidRequestContentException.client_context()
    return document


def _worker_key(record: FunctionRecord) -> str:
    """What a warm worker is reusable for: same code and same environment-shaping settings."""
    shape = orjson.dumps(
        [
            record.code_hex,
            record.runtime,
            record.handler,
            record.memory_size,
            record.environment,
            record.version,
        ]
    )
    return f"{record.name}:{hashlib.sha256(shape).hexdigest()[:16]}"
