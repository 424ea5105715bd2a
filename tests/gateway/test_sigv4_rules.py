"""Every SigV4 rule AWS applies holds once credentials are configured, in each protocol's words.

Requests are signed by botocore's own signers (at a frozen instant, the runtime's manual clock set
to it), then tampered with the way an attacker would: another target, an added header, a scope
for another service or day. Each refusal is checked for AWS's code, message and status as the
gateway serializes it; a few go over raw HTTP to a real ``lakehose up`` started with credentials.
"""

from __future__ import annotations

import base64
import calendar
import datetime as dt
import hashlib
import hmac
import json
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import botocore.auth
import pytest
from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.compat import HTTPHeaders
from botocore.config import Config
from botocore.credentials import Credentials as BotoCredentials

from lakehose import Lakehose
from lakehose.clock import ManualClock
from lakehose.errors import ServiceError
from lakehose.gateway.http import Headers, HttpRequest, HttpResponse
from lakehose.gateway.sigv4 import verify_signature
from lakehose.settings import Credentials, Settings
from tests.conftest import ServerProcess

KEY_ID = "AKIALAKEHOSERULES001"
SECRET = "rules/secret+for-tests"
CREDENTIALS = Credentials(KEY_ID, SECRET)
ENDPOINT = "http://localhost:4566"
SIGNED_AT = dt.datetime(2024, 5, 1, 12, 0, 0)  # botocore's clock, naive UTC
NOW = float(calendar.timegm(SIGNED_AT.timetuple()))
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
ONE_TRY = Config(retries={"total_max_attempts": 1})

MISMATCH_JSON = (
    "The request signature we calculated does not match the signature you provided. Check your"
    " AWS Secret Access Key and signing method. Consult the service documentation for details."
)
MISMATCH_S3 = (
    "The request signature we calculated does not match the signature you provided."
    " Check your key and signing method."
)
NOT_SIGNED_S3 = "There were headers present in the request which were not signed"
SCOPED_TO_DYNAMODB = "Credential should be scoped to correct service: 'dynamodb'. "
HOST_NOT_SIGNED = "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."


# -- signing and reading answers ---------------------------------------------------------------


def to_http(
    method: str, url: str, headers: Mapping[str, Any] | HTTPHeaders, body: Any = b""
) -> HttpRequest:
    """What a server receives for ``url``: the path and query still percent-encoded."""
    parts = urlsplit(url)
    items = [(k, v.decode() if isinstance(v, bytes) else str(v)) for k, v in headers.items()]
    if not any(name.lower() == "host" for name, _ in items):
        items.append(("Host", parts.netloc))  # the HTTP client adds it from the URL
    if isinstance(body, str):
        body = body.encode()
    return HttpRequest(method, parts.path or "/", parts.query, Headers(items), body or b"")


def signed(
    service: str,
    method: str,
    url: str,
    *,
    body: bytes = b"",
    headers: Mapping[str, str] | None = None,
    region: str = "us-east-1",
    signer: type[SigV4Auth] = SigV4Auth,
    secret: str = SECRET,
) -> HttpRequest:
    request = AWSRequest(method=method, url=url, data=body, headers=dict(headers or {}))
    signer(BotoCredentials(KEY_ID, secret), service, region).add_auth(request)
    prepared = request.prepare()
    return to_http(prepared.method, prepared.url, prepared.headers, prepared.body)


def presigned(method: str, url: str, *, expires: int = 300) -> str:
    request = AWSRequest(method=method, url=url)
    S3SigV4QueryAuth(BotoCredentials(KEY_ID, SECRET), "s3", "us-east-1", expires).add_auth(request)
    return str(request.prepare().url)


def scoped(*, date: str | None = None, terminator: str | None = None) -> type[SigV4Auth]:
    """A signer whose scope names another ``date`` or ``terminator``, its signature valid for it."""

    class Scoped(SigV4Auth):
        def _parts(self, request: AWSRequest) -> list[str]:
            day, region, service, _ = super().credential_scope(request).split("/")
            return [date or day, region, service, terminator or "aws4_request"]

        def credential_scope(self, request: AWSRequest) -> str:
            return "/".join(self._parts(request))

        def scope(self, request: AWSRequest) -> str:
            return "/".join([KEY_ID, *self._parts(request)])

        def signature(self, string_to_sign: str, request: AWSRequest) -> str:
            key = f"AWS4{SECRET}".encode()
            for part in self._parts(request):
                key = hmac.new(key, part.encode(), hashlib.sha256).digest()
            return hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()

    return Scoped


def dynamodb(operation: str, payload: Mapping[str, Any], **kwargs: Any) -> HttpRequest:
    headers = {
        "X-Amz-Target": f"DynamoDB_20120810.{operation}",
        "Content-Type": "application/x-amz-json-1.0",
    }
    body = json.dumps(payload).encode()
    service = kwargs.pop("service", "dynamodb")
    return signed(service, "POST", f"{ENDPOINT}/", body=body, headers=headers, **kwargs)


def s3(method: str, path: str, body: bytes = b"", **kwargs: Any) -> HttpRequest:
    kwargs.setdefault("signer", S3SigV4Auth)
    return signed(kwargs.pop("service", "s3"), method, f"{ENDPOINT}{path}", body=body, **kwargs)


def retarget(request: HttpRequest, **changes: str | None) -> HttpRequest:
    """``request`` with headers replaced (``None`` removes one), its signature left as it was."""
    lowered = {name.lower(): value for name, value in changes.items()}
    items = [(n, v) for n, v in request.headers.items() if n.lower() not in lowered]
    items += [(n, v) for n, v in changes.items() if v is not None]
    return HttpRequest(request.method, request.path, request.query, Headers(items), request.body)


def resign_headers(request: HttpRequest, transform: Any) -> HttpRequest:
    """``request`` with its Authorization's SignedHeaders list rewritten by ``transform``."""
    authorization = request.headers["authorization"]
    head, _, rest = authorization.partition("SignedHeaders=")
    names, _, tail = rest.partition(",")
    replaced = f"{head}SignedHeaders={';'.join(transform(names.split(';')))},{tail}"
    return retarget(request, Authorization=replaced)


@dataclass
class Refused:
    status: int
    code: str
    message: str
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def brief(self) -> tuple[int, str, str]:
        return self.status, self.code, self.message


def refusal(response: HttpResponse | tuple[int, bytes, Mapping[str, str]]) -> Refused:
    """The error an answer carries, whichever protocol it is in."""
    headers: Mapping[str, str]
    if isinstance(response, HttpResponse):
        status, body, headers = response.status, response.body, response.headers
    else:
        status, body, headers = response
    if body.lstrip().startswith(b"<"):
        root = ET.fromstring(body)
        for element in root.iter():
            element.tag = element.tag.rpartition("}")[2]
        error = root.find("Error") if root.tag == "ErrorResponse" else root
        assert error is not None
        values = {child.tag: child.text or "" for child in error}
        code, message = values.pop("Code"), values.pop("Message")
        for name in ("RequestId", "HostId", "Type"):
            values.pop(name, None)
        return Refused(status, code, message, values)
    document = json.loads(body)
    error_type = next((v for k, v in headers.items() if k.lower() == "x-amzn-errortype"), "")
    code = (document.get("__type") or error_type).rpartition("#")[2].partition(":")[0]
    return Refused(status, code, document.get("message", document.get("Message", "")))


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sign every request at SIGNED_AT, so ``now`` can be placed exactly relative to it."""
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda *_, **__: SIGNED_AT)


@pytest.fixture
def lake(tmp_path: Path, frozen: None) -> Iterator[Lakehose]:
    """A runtime that checks signatures with CREDENTIALS, its clock at SIGNED_AT."""
    settings = Settings(home=tmp_path / "home", credentials=CREDENTIALS)
    with Lakehose(settings=settings, clock=ManualClock(NOW), background=False) as runtime:
        yield runtime


def send(lake: Lakehose, request: HttpRequest) -> HttpResponse:
    return lake.gateway.handle(request)


def refused(lake: Lakehose, request: HttpRequest) -> Refused:
    response = send(lake, request)
    assert response.status >= 400, response.body
    return refusal(response)


def create_table(lake: Lakehose, name: str) -> None:
    payload = {
        "TableName": name,
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
    }
    assert send(lake, dynamodb("CreateTable", payload)).status == 200


def create_bucket(lake: Lakehose, name: str) -> None:
    assert send(lake, s3("PUT", f"/{name}")).status == 200


# -- the credential scope ------------------------------------------------------------------------


def test_scope_date_must_be_the_date_of_the_request(lake: Lakehose) -> None:
    # A signature genuinely valid for its scope, whose scope names the day before X-Amz-Date's.
    request = dynamodb("ListTables", {}, signer=scoped(date="20240430"))
    assert refused(lake, request) == Refused(
        400,
        "InvalidSignatureException",
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from"
        " HTTP: '20240430' != '20240501', from '20240501T120000Z'.",
    )
    request = s3("GET", "/", signer=type("S3Scoped", (scoped(date="20240430"), S3SigV4Auth), {}))
    assert refused(lake, request) == Refused(
        400,
        "AuthorizationHeaderMalformed",
        "The authorization header is malformed; Invalid credential date. Date is not the same as"
        " X-Amz-Date.",
    )
    url = presigned("GET", f"{ENDPOINT}/bucket/key").replace("%2F20240501%2F", "%2F20240430%2F")
    assert refused(lake, to_http("GET", url, {})) == Refused(
        400,
        "AuthorizationQueryParametersError",
        'Invalid credential date "20240430". This date is not the same as X-Amz-Date: "20240501".',
    )


def test_scope_must_name_the_service_the_request_is_for(lake: Lakehose) -> None:
    # Signed correctly, but for STS: DynamoDB (the target decides) must not accept it.
    request = dynamodb("ListTables", {}, service="sts")
    assert refused(lake, request) == Refused(
        400,
        "InvalidSignatureException",
        SCOPED_TO_DYNAMODB,
    )
    # S3, where a scope for a service lakehose does not serve lands.
    headers = {"X-Amz-Content-SHA256": EMPTY_SHA256}
    assert refused(lake, s3("GET", "/", service="ec2", headers=headers)) == Refused(
        400,
        "AuthorizationHeaderMalformed",
        'The authorization header is malformed; incorrect service "ec2". This endpoint belongs'
        ' to "s3".',
    )


def test_scope_must_name_a_region(lake: Lakehose) -> None:
    assert refused(lake, dynamodb("ListTables", {}, region="moon-base-alpha")) == Refused(
        400, "InvalidSignatureException", "Credential should be scoped to a valid region. "
    )
    assert refused(lake, s3("GET", "/", region="moon-base-alpha")) == Refused(
        400,
        "AuthorizationHeaderMalformed",
        "The authorization header is malformed; the region 'moon-base-alpha' is wrong; expecting"
        " 'us-east-1'",
        {"Region": "us-east-1"},
    )
    # lakehose serves every region: any region-shaped one is accepted.
    assert send(lake, dynamodb("ListTables", {}, region="ap-southeast-2")).status == 200
    assert send(lake, s3("GET", "/", region="eu-west-3")).status == 200


def test_scope_must_end_in_aws4_request(lake: Lakehose) -> None:
    request = dynamodb("ListTables", {}, signer=scoped(terminator="aws5_request"))
    assert refused(lake, request) == Refused(
        400,
        "InvalidSignatureException",
        "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'. ",
    )


def test_every_scope_problem_is_named_at_once(lake: Lakehose) -> None:
    request = dynamodb(
        "ListTables", {}, service="kinesis", region="nowhere", signer=scoped(date="20240502")
    )
    assert refused(lake, request).message == (
        "Credential should be scoped to a valid region. Credential should be scoped to correct"
        " service: 'dynamodb'. Date in Credential scope does not match YYYYMMDD from ISO-8601"
        " version of date from HTTP: '20240502' != '20240501', from '20240501T120000Z'."
    )


# -- signed headers ------------------------------------------------------------------------------


def test_host_must_be_signed(lake: Lakehose) -> None:
    def without_host(names: list[str]) -> list[str]:
        return [name for name in names if name != "host"]

    request = resign_headers(dynamodb("ListTables", {}), without_host)
    assert refused(lake, request) == Refused(400, "InvalidSignatureException", HOST_NOT_SIGNED)
    request = resign_headers(s3("GET", "/"), without_host)
    assert refused(lake, request) == Refused(
        403, "AccessDenied", NOT_SIGNED_S3, {"HeadersNotSigned": "host"}
    )


def test_signed_describe_table_cannot_be_replayed_as_delete_table(lake: Lakehose) -> None:
    create_table(lake, "orders")
    describe = dynamodb("DescribeTable", {"TableName": "orders"})
    assert send(lake, describe).status == 200

    # The target header is signed: changing it breaks the signature...
    replayed = retarget(describe, **{"X-Amz-Target": "DynamoDB_20120810.DeleteTable"})
    assert refused(lake, replayed) == Refused(400, "InvalidSignatureException", MISMATCH_JSON)
    # ...and leaving it out of the signed headers is refused before the signature is computed.
    unsigned = resign_headers(replayed, lambda names: [n for n in names if n != "x-amz-target"])
    assert refused(lake, unsigned) == Refused(
        400,
        "InvalidSignatureException",
        "'x-amz-target' must be a 'SignedHeader' in the AWS Authorization.",
    )
    assert send(lake, describe).status == 200  # the table is still there


def test_every_x_amz_header_must_be_signed(lake: Lakehose) -> None:
    headers = {"X-Amz-Target": "Kinesis_20131202.ListStreams"}
    headers["Content-Type"] = "application/x-amz-json-1.1"
    request = signed("kinesis", "POST", f"{ENDPOINT}/", body=b"{}", headers=headers)
    assert send(lake, request).status == 200
    added = retarget(request, **{"X-Amz-Meta-Origin": "attacker"})
    assert refused(lake, added) == Refused(
        400,
        "InvalidSignatureException",
        "'x-amz-meta-origin' must be a 'SignedHeader' in the AWS Authorization.",
    )
    create_bucket(lake, "bucket")
    put = retarget(s3("PUT", "/bucket/key", b"data"), **{"x-amz-acl": "public-read"})
    assert refused(lake, put) == Refused(
        403, "AccessDenied", NOT_SIGNED_S3, {"HeadersNotSigned": "x-amz-acl"}
    )


def test_presigned_put_cannot_become_a_copy(lake: Lakehose) -> None:
    create_bucket(lake, "bucket")
    assert send(lake, s3("PUT", "/bucket/secret", b"for owners only")).status == 200
    url = presigned("PUT", f"{ENDPOINT}/bucket/upload")
    assert send(lake, to_http("PUT", url, {"Content-Length": "6"}, b"upload")).status == 200

    copy = to_http("PUT", url, {"x-amz-copy-source": "/bucket/secret", "x-amz-meta-a": "b"})
    assert refused(lake, copy) == Refused(
        403, "AccessDenied", NOT_SIGNED_S3, {"HeadersNotSigned": "x-amz-copy-source, x-amz-meta-a"}
    )
    got = send(lake, to_http("GET", presigned("GET", f"{ENDPOINT}/bucket/upload"), {}))
    assert (got.status, got.body) == (200, b"upload")


# -- the payload ---------------------------------------------------------------------------------


class _UnsignedPayload(SigV4Auth):
    """A signer that declares UNSIGNED-PAYLOAD, as S3 clients may and no other service allows."""

    def payload(self, request: AWSRequest) -> str:
        return "UNSIGNED-PAYLOAD"

    def headers_to_sign(self, request: AWSRequest) -> Any:
        request.headers["X-Amz-Content-SHA256"] = "UNSIGNED-PAYLOAD"
        return super().headers_to_sign(request)


def test_unsigned_payload_is_honoured_by_s3_only(lake: Lakehose) -> None:
    request = dynamodb("ListTables", {}, signer=_UnsignedPayload)
    assert refused(lake, request) == Refused(400, "InvalidSignatureException", MISMATCH_JSON)

    create_bucket(lake, "bucket")
    config = Config(s3={"payload_signing_enabled": False})
    aws_request = AWSRequest(method="PUT", url=f"{ENDPOINT}/bucket/key", data=b"signed body")
    aws_request.context["client_config"] = config
    S3SigV4Auth(BotoCredentials(KEY_ID, SECRET), "s3", "us-east-1").add_auth(aws_request)
    prepared = aws_request.prepare()
    put = to_http("PUT", prepared.url, prepared.headers, b"any body at all")
    assert put.headers["x-amz-content-sha256"] == "UNSIGNED-PAYLOAD"
    assert send(lake, put).status == 200


def test_declared_body_hash_must_be_the_body_hash(lake: Lakehose) -> None:
    create_bucket(lake, "bucket")
    put = s3("PUT", "/bucket/key", b"the signed body")
    declared = put.headers["x-amz-content-sha256"]
    put.body = b"another body"
    assert refused(lake, put) == Refused(
        400,
        "XAmzContentSHA256Mismatch",
        "The provided 'x-amz-content-sha256' header does not match what was computed.",
        {
            "ClientComputedContentSHA256": declared,
            "S3ComputedContentSHA256": hashlib.sha256(b"another body").hexdigest(),
        },
    )
    # A JSON service hashes the body itself, and a declared hash of another body is a lie.
    lie = {"X-Amz-Content-SHA256": hashlib.sha256(b"other").hexdigest()}
    headers = {"Content-Type": "application/x-amz-json-1.0", **lie}
    headers["X-Amz-Target"] = "DynamoDB_20120810.ListTables"
    request = signed("dynamodb", "POST", f"{ENDPOINT}/", body=b"{}", headers=headers)
    assert refused(lake, request) == Refused(400, "InvalidSignatureException", MISMATCH_JSON)


def test_s3_requires_a_well_formed_content_sha256(lake: Lakehose) -> None:
    request = signed("s3", "GET", f"{ENDPOINT}/")  # a generic signer sends no body hash
    assert refused(lake, request) == Refused(
        400, "InvalidRequest", "Missing required header for this request: x-amz-content-sha256"
    )
    request = signed("s3", "GET", f"{ENDPOINT}/", headers={"X-Amz-Content-SHA256": "UNSIGNED"})
    markers = (
        "UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD,"
        " STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD,"
        " STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER"
    )
    assert refused(lake, request) == Refused(
        400,
        "InvalidArgument",
        f"x-amz-content-sha256 must be {markers} or a valid sha256 value.",
        {"ArgumentName": "x-amz-content-sha256", "ArgumentValue": "UNSIGNED"},
    )


# -- streaming uploads: every chunk is signed ---------------------------------------------------


def chunked_upload(
    key: bytes,
    seed: str,
    timestamp: str,
    scope: str,
    chunks: list[bytes],
    trailer: tuple[str, str] | None = None,
) -> tuple[bytes, list[str]]:
    """An aws-chunked body with each chunk (and a trailer) signed in turn, as SDKs stream one."""
    body, signatures, previous = b"", [], seed

    def chain(*lines: str) -> str:
        text = "\n".join((lines[0], timestamp, scope, previous, *lines[1:]))
        return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()

    for data in [*chunks, b""]:
        previous = chain("AWS4-HMAC-SHA256-PAYLOAD", EMPTY_SHA256, hashlib.sha256(data).hexdigest())
        signatures.append(previous)
        body += f"{len(data):x};chunk-signature={previous}\r\n".encode() + data
        body += b"\r\n" if data else b""
    if trailer is not None:
        canonical = f"{trailer[0]}:{trailer[1]}\n"
        signature = chain(
            "AWS4-HMAC-SHA256-TRAILER", hashlib.sha256(canonical.encode()).hexdigest()
        )
        body += f"{trailer[0]}:{trailer[1]}\r\nx-amz-trailer-signature:{signature}\r\n".encode()
    return body + b"\r\n", signatures


def test_aws_streaming_example_verifies() -> None:
    """The example of AWS's "Signature Calculations ... in Multiple Chunks" documentation."""
    secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    scope = "20130524/us-east-1/s3/aws4_request"
    key = f"AWS4{secret}".encode()
    for part in scope.split("/"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    seed = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
    body, signatures = chunked_upload(
        key, seed, "20130524T000000Z", scope, [b"a" * 65536, b"a" * 1024]
    )
    assert signatures == [
        "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
        "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
        "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9",
    ]
    signed_headers = (
        "content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;"
        "x-amz-decoded-content-length;x-amz-storage-class"
    )
    headers = {
        "Host": "s3.amazonaws.com",
        "x-amz-date": "20130524T000000Z",
        "x-amz-storage-class": "REDUCED_REDUNDANCY",
        "Authorization": f"AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/{scope},"
        f"SignedHeaders={signed_headers},Signature={seed}",
        "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
        "Content-Encoding": "aws-chunked",
        "x-amz-decoded-content-length": "66560",
        "Content-Length": str(len(body)),
    }
    request = HttpRequest("PUT", "/examplebucket/chunkObject.txt", "", Headers(headers), body)
    example = Credentials("AKIAIOSFODNN7EXAMPLE", secret)
    then = float(calendar.timegm((2013, 5, 24, 0, 0, 0)))
    verify_signature(request, example, protocol="rest-xml", service="s3", now=then)

    request.body = body.replace(b"a" * 1024, b"b" * 1024)
    with pytest.raises(ServiceError) as caught:
        verify_signature(request, example, protocol="rest-xml", service="s3", now=then)
    assert (caught.value.error_code, caught.value.message, caught.value.http_status) == (
        "SignatureDoesNotMatch",
        MISMATCH_S3,
        403,
    )


def signed_stream(
    path: str, marker: str, length: int, extra: Mapping[str, str] | None = None
) -> tuple[HttpRequest, bytes]:
    """The headers of a signed streaming upload, and the key its chunks are signed with."""

    class Streaming(S3SigV4Auth):
        def payload(self, request: AWSRequest) -> str:
            return marker

    headers = {
        "X-Amz-Content-SHA256": marker,
        "Content-Encoding": "aws-chunked",
        "X-Amz-Decoded-Content-Length": str(length),
        **(extra or {}),
    }
    request = s3("PUT", path, headers=headers, signer=Streaming)
    key = f"AWS4{SECRET}".encode()
    for part in STREAM_SCOPE.split("/"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return request, key


STREAM_SCOPE = "20240501/us-east-1/s3/aws4_request"


def test_streaming_upload_chunks_must_carry_their_signatures(lake: Lakehose) -> None:
    create_bucket(lake, "bucket")
    request, key = signed_stream("/bucket/streamed", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", 11)
    seed = request.headers["authorization"].rpartition("Signature=")[2]
    timestamp = "20240501T120000Z"
    body, _ = chunked_upload(key, seed, timestamp, STREAM_SCOPE, [b"hello", b" world"])

    request.body = body
    assert send(lake, request).status == 200
    assert send(lake, s3("GET", "/bucket/streamed")).body == b"hello world"

    request.body = body.replace(b"hello", b"HELLO")  # same length, chunk no longer signed
    assert refused(lake, request).brief == (403, "SignatureDoesNotMatch", MISMATCH_S3)
    request.body = b"5\r\nHELLO\r\n6\r\n world\r\n0\r\n\r\n"  # signatures dropped
    assert refused(lake, request).brief == (403, "SignatureDoesNotMatch", MISMATCH_S3)
    assert send(lake, s3("GET", "/bucket/streamed")).body == b"hello world"


def test_streaming_upload_trailer_must_be_signed(lake: Lakehose) -> None:
    create_bucket(lake, "bucket")
    marker = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
    trailer = {"X-Amz-Trailer": "x-amz-checksum-crc32"}
    request, key = signed_stream("/bucket/trailed", marker, 11, trailer)
    seed = request.headers["authorization"].rpartition("Signature=")[2]
    crc = base64.b64encode(zlib.crc32(b"hello world").to_bytes(4, "big")).decode()
    checksum = ("x-amz-checksum-crc32", crc)
    timestamp = "20240501T120000Z"
    body, _ = chunked_upload(key, seed, timestamp, STREAM_SCOPE, [b"hello world"], checksum)

    request.body = body
    assert send(lake, request).status == 200
    # A trailer changed after signing (here, to another valid-looking checksum) is refused.
    request.body = body.replace(crc.encode(), b"AAAAAA==")
    assert refused(lake, request).brief == (403, "SignatureDoesNotMatch", MISMATCH_S3)


# -- presigned URLs ------------------------------------------------------------------------------


def test_presigned_url_lives_at_most_a_week(lake: Lakehose) -> None:
    create_bucket(lake, "bucket")
    week = presigned("GET", f"{ENDPOINT}/bucket", expires=604800)
    assert send(lake, to_http("GET", week, {})).status == 200
    longer = presigned("GET", f"{ENDPOINT}/bucket", expires=604801)
    assert refused(lake, to_http("GET", longer, {})) == Refused(
        400,
        "AuthorizationQueryParametersError",
        "X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires"
        " must be less than 604800 seconds",
    )


def test_expired_presigned_url_is_refused(lake: Lakehose) -> None:
    create_bucket(lake, "bucket")
    url = presigned("GET", f"{ENDPOINT}/bucket", expires=60)
    assert send(lake, to_http("GET", url, {})).status == 200
    assert isinstance(lake.clock, ManualClock)
    lake.clock.advance(61)
    assert refused(lake, to_http("GET", url, {})) == Refused(
        403,
        "AccessDenied",
        "Request has expired",
        {
            "X-Amz-Expires": "60",
            "Expires": "2024-05-01T12:01:00Z",
            "ServerTime": "2024-05-01T12:01:01Z",
        },
    )


def test_both_signature_mechanisms_at_once_are_refused(lake: Lakehose) -> None:
    url = presigned("GET", f"{ENDPOINT}/bucket")
    both = to_http("GET", url, {"Authorization": s3("GET", "/bucket").headers["authorization"]})
    result = refused(lake, both)
    assert (result.status, result.code) == (400, "InvalidArgument")
    assert result.message == (
        "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature"
        " query string parameter or the Authorization header should be specified"
    )
    request = dynamodb("ListTables", {})
    request.query = "X-Amz-Algorithm=AWS4-HMAC-SHA256"
    assert refused(lake, request) == Refused(
        400,
        "InvalidSignatureException",
        "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.",
    )


# -- time ----------------------------------------------------------------------------------------


def test_json_services_allow_five_minutes_of_skew(
    lake: Lakehose, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert isinstance(lake.clock, ManualClock)
    # A client whose clock is 15 minutes ahead of the server's.
    ahead = SIGNED_AT + dt.timedelta(minutes=15)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda *_, **__: ahead)
    assert refused(lake, dynamodb("ListTables", {})) == Refused(
        400,
        "InvalidSignatureException",
        "Signature not yet current: 20240501T121500Z is still later than 20240501T120500Z"
        " (20240501T120000Z + 5 min.)",
    )
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda *_, **__: SIGNED_AT)
    request = dynamodb("ListTables", {})
    lake.clock.advance(300)
    assert send(lake, request).status == 200
    lake.clock.advance(600)  # 20240501T121500Z, ten minutes after the last valid instant
    assert refused(lake, request) == Refused(
        400,
        "InvalidSignatureException",
        "Signature expired: 20240501T120000Z is now earlier than 20240501T121000Z"
        " (20240501T121500Z - 5 min.)",
    )


def test_s3_and_sts_allow_fifteen_minutes_of_skew(lake: Lakehose) -> None:
    assert isinstance(lake.clock, ManualClock)
    create_bucket(lake, "bucket")
    body = b"Action=GetCallerIdentity&Version=2011-06-15"
    form = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    sts = signed("sts", "POST", f"{ENDPOINT}/", body=body, headers=form)
    listing = s3("GET", "/bucket")
    lake.clock.advance(900)
    assert send(lake, listing).status == 200
    assert send(lake, sts).status == 200
    lake.clock.advance(60)
    assert refused(lake, listing) == Refused(
        403,
        "RequestTimeTooSkewed",
        "The difference between the request time and the current time is too large.",
        {
            "RequestTime": "20240501T120000Z",
            "ServerTime": "2024-05-01T12:16:00Z",
            "MaxAllowedSkewMilliseconds": "900000",
        },
    )
    assert refused(lake, sts) == Refused(
        403,
        "SignatureDoesNotMatch",
        "Signature expired: 20240501T120000Z is now earlier than 20240501T120100Z"
        " (20240501T121600Z - 15 min.)",
    )


# -- query protocol (STS) ------------------------------------------------------------------------


def test_sts_words_refusals_as_a_query_service(lake: Lakehose) -> None:
    body = b"Action=GetCallerIdentity&Version=2011-06-15"
    form = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    assert send(lake, signed("sts", "POST", f"{ENDPOINT}/", body=body, headers=form)).status == 200
    wrong = signed("sts", "POST", f"{ENDPOINT}/", body=body, headers=form, secret="wrong")
    assert refused(lake, wrong) == Refused(403, "SignatureDoesNotMatch", MISMATCH_JSON)
    # Unsigned, a request names no service lakehose could route it by; STS's words for it:
    unsigned = to_http("POST", f"{ENDPOINT}/", form, body)
    with pytest.raises(ServiceError) as caught:
        verify_signature(unsigned, CREDENTIALS, protocol="query", service="sts", now=NOW)
    error = caught.value
    assert (error.http_status, error.error_code, error.message) == (
        403,
        "MissingAuthenticationToken",
        "Request is missing Authentication Token",
    )
    wrong_region = signed("sts", "POST", f"{ENDPOINT}/", body=body, headers=form, region="x")
    assert refused(lake, wrong_region) == Refused(
        403, "SignatureDoesNotMatch", "Credential should be scoped to a valid region. "
    )


# -- keys the runtime resolves (STS session credentials) ---------------------------------------


def test_secret_for_resolves_session_keys(frozen: None) -> None:
    session_key, session_secret = "ASIALAKEHOSESESSION1", "session/secret"
    headers = {"X-Amz-Target": "Kinesis_20131202.ListStreams", "X-Amz-Security-Token": "tok"}
    request = AWSRequest(method="POST", url=f"{ENDPOINT}/", data=b"{}", headers=headers)
    SigV4Auth(BotoCredentials(session_key, session_secret), "kinesis", "us-east-1").add_auth(
        request
    )
    prepared = request.prepare()
    http = to_http("POST", prepared.url, prepared.headers, prepared.body)
    assert "x-amz-security-token" in http.headers["authorization"]

    sessions = {session_key: session_secret}
    verify_signature(
        http, CREDENTIALS, protocol="json", service="kinesis", now=NOW, secret_for=sessions.get
    )
    with pytest.raises(ServiceError) as caught:  # by default only the configured key is known
        verify_signature(http, CREDENTIALS, protocol="json", service="kinesis", now=NOW)
    assert (caught.value.error_code, caught.value.message) == (
        "UnrecognizedClientException",
        "The security token included in the request is invalid.",
    )


# -- over HTTP, against `lakehose up` started with credentials -----------------------------------


@pytest.fixture(scope="module")
def guarded_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    env = {"LAKEHOSE_ACCESS_KEY_ID": KEY_ID, "LAKEHOSE_SECRET_ACCESS_KEY": SECRET}
    process = ServerProcess(tmp_path_factory.mktemp("guarded") / "home", env=env)
    yield process
    process.stop()


def over_http(endpoint: str, request: HttpRequest) -> tuple[int, bytes, dict[str, str]]:
    url = f"{endpoint}{request.path}" + (f"?{request.query}" if request.query else "")
    headers = {name: value for name, value in request.headers.items() if name.lower() != "host"}
    outgoing = urllib.request.Request(
        url, data=request.body or None, headers=headers, method=request.method
    )
    try:
        with urllib.request.urlopen(outgoing, timeout=30) as response:
            return response.status, response.read(), dict(response.headers.items())
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers.items())


def test_server_refuses_tampered_requests(guarded_server: ServerProcess) -> None:
    endpoint = guarded_server.endpoint  # signed now, with the server's real clock
    url = f"{endpoint}/"
    target = {"Content-Type": "application/x-amz-json-1.0"}

    def ddb(operation: str, payload: Mapping[str, Any], **kwargs: Any) -> HttpRequest:
        headers = {**target, "X-Amz-Target": f"DynamoDB_20120810.{operation}"}
        service = kwargs.pop("service", "dynamodb")
        body = json.dumps(payload).encode()
        return signed(service, "POST", url, body=body, headers=headers, **kwargs)

    table = {
        "TableName": "replayed",
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
    }
    assert over_http(endpoint, ddb("CreateTable", table))[0] == 200
    describe = ddb("DescribeTable", {"TableName": "replayed"})
    replay = retarget(describe, **{"X-Amz-Target": "DynamoDB_20120810.DeleteTable"})
    assert refusal(over_http(endpoint, replay)) == Refused(
        400, "InvalidSignatureException", MISMATCH_JSON
    )
    assert over_http(endpoint, describe)[0] == 200

    assert refusal(over_http(endpoint, ddb("ListTables", {}, service="sts"))) == Refused(
        400,
        "InvalidSignatureException",
        SCOPED_TO_DYNAMODB,
    )
    day_before = ddb("ListTables", {}, signer=scoped(date="20000101"))
    result = refusal(over_http(endpoint, day_before))
    assert (result.status, result.code) == (400, "InvalidSignatureException")
    assert result.message.startswith(
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from"
        " HTTP: '20000101' != '"
    )

    s3_url = f"{endpoint}/uploads"
    assert over_http(endpoint, signed("s3", "PUT", s3_url, signer=S3SigV4Auth))[0] == 200
    put_url = presigned("PUT", f"{s3_url}/file")
    copy = to_http("PUT", put_url, {"x-amz-copy-source": "/uploads/other"}, b"")
    assert refusal(over_http(endpoint, copy)) == Refused(
        403, "AccessDenied", NOT_SIGNED_S3, {"HeadersNotSigned": "x-amz-copy-source"}
    )
    assert over_http(endpoint, to_http("PUT", put_url, {}, b"upload"))[0] == 200


# -- real clients keep working -------------------------------------------------------------------


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Lakehose]:
    """An in-process runtime on the system clock, checking signatures."""
    settings = Settings(home=tmp_path / "home", credentials=CREDENTIALS)
    with Lakehose(settings=settings, background=False) as runtime:
        yield runtime


def exercise_clients(client: Any, fetch: Any) -> None:
    """Calls through boto3 of every service lakehose serves; ``fetch`` opens presigned URLs."""
    kinesis = client("kinesis")
    kinesis.create_stream(StreamName="signed", ShardCount=1)
    assert "signed" in kinesis.list_streams()["StreamNames"]
    ddb = client("dynamodb")
    ddb.create_table(
        TableName="signed",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    ddb.put_item(TableName="signed", Item={"id": {"S": "1"}})
    assert ddb.get_item(TableName="signed", Key={"id": {"S": "1"}})["Item"]["id"] == {"S": "1"}
    s3 = client("s3", config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))
    s3.create_bucket(Bucket="signed")
    s3.put_object(Bucket="signed", Key="a b+c.txt", Body=b"body")
    assert s3.get_object(Bucket="signed", Key="a b+c.txt")["Body"].read() == b"body"
    params = {"Bucket": "signed", "Key": "presigned.txt"}
    put_url = s3.generate_presigned_url("put_object", Params=params, ExpiresIn=60)
    assert fetch("PUT", put_url, b"via url")[0] == 200
    get_url = s3.generate_presigned_url("get_object", Params=params, ExpiresIn=60)
    assert fetch("GET", get_url, b"")[:2] == (200, b"via url")
    assert client("lambda").list_functions()["Functions"] == []
    assert "WorkGroups" in client("athena").list_work_groups()
    identity = client("sts").get_caller_identity()
    assert identity["Account"] == "000000000000"
    client("firehose").list_delivery_streams()
    client("glue").get_databases()


def test_boto3_clients_work_with_credentials_in_process(live: Lakehose) -> None:
    def client(service: str, **kwargs: Any) -> Any:
        return live.client(service, config=kwargs.pop("config", ONE_TRY), **kwargs)

    def fetch(method: str, url: str, body: bytes) -> tuple[int, bytes]:
        headers = {"Content-Length": str(len(body))} if body else {}
        response = live.gateway.handle(to_http(method, url, headers, body))
        return response.status, response.body

    exercise_clients(client, fetch)
    # Athena's other protocol, awsJson 1.1, as botocore up to 1.44.13 sends it.
    headers = {
        "X-Amz-Target": "AmazonAthena.ListWorkGroups",
        "Content-Type": "application/x-amz-json-1.1",
    }
    aws_request = AWSRequest(method="POST", url=f"{ENDPOINT}/", data=b"{}", headers=headers)
    SigV4Auth(BotoCredentials(KEY_ID, SECRET), "athena", "us-east-1").add_auth(aws_request)
    prepared = aws_request.prepare()
    response = live.gateway.handle(to_http("POST", prepared.url, prepared.headers, prepared.body))
    assert response.status == 200 and b"WorkGroups" in response.body


def test_boto3_clients_work_with_credentials_against_the_server(
    guarded_server: ServerProcess,
) -> None:
    def client(service: str, **kwargs: Any) -> Any:
        return guarded_server.client(
            service,
            aws_access_key_id=KEY_ID,
            aws_secret_access_key=SECRET,
            config=kwargs.pop("config", ONE_TRY),
            **kwargs,
        )

    def fetch(method: str, url: str, body: bytes) -> tuple[int, bytes]:
        status, data, _ = over_http(guarded_server.endpoint, to_http(method, url, {}, body))
        return status, data

    exercise_clients(client, fetch)
