"""What the DynamoDB engine needs from Kinesis, declared here and supplied by the runtime.

The engine never imports the Kinesis engine: ``runtime.py`` adapts it to ``ChangeStreamSink``.
The port is also the seam where a real Kinesis stream could be plugged in.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Protocol


@dataclass(frozen=True)
class Change:
    """One change record on its way to the stream."""

    partition_key: str
    data: bytes


class Outcome(Enum):
    """What became of one record of a ``put_changes`` call."""

    DELIVERED = "delivered"  # durably in the stream
    RETRY = "retry"  # not in the stream; try again later (stream missing, throttled)
    REJECTED = "rejected"  # the stream can never take it (too large): dropped, as AWS drops it


class ChangeStreamSink(Protocol):
    def stream_exists(self, stream_arn: str) -> bool:
        """Whether the stream exists and can take records."""
        ...

    def put_changes(self, stream_arn: str, changes: Sequence[Change]) -> list[Outcome]:
        """Append ``changes`` to the stream in order; one outcome per change.

        A change reported DELIVERED must be durable when this returns. Changes are sent with at
        most one per partition key, so the outcomes of different keys are independent.
        """
        ...

    def read_since(self, stream_arn: str, since_ms: int) -> Iterator[Change]:
        """Every record that arrived in the stream at or after ``since_ms``, in any order.

        Used once after a restart to find which of the changes that were in flight when the
        previous process died had already reached the stream.
        """
        ...


class ExportDestinationError(Exception):
    """S3 refused an export object: ``code`` is S3's error code (``NoSuchBucket``, ...)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class ExportObjectSink(Protocol):
    def put_export_object(self, bucket: str, key: str, data: bytes, content_type: str) -> str:
        """Store an export file durably in S3; its ETag (quoted, as S3 returns it).

        Raises ``ExportDestinationError`` when S3 refuses it.
        """
        ...
