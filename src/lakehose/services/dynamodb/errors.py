"""DynamoDB errors, each named exactly by its AWS error code, with AWS's message texts.

Messages follow what AWS sends, as recorded by dynalite's and moto's AWS-verified tests; the
constructors below keep each wording in one place.

Exception tree (all ``lakehose.errors.ServiceError``)::

    ResourceNotFoundException          unknown table or index
    ResourceInUseException             table exists already, or is being created / deleted
    TableNotFoundException             unknown table, in the backup operations' words
    ConditionalCheckFailedException    a condition on a single-item write was false (may carry Item)
    TransactionCanceledException       a transaction was cancelled; CancellationReasons in order
    TransactionConflictException       (declared; a local engine serializes transactions)
    DuplicateItemException             a PartiQL INSERT of a key that exists
    TableNotFoundException             backups and exports: no such table
    PointInTimeRecoveryUnavailableException   an export of a table without point-in-time recovery
    InvalidExportTimeException         an ExportTime outside the recovery window
    ExportNotFoundException            no such export
    IdempotentParameterMismatchException   a ClientRequestToken reused with other parameters
    ItemCollectionSizeLimitExceededException   an LSI item collection above 10 GB
    LimitExceededException             table or index quotas
    ValidationException                (shared) everything the request itself got wrong
"""

from __future__ import annotations

from typing import Any

from lakehose.errors import ServiceError, ValidationException

__all__ = [
    "ConditionalCheckFailedException",
    "DuplicateItemException",
    "ExportNotFoundException",
    "IdempotentParameterMismatchException",
    "InvalidExportTimeException",
    "ItemCollectionSizeLimitExceededException",
    "LimitExceededException",
    "PointInTimeRecoveryUnavailableException",
    "ResourceInUseException",
    "ResourceNotFoundException",
    "TableNotFoundException",
    "TransactionCanceledException",
    "TransactionConflictException",
    "ValidationException",
    "invalid_parameters",
]

INVALID_PARAMETERS = "One or more parameter values were invalid: "


def invalid_parameters(detail: str) -> ValidationException:
    """AWS's most common ValidationException prefix, followed by ``detail``."""
    return ValidationException(INVALID_PARAMETERS + detail)


class ResourceNotFoundException(ServiceError):
    """Item operations say only "Requested resource not found"; table operations name the table."""

    def __init__(self, message: str = "Requested resource not found") -> None:
        super().__init__(message)

    @classmethod
    def table(cls, name: str) -> ResourceNotFoundException:
        return cls(f"Requested resource not found: Table: {name} not found")


class ResourceInUseException(ServiceError):
    @classmethod
    def table_exists(cls, name: str) -> ResourceInUseException:
        return cls(f"Table already exists: {name}")


class ConditionalCheckFailedException(ServiceError):
    """With ``ReturnValuesOnConditionCheckFailure=ALL_OLD`` it carries the item as it was."""

    def __init__(self, item: dict[str, Any] | None = None) -> None:
        super().__init__(
            "The conditional request failed",
            fields={"Item": item} if item is not None else None,
        )


class TransactionCanceledException(ServiceError):
    """``reasons`` holds one ``CancellationReason`` per action, in request order."""

    def __init__(self, reasons: list[dict[str, Any]]) -> None:
        codes = ", ".join(str(reason["Code"]) for reason in reasons)
        super().__init__(
            "Transaction cancelled, please refer cancellation reasons for specific reasons "
            f"[{codes}]",
            fields={"CancellationReasons": reasons},
        )


class TransactionConflictException(ServiceError):
    pass


class IdempotentParameterMismatchException(ServiceError):
    def __init__(self) -> None:
        super().__init__(
            "Request parameters do not match the original request for the same idempotency token"
        )


class ItemCollectionSizeLimitExceededException(ServiceError):
    def __init__(self) -> None:
        super().__init__("Item collection size limit exceeded")


class LimitExceededException(ServiceError):
    pass


class DuplicateItemException(ServiceError):
    """A PartiQL INSERT of a key that exists."""

    def __init__(self) -> None:
        super().__init__("Duplicate primary key exists in table")


class TableNotFoundException(ServiceError):
    """Backup and export operations name a missing table with this code (not as
    ResourceNotFoundException, which the item and table operations use)."""

    @classmethod
    def named(cls, name: str) -> TableNotFoundException:
        return cls(f"Table not found: {name}")


class PointInTimeRecoveryUnavailableException(ServiceError):
    pass


class InvalidExportTimeException(ServiceError):
    pass


class ExportNotFoundException(ServiceError):
    pass
