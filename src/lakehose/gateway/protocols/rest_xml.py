"""AWS rest-xml (S3): REST bindings from ``rest.py`` around XML bodies.

XML follows botocore's conventions: members are elements named by ``locationName`` (else the
member name); lists wrap ``member`` elements (or the list member's ``locationName``) unless
``flattened``, when the elements repeat in place; maps hold ``entry`` elements of ``key`` and
``value``; ``xmlAttribute`` members are attributes. Namespaces are ignored on input.

S3 reports its own errors: a body that is not XML, or misses a member the schema requires, is
``MalformedXML``; a header or query value that does not decode is ``InvalidArgument``.
"""

from __future__ import annotations

import base64
import hashlib
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any

from botocore.model import (
    ListShape,
    MapShape,
    OperationModel,
    ServiceModel,
    Shape,
    StructureShape,
)

from lakehose.errors import ServiceError
from lakehose.gateway.chunked import dechunk
from lakehose.gateway.http import HttpRequest, HttpResponse
from lakehose.gateway.protocols.rest import (
    RestProtocol,
    bind_response,
    body_members,
    scalar_text,
    wire_name,
)
from lakehose.gateway.protocols.values import (
    ValueFormatError,
    scalar_from_text,
)

S3_NAMESPACE = "http://s3.amazonaws.com/doc/2006-03-01/"
MALFORMED_XML = (
    "The XML you provided was not well-formed or did not validate against our published schema"
)
_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
# The root element S3 really sends for outputs without a payload member; SDKs other than
# botocore check it. Anything else gets "<OperationName>Result".
_RESULT_ROOTS = {
    "ListObjectsV2": "ListBucketResult",
    "ListObjects": "ListBucketResult",
    "ListBuckets": "ListAllMyBucketsResult",
    "CreateMultipartUpload": "InitiateMultipartUploadResult",
    "CompleteMultipartUpload": "CompleteMultipartUploadResult",
    "ListParts": "ListPartsResult",
    "ListMultipartUploads": "ListMultipartUploadsResult",
    "DeleteObjects": "DeleteResult",
    "GetBucketTagging": "Tagging",
    "GetObjectTagging": "Tagging",
    "ListObjectVersions": "ListVersionsResult",
    "GetBucketLocation": "LocationConstraint",
    "GetBucketAcl": "AccessControlPolicy",
    "GetObjectAcl": "AccessControlPolicy",
    "GetBucketVersioning": "VersioningConfiguration",
    "GetBucketCors": "CORSConfiguration",
    "GetBucketLifecycleConfiguration": "LifecycleConfiguration",
    "GetBucketNotificationConfiguration": "NotificationConfiguration",
}
_ERROR_ELEMENTS = ("Code", "Message", "RequestId", "HostId")
# Errors S3 sends with some of the operation's output headers: a 304 names the current ETag, a
# 404 or 405 caused by a delete marker says so (x-amz-delete-marker, x-amz-version-id).
_HEADED_ERRORS = frozenset({"NotModified", "NoSuchKey", "MethodNotAllowed"})
_ERROR_HEADERS = frozenset({"ETag", "LastModified", "DeleteMarker", "VersionId"})
# Operations S3 answers 204 No Content although the model declares no status.
_NO_CONTENT = frozenset({"PutBucketPolicy"})


def malformed_xml() -> ServiceError:
    return ServiceError(MALFORMED_XML, code="MalformedXML", status=400)


class RestXmlProtocol(RestProtocol):
    name = "rest-xml"
    content_type = "application/xml"
    empty_payload_is_absent = False

    def parse(
        self, request: HttpRequest, operation: OperationModel, uri_params: Mapping[str, str]
    ) -> dict[str, Any]:
        # Streaming uploads arrive aws-chunked; the members are read from the decoded request.
        params = super().parse(dechunk(request), operation, uri_params)
        shape = operation.input_shape
        members = shape.members if shape is not None else {}
        # Checked here, where each member's location is known (see missing_member_error).
        for name in shape.required_members if shape is not None else []:
            if params.get(name) is None:
                raise _missing(wire_name(name, members[name]), members[name])
        return params

    def serialize(
        self, result: Mapping[str, Any], operation: OperationModel, request_id: str
    ) -> HttpResponse:
        response = super().serialize(result, operation, request_id)
        if result.get("ContentRange") is not None and response.status == 200:
            response.status = 206  # a ranged GetObject or HeadObject: Partial Content
        if operation.name in _NO_CONTENT and not response.body:
            response.status = 204
        return response

    def serialize_error(
        self,
        error: ServiceError,
        service: ServiceModel,
        operation: OperationModel | None,
        request_id: str,
    ) -> HttpResponse:
        # S3 sends some errors with the operation's output headers (a 304's ETag, the
        # x-amz-delete-marker of a 404): fields named as header-bound output members go there.
        headed = _output_headers(error, operation)
        response = super().serialize_error(error, service, operation, request_id)
        if headed and operation is not None and operation.output_shape is not None:
            bind_response(headed, operation.output_shape, response.headers)
        if response.status == 304:
            # Not Modified has no body in HTTP; S3 sends none and clients read the status.
            response.body = b""
            response.headers.pop("Content-Length", None)
            response.headers.pop("Content-Type", None)
        return response

    def missing_member_error(self, names: list[str]) -> ServiceError | None:
        # ``parse`` already reported missing members with S3's codes; this only keeps a
        # member dropped after parsing from surfacing as Coral's ValidationException.
        return ServiceError(
            f"Missing required parameter: {', '.join(names)}", code="InvalidArgument", status=400
        )

    def decode_body(self, body: bytes, shape: StructureShape) -> dict[str, Any]:
        return _decode_structure(_parse_xml(body), shape)

    def decode_payload(self, body: bytes, member: Shape) -> Any:
        return _decode(_parse_xml(body), member)

    def encode_body(
        self, values: Mapping[str, Any], shape: StructureShape, operation: OperationModel
    ) -> bytes:
        root_name = _RESULT_ROOTS.get(operation.name, f"{operation.name}Result")
        members = body_members(shape, output=True)
        if len(members) == 1:
            name, member = next(iter(members.items()))
            if wire_name(name, member) == root_name and member.type_name not in _CONTAINERS:
                # GetBucketLocation: the root element is the member, its text the value.
                return _document(_element(root_name, values.get(name, ""), member))
        return _document(_element(root_name, values, shape))

    def encode_payload(self, value: Any, member: Shape) -> bytes:
        return _document(
            _element(str(member.serialization.get("name", member.name)), value, member)
        )

    def encode_error(
        self,
        error: ServiceError,
        shape: StructureShape | None,
        fields: Mapping[str, Any],
        request_id: str,
    ) -> bytes:
        root = ET.Element("Error")
        ET.SubElement(root, "Code").text = error.error_code
        ET.SubElement(root, "Message").text = error.message
        for name, value in fields.items():
            member = shape.members.get(name) if shape is not None else None
            if value is None or name in _ERROR_ELEMENTS:
                continue
            if member is not None:
                root.append(_element(wire_name(name, member), value, member))
            else:
                ET.SubElement(root, name).text = str(value)
        ET.SubElement(root, "RequestId").text = request_id
        ET.SubElement(root, "HostId").text = _host_id(request_id)
        return _serialize(root)

    def response_headers(self, request_id: str) -> dict[str, str]:
        return {"x-amz-request-id": request_id, "x-amz-id-2": _host_id(request_id)}

    def invalid_value(self, name: str, value: str, shape: Shape) -> ServiceError:
        return ServiceError(
            f"Invalid value for {name}: {value}",
            code="InvalidArgument",
            status=400,
            fields={"ArgumentName": name, "ArgumentValue": value},
        )


_CONTAINERS = ("structure", "list", "map")


def _output_headers(error: ServiceError, operation: OperationModel | None) -> dict[str, Any]:
    """Take the fields that name header-bound output members out of ``error.fields``."""
    shape = operation.output_shape if operation is not None else None
    if shape is None or error.error_code not in _HEADED_ERRORS:
        return {}
    headed = {
        name: value
        for name, value in error.fields.items()
        if name in _ERROR_HEADERS and name in shape.members
    }
    for name in headed:
        del error.fields[name]
    return headed


def _missing(wire: str, member: Shape) -> ServiceError:
    location = member.serialization.get("location")
    if location is None:
        return malformed_xml()
    what = {"header": "header", "querystring": "query parameter"}.get(location, "parameter")
    return ServiceError(
        f"Missing required {what} for this request: {wire}",
        code="InvalidArgument",
        status=400,
        fields={"ArgumentName": wire, "ArgumentValue": ""},
    )


def _host_id(request_id: str) -> str:
    """S3's ``x-amz-id-2``: opaque, so a digest of the request id keeps it stable and unique."""
    return base64.b64encode(hashlib.sha256(request_id.encode()).digest()).decode("ascii")


# -- decoding ---------------------------------------------------------------------------------


def _parse_xml(body: bytes) -> ET.Element:
    # Decoding first means the DTD check below sees the text expat would see; without a DTD
    # there are no custom entities, so no entity expansion attacks.
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise malformed_xml() from None
    if "<!DOCTYPE" in text.upper() or "<!ENTITY" in text.upper():
        raise malformed_xml()
    try:
        return ET.fromstring(text)
    except ET.ParseError:
        raise malformed_xml() from None


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1]


def _decode(node: ET.Element, shape: Shape) -> Any:
    if isinstance(shape, StructureShape):
        return _decode_structure(node, shape)
    if isinstance(shape, ListShape):
        return [_decode(child, shape.member) for child in node]
    if isinstance(shape, MapShape):
        return _decode_entries(list(node), shape)
    return _decode_scalar(node.text or "", shape)


def _decode_structure(node: ET.Element, shape: StructureShape) -> dict[str, Any]:
    children: dict[str, list[ET.Element]] = {}
    for child in node:
        children.setdefault(_local(child.tag), []).append(child)
    attributes = {_local(key): value for key, value in node.attrib.items()}
    result: dict[str, Any] = {}
    members = body_members(shape)
    for name, member in members.items():
        wire = wire_name(name, member)
        if member.serialization.get("xmlAttribute"):
            # "xsi:type" arrives as "{http://www.w3.org/2001/XMLSchema-instance}type".
            if (local := wire.rsplit(":", 1)[-1]) in attributes:
                result[name] = _decode_scalar(attributes[local], member)
        elif member.serialization.get("flattened"):
            items = children.get(wire) or children.get(_item_name(member, wire), [])
            if items and isinstance(member, ListShape):
                result[name] = [_decode(child, member.member) for child in items]
            elif items and isinstance(member, MapShape):
                result[name] = _decode_entries(items, member)
        elif found := children.get(wire) or children.get(name):
            # botocore names a member's element after its target shape's locationName when the
            # member has none; the protocol specifies the member name. Either is accepted.
            result[name] = _decode(found[0], member)
    # S3 validates bodies against its schema: a required element missing is MalformedXML.
    if any(name in members and name not in result for name in shape.required_members):
        raise malformed_xml()
    return result


def _decode_entries(entries: list[ET.Element], shape: MapShape) -> dict[Any, Any]:
    key_name = str(shape.key.serialization.get("name", "key"))
    value_name = str(shape.value.serialization.get("name", "value"))
    result: dict[Any, Any] = {}
    for entry in entries:
        parts = {_local(child.tag): child for child in entry}
        if key_name not in parts or value_name not in parts:
            raise malformed_xml()
        key = _decode(parts[key_name], shape.key)
        result[key] = _decode(parts[value_name], shape.value)
    return result


def _decode_scalar(text: str, shape: Shape) -> Any:
    kind = shape.type_name
    # XML booleans are lower-case only (xsd:boolean as S3 writes it), unlike header and query text.
    if kind == "boolean" and text.strip() not in ("true", "false"):
        raise malformed_xml()
    try:
        return scalar_from_text(text, kind)
    except ValueFormatError:
        raise malformed_xml() from None


def _item_name(member: Shape, wire: str) -> str:
    """A flattened list's elements: named by the list member's locationName, else the member's."""
    if isinstance(member, ListShape):
        return str(member.member.serialization.get("name", wire))
    return wire


# -- encoding ---------------------------------------------------------------------------------


def _document(root: ET.Element) -> bytes:
    if "xmlns" not in root.attrib:
        root.set("xmlns", S3_NAMESPACE)
    return _serialize(root)


def _serialize(root: ET.Element) -> bytes:
    # A raw carriage return would reach the client as a newline (XML normalizes line ends), so
    # it goes as a character reference; ElementTree leaves it raw only in element text.
    text = ET.tostring(root, encoding="unicode").replace("\r", "&#13;")
    return _DECLARATION + text.encode()


def _element(name: str, value: Any, shape: Shape) -> ET.Element:
    element = ET.Element(name)
    _add_namespace(element, shape)
    if isinstance(shape, StructureShape):
        for member_name, member in body_members(shape, output=True).items():
            item = value.get(member_name)
            if item is None:
                continue
            wire = wire_name(member_name, member)
            if member.serialization.get("xmlAttribute"):
                element.set(wire, scalar_text(item, member, "iso8601"))
            elif isinstance(member, ListShape) and member.serialization.get("flattened"):
                item_name = _item_name(member, wire)
                element.extend(_element(item_name, one, member.member) for one in item)
            elif isinstance(member, MapShape) and member.serialization.get("flattened"):
                element.extend(_entry(wire, key, one, member) for key, one in item.items())
            else:
                element.append(_element(wire, item, member))
    elif isinstance(shape, ListShape):
        item_name = str(shape.member.serialization.get("name", "member"))
        element.extend(_element(item_name, one, shape.member) for one in value)
    elif isinstance(shape, MapShape):
        element.extend(_entry("entry", key, one, shape) for key, one in value.items())
    else:
        element.text = scalar_text(value, shape, "iso8601")
    return element


def _entry(name: str, key: Any, value: Any, shape: MapShape) -> ET.Element:
    entry = ET.Element(name)
    entry.append(_element(str(shape.key.serialization.get("name", "key")), key, shape.key))
    entry.append(_element(str(shape.value.serialization.get("name", "value")), value, shape.value))
    return entry


def _add_namespace(element: ET.Element, shape: Shape) -> None:
    namespace = shape.serialization.get("xmlNamespace")
    if isinstance(namespace, str):
        element.set("xmlns", namespace)
    elif isinstance(namespace, Mapping) and "uri" in namespace:
        prefix = namespace.get("prefix")
        element.set(f"xmlns:{prefix}" if prefix else "xmlns", str(namespace["uri"]))
