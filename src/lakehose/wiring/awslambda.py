"""Lambda's ports fulfilled by other engines (part of ``runtime.py``'s wiring): ``CodeSource`` by
S3, ``LogSink`` by CloudWatch Logs in the function's own account and region."""

from __future__ import annotations

from collections.abc import Sequence

from lakehose.errors import LakehoseError, ServiceError
from lakehose.registry import EngineLookup, EngineSource
from lakehose.scopes import Scope
from lakehose.services.awslambda.ports import CodeObjectMissing, LogsUnavailable
from lakehose.services.logs import LogsEngine
from lakehose.services.s3 import S3Engine


class S3CodeSource:
    """Function code from ``Code.S3Bucket`` / ``S3Key``, looked up per read (S3 may be replaced)."""

    def __init__(self, engines: EngineSource) -> None:
        self._s3 = EngineLookup(
            engines,
            "s3",
            S3Engine,
            missing=lambda: CodeObjectMissing(
                "NoSuchBucket", "The specified bucket does not exist"
            ),
        )

    def read_object(self, bucket: str, key: str) -> bytes:
        s3 = self._s3()
        try:
            return s3.get_object_bytes(bucket, key)
        except ServiceError as error:
            if error.error_code in ("NoSuchBucket", "NoSuchKey"):
                raise CodeObjectMissing(error.error_code, error.message) from None
            raise


class LogsSink:
    """Invocation logs into CloudWatch Logs, looked up per write (Logs may be replaced)."""

    def __init__(self, engines: EngineSource, scope: Scope) -> None:
        self.scope = scope
        self._logs = EngineLookup(
            engines,
            "logs",
            LogsEngine,
            missing=lambda: LogsUnavailable("the CloudWatch Logs engine is not running"),
            refused=lambda error: LogsUnavailable(error.message),
        )

    def write(self, group: str, stream: str, events: Sequence[tuple[int, str]]) -> None:
        try:
            self._logs(self.scope).append_events(group, stream, events)
        except (ServiceError, LakehoseError) as error:
            raise LogsUnavailable(str(error)) from None
