"""SigV4 checking against requests signed by botocore itself, the way clients sign them."""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import json
import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import boto3
import botocore.auth
import pytest
from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth, SigV4Auth
from botocore.awsrequest import AWSPreparedRequest, AWSRequest, AWSResponse
from botocore.compat import HTTPHeaders
from botocore.config import Config
from botocore.credentials import Credentials as BotoCredentials

from lakehose.errors import ServiceError
from lakehose.gateway.http import Headers, HttpRequest
from lakehose.gateway.sigv4 import SignatureInfo, read_signature, verify_signature
from lakehose.settings import Credentials

KEY_ID = "AKIALAKEHOSESIGV40001"
SECRET = "sigv4/secret+for-tests"
OTHER_KEY_ID = "AKIANOBODYKNOWSTHIS0"
CREDENTIALS = Credentials(KEY_ID, SECRET)
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
ENDPOINT = "http://localhost:4566"
SIGNED_AT = dt.datetime(2024, 5, 1, 12, 0, 0)  # botocore's clock, naive UTC
NOW = float(calendar.timegm(SIGNED_AT.timetuple()))
S3_KEY = "reports/2024 Q1/naïve+plan €~(final).csv"
LAMBDA_ARN = "arn:aws:lambda:us-east-1:000000000000:function:orders-fn"
UNKNOWN_JSON = "The security token included in the request is invalid."
UNKNOWN_S3 = "The AWS Access Key Id you provided does not exist in our records."
MISMATCH_JSON = (
    "The request signature we calculated does not match the signature you provided. Check your"
    " AWS Secret Access Key and signing method. Consult the service documentation for details."
)


@pytest.fixture(autouse=True)
def frozen_signing_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sign every request at SIGNED_AT, so ``now`` can be placed exactly relative to it."""
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda *_, **__: SIGNED_AT)


# -- building requests as they arrive on the wire ---------------------------------------------


def to_http(
    method: str, url: str, headers: Mapping[str, Any] | HTTPHeaders, body: Any
) -> HttpRequest:
    """What a server receives for ``url``: the path and query still percent-encoded."""
    parts = urlsplit(url)
    items = [(k, v.decode() if isinstance(v, bytes) else str(v)) for k, v in headers.items()]
    if not any(name.lower() == "host" for name, _ in items):
        items.append(("Host", parts.netloc))  # the HTTP client adds it from the URL
    if hasattr(body, "read"):
        body = body.read()
    elif isinstance(body, str):
        body = body.encode()
    return HttpRequest(method, parts.path or "/", parts.query, Headers(items), body or b"")


def sign(
    signer: type[SigV4Auth],
    service: str,
    method: str,
    url: str,
    *,
    body: bytes = b"",
    headers: Mapping[str, str] | None = None,
    key_id: str = KEY_ID,
    secret: str = SECRET,
    context: Mapping[str, Any] | None = None,
) -> HttpRequest:
    request = AWSRequest(method=method, url=url, data=body, headers=dict(headers or {}))
    request.context.update(context or {})
    signer(BotoCredentials(key_id, secret), service, "us-east-1").add_auth(request)
    prepared = request.prepare()
    return to_http(prepared.method, prepared.url, prepared.headers, prepared.body)


def presign(method: str, url: str, *, expires: int = 300, secret: str = SECRET) -> str:
    request = AWSRequest(method=method, url=url)
    S3SigV4QueryAuth(BotoCredentials(KEY_ID, secret), "s3", "us-east-1", expires).add_auth(request)
    return str(request.prepare().url)


def fetch(url: str, method: str = "GET", body: bytes = b"") -> HttpRequest:
    """A presigned URL used by a plain HTTP client such as curl: no AWS headers at all."""
    headers = {"Content-Length": str(len(body))} if body else {}
    return to_http(method, url, headers, body)


def kinesis_request(
    *, key_id: str = KEY_ID, secret: str = SECRET, headers: Mapping[str, str] | None = None
) -> HttpRequest:
    body = json.dumps({"StreamName": "orders", "Data": "aGk=", "PartitionKey": "p"}).encode()
    target = {"X-Amz-Target": "Kinesis_20131202.PutRecord"}
    headers = {**target, "Content-Type": "application/x-amz-json-1.1", **(headers or {})}
    url = f"{ENDPOINT}/"
    return sign(
        SigV4Auth, "kinesis", "POST", url, body=body, headers=headers, key_id=key_id, secret=secret
    )


def lambda_request(*, key_id: str = KEY_ID, secret: str = SECRET) -> HttpRequest:
    # Path labels reach the wire percent-encoded (":" as %3A); SigV4Auth encodes them again.
    url = f"{ENDPOINT}/2015-03-31/functions/{quote(LAMBDA_ARN, safe='')}?Qualifier=%24LATEST"
    return sign(SigV4Auth, "lambda", "GET", url, key_id=key_id, secret=secret)


def s3_request(*, key_id: str = KEY_ID, secret: str = SECRET, **extra: Any) -> HttpRequest:
    url = f"{ENDPOINT}/bucket/{quote(S3_KEY, safe='/~')}"
    body = b"id,total\n1,9.99\n"
    return sign(S3SigV4Auth, "s3", "PUT", url, body=body, key_id=key_id, secret=secret, **extra)


BUILDERS: dict[str, Callable[..., HttpRequest]] = {
    "json": kinesis_request,
    "rest-json": lambda_request,
    "rest-xml": s3_request,
}


def verify(request: HttpRequest, protocol: str, *, now: float = NOW) -> None:
    """Check ``request`` for the service its own scope names (S3 when it names none)."""
    service = read_signature(request).service or "s3"
    verify_signature(request, CREDENTIALS, protocol=protocol, service=service, now=now)


def refused(request: HttpRequest, protocol: str, *, now: float = NOW) -> ServiceError:
    with pytest.raises(ServiceError) as caught:
        verify(request, protocol, now=now)
    assert caught.value.is_sender_fault
    return caught.value


# -- correctly signed requests pass --------------------------------------------------------------


def test_json_post_with_body_and_target_passes() -> None:
    verify(kinesis_request(), "json", now=NOW)


def test_lambda_path_is_signed_encoded_twice() -> None:
    request = lambda_request()
    assert "%3A" in request.path and request.query == "Qualifier=%24LATEST"
    verify(request, "rest-json", now=NOW)
    # Signed as S3 signs (path as sent, the body hash S3 requires declared) it no longer matches.
    url = f"{ENDPOINT}{request.path}?{request.query}"
    request = sign(SigV4Auth, "s3", "GET", url, headers={"X-Amz-Content-SHA256": EMPTY_SHA256})
    assert refused(request, "rest-xml").error_code == "SignatureDoesNotMatch"


def test_s3_key_with_spaces_unicode_and_plus_passes() -> None:
    request = s3_request()
    assert "%20" in request.path and "%2B" in request.path and "%E2%82%AC" in request.path
    verify(request, "rest-xml", now=NOW)
    # Non-S3 services encode the path a second time, which S3 clients never do.
    assert refused(request, "json").error_code == "InvalidSignatureException"


def test_non_s3_path_is_normalized_like_botocore() -> None:
    url = f"{ENDPOINT}/2015-03-31//functions/other/../orders-fn/./policy/"
    request = sign(SigV4Auth, "lambda", "GET", url)
    assert request.path == "/2015-03-31//functions/other/../orders-fn/./policy/"  # as sent
    verify(request, "rest-json", now=NOW)


def test_query_parameters_are_sorted_and_encoded() -> None:
    url = f"{ENDPOINT}/bucket?prefix=a%20b%2F%2B&list-type=2&encoding-type=url&uploads"
    verify(sign(S3SigV4Auth, "s3", "GET", url), "rest-xml", now=NOW)


def test_s3_unsigned_payload_ignores_the_body() -> None:
    config = Config(s3={"payload_signing_enabled": False})
    request = s3_request(context={"client_config": config})
    assert request.headers["x-amz-content-sha256"] == "UNSIGNED-PAYLOAD"
    request.body = b"a different body"
    verify(request, "rest-xml", now=NOW)


@pytest.mark.parametrize(
    "marker",
    [
        "UNSIGNED-PAYLOAD",
        "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
    ],
)
def test_literal_payload_markers_are_signed_as_they_stand(marker: str) -> None:
    def payload(self: S3SigV4Auth, request: AWSRequest) -> str:
        return marker

    signer = type("MarkerSigner", (S3SigV4Auth,), {"payload": payload})
    url = f"{ENDPOINT}/bucket/chunked"
    request = sign(signer, "s3", "PUT", url, body=b"5;chunk-signature=...\r\nhello\r\n0\r\n")
    assert request.headers["x-amz-content-sha256"] == marker
    verify(request, "rest-xml", now=NOW)


@pytest.mark.parametrize("method", ["GET", "PUT"])
def test_s3_presigned_url_passes_until_it_expires(method: str) -> None:
    url = presign(method, f"{ENDPOINT}/bucket/{quote(S3_KEY, safe='/~')}", expires=300)
    body = b"uploaded through a presigned URL" if method == "PUT" else b""
    request = fetch(url, method, body)
    verify(request, "rest-xml", now=NOW)
    verify(request, "rest-xml", now=NOW + 300)

    error = refused(request, "rest-xml", now=NOW + 301)
    assert (error.error_code, error.http_status) == ("AccessDenied", 403)
    assert error.message == "Request has expired"


def boto3_client(service: str, secret: str = SECRET, **config: Any) -> Any:
    return boto3.client(  # type: ignore[call-overload]  # the service is only known at runtime
        service,
        endpoint_url=ENDPOINT,
        region_name="us-east-1",
        aws_access_key_id=KEY_ID,
        aws_secret_access_key=secret,
        config=Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"}, **config),
    )


def test_s3_presigned_urls_from_boto3_pass(aws_env: None) -> None:
    client = boto3_client("s3", signature_version="s3v4")
    for method, operation in (("GET", "get_object"), ("PUT", "put_object")):
        params = {"Bucket": "bucket", "Key": S3_KEY}
        url = client.generate_presigned_url(operation, Params=params, ExpiresIn=60)
        verify(fetch(url, method, b"x"), "rest-xml", now=NOW)
        expired = refused(fetch(url, method), "rest-xml", now=NOW + 61)
        assert expired.message == "Request has expired"


def test_boto3_default_sigv2_presigned_url_is_refused(aws_env: None) -> None:
    # Without signature_version="s3v4", botocore presigns S3 URLs with SigV2 in us-east-1.
    url = boto3_client("s3").generate_presigned_url(
        "get_object", Params={"Bucket": "b", "Key": "k"}
    )
    assert "AWSAccessKeyId=" in url
    error = refused(fetch(url), "rest-xml")
    assert (error.error_code, error.http_status) == ("InvalidRequest", 400)
    assert error.message.endswith("Please use AWS4-HMAC-SHA256.")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("X-Amz-Date=", "X-Amz-Nothing="), "requires the X-Amz-Algorithm"),
        (("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA1"), "X-Amz-Algorithm only supports"),
        (("X-Amz-Expires=300", "X-Amz-Expires=604801"), "X-Amz-Expires must be"),
        (("X-Amz-Expires=300", "X-Amz-Expires=soon"), "X-Amz-Expires should be a number"),
        (("X-Amz-Expires=300", "X-Amz-Expires=-1"), "X-Amz-Expires must be non-negative"),
        (("X-Amz-Date=20240501T", "X-Amz-Date=20241301T"), "X-Amz-Date must be"),
        (("%2Fus-east-1%2F", "%2F"), "Error parsing the X-Amz-Credential parameter"),
    ],
)
def test_malformed_presigned_url_is_refused(change: tuple[str, str], message: str) -> None:
    url = presign("GET", f"{ENDPOINT}/bucket/key").replace(*change)
    error = refused(fetch(url), "rest-xml")
    assert (error.error_code, error.http_status) == ("AuthorizationQueryParametersError", 400)
    assert message in error.message
    assert refused(fetch(url), "json").error_code == "IncompleteSignatureException"


def test_presigned_url_with_a_wrong_signature_is_refused() -> None:
    url = presign("GET", f"{ENDPOINT}/bucket/key", secret="not-the-secret")
    assert refused(fetch(url), "rest-xml").error_code == "SignatureDoesNotMatch"


# -- refusals, in each protocol's words ------------------------------------------------------


@pytest.mark.parametrize(
    ("protocol", "code", "message", "status"),
    [
        ("json", "InvalidSignatureException", MISMATCH_JSON, 400),
        ("rest-json", "InvalidSignatureException", MISMATCH_JSON, 403),
        (
            "rest-xml",
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided."
            " Check your key and signing method.",
            403,
        ),
    ],
)
def test_wrong_secret_is_refused(protocol: str, code: str, message: str, status: int) -> None:
    error = refused(BUILDERS[protocol](secret="not-the-secret"), protocol)
    assert (error.error_code, error.message, error.http_status) == (code, message, status)
    if protocol == "rest-xml":  # S3 shows what it signed, to diff against the client's own
        assert error.fields["CanonicalRequest"].startswith("PUT\n/bucket/reports/2024%20Q1/")
        assert error.fields["AWSAccessKeyId"] == KEY_ID


@pytest.mark.parametrize(
    ("protocol", "code", "message", "status"),
    [
        ("json", "UnrecognizedClientException", UNKNOWN_JSON, 400),
        ("rest-json", "UnrecognizedClientException", UNKNOWN_JSON, 403),
        ("rest-xml", "InvalidAccessKeyId", UNKNOWN_S3, 403),
    ],
)
def test_unknown_access_key_is_refused(protocol: str, code: str, message: str, status: int) -> None:
    error = refused(BUILDERS[protocol](key_id=OTHER_KEY_ID), protocol)
    assert (error.error_code, error.message, error.http_status) == (code, message, status)


@pytest.mark.parametrize(
    ("protocol", "code", "message", "status"),
    [
        ("json", "MissingAuthenticationTokenException", "Missing Authentication Token", 400),
        ("rest-json", "MissingAuthenticationTokenException", "Missing Authentication Token", 403),
        ("rest-xml", "AccessDenied", "Access Denied", 403),
    ],
)
def test_unsigned_request_is_refused(protocol: str, code: str, message: str, status: int) -> None:
    request = HttpRequest("GET", "/bucket/key", headers=Headers({"Host": "localhost:4566"}))
    error = refused(request, protocol)
    assert (error.error_code, error.message, error.http_status) == (code, message, status)


def test_unsigned_dynamodb_request_uses_dynamodb_wording() -> None:
    headers = Headers({"Host": "localhost:4566", "X-Amz-Target": "DynamoDB_20120810.ListTables"})
    error = refused(HttpRequest("POST", "/", headers=headers, body=b"{}"), "json")
    assert error.error_code == "MissingAuthenticationTokenException"
    assert error.message == "Request is missing Authentication Token"


@pytest.mark.parametrize(
    ("protocol", "code", "status"),
    [
        ("json", "IncompleteSignatureException", 400),
        ("rest-json", "IncompleteSignatureException", 403),
        ("rest-xml", "AuthorizationHeaderMalformed", 400),
    ],
)
@pytest.mark.parametrize(
    "authorization",
    [
        f"AWS4-HMAC-SHA256 Credential={KEY_ID}/20240501/us-east-1/s3/aws4_request",
        f"AWS4-HMAC-SHA256 Credential={KEY_ID}/20240501/us-east-1, SignedHeaders=host, "
        "Signature=abc",
    ],
)
def test_malformed_authorization_is_refused(
    protocol: str, code: str, status: int, authorization: str
) -> None:
    headers = {"Host": "localhost:4566", "X-Amz-Date": "20240501T120000Z"}
    request = HttpRequest("GET", "/", headers=Headers({**headers, "Authorization": authorization}))
    error = refused(request, protocol)
    assert (error.error_code, error.http_status) == (code, status)
    assert error.message


def test_s3_refuses_signature_version_2() -> None:
    headers = Headers({"Host": "localhost:4566", "Authorization": f"AWS {KEY_ID}:c2lnbmF0dXJl"})
    error = refused(HttpRequest("GET", "/bucket/key", headers=headers), "rest-xml")
    assert (error.error_code, error.http_status) == ("InvalidRequest", 400)


@pytest.mark.parametrize(
    ("protocol", "code", "status"),
    [
        ("json", "IncompleteSignatureException", 400),
        ("rest-json", "IncompleteSignatureException", 403),
        ("rest-xml", "AccessDenied", 403),
    ],
)
def test_request_without_x_amz_date_is_refused(protocol: str, code: str, status: int) -> None:
    # botocore signs a Date header instead only when the caller set one; lakehose wants X-Amz-Date.
    request = BUILDERS[protocol]()
    request.headers = Headers((k, v) for k, v in request.headers.items() if k != "X-Amz-Date")
    error = refused(request, protocol)
    assert (error.error_code, error.http_status) == (code, status)


@pytest.mark.parametrize(
    ("protocol", "code", "status", "minutes"),
    [
        ("json", "InvalidSignatureException", 400, 5),
        ("rest-json", "InvalidSignatureException", 403, 5),
        ("rest-xml", "RequestTimeTooSkewed", 403, 15),
    ],
)
@pytest.mark.parametrize("direction", [-1, 1], ids=["client-ahead", "client-behind"])
def test_skewed_clock_is_refused(
    protocol: str, code: str, status: int, minutes: int, direction: int
) -> None:
    request = BUILDERS[protocol]()
    verify(request, protocol, now=NOW + direction * minutes * 60)
    error = refused(request, protocol, now=NOW + direction * (minutes * 60 + 1))
    assert (error.error_code, error.http_status) == (code, status)


def test_skew_messages_match_aws() -> None:
    late = refused(kinesis_request(), "json", now=NOW + 6 * 60)
    assert late.message == (
        "Signature expired: 20240501T120000Z is now earlier than 20240501T120100Z"
        " (20240501T120600Z - 5 min.)"
    )
    early = refused(kinesis_request(), "json", now=NOW - 6 * 60)
    assert early.message == (
        "Signature not yet current: 20240501T120000Z is still later than 20240501T115900Z"
        " (20240501T115400Z + 5 min.)"
    )
    s3 = refused(s3_request(), "rest-xml", now=NOW + 16 * 60)
    assert (
        s3.message == "The difference between the request time and the current time is too large."
    )


def test_tampered_body_is_refused() -> None:
    request = kinesis_request()
    request.body = request.body.replace(b"orders", b"audits")
    assert refused(request, "json").error_code == "InvalidSignatureException"

    # S3 signs the declared body hash, then finds that the body does not match it.
    request = s3_request()
    request.body = b"tampered"
    error = refused(request, "rest-xml")
    assert (error.error_code, error.http_status) == ("XAmzContentSHA256Mismatch", 400)


# -- read_signature ----------------------------------------------------------------------------


def test_read_signature_from_the_authorization_header() -> None:
    assert read_signature(kinesis_request()) == SignatureInfo(KEY_ID, "us-east-1", "kinesis", False)
    assert read_signature(lambda_request()).service == "lambda"


def test_read_signature_from_a_presigned_url() -> None:
    request = fetch(presign("GET", f"{ENDPOINT}/bucket/key"))
    assert read_signature(request) == SignatureInfo(KEY_ID, "us-east-1", "s3", True)


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer token", f"AWS {KEY_ID}:c2ln", "AWS4-HMAC-SHA256 Credential=a/b/c"],
)
def test_read_signature_of_unsigned_or_malformed_requests(authorization: str | None) -> None:
    headers = Headers({"Authorization": authorization} if authorization is not None else {})
    empty = SignatureInfo(None, None, None, False)
    assert read_signature(HttpRequest("GET", "/", headers=headers)) == empty
    assert read_signature(HttpRequest("GET", "/", "X-Amz-Credential=nonsense")) == empty


# -- end to end: boto3's own request path -------------------------------------------------------


class _RawBody:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Keep the machine's AWS profile, endpoint overrides and config files out of the clients."""
    for name in list(os.environ):
        if name.startswith(("AWS_", "BOTO_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))


def _verified_calls(
    service: str, protocol: str, secret: str, call: Callable[[Any], object], reply: bytes
) -> list[tuple[HttpRequest, ServiceError | None]]:
    """Run ``call`` on a real boto3 client; check each request it would send, send none."""
    client = boto3_client(service, secret)
    outcomes: list[tuple[HttpRequest, ServiceError | None]] = []

    def before_send(request: AWSPreparedRequest, **_: Any) -> AWSResponse:
        received = to_http(request.method, request.url, request.headers, request.body)
        try:
            verify(received, protocol, now=NOW)
            outcomes.append((received, None))
        except ServiceError as error:
            outcomes.append((received, error))
        return AWSResponse(request.url, 200, HTTPHeaders(), _RawBody(reply))

    client.meta.events.register("before-send", before_send)
    call(client)
    return outcomes


E2E: list[tuple[str, str, Callable[[Any], object], bytes, str]] = [
    (
        "kinesis",
        "json",
        lambda c: c.put_record(StreamName="orders", Data=b"hello", PartitionKey="p"),
        b'{"ShardId": "shardId-000000000000", "SequenceNumber": "1"}',
        "InvalidSignatureException",
    ),
    (
        "lambda",
        "rest-json",
        lambda c: c.get_function(FunctionName=LAMBDA_ARN, Qualifier="live"),
        b"{}",
        "InvalidSignatureException",
    ),
    (
        "s3",
        "rest-xml",
        lambda c: c.put_object(Bucket="bucket", Key=S3_KEY, Body=b"id,total\n1,9.99\n"),
        b"",
        "SignatureDoesNotMatch",
    ),
]


@pytest.mark.parametrize(
    ("service", "protocol", "call", "reply", "code"), E2E, ids=[case[0] for case in E2E]
)
def test_boto3_clients_sign_what_we_verify(
    aws_env: None,
    service: str,
    protocol: str,
    call: Callable[[Any], object],
    reply: bytes,
    code: str,
) -> None:
    [(received, error)] = _verified_calls(service, protocol, SECRET, call, reply)
    assert error is None, error
    assert read_signature(received) == SignatureInfo(KEY_ID, "us-east-1", service, False)
    if service == "s3":
        # Over plain http boto3 signs the body's SHA-256 and sends its CRC32 in a signed header.
        body_hash = hashlib.sha256(received.body).hexdigest()
        assert received.headers["x-amz-content-sha256"] == body_hash
        assert "x-amz-checksum-crc32;" in received.headers["authorization"]

    [(_, error)] = _verified_calls(service, protocol, "not-the-secret", call, reply)
    assert error is not None and error.error_code == code
