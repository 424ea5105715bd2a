"""Identifiers: UUIDs, request ids and random strings, seedable for reproducible tests."""

from __future__ import annotations

import os
import random
import string
import threading
import uuid

_ALPHANUMERIC_UPPER = string.ascii_uppercase + string.digits


class IdGenerator:
    """Random identifiers from one seedable source.

    With ``seed=None`` the source is the operating system's CSPRNG; with a seed the sequence is
    reproducible, which tests use to pin object keys and event ids.
    """

    def __init__(self, seed: int | None = None) -> None:
        self._random: random.Random = random.SystemRandom() if seed is None else random.Random(seed)
        self._seeded = seed is not None
        self._lock = threading.Lock()

    def uuid4(self) -> str:
        """A version-4 UUID in its canonical 36-character form."""
        if not self._seeded:
            return _uuid4_text(os.urandom(16))
        with self._lock:
            bits = self._random.getrandbits(128)
        return str(uuid.UUID(int=bits, version=4))

    def request_id(self) -> str:
        """An AWS-style request id (a UUID, as the JSON services send)."""
        return self.uuid4()

    def hex(self, length: int) -> str:
        """``length`` lowercase hexadecimal characters."""
        if not self._seeded:
            return os.urandom((length + 1) // 2).hex()[:length]
        with self._lock:
            return "".join(self._random.choice("0123456789abcdef") for _ in range(length))

    def alphanumeric(self, length: int) -> str:
        """``length`` characters of A-Z and 0-9 (S3 request ids, Firehose random strings)."""
        if not self._seeded:
            return _os_choices(_ALPHANUMERIC_UPPER, length)
        with self._lock:
            return "".join(self._random.choice(_ALPHANUMERIC_UPPER) for _ in range(length))

    def integer(self, upper: int) -> int:
        """A uniformly random integer in ``[0, upper)``."""
        with self._lock:
            return self._random.randrange(upper)


def _os_choices(alphabet: str, length: int) -> str:
    """``length`` uniform picks from ``alphabet`` (at most 256 characters) out of one or two
    reads of the CSPRNG: a request id is taken on every call, and one system call per character
    was a quarter of a small request's CPU. Bytes past the largest multiple of the alphabet's
    size are skipped, so every character stays equally likely."""
    size = len(alphabet)
    usable = 256 - 256 % size
    picked: list[str] = []
    while len(picked) < length:
        picked.extend(alphabet[byte % size] for byte in os.urandom(2 * length) if byte < usable)
    return "".join(picked[:length])


def _uuid4_text(random_bytes: bytes) -> str:
    """The canonical text of the version-4 UUID made from 16 random bytes (RFC 9562: version
    nibble 4, variant bits 10), without building a ``uuid.UUID`` on every request."""
    raw = bytearray(random_bytes)
    raw[6] = (raw[6] & 0x0F) | 0x40
    raw[8] = (raw[8] & 0x3F) | 0x80
    text = raw.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
