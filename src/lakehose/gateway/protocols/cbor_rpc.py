"""Kinesis over CBOR: awsJson 1.1 with ``application/x-amz-cbor-1.1`` bodies.

What the AWS SDK for Java (v1 and v2) and the KCL send to Kinesis unless CBOR is switched off
(``AWS_CBOR_DISABLE``, ``aws.cborEnabled=false``): ``POST /`` with
``X-Amz-Target: Kinesis_20131202.<Operation>`` and awsJson's shapes and member names, the body in
CBOR (``cbor_shapes`` says how blobs and timestamps travel).

Errors carry the code twice, because the Java SDKs' ``JsonErrorCodeParser`` reads the
``x-amzn-ErrorType`` header first and the body's ``__type`` (or ``code``) after it: the header,
and a body ``{"__type": code, "message": text}`` as the JSON protocol sends it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from botocore.model import OperationModel, ServiceModel, StructureShape

from lakehose.errors import ServiceError
from lakehose.gateway.eventstream import event_stream_response
from lakehose.gateway.http import HttpRequest, HttpResponse
from lakehose.gateway.protocols import cbor_shapes
from lakehose.gateway.protocols.base import (
    SerializationException,
    WireProtocol,
    error_fields,
    error_shape,
    error_status,
    message_key,
)
from lakehose.gateway.protocols.cbor_shapes import CborShapes

CBOR_CONTENT_TYPE = "application/x-amz-cbor-1.1"


class CborRpcProtocol(WireProtocol):
    """AWS CBOR; also the base of Smithy RPC v2 CBOR, which differs in a few hooks."""

    name = "cbor"
    content_type: ClassVar[str] = CBOR_CONTENT_TYPE
    shapes: ClassVar[CborShapes] = cbor_shapes.AWS_CBOR
    # Both answer an operation without output with no body; AWS CBOR still names its content
    # type (kinesalite's AWS-recorded tests), rpcv2Cbor sends none.
    content_type_without_body: ClassVar[bool] = True

    def operation_name(self, request: HttpRequest) -> str:
        return request.headers.get("x-amz-target", "").partition(".")[2]

    def parse(
        self, request: HttpRequest, operation: OperationModel, uri_params: Mapping[str, str]
    ) -> dict[str, Any]:
        shape = operation.input_shape
        if shape is None:
            return {}
        document = cbor_shapes.load(request.body) if request.body else {}
        if not isinstance(document, dict):
            raise SerializationException("Start of structure or map found where not expected.")
        return self.shapes.decode_structure(document, shape)

    def serialize(
        self, result: Mapping[str, Any], operation: OperationModel, request_id: str
    ) -> HttpResponse:
        shape = operation.output_shape
        if shape is not None and shape.event_stream_name:
            streamed = event_stream_response(
                result, shape, self._encode, self.content_type, request_id
            )
            streamed.headers.update(self.protocol_headers())
            return streamed
        document = None if shape is None else self.shapes.encode_structure(result, shape)
        return self._response(200, document, request_id)

    def serialize_error(
        self,
        error: ServiceError,
        service: ServiceModel,
        operation: OperationModel | None,
        request_id: str,
    ) -> HttpResponse:
        code = error.error_code
        shape = error_shape(service, code)
        document: dict[str, Any] = {"__type": self.error_type(code, service)}
        document[message_key(shape)] = error.message
        document.update(error_fields(error.fields, shape, self.shapes.encode_structure))
        response = self._response(error_status(error, service), document, request_id)
        response.headers.update(self.error_headers(code))
        return response

    def _encode(self, value: Mapping[str, Any], shape: StructureShape) -> bytes:
        return cbor_shapes.dump(self.shapes.encode_structure(value, shape))

    # -- what Smithy RPC v2 CBOR changes -------------------------------------------------------

    def error_type(self, code: str, service: ServiceModel) -> str:
        """The body's ``__type``: the bare code, as Kinesis sends it over awsJson."""
        return code

    def error_headers(self, code: str) -> dict[str, str]:
        return {"x-amzn-ErrorType": code}

    def protocol_headers(self) -> dict[str, str]:
        """Headers every response carries besides the request id, length and content type."""
        return {}

    def _response(
        self, status: int, document: Mapping[str, Any] | None, request_id: str
    ) -> HttpResponse:
        headers = {"x-amzn-RequestId": request_id, **self.protocol_headers()}
        body = b"" if document is None else cbor_shapes.dump(document)
        if document is not None or self.content_type_without_body:
            headers["Content-Type"] = self.content_type
        headers["Content-Length"] = str(len(body))
        return HttpResponse(status, headers, body)
