"""Shard iterators: self-contained, signed tokens that expire fifteen minutes after issue.

An iterator names a stream, one of its shards and the sequence number of the next record to read,
plus the time it was issued; nothing is kept server-side, so an iterator survives a restart and
may be read again until it expires, as AWS's do. It looks like AWS's (``<stream ARN>|1|<base64>``);
the base64 part is ``version (1) | issued ms (8) | position (8) | shard (8)`` followed by a 12-byte
keyed BLAKE2b tag over the ARN and that payload, so a forged or altered iterator is refused.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import struct
from dataclasses import dataclass

from lakehose.formats.java_dates import java_date
from lakehose.services.dynamodbstreams.errors import ExpiredIteratorException, ValidationException

ITERATOR_LIFETIME_MS = 15 * 60 * 1000
_VERSION = 1
_HEADER = struct.Struct(">BQQQ")
_TAG_BYTES = 12
_SEPARATOR = "|1|"
INVALID_ITERATOR = "Invalid ShardIterator"


@dataclass(frozen=True)
class IteratorPosition:
    """What a shard iterator points at: the next sequence number to read in one shard."""

    stream_arn: str
    shard: int
    position: int
    issued_ms: int


class IteratorCodec:
    """Encodes and checks shard iterators with one signing key."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def encode(self, where: IteratorPosition) -> str:
        payload = _HEADER.pack(_VERSION, where.issued_ms, where.position, where.shard)
        tag = self._tag(where.stream_arn, payload)
        return where.stream_arn + _SEPARATOR + base64.b64encode(payload + tag).decode("ascii")

    def decode(self, text: str, now_ms: int) -> IteratorPosition:
        """The position ``text`` holds; AWS's errors for forged or expired iterators."""
        arn, separator, encoded = text.rpartition(_SEPARATOR)
        if not separator:
            raise ValidationException(INVALID_ITERATOR)
        try:
            raw = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise ValidationException(INVALID_ITERATOR) from None
        if len(raw) != _HEADER.size + _TAG_BYTES:
            raise ValidationException(INVALID_ITERATOR)
        payload, tag = raw[: _HEADER.size], raw[_HEADER.size :]
        if not hmac.compare_digest(tag, self._tag(arn, payload)):
            raise ValidationException(INVALID_ITERATOR)
        version, issued_ms, position, shard = _HEADER.unpack(payload)
        if version != _VERSION or issued_ms > now_ms:
            raise ValidationException(INVALID_ITERATOR)
        if now_ms - issued_ms > ITERATOR_LIFETIME_MS:
            raise ExpiredIteratorException(
                f"Iterator expired. The iterator was created at time {java_date(issued_ms)} "
                f"while right now it is {java_date(now_ms)} which is further in the future than "
                f"the tolerated delay of {ITERATOR_LIFETIME_MS} milliseconds."
            )
        return IteratorPosition(arn, shard, position, issued_ms)

    def _tag(self, arn: str, payload: bytes) -> bytes:
        digest = hashlib.blake2b(key=self._key, digest_size=_TAG_BYTES)
        digest.update(arn.encode("utf-8") + b"\0" + payload)
        return digest.digest()
