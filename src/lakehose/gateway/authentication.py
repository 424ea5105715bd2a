"""Who may call an API: signed requests only, or anonymous reads a bucket policy makes public.

Why every request must be signed even when lakehose checks no key: a web page can make the
browser send a "simple" cross-site request (a form POST, an ``<img>``), but it can never add an
``Authorization`` header or, without CORS approval, any custom header. Requiring the SigV4
structure is what keeps a page on another site from reaching an engine, whatever else fails.

The rules, in the order the dispatcher applies them:

1. Some requests are served unsigned, as AWS serves them: operations whose model declares no
   authentication (STS ``AssumeRoleWithWebIdentity`` and ``AssumeRoleWithSAML``: the token in
   the body is the credential), and S3 ``GET``/``HEAD`` reads that the bucket's policy grants to
   everyone (``Principal: "*"``, ``anonymous.py``).
2. With credentials configured, ``sigv4.verify_signature`` checks every AWS rule.
3. Without, any key is accepted, but the request must carry a complete SigV4 ``Authorization``
   header (algorithm, ``Credential`` with five scope parts, ``SignedHeaders``, ``Signature``, and
   an ``X-Amz-Date`` or ``Date``) or a complete presigned query. Anything less gets the error
   the service sends for it: ``MissingAuthenticationTokenException`` (JSON), ``AccessDenied``
   (S3), ..., as ``sigv4`` words them.

``GET /`` without a signature, on a host that is not an S3 virtual host, is DynamoDB's health
check: AWS answers it ``200 healthy: dynamodb.<region>.amazonaws.com`` (with a trailing space,
as recorded by dynalite's tests against DynamoDB), and SDK tooling uses it to wait for an endpoint.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable

from botocore.model import OperationModel

from lakehose.gateway.anonymous import PolicyReader, public_read
from lakehose.gateway.http import HttpRequest, HttpResponse
from lakehose.gateway.sigv4 import (
    ALGORITHM,
    SecretResolver,
    check_presigned_lifetime,
    read_signature,
    verify_signature,
)
from lakehose.settings import Credentials

# A key no request can name (credential scopes have five non-empty parts): verify_signature with
# it reports what is missing from a malformed signature, and refuses any complete one.
_NOBODY = Credentials("", "")
_PRESIGN_MARKERS = ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature")
_PRESIGN_PARAMS = (*_PRESIGN_MARKERS, "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Expires")
_SIGV2_PARAMS = ("AWSAccessKeyId", "Signature")
_TIMESTAMP = re.compile(r"\d{8}T\d{6}Z", re.ASCII)
_FIELD = re.compile(r"(\w+)=([^,\s]*)")
_S3_HOST = re.compile(r"(^|\.)s3([.-]|$)|\.localhost$")


def is_unsigned(request: HttpRequest) -> bool:
    """No ``Authorization`` header and no signature in the query (SigV4 or SigV2)."""
    if "authorization" in request.headers:
        return False
    params = request.query_params()
    return not any(name in params for name in (*_PRESIGN_MARKERS, *_SIGV2_PARAMS))


def authenticate(
    request: HttpRequest,
    *,
    protocol: str,
    service: str,
    credentials: Credentials | None,
    now: float,
    served_unsigned: Callable[[], bool] = lambda: False,
    secret_for: SecretResolver | None = None,
) -> None:
    """Raise the service's own error unless ``request`` (as signed) may reach an engine.

    ``service`` is the signing name the credential scope must carry when credentials are
    checked; ``served_unsigned`` says whether this request may come without any signature;
    ``secret_for`` resolves the keys accepted besides the configured one (STS sessions).
    """
    if is_unsigned(request) and served_unsigned():
        return
    if credentials is not None:
        verify_signature(
            request,
            credentials,
            protocol=protocol,
            service=service,
            now=now,
            secret_for=secret_for,
        )
    elif not has_signature_structure(request):
        # verify_signature's first step is reading the signature; with a key nobody holds it
        # raises the error AWS sends for exactly what is missing or malformed.
        verify_signature(request, _NOBODY, protocol=protocol, service=service, now=now)
        raise AssertionError("no request is signed by nobody")  # pragma: no cover
    else:
        check_presigned_lifetime(request, protocol=protocol, now=now)


def served_unsigned(
    routed: HttpRequest,
    protocol: str,
    operation: OperationModel | None,
    policies: Callable[[], PolicyReader],
) -> bool:
    """Whether AWS serves this unsigned request: its operation needs no authentication, or it is
    an S3 read the bucket policy makes public (``routed`` is the request in path style)."""
    if operation is not None and (
        operation.auth_type == "none" or "smithy.api#noAuth" in (operation.auth or [])
    ):
        return True
    return protocol == "rest-xml" and public_read(routed, policies())


def has_signature_structure(request: HttpRequest) -> bool:
    """Whether ``request`` carries a complete SigV4 signature, whoever made it."""
    params = request.query_params()
    if any(name in params for name in _PRESIGN_MARKERS):
        values = {name: params.get(name, [""])[0] for name in _PRESIGN_PARAMS}
        complete = all(values.values()) and values["X-Amz-Algorithm"] == ALGORITHM
        if not complete or not _TIMESTAMP.fullmatch(values["X-Amz-Date"]):
            return False
    else:
        header = request.headers.get("authorization", "")
        algorithm, _, rest = header.strip().partition(" ")
        fields = dict(_FIELD.findall(rest))
        if algorithm != ALGORITHM or not all(
            fields.get(name) for name in ("Credential", "SignedHeaders", "Signature")
        ):
            return False
        # SigV4 dates a request by X-Amz-Date, else by the HTTP Date header.
        timestamp = request.headers.get("x-amz-date")
        if not (_TIMESTAMP.fullmatch(timestamp) if timestamp else request.headers.get("date")):
            return False
    return read_signature(request).access_key_id is not None


def dynamodb_health(request: HttpRequest, region: str, request_id: str) -> HttpResponse | None:
    """DynamoDB's answer to an unsigned ``GET /``, or ``None`` for any other request."""
    host = request.host.rsplit(":", 1)[0] if request.host.count(":") == 1 else request.host
    if (
        request.method != "GET"
        or request.path != "/"
        or request.query
        or not is_unsigned(request)
        or _S3_HOST.search(host.lower())
    ):
        return None
    body = f"healthy: dynamodb.{region}.amazonaws.com ".encode()
    headers = {
        "Content-Type": "text/plain",
        "Content-Length": str(len(body)),
        "x-amzn-RequestId": request_id,
        "x-amz-crc32": str(zlib.crc32(body)),
    }
    return HttpResponse(200, headers, body)
