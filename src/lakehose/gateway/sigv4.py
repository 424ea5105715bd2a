"""AWS Signature Version 4, checked by rebuilding the canonical request the way botocore does.

The signature travels in the ``Authorization`` header or, for presigned URLs, in ``X-Amz-*``
query parameters. ``verify_signature`` checks, in AWS's order:

1. the signature's parts are all there and well formed (both mechanisms at once are refused);
2. its date is within the clock skew AWS allows (5 minutes for JSON services, 15 for S3 and
   STS), or, for a presigned URL, between its date and its expiry (at most 7 days);
3. ``host`` and every ``x-amz-*`` header the request carries are among the signed headers (so a
   signed ``DescribeTable`` cannot be replayed as ``DeleteTable``, nor a presigned PUT turned
   into a copy);
4. the credential scope names a region, the service the request is for, ``aws4_request``, and the
   date of the request;
5. the access key is known (the configured one, or any the caller resolves);
6. the payload hash: the body's SHA-256 everywhere but S3, where ``x-amz-content-sha256`` must be
   present and is signed as it stands (``UNSIGNED-PAYLOAD``, ``STREAMING-...`` or a hash);
7. the signature matches; then a declared body hash must match the body, and each chunk of a
   signed streaming upload its chunk signature.

Failures raise the code, message and status AWS answers each protocol with (``sigv4_errors``).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable
from dataclasses import dataclass

from lakehose.errors import ServiceError
from lakehose.gateway import sigv4_errors as aws
from lakehose.gateway.http import HttpRequest
from lakehose.gateway.sigv4_canonical import (
    canonical_request,
    format_iso,
    format_timestamp,
    parse_http_date,
    parse_timestamp,
    sign,
    signing_key,
    string_to_sign,
)
from lakehose.gateway.sigv4_streaming import verify_chunk_signatures
from lakehose.scopes import is_region
from lakehose.settings import Credentials

ALGORITHM = aws.ALGORITHM
MAX_EXPIRES = 7 * 24 * 3600  # longest lifetime S3 grants a presigned URL
# Seconds a request's date may be from the server's clock: S3 and STS allow 15 minutes, the
# Coral-based JSON services 5.
_SKEW = {"rest-xml": 15 * 60, "query": 15 * 60}
_DEFAULT_SKEW = 5 * 60
# The X-Amz-<name> query parameters of a presigned URL; any of the first three marks one.
_PRESIGN = ("Algorithm", "Credential", "Signature", "Date", "SignedHeaders", "Expires")
_AUTH_FIELD = re.compile(r"(\w+)=([^,\s]*)")  # Name=value pairs of an Authorization header
_SHA256_HEX = re.compile(r"[0-9a-fA-F]{64}")
_CONTENT_SHA256 = "x-amz-content-sha256"
_SIGNED_STREAM = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"  # and its -TRAILER form

SecretResolver = Callable[[str], str | None]


@dataclass(frozen=True)
class SignatureInfo:
    """Who signed a request, for which region and service; all ``None`` when unsigned."""

    access_key_id: str | None = None
    region: str | None = None
    service: str | None = None
    presigned: bool = False


@dataclass(frozen=True)
class _Signature:
    """A SigV4 signature's parts, wherever in the request they travelled."""

    credential: str  # "<key id>/<yyyymmdd>/<region>/<service>/aws4_request", as sent
    signed_headers: tuple[str, ...]
    signature: str
    timestamp: str  # X-Amz-Date (or the Date header's instant) as yyyyMMdd'T'HHmmss'Z'
    signed_at: float  # the same instant, in seconds since the epoch
    expires: int | None  # lifetime in seconds; presigned URLs only

    @property
    def presigned(self) -> bool:
        return self.expires is not None

    @property
    def parts(self) -> list[str]:
        return self.credential.split("/")

    @property
    def scope(self) -> str:
        return self.credential.partition("/")[2]


def read_signature(request: HttpRequest) -> SignatureInfo:
    """The credential scope a request claims, without checking anything; never raises."""
    credential = request.query_params().get("X-Amz-Credential", [None])[0]
    presigned = credential is not None
    if credential is None:
        credential = _auth_fields(request.headers.get("authorization", ""))[1].get("Credential")
    parts = (credential or "").split("/")
    if len(parts) != 5 or not all(parts):
        return SignatureInfo()
    return SignatureInfo(parts[0], parts[2], parts[3], presigned)


def check_presigned_lifetime(request: HttpRequest, *, protocol: str, now: float) -> None:
    """A presigned URL expires whoever signed it: its lifetime holds even when no key is
    checked (``AccessDenied`` "Request has expired" once it is over)."""
    if "X-Amz-Credential" not in request.query_params():
        return
    sig = _parse(request, protocol)
    if sig.expires is not None:
        _check_time(sig, protocol, now)


def verify_signature(
    request: HttpRequest,
    credentials: Credentials,
    *,
    protocol: str,
    service: str,
    now: float,
    secret_for: SecretResolver | None = None,
) -> None:
    """Raise the ``ServiceError`` AWS would send unless ``request`` is signed for ``service``.

    ``service`` is the signing name of the service the request was routed to (``dynamodb`` for
    DynamoDB Streams too). The secret of the signing key comes from ``secret_for`` (``None`` for
    an unknown key); by default only ``credentials``' key is known.
    """
    sig = _parse(request, protocol)
    _check_time(sig, protocol, now)
    _check_signed_headers(request, sig, protocol)
    _check_scope(sig, protocol, service)
    key_id = sig.parts[0]
    resolve = secret_for or (lambda key: _configured_secret(credentials, key))
    secret = resolve(key_id)
    if secret is None:
        json_error = (aws.UNRECOGNIZED, aws.UNKNOWN_KEY_JSON)
        s3_error = ("InvalidAccessKeyId", aws.UNKNOWN_KEY_S3, 403)
        raise aws.refusal(protocol, json_error, s3_error, {"AWSAccessKeyId": key_id})
    payload = _payload_hash(request, sig, protocol)
    canonical = canonical_request(
        request, sig.signed_headers, payload, s3=protocol == "rest-xml", presigned=sig.presigned
    )
    text = string_to_sign(sig.signed_at, sig.scope, canonical)
    key = signing_key(secret, sig.scope)
    if not hmac.compare_digest(sign(key, text).encode(), sig.signature.encode()):
        # S3 echoes what it signed so that clients can diff it against their own.
        fields = {"AWSAccessKeyId": key_id, "StringToSign": text}
        fields |= {"SignatureProvided": sig.signature, "CanonicalRequest": canonical}
        s3_error = ("SignatureDoesNotMatch", aws.MISMATCH_S3, 403)
        raise aws.refusal(protocol, (aws.INVALID, aws.MISMATCH_JSON), s3_error, fields)
    # A good signature over a declared body hash proves nothing if the body differs from it.
    declared = request.headers.get(_CONTENT_SHA256, "")
    computed = hashlib.sha256(request.body).hexdigest()
    if _SHA256_HEX.fullmatch(declared) and computed != declared.lower():
        fields = {"ClientComputedContentSHA256": declared, "S3ComputedContentSHA256": computed}
        s3_error = ("XAmzContentSHA256Mismatch", aws.BODY_MISMATCH, 400)
        raise aws.refusal(protocol, (aws.INVALID, aws.MISMATCH_JSON), s3_error, fields)
    if protocol == "rest-xml" and not sig.presigned and declared.startswith(_SIGNED_STREAM):
        verify_chunk_signatures(request.body, key, sig.signature, sig.timestamp, sig.scope)


# -- 1. the signature's parts ------------------------------------------------------------------


def _parse(request: HttpRequest, protocol: str) -> _Signature:
    params = request.query_params()
    header = request.headers.get("authorization")
    if header is not None and "X-Amz-Algorithm" in params:
        s3 = ("InvalidArgument", aws.BOTH_MECHANISMS_S3, 400)
        fields = {"ArgumentName": "Authorization", "ArgumentValue": header}
        raise aws.refusal(protocol, (aws.INVALID, aws.BOTH_MECHANISMS_JSON), s3, fields)
    if any(f"X-Amz-{name}" in params for name in _PRESIGN[:3]):
        sig = _from_query(params, protocol)
    elif header is not None and header.strip().startswith("AWS4-"):
        sig = _from_header(request, header, protocol)
    else:
        raise _missing(request, header, params, protocol)
    if len(sig.parts) != 5:
        code = aws.QUERY_MALFORMED if sig.presigned else "AuthorizationHeaderMalformed"
        s3 = (code, aws.s3_malformed_credential(sig.presigned), 400)
        raise aws.refusal(protocol, (aws.INCOMPLETE, aws.credential_parts_json(sig.credential)), s3)
    return sig


def _missing(
    request: HttpRequest, header: str | None, params: dict[str, list[str]], protocol: str
) -> ServiceError:
    """No SigV4 at all: no signature, or another scheme (SigV2's ``AWS key:sig``, ``Bearer``)."""
    # DynamoDB words this one differently from every other JSON service; STS as DynamoDB does.
    dynamodb = request.headers.get("x-amz-target", "").startswith("DynamoDB")
    wording = "Request is missing" if dynamodb or protocol == "query" else "Missing"
    s3: tuple[str, str, int] = ("AccessDenied", "Access Denied", 403)
    if header is not None or "AWSAccessKeyId" in params:
        # boto3 presigns S3 URLs with SigV2 unless configured with signature_version="s3v4".
        s3 = ("InvalidRequest", aws.SIGV2, 400)
    return aws.refusal(protocol, (aws.MISSING, f"{wording} Authentication Token"), s3)


def _from_header(request: HttpRequest, header: str, protocol: str) -> _Signature:
    algorithm, fields = _auth_fields(header)
    names = ("Credential", "Signature", "SignedHeaders")
    if missing := [name for name in names if not fields.get(name)]:
        message = " ".join(f"Authorization header requires '{name}' parameter." for name in missing)
        json_error = (aws.INCOMPLETE, f"{message} Authorization={header}")
        raise aws.refusal(protocol, json_error, _components())
    if algorithm != aws.ALGORITHM:
        message = f"Unsupported AWS 'algorithm': '{algorithm}'."
        raise aws.refusal(protocol, (aws.INCOMPLETE, message), ("InvalidRequest", aws.SIGV2, 400))
    timestamp = request.headers.get("x-amz-date")
    signed_at = parse_timestamp(timestamp) if timestamp is not None else None
    if timestamp is None and (date := request.headers.get("date")) is not None:
        signed_at = parse_http_date(date)  # SigV4 falls back to the HTTP Date header
        timestamp = date
    if timestamp is None or signed_at is None:
        if timestamp is None:
            message = "Authorization header requires existence of either a 'X-Amz-Date' or a"
            message += f" 'Date' header. Authorization={header}"
        else:
            message = f"Date must be in ISO-8601 'basic format'. Got '{timestamp}'."
            message += " See http://en.wikipedia.org/wiki/ISO_8601"
        s3 = ("AccessDenied", "AWS authentication requires a valid Date or x-amz-date header", 403)
        raise aws.refusal(protocol, (aws.INCOMPLETE, message), s3)
    credential, headers = fields["Credential"], _split_headers(fields["SignedHeaders"])
    return _Signature(
        credential, headers, fields["Signature"], format_timestamp(signed_at), signed_at, None
    )


def _components() -> aws.S3Refusal:
    return aws.S3Refusal("AuthorizationHeaderMalformed", aws.COMPONENTS, 400)


def _from_query(params: dict[str, list[str]], protocol: str) -> _Signature:
    values = {name: found[0] for name in _PRESIGN if (found := params.get(f"X-Amz-{name}"))}
    expires, signed_at = values.get("Expires", ""), parse_timestamp(values.get("Date", ""))
    problem = ""
    if len(values) < len(_PRESIGN):
        problem = aws.QUERY_REQUIRED
    elif values["Algorithm"] != aws.ALGORITHM:
        problem = f'X-Amz-Algorithm only supports "{aws.ALGORITHM}"'
    elif not re.fullmatch(r"-?\d+", expires, re.ASCII):
        problem = "X-Amz-Expires should be a number"
    elif int(expires) < 0:
        problem = "X-Amz-Expires must be non-negative"
    elif int(expires) > MAX_EXPIRES:
        problem = aws.EXPIRES_TOO_LONG
    elif signed_at is None:
        problem = "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\""
    if problem or signed_at is None:
        if protocol != "rest-xml" and len(values) < len(_PRESIGN):
            names = [f"X-Amz-{name}" for name in _PRESIGN if name not in values]
            problem = " ".join(f"AWS query-string parameters must include '{n}'." for n in names)
            problem = f"{problem} Re-examine the query-string parameters.".lstrip()
        raise aws.refusal(protocol, (aws.INCOMPLETE, problem), (aws.QUERY_MALFORMED, problem, 400))
    credential, headers = values["Credential"], _split_headers(values["SignedHeaders"])
    timestamp = values["Date"]
    return _Signature(credential, headers, values["Signature"], timestamp, signed_at, int(expires))


# -- 2. time -------------------------------------------------------------------------------------


def _check_time(sig: _Signature, protocol: str, now: float) -> None:
    # A header signature holds for the skew either side of now; a presigned URL from its date
    # (give or take the skew of clock difference) until it expires.
    skew = _SKEW.get(protocol, _DEFAULT_SKEW)
    lifetime = skew if sig.expires is None else sig.expires
    late = now - sig.signed_at > lifetime
    if not late and sig.signed_at - now <= skew:
        return
    if late:
        bound = f"is now earlier than {format_timestamp(now - lifetime)}"
        bound += f" ({format_timestamp(now)} - {_duration(lifetime)}.)"
    else:
        bound = f"is still later than {format_timestamp(now + skew)}"
        bound += f" ({format_timestamp(now)} + {_duration(skew)}.)"
    message = f"Signature {'expired' if late else 'not yet current'}: {sig.timestamp} {bound}"
    if sig.expires is None:
        fields = {"RequestTime": sig.timestamp, "ServerTime": format_iso(now)}
        fields["MaxAllowedSkewMilliseconds"] = str(skew * 1000)
        s3 = aws.S3Refusal("RequestTimeTooSkewed", aws.SKEWED, 403, fields)
    elif late:
        # For a presigned URL S3 speaks of the URL's lifetime rather than of clock skew.
        expiry = format_iso(sig.signed_at + sig.expires)
        fields = {"X-Amz-Expires": str(sig.expires), "Expires": expiry}
        fields["ServerTime"] = format_iso(now)
        s3 = aws.S3Refusal("AccessDenied", "Request has expired", 403, fields)
    else:
        s3 = aws.S3Refusal("AccessDenied", "Request is not yet valid", 403)
    raise aws.refusal(protocol, (aws.INVALID, message), s3)


def _duration(seconds: int) -> str:
    return f"{seconds // 60} min" if seconds % 60 == 0 else f"{seconds} sec"


# -- 3. signed headers ---------------------------------------------------------------------------


def _check_signed_headers(request: HttpRequest, sig: _Signature, protocol: str) -> None:
    signed = set(sig.signed_headers)
    # A presigned URL cannot know the body, so its hash may ride along unsigned.
    exempt = {_CONTENT_SHA256} if sig.presigned else set()
    unsigned = sorted(
        lowered
        for name in request.headers
        if (lowered := name.lower()).startswith("x-amz-")
        and lowered not in signed
        and lowered not in exempt
    )
    if "host" not in signed:
        unsigned.insert(0, "host")
        message = aws.HOST_NOT_SIGNED
    elif unsigned:
        message = aws.header_not_signed_json(unsigned[0])
    else:
        return
    fields = {"HeadersNotSigned": ", ".join(unsigned)}
    s3_error = ("AccessDenied", aws.HEADERS_NOT_SIGNED, 403)
    raise aws.refusal(protocol, (aws.INVALID, message), s3_error, fields)


# -- 4. scope ------------------------------------------------------------------------------------


def _check_scope(sig: _Signature, protocol: str, service: str) -> None:
    _, date, region, scoped_service, terminator = sig.parts
    region_ok = is_region(region)
    wrong_service = service if scoped_service != service else None
    wrong_terminator = terminator if terminator != aws.TERMINATOR else None
    request_date = sig.timestamp[:8]
    if protocol == "rest-xml":
        s3 = aws.s3_scope_error(
            presigned=sig.presigned,
            region=None if region_ok else region,
            service=scoped_service if wrong_service else None,
            terminator=wrong_terminator,
            date=(date, request_date),
        )
        if s3 is not None:
            raise aws.refusal(protocol, (aws.INVALID, s3.message), s3)
        return
    message = aws.scope_errors_json(
        region_ok=region_ok,
        service=wrong_service,
        terminator=wrong_terminator,
        date=(date, request_date, sig.timestamp),
    )
    if message:
        raise aws.refusal(protocol, (aws.INVALID, message), (aws.INVALID, message, 400))


# -- 5. keys -------------------------------------------------------------------------------------


def _configured_secret(credentials: Credentials, key_id: str) -> str | None:
    if hmac.compare_digest(key_id.encode(), credentials.access_key_id.encode()):
        return credentials.secret_access_key
    return None


# -- 6. payload ----------------------------------------------------------------------------------


def _payload_hash(request: HttpRequest, sig: _Signature, protocol: str) -> str:
    if protocol != "rest-xml":
        # Only S3 lets a client choose what stands for the body; every other service hashes it.
        return hashlib.sha256(request.body).hexdigest()
    declared = request.headers.get(_CONTENT_SHA256)
    if sig.presigned:
        if declared is not None and _CONTENT_SHA256 in sig.signed_headers:
            return declared
        return "UNSIGNED-PAYLOAD"  # S3 presigns before any body exists, so it fixes the hash
    if declared is None:
        s3_error = ("InvalidRequest", aws.MISSING_CONTENT_SHA256, 400)
        raise aws.refusal(protocol, (aws.INCOMPLETE, ""), s3_error)
    if declared not in aws.PAYLOAD_MARKERS and not _SHA256_HEX.fullmatch(declared):
        fields = {"ArgumentName": _CONTENT_SHA256, "ArgumentValue": declared}
        s3 = ("InvalidArgument", aws.BAD_CONTENT_SHA256, 400)
        raise aws.refusal(protocol, (aws.INCOMPLETE, ""), s3, fields)
    return declared  # literal markers (UNSIGNED-PAYLOAD, STREAMING-...) are signed as they are


# -- helpers -------------------------------------------------------------------------------------


def _auth_fields(header: str) -> tuple[str, dict[str, str]]:
    """``"ALG Credential=..., SignedHeaders=..., Signature=..."`` split into ALG and fields."""
    algorithm, _, rest = header.strip().partition(" ")
    return algorithm, dict(_AUTH_FIELD.findall(rest))


def _split_headers(value: str) -> tuple[str, ...]:
    return tuple(name.strip().lower() for name in value.split(";") if name.strip())
