"""AWS query (STS): ``Action`` and flattened members in a form body, XML responses.

A request is ``application/x-www-form-urlencoded`` (a POST body, or the query string of a GET)
naming the operation in ``Action`` and the API version in ``Version``. Members are flattened into
dotted keys, the inverse of botocore's ``QuerySerializer``:

- a structure member is ``Parent.Member`` (the member's ``locationName`` when it has one);
- a list is ``Name.member.N`` (1-based; the list member's ``locationName`` replaces ``member``);
  a flattened list is ``Name.N``, or ``<member locationName>.N`` in place of ``Name``; an empty
  list is the bare key with an empty value;
- a map is ``Name.entry.N.key`` / ``Name.entry.N.value`` (``Name.N.key`` when flattened, the key
  and value shapes' ``locationName`` in place of ``key`` and ``value``).

Responses are ``<{Op}Response xmlns=<metadata xmlNamespace>>`` holding the result wrapper and
``<ResponseMetadata><RequestId>``; errors are ``<ErrorResponse>`` with ``Type`` (``Sender`` or
``Receiver``), ``Code`` and ``Message``. The XML of members is rest-xml's (``rest_xml``).

Query services name two of the gateway's own errors differently from the JSON services (Coral's
``ValidationException`` is ``ValidationError`` here, an unknown operation ``InvalidAction``);
``serialize_error`` translates them.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from botocore.model import ListShape, MapShape, OperationModel, ServiceModel, Shape, StructureShape

from lakehose.errors import ServiceError
from lakehose.gateway.http import HttpRequest, HttpResponse
from lakehose.gateway.protocols.base import WireProtocol, error_status
from lakehose.gateway.protocols.rest import wire_name
from lakehose.gateway.protocols.rest_xml import _element, _serialize
from lakehose.gateway.protocols.values import (
    ValueFormatError,
    scalar_from_text,
)

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
# The gateway's own errors, as query services spell their codes (``sigv4_errors`` already
# words signature failures per protocol).
_CORAL_VALIDATION, _QUERY_VALIDATION = "ValidationException", "ValidationError"
_UNKNOWN_OPERATION = "UnknownOperationException"


class QueryProtocol(WireProtocol):
    name = "query"

    def operation_name(self, request: HttpRequest) -> str:
        action = _fields(request).get("Action")
        if not action:
            raise ServiceError("Missing Action", code="MissingAction", status=400)
        return action

    def parse(
        self, request: HttpRequest, operation: OperationModel, uri_params: Mapping[str, str]
    ) -> dict[str, Any]:
        fields = _fields(request)
        version = fields.pop("Version", None)
        fields.pop("Action", None)
        if version is not None and version != operation.metadata.get("apiVersion"):
            raise invalid_action(operation.name, version)
        shape = operation.input_shape
        if shape is None:
            return {}
        return _structure(_Form(fields), shape, "")

    def serialize(
        self, result: Mapping[str, Any], operation: OperationModel, request_id: str
    ) -> HttpResponse:
        service = operation.service_model
        root = _root(f"{operation.name}Response", service)
        shape = operation.output_shape
        if shape is not None:
            wrapper = str(shape.serialization.get("resultWrapper", f"{operation.name}Result"))
            root.append(_element(wrapper, result, shape))
        metadata = ET.SubElement(root, "ResponseMetadata")
        ET.SubElement(metadata, "RequestId").text = request_id
        return _response(200, root, request_id)

    def serialize_error(
        self,
        error: ServiceError,
        service: ServiceModel,
        operation: OperationModel | None,
        request_id: str,
    ) -> HttpResponse:
        error = self._query_error(error, service, operation)
        root = _root("ErrorResponse", service)
        detail = ET.SubElement(root, "Error")
        ET.SubElement(detail, "Type").text = "Sender" if error.is_sender_fault else "Receiver"
        ET.SubElement(detail, "Code").text = error.error_code
        ET.SubElement(detail, "Message").text = error.message
        shape = _modeled_error(service, error.error_code)
        for name, value in error.fields.items():
            member = shape.members.get(name) if shape is not None else None
            if value is None or name in ("Type", "Code", "Message"):
                continue
            if member is not None:
                detail.append(_element(wire_name(name, member), value, member))
            else:
                ET.SubElement(detail, name).text = str(value)
        ET.SubElement(root, "RequestId").text = request_id
        return _response(_status(error, service), root, request_id)

    def unknown_operation(self, name: str | None, service: ServiceModel) -> ServiceError:
        """What a query service answers for an action it does not know."""
        return invalid_action(name, str(service.api_version))

    def _query_error(
        self, error: ServiceError, service: ServiceModel, operation: OperationModel | None
    ) -> ServiceError:
        if error.error_code == _UNKNOWN_OPERATION:
            if error.message:
                # An operation AWS has and lakehose lacks: AWS's code, lakehose's explanation.
                return ServiceError(error.message, code="InvalidAction", status=400)
            return self.unknown_operation(operation.name if operation else None, service)
        if error.error_code != _CORAL_VALIDATION:
            return error
        return ServiceError(
            error.message,
            code=_QUERY_VALIDATION,
            sender_fault=error.is_sender_fault,
            status=error.http_status,
            fields=error.fields,
        )


def invalid_action(name: str | None, version: str) -> ServiceError:
    """``InvalidAction``, worded as AWS's query services word it."""
    operation = f"operation {name}" if name else "the requested operation"
    message = f"Could not find {operation} for version {version}"
    return ServiceError(message, code="InvalidAction", status=400)


# -- requests ---------------------------------------------------------------------------------


def _fields(request: HttpRequest) -> dict[str, str]:
    """Query-string parameters, then form-body fields (which win); later keys win over earlier."""
    fields = dict(request.query_items())
    if request.body and request.media_type in ("", FORM_CONTENT_TYPE):
        try:
            text = request.body.decode("utf-8")
            fields.update(parse_qsl(text, keep_blank_values=True, errors="strict"))
        except (UnicodeDecodeError, ValueError):
            raise ServiceError(
                "The request body is not valid form-urlencoded UTF-8",
                code="MalformedQueryString",
                status=400,
            ) from None
    return fields


class _Form:
    """The request's fields, indexed once by the dotted prefixes their names extend.

    ``children["Tags.member"]`` holds ``{"1", "2"}`` for ``Tags.member.1.Key`` and
    ``Tags.member.2.Value``: finding a list's elements is a lookup, not a scan of every field.
    """

    def __init__(self, fields: Mapping[str, str]) -> None:
        self.fields = fields
        self.children: dict[str, set[str]] = {}
        for name in fields:
            parts = name.split(".")
            for depth in range(1, len(parts)):
                self.children.setdefault(".".join(parts[:depth]), set()).add(parts[depth])

    def indexes(self, prefix: str) -> list[int]:
        """The element numbers present under ``prefix.N``, in numeric order."""
        found = self.children.get(prefix, ())
        return sorted(int(part) for part in found if part.isascii() and part.isdigit())


def _structure(form: _Form, shape: StructureShape, prefix: str) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, member in shape.members.items():
        value = _value(form, member, _join(prefix, wire_name(name, member)))
        if value is not None:
            result[name] = value
    return result


def _value(form: _Form, shape: Shape, key: str) -> Any:
    """The member at ``key``, or ``None`` when the request has none."""
    if isinstance(shape, StructureShape):
        return _structure(form, shape, key) if key in form.children else None
    if isinstance(shape, ListShape):
        return _list(form, shape, key)
    if isinstance(shape, MapShape):
        return _map(form, shape, key)
    text = form.fields.get(key)
    return None if text is None else _scalar(text, shape, key)


def _list(form: _Form, shape: ListShape, key: str) -> list[Any] | None:
    if form.fields.get(key) == "":
        return []  # botocore sends an empty list as the bare key
    item_name = shape.member.serialization.get("name")
    if not shape.serialization.get("flattened"):
        prefix = f"{key}.{item_name or 'member'}"
    elif item_name:
        prefix = _join(key.rpartition(".")[0], str(item_name))  # replaces the member's own name
    else:
        prefix = key
    items = [_value(form, shape.member, f"{prefix}.{index}") for index in form.indexes(prefix)]
    return items or None


def _map(form: _Form, shape: MapShape, key: str) -> dict[Any, Any] | None:
    prefix = key if shape.serialization.get("flattened") else f"{key}.entry"
    key_name = str(shape.key.serialization.get("name", "key"))
    value_name = str(shape.value.serialization.get("name", "value"))
    result: dict[Any, Any] = {}
    for index in form.indexes(prefix):
        entry = f"{prefix}.{index}"
        found = _value(form, shape.key, f"{entry}.{key_name}")
        if found is not None:
            result[found] = _value(form, shape.value, f"{entry}.{value_name}")
    return result or None


def _scalar(text: str, shape: Shape, key: str) -> Any:
    try:
        return scalar_from_text(text, shape.type_name)
    except ValueFormatError:
        raise ServiceError(
            f"Value ({text}) for parameter {key} is invalid.",
            code="InvalidParameterValue",
            status=400,
        ) from None


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


# -- responses --------------------------------------------------------------------------------


def _root(name: str, service: ServiceModel) -> ET.Element:
    root = ET.Element(name)
    namespace = service.metadata.get("xmlNamespace")
    if namespace:
        root.set("xmlns", str(namespace))
    return root


def _response(status: int, root: ET.Element, request_id: str) -> HttpResponse:
    body = _serialize(root)
    headers = {
        "Content-Type": "text/xml",
        "x-amzn-RequestId": request_id,
        "Content-Length": str(len(body)),
    }
    return HttpResponse(status, headers, body)


def _modeled_error(service: ServiceModel, code: str) -> StructureShape | None:
    """The error shape whose wire code is ``code``: query codes need not be shape names
    (``IDPRejectedClaim`` is ``IDPRejectedClaimException``'s)."""
    for shape in service.error_shapes:
        if isinstance(shape, StructureShape) and shape.error_code == code:
            return shape
    return None


def _status(error: ServiceError, service: ServiceModel) -> int:
    if error.http_status is None and (shape := _modeled_error(service, error.error_code)):
        declared = shape.metadata.get("error", {}).get("httpStatusCode")
        if declared:
            return int(declared)
    return error_status(error, service)
