"""botocore's protocol test vectors, run from the server's side.

``vectors/`` holds botocore's own ``tests/unit/protocols`` files, unmodified (Apache-2.0, see
``vectors/NOTICE``). Input cases pair ``params`` with the request a client sends: we parse that
request and must get ``params`` back. Output cases pair a ``result`` (or an ``error``) with a
response: we serialize the result and botocore's own parser must read the same result back.
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from botocore.awsrequest import HeadersDict
from botocore.model import NoShapeFoundError, OperationModel, ServiceModel
from botocore.parsers import PROTOCOL_PARSERS
from botocore.utils import parse_timestamp as botocore_timestamp

from lakehose.errors import ServiceError
from lakehose.gateway.http import Headers, HttpRequest, HttpResponse
from lakehose.gateway.protocols import protocol_for
from lakehose.gateway.protocols.values import parse_timestamp
from lakehose.gateway.routing import RestRouter

VECTORS = Path(__file__).parent / "vectors"
PROTOCOLS = ("json", "rest-json", "rest-xml")

# Cases that specify what a client does and a server cannot observe, keyed by case id.
_TOKEN = "client-only: the SDK fills in an idempotency token the caller left out"
_COMPRESSION = "client-only: checks the SDK's Content-Encoding header; the vector has no body"
# Cases botocore, lakehose's client, cannot read back whatever a server sends.
_EMPTY_BLOB = "botocore reads an empty body as an empty blob payload; the vector expects none"
_UNSET_UNION = "botocore rejects an empty union payload, which is all a server can send for it"
_LIST_HEADER = (
    "botocore splits list headers on every comma, so quoted items and HTTP dates in a list "
    "cannot reach it intact"
)
SKIPS: dict[tuple[str, str], str] = {
    ("input", "RestJsonQueryIdempotencyTokenAutoFill"): _TOKEN,
    ("input", "QueryIdempotencyTokenAutoFill"): _TOKEN,
    ("input", "SDKAppliedContentEncoding_awsJson1_1"): _COMPRESSION,
    ("input", "SDKAppendsGzipAndIgnoresHttpProvidedEncoding_awsJson1_1"): _COMPRESSION,
    ("input", "SDKAppliedContentEncoding_restJson1"): _COMPRESSION,
    ("input", "SDKAppendedGzipAfterProvidedEncoding_restJson1"): _COMPRESSION,
    ("input", "SDKAppliedContentEncoding_restXml"): _COMPRESSION,
    ("input", "SDKAppendedGzipAfterProvidedEncoding_restXml"): _COMPRESSION,
    ("input", "RestJsonHostWithPath"): "client-only: the endpoint's base path is the client's",
    ("input", "MediaTypeHeaderInputBase64"): (
        "botocore models @mediaType headers as jsonvalue and sends json.dumps of the value; "
        "lakehose decodes what botocore sends, the vector expects the undecoded text"
    ),
    ("output", "RestJsonHttpPayloadTraitsWithNoBlobBody"): _EMPTY_BLOB,
    ("output", "HttpPayloadTraitsWithNoBlobBody"): _EMPTY_BLOB,
    ("output", "RestJsonHttpPayloadWithUnsetUnion"): _UNSET_UNION,
    ("output", "RestXmlHttpPayloadWithUnsetUnion"): _UNSET_UNION,
    ("output", "RestJsonInputAndOutputWithQuotedStringHeaders"): _LIST_HEADER,
    ("output", "RestJsonInputAndOutputWithTimestampHeaders"): _LIST_HEADER,
    ("output", "InputAndOutputWithTimestampHeaders"): _LIST_HEADER,
    ("output", "HttpPrefixHeadersResponse"): (
        "the map binds every response header, and a server always adds its own "
        "(x-amzn-RequestId, Content-Length)"
    ),
    ("output", "ComplexError"): (
        "the vector contradicts itself (its response says Message 'Hi', it expects ''), and "
        "botocore reads an empty S3-style <Message/> as None"
    ),
    ("output", "XmlLists"): (
        "botocore names flattened list elements after the list member's locationName ('item'), "
        "so three lists of this shape read each other's elements; no S3 shape does this"
    ),
}


def _load(direction: str) -> Iterator[Any]:
    for protocol in PROTOCOLS:
        suites = json.loads((VECTORS / direction / f"{protocol}.json").read_text())
        for s, suite in enumerate(suites):
            for c, case in enumerate(suite["cases"]):
                case_id = case.get("id") or f"{suite['description']}#{c}"
                reason = SKIPS.get((direction, case_id))
                marks = [pytest.mark.skip(reason=reason)] if reason else []
                yield pytest.param(
                    protocol, suite, case, id=f"{protocol}:{s}:{case_id}", marks=marks
                )


def _operation(suite: Mapping[str, Any], case: Mapping[str, Any]) -> OperationModel:
    description = copy.deepcopy({k: v for k, v in suite.items() if k != "cases"})
    # Every real model names its endpoint; lakehose keys per-service behaviour on it.
    description["metadata"].setdefault("endpointPrefix", "vectors")
    name = case["given"]["name"]
    description["operations"] = {name: copy.deepcopy(case["given"])}
    return ServiceModel(description).operation_model(name)


# -- vector values to lakehose values ---------------------------------------------------------

_SPECIAL_FLOATS = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def native(value: Any, shape: Any) -> Any:
    """A vector's JSON value as lakehose passes it: datetimes, bytes, real floats."""
    if shape is None or value is None:
        return value
    kind = shape.type_name
    if kind == "structure" and not shape.is_document_type:
        value = _observable(value, shape)
        return {name: native(item, shape.members[name]) for name, item in value.items()}
    if kind == "list":
        return [native(item, shape.member) for item in value if item is not None]
    if kind == "map":
        return {key: native(item, shape.value) for key, item in value.items() if item is not None}
    if kind == "timestamp":
        if isinstance(value, int | float):
            return datetime.fromtimestamp(value, tz=UTC)
        return parse_timestamp(value)
    if kind == "blob" and isinstance(value, str):
        return value.encode()
    if kind in ("float", "double") and isinstance(value, str):
        return _SPECIAL_FLOATS[value]
    return value


def _observable(value: Mapping[str, Any], shape: Any) -> dict[str, Any]:
    """The part of a structure's params a server can see on the wire."""
    named = {
        member.serialization.get("name", name)
        for name, member in shape.members.items()
        if member.serialization.get("location") == "querystring" and member.type_name != "map"
    }
    seen: dict[str, Any] = {}
    for name, item in value.items():
        member = shape.members[name]
        location = member.serialization.get("location")
        if location == "querystring" and member.type_name == "map":
            # A named query member wins over a map entry of the same key (the protocol's rule),
            # so those entries never reach the wire.
            item = {key: one for key, one in item.items() if key not in named}
        # An empty list or map in the query string, or an empty prefixed-header map, sends
        # nothing: a server cannot tell it from an absent member, which is what lakehose gives.
        if item is None or (location in ("querystring", "headers") and item in ([], {})):
            continue
        seen[name] = item
    return seen


def comparable(value: Any) -> Any:
    """NaN never equals itself; compare it, and bytes, by spelling."""
    if isinstance(value, dict):
        return {key: comparable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [comparable(item) for item in value]
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    if isinstance(value, float) and math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if isinstance(value, bytes):
        return value.decode()
    return value


# -- input: the client's request must parse back to its params --------------------------------


@pytest.mark.parametrize(("protocol", "suite", "case"), list(_load("input")))
def test_input_vector(protocol: str, suite: dict[str, Any], case: dict[str, Any]) -> None:
    operation = _operation(suite, case)
    serialized = case["serialized"]
    path, _, query = serialized["uri"].partition("?")
    request = HttpRequest(
        method=serialized.get("method", "POST"),
        path=path,
        query=query,
        headers=Headers(serialized.get("headers", {})),
        body=serialized.get("body", "").encode(),
    )
    uri_params: dict[str, str] = {}
    if protocol != "json":
        route = RestRouter(operation.service_model).match(
            request.method, path, query, request.headers
        )
        assert route is not None and route.operation.name == operation.name
        uri_params = route.uri_params
    parsed = protocol_for(protocol).parse(request, operation, uri_params)
    expected = native(case["params"], operation.input_shape)
    assert comparable(parsed) == comparable(expected)


# -- output: botocore must read our response back as the result -------------------------------


def _timestamp_as_epoch(value: str) -> float:
    return float(botocore_timestamp(value).timestamp())


def botocore_reads(
    protocol: str, operation: OperationModel, response: HttpResponse
) -> dict[str, Any]:
    """What botocore makes of ``response``, as its own compliance runner parses it."""
    parser: Any = PROTOCOL_PARSERS[protocol]
    parser = parser(timestamp_parser=_timestamp_as_epoch)
    raw = {
        "status_code": response.status,
        "headers": HeadersDict(response.headers),
        "body": response.body,
        "context": {"operation_name": operation.name},
    }
    parsed: dict[str, Any] = parser.parse(raw, operation.output_shape)
    if response.status >= 300:
        try:
            shape = operation.service_model.shape_for_error_code(parsed["Error"]["Code"])
        except NoShapeFoundError:
            shape = None
        if shape is not None:
            parsed.update(parser.parse(raw, shape))
        # Only Code and Message are specified; other keys under Error are parser details.
        parsed["Error"] = {k: v for k, v in parsed["Error"].items() if k in ("Code", "Message")}
    parsed.pop("ResponseMetadata", None)
    return parsed


@pytest.mark.parametrize(("protocol", "suite", "case"), list(_load("output")))
def test_output_vector(protocol: str, suite: dict[str, Any], case: dict[str, Any]) -> None:
    operation = _operation(suite, case)
    wire = protocol_for(protocol)
    if "error" in case:
        code = case["errorCode"]
        shape = operation.service_model.shape_for_error_code(code)
        fields = {k: v for k, v in case["error"].items() if k.lower() != "message"}
        # An engine raising this error knows whose fault it is; the raw model says so too
        # (botocore's Shape does not expose "fault").
        error = ServiceError(
            case.get("errorMessage", ""),
            code=code,
            sender_fault=not suite["shapes"][code].get("fault", False),
            fields=native(fields, shape),
        )
        response = wire.serialize_error(error, operation.service_model, operation, "request-1")
        expected = {"Error": {"Code": code, "Message": case.get("errorMessage", "")}}
        expected.update(case["error"])
    else:
        result = native(case["result"], operation.output_shape)
        response = wire.serialize(result, operation, "request-1")
        expected = case["result"]
    assert response.status == case["response"]["status_code"]
    assert comparable(botocore_reads(protocol, operation, response)) == comparable(expected)
