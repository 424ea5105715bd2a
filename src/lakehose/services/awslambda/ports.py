"""What the Lambda engine needs from other engines, declared here and supplied by ``runtime.py``.

Lambda reads deployment packages from S3 when ``Code`` names ``S3Bucket`` and ``S3Key``, writes
every invocation's log to CloudWatch Logs, reads Kinesis and DynamoDB streams for its event
source mappings and writes their failed batches to S3 destinations. The engine never imports
those engines; the runtime passes adapters that fulfil ``CodeSource``, ``LogSink``,
``StreamReader`` and ``FailureDestination``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

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


class StreamUnavailable(LakehoseError):
    """The stream cannot be read now (missing, or its engine is not running)."""


@dataclass(frozen=True)
class StreamShard:
    """A shard of a stream: its parents (read first), whether it is closed, and the sequence
    number of its latest record (``None`` when empty)."""

    shard_id: str
    parents: tuple[str, ...]
    closed: bool
    tip: str | None


@dataclass(frozen=True)
class StreamRecord:
    """A record of either source: a Kinesis record has ``data``; a DynamoDB stream record has
    its change as ``document`` (GetRecords' shape) and the item's key as ``partition_key``."""

    sequence_number: str
    arrival_ms: int
    partition_key: str
    data: bytes
    document: dict[str, Any] | None = None


class StreamReader(Protocol):
    """Reads a Kinesis stream's or a DynamoDB stream's shards for event source mappings."""

    def shards(self, stream_arn: str) -> list[StreamShard]:
        """The stream's shards; ``StreamUnavailable`` when it cannot be read."""
        ...

    def read(
        self, stream_arn: str, shard_id: str, after_sequence: str | None, limit: int
    ) -> tuple[list[StreamRecord], bool]:
        """Up to ``limit`` records after ``after_sequence`` (from the oldest when ``None``) and
        whether the shard is closed and read to its end."""
        ...


class DestinationUnavailable(LakehoseError):
    """An on-failure destination could not be written."""


class FailureDestination(Protocol):
    """Where discarded batches' invocation records go: an S3 bucket, by ARN."""

    def send(self, destination_arn: str, key: str, document: bytes) -> None:
        """Write ``document`` at ``key``; ``DestinationUnavailable`` when it cannot."""
        ...
