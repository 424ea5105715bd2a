"""Firehose errors, each named exactly by its AWS error code, with AWS's message texts.

Messages follow what AWS sends as recorded in users' logs of real errors and by moto's tests
(cited per constructor); the constructors keep the wording in one place.

Exception tree (all ``lakehose.errors.ServiceError``)::

    ResourceNotFoundException         unknown delivery stream
    ResourceInUseException            a delivery stream of that name exists already
    InvalidArgumentException          a value the model allows but Firehose does not
    LimitExceededException            the tag quota
    ConcurrentModificationException   UpdateDestination with a stale version id
    InvalidKMSResourceException       (declared by the model; KMS is not reproduced)
    InvalidSourceException            (declared by the model; decompression is not reproduced)
    ServiceUnavailableException       a put that could not be buffered (never for a valid call)
    ValidationException               (shared) an option lakehose does not implement
"""

from __future__ import annotations

from lakehose.errors import ServiceError, ValidationException

__all__ = [
    "ConcurrentModificationException",
    "InvalidArgumentException",
    "InvalidKMSResourceException",
    "InvalidSourceException",
    "LimitExceededException",
    "ResourceInUseException",
    "ResourceNotFoundException",
    "ServiceUnavailableException",
    "ValidationException",
    "unsupported",
]


class ResourceNotFoundException(ServiceError):
    @classmethod
    def stream(cls, name: str, account_id: str) -> ResourceNotFoundException:
        # "Firehose turbottest64101 under account 632902152528 not found." (steampipe #759)
        return cls(f"Firehose {name} under account {account_id} not found.")


class ResourceInUseException(ServiceError):
    @classmethod
    def exists(cls, name: str, account_id: str) -> ResourceInUseException:
        return cls(f"Firehose {name} under accountId {account_id} already exists")


class InvalidArgumentException(ServiceError):
    @classmethod
    def kinesis_source(cls) -> InvalidArgumentException:
        # PutRecord on a Kinesis-sourced stream (aws-cli #7010).
        return cls("This operation is not permitted on KinesisStreamAsSource delivery stream type.")

    @classmethod
    def batch_too_large(cls) -> InvalidArgumentException:
        # "Records size exceeds 4 MB limit" (osquery #3568, from the Firehose API).
        return cls("Records size exceeds 4 MB limit")


class LimitExceededException(ServiceError):
    pass


class ConcurrentModificationException(ServiceError):
    @classmethod
    def version(cls, name: str, current: int, given: str) -> ConcurrentModificationException:
        return cls(
            f"Cannot update firehose: {name} since the current version id: {current} and "
            f"specified version id: {given} do not match"
        )


class InvalidKMSResourceException(ServiceError):
    pass


class InvalidSourceException(ServiceError):
    pass


class ServiceUnavailableException(ServiceError):
    sender_fault = False


def unsupported(what: str) -> ValidationException:
    """An option AWS offers that lakehose does not reproduce: refused, never ignored."""
    return ValidationException(f"lakehose does not support {what}")
