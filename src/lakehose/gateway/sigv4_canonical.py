"""The strings SigV4 signs, rebuilt from a request the way botocore builds them.

A signature is an HMAC chain over the credential scope, then over the *string to sign*: the
algorithm, the request's timestamp, the scope and the SHA-256 of the *canonical request* (method,
URI, sorted query, the signed headers' values, their names, and the payload hash).
"""

from __future__ import annotations

import calendar
import hashlib
import hmac
import re
import time
from collections.abc import Sequence
from email.utils import parsedate_tz
from urllib.parse import quote, unquote_to_bytes

from lakehose.gateway.http import HttpRequest
from lakehose.gateway.sigv4_errors import ALGORITHM

DATE_FORMAT = "%Y%m%dT%H%M%SZ"
_TIMESTAMP = re.compile(r"\d{8}T\d{6}Z", re.ASCII)


def canonical_request(
    request: HttpRequest,
    signed_headers: Sequence[str],
    payload_hash: str,
    *,
    s3: bool,
    presigned: bool,
) -> str:
    # Header values are trimmed and inner whitespace runs collapsed, as SigV4 requires.
    headers = "".join(
        f"{name}:{' '.join(request.headers.get(name, '').split())}\n" for name in signed_headers
    )
    # S3SigV4Auth signs the path as sent (no normalizing, no quoting); other signers normalize
    # it and encode it once more.
    uri = (request.path or "/") if s3 else quote(normalize_path(request.path), safe="/~")
    query = canonical_query(request.query, presigned=presigned)
    signed = ";".join(signed_headers)
    return "\n".join((request.method.upper(), uri, query, headers, signed, payload_hash))


def canonical_query(query: str, *, presigned: bool) -> str:
    # Decode and re-encode every name and value so any spelling of the same query ("%7E" or "~")
    # gives the one canonical form; a presigned URL cannot sign its own signature.
    pairs = []
    for item in filter(None, query.split("&")):
        name, _, value = (quote(unquote_to_bytes(p), safe="-_.~") for p in item.partition("="))
        if not (presigned and name == "X-Amz-Signature"):
            pairs.append((name, value))
    return "&".join(f"{name}={value}" for name, value in sorted(pairs))


def normalize_path(path: str) -> str:
    """RFC 3986 dot-segment removal plus collapsed slashes, like botocore's normalize_url_path."""
    segments: list[str] = []
    for segment in path.split("/"):
        if segment == "..":
            if segments:
                segments.pop()
        elif segment and segment != ".":
            segments.append(segment)
    return "/" + "/".join(segments) + ("/" if path.endswith("/") and segments else "")


def string_to_sign(signed_at: float, scope: str, canonical: str, algorithm: str = ALGORITHM) -> str:
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    return "\n".join((algorithm, format_timestamp(signed_at), scope, digest))


def signing_key(secret: str, scope: str) -> bytes:
    key = f"AWS4{secret}".encode()
    for part in scope.split("/"):  # date, region, service, "aws4_request", in that order
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def sign(key: bytes, text: str) -> str:
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def parse_timestamp(timestamp: str) -> float | None:
    """``X-Amz-Date``'s ``yyyyMMdd'T'HHmmss'Z'`` as seconds since the epoch, if well formed."""
    try:
        parsed = time.strptime(timestamp, DATE_FORMAT) if _TIMESTAMP.fullmatch(timestamp) else None
    except ValueError:  # shaped right, but e.g. month 13
        return None
    return float(calendar.timegm(parsed)) if parsed else None


def parse_http_date(value: str) -> float | None:
    """An RFC 1123 ``Date`` header, which SigV4 reads when there is no ``X-Amz-Date``."""
    parsed = parsedate_tz(value)
    if parsed is None:
        return None
    offset = parsed[9] or 0
    return float(calendar.timegm((*parsed[:6], 0, 1, 0))) - offset


def format_timestamp(epoch: float) -> str:
    return time.strftime(DATE_FORMAT, time.gmtime(epoch))


def format_iso(epoch: float) -> str:
    """S3's ``ServerTime`` / ``Expires`` form: ``2024-05-01T12:00:00Z``."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))
