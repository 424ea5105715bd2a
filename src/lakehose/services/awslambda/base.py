"""What every group of Lambda operations shares: storage, options, naming and lookups.

The operations live in mixins by noun (``functions``, ``invocations``, ``policies``, ``tagging``,
``concurrency``) that ``engine.LambdaEngine`` combines; each derives from ``LambdaBase``.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from lakehose.clock import utc_datetime
from lakehose.services.awslambda import store
from lakehose.services.awslambda.code import CodeStore
from lakehose.services.awslambda.errors import (
    PreconditionFailedException,
    ResourceNotFoundException,
)
from lakehose.services.awslambda.names import LATEST, FunctionNames
from lakehose.services.awslambda.pool import WorkerPool
from lakehose.services.awslambda.ports import (
    CodeSource,
    FailureDestination,
    LogSink,
    StreamReader,
)
from lakehose.services.awslambda.runtimes import log_group
from lakehose.services.awslambda.statuses import LastUpdateStatus, State
from lakehose.services.awslambda.store import AliasRecord, FunctionRecord
from lakehose.services.engine import EngineEnvironment, SqliteEngine
from lakehose.settings import Credentials
from lakehose.storage import Migration

# AWS keeps 100 of the account's 1,000 concurrent executions unreserved.
ACCOUNT_CONCURRENCY = 1000
UNRESERVED_MINIMUM = 100


class LambdaBase(SqliteEngine):
    """Shared state and helpers of the Lambda operation mixins."""

    service_name: ClassVar[str] = "lambda"
    database_file: ClassVar[str] = "lambda.db"
    migrations: ClassVar[Sequence[Migration]] = store.MIGRATIONS

    def __init__(
        self,
        environment: EngineEnvironment,
        *,
        code_source: CodeSource | None = None,
        log_sink: LogSink | None = None,
        stream_reader: StreamReader | None = None,
        destination: FailureDestination | None = None,
        endpoint: Callable[[], str] | None = None,
        credentials: Credentials | None = None,
    ) -> None:
        super().__init__(environment)
        self.code_source = code_source
        self.log_sink = log_sink
        self.stream_reader = stream_reader
        self.destination = destination
        # Asked only when a worker starts: an embedded runtime starts its loopback server then.
        self.endpoint: Callable[[], str] = endpoint or (lambda: environment.endpoint_url)
        self.credentials = credentials
        self.names = FunctionNames(self.region, self.account_id)
        self.code = CodeStore(environment.directory)
        self.idle_seconds = float(environment.option("lambda.idle_worker_seconds"))
        self.node_executable = str(
            environment.option("lambda.node_executable") or shutil.which("node") or "node"
        )
        self.pool = WorkerPool(int(environment.option("lambda.max_concurrency_per_function")))

    def _last_modified(self) -> str:
        """``LastModified`` as Lambda writes it: ``2024-05-01T12:34:56.789+0000``."""
        now = utc_datetime(self.clock)
        return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}+0000"

    # -- lookups ------------------------------------------------------------------------------

    def _find_function(
        self, connection: sqlite3.Connection, reference: str, qualifier: str | None = None
    ) -> tuple[FunctionRecord, str | None]:
        """The function (its ``$LATEST`` record) a ``FunctionName`` names and the effective
        qualifier, which must name ``$LATEST``, a version or an alias; else not-found."""
        record, effective, _ = self._find_target(connection, reference, qualifier)
        if effective not in (None, LATEST):
            latest = store.get_function(connection, record.name)
            assert latest is not None
            return latest, effective
        return record, effective

    def _find_target(
        self, connection: sqlite3.Connection, reference: str, qualifier: str | None = None
    ) -> tuple[FunctionRecord, str | None, AliasRecord | None]:
        """What a qualified ``FunctionName`` runs: the record of ``$LATEST``, of the version, or
        of the version an alias points to (and that alias), with the effective qualifier."""
        name, effective = self.names.resolve(reference, qualifier)
        record = store.get_function(connection, name)
        if record is None:
            raise ResourceNotFoundException.function(self.names.arn(name, effective))
        if effective in (None, LATEST):
            return record, effective, None
        alias = None if effective.isdigit() else store.get_alias(connection, name, effective)
        target = self._version_record(
            connection, record, alias.function_version if alias else effective
        )
        if target is None or (alias is None and not effective.isdigit()):
            raise ResourceNotFoundException.function(self.names.arn(name, effective))
        # Concurrency is the function's, whatever version runs.
        return target.replace(reserved_concurrency=record.reserved_concurrency), effective, alias

    @staticmethod
    def _version_record(
        connection: sqlite3.Connection, latest: FunctionRecord, version: str
    ) -> FunctionRecord | None:
        if version == LATEST:
            return latest
        if not version.isdigit():
            return None
        return store.get_version(connection, latest.name, int(version))

    def _function(self, reference: str, qualifier: str | None = None) -> FunctionRecord:
        with self.db.read() as connection:
            return self._find_function(connection, reference, qualifier)[0]

    @staticmethod
    def _check_revision(record: FunctionRecord, revision_id: str | None) -> None:
        if revision_id is not None and revision_id != record.revision_id:
            raise PreconditionFailedException.function_revision()

    # -- rendering ----------------------------------------------------------------------------

    def _configuration(
        self, record: FunctionRecord, qualifier: str | None = None, *, listing: bool = False
    ) -> dict[str, Any]:
        """``FunctionConfiguration`` as Lambda returns it (qualified ARN when asked for one)."""
        configuration: dict[str, Any] = {
            "FunctionName": record.name,
            "FunctionArn": self.names.arn(record.name, qualifier),
            "Runtime": record.runtime,
            "Role": record.role,
            "Handler": record.handler,
            "CodeSize": record.code_size,
            "Description": record.description,
            "Timeout": record.timeout,
            "MemorySize": record.memory_size,
            "LastModified": record.last_modified,
            "CodeSha256": record.code_sha256,
            "Version": record.version,
            "TracingConfig": {"Mode": record.tracing_mode},
            "RevisionId": record.revision_id,
            "PackageType": "Zip",
            "Architectures": list(record.architectures),
            "EphemeralStorage": {"Size": record.ephemeral_storage},
            "SnapStart": {"ApplyOn": "None", "OptimizationStatus": "Off"},
            "LoggingConfig": {"LogFormat": "Text", "LogGroup": log_group(record.name)},
        }
        if record.environment is not None:
            configuration["Environment"] = {"Variables": dict(record.environment)}
        if not listing:
            # Every change is complete when its call returns: functions are never Pending.
            configuration["State"] = State.ACTIVE
            configuration["LastUpdateStatus"] = LastUpdateStatus.SUCCESSFUL
        return configuration
