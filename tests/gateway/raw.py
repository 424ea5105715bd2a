"""Hand-built, SigV4-signed requests sent straight to a runtime's gateway, without boto3's client.

The wire-identity, crash-site and fuzz tests need bodies no SDK would send (wrong JSON types,
truncated JSON, invalid UTF-8, out-of-range dates), signed as a real client signs them so they
get past the signature check to the code under test.
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import orjson
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSPreparedRequest, AWSRequest
from botocore.credentials import Credentials

from lakehose import Lakehose
from lakehose.gateway.http import Headers, HttpRequest, HttpResponse

CREDENTIALS = Credentials("test", "test")
REGION = "us-east-1"
ENDPOINT = "http://localhost:4566"
# awsJson target prefix and version per JSON service.
JSON_TARGETS = {
    "dynamodb": ("DynamoDB_20120810", "1.0"),
    "kinesis": ("Kinesis_20131202", "1.1"),
    "firehose": ("Firehose_20150804", "1.1"),
    "glue": ("AWSGlue", "1.1"),
    "athena": ("AmazonAthena", "1.1"),
}


def signed(
    method: str,
    url: str,
    *,
    service: str,
    headers: Mapping[str, str] | None = None,
    body: bytes = b"",
    region: str = REGION,
) -> HttpRequest:
    """``url``'s request with ``headers`` and ``body``, SigV4-signed for ``service``."""
    request = AWSRequest(method=method, url=url, headers=dict(headers or {}), data=body)
    request.context["payload_signing_enabled"] = True
    SigV4Auth(CREDENTIALS, service, region).add_auth(request)
    return to_http_request(request.prepare())


def to_http_request(prepared: AWSPreparedRequest) -> HttpRequest:
    """The gateway's view of a prepared botocore request (as ``gateway.inprocess`` builds it)."""
    parts = urlsplit(prepared.url)
    body = prepared.body
    data = body.encode() if isinstance(body, str) else bytes(body or b"")
    headers = [
        (name, value.decode() if isinstance(value, bytes) else str(value))
        for name, value in prepared.headers.items()
    ]
    if not any(name.lower() == "host" for name, _ in headers):
        headers.append(("Host", parts.netloc))
    return HttpRequest(prepared.method, parts.path or "/", parts.query, Headers(headers), data)


def json_call(
    lake: Lakehose,
    service: str,
    operation: str,
    body: bytes | Mapping[str, Any],
    *,
    target: str | None = None,
    method: str = "POST",
    content_type: str | None = None,
) -> HttpResponse:
    """One awsJson request; ``body`` is sent as given when it is bytes."""
    prefix, version = JSON_TARGETS[service]
    headers = {
        "Content-Type": content_type or f"application/x-amz-json-{version}",
        "X-Amz-Target": target if target is not None else f"{prefix}.{operation}",
    }
    if target == "":
        del headers["X-Amz-Target"]
    # The standard library encoder: orjson refuses the deep nesting some tests send.
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = signed(method, f"{ENDPOINT}/", service=service, headers=headers, body=data)
    return lake.gateway.handle(request)


def document(response: HttpResponse) -> dict[str, Any]:
    loaded: dict[str, Any] = orjson.loads(response.body)
    return loaded


def send_to_server(
    endpoint: str,
    request: HttpRequest,
    *,
    send_body: bool = True,
) -> tuple[int, bytes]:
    """``request`` over a real socket; header values go out as UTF-8 bytes, as a fuzzer needs.

    With ``send_body=False`` only the head is sent (a server that refuses a declared
    ``Content-Length`` answers before reading, and would reset a client still writing).
    """
    parts = urlsplit(endpoint)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=60)
    try:
        target = request.path + (f"?{request.query}" if request.query else "")
        connection.putrequest(request.method, target, skip_host=True, skip_accept_encoding=True)
        for name in request.headers:
            connection.putheader(name, request.headers[name].encode("utf-8"))
        connection.endheaders()
        if send_body and request.body:
            connection.send(request.body)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()
