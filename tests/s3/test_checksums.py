"""Additional checksums and Content-MD5: checked against the body, stored, returned."""

from __future__ import annotations

import base64
import hashlib
import zlib
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError
from hypothesis import given
from hypothesis import strategies as st

from lakehose.services.s3 import checksums
from tests.s3.conftest import error_code, error_of, fetch

CHECK = b"123456789"  # the check input every CRC catalogue gives its value for


def b64(value: int, size: int) -> str:
    return base64.b64encode(value.to_bytes(size, "big")).decode()


# Catalogue values: CRC-32C (iSCSI) 0xE3069283, CRC-64/NVME 0xAE8B14860A799888.
CRC32C_CHECK = b64(0xE3069283, 4)
CRC64NVME_CHECK = b64(0xAE8B14860A799888, 8)


def test_table_crcs_match_the_catalogue_check_values() -> None:
    assert checksums.compute("CRC32C", [CHECK]) == CRC32C_CHECK
    assert checksums.compute("CRC64NVME", [CHECK]) == CRC64NVME_CHECK
    assert checksums.compute("CRC32", [CHECK]) == b64(0xCBF43926, 4)


@given(st.binary(max_size=300), st.integers(min_value=0, max_value=300))
def test_crcs_do_not_depend_on_how_the_body_is_split(data: bytes, cut: int) -> None:
    for algorithm in checksums.HASHERS:
        whole = checksums.compute(algorithm, [data])
        assert checksums.compute(algorithm, [data[:cut], data[cut:]]) == whole


def test_crc32_agrees_with_zlib() -> None:
    data = bytes(range(256)) * 3
    assert checksums.compute("CRC32", [data]) == b64(zlib.crc32(data), 4)


def test_default_crc32_is_stored_and_returned(s3: Any, bucket: str) -> None:
    put = s3.put_object(Bucket=bucket, Key="k", Body=CHECK)
    assert put["ChecksumCRC32"] == b64(0xCBF43926, 4)
    assert put["ChecksumType"] == "FULL_OBJECT"
    got = fetch(s3, Bucket=bucket, Key="k", ChecksumMode="ENABLED")
    assert (got["ChecksumCRC32"], got["Body"]) == (b64(0xCBF43926, 4), CHECK)
    listed = s3.list_objects_v2(Bucket=bucket)["Contents"][0]
    assert (listed["ChecksumAlgorithm"], listed["ChecksumType"]) == (["CRC32"], "FULL_OBJECT")


@pytest.mark.parametrize(
    ("member", "value"),
    [
        ("ChecksumCRC32C", CRC32C_CHECK),
        ("ChecksumCRC64NVME", CRC64NVME_CHECK),
        ("ChecksumSHA256", base64.b64encode(hashlib.sha256(CHECK).digest()).decode()),
        ("ChecksumSHA1", base64.b64encode(hashlib.sha1(CHECK).digest()).decode()),
    ],
)
def test_each_algorithm_is_verified_and_kept(s3: Any, bucket: str, member: str, value: str) -> None:
    put = s3.put_object(Bucket=bucket, Key="k", Body=CHECK, **{member: value})
    assert put[member] == value
    got = fetch(s3, Bucket=bucket, Key="k", ChecksumMode="ENABLED")
    assert (got[member], got["Body"]) == (value, CHECK)
    with pytest.raises(ClientError) as error:
        s3.put_object(Bucket=bucket, Key="k", Body=CHECK + b"!", **{member: value})
    algorithm = member.removeprefix("Checksum")
    assert (error_code(error), error_of(error)["Message"]) == (
        "BadDigest",
        f"The {algorithm} you specified did not match the calculated checksum.",
    )


def test_malformed_and_multiple_checksums(s3: Any, bucket: str) -> None:
    with pytest.raises(ClientError) as malformed:
        s3.put_object(Bucket=bucket, Key="k", Body=b"x", ChecksumCRC32="not base64!")
    assert (error_code(malformed), error_of(malformed)["Message"]) == (
        "InvalidRequest",
        "Value for x-amz-checksum-crc32 header is invalid.",
    )
    crc = checksums.compute("CRC32", [b"x"])
    sha = checksums.compute("SHA256", [b"x"])
    with pytest.raises(ClientError) as several:
        s3.put_object(Bucket=bucket, Key="k", Body=b"x", ChecksumCRC32=crc, ChecksumSHA256=sha)
    assert error_of(several)["Message"] == (
        "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed."
    )


@pytest.fixture
def without_checksum_header(s3: Any) -> Iterator[Any]:
    """The client, sending ``x-amz-sdk-checksum-algorithm`` without the value it announces."""

    def drop(request: Any, **_: Any) -> None:
        del request.headers["x-amz-checksum-crc32"]

    s3.meta.events.register("before-sign.s3.PutObject", drop)
    yield s3
    s3.meta.events.unregister("before-sign.s3.PutObject", drop)


def test_an_announced_checksum_must_come(without_checksum_header: Any, bucket: str) -> None:
    with pytest.raises(ClientError) as error:
        without_checksum_header.put_object(Bucket=bucket, Key="k", Body=b"x")
    assert (error_code(error), error_of(error)["Message"]) == (
        "InvalidRequest",
        "x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* or "
        "x-amz-trailer headers were found.",
    )


def test_content_md5(s3: Any, bucket: str) -> None:
    good = base64.b64encode(hashlib.md5(b"data").digest()).decode()
    s3.put_object(Bucket=bucket, Key="k", Body=b"data", ContentMD5=good)
    with pytest.raises(ClientError) as bad:
        s3.put_object(Bucket=bucket, Key="k", Body=b"other", ContentMD5=good)
    details = error_of(bad)
    assert (details["Code"], details["Message"]) == (
        "BadDigest",
        "The Content-MD5 you specified did not match what we received.",
    )
    assert details["ExpectedDigest"] == hashlib.md5(b"data").hexdigest()
    with pytest.raises(ClientError) as invalid:
        s3.put_object(Bucket=bucket, Key="k", Body=b"data", ContentMD5="c2hvcnQ=")
    assert (error_code(invalid), error_of(invalid)["Message"]) == (
        "InvalidDigest",
        "The Content-MD5 you specified was invalid.",
    )


def test_xxhash_is_refused_as_not_implemented(s3: Any, bucket: str) -> None:
    with pytest.raises(ClientError) as error:
        s3.put_object(Bucket=bucket, Key="k", Body=b"x", ChecksumXXHASH64="AAAAAAAAAAA=")
    assert (error_code(error), error_of(error)["Status"]) == ("NotImplemented", 501)


def test_object_attributes(s3: Any, bucket: str) -> None:
    put = s3.put_object(Bucket=bucket, Key="k", Body=b"attrs", ChecksumAlgorithm="SHA256")
    everything = ["ETag", "Checksum", "ObjectParts", "StorageClass", "ObjectSize"]
    got = s3.get_object_attributes(Bucket=bucket, Key="k", ObjectAttributes=everything)
    assert {k: v for k, v in got.items() if k not in ("ResponseMetadata", "LastModified")} == {
        "ETag": put["ETag"].strip('"'),  # without quotes, as S3 sends it here
        "Checksum": {"ChecksumSHA256": put["ChecksumSHA256"], "ChecksumType": "FULL_OBJECT"},
        "StorageClass": "STANDARD",
        "ObjectSize": 5,
    }
    upload = s3.create_multipart_upload(Bucket=bucket, Key="m")["UploadId"]
    part = s3.upload_part(Bucket=bucket, Key="m", UploadId=upload, PartNumber=1, Body=b"p")
    s3.complete_multipart_upload(
        Bucket=bucket,
        Key="m",
        UploadId=upload,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]},
    )
    parts = s3.get_object_attributes(Bucket=bucket, Key="m", ObjectAttributes=["ObjectParts"])
    assert parts["ObjectParts"] == {"TotalPartsCount": 1}
    with pytest.raises(ClientError) as missing:
        s3.get_object_attributes(Bucket=bucket, Key="absent", ObjectAttributes=["ETag"])
    assert error_code(missing) == "NoSuchKey"
