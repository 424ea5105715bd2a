"""Chunk signatures of a SigV4 streaming upload (``STREAMING-AWS4-HMAC-SHA256-PAYLOAD``).

The request's own signature (the *seed*) covers its headers only; each chunk of the aws-chunked
body then carries a signature chained to the one before it::

    AWS4-HMAC-SHA256-PAYLOAD \\n <timestamp> \\n <scope> \\n <previous signature>
        \\n <SHA-256 of ""> \\n <SHA-256 of the chunk's data>

ending with an empty chunk; a ``...-PAYLOAD-TRAILER`` upload signs its trailing headers last::

    AWS4-HMAC-SHA256-TRAILER \\n <timestamp> \\n <scope> \\n <previous signature>
        \\n <SHA-256 of the trailers, "name:value\\n" each>

The framing is read exactly as ``chunked.decode`` reads it, so the bytes checked here are the bytes
the engine stores; a body that does not frame is left for ``chunked`` to refuse.
"""

from __future__ import annotations

import hashlib
import hmac

from lakehose.errors import ServiceError
from lakehose.gateway.sigv4_canonical import sign
from lakehose.gateway.sigv4_errors import MISMATCH_S3

_EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
_SIGNATURE = b"chunk-signature="
_TRAILER_SIGNATURE = "x-amz-trailer-signature"
_HEX_DIGITS = b"0123456789abcdefABCDEF"


def verify_chunk_signatures(body: bytes, key: bytes, seed: str, timestamp: str, scope: str) -> None:
    """Raise S3's ``SignatureDoesNotMatch`` unless every chunk (and trailer) is signed in turn."""
    previous = seed
    position = 0
    while True:
        line_end = body.find(b"\r\n", position)
        if line_end < 0:
            return  # not framed: chunked.decode refuses it
        size_text, _, extension = body[position:line_end].partition(b";")
        size_text = size_text.strip()
        if not size_text or size_text.strip(_HEX_DIGITS):
            return
        size = int(size_text, 16)
        start = line_end + 2
        data = body[start : start + size]
        if size and body[start + size : start + size + 2] != b"\r\n":
            return
        text = "\n".join(
            (
                "AWS4-HMAC-SHA256-PAYLOAD",
                timestamp,
                scope,
                previous,
                _EMPTY_SHA256,
                hashlib.sha256(data).hexdigest(),
            )
        )
        previous = _check(key, text, _chunk_signature(extension))
        if size == 0:
            _check_trailer(body[start:], key, previous, timestamp, scope)
            return
        position = start + size + 2


def _chunk_signature(extension: bytes) -> str:
    extension = extension.strip()
    if not extension.startswith(_SIGNATURE):
        return ""
    return extension[len(_SIGNATURE) :].decode("latin-1").strip()


def _check_trailer(rest: bytes, key: bytes, previous: str, timestamp: str, scope: str) -> None:
    trailers: list[tuple[str, str]] = []
    signature = None
    for line in rest.split(b"\r\n"):
        name, colon, value = line.partition(b":")
        if not colon:
            continue  # blank lines; malformed ones are chunked's to refuse
        pair = (name.strip().lower().decode("latin-1"), value.strip().decode("latin-1"))
        if pair[0] == _TRAILER_SIGNATURE:
            signature = pair[1]
        else:
            trailers.append(pair)
    if not trailers and signature is None:
        return  # a plain signed stream: the final empty chunk was the last signature
    canonical = "".join(f"{name}:{value}\n" for name, value in trailers)
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    text = "\n".join(("AWS4-HMAC-SHA256-TRAILER", timestamp, scope, previous, digest))
    _check(key, text, signature or "")


def _check(key: bytes, text: str, provided: str) -> str:
    expected = sign(key, text)
    if not hmac.compare_digest(expected.encode(), provided.encode()):
        raise ServiceError(
            MISMATCH_S3,
            code="SignatureDoesNotMatch",
            status=403,
            sender_fault=True,
            fields={"StringToSign": text, "SignatureProvided": provided},
        )
    return expected
