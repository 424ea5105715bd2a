"""The contract every wire protocol fulfils."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from typing import Any

from botocore.model import OperationModel, ServiceModel, StructureShape

from lakehose.errors import ServiceError
from lakehose.gateway.http import HttpRequest, HttpResponse


class SerializationException(ServiceError):
    """A value on the wire whose JSON type does not fit its shape (AWS's Coral serializer)."""

    status = 400


class WireProtocol(ABC):
    """Turns requests into parameter dicts and results or errors into responses.

    Parameters and results use botocore's member names and Python values: ``bytes`` for blobs,
    aware ``datetime`` for timestamps (results may also give epoch seconds), ``int``/``float``,
    ``bool``, ``str``, lists and dicts. ``None`` in a result means "absent".
    """

    name: str

    @abstractmethod
    def parse(
        self, request: HttpRequest, operation: OperationModel, uri_params: Mapping[str, str]
    ) -> dict[str, Any]:
        """The operation's input parameters; raises ``ServiceError`` for undecodable input."""

    @abstractmethod
    def serialize(
        self, result: Mapping[str, Any], operation: OperationModel, request_id: str
    ) -> HttpResponse:
        """A successful response for ``result`` (a dict shaped like the output shape)."""

    @abstractmethod
    def serialize_error(
        self,
        error: ServiceError,
        service: ServiceModel,
        operation: OperationModel | None,
        request_id: str,
    ) -> HttpResponse:
        """An error response in the protocol's format, with the model's status code."""

    def operation_name(self, request: HttpRequest) -> str:
        """The operation an RPC request names (target, action or path); REST protocols route."""
        return ""

    def unknown_operation(self, name: str | None, service: ServiceModel) -> ServiceError | None:
        """A protocol's own answer for an operation the service does not have, or ``None``."""
        return None

    def missing_member_error(self, names: list[str]) -> ServiceError | None:
        """A protocol-specific error for missing required members, or ``None`` for Coral's."""
        return None


def error_status(error: ServiceError, service: ServiceModel) -> int:
    """The status the model declares for this error code, else the error's own, else 400/500."""
    if error.http_status is not None:
        return error.http_status
    for shape in service.error_shapes:
        if shape.name == error.error_code:
            declared = shape.metadata.get("error", {}).get("httpStatusCode")
            if declared:
                return int(declared)
    return 400 if error.is_sender_fault else 500


def message_key(shape: StructureShape | None) -> str:
    """``Message`` where the error shape spells it so (Glue, Athena), else ``message``."""
    return "Message" if shape is not None and "Message" in shape.members else "message"


def error_shape(service: ServiceModel, code: str) -> StructureShape | None:
    for shape in service.error_shapes:
        if shape.name == code and isinstance(shape, StructureShape):
            return shape
    return None


def error_fields(
    fields: Mapping[str, Any],
    shape: StructureShape | None,
    encode: Callable[[Mapping[str, Any], StructureShape], dict[str, Any]],
) -> dict[str, Any]:
    """An error's extra members for its body: encoded by the error shape when the model has
    one (DynamoDB's ``CancellationReasons``), else as given."""
    if fields and shape is not None:
        return encode(fields, shape)
    return dict(fields)
