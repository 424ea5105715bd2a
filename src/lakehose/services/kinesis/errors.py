"""Kinesis errors, each named exactly by its AWS error code, with AWS's message texts.

Messages follow what AWS sends, as recorded by kinesalite's tests against the real service and by
moto; the constructors below keep the wording in one place.

Exception tree (all ``lakehose.errors.ServiceError``)::

    ResourceNotFoundException               unknown stream, shard or consumer
    ResourceInUseException                  exists already, or not ACTIVE for this operation
    InvalidArgumentException                a value the model allows but the operation does not
    LimitExceededException                  shard, consumer or tag quotas; scaling bounds
    ExpiredIteratorException                iterator older than five minutes
    ExpiredNextTokenException               pagination token older than five minutes
    ProvisionedThroughputExceededException  per-shard rate limits (when enforced)
    DryRunOperationException                the request would have succeeded
    ValidationException                     (shared) constraints the model no longer states
"""

from __future__ import annotations

from lakehose.errors import ServiceError, ValidationException

__all__ = [
    "DryRunOperationException",
    "ExpiredIteratorException",
    "ExpiredNextTokenException",
    "InvalidArgumentException",
    "LimitExceededException",
    "ProvisionedThroughputExceededException",
    "ResourceInUseException",
    "ResourceNotFoundException",
    "ValidationException",
    "missing_members",
    "rate_exceeded_message",
    "shard_id",
]


def shard_id(index: int) -> str:
    """``shardId-000000000007``: AWS's twelve-digit shard identifiers."""
    return f"shardId-{index:012d}"


class ResourceNotFoundException(ServiceError):
    @classmethod
    def stream(cls, name: str, account_id: str) -> ResourceNotFoundException:
        return cls(f"Stream {name} under account {account_id} not found.")

    @classmethod
    def shard(cls, index: int, stream: str, account_id: str) -> ResourceNotFoundException:
        """The wording GetShardIterator and GetRecords use for a shard the stream lacks."""
        return cls(
            f"Shard {shard_id(index)} in stream {stream} under account {account_id} does not exist"
        )

    @classmethod
    def shard_named(cls, given: str, stream: str, account_id: str) -> ResourceNotFoundException:
        """The wording SplitShard and MergeShards use (and any operation for unparsable ids)."""
        return cls(f"Could not find shard {given} in stream {stream} under account {account_id}.")

    @classmethod
    def consumer(cls, consumer: str, account_id: str) -> ResourceNotFoundException:
        return cls(f"Consumer {consumer}, account {account_id} not found.")


class ResourceInUseException(ServiceError):
    @classmethod
    def exists(cls, name: str, account_id: str) -> ResourceInUseException:
        return cls(f"Stream {name} under account {account_id} already exists.")

    @classmethod
    def not_active(cls, name: str, account_id: str, status: str) -> ResourceInUseException:
        return cls(
            f"Stream {name} under account {account_id} not ACTIVE, instead in state {status}"
        )


class InvalidArgumentException(ServiceError):
    pass


class LimitExceededException(ServiceError):
    @classmethod
    def shards(
        cls, account_id: str, region: str, current: int, limit: int, added: int
    ) -> LimitExceededException:
        return cls(
            f"This request would exceed the shard limit for the account {account_id} in {region}. "
            f"Current shard count for the account: {current}. Limit: {limit}. Number of additional "
            f"shards that would have resulted from this request: {added}. Refer to the AWS Service "
            "Limits page (http://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) "
            "for current limits and how to request higher limits."
        )


class ExpiredIteratorException(ServiceError):
    pass


class ExpiredNextTokenException(ServiceError):
    pass


class ProvisionedThroughputExceededException(ServiceError):
    pass


class DryRunOperationException(ServiceError):
    def __init__(self) -> None:
        super().__init__("Request would have succeeded, but DryRun flag is set.")


def rate_exceeded_message(shard: int, stream: str, account_id: str) -> str:
    """AWS's throttling text, shared by the operation error and PutRecords' per-entry errors."""
    return (
        f"Rate exceeded for shard {shard_id(shard)} in stream {stream} under account {account_id}."
    )


def missing_members(paths: list[str]) -> ValidationException:
    """Coral's message for members the current model made optional but the operation needs."""
    details = "; ".join(
        f"Value null at '{path}' failed to satisfy constraint: Member must not be null"
        for path in paths
    )
    noun = "error" if len(paths) == 1 else "errors"
    return ValidationException(f"{len(paths)} validation {noun} detected: {details}")
