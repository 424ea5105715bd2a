"""``CompressionFormat``: the container, key extension and ``Content-Encoding`` of each object.

| CompressionFormat | extension   | Content-Encoding  | container                                |
|-------------------|-------------|-------------------|------------------------------------------|
| ``UNCOMPRESSED``  | (none)      | (none)            | the records' bytes                       |
| ``GZIP``          | ``.gz``     | ``gzip``          | one gzip member                          |
| ``ZIP``           | ``.zip``    | ``zip``           | one deflated entry named by a UUID       |
| ``Snappy``        | ``.snappy`` | ``snappy-java``   | xerial snappy-java stream                |
| ``HADOOP_SNAPPY`` | ``.snappy`` | ``hadoop-snappy`` | Hadoop ``BlockCompressorStream`` framing |

Extensions and encodings are as emulators observed on real objects; the docs table
``.hsnappy`` for ``HADOOP_SNAPPY`` but the service writes ``.snappy`` (``HADOOP_SNAPPY_EXTENSION``
keeps the choice in one place). Both Snappy containers are written the way snappy-java's
``SnappyOutputStream`` and ``SnappyHadoopCompatibleOutputStream`` write them with their default
32 KiB blocks, which is what AWS's objects were found byte-identical to:

* xerial: a 16-byte header (``\\x82SNAPPY\\x00``, version 1, compatible version 1, both 4-byte
  big-endian), then per block a 4-byte big-endian compressed length and the raw snappy block;
* Hadoop: per block a 4-byte big-endian uncompressed length, a 4-byte compressed length, the
  raw snappy block (no header).

Raw snappy comes from cramjam (the Rust ``snap`` encoder): its bytes may differ from Google's
C++ encoder inside a block, but every snappy decoder reads them. Output is a pure function of the
input (gzip ``mtime`` 0, fixed zip timestamps, zip entry named from the content unless given),
because exactly-once delivery re-writes a lost object byte for byte.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import struct
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field

import cramjam

__all__ = [
    "COMPRESSION_FORMATS",
    "HADOOP_SNAPPY_EXTENSION",
    "PARQUET_CONTENT_ENCODING",
    "PARQUET_EXTENSION",
    "SNAPPY_BLOCK_SIZE",
    "XERIAL_HEADER",
    "Codec",
    "codec_for",
    "object_extension",
]

SNAPPY_BLOCK_SIZE = 32 * 1024  # snappy-java's DEFAULT_BLOCK_SIZE
XERIAL_HEADER = b"\x82SNAPPY\x00" + struct.pack(">ii", 1, 1)
HADOOP_SNAPPY_EXTENSION = ".snappy"  # observed; the docs' table says ".hsnappy"
PARQUET_EXTENSION = ".parquet"
# Converted objects carry this encoding although the body is a plain Parquet file (observed).
PARQUET_CONTENT_ENCODING = "hadoop-snappy"
_GZIP_LEVEL = 6  # zlib's default, as Java's GZIPOutputStream uses
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can carry


@dataclass(frozen=True)
class Codec:
    """One ``CompressionFormat`` value and how an object of that format is built."""

    name: str
    extension: str
    content_encoding: str | None
    _compress: Callable[[bytes, str | None], bytes] = field(repr=False, compare=False)

    def compress(self, data: bytes, *, entry_name: str | None = None) -> bytes:
        """The object body for ``data``. ``entry_name`` names a ZIP entry (ignored otherwise);
        by default it is a UUID derived from the content, so identical input gives identical
        bytes."""
        return self._compress(data, entry_name)


def _identity(data: bytes, _entry: str | None) -> bytes:
    return data


def _gzip(data: bytes, _entry: str | None) -> bytes:
    return gzip.compress(data, compresslevel=_GZIP_LEVEL, mtime=0)


def _zip(data: bytes, entry_name: str | None) -> bytes:
    name = entry_name or str(
        uuid.UUID(bytes=hashlib.md5(data, usedforsecurity=False).digest(), version=4)
    )
    info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(info, data, compresslevel=_GZIP_LEVEL)
    return buffer.getvalue()


def _blocks(data: bytes) -> list[bytes]:
    return [data[pos : pos + SNAPPY_BLOCK_SIZE] for pos in range(0, len(data), SNAPPY_BLOCK_SIZE)]


def _raw_snappy(block: bytes) -> bytes:
    return bytes(cramjam.snappy.compress_raw(block))


def _xerial_snappy(data: bytes, _entry: str | None) -> bytes:
    out = [XERIAL_HEADER]
    for block in _blocks(data):
        compressed = _raw_snappy(block)
        out += [struct.pack(">i", len(compressed)), compressed]
    return b"".join(out)


def _hadoop_snappy(data: bytes, _entry: str | None) -> bytes:
    out = []
    for block in _blocks(data):
        compressed = _raw_snappy(block)
        out += [struct.pack(">ii", len(block), len(compressed)), compressed]
    return b"".join(out)


_CODECS = {
    codec.name: codec
    for codec in (
        Codec("UNCOMPRESSED", "", None, _identity),
        Codec("GZIP", ".gz", "gzip", _gzip),
        Codec("ZIP", ".zip", "zip", _zip),
        Codec("Snappy", ".snappy", "snappy-java", _xerial_snappy),
        Codec("HADOOP_SNAPPY", HADOOP_SNAPPY_EXTENSION, "hadoop-snappy", _hadoop_snappy),
    )
}
COMPRESSION_FORMATS = tuple(_CODECS)


def codec_for(compression_format: str | None) -> Codec:
    """The codec for a ``CompressionFormat`` (case-sensitive, as AWS matches it); ``None`` and
    ``""`` mean ``UNCOMPRESSED``. Raises ``ValueError`` for anything else."""
    try:
        return _CODECS[compression_format or "UNCOMPRESSED"]
    except KeyError:
        raise ValueError(f"unknown CompressionFormat {compression_format!r}") from None


def object_extension(
    compression_format: str | None, file_extension: str | None, *, parquet: bool = False
) -> str:
    """The key's extension: ``FileExtension`` when set (it replaces, never appends), else
    ``.parquet`` for converted objects, else the codec's."""
    if file_extension:
        return file_extension
    return PARQUET_EXTENSION if parquet else codec_for(compression_format).extension
