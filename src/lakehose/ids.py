"""Identifiers: UUIDs, request ids and random strings, seedable for reproducible tests."""

from __future__ import annotations

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
        self._lock = threading.Lock()

    def uuid4(self) -> str:
        """A version-4 UUID in its canonical 36-character form."""
        with self._lock:
            bits = self._random.getrandbits(128)
        return str(uuid.UUID(int=bits, version=4))

    def request_id(self) -> str:
        """An AWS-style request id (a UUID, as the JSON services send)."""
        return self.uuid4()

    def hex(self, length: int) -> str:
        """``length`` lowercase hexadecimal characters."""
        with self._lock:
            return "".join(self._random.choice("0123456789abcdef") for _ in range(length))

    def alphanumeric(self, length: int) -> str:
        """``length`` characters of A-Z and 0-9 (S3 request ids, Firehose random strings)."""
        with self._lock:
            return "".join(self._random.choice(_ALPHANUMERIC_UPPER) for _ in range(length))

    def integer(self, upper: int) -> int:
        """A uniformly random integer in ``[0, upper)``."""
        with self._lock:
            return self._random.randrange(upper)
