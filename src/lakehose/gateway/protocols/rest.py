"""What rest-json (Lambda) and rest-xml (S3) share: members bound to the HTTP message itself.

A member with a ``location`` lives outside the body: a ``uri`` label, a ``querystring``
parameter, a ``header``, a prefixed header map (``headers``, S3's ``x-amz-meta-``) or, on output,
the ``statusCode``. Every other member belongs to the body, unless the shape names one
``payload`` member, which then *is* the body. ``RestProtocol`` does all of this once; the two
subclasses only say how a body is encoded.

Scalars outside the body travel as text. Timestamps default to RFC 822 in headers and ISO 8601 in
the URI and query string, unless the member sets ``timestampFormat``; parsing accepts any of the
three forms, as the services do.
"""

from __future__ import annotations

import math
import re
from abc import abstractmethod
from collections.abc import Mapping
from typing import Any

import orjson
from botocore.model import (
    ListShape,
    MapShape,
    OperationModel,
    ServiceModel,
    Shape,
    StructureShape,
)

from lakehose.errors import ServiceError
from lakehose.gateway.http import HttpRequest, HttpResponse
from lakehose.gateway.protocols.base import WireProtocol, error_shape, error_status
from lakehose.gateway.protocols.values import (
    FLOAT_TYPES,
    INTEGER_TYPES,
    ValueFormatError,
    decode_base64,
    encode_base64,
    format_timestamp,
    scalar_from_text,
)

_RAW_PAYLOADS = ("blob", "string")
_INPUT_LOCATIONS = frozenset({"uri", "querystring", "header", "headers"})
# A response has no URI or query string: botocore reads a member "located" there from the body.
_OUTPUT_LOCATIONS = frozenset({"header", "headers", "statusCode"})
# A header list item: a quoted string (with backslash escapes) or anything up to the next comma.
_LIST_ITEM = re.compile(r'\s*(?:"((?:[^"\\]|\\.)*)"|([^,]*))\s*(?:,|$)')


def wire_name(name: str, member: Shape) -> str:
    return str(member.serialization.get("name", name))


def body_members(shape: StructureShape, *, output: bool = False) -> dict[str, Shape]:
    """The members that travel in the body: those no HTTP location claims."""
    bound = _OUTPUT_LOCATIONS if output else _INPUT_LOCATIONS
    return {n: m for n, m in shape.members.items() if m.serialization.get("location") not in bound}


def body_values(values: Mapping[str, Any], shape: StructureShape) -> dict[str, Any]:
    """The output body members of ``values`` that are set."""
    members = body_members(shape, output=True)
    return {n: values[n] for n in members if values.get(n) is not None}


def payload_member(shape: StructureShape | None) -> tuple[str, Shape] | None:
    if shape is None or "payload" not in shape.serialization:
        return None
    name = str(shape.serialization["payload"])
    return name, shape.members[name]


def format_float(value: float) -> str:
    """Smithy spells the non-finite floats out; Python's ``str`` would say ``inf``/``nan``."""
    number = float(value)
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    return repr(number)


class RestProtocol(WireProtocol):
    """A REST protocol: HTTP bindings here, body encoding in the subclass."""

    content_type = "application/octet-stream"
    empty_payload_is_absent = True

    # -- what a subclass supplies -----------------------------------------------------------

    @abstractmethod
    def decode_body(self, body: bytes, shape: StructureShape) -> dict[str, Any]:
        """The body members of ``shape`` from a non-empty body."""

    @abstractmethod
    def decode_payload(self, body: bytes, member: Shape) -> Any:
        """A structured payload member from a non-empty body."""

    @abstractmethod
    def encode_body(
        self, values: Mapping[str, Any], shape: StructureShape, operation: OperationModel
    ) -> bytes:
        """The body members of an output ``shape`` (``values`` holds only those)."""

    @abstractmethod
    def encode_payload(self, value: Any, member: Shape) -> bytes:
        """A structured payload member as the whole body."""

    @abstractmethod
    def encode_error(
        self,
        error: ServiceError,
        shape: StructureShape | None,
        fields: Mapping[str, Any],
        request_id: str,
    ) -> bytes:
        """The error body; ``fields`` are the error's members that are not headers."""

    @abstractmethod
    def response_headers(self, request_id: str) -> dict[str, str]:
        """Request-id headers every response carries."""

    def error_headers(self, error: ServiceError) -> dict[str, str]:
        return {}

    @abstractmethod
    def invalid_value(self, name: str, value: str, shape: Shape) -> ServiceError:
        """The error for a header, label or query value that does not decode as ``shape``."""

    # -- parse ------------------------------------------------------------------------------

    def parse(
        self, request: HttpRequest, operation: OperationModel, uri_params: Mapping[str, str]
    ) -> dict[str, Any]:
        shape = operation.input_shape
        if shape is None:
            return {}
        params = self._bind_request(request, operation, shape, uri_params)
        found = payload_member(shape)
        if found is not None:
            name, member = found
            if member.type_name in _RAW_PAYLOADS:
                # An empty body means "no payload", as the protocol tests specify.
                if request.body:
                    params[name] = self._raw_payload(request.body, name, member)
            elif request.body.strip():
                value = self.decode_payload(request.body, member)
                # botocore sends "{}" for an absent JSON structure payload: an empty one is
                # absent there, while an empty XML element is a document that is present.
                if value or (value is not None and not self.empty_payload_is_absent):
                    params[name] = value
        elif body_members(shape) and request.body.strip():
            params.update(self.decode_body(request.body, shape))
        return params

    def _raw_payload(self, body: bytes, name: str, member: Shape) -> bytes | str:
        if member.type_name == "blob":
            return body
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            raise self.invalid_value(name, "<body>", member) from None

    def _bind_request(
        self,
        request: HttpRequest,
        operation: OperationModel,
        shape: StructureShape,
        uri_params: Mapping[str, str],
    ) -> dict[str, Any]:
        params: dict[str, Any] = {}
        query = request.query_params()
        # Keys the requestUri fixes (``?uploads``, ``?list-type=2``) belong to no member.
        claimed = {part.partition("=")[0] for part in _uri_query(operation).split("&") if part}
        query_map: tuple[str, MapShape] | None = None
        for name, member in shape.members.items():
            location = member.serialization.get("location")
            wire = wire_name(name, member)
            if location == "uri" and wire in uri_params:
                params[name] = self._from_text(uri_params[wire], member, wire)
            elif location == "querystring" and isinstance(member, MapShape):
                query_map = (name, member)
            elif location == "querystring":
                claimed.add(wire)
                if wire in query:
                    params[name] = self._from_texts(query[wire], member, wire)
            elif location == "header" and wire in request.headers:
                params[name] = self._from_header(request.headers[wire], member, wire)
            elif location == "headers":
                prefix = wire.lower()
                prefixed = {
                    header[len(prefix) :]: value
                    for header, value in request.headers.items()
                    if header.lower().startswith(prefix)
                }
                if prefixed:
                    params[name] = prefixed
        if query_map is not None:
            # The map takes the parameters no named member claims.
            name, map_shape = query_map
            rest = {key: values for key, values in query.items() if key not in claimed}
            if rest:
                params[name] = {
                    key: self._from_texts(values, map_shape.value, key)
                    for key, values in rest.items()
                }
        return params

    def _from_texts(self, texts: list[str], shape: Shape, name: str) -> Any:
        """Repeated query keys form a list; a scalar takes the first occurrence."""
        if isinstance(shape, ListShape):
            return [self._from_text(text, shape.member, name) for text in texts]
        return self._from_text(texts[0], shape, name)

    def _from_header(self, text: str, shape: Shape, name: str) -> Any:
        if isinstance(shape, ListShape):
            items = split_header_list(text)
            if (
                shape.member.type_name == "timestamp"
                and _timestamp_format(shape.member, "rfc822") == "rfc822"
            ):
                # An HTTP date has a comma of its own: "Mon, 16 Dec 2019 ..." splits in two.
                items = [", ".join(items[i : i + 2]) for i in range(0, len(items), 2)]
            return [self._from_text(item, shape.member, name) for item in items]
        if shape.type_name == "string" and shape.serialization.get("jsonvalue"):
            try:
                return orjson.loads(decode_base64(text))
            except (ValueFormatError, orjson.JSONDecodeError):
                raise self.invalid_value(name, text, shape) from None
        return self._from_text(text, shape, name)

    def _from_text(self, text: str, shape: Shape, name: str) -> Any:
        """A label, query or header value; timestamps are read in whichever format they come."""
        try:
            return scalar_from_text(text, shape.type_name)
        except ValueFormatError:
            raise self.invalid_value(name, text, shape) from None

    # -- serialize --------------------------------------------------------------------------

    def serialize(
        self, result: Mapping[str, Any], operation: OperationModel, request_id: str
    ) -> HttpResponse:
        shape = operation.output_shape
        status = int(operation.http.get("responseCode", 200))
        headers: dict[str, str] = {}
        body = b""
        if shape is not None:
            status = bind_response(result, shape, headers) or status
            found = payload_member(shape)
            if found is not None:
                name, member = found
                value = result.get(name)
                if value is not None and member.type_name in _RAW_PAYLOADS:
                    body = value.encode() if isinstance(value, str) else bytes(value)
                    _set_default(headers, "Content-Type", "application/octet-stream")
                elif value is not None:
                    body = self.encode_payload(value, member)
            elif body_members(shape, output=True):
                body = self.encode_body(body_values(result, shape), shape, operation)
        return self._response(status, headers, body, request_id)

    def serialize_error(
        self,
        error: ServiceError,
        service: ServiceModel,
        operation: OperationModel | None,
        request_id: str,
    ) -> HttpResponse:
        shape = error_shape(service, error.error_code)
        headers = self.error_headers(error)
        fields: Mapping[str, Any] = error.fields
        if shape is not None:
            bind_response(error.fields, shape, headers)
            # Header-bound members went to the headers; the body gets the rest, and any field
            # the shape does not declare (S3's BucketName, Key) as given.
            members = body_members(shape, output=True)
            fields = {n: v for n, v in fields.items() if n in members or n not in shape.members}
        body = self.encode_error(error, shape, fields, request_id)
        return self._response(error_status(error, service), headers, body, request_id)

    def _response(
        self, status: int, headers: dict[str, str], body: bytes, request_id: str
    ) -> HttpResponse:
        if body:
            _set_default(headers, "Content-Type", self.content_type)
            _replace(headers, "Content-Length", str(len(body)))
        else:
            # A HEAD answer keeps the Content-Length its header member declared.
            _set_default(headers, "Content-Length", "0")
        headers.update(self.response_headers(request_id))
        return HttpResponse(status, headers, body)


def bind_response(values: Mapping[str, Any], shape: StructureShape, headers: dict[str, str]) -> int:
    """Put header, header-map and status members in place; the status (0 if none) is returned."""
    status = 0
    for name, member in shape.members.items():
        value = values.get(name)
        location = member.serialization.get("location")
        if value is None or location is None:
            continue
        wire = wire_name(name, member)
        if location == "header":
            if isinstance(member, ListShape) and not value:
                continue  # an empty list is no header at all
            headers[wire] = header_text(value, member)
        elif location == "headers":
            for key, item in value.items():
                headers[wire + str(key)] = str(item)
        elif location == "statusCode":
            status = int(value)
    return status


def header_text(value: Any, shape: Shape) -> str:
    kind = shape.type_name
    if isinstance(shape, ListShape):
        return ",".join(_list_item_text(item, shape.member) for item in value if item is not None)
    if kind == "string" and shape.serialization.get("jsonvalue"):
        return encode_base64(orjson.dumps(value))
    return scalar_text(value, shape, "rfc822")


def scalar_text(value: Any, shape: Shape, default_format: str) -> str:
    """A scalar as the text a header, label, query value or XML element carries."""
    kind = shape.type_name
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "timestamp":
        return str(format_timestamp(value, _timestamp_format(shape, default_format)))
    if kind in FLOAT_TYPES:
        return format_float(value)
    if kind in INTEGER_TYPES:
        return str(int(value))
    if kind == "blob":
        return encode_base64(value)
    return str(value)


def split_header_list(text: str) -> list[str]:
    """``a, "b,c", "\\"d\\""`` to ``["a", "b,c", '"d"']`` (RFC 7230 lists, as botocore sends)."""
    items: list[str] = []
    position = 0
    while position < len(text):
        found = _LIST_ITEM.match(text, position)
        if found is None or found.end() == position:
            break
        quoted, plain = found.groups()
        items.append(re.sub(r"\\(.)", r"\1", quoted) if quoted is not None else plain.strip())
        position = found.end()
    return items


def _list_item_text(value: Any, shape: Shape) -> str:
    text = scalar_text(value, shape, "rfc822")
    if shape.type_name == "string" and ("," in text or '"' in text):
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text


def _timestamp_format(shape: Shape, default: str) -> str:
    return str(shape.serialization.get("timestampFormat", default))


def _uri_query(operation: OperationModel) -> str:
    return str(operation.http.get("requestUri", "")).partition("?")[2]


def _set_default(headers: dict[str, str], name: str, value: str) -> None:
    if not any(key.lower() == name.lower() for key in headers):
        headers[name] = value


def _replace(headers: dict[str, str], name: str, value: str) -> None:
    for key in [key for key in headers if key.lower() == name.lower()]:
        del headers[key]
    headers[name] = value
