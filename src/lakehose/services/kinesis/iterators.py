"""Shard iterators: self-contained, opaque tokens that expire five minutes after issue.

An iterator names a stream, a shard and a position in it (the per-shard counter of the next record
to read), plus the time it was issued. Nothing is stored server-side, so an iterator is not
consumed by use: as on AWS, the same iterator may be read again until it expires, and survives a
restart. The payload is signed with a key kept in the stream database, so a forged or altered
iterator is rejected as AWS rejects one: ``InvalidArgumentException: Invalid ShardIterator.``

Layout before base64: ``version (1) | issued ms (8) | position (8) | shard index (4) | stream name``
followed by a 12-byte keyed BLAKE2b tag. With a 128-character stream name this is 220 characters,
inside the 512 the API allows.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import struct
from dataclasses import dataclass

from lakehose.formats.java_dates import java_date
from lakehose.services.kinesis.errors import ExpiredIteratorException, InvalidArgumentException

ITERATOR_LIFETIME_MS = 300_000
_VERSION = 1
_HEADER = struct.Struct(">BQQI")
_TAG_BYTES = 12
_INVALID = "Invalid ShardIterator."


@dataclass(frozen=True)
class IteratorPosition:
    """What a shard iterator points at."""

    stream_name: str
    shard_index: int
    position: int
    issued_ms: int


class IteratorCodec:
    """Encodes and checks shard iterators with one signing key."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def encode(self, where: IteratorPosition) -> str:
        payload = _HEADER.pack(_VERSION, where.issued_ms, where.position, where.shard_index)
        payload += where.stream_name.encode("utf-8")
        return base64.b64encode(payload + self._tag(payload)).decode("ascii")

    def decode(self, text: str, now_ms: int) -> IteratorPosition:
        """The position ``text`` holds; raises AWS's errors for forged or expired iterators."""
        try:
            raw = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidArgumentException(_INVALID) from None
        if len(raw) <= _HEADER.size + _TAG_BYTES:
            raise InvalidArgumentException(_INVALID)
        payload, tag = raw[:-_TAG_BYTES], raw[-_TAG_BYTES:]
        if not hmac.compare_digest(tag, self._tag(payload)):
            raise InvalidArgumentException(_INVALID)
        version, issued_ms, position, shard_index = _HEADER.unpack_from(payload)
        if version != _VERSION or issued_ms > now_ms:
            raise InvalidArgumentException(_INVALID)
        if now_ms - issued_ms > ITERATOR_LIFETIME_MS:
            raise ExpiredIteratorException(
                f"Iterator expired. The iterator was created at time {java_date(issued_ms)} "
                f"while right now it is {java_date(now_ms)} which is further in the future than "
                f"the tolerated delay of {ITERATOR_LIFETIME_MS} milliseconds."
            )
        name = payload[_HEADER.size :].decode("utf-8")
        return IteratorPosition(name, shard_index, position, issued_ms)

    def _tag(self, payload: bytes) -> bytes:
        return hashlib.blake2b(payload, key=self._key, digest_size=_TAG_BYTES).digest()
