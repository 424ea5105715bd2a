"""DynamoDB Streams errors, each named exactly by its AWS error code.

Exception tree (all ``lakehose.errors.ServiceError``)::

    ResourceNotFoundException      unknown stream, or a shard the stream does not have (any more)
    ExpiredIteratorException       a shard iterator older than fifteen minutes
    TrimmedDataAccessException     a position before the shard's 24-hour trim horizon
    ValidationException            (shared) a malformed ARN, iterator or sequence number
"""

from __future__ import annotations

from lakehose.errors import ServiceError, ValidationException

__all__ = [
    "ExpiredIteratorException",
    "ResourceNotFoundException",
    "TrimmedDataAccessException",
    "ValidationException",
]


class ResourceNotFoundException(ServiceError):
    @classmethod
    def stream(cls, arn: str) -> ResourceNotFoundException:
        return cls(f"Requested resource not found: Stream: {arn} not found")

    @classmethod
    def shard(cls, shard_id: str) -> ResourceNotFoundException:
        return cls(f"Requested resource not found: Shard: {shard_id} not found")


class ExpiredIteratorException(ServiceError):
    pass


class TrimmedDataAccessException(ServiceError):
    def __init__(self) -> None:
        super().__init__(
            "The operation attempted to read past the oldest stream record in a shard."
        )
