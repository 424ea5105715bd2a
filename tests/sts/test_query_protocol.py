"""The query protocol, checked against botocore itself: its serializer's requests parse back to
the parameters it was given, and our responses parse with its ``QueryParser`` to the result.

A small model exercises what STS's own shapes do not: maps, flattened lists and maps, renamed
members, every scalar type. Raw requests then check the wire details SDKs other than botocore
rely on: the envelope, namespace, headers and error document.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import botocore.session
import pytest
from botocore.awsrequest import create_request_object, prepare_request_dict
from botocore.model import OperationModel, ServiceModel
from botocore.parsers import QueryParser
from botocore.serialize import QuerySerializer
from hypothesis import given, settings
from hypothesis import strategies as st

from lakehose import Lakehose
from lakehose.errors import ServiceError
from lakehose.gateway.http import Headers, HttpRequest, HttpResponse
from lakehose.gateway.protocols.query import QueryProtocol

NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/"
# A signature's structure naming STS; without configured credentials none is verified.
SIGNED_FOR_STS = {
    "Authorization": "AWS4-HMAC-SHA256 Credential=test/20231114/us-east-1/sts/aws4_request, "
    "SignedHeaders=host;x-amz-date, Signature=0000",
    "X-Amz-Date": "20231114T221320Z",
}
PROTOCOL = QueryProtocol()

_SHAPES: dict[str, Any] = {
    "Input": {
        "type": "structure",
        "members": {
            "Name": {"shape": "String"},
            "Count": {"shape": "Integer"},
            "Ratio": {"shape": "Double"},
            "Enabled": {"shape": "Boolean"},
            "At": {"shape": "Timestamp"},
            "Data": {"shape": "Blob"},
            "Renamed": {"shape": "String", "locationName": "Alias"},
            "Items": {"shape": "ItemList"},
            "Tags": {"shape": "TagMap"},
            "Named": {"shape": "NamedList"},
            "Flat": {"shape": "FlatList"},
            "FlatNamed": {"shape": "FlatNamedList"},
            "FlatMap": {"shape": "FlatMap"},
            "Nested": {"shape": "Inner"},
        },
    },
    "Inner": {
        "type": "structure",
        "members": {"Values": {"shape": "StringList"}, "Deeper": {"shape": "Leaf"}},
    },
    "Leaf": {"type": "structure", "members": {"Leaf": {"shape": "String"}}},
    "Item": {
        "type": "structure",
        "members": {"Key": {"shape": "String"}, "Values": {"shape": "StringList"}},
    },
    "ItemList": {"type": "list", "member": {"shape": "Item"}},
    "StringList": {"type": "list", "member": {"shape": "String"}},
    "NamedList": {"type": "list", "member": {"shape": "String", "locationName": "item"}},
    "FlatList": {"type": "list", "member": {"shape": "String"}, "flattened": True},
    "FlatNamedList": {
        "type": "list",
        "member": {"shape": "String", "locationName": "Entry"},
        "flattened": True,
    },
    "TagMap": {"type": "map", "key": {"shape": "String"}, "value": {"shape": "String"}},
    "FlatMap": {
        "type": "map",
        "key": {"shape": "String", "locationName": "Name"},
        "value": {"shape": "Integer", "locationName": "Number"},
        "flattened": True,
    },
    "String": {"type": "string"},
    "Integer": {"type": "integer"},
    "Double": {"type": "double"},
    "Boolean": {"type": "boolean"},
    "Timestamp": {"type": "timestamp"},
    "Blob": {"type": "blob"},
}
EXAMPLE = ServiceModel(
    {
        "metadata": {
            "apiVersion": "2020-01-01",
            "protocol": "query",
            "xmlNamespace": "https://example.com/doc/2020-01-01/",
            "endpointPrefix": "example",
            "serviceId": "Example",
            "signatureVersion": "v4",
        },
        "operations": {
            "Put": {
                "name": "Put",
                "http": {"method": "POST", "requestUri": "/"},
                "input": {"shape": "Input"},
                "output": {"shape": "Input", "resultWrapper": "PutResult"},
            }
        },
        "shapes": _SHAPES,
    },
    service_name="example",
)
PUT = EXAMPLE.operation_model("Put")
STS = botocore.session.get_session().get_service_model("sts")

FULL: dict[str, Any] = {
    "Name": "a & b = c",
    "Count": -7,
    "Ratio": 2.5,
    "Enabled": False,
    "At": datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=UTC),
    "Data": b"\x00\xffbytes",
    "Renamed": "alias",
    "Items": [{"Key": "k1", "Values": ["x", "y"]}, {"Key": "k2", "Values": []}],
    "Tags": {"team": "data", "dotted.key": "v.w"},
    "Named": ["n1", "n2"],
    "Flat": ["f1", "f2", "f3"],
    "FlatNamed": ["e1"],
    "FlatMap": {"one": 1, "two": 2},
    "Nested": {"Values": ["deep"], "Deeper": {"Leaf": "leaf"}},
}


def botocore_request(params: dict[str, Any], operation: OperationModel) -> HttpRequest:
    """The bytes botocore would send for ``params``."""
    request_dict = QuerySerializer().serialize_to_request(params, operation)
    prepare_request_dict(request_dict, endpoint_url="http://localhost:4566")
    prepared = create_request_object(request_dict).prepare()
    body = prepared.body or b""
    return HttpRequest(
        "POST",
        "/",
        "",
        Headers(dict(prepared.headers)),
        body.encode() if isinstance(body, str) else bytes(body),
    )


def botocore_parse(response: HttpResponse, operation: OperationModel) -> dict[str, Any]:
    parsed: dict[str, Any] = QueryParser().parse(
        {"body": response.body, "headers": response.headers, "status_code": response.status},
        operation.output_shape,
    )
    return parsed


def test_every_member_kind_parses_back() -> None:
    request = botocore_request(FULL, PUT)
    # The wire keys the serializer chose, for the record.
    body = request.body.decode()
    for key in ("Alias=", "Items.member.2.Key=", "Tags.entry.2.key=", "Named.item.1="):
        assert key in body
    for key in ("Flat.3=", "Entry.1=", "FlatMap.2.Name=", "FlatMap.2.Number=", "Nested.Deeper."):
        assert key in body
    assert PROTOCOL.operation_name(request) == "Put"
    assert PROTOCOL.parse(request, PUT, {}) == FULL


def test_every_member_kind_serializes_for_botocore() -> None:
    response = PROTOCOL.serialize(FULL, PUT, "req-1")
    parsed = botocore_parse(response, PUT)
    assert parsed.pop("ResponseMetadata")["RequestId"] == "req-1"
    assert parsed == FULL


_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
_XML_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12)


@settings(max_examples=60, deadline=None)
@given(
    name=_TEXT,
    tags=st.dictionaries(_TEXT, _TEXT, max_size=4),
    items=st.lists(
        st.fixed_dictionaries({"Key": _TEXT, "Values": st.lists(_TEXT, min_size=1)}),
        max_size=3,
    ),
    flat=st.lists(_TEXT, min_size=1, max_size=4),
)
def test_any_text_parses_back(
    name: str, tags: dict[str, str], items: list[dict[str, Any]], flat: list[str]
) -> None:
    params = {"Name": name, "Tags": tags, "Items": items, "Flat": flat}
    expected = {key: value for key, value in params.items() if value != {}}
    # botocore sends an empty map as nothing at all, and an empty list as the bare key.
    assert PROTOCOL.parse(botocore_request(params, PUT), PUT, {}) == expected


@settings(max_examples=60, deadline=None)
@given(name=_XML_TEXT, values=st.lists(_XML_TEXT, min_size=1, max_size=4))
def test_any_text_serializes_back(name: str, values: list[str]) -> None:
    result = {"Name": name, "Nested": {"Values": values}}
    parsed = botocore_parse(PROTOCOL.serialize(result, PUT, "r"), PUT)
    parsed.pop("ResponseMetadata")
    assert parsed == result


def test_sts_assume_role_members_parse() -> None:
    operation = STS.operation_model("AssumeRole")
    params = {
        "RoleArn": "arn:aws:iam::111122223333:role/r",
        "RoleSessionName": "s",
        "DurationSeconds": 900,
        "Tags": [{"Key": "team", "Value": "data"}, {"Key": "env", "Value": "dev"}],
        "TransitiveTagKeys": ["team"],
        "PolicyArns": [{"arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}],
        "ProvidedContexts": [
            {"ProviderArn": "arn:aws:iam::aws:contextProvider/x", "ContextAssertion": "abcd"}
        ],
    }
    assert PROTOCOL.parse(botocore_request(params, operation), operation, {}) == params


# -- through the gateway, as raw HTTP ---------------------------------------------------------


def _post(lake: Lakehose, form: dict[str, str] | list[tuple[str, str]]) -> HttpResponse:
    headers = Headers(
        {
            "Host": "localhost:4566",
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
            **SIGNED_FOR_STS,
        }
    )
    return lake.gateway.handle(HttpRequest("POST", "/", "", headers, urlencode(form).encode()))


def _xml(response: HttpResponse) -> ET.Element:
    assert response.headers["Content-Type"] == "text/xml"
    return ET.fromstring(response.body)


def test_raw_form_request_with_nested_members(lake: Lakehose) -> None:
    response = _post(
        lake,
        [
            ("Action", "AssumeRole"),
            ("Version", "2011-06-15"),
            ("RoleArn", "arn:aws:iam::111122223333:role/raw"),
            ("RoleSessionName", "raw-session"),
            ("Tags.member.1.Key", "team"),
            ("Tags.member.1.Value", "data"),
            ("Tags.member.2.Key", "env"),
            ("Tags.member.2.Value", "dev"),
            ("TransitiveTagKeys.member.1", "env"),
            ("PolicyArns.member.1.arn", "arn:aws:iam::aws:policy/ReadOnlyAccess"),
        ],
    )
    assert response.status == 200
    root = _xml(response)
    ns = {"sts": NAMESPACE}
    assert root.tag == f"{{{NAMESPACE}}}AssumeRoleResponse"
    result = root.find("sts:AssumeRoleResult", ns)
    assert result is not None
    arn = result.findtext("sts:AssumedRoleUser/sts:Arn", namespaces=ns)
    assert arn == "arn:aws:sts::111122223333:assumed-role/raw/raw-session"
    assert result.findtext("sts:Credentials/sts:AccessKeyId", namespaces=ns).startswith("ASIA")
    assert int(result.findtext("sts:PackedPolicySize", namespaces=ns) or "0") > 0
    request_id = root.findtext("sts:ResponseMetadata/sts:RequestId", namespaces=ns)
    assert request_id and request_id == response.headers["x-amzn-RequestId"]

    # Tags arrived as a list of structures: a second tag of the same key (any case) is refused.
    duplicate = _post(
        lake,
        {
            "Action": "AssumeRole",
            "RoleArn": "arn:aws:iam::111122223333:role/raw",
            "RoleSessionName": "dup",
            "Tags.member.1.Key": "team",
            "Tags.member.1.Value": "a",
            "Tags.member.2.Key": "TEAM",
            "Tags.member.2.Value": "b",
        },
    )
    assert _error(duplicate) == ("Sender", "InvalidParameterValue")


def _error(response: HttpResponse) -> tuple[str | None, str | None]:
    root = _xml(response)
    ns = {"sts": NAMESPACE}
    assert root.tag == f"{{{NAMESPACE}}}ErrorResponse"
    assert [child.tag.rpartition("}")[2] for child in root] == ["Error", "RequestId"]
    assert root.findtext("sts:RequestId", namespaces=ns) == response.headers["x-amzn-RequestId"]
    error = root.find("sts:Error", ns)
    assert error is not None
    assert [child.tag.rpartition("}")[2] for child in error] == ["Type", "Code", "Message"]
    return error.findtext("sts:Type", namespaces=ns), error.findtext("sts:Code", namespaces=ns)


def test_error_document(lake: Lakehose) -> None:
    response = _post(lake, {"Action": "AssumeRole", "Version": "2011-06-15"})
    assert response.status == 400
    assert _error(response) == ("Sender", "ValidationError")


@pytest.mark.parametrize(
    ("form", "code", "message"),
    [
        (
            {"Action": "AssumeRole", "Version": "2010-01-01"},
            "InvalidAction",
            "Could not find operation AssumeRole for version 2010-01-01",
        ),
        ({"Version": "2011-06-15"}, "MissingAction", "Missing Action"),
        (
            {"Action": "NoSuchThing", "Version": "2011-06-15"},
            "InvalidAction",
            "Could not find operation NoSuchThing for version 2011-06-15",
        ),
        (
            {"Action": "AssumeRole", "RoleArn": "a" * 20, "RoleSessionName": "s",
             "DurationSeconds": "soon"},
            "InvalidParameterValue",
            "Value (soon) for parameter DurationSeconds is invalid.",
        ),
    ],
    ids=["wrong-version", "no-action", "unknown-action", "not-a-number"],
)  # fmt: skip
def test_requests_the_protocol_refuses(
    lake: Lakehose, form: dict[str, str], code: str, message: str
) -> None:
    response = _post(lake, form)
    assert response.status == 400
    assert _error(response) == ("Sender", code)
    path = f"{{{NAMESPACE}}}Error/{{{NAMESPACE}}}Message"
    assert ET.fromstring(response.body).findtext(path) == message


def test_get_with_a_query_string(lake: Lakehose) -> None:
    headers = Headers({"Host": "localhost:4566", **SIGNED_FOR_STS})
    query = "Action=GetCallerIdentity&Version=2011-06-15"
    response = lake.gateway.handle(HttpRequest("GET", "/", query, headers))
    assert response.status == 200
    parsed = botocore_parse(response, STS.operation_model("GetCallerIdentity"))
    assert parsed["Arn"] == "arn:aws:iam::000000000000:root"


def test_modeled_error_codes_take_the_models_status() -> None:
    error = ServiceError("bad claim", code="IDPRejectedClaim")
    response = PROTOCOL.serialize_error(error, STS, None, "r")
    assert response.status == 403
