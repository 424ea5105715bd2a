"""aws-chunked request bodies (SigV4 streaming uploads), decoded before a request is parsed.

SDKs that stream an upload (or send its checksum after the data) frame the body as::

    <hex size>[;chunk-signature=<sig>]\\r\\n<bytes>\\r\\n ... 0[;chunk-signature=<sig>]\\r\\n
    [<trailer name>:<value>\\r\\n ...]\\r\\n

and say so with ``Content-Encoding: aws-chunked`` and/or an ``x-amz-content-sha256`` of
``STREAMING-...``. The decoded request carries the payload as its body, ``aws-chunked`` removed
from ``Content-Encoding`` (S3 does not store it), and every trailer (``x-amz-checksum-crc32``...)
as a header, so the engine checks a trailing checksum exactly as it checks one sent up front.

Chunk signatures are not verified: the seed signature over the headers is (``sigv4.py``).
"""

from __future__ import annotations

from lakehose.errors import ServiceError
from lakehose.gateway.http import Headers, HttpRequest

_AWS_CHUNKED = "aws-chunked"
_STREAMING = "STREAMING-"
_DROPPED = frozenset(
    {"content-encoding", "content-length", "transfer-encoding", "x-amz-decoded-content-length"}
)
_TRAILER_SIGNATURE = "x-amz-trailer-signature"
_HEX_DIGITS = b"0123456789abcdefABCDEF"


def _incomplete(message: str = "The request body terminated unexpectedly") -> ServiceError:
    return ServiceError(message, code="IncompleteBody", status=400)


def _malformed_trailer() -> ServiceError:
    return ServiceError(
        "The request contained trailing data that was not well-formed or did not conform to our "
        "published schema.",
        code="MalformedTrailerError",
        status=400,
    )


def is_aws_chunked(request: HttpRequest) -> bool:
    encodings = request.headers.get("content-encoding", "").lower().split(",")
    return _AWS_CHUNKED in (item.strip() for item in encodings) or request.headers.get(
        "x-amz-content-sha256", ""
    ).startswith(_STREAMING)


def dechunk(request: HttpRequest) -> HttpRequest:
    """``request`` with its aws-chunked body decoded; other requests are returned unchanged."""
    if not is_aws_chunked(request):
        return request
    payload, trailers = decode(request.body)
    declared = request.headers.get("x-amz-decoded-content-length")
    if declared is not None and declared.strip() != str(len(payload)):
        raise _incomplete(
            "You did not provide the number of bytes specified by the Content-Length HTTP header"
        )
    announced = request.headers.get("x-amz-trailer", "")
    if any(name.strip().lower() not in trailers for name in announced.split(",") if name.strip()):
        raise _malformed_trailer()
    encodings = [
        item.strip()
        for item in request.headers.get("content-encoding", "").split(",")
        if item.strip() and item.strip().lower() != _AWS_CHUNKED
    ]
    headers = [(name, request.headers[name]) for name in request.headers]
    kept = [(name, value) for name, value in headers if name.lower() not in _DROPPED]
    if encodings:
        kept.append(("Content-Encoding", ",".join(encodings)))
    kept.append(("Content-Length", str(len(payload))))
    kept += [(name, value) for name, value in trailers.items() if name != _TRAILER_SIGNATURE]
    return HttpRequest(request.method, request.path, request.query, Headers(kept), payload)


def decode(body: bytes) -> tuple[bytes, dict[str, str]]:
    """The payload and the trailers (names lower-cased) of an aws-chunked body."""
    chunks: list[bytes] = []
    position = 0
    while True:
        line_end = body.find(b"\r\n", position)
        if line_end < 0:
            raise _incomplete()
        size_text = body[position:line_end].split(b";", 1)[0].strip()
        if not size_text or size_text.strip(_HEX_DIGITS):
            raise _incomplete()
        size = int(size_text, 16)
        position = line_end + 2
        if size == 0:
            break
        end = position + size
        if body[end : end + 2] != b"\r\n":
            raise _incomplete()
        chunks.append(body[position:end])
        position = end + 2
    trailers: dict[str, str] = {}
    for line in body[position:].split(b"\r\n"):
        if not line:
            continue
        name, colon, value = line.partition(b":")
        if not colon or not name.strip():
            raise _malformed_trailer()
        trailers[name.strip().lower().decode("latin-1")] = value.strip().decode("latin-1")
    return b"".join(chunks), trailers
