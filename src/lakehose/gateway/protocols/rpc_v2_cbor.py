"""Smithy RPC v2 CBOR: ``POST /service/<Service>/operation/<Operation>``, CBOR both ways.

The protocol AWS moves services to (botocore's ``smithy-rpc-v2-cbor``). Rules from the spec
(smithy.io, "Smithy RPC v2 CBOR protocol") that shape this module:

- requests carry ``smithy-protocol: rpc-v2-cbor`` and never ``X-Amz-Target``/``X-Amzn-Target``
  (servers MUST reject those), and ``Content-Type: application/cbor`` exactly when there is a body;
- every response carries ``smithy-protocol: rpc-v2-cbor``; an operation without output answers
  with no body and no ``Content-Type``;
- an error's ``__type`` is its absolute shape ID, its status the model's (``httpError``), and no
  ``X-Amzn-ErrorType`` header is sent;
- timestamps are tag 1 around epoch seconds, members go by their member names (``cbor_shapes``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar

from botocore.model import OperationModel, ServiceModel

from lakehose.errors import ServiceError
from lakehose.gateway.http import HttpRequest
from lakehose.gateway.protocols import cbor_shapes
from lakehose.gateway.protocols.base import SerializationException
from lakehose.gateway.protocols.cbor_rpc import CborRpcProtocol
from lakehose.gateway.protocols.cbor_shapes import CborShapes

RPC_V2_CBOR_CONTENT_TYPE = "application/cbor"
# Only the last four segments count, and the service may be a full shape id with "." for "#"
# (``com.amazonaws.kinesis.Kinesis_20131202``), as the Smithy RPC v2 spec lets clients send.
RPC_V2_PATH = re.compile(
    r"(?:/.*)?/service/(?:[\w.]+\.)?(?P<service>[^/.]+)/operation/(?P<operation>[^/]+)"
)
SMITHY_PROTOCOL = "rpc-v2-cbor"
_FORBIDDEN_HEADERS = ("x-amz-target", "x-amzn-target")


class UnsupportedMediaTypeException(ServiceError):
    """A body labelled as something other than CBOR (Smithy servers answer 415)."""

    status = 415


class RpcV2CborProtocol(CborRpcProtocol):
    """AWS CBOR's body handling with RPC v2's addressing, headers, units and error types."""

    name = "smithy-rpc-v2-cbor"
    content_type: ClassVar[str] = RPC_V2_CBOR_CONTENT_TYPE
    shapes: ClassVar[CborShapes] = cbor_shapes.RPC_V2_CBOR
    content_type_without_body: ClassVar[bool] = False

    def operation_name(self, request: HttpRequest) -> str:
        found = RPC_V2_PATH.fullmatch(request.path)
        return found["operation"] if found else ""

    def parse(
        self, request: HttpRequest, operation: OperationModel, uri_params: Mapping[str, str]
    ) -> dict[str, Any]:
        for header in _FORBIDDEN_HEADERS:
            if header in request.headers:
                raise SerializationException(f"rpcv2Cbor requests must not carry {header}")
        if request.body and request.media_type != RPC_V2_CBOR_CONTENT_TYPE:
            raise UnsupportedMediaTypeException(
                f"Unsupported Content-Type {request.media_type!r}; expected "
                f"{RPC_V2_CBOR_CONTENT_TYPE}"
            )
        return super().parse(request, operation, uri_params)

    def error_type(self, code: str, service: ServiceModel) -> str:
        return f"{namespace(service)}#{code}"

    def error_headers(self, code: str) -> dict[str, str]:
        return {}

    def protocol_headers(self) -> dict[str, str]:
        return {"smithy-protocol": SMITHY_PROTOCOL}


def namespace(service: ServiceModel) -> str:
    """The Smithy namespace of an AWS service: ``com.amazonaws.`` and its lower-cased SDK id.

    botocore's models do not record it; AWS's Smithy models name it so (``Kinesis`` is
    ``com.amazonaws.kinesis``, ``CloudWatch Logs`` is ``com.amazonaws.cloudwatchlogs``), and
    clients read only what follows the ``#``.
    """
    service_id = str(service.metadata.get("serviceId") or service.service_name)
    return "com.amazonaws." + service_id.lower().replace(" ", "").replace("-", "")
