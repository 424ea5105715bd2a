"""AWS JSON 1.0 / 1.1 (DynamoDB, Kinesis, Firehose, Glue, Athena): POST / with ``X-Amz-Target``."""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from typing import Any

import orjson
from botocore.model import OperationModel, ServiceModel

from lakehose.errors import ServiceError
from lakehose.gateway.http import HttpRequest, HttpResponse
from lakehose.gateway.protocols import json_shapes
from lakehose.gateway.protocols.base import (
    SerializationException,
    WireProtocol,
    error_shape,
    error_status,
    message_key,
)
from lakehose.gateway.protocols.values import encode_base64

# DynamoDB qualifies error types with its namespace; the other JSON services send bare codes.
_TYPE_NAMESPACES = {"dynamodb": "com.amazonaws.dynamodb.v20120810#"}
_COMMON_NAMESPACE = "com.amazon.coral.validate#"
_COMMON_CODES = ("ValidationException",)


class JsonRpcProtocol(WireProtocol):
    name = "json"

    def operation_name(self, request: HttpRequest) -> str:
        return request.headers.get("x-amz-target", "").partition(".")[2]

    def parse(
        self, request: HttpRequest, operation: OperationModel, uri_params: Mapping[str, str]
    ) -> dict[str, Any]:
        shape = operation.input_shape
        if shape is None:
            return {}
        body = request.body.strip() or b"{}"
        try:
            document = orjson.loads(body)
        except orjson.JSONDecodeError:
            raise SerializationException(
                "Start of structure or map found where not expected."
            ) from None
        if not isinstance(document, dict):
            raise SerializationException("Start of structure or map found where not expected.")
        return json_shapes.decode_structure(document, shape)

    def serialize(
        self, result: Mapping[str, Any], operation: OperationModel, request_id: str
    ) -> HttpResponse:
        shape = operation.output_shape
        document = json_shapes.encode_structure(result, shape) if shape is not None else {}
        return self._response(200, document, operation.service_model, request_id)

    def serialize_error(
        self,
        error: ServiceError,
        service: ServiceModel,
        operation: OperationModel | None,
        request_id: str,
    ) -> HttpResponse:
        code = error.error_code
        if code in _COMMON_CODES and service.service_name in _TYPE_NAMESPACES:
            type_name = _COMMON_NAMESPACE + code
        else:
            type_name = _TYPE_NAMESPACES.get(service.service_name, "") + code
        document: dict[str, Any] = {"__type": type_name}
        shape = error_shape(service, code)
        document[message_key(shape)] = error.message
        if error.fields and shape is not None:
            document.update(json_shapes.encode_structure(error.fields, shape))
        elif error.fields:
            document.update(error.fields)
        return self._response(error_status(error, service), document, service, request_id)

    @staticmethod
    def _response(
        status: int, document: Mapping[str, Any], service: ServiceModel, request_id: str
    ) -> HttpResponse:
        body = orjson.dumps(document, default=_default)
        version = service.metadata.get("jsonVersion", "1.0")
        headers = {
            "Content-Type": f"application/x-amz-json-{version}",
            "x-amzn-RequestId": request_id,
            "Content-Length": str(len(body)),
        }
        if service.service_name == "dynamodb":
            # DynamoDB sends a CRC32 of the body; botocore verifies it when present.
            headers["x-amz-crc32"] = str(zlib.crc32(body))
        return HttpResponse(status, headers, body)


def _default(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        return encode_base64(value)
    return str(value)
