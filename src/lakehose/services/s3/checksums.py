"""S3's additional checksums (``x-amz-checksum-*``) and ``Content-MD5``: computed, checked, kept.

A request names at most one checksum, as a header (or an aws-chunked trailer the gateway turned
into one); S3 checks it against the body, stores it, and returns it with ``ChecksumMode``. Values
travel base64-encoded, CRCs as big-endian integers. CRC32 comes from zlib; CRC32C and CRC64NVME
have no implementation in the standard library or our dependencies (botocore's needs awscrt), so
they are table-driven here: reflected CRCs with initial value and final XOR all ones, as the
NVMe specification and RFC 3720 define them.

A multipart object's checksum is COMPOSITE (the checksum of the parts' raw checksums, suffixed
``-N``) or FULL_OBJECT (the checksum of the whole object, computed here over the assembled data).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from botocore import xform_name

from lakehose.services.s3.errors import BadDigest, InvalidDigest, InvalidRequest, UnsupportedHeader

FULL_OBJECT = "FULL_OBJECT"
COMPOSITE = "COMPOSITE"
_CRC32C_POLYNOMIAL = 0x82F63B78  # Castagnoli, reflected
_CRC64NVME_POLYNOMIAL = 0x9A6C9329AC4BC9B5  # NVMe, reflected
_UNSUPPORTED = ("XXHASH64", "XXHASH3", "XXHASH128")


class Hasher(Protocol):
    def update(self, data: bytes, /) -> None: ...

    def digest(self) -> bytes: ...


class _Crc32:
    def __init__(self) -> None:
        self._value = 0

    def update(self, data: bytes, /) -> None:
        self._value = zlib.crc32(data, self._value)

    def digest(self) -> bytes:
        return self._value.to_bytes(4, "big")


def _crc_table(polynomial: int) -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ polynomial if crc & 1 else crc >> 1
        table.append(crc)
    return tuple(table)


class _TableCrc:
    """A reflected CRC of ``width`` bits, one table lookup per byte."""

    def __init__(self, table: tuple[int, ...], width: int) -> None:
        self._table = table
        self._width = width
        self._mask = (1 << width) - 1
        self._value = self._mask

    def update(self, data: bytes, /) -> None:
        table, crc = self._table, self._value
        for byte in data:
            crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
        self._value = crc

    def digest(self) -> bytes:
        return (self._value ^ self._mask).to_bytes(self._width // 8, "big")


_CRC32C_TABLE = _crc_table(_CRC32C_POLYNOMIAL)
_CRC64NVME_TABLE = _crc_table(_CRC64NVME_POLYNOMIAL)

HASHERS: dict[str, Callable[[], Hasher]] = {
    "CRC32": _Crc32,
    "CRC32C": lambda: _TableCrc(_CRC32C_TABLE, 32),
    "CRC64NVME": lambda: _TableCrc(_CRC64NVME_TABLE, 64),
    "SHA1": hashlib.sha1,
    "SHA256": hashlib.sha256,
    "SHA512": hashlib.sha512,
    "MD5": hashlib.md5,
}
_DIGEST_SIZES = {"CRC32": 4, "CRC32C": 4, "CRC64NVME": 8, "SHA1": 20, "SHA256": 32}
_DIGEST_SIZES |= {"SHA512": 64, "MD5": 16}
# The engine methods' keyword for each algorithm's header member: checksum_crc64_nvme, ...
KEYWORDS = {xform_name(f"Checksum{name}"): name for name in (*HASHERS, *_UNSUPPORTED)}


@dataclass(frozen=True)
class Checksum:
    """A stored checksum: algorithm, base64 value (``-N`` suffixed if composite) and type."""

    algorithm: str
    value: str
    type: str = FULL_OBJECT

    def members(self) -> dict[str, str]:
        """The output members that carry it (``ChecksumCRC32``, ``ChecksumType``)."""
        return {f"Checksum{self.algorithm}": self.value, "ChecksumType": self.type}


def encode(digest: bytes) -> str:
    return base64.b64encode(digest).decode("ascii")


def compute(algorithm: str, chunks: Iterable[bytes]) -> str:
    hasher = HASHERS[algorithm]()
    for chunk in chunks:
        hasher.update(chunk)
    return encode(hasher.digest())


class Digester:
    """The MD5 (for the ETag) and, optionally, one checksum of data, taken as it streams by."""

    def __init__(self, algorithm: str | None, *, md5: bool = True) -> None:
        self.algorithm = algorithm
        self._md5 = hashlib.md5() if md5 else None
        self._hasher = HASHERS[algorithm]() if algorithm else None

    def feed(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        for chunk in chunks:
            if self._md5 is not None:
                self._md5.update(chunk)
            if self._hasher is not None:
                self._hasher.update(chunk)
            yield chunk

    @property
    def etag(self) -> str:
        return self._md5.hexdigest() if self._md5 is not None else ""

    @property
    def checksum(self) -> Checksum | None:
        if self.algorithm is None or self._hasher is None:
            return None
        return Checksum(self.algorithm, encode(self._hasher.digest()))


def composite(algorithm: str, part_values: list[str]) -> str:
    """S3's checksum of checksums: over the parts' raw digests, then ``-<part count>``."""
    joined = b"".join(base64.b64decode(value) for value in part_values)
    return f"{compute(algorithm, [joined])}-{len(part_values)}"


def algorithm_named(name: str) -> str:
    """A checksum algorithm a request names (``x-amz-checksum-algorithm``), upper-cased."""
    upper = name.upper()
    if upper in _UNSUPPORTED:
        raise UnsupportedHeader("x-amz-checksum-algorithm")
    if upper not in HASHERS:
        raise InvalidRequest(
            "Checksum algorithm provided is unsupported. Please try again with any of the valid "
            f"types: [{', '.join(HASHERS)}]"
        )
    return upper


def requested(sdk_algorithm: str | None, values: Mapping[str, Any]) -> tuple[str, str] | None:
    """The (algorithm, value) a request's ``x-amz-checksum-*`` headers declare, checked for form.

    ``values`` are the engine method's checksum keywords; any other keyword is an option
    lakehose does not implement and is refused rather than dropped.
    """
    given: dict[str, str] = {}
    for keyword, value in values.items():
        if keyword not in KEYWORDS:
            raise UnsupportedHeader(keyword)
        if value is not None:
            given[KEYWORDS[keyword]] = str(value)
    if len(given) > 1:
        raise InvalidRequest(
            "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed."
        )
    if sdk_algorithm is not None:
        named = algorithm_named(sdk_algorithm)
        if not given:
            raise InvalidRequest(
                "x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* "
                "or x-amz-trailer headers were found."
            )
        if named not in given:
            raise InvalidRequest("Value for x-amz-sdk-checksum-algorithm header is invalid.")
    if not given:
        return None
    algorithm, value = next(iter(given.items()))
    if algorithm in _UNSUPPORTED:
        raise UnsupportedHeader(f"x-amz-checksum-{algorithm.lower()}")
    if _decoded_size(value) != _DIGEST_SIZES[algorithm]:
        raise InvalidRequest(f"Value for x-amz-checksum-{algorithm.lower()} header is invalid.")
    return algorithm, value


def verify(declared: tuple[str, str] | None, data: bytes) -> Checksum | None:
    """The declared checksum, once the body has been found to match it (``BadDigest``)."""
    if declared is None:
        return None
    algorithm, value = declared
    if compute(algorithm, [data]) != value:
        raise BadDigest.checksum(algorithm)
    return Checksum(algorithm, value)


def check_content_md5(given: str | None, md5_digest: bytes) -> None:
    """``Content-MD5``: 16 bytes in base64 (``InvalidDigest``), equal to the body's MD5."""
    if given is None:
        return
    if _decoded_size(given) != 16:
        raise InvalidDigest(given)
    if base64.b64decode(given) != md5_digest:
        expected = base64.b64decode(given).hex()
        raise BadDigest.content_md5(expected, encode(md5_digest))


def _decoded_size(value: str) -> int:
    try:
        return len(base64.b64decode(value, validate=True))
    except (binascii.Error, ValueError):
        return -1
