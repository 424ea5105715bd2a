"""Each CompressionFormat round-trips through an independent decoder, byte-identically."""

from __future__ import annotations

import gzip
import io
import struct
import zipfile

import cramjam
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lakehose.services.firehose.codecs import (
    COMPRESSION_FORMATS,
    codec_for,
    object_extension,
)

BLOCK = 32 * 1024
RECORDS = b'{"id":{"S":"1679514916"},"HeartRate":{"S":"123"}}\n' * 2000  # ~100 KB, 4 blocks


def read_xerial(body: bytes) -> tuple[bytes, list[int]]:
    """snappy-java's SnappyInputStream, re-derived from its format: 8-byte magic, two
    big-endian ints (version, compatible version), then (length, raw snappy block) pairs."""
    assert body[:8] == b"\x82SNAPPY\x00"
    version, compatible = struct.unpack(">ii", body[8:16])
    assert (version, compatible) == (1, 1)
    out, sizes, pos = [], [], 16
    while pos < len(body):
        (length,) = struct.unpack(">i", body[pos : pos + 4])
        block = bytes(cramjam.snappy.decompress_raw(body[pos + 4 : pos + 4 + length]))
        out.append(block)
        sizes.append(len(block))
        pos += 4 + length
    assert pos == len(body)
    return b"".join(out), sizes


def read_hadoop(body: bytes) -> tuple[bytes, list[int]]:
    """Hadoop's BlockDecompressorStream: per block the uncompressed length, then compressed
    chunks (length + raw snappy) until that many bytes are out."""
    out, sizes, pos = [], [], 0
    while pos < len(body):
        (expected,) = struct.unpack(">i", body[pos : pos + 4])
        pos += 4
        block = b""
        while len(block) < expected:
            (length,) = struct.unpack(">i", body[pos : pos + 4])
            block += bytes(cramjam.snappy.decompress_raw(body[pos + 4 : pos + 4 + length]))
            pos += 4 + length
        assert len(block) == expected
        out.append(block)
        sizes.append(expected)
    return b"".join(out), sizes


def read_zip(body: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        (name,) = archive.namelist()
        return archive.read(name)


def test_uncompressed_is_the_bytes_themselves() -> None:
    codec = codec_for("UNCOMPRESSED")
    assert codec.compress(b"abcabcabc") == b"abcabcabc"
    assert (codec.extension, codec.content_encoding) == ("", None)
    assert codec_for(None) is codec and codec_for("") is codec


def test_gzip_is_one_member_python_reads() -> None:
    codec = codec_for("GZIP")
    body = codec.compress(RECORDS)
    assert gzip.decompress(body) == RECORDS
    assert body[:2] == b"\x1f\x8b" and body[4:8] == b"\x00\x00\x00\x00"  # mtime 0
    assert (codec.extension, codec.content_encoding) == (".gz", "gzip")


def test_zip_holds_one_deflated_entry_named_by_a_uuid() -> None:
    codec = codec_for("ZIP")
    body = codec.compress(RECORDS)
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        (info,) = archive.infolist()
        assert info.compress_type == zipfile.ZIP_DEFLATED
        assert len(info.filename) == 36 and info.filename.count("-") == 4
        assert archive.read(info) == RECORDS
    named = codec.compress(RECORDS, entry_name="0f8fad5b-d9cb-469f-a165-70867728950e")
    assert zipfile.ZipFile(io.BytesIO(named)).namelist() == ["0f8fad5b-d9cb-469f-a165-70867728950e"]
    assert (codec.extension, codec.content_encoding) == (".zip", "zip")


def test_snappy_is_the_xerial_stream_in_32k_blocks() -> None:
    codec = codec_for("Snappy")
    body = codec.compress(RECORDS)
    data, sizes = read_xerial(body)
    assert data == RECORDS
    assert sizes == [BLOCK, BLOCK, BLOCK, len(RECORDS) - 3 * BLOCK]
    assert (codec.extension, codec.content_encoding) == (".snappy", "snappy-java")


def test_hadoop_snappy_is_block_framing_without_a_header() -> None:
    codec = codec_for("HADOOP_SNAPPY")
    body = codec.compress(RECORDS)
    assert struct.unpack(">i", body[:4]) == (BLOCK,)
    data, sizes = read_hadoop(body)
    assert data == RECORDS and len(sizes) == 4
    assert (codec.extension, codec.content_encoding) == (".snappy", "hadoop-snappy")


def test_empty_objects() -> None:
    assert read_xerial(codec_for("Snappy").compress(b"")) == (b"", [])
    assert codec_for("HADOOP_SNAPPY").compress(b"") == b""
    assert gzip.decompress(codec_for("GZIP").compress(b"")) == b""


@pytest.mark.parametrize("name", ["SNAPPY", "gzip", "Zip", "LZ4"])
def test_formats_are_case_sensitive(name: str) -> None:
    with pytest.raises(ValueError, match="unknown CompressionFormat"):
        codec_for(name)


@settings(max_examples=40)
@given(st.binary(max_size=3 * BLOCK), st.sampled_from(COMPRESSION_FORMATS))
def test_every_codec_round_trips_and_is_deterministic(data: bytes, name: str) -> None:
    codec = codec_for(name)
    body = codec.compress(data)
    assert codec.compress(data) == body  # exactly-once re-delivery rewrites identical bytes
    decoders = {
        "UNCOMPRESSED": lambda b: b,
        "GZIP": gzip.decompress,
        "ZIP": read_zip,
        "Snappy": lambda b: read_xerial(b)[0],
        "HADOOP_SNAPPY": lambda b: read_hadoop(b)[0],
    }
    assert decoders[name](body) == data


@pytest.mark.parametrize(
    ("compression", "file_extension", "parquet", "expected"),
    [
        ("GZIP", None, False, ".gz"),
        ("GZIP", "", False, ".gz"),  # "" means unset
        ("GZIP", ".custom.log", False, ".custom.log"),  # replaces, never appends
        ("UNCOMPRESSED", None, False, ""),
        ("HADOOP_SNAPPY", None, False, ".snappy"),
        ("UNCOMPRESSED", None, True, ".parquet"),
        ("UNCOMPRESSED", ".pq", True, ".pq"),
    ],
)
def test_object_extensions(
    compression: str, file_extension: str | None, parquet: bool, expected: str
) -> None:
    assert object_extension(compression, file_extension, parquet=parquet) == expected
