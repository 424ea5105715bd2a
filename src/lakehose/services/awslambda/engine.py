"""The AWS Lambda engine: functions stored durably, handlers run in warm worker subprocesses.

The operations are grouped by noun in mixins (``functions``, ``versions``, ``aliases``,
``invocations``, ``mappings`` with ``stream_delivery``, ``policies``, ``tagging``,
``concurrency``); this class adds the life cycle:
opening the database, pruning code a crash left behind, stopping idle workers, and killing every
worker at ``close()``.

Ports:

``code_source`` (``ports.CodeSource``, consumed)
    Reads ``Code.S3Bucket`` / ``S3Key`` packages from the local S3; the runtime adapts the S3
    engine to it. Without one, S3-hosted code is answered as a missing bucket.
``stream_reader`` (``ports.StreamReader``, consumed) and ``destination``
    (``ports.FailureDestination``, consumed)
    Event source mappings read Kinesis streams through the first and write the invocation
    records of discarded batches to S3 on-failure destinations through the second.
``invoke_function(function_arn_or_name, payload, *, timeout_seconds=None) -> InvocationResult``
    (provided) Synchronous invocation for other engines, Firehose's data transformation first:
    ``InvocationResult`` carries the response or error ``payload`` bytes, ``function_error``
    (``"Unhandled"`` or ``None``), ``timed_out`` and the ``log_tail``. It raises
    ``ResourceNotFoundException`` (unknown function) and ``TooManyRequestsException``
    (throttled), which Firehose maps to ``Lambda.ResourceNotFound`` and
    ``Lambda.InvokeLimitExceeded``.

Options (``Lakehose(options={"lambda.<name>": value})``):

``max_concurrency_per_function`` (10)
    Workers one function may run at once without reserved concurrency; beyond it, invocations
    are throttled (``TooManyRequestsException``, ``Reason`` ``ConcurrentInvocationLimitExceeded``).
``idle_worker_seconds`` (600)
    A warm worker unused this long by the engine's clock is stopped at the next ``run_due()``.
``node_executable`` (``node`` on ``PATH``)
    What runs Node.js functions; without it they are created but cannot be invoked.
"""

from __future__ import annotations

from typing import ClassVar

from lakehose.services.awslambda import store
from lakehose.services.awslambda.aliases import AliasOperations
from lakehose.services.awslambda.concurrency import ConcurrencyOperations
from lakehose.services.awslambda.functions import FunctionOperations
from lakehose.services.awslambda.invocations import InvocationResult
from lakehose.services.awslambda.mappings import MappingOperations
from lakehose.services.awslambda.policies import PolicyOperations
from lakehose.services.awslambda.stream_delivery import StreamDelivery
from lakehose.services.awslambda.tagging import TaggingOperations

__all__ = ["InvocationResult", "LambdaEngine"]


class LambdaEngine(
    FunctionOperations,
    AliasOperations,
    MappingOperations,
    StreamDelivery,
    PolicyOperations,
    TaggingOperations,
    ConcurrencyOperations,
):
    """AWS Lambda on a SQLite database and unpacked code in the engine's directory."""

    # Firehose's data transformation invokes through its adapter (see the module docstring).
    PORT_METHODS: ClassVar[frozenset[str]] = frozenset({"invoke_function"})

    def start(self) -> None:
        super().start()
        with self.db.read() as connection:
            records = [*store.all_functions(connection), *store.all_versions(connection)]
        keep: dict[str, set[str]] = {}
        for record in records:
            keep.setdefault(record.name, set()).add(record.code_hex)
        self.code.prune(keep)

    def run_due(self) -> None:
        self.pool.reap(idle_before=self.clock.now() - self.idle_seconds)
        self._deliver_streams()

    def flush(self) -> None:
        self._deliver_streams()

    def close(self) -> None:
        self._stop_invocations()
        super().close()

    def abandon(self) -> None:
        self.pool.abandon()
