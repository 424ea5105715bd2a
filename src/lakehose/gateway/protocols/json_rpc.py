"""AWS JSON 1.0 / 1.1 (DynamoDB, Kinesis, Firehose, Glue, Athena): POST / with ``X-Amz-Target``."""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from typing import Any

import orjson
from botocore.model import OperationModel, ServiceModel, StructureShape

from lakehose.errors import ServiceError
from lakehose.gateway.eventstream import event_stream_response
from lakehose.gateway.http import HttpRequest, HttpResponse
from lakehose.gateway.protocols import json_shapes
from lakehose.gateway.protocols.base import (
    SerializationException,
    WireProtocol,
    error_fields,
    error_shape,
    error_status,
    message_key,
)
from lakehose.gateway.protocols.values import encode_base64

# DynamoDB qualifies error types with a namespace: its own for its model's errors, Coral's for
# the framework's (dynalite's AWS-recorded tests: ``com.amazon.coral.validate#ValidationException``,
# ``com.amazon.coral.service#SerializationException``, ``...#UnknownOperationException``,
# ``...#MissingAuthenticationTokenException``). The other JSON services send bare codes.
_TYPE_NAMESPACES = {"dynamodb": "com.amazonaws.dynamodb.v20120810#"}
_CORAL_NAMESPACES = {
    "ValidationException": "com.amazon.coral.validate#",
    **dict.fromkeys(
        (
            "SerializationException",
            "UnknownOperationException",
            "MissingAuthenticationTokenException",
            "IncompleteSignatureException",
            "InvalidSignatureException",
            "UnrecognizedClientException",
        ),
        "com.amazon.coral.service#",
    ),
}
# Coral's deserializer spells its message member with a capital M in every JSON service
# (dynalite's and kinesalite's AWS-recorded tests), whatever the service's own shapes do.
_CAPITALIZED_MESSAGE = frozenset({"SerializationException"})


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
        # An empty body, JSON that does not parse (truncated, invalid UTF-8, nested past
        # orjson's limit) and a top-level value that is no object all get Coral's bare
        # SerializationException, as dynalite's and kinesalite's AWS-recorded tests show.
        try:
            document = orjson.loads(request.body)
        except orjson.JSONDecodeError:
            raise SerializationException("") from None
        if not isinstance(document, dict):
            raise SerializationException("")
        return json_shapes.decode_structure(document, shape)

    def serialize(
        self, result: Mapping[str, Any], operation: OperationModel, request_id: str
    ) -> HttpResponse:
        shape = operation.output_shape
        if shape is not None and shape.event_stream_name:
            return event_stream_response(
                result, shape, _encode_json, self.content_type(operation.service_model), request_id
            )
        if shape is None:
            # An operation without output answers with an empty body, not ``{}`` (kinesalite's
            # and dynalite's AWS-recorded tests: CreateStream, MergeShards, TagResource ...).
            return self._response(200, None, operation.service_model, request_id)
        document = json_shapes.encode_structure(result, shape)
        return self._response(200, document, operation.service_model, request_id)

    def serialize_error(
        self,
        error: ServiceError,
        service: ServiceModel,
        operation: OperationModel | None,
        request_id: str,
    ) -> HttpResponse:
        code = error.error_code
        namespace = _TYPE_NAMESPACES.get(service.service_name)
        if namespace is not None:
            namespace = _CORAL_NAMESPACES.get(code, namespace)
        document: dict[str, Any] = {"__type": (namespace or "") + code}
        shape = error_shape(service, code)
        if error.message or code not in ("SerializationException", "UnknownOperationException"):
            # AWS sends these two bare when it has nothing to say (an unknown target, no body).
            key = "Message" if code in _CAPITALIZED_MESSAGE else message_key(shape)
            document[key] = error.message
        document.update(error_fields(error.fields, shape, json_shapes.encode_structure))
        return self._response(error_status(error, service), document, service, request_id)

    @staticmethod
    def content_type(service: ServiceModel) -> str:
        return f"application/x-amz-json-{service.metadata.get('jsonVersion', '1.0')}"

    @staticmethod
    def _response(
        status: int, document: Mapping[str, Any] | None, service: ServiceModel, request_id: str
    ) -> HttpResponse:
        body = b"" if document is None else orjson.dumps(document, default=_default)
        headers = {
            "Content-Type": JsonRpcProtocol.content_type(service),
            "x-amzn-RequestId": request_id,
            "Content-Length": str(len(body)),
        }
        if service.service_name == "dynamodb":
            # DynamoDB sends a CRC32 of the body; botocore verifies it when present.
            headers["x-amz-crc32"] = str(zlib.crc32(body))
        return HttpResponse(status, headers, body)


def _encode_json(value: Mapping[str, Any], shape: StructureShape) -> bytes:
    return orjson.dumps(json_shapes.encode_structure(value, shape), default=_default)


def _default(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        return encode_base64(value)
    return str(value)
