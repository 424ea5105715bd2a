"""AWS rest-json (Lambda): REST bindings from ``rest.py`` around JSON bodies from ``json_shapes``.

Errors name their code in ``x-amzn-ErrorType`` and carry ``{"Type": "User", "message": ...}``
(``Message`` when the error shape declares that casing), as Lambda sends them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from botocore.model import OperationModel, Shape, StructureShape

from lakehose.errors import ServiceError
from lakehose.gateway.protocols import json_shapes
from lakehose.gateway.protocols.base import SerializationException, message_key
from lakehose.gateway.protocols.rest import RestProtocol, body_members


class RestJsonProtocol(RestProtocol):
    name = "rest-json"
    content_type = "application/json"

    def decode_body(self, body: bytes, shape: StructureShape) -> dict[str, Any]:
        document = _load(body)
        if not isinstance(document, dict):
            raise SerializationException("Start of structure or map found where not expected.")
        decoded = json_shapes.decode_structure(document, shape)
        # A body key that happens to spell a header's name is not that header.
        members = body_members(shape)
        return {name: value for name, value in decoded.items() if name in members}

    def decode_payload(self, body: bytes, member: Shape) -> Any:
        return json_shapes.decode(_load(body), member)

    def encode_body(
        self, values: Mapping[str, Any], shape: StructureShape, operation: OperationModel
    ) -> bytes:
        return _dump(json_shapes.encode_structure(values, shape))

    def encode_payload(self, value: Any, member: Shape) -> bytes:
        return _dump(json_shapes.encode(value, member))

    def encode_error(
        self,
        error: ServiceError,
        shape: StructureShape | None,
        fields: Mapping[str, Any],
        request_id: str,
    ) -> bytes:
        document: dict[str, Any] = {"Type": "User" if error.is_sender_fault else "Service"}
        document[message_key(shape)] = error.message
        if shape is not None:
            document.update(json_shapes.encode_structure(fields, shape))
            document.update({k: v for k, v in fields.items() if k not in shape.members})
        else:
            document.update(fields)
        return _dump(document)

    def error_headers(self, error: ServiceError) -> dict[str, str]:
        return {"x-amzn-ErrorType": error.error_code}

    def response_headers(self, request_id: str) -> dict[str, str]:
        return {"x-amzn-RequestId": request_id}

    def invalid_value(self, name: str, value: str, shape: Shape) -> ServiceError:
        return SerializationException(
            f"Cannot convert value '{value}' of '{name}' to {shape.type_name.capitalize()}"
        )


def _load(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        raise SerializationException(
            "Start of structure or map found where not expected."
        ) from None


def _dump(document: Any) -> bytes:
    # ``str`` covers the odd Decimal or enum an engine leaves in a document-typed member.
    return orjson.dumps(document, default=str)
