"""Shard iterators: opaque, AWS-shaped tokens that expire five minutes after issue.

An iterator names a stream, a shard and a position in it (the per-shard counter of the next record
to read), plus the time it was issued. Nothing is stored server-side, so an iterator is not
consumed by use: as on AWS, the same iterator may be read again until it expires, and survives a
restart. A forged or altered iterator is rejected as AWS rejects one:
``InvalidArgumentException: Invalid ShardIterator.``

The shape is AWS's (as kinesalite observed it against the service): base64 of an 8-byte header
``00 00 00 00 00 00 00 01`` followed by an encrypted body whose length is a multiple of 16 and
grows with the stream name, ``152 + 16 * floor((len(name) + 2) / 16)`` bytes in all, so the text
starts with ten ``A`` and one of ``EFGH``, and is 204 to 376 characters long (the API allows 512).

The body is ``ciphertext | tag``: the plaintext ``version (1) | issued ms (8) | position (8) |
shard index (4) | name length (1) | name`` is zero-padded to its length, the 16-byte tag is a
keyed BLAKE2b of the plaintext, and the ciphertext is the plaintext XORed with a BLAKE2b key
stream seeded by the tag (a synthetic-IV construction: no nonce to store, and a changed byte
anywhere fails the tag). Both keys derive from the one kept in the stream database.

Iterators issued before this layout (``version (1) | issued ms | position | shard | name`` and a
12-byte tag, in base64) are still read until they expire.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import struct
from dataclasses import dataclass
from datetime import UTC, datetime

from lakehose.services.kinesis.errors import ExpiredIteratorException, InvalidArgumentException

ITERATOR_LIFETIME_MS = 300_000
_HEADER = bytes(7) + b"\x01"
_VERSION = 2
_FIELDS = struct.Struct(">BQQIB")
_TAG_BYTES = 16
_BLOCK = 16
_LEGACY_VERSION = 1
_LEGACY_FIELDS = struct.Struct(">BQQI")
_LEGACY_TAG_BYTES = 12
_INVALID = "Invalid ShardIterator."


@dataclass(frozen=True)
class IteratorPosition:
    """What a shard iterator points at."""

    stream_name: str
    shard_index: int
    position: int
    issued_ms: int


class IteratorCodec:
    """Encodes and checks shard iterators with one secret key."""

    def __init__(self, key: bytes) -> None:
        self._legacy_key = key
        self._mac_key = hashlib.blake2b(key, person=b"iterator-mac").digest()
        self._stream_key = hashlib.blake2b(key, person=b"iterator-enc").digest()

    def encode(self, where: IteratorPosition) -> str:
        name = where.stream_name.encode("utf-8")
        plain = _FIELDS.pack(
            _VERSION, where.issued_ms, where.position, where.shard_index, len(name)
        )
        plain = (plain + name).ljust(_body_length(len(name)) - _TAG_BYTES, b"\0")
        tag = self._tag(plain)
        sealed = _xor(plain, self._key_stream(tag, len(plain)))
        return base64.b64encode(_HEADER + sealed + tag).decode("ascii")

    def decode(self, text: str, now_ms: int) -> IteratorPosition:
        """The position ``text`` holds; raises AWS's errors for forged or expired iterators."""
        try:
            raw = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidArgumentException(_INVALID) from None
        where = self._open(raw) if raw.startswith(_HEADER) else self._open_legacy(raw)
        if where.issued_ms > now_ms:
            raise InvalidArgumentException(_INVALID)
        if now_ms - where.issued_ms > ITERATOR_LIFETIME_MS:
            raise ExpiredIteratorException(
                f"Iterator expired. The iterator was created at time {java_date(where.issued_ms)} "
                f"while right now it is {java_date(now_ms)} which is further in the future than "
                f"the tolerated delay of {ITERATOR_LIFETIME_MS} milliseconds."
            )
        return where

    def _open(self, raw: bytes) -> IteratorPosition:
        body = raw[len(_HEADER) :]
        if len(body) % _BLOCK or len(body) < _FIELDS.size + _TAG_BYTES:
            raise InvalidArgumentException(_INVALID)
        sealed, tag = body[:-_TAG_BYTES], body[-_TAG_BYTES:]
        plain = _xor(sealed, self._key_stream(tag, len(sealed)))
        if not hmac.compare_digest(tag, self._tag(plain)):
            raise InvalidArgumentException(_INVALID)
        version, issued_ms, position, shard_index, length = _FIELDS.unpack_from(plain)
        name = plain[_FIELDS.size : _FIELDS.size + length]
        if version != _VERSION or len(name) != length:
            raise InvalidArgumentException(_INVALID)
        return IteratorPosition(name.decode("utf-8"), shard_index, position, issued_ms)

    def _open_legacy(self, raw: bytes) -> IteratorPosition:
        if len(raw) <= _LEGACY_FIELDS.size + _LEGACY_TAG_BYTES:
            raise InvalidArgumentException(_INVALID)
        payload, tag = raw[:-_LEGACY_TAG_BYTES], raw[-_LEGACY_TAG_BYTES:]
        expected = hashlib.blake2b(
            payload, key=self._legacy_key, digest_size=_LEGACY_TAG_BYTES
        ).digest()
        if not hmac.compare_digest(tag, expected):
            raise InvalidArgumentException(_INVALID)
        version, issued_ms, position, shard_index = _LEGACY_FIELDS.unpack_from(payload)
        if version != _LEGACY_VERSION:
            raise InvalidArgumentException(_INVALID)
        name = payload[_LEGACY_FIELDS.size :].decode("utf-8")
        return IteratorPosition(name, shard_index, position, issued_ms)

    def _tag(self, plain: bytes) -> bytes:
        return hashlib.blake2b(plain, key=self._mac_key, digest_size=_TAG_BYTES).digest()

    def _key_stream(self, seed: bytes, length: int) -> bytes:
        blocks = (
            hashlib.blake2b(seed + struct.pack(">I", counter), key=self._stream_key).digest()
            for counter in range(-(-length // 64))
        )
        return b"".join(blocks)[:length]


def _body_length(name_bytes: int) -> int:
    """The encrypted body's length: AWS's iterator length less the 8-byte header."""
    return 144 + _BLOCK * ((name_bytes + 2) // _BLOCK)


def _xor(data: bytes, stream: bytes) -> bytes:
    return (int.from_bytes(data, "big") ^ int.from_bytes(stream, "big")).to_bytes(len(data), "big")


def java_date(epoch_ms: int) -> str:
    """``Thu Jan 22 01:22:02 UTC 2015``: Java's ``Date.toString`` in UTC, as AWS's messages use."""
    # Names spelled out: strftime's %a and %b follow the process locale, AWS's text does not.
    moment = datetime.fromtimestamp(epoch_ms / 1000, tz=UTC)
    day = _DAYS[moment.weekday()]
    month = _MONTHS[moment.month - 1]
    return f"{day} {month} {moment:%d %H:%M:%S} UTC {moment.year}"


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
