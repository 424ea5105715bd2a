"""Errors raised by lakehose.

Exception tree::

    LakehoseError                  root of everything lakehose raises on purpose
    +-- ConfigurationError         a setting or flag has an unusable value
    +-- StateDirectoryLocked       another runtime owns the state directory
    +-- StorageError               the state directory is unreadable or from a newer version
    +-- ServiceError               an AWS-shaped error a client caused or must see
        +-- ValidationException    input broke a constraint of the service model
        +-- UnknownOperationException
        +-- (per-service classes, in ``services/<name>/errors.py``, named by AWS error code)

A ``ServiceError`` carries the AWS error ``code``, the ``message`` AWS would send, whether the
sender is at fault, and optionally the HTTP status. When ``status`` is left unset the gateway takes
it from the service model's error shape, falling back to 400 for sender faults and 500 otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar


class LakehoseError(Exception):
    """Root of every error lakehose raises deliberately."""


class ConfigurationError(LakehoseError):
    """A setting, flag or environment variable has a value lakehose cannot use."""


class StorageError(LakehoseError):
    """The state directory cannot be used (corrupt, or written by a newer lakehose)."""


class StateDirectoryLocked(LakehoseError):
    """Another runtime already owns this state directory."""


class ServiceError(LakehoseError):
    """An error in AWS's shape: ``code`` is the AWS error code clients match on.

    Subclasses set ``code`` (defaults to the class name), ``sender_fault`` and ``status`` as class
    attributes; instances may override any of them. ``fields`` holds extra members the error shape
    declares (for example DynamoDB's ``CancellationReasons``), serialized next to the message.
    """

    code: ClassVar[str] = ""
    sender_fault: ClassVar[bool] = True
    status: ClassVar[int | None] = None

    def __init__(
        self,
        message: str = "",
        *,
        code: str | None = None,
        sender_fault: bool | None = None,
        status: int | None = None,
        fields: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.error_code: str = code or self.code or type(self).__name__
        self.is_sender_fault: bool = self.sender_fault if sender_fault is None else sender_fault
        self.http_status: int | None = status if status is not None else self.status
        self.fields: dict[str, Any] = dict(fields or {})

    def __str__(self) -> str:
        return f"{self.error_code}: {self.message}" if self.message else self.error_code

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.error_code!r}, message={self.message!r})"


class ValidationException(ServiceError):
    """Input that breaks a constraint of the service model (AWS's Coral validation)."""

    status = 400


class UnknownOperationException(ServiceError):
    """The operation exists in AWS's API but no lakehose engine implements it."""

    status = 400


class InternalFailure(ServiceError):
    """A bug in lakehose: reported to the client as AWS reports its own failures."""

    sender_fault = False
    status = 500
