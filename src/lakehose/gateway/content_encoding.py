"""Request bodies an SDK compressed (``Content-Encoding: gzip`` or ``deflate``), decoded.

SDKs compress request bodies of operations that opt in (botocore's ``requestcompression``
trait; other SDKs likewise), and the service decodes them before reading the body. S3 is the
exception: there ``Content-Encoding`` describes the object being stored, and ``aws-chunked`` its
upload framing, so S3 bodies are never decoded here.

Decoding is bounded: a body that inflates past ``MAX_DECODED_BYTES`` is refused as too large
instead of being inflated into memory.
"""

from __future__ import annotations

import zlib
from dataclasses import replace

from lakehose.errors import ServiceError
from lakehose.gateway.http import Headers, HttpRequest

# Larger than any request body a JSON, query or CBOR operation of these services accepts
# (DynamoDB's 16 MB is the largest), so a legitimate body always fits.
MAX_DECODED_BYTES = 32 * 1024 * 1024
_IDENTITY = ("", "identity")
# zlib's wbits: 16 + MAX_WBITS reads a gzip wrapper; MAX_WBITS a zlib (RFC 1950) one.
_WBITS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}


class RequestEntityTooLarge(ServiceError):
    code = "RequestEntityTooLarge"
    status = 413


class UnsupportedContentEncoding(ServiceError):
    code = "SerializationException"
    status = 400


def decoded(request: HttpRequest) -> HttpRequest:
    """``request`` with its body decoded as ``Content-Encoding`` says (last coding applied last)."""
    header = request.headers.get("content-encoding", "")
    codings = [c.strip().lower() for c in header.split(",") if c.strip().lower() not in _IDENTITY]
    if not codings:
        return request
    body = request.body
    for coding in reversed(codings):
        wbits = _WBITS.get(coding)
        if wbits is None:
            raise UnsupportedContentEncoding(f"Unsupported Content-Encoding: {coding}")
        body = _inflate(body, wbits, coding)
    headers = Headers((n, v) for n, v in request.headers.items() if n.lower() != "content-encoding")
    return replace(request, headers=headers, body=body)


def _inflate(body: bytes, wbits: int, coding: str) -> bytes:
    inflater = zlib.decompressobj(wbits)
    try:
        inflated = inflater.decompress(body, MAX_DECODED_BYTES)
        if inflater.unconsumed_tail:
            raise RequestEntityTooLarge(
                f"Request body exceeds {MAX_DECODED_BYTES} bytes once decoded"
            )
        inflated += inflater.flush()
    except zlib.error:
        raise UnsupportedContentEncoding(f"The request body is not valid {coding} data") from None
    if not inflater.eof:
        raise UnsupportedContentEncoding(f"The request body is truncated {coding} data")
    return inflated
