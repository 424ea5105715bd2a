"""What the Lambda engine needs from other engines, declared here and supplied by ``runtime.py``.

Lambda reads deployment packages from S3 when ``Code`` names ``S3Bucket`` and ``S3Key``, and
writes every invocation's log to CloudWatch Logs. The engine never imports either engine; the
runtime passes adapters that fulfil ``CodeSource`` and ``LogSink``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from lakehose.errors import LakehoseError


class CodeObjectMissing(LakehoseError):
    """The bucket or key a function's code names cannot be read.

    ``code`` and ``message`` are S3's own (``NoSuchKey`` / ``The specified key does not exist.``):
    Lambda quotes them in the ``InvalidParameterValueException`` it answers with.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class CodeSource(Protocol):
    """Reads deployment packages (zip files) out of the local S3."""

    def read_object(self, bucket: str, key: str) -> bytes:
        """The object's bytes; ``CodeObjectMissing`` when the bucket or key does not exist."""
        ...


class LogsUnavailable(LakehoseError):
    """CloudWatch Logs cannot take the log now (the invocation's result stands regardless)."""


class LogSink(Protocol):
    """Where invocation logs go: ``/aws/lambda/<function>``, one stream per worker."""

    def write(self, group: str, stream: str, events: Sequence[tuple[int, str]]) -> None:
        """Append ``(timestamp ms, message)`` events, creating the group and stream if needed;
        ``LogsUnavailable`` when they cannot be written."""
        ...
