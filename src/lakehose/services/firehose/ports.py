"""What the Firehose engine needs from other services, as small protocols ``runtime.py`` fulfils.

Two parts, one per author: the Lambda and Glue catalog ports used by the record processors
(transformation and format conversion), then the Kinesis source and S3 sink ports used by the
engine. Each part is appended to, never rewritten, by its owner.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

# --- Processor ports: Lambda (transformation) and the Glue Data Catalog (format conversion) ---


@dataclass(frozen=True)
class LambdaReply:
    """What a synchronous (``RequestResponse``) invocation returned.

    ``function_error`` is Lambda's ``X-Amz-Function-Error`` (``Unhandled``/``Handled``) when the
    function raised or its response was refused; ``timed_out`` is set when the function ran past
    its configured Timeout. ``payload`` is the response body either way.
    """

    payload: bytes
    function_error: str | None = None
    timed_out: bool = False


class LambdaInvokeError(Exception):
    """The invocation itself failed, with Firehose's error code for it.

    ``code`` is the code Firehose reports in error records and logs: ``Lambda.ResourceNotFound``,
    ``Lambda.InvokeLimitExceeded``, ``Lambda.InvokeAccessDenied``, ... ``message`` may be empty,
    in which case the processor uses AWS's documented text for the code.
    """

    def __init__(self, code: str, message: str = "") -> None:
        super().__init__(f"{code}: {message}" if message else code)
        self.code = code
        self.message = message


class LambdaPort(Protocol):
    """Synchronous invocation of a function by ARN, as Firehose's service role would."""

    def invoke(self, function_arn: str, payload: bytes) -> LambdaReply:
        """Invokes and waits; raises ``LambdaInvokeError`` when the function cannot be run."""
        ...


class CatalogTableMissing(Exception):
    """The database, table or table version a conversion names does not exist."""


class CatalogPort(Protocol):
    """Read access to the Glue Data Catalog for record format conversion."""

    def get_table_columns(
        self, database: str, table: str, region: str | None, version_id: str | None
    ) -> list[dict[str, Any]]:
        """The table's ``StorageDescriptor.Columns`` (Glue ``Column`` dicts: ``Name``, ``Type``).

        ``version_id`` ``None`` or ``"LATEST"`` means the current version. Raises
        ``CatalogTableMissing`` when the database, table or version does not exist.
        """
        ...


# --- Engine ports: the Kinesis source and the S3 sink (fulfilled in ``wiring/firehose``) ---


class SourceUnavailable(Exception):
    """The source stream cannot be read now (deleted, or of another account or region)."""


@dataclass(frozen=True)
class SourceShard:
    """One shard of the source stream, open or closed, as the reader needs it.

    ``tip`` is the sequence number of the shard's latest record at the time of the call (its
    ``StartingSequenceNumber`` when it holds none): reading after it is "LATEST" at that moment.
    """

    shard_id: str
    parent_ids: tuple[str, ...]
    closed: bool
    tip: str


@dataclass(frozen=True)
class SourceEntry:
    """A record read from a shard."""

    sequence_number: str
    arrival_ms: int
    partition_key: str
    data: bytes


@dataclass(frozen=True)
class ShardPage:
    """What one read returned; ``end_of_shard`` when the shard is closed and read to its end."""

    records: tuple[SourceEntry, ...]
    end_of_shard: bool


class StreamSourcePort(Protocol):
    """A Kinesis data stream, read shard by shard from checkpointed positions.

    Implementations raise ``SourceUnavailable`` when the stream cannot be read; a shard that no
    longer exists (retention removed it after it closed) reads as an empty, ended page.
    """

    def shards(self, stream_arn: str) -> list[SourceShard]:
        """Every shard of the stream, closed ones included, in shard-id order."""
        ...

    def read(
        self, stream_arn: str, shard_id: str, after_sequence: str | None, limit: int
    ) -> ShardPage:
        """Up to ``limit`` records after ``after_sequence`` (``None``: from the shard's start)."""
        ...


class DestinationUnavailable(Exception):
    """An object could not be written (no such bucket, ...); ``code`` is the S3 error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class ObjectSinkPort(Protocol):
    """The S3 buckets delivery writes to; raises ``DestinationUnavailable`` on failure."""

    def put_object_bytes(
        self,
        bucket: str,
        key: str,
        data: bytes,
        *,
        content_type: str,
        content_encoding: str | None,
    ) -> str:
        """Store the object durably; returns its ETag (quoted)."""
        ...

    def head(self, bucket: str, key: str) -> str | None:
        """The ETag (quoted) of the object at ``key``, or ``None`` when there is none."""
        ...
