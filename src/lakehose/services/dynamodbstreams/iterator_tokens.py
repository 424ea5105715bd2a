"""Shard iterators as DynamoDB Streams hands them out: self-contained, sealed tokens.

(Kinesis writes its own, in the shape AWS's Kinesis iterators have: ``kinesis/iterators``.)

An iterator names a stream, a shard and a position in it (the sequence counter of the next
record to read), plus the time it was issued. Nothing is stored server-side, so an iterator is not
consumed by use: as on AWS, the same iterator may be read again until it expires, and survives a
restart. The payload is sealed with a key the engine keeps in its database, so a forged or altered
iterator is refused.

Layout before base64: ``version (1) | issued ms (8) | position (8) | shard (8) | stream``
followed by a 12-byte keyed BLAKE2b tag. With a 128-character Kinesis stream name this is 224
characters; a DynamoDB stream ARN stays inside the 2048 Streams allows.

Each engine names its own errors: the one for an iterator it did not issue (its class and
wording differ per service), and the one for an expired iterator, whose message is AWS's.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import struct
from collections.abc import Callable
from dataclasses import dataclass

from lakehose.formats.java_dates import java_date

_VERSION = 1
_HEADER = struct.Struct(">BQQQ")
_TAG_BYTES = 12


@dataclass(frozen=True)
class IteratorPosition:
    """What a shard iterator points at: ``stream`` is a name or an ARN, as the service uses."""

    stream: str
    shard: int
    position: int
    issued_ms: int


class IteratorCodec:
    """Encodes and checks shard iterators with one key, a lifetime and the service's errors."""

    def __init__(
        self,
        key: bytes,
        *,
        lifetime_ms: int,
        invalid: Callable[[], Exception],
        expired: Callable[[str], Exception],
    ) -> None:
        self._key = key
        self.lifetime_ms = lifetime_ms
        self._invalid = invalid
        self._expired = expired

    def encode(self, where: IteratorPosition) -> str:
        payload = _HEADER.pack(_VERSION, where.issued_ms, where.position, where.shard)
        payload += where.stream.encode("utf-8")
        return base64.b64encode(payload + self._tag(payload)).decode("ascii")

    def decode(self, text: str, now_ms: int) -> IteratorPosition:
        """The position ``text`` holds; the service's errors for forged or expired iterators."""
        try:
            raw = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise self._invalid() from None
        if len(raw) <= _HEADER.size + _TAG_BYTES:
            raise self._invalid()
        payload, tag = raw[:-_TAG_BYTES], raw[-_TAG_BYTES:]
        if not hmac.compare_digest(tag, self._tag(payload)):
            raise self._invalid()
        version, issued_ms, position, shard = _HEADER.unpack_from(payload)
        if version != _VERSION or issued_ms > now_ms:
            raise self._invalid()
        if now_ms - issued_ms > self.lifetime_ms:
            raise self._expired(
                f"Iterator expired. The iterator was created at time {java_date(issued_ms)} "
                f"while right now it is {java_date(now_ms)} which is further in the future than "
                f"the tolerated delay of {self.lifetime_ms} milliseconds."
            )
        stream = payload[_HEADER.size :].decode("utf-8")
        return IteratorPosition(stream, shard, position, issued_ms)

    def _tag(self, payload: bytes) -> bytes:
        return hashlib.blake2b(payload, key=self._key, digest_size=_TAG_BYTES).digest()
