"""Glue errors, each named exactly by its AWS error code, with AWS's message texts.

Messages follow what AWS sends as recorded by moto's tests against the real service and by users'
logs of real errors (cited per constructor); the constructors keep the wording in one place.

Exception tree (all ``lakehose.errors.ServiceError``)::

    EntityNotFoundException       unknown database, table, partition, version or crawler
    AlreadyExistsException        a database, table, partition or crawler of that name exists
    InvalidInputException         a value the model allows but Glue does not
    InvalidStateException         stored partition values that no longer fit the key's type
    ConcurrentModificationException  UpdateTable with a stale VersionId
    AccessDeniedException         another account's catalog (CatalogId)
    CrawlerRunningException       start or delete a crawler that is running
    CrawlerNotRunningException    stop a crawler that is not running
    CrawlerStoppingException      stop a crawler that is already stopping
    ValidationException           (shared) an option lakehose does not implement
"""

from __future__ import annotations

from lakehose.errors import ServiceError, ValidationException

__all__ = [
    "AccessDeniedException",
    "AlreadyExistsException",
    "ConcurrentModificationException",
    "CrawlerNotRunningException",
    "CrawlerRunningException",
    "CrawlerStoppingException",
    "EntityNotFoundException",
    "InvalidInputException",
    "InvalidStateException",
    "ValidationException",
    "error_detail",
    "unsupported",
]


class EntityNotFoundException(ServiceError):
    @classmethod
    def database(cls, name: str) -> EntityNotFoundException:
        return cls(f"Database {name} not found.")

    @classmethod
    def table(cls, name: str) -> EntityNotFoundException:
        return cls(f"Table {name} not found.")

    @classmethod
    def partition(cls) -> EntityNotFoundException:
        return cls("Cannot find partition.")

    @classmethod
    def version(cls) -> EntityNotFoundException:
        return cls("Version not found.")

    @classmethod
    def crawler(cls, name: str) -> EntityNotFoundException:
        # StartCrawler/StopCrawler/DeleteCrawler wording, from users' logs of real errors.
        return cls(f"Crawler with name {name} does not exist")

    @classmethod
    def crawler_entry(cls, name: str) -> EntityNotFoundException:
        # GetCrawler's wording, as recorded from the Glue console's own calls.
        return cls(f"Crawler entry with name {name} does not exist")


class AlreadyExistsException(ServiceError):
    @classmethod
    def of(cls, kind: str) -> AlreadyExistsException:
        """``Database``, ``Table``, ``Partition`` or ``Crawler`` already exists."""
        return cls(f"{kind} already exists.")


class InvalidInputException(ServiceError):
    @classmethod
    def value_count(cls) -> InvalidInputException:
        # Glue's text, as the Hudi Glue sync tool's users logged it.
        return cls("The number of partition keys do not match the number of partition values")


class InvalidStateException(ServiceError):
    pass


class ConcurrentModificationException(ServiceError):
    pass


class AccessDeniedException(ServiceError):
    @classmethod
    def catalog(
        cls, account_id: str, region: str, operation: str, catalog_id: str
    ) -> AccessDeniedException:
        """IAM's wording for a call on a catalog the caller's account has no grant on."""
        return cls(
            f"User: arn:aws:iam::{account_id}:root is not authorized to perform: "
            f"glue:{operation} on resource: arn:aws:glue:{region}:{catalog_id}:catalog"
        )


class CrawlerRunningException(ServiceError):
    @classmethod
    def started(cls, name: str) -> CrawlerRunningException:
        return cls(f"Crawler with name {name} has already started")


class CrawlerNotRunningException(ServiceError):
    @classmethod
    def of(cls, name: str) -> CrawlerNotRunningException:
        return cls(f"Crawler with name {name} isn't running")


class CrawlerStoppingException(ServiceError):
    @classmethod
    def of(cls, name: str) -> CrawlerStoppingException:
        return cls(f"Crawler with name {name} is stopping")


def error_detail(error: ServiceError) -> dict[str, str]:
    """A batch entry's ``ErrorDetail``: the error the single operation would have raised."""
    return {"ErrorCode": error.error_code, "ErrorMessage": error.message}


def unsupported(what: str) -> ValidationException:
    """An AWS option lakehose does not implement: refused, never silently dropped."""
    return ValidationException(f"lakehose does not support {what}")
