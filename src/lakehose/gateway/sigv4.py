"""AWS Signature Version 4, checked by rebuilding the canonical request the way botocore does.

The signature travels in the ``Authorization`` header or, for presigned URLs, in ``X-Amz-*``
query parameters. Failures raise the code, message and status AWS answers each protocol with.
"""

from __future__ import annotations

import calendar
import hashlib
import hmac
import re
import time
from dataclasses import dataclass
from urllib.parse import quote, unquote_to_bytes

from lakehose.errors import ServiceError
from lakehose.gateway.http import HttpRequest
from lakehose.settings import Credentials

ALGORITHM = "AWS4-HMAC-SHA256"
MAX_SKEW = 15 * 60  # seconds AWS tolerates between a request's date and its own clock
MAX_EXPIRES = 7 * 24 * 3600  # longest lifetime S3 grants a presigned URL
# The X-Amz-<name> query parameters of a presigned URL; any of the first three marks one.
_PRESIGN = ("Algorithm", "Credential", "Signature", "Date", "SignedHeaders", "Expires")
_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
_TIMESTAMP = re.compile(r"\d{8}T\d{6}Z", re.ASCII)
_AUTH_FIELD = re.compile(r"(\w+)=([^,\s]*)")  # Name=value pairs of an Authorization header
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")

_INCOMPLETE, _INVALID = "IncompleteSignatureException", "InvalidSignatureException"
_MISMATCH = "The request signature we calculated does not match the signature you provided."
_MISMATCH_JSON = f"{_MISMATCH} Check your AWS Secret Access Key and signing method."
_MISMATCH_JSON += " Consult the service documentation for details."
_UNKNOWN_JSON = "The security token included in the request is invalid."
_UNKNOWN_S3 = "The AWS Access Key Id you provided does not exist in our records."
_BODY_MISMATCH = "The provided 'x-amz-content-sha256' header does not match what was computed."
_CREDENTIAL = "the Credential is mal-formed; expecting"
_CREDENTIAL += ' "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".'
_SIGV2 = f"The authorization mechanism you have provided is not supported. Please use {ALGORITHM}."
_SKEWED_MESSAGE = "The difference between the request time and the current time is too large."
_SKEWED = ("RequestTimeTooSkewed", _SKEWED_MESSAGE, 403)
_QUERY_ERROR = "AuthorizationQueryParametersError"
_HEADER_CREDENTIAL = f"The authorization header is malformed; {_CREDENTIAL}"
_QUERY_CREDENTIAL = f"Error parsing the X-Amz-Credential parameter; {_CREDENTIAL}"
_QUERY_REQUIRED = "Query-string authentication version 4 requires the X-Amz-Algorithm,"
_QUERY_REQUIRED += " X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders,"
_QUERY_REQUIRED += " and X-Amz-Expires parameters."
_COMPONENTS_MESSAGE = "The authorization header is malformed; the authorization header requires"
_COMPONENTS_MESSAGE += " three components: Credential, SignedHeaders, and Signature."
_COMPONENTS = ("AuthorizationHeaderMalformed", _COMPONENTS_MESSAGE, 400)
_Json = tuple[str, str]  # an error as JSON protocols report it: code, message
_S3 = tuple[str, str, int]  # an error as S3 reports it: code, message, status


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
    signed_at: float  # X-Amz-Date, in seconds since the epoch
    expires: int | None  # lifetime in seconds; presigned URLs only


def read_signature(request: HttpRequest) -> SignatureInfo:
    """The credential scope a request claims, without checking anything; never raises."""
    credential = request.query_params().get("X-Amz-Credential", [None])[0]
    presigned = credential is not None
    if credential is None:
        credential = _auth_fields(request.headers.get("authorization", ""))[1].get("Credential")
    parts = _credential_parts(credential or "")
    return SignatureInfo(parts[0], parts[2], parts[3], presigned) if parts else SignatureInfo()


def verify_signature(
    request: HttpRequest, credentials: Credentials, *, protocol: str, now: float
) -> None:
    """Raise the ``ServiceError`` AWS would send unless ``credentials`` signed ``request``."""
    sig = _parse(request, protocol)
    key_id, _, scope = sig.credential.partition("/")
    if key_id != credentials.access_key_id:
        json_error = ("UnrecognizedClientException", _UNKNOWN_JSON)
        s3_error = ("InvalidAccessKeyId", _UNKNOWN_S3, 403)
        raise _fail(protocol, json_error, s3_error, {"AWSAccessKeyId": key_id})
    _check_time(sig, protocol, now)
    canonical = _canonical_request(request, sig, protocol)
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    string_to_sign = "\n".join((ALGORITHM, _format(sig.signed_at), scope, digest))
    expected = _sign(credentials.secret_access_key, scope, string_to_sign)
    if not hmac.compare_digest(expected.encode(), sig.signature.encode()):
        # S3 echoes what it signed so that clients can diff it against their own.
        fields = {"AWSAccessKeyId": key_id, "StringToSign": string_to_sign}
        fields |= {"SignatureProvided": sig.signature, "CanonicalRequest": canonical}
        s3_error = ("SignatureDoesNotMatch", f"{_MISMATCH} Check your key and signing method.", 403)
        raise _fail(protocol, (_INVALID, _MISMATCH_JSON), s3_error, fields)
    # A good signature over a declared body hash proves nothing if the body differs from it.
    declared = request.headers.get("x-amz-content-sha256", "").lower()
    if _SHA256_HEX.fullmatch(declared) and hashlib.sha256(request.body).hexdigest() != declared:
        s3_error = ("XAmzContentSHA256Mismatch", _BODY_MISMATCH, 400)
        raise _fail(protocol, (_INVALID, _MISMATCH_JSON), s3_error)


def _parse(request: HttpRequest, protocol: str) -> _Signature:
    params = request.query_params()
    header = request.headers.get("authorization")
    if any(f"X-Amz-{name}" in params for name in _PRESIGN[:3]):
        sig = _from_query(params, protocol)
    elif header is not None:
        sig = _from_header(request, header, protocol)
    else:
        # DynamoDB words this one differently from every other JSON service.
        dynamodb = request.headers.get("x-amz-target", "").startswith("DynamoDB")
        message = f"{'Request is missing' if dynamodb else 'Missing'} Authentication Token"
        # boto3 presigns S3 URLs with SigV2 unless configured with signature_version="s3v4".
        s3_error: _S3 = ("AccessDenied", "Access Denied", 403)
        if "AWSAccessKeyId" in params:
            s3_error = ("InvalidRequest", _SIGV2, 400)
        raise _fail(protocol, ("MissingAuthenticationTokenException", message), s3_error)
    if _credential_parts(sig.credential) is None:
        message = f"Credential must have exactly 5 slash-delimited elements, got '{sig.credential}'"
        if sig.expires is None:
            s3_error = ("AuthorizationHeaderMalformed", _HEADER_CREDENTIAL, 400)
        else:
            s3_error = (_QUERY_ERROR, _QUERY_CREDENTIAL, 400)
        raise _fail(protocol, (_INCOMPLETE, message), s3_error)
    return sig


def _from_header(request: HttpRequest, header: str, protocol: str) -> _Signature:
    algorithm, fields = _auth_fields(header)
    names = ("Credential", "Signature", "SignedHeaders")
    if missing := [name for name in names if algorithm != ALGORITHM or not fields.get(name)]:
        message = " ".join(f"Authorization header requires '{name}' parameter." for name in missing)
        # S3 names SigV2's "AWS <key>:<signature>", or any other scheme, an unsupported mechanism.
        s3 = ("InvalidRequest", _SIGV2, 400) if algorithm != ALGORITHM else _COMPONENTS
        raise _fail(protocol, (_INCOMPLETE, f"{message} Authorization={header}"), s3)
    timestamp = request.headers.get("x-amz-date", "")
    if (signed_at := _epoch(timestamp)) is None:
        message = "Authorization header requires existence of a valid 'X-Amz-Date' header."
        s3_error = ("AccessDenied", "AWS authentication requires a valid x-amz-date header", 403)
        raise _fail(protocol, (_INCOMPLETE, message), s3_error)
    credential, headers = fields["Credential"], _split_headers(fields["SignedHeaders"])
    return _Signature(credential, headers, fields["Signature"], signed_at, None)


def _from_query(params: dict[str, list[str]], protocol: str) -> _Signature:
    values = {name: found[0] for name in _PRESIGN if (found := params.get(f"X-Amz-{name}"))}
    expires, signed_at = values.get("Expires", ""), _epoch(values.get("Date", ""))
    problem = ""
    if len(values) < len(_PRESIGN):
        problem = _QUERY_REQUIRED
    elif values["Algorithm"] != ALGORITHM:
        problem = f'X-Amz-Algorithm only supports "{ALGORITHM}"'
    elif not (expires.isascii() and expires.isdigit() and int(expires) <= MAX_EXPIRES):
        problem = f"X-Amz-Expires must be a number of seconds no greater than {MAX_EXPIRES}"
    elif signed_at is None:
        problem = "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\""
    if problem or signed_at is None:
        raise _fail(protocol, (_INCOMPLETE, problem), (_QUERY_ERROR, problem, 400))
    credential, headers = values["Credential"], _split_headers(values["SignedHeaders"])
    return _Signature(credential, headers, values["Signature"], signed_at, int(expires))


def _check_time(sig: _Signature, protocol: str, now: float) -> None:
    # A header signature holds for MAX_SKEW either side of now; a presigned URL from its date
    # (give or take MAX_SKEW of clock difference) until it expires.
    lifetime = MAX_SKEW if sig.expires is None else sig.expires
    late = now - sig.signed_at > lifetime
    if not late and sig.signed_at - now <= MAX_SKEW:
        return
    if late:
        unit = "15 min." if sig.expires is None else f"{lifetime} sec."
        bound = f"is now earlier than {_format(now - lifetime)} ({_format(now)} - {unit})"
    else:
        bound = f"is still later than {_format(now + MAX_SKEW)} ({_format(now)} + 15 min.)"
    signed = _format(sig.signed_at)
    message = f"Signature {'expired' if late else 'not yet current'}: {signed} {bound}"
    # For a presigned URL S3 speaks of the URL's lifetime rather than of clock skew.
    reason = "Request has expired" if late else "Request is not yet valid"
    s3_error = ("AccessDenied", reason, 403) if sig.expires is not None else _SKEWED
    raise _fail(protocol, (_INVALID, message), s3_error)


def _canonical_request(request: HttpRequest, sig: _Signature, protocol: str) -> str:
    # Header values are trimmed and inner whitespace runs collapsed, as SigV4 requires.
    headers = "".join(
        f"{name}:{' '.join(request.headers.get(name, '').split())}\n" for name in sig.signed_headers
    )
    if protocol == "rest-xml":
        uri = request.path or "/"  # S3SigV4Auth signs the path as sent: no normalizing, no quoting
    else:
        uri = quote(_normalize_path(request.path), safe="/~")
    query = _canonical_query(request.query, presigned=sig.expires is not None)
    payload = _payload_hash(request, sig, protocol)
    signed = ";".join(sig.signed_headers)
    return "\n".join((request.method.upper(), uri, query, headers, signed, payload))


def _canonical_query(query: str, *, presigned: bool) -> str:
    # Decode and re-encode every name and value so any spelling of the same query ("%7E" or "~")
    # gives the one canonical form; a presigned URL cannot sign its own signature.
    pairs = []
    for item in filter(None, query.split("&")):
        name, _, value = (quote(unquote_to_bytes(p), safe="-_.~") for p in item.partition("="))
        if not (presigned and name == "X-Amz-Signature"):
            pairs.append((name, value))
    return "&".join(f"{name}={value}" for name, value in sorted(pairs))


def _payload_hash(request: HttpRequest, sig: _Signature, protocol: str) -> str:
    declared = request.headers.get("x-amz-content-sha256")
    presigned = sig.expires is not None
    if declared is not None and (not presigned or "x-amz-content-sha256" in sig.signed_headers):
        return declared  # literal markers (UNSIGNED-PAYLOAD, STREAMING-...) are signed as they are
    if presigned and protocol == "rest-xml":
        return "UNSIGNED-PAYLOAD"  # S3 presigns before any body exists, so it fixes the hash
    return hashlib.sha256(request.body).hexdigest()


def _normalize_path(path: str) -> str:
    """RFC 3986 dot-segment removal plus collapsed slashes, like botocore's normalize_url_path."""
    segments: list[str] = []
    for segment in path.split("/"):
        if segment == "..":
            if segments:
                segments.pop()
        elif segment and segment != ".":
            segments.append(segment)
    return "/" + "/".join(segments) + ("/" if path.endswith("/") and segments else "")


def _auth_fields(header: str) -> tuple[str, dict[str, str]]:
    """``"ALG Credential=..., SignedHeaders=..., Signature=..."`` split into ALG and fields."""
    algorithm, _, rest = header.strip().partition(" ")
    return algorithm, dict(_AUTH_FIELD.findall(rest))


def _credential_parts(credential: str) -> list[str] | None:
    parts = credential.split("/")
    ok = len(parts) == 5 and all(parts) and parts[4] == "aws4_request"
    return parts if ok else None


def _split_headers(value: str) -> tuple[str, ...]:
    return tuple(name.strip().lower() for name in value.split(";") if name.strip())


def _sign(secret: str, scope: str, string_to_sign: str) -> str:
    key = f"AWS4{secret}".encode()
    for part in scope.split("/"):  # date, region, service, "aws4_request", in that order
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()


def _epoch(timestamp: str) -> float | None:
    try:
        parsed = time.strptime(timestamp, _DATE_FORMAT) if _TIMESTAMP.fullmatch(timestamp) else None
    except ValueError:  # shaped right, but e.g. month 13
        return None
    return float(calendar.timegm(parsed)) if parsed else None


def _format(epoch: float) -> str:
    return time.strftime(_DATE_FORMAT, time.gmtime(epoch))


def _fail(
    protocol: str, json_error: _Json, s3_error: _S3, fields: dict[str, str] | None = None
) -> ServiceError:
    """The error as ``protocol`` reports it; only S3 adds diagnostic ``fields``."""
    if protocol == "rest-xml":
        code, message, status = s3_error
        return ServiceError(message, code=code, status=status, sender_fault=True, fields=fields)
    # Lambda's REST front end answers authentication failures with 403; JSON-RPC services, 400.
    code, message = json_error
    status = 403 if protocol == "rest-json" else 400
    return ServiceError(message, code=code, status=status, sender_fault=True)
