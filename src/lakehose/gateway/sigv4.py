"""AWS Signature Version 4: recompute what the client signed and compare.

A signature travels in the ``Authorization`` header or, for presigned URLs, in ``X-Amz-*`` query
parameters. The canonical request is rebuilt from the request exactly as it arrived, following
what botocore signs (``botocore/auth.py``): S3 signs its path as sent, every other service signs
the normalized path percent-encoded a second time. Failures raise the error each protocol's
clients see from AWS: JSON services answer in Coral's words, S3 in its own XML vocabulary.
"""

from __future__ import annotations

import calendar
import hashlib
import hmac
import re
import time
from dataclasses import dataclass
from email.utils import mktime_tz, parsedate_tz
from urllib.parse import quote, unquote_to_bytes

from lakehose.errors import ServiceError
from lakehose.gateway.http import HttpRequest
from lakehose.settings import Credentials

ALGORITHM = "AWS4-HMAC-SHA256"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
MAX_SKEW = 15 * 60  # seconds AWS tolerates between a request's date and its own clock
MAX_EXPIRES = 7 * 24 * 3600  # longest lifetime S3 grants a presigned URL
_BASIC_FORMAT = "%Y%m%dT%H%M%SZ"
_TIMESTAMP = re.compile(r"\d{8}T\d{6}Z", re.ASCII)
_SHA256_HEX = re.compile(r"[0-9a-f]{64}", re.ASCII | re.IGNORECASE)
_QUERY_PARAMS = ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-Date")
_QUERY_PARAMS += ("X-Amz-SignedHeaders", "X-Amz-Expires")
_MISMATCH_JSON = (
    "The request signature we calculated does not match the signature you provided. Check your"
    " AWS Secret Access Key and signing method. Consult the service documentation for details."
)
_MISMATCH_S3 = (
    "The request signature we calculated does not match the signature you provided."
    " Check your key and signing method."
)
_CREDENTIAL_S3 = (
    'the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".'
)
_SIGV2_S3 = (
    "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256."
)


@dataclass(frozen=True)
class SignatureInfo:
    """Who signed a request, for which region and service; all ``None`` when unsigned."""

    access_key_id: str | None = None
    region: str | None = None
    service: str | None = None
    presigned: bool = False


@dataclass(frozen=True)
class _Signature:
    """The parts of a SigV4 signature, wherever in the request it travelled."""

    access_key_id: str
    scope: str  # "<yyyymmdd>/<region>/<service>/aws4_request", exactly as the client sent it
    signed_headers: tuple[str, ...]
    signature: str
    timestamp: str  # ISO-8601 basic format, as it appears in the string to sign
    signed_at: float
    expires: int | None  # lifetime in seconds; presigned URLs only


def read_signature(request: HttpRequest) -> SignatureInfo:
    """The credential scope a request claims, without checking anything; never raises."""
    credential = _first(request, "X-Amz-Credential")
    presigned = credential is not None
    if credential is None:
        credential = _auth_fields(request.headers.get("authorization", ""))[1].get("Credential")
    parts = _credential_parts(credential or "")
    if parts is None:
        return SignatureInfo()
    return SignatureInfo(parts[0], parts[2], parts[3], presigned)


def verify_signature(
    request: HttpRequest, credentials: Credentials, *, protocol: str, now: float
) -> None:
    """Raise the ``ServiceError`` AWS would send unless ``credentials`` signed ``request``."""
    sig = _parse(request, protocol)
    if sig.access_key_id != credentials.access_key_id:
        raise _unknown_key(protocol, sig.access_key_id)
    _check_time(sig, protocol, now)
    canonical = _canonical_request(request, sig, protocol)
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    string_to_sign = "\n".join((ALGORITHM, sig.timestamp, sig.scope, digest))
    key = f"AWS4{credentials.secret_access_key}".encode()
    for part in sig.scope.split("/"):  # date, region, service, "aws4_request", in that order
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    expected = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), sig.signature.encode()):
        raise _mismatch(protocol, sig, canonical, string_to_sign)
    # A correct signature over a declared body hash proves nothing if the body differs from it.
    declared = request.headers.get("x-amz-content-sha256", "")
    actual = hashlib.sha256(request.body).hexdigest()
    if _SHA256_HEX.fullmatch(declared) and declared.lower() != actual:
        if protocol != "rest-xml":
            raise _mismatch(protocol, sig, canonical, string_to_sign)
        message = "The provided 'x-amz-content-sha256' header does not match what was computed."
        fields = {"ClientComputedContentSHA256": declared, "S3ComputedContentSHA256": actual}
        raise _s3_error("XAmzContentSHA256Mismatch", message, 400, fields)


def _parse(request: HttpRequest, protocol: str) -> _Signature:
    header = request.headers.get("authorization")
    params = request.query_params()
    if any(name in params for name in _QUERY_PARAMS[:3]):
        if header is not None and protocol == "rest-xml":
            message = (
                "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter,"
                " Signature query string parameter or the Authorization header should be specified"
            )
            raise _s3_error("InvalidArgument", message, 400)
        return _from_query(request, protocol)
    if header is not None:
        return _from_header(request, header, protocol)
    if protocol == "rest-xml":
        if "AWSAccessKeyId" in params:  # a SigV2 presigned URL
            raise _s3_error("InvalidRequest", _SIGV2_S3, 400)
        raise _s3_error("AccessDenied", "Access Denied", 403)
    # DynamoDB words this one differently from every other JSON service.
    dynamodb = request.headers.get("x-amz-target", "").startswith("DynamoDB")
    message = (
        "Request is missing Authentication Token" if dynamodb else "Missing Authentication Token"
    )
    raise _json_error(protocol, "MissingAuthenticationTokenException", message)


def _from_header(request: HttpRequest, header: str, protocol: str) -> _Signature:
    algorithm, fields = _auth_fields(header)
    if protocol == "rest-xml" and algorithm != ALGORITHM:
        if algorithm == "AWS":  # SigV2, which current S3 regions refuse the same way
            raise _s3_error("InvalidRequest", _SIGV2_S3, 400)
        raise _s3_error("InvalidArgument", "Unsupported Authorization Type", 400)
    names = ("Credential", "Signature", "SignedHeaders")
    missing = [n for n in names if algorithm != ALGORITHM or not fields.get(n)]
    timestamp = request.headers.get("x-amz-date") or _from_http_date(request.headers.get("date"))
    signed_at = _epoch(timestamp or "")
    if protocol == "rest-xml" and missing:
        message = (
            "The authorization header is malformed; the authorization header requires three"
            " components: Credential, SignedHeaders, and Signature."
        )
        raise _s3_error("AuthorizationHeaderMalformed", message, 400)
    if protocol == "rest-xml" and signed_at is None:
        message = "AWS authentication requires a valid Date or x-amz-date header"
        raise _s3_error("AccessDenied", message, 403)
    if missing or signed_at is None or timestamp is None:
        problems = [f"Authorization header requires '{name}' parameter." for name in missing]
        if signed_at is None:
            problems.append(
                "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
            )
        raise _incomplete(protocol, " ".join([*problems, f"Authorization={header}"]))
    credential = fields["Credential"]
    if (parts := _credential_parts(credential)) is None:
        if protocol == "rest-xml":
            raise _s3_error(
                "AuthorizationHeaderMalformed",
                f"The authorization header is malformed; {_CREDENTIAL_S3}",
                400,
            )
        raise _bad_credential(protocol, credential)
    headers = _split_headers(fields["SignedHeaders"])
    return _Signature(
        parts[0], "/".join(parts[1:]), headers, fields["Signature"], timestamp, signed_at, None
    )


def _from_query(request: HttpRequest, protocol: str) -> _Signature:
    values: dict[str, str] = {}
    for name in _QUERY_PARAMS:
        if (value := _first(request, name)) is None:
            raise _query_error(
                protocol,
                "Query-string authentication version 4 requires the X-Amz-Algorithm,"
                " X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders,"
                " and X-Amz-Expires parameters.",
            )
        values[name] = value
    if values["X-Amz-Algorithm"] != ALGORITHM:
        raise _query_error(protocol, 'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"')
    expires = values["X-Amz-Expires"]
    if not (expires.isascii() and expires.isdigit()):
        raise _query_error(protocol, "X-Amz-Expires should be a number")
    if int(expires) > MAX_EXPIRES:
        raise _query_error(
            protocol, f"X-Amz-Expires must be less than a week (in seconds) that is {MAX_EXPIRES}"
        )
    timestamp = values["X-Amz-Date"]
    if (signed_at := _epoch(timestamp)) is None:
        raise _query_error(
            protocol, "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\""
        )
    credential = values["X-Amz-Credential"]
    if (parts := _credential_parts(credential)) is None:
        if protocol == "rest-xml":
            raise _query_error(
                protocol, f"Error parsing the X-Amz-Credential parameter; {_CREDENTIAL_S3}"
            )
        raise _bad_credential(protocol, credential)
    headers = _split_headers(values["X-Amz-SignedHeaders"])
    signature = values["X-Amz-Signature"]
    return _Signature(
        parts[0], "/".join(parts[1:]), headers, signature, timestamp, signed_at, int(expires)
    )


def _check_time(sig: _Signature, protocol: str, now: float) -> None:
    # A header signature is good for MAX_SKEW either side of now; a presigned URL from its date
    # (give or take MAX_SKEW of clock difference) until its own expiry.
    lifetime = MAX_SKEW if sig.expires is None else sig.expires
    if now - sig.signed_at > lifetime:
        if protocol != "rest-xml":
            unit = "15 min." if sig.expires is None else f"{lifetime} sec."
            earliest = f"{_basic(now - lifetime)} ({_basic(now)} - {unit})"
            message = f"Signature expired: {sig.timestamp} is now earlier than {earliest}"
            raise _json_error(protocol, "InvalidSignatureException", message)
        if sig.expires is None:
            raise _skewed(sig, now)
        fields = {"X-Amz-Expires": str(sig.expires), "Expires": _iso(sig.signed_at + sig.expires)}
        raise _s3_error(
            "AccessDenied", "Request has expired", 403, fields | {"ServerTime": _iso(now)}
        )
    if sig.signed_at - now > MAX_SKEW:
        if protocol != "rest-xml":
            latest = f"{_basic(now + MAX_SKEW)} ({_basic(now)} + 15 min.)"
            message = f"Signature not yet current: {sig.timestamp} is still later than {latest}"
            raise _json_error(protocol, "InvalidSignatureException", message)
        if sig.expires is None:
            raise _skewed(sig, now)
        raise _s3_error("AccessDenied", "Request is not yet valid", 403)


def _canonical_request(request: HttpRequest, sig: _Signature, protocol: str) -> str:
    # Header values are trimmed and inner whitespace runs collapsed, as the SigV4 spec requires.
    headers = "".join(
        f"{name}:{' '.join(request.headers.get(name, '').split())}\n" for name in sig.signed_headers
    )
    if protocol == "rest-xml":
        uri = request.path or "/"  # S3SigV4Auth signs the path as sent: no normalizing, no quoting
    else:
        uri = quote(_normalize_path(request.path), safe="/~")
    return "\n".join(
        (
            request.method.upper(),
            uri,
            _canonical_query(request.query, presigned=sig.expires is not None),
            headers,
            ";".join(sig.signed_headers),
            _payload_hash(request, sig, protocol),
        )
    )


def _canonical_query(query: str, *, presigned: bool) -> str:
    # Decode then re-encode every name and value so any client's spelling of the same query
    # (e.g. "%7E" vs "~") yields the one canonical form; a presigned URL cannot sign its signature.
    pairs = []
    for item in query.split("&"):
        name, _, value = item.partition("=")
        pair = (_uri_encode(name), _uri_encode(value))
        if item and not (presigned and pair[0] == "X-Amz-Signature"):
            pairs.append(pair)
    return "&".join(f"{name}={value}" for name, value in sorted(pairs))


def _payload_hash(request: HttpRequest, sig: _Signature, protocol: str) -> str:
    declared = request.headers.get("x-amz-content-sha256")
    if sig.expires is None:
        # Literal markers (UNSIGNED-PAYLOAD, STREAMING-...) are signed as they stand.
        return declared if declared is not None else hashlib.sha256(request.body).hexdigest()
    if declared is not None and "x-amz-content-sha256" in sig.signed_headers:
        return declared
    # A presigned URL is signed before any body exists, so S3 fixes its payload hash.
    return UNSIGNED_PAYLOAD if protocol == "rest-xml" else hashlib.sha256(request.body).hexdigest()


def _normalize_path(path: str) -> str:
    """RFC 3986 dot-segment removal plus collapsed slashes, like botocore's normalize_url_path."""
    segments: list[str] = []
    for segment in path.split("/"):
        if segment == "..":
            if segments:
                segments.pop()
        elif segment and segment != ".":
            segments.append(segment)
    trailing = "/" if path.endswith("/") and segments else ""
    return "/" + "/".join(segments) + trailing


def _auth_fields(header: str) -> tuple[str, dict[str, str]]:
    """``"ALG Credential=..., SignedHeaders=..., Signature=..."`` split into ALG and its fields."""
    algorithm, _, rest = header.strip().partition(" ")
    fields: dict[str, str] = {}
    for item in rest.split(","):
        name, sep, value = item.strip().partition("=")
        if sep:
            fields.setdefault(name, value.strip())
    return algorithm, fields


def _credential_parts(credential: str) -> list[str] | None:
    # Split from the right: only the access key id could ever contain a slash.
    parts = credential.rsplit("/", 4)
    if len(parts) != 5 or not all(parts) or parts[4] != "aws4_request":
        return None
    return parts


def _split_headers(value: str) -> tuple[str, ...]:
    return tuple(name.strip().lower() for name in value.split(";") if name.strip())


def _first(request: HttpRequest, name: str) -> str | None:
    values = request.query_params().get(name)
    return values[0] if values else None


def _uri_encode(text: str) -> str:
    return quote(unquote_to_bytes(text), safe="-_.~")


def _epoch(timestamp: str) -> float | None:
    if not _TIMESTAMP.fullmatch(timestamp):
        return None
    try:
        return float(calendar.timegm(time.strptime(timestamp, _BASIC_FORMAT)))
    except ValueError:
        return None


def _from_http_date(value: str | None) -> str | None:
    """A ``Date`` header (RFC 7231) in the basic ISO-8601 form clients sign it in."""
    parsed = parsedate_tz(value) if value else None
    return _basic(mktime_tz(parsed)) if parsed else None


def _basic(epoch: float) -> str:
    return time.strftime(_BASIC_FORMAT, time.gmtime(epoch))


def _iso(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def _json_error(protocol: str, code: str, message: str) -> ServiceError:
    # Lambda's REST front end answers authentication failures with 403; JSON-RPC services, 400.
    status = 403 if protocol == "rest-json" else 400
    return ServiceError(message, code=code, status=status, sender_fault=True)


def _s3_error(
    code: str, message: str, status: int, fields: dict[str, str] | None = None
) -> ServiceError:
    return ServiceError(message, code=code, status=status, sender_fault=True, fields=fields)


def _incomplete(protocol: str, message: str) -> ServiceError:
    return _json_error(protocol, "IncompleteSignatureException", message)


def _bad_credential(protocol: str, credential: str) -> ServiceError:
    return _incomplete(
        protocol,
        "Credential must have exactly 5 slash-delimited elements, e.g."
        f" keyid/date/region/service/term, got '{credential}'",
    )


def _query_error(protocol: str, message: str) -> ServiceError:
    if protocol == "rest-xml":
        return _s3_error("AuthorizationQueryParametersError", message, 400)
    return _incomplete(protocol, message)


def _unknown_key(protocol: str, access_key_id: str) -> ServiceError:
    if protocol == "rest-xml":
        message = "The AWS Access Key Id you provided does not exist in our records."
        return _s3_error("InvalidAccessKeyId", message, 403, {"AWSAccessKeyId": access_key_id})
    message = "The security token included in the request is invalid."
    return _json_error(protocol, "UnrecognizedClientException", message)


def _skewed(sig: _Signature, now: float) -> ServiceError:
    message = "The difference between the request time and the current time is too large."
    fields = {"RequestTime": sig.timestamp, "ServerTime": _iso(now)}
    fields["MaxAllowedSkewMilliseconds"] = str(MAX_SKEW * 1000)
    return _s3_error("RequestTimeTooSkewed", message, 403, fields)


def _mismatch(protocol: str, sig: _Signature, canonical: str, string_to_sign: str) -> ServiceError:
    if protocol != "rest-xml":
        return _json_error(protocol, "InvalidSignatureException", _MISMATCH_JSON)
    # S3 echoes what it signed so that clients can diff it against their own canonical request.
    fields = {"AWSAccessKeyId": sig.access_key_id, "StringToSign": string_to_sign}
    fields |= {"SignatureProvided": sig.signature, "CanonicalRequest": canonical}
    return _s3_error("SignatureDoesNotMatch", _MISMATCH_S3, 403, fields)
