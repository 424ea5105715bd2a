"""CloudWatch Logs errors, each named exactly by its AWS error code, with AWS's message texts.

Exception tree (all ``lakehose.errors.ServiceError``)::

    ResourceNotFoundException       unknown log group or log stream
    ResourceAlreadyExistsException  the log group or stream exists already
    InvalidParameterException       a value the model allows but CloudWatch Logs does not
"""

from __future__ import annotations

from lakehose.errors import ServiceError

__all__ = [
    "InvalidParameterException",
    "ResourceAlreadyExistsException",
    "ResourceNotFoundException",
]


class ResourceNotFoundException(ServiceError):
    @classmethod
    def group(cls) -> ResourceNotFoundException:
        return cls("The specified log group does not exist.")

    @classmethod
    def stream(cls) -> ResourceNotFoundException:
        return cls("The specified log stream does not exist.")


class ResourceAlreadyExistsException(ServiceError):
    @classmethod
    def group(cls) -> ResourceAlreadyExistsException:
        return cls("The specified log group already exists")

    @classmethod
    def stream(cls) -> ResourceAlreadyExistsException:
        return cls("The specified log stream already exists")


class InvalidParameterException(ServiceError):
    pass
