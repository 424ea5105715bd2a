"""Multipart uploads: parts, completion and its ETag, copies, listings and every refusal."""

from __future__ import annotations

import base64
import hashlib
import zlib
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.s3.conftest import MiB, error_code, error_of, fetch

PART = bytes(range(256)) * (5 * MiB // 256)  # exactly the 5 MiB minimum
TAIL = b"the last part may be small"


def multipart_etag(*parts: bytes) -> str:
    digests = b"".join(hashlib.md5(part).digest() for part in parts)
    return f'"{hashlib.md5(digests).hexdigest()}-{len(parts)}"'


def crc32(data: bytes) -> str:
    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


def upload(s3: Any, bucket: str, key: str, *parts: bytes, **create: Any) -> tuple[str, list[Any]]:
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key=key, **create)["UploadId"]
    done = []
    for number, data in enumerate(parts, start=1):
        answer = s3.upload_part(
            Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=data
        )
        done.append({"PartNumber": number, "ETag": answer["ETag"]})
    return upload_id, done


def test_complete_assembles_the_parts_with_the_multipart_etag(s3: Any, bucket: str) -> None:
    upload_id, parts = upload(
        s3, bucket, "big/object", PART, TAIL, ContentType="text/plain", Metadata={"m": "1"}
    )
    completed = s3.complete_multipart_upload(
        Bucket=bucket, Key="big/object", UploadId=upload_id, MultipartUpload={"Parts": parts}
    )
    assert completed["ETag"] == multipart_etag(PART, TAIL)
    assert (completed["Bucket"], completed["Key"]) == (bucket, "big/object")
    assert completed["Location"].endswith(f"/{bucket}/big/object")
    got = fetch(s3, Bucket=bucket, Key="big/object")
    assert got["Body"] == PART + TAIL
    assert (got["ETag"], got["ContentLength"]) == (multipart_etag(PART, TAIL), len(PART + TAIL))
    assert (got["ContentType"], got["Metadata"]) == ("text/plain", {"m": "1"})
    ranged = fetch(
        s3, Bucket=bucket, Key="big/object", Range=f"bytes={len(PART) - 2}-{len(PART) + 2}"
    )
    assert ranged["Body"] == (PART + TAIL)[len(PART) - 2 : len(PART) + 3]
    with pytest.raises(ClientError) as finished:
        s3.list_parts(Bucket=bucket, Key="big/object", UploadId=upload_id)
    assert error_code(finished) == "NoSuchUpload"


def test_only_listed_parts_count_and_a_part_can_be_replaced(s3: Any, bucket: str) -> None:
    upload_id, parts = upload(s3, bucket, "k", b"first", b"unused")
    again = s3.upload_part(Bucket=bucket, Key="k", UploadId=upload_id, PartNumber=1, Body=b"one")
    listed = s3.list_parts(Bucket=bucket, Key="k", UploadId=upload_id)
    assert [(p["PartNumber"], p["Size"], p["ETag"]) for p in listed["Parts"]] == [
        (1, 3, again["ETag"]),
        (2, 6, parts[1]["ETag"]),
    ]
    assert (listed["IsTruncated"], listed["MaxParts"], listed["StorageClass"]) == (
        False,
        1000,
        "STANDARD",
    )
    s3.complete_multipart_upload(
        Bucket=bucket,
        Key="k",
        UploadId=upload_id,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": again["ETag"]}]},
    )
    assert fetch(s3, Bucket=bucket, Key="k")["Body"] == b"one"


def test_list_parts_pages(s3: Any, bucket: str) -> None:
    upload_id, _ = upload(s3, bucket, "k", b"a", b"b", b"c")
    first = s3.list_parts(Bucket=bucket, Key="k", UploadId=upload_id, MaxParts=2)
    assert [p["PartNumber"] for p in first["Parts"]] == [1, 2]
    assert (first["IsTruncated"], first["NextPartNumberMarker"]) == (True, 2)
    rest = s3.list_parts(Bucket=bucket, Key="k", UploadId=upload_id, PartNumberMarker=2)
    assert [p["PartNumber"] for p in rest["Parts"]] == [3]
    assert rest["IsTruncated"] is False


@pytest.mark.parametrize(
    ("listed", "code"),
    [
        ([{"PartNumber": 2, "ETag": "x"}, {"PartNumber": 1, "ETag": "x"}], "InvalidPartOrder"),
        ([{"PartNumber": 1, "ETag": '"0123"'}], "InvalidPart"),
        ([{"PartNumber": 9, "ETag": '"0123"'}], "InvalidPart"),
    ],
)
def test_completion_refuses_bad_part_lists(
    s3: Any, bucket: str, listed: list[Any], code: str
) -> None:
    upload_id, _ = upload(s3, bucket, "k", b"a")
    with pytest.raises(ClientError) as error:
        s3.complete_multipart_upload(
            Bucket=bucket, Key="k", UploadId=upload_id, MultipartUpload={"Parts": listed}
        )
    details = error_of(error)
    assert (details["Code"], details["Status"]) == (code, 400)
    # A refused completion leaves the upload as it was.
    assert len(s3.list_parts(Bucket=bucket, Key="k", UploadId=upload_id)["Parts"]) == 1


def test_parts_before_the_last_must_reach_five_mib(s3: Any, bucket: str) -> None:
    upload_id, parts = upload(s3, bucket, "k", b"small", b"last")
    with pytest.raises(ClientError) as error:
        s3.complete_multipart_upload(
            Bucket=bucket, Key="k", UploadId=upload_id, MultipartUpload={"Parts": parts}
        )
    details = error_of(error)
    assert (details["Code"], details["Message"]) == (
        "EntityTooSmall",
        "Your proposed upload is smaller than the minimum allowed size",
    )
    assert (details["ProposedSize"], details["MinSizeAllowed"], details["PartNumber"]) == (
        "5",
        str(5 * MiB),
        "1",
    )


def test_abort_and_unknown_uploads(s3: Any, bucket: str) -> None:
    upload_id, _ = upload(s3, bucket, "k", b"a")
    aborted = s3.abort_multipart_upload(Bucket=bucket, Key="k", UploadId=upload_id)
    assert aborted["ResponseMetadata"]["HTTPStatusCode"] == 204
    for call in (
        lambda: s3.abort_multipart_upload(Bucket=bucket, Key="k", UploadId=upload_id),
        lambda: s3.upload_part(Bucket=bucket, Key="k", UploadId=upload_id, PartNumber=1, Body=b"x"),
        lambda: s3.list_parts(Bucket=bucket, Key="other", UploadId="nope"),
    ):
        with pytest.raises(ClientError) as error:
            call()
        details = error_of(error)
        assert (details["Code"], details["Status"]) == ("NoSuchUpload", 404)
        assert details["Message"] == (
            "The specified upload does not exist. The upload ID may be invalid, or the upload may "
            "have been aborted or completed."
        )


def test_part_numbers_run_from_1_to_10000(unchecked: Any, bucket: str) -> None:
    upload_id = unchecked.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    for number in (0, 10001):
        with pytest.raises(ClientError) as error:
            unchecked.upload_part(
                Bucket=bucket, Key="k", UploadId=upload_id, PartNumber=number, Body=b"x"
            )
        details = error_of(error)
        assert (details["Code"], details["ArgumentName"], details["ArgumentValue"]) == (
            "InvalidArgument",
            "partNumber",
            str(number),
        )


def test_list_multipart_uploads(s3: Any, bucket: str) -> None:
    ids = {
        key: s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
        for key in ("logs/a", "logs/b", "top", "logs/a")
    }
    listed = s3.list_multipart_uploads(Bucket=bucket)
    assert [u["Key"] for u in listed["Uploads"]] == ["logs/a", "logs/a", "logs/b", "top"]
    assert ids["logs/a"] in [u["UploadId"] for u in listed["Uploads"]]
    rolled = s3.list_multipart_uploads(Bucket=bucket, Delimiter="/")
    assert [p["Prefix"] for p in rolled["CommonPrefixes"]] == ["logs/"]
    assert [u["Key"] for u in rolled["Uploads"]] == ["top"]
    page = s3.list_multipart_uploads(Bucket=bucket, MaxUploads=2)
    assert page["IsTruncated"] is True
    rest = s3.list_multipart_uploads(
        Bucket=bucket, KeyMarker=page["NextKeyMarker"], UploadIdMarker=page["NextUploadIdMarker"]
    )
    assert [u["Key"] for u in page["Uploads"] + rest["Uploads"]] == [
        u["Key"] for u in listed["Uploads"]
    ]


def test_upload_part_copy_takes_a_range_of_an_object(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="source", Body=PART + TAIL)
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="copy")["UploadId"]
    whole = s3.upload_part_copy(
        Bucket=bucket,
        Key="copy",
        UploadId=upload_id,
        PartNumber=1,
        CopySource={"Bucket": bucket, "Key": "source"},
        CopySourceRange=f"bytes=0-{len(PART) - 1}",
    )["CopyPartResult"]
    tail = s3.upload_part_copy(
        Bucket=bucket,
        Key="copy",
        UploadId=upload_id,
        PartNumber=2,
        CopySource=f"{bucket}/source",
        CopySourceRange=f"bytes={len(PART)}-{len(PART) + len(TAIL) - 1}",
    )["CopyPartResult"]
    assert whole["ETag"] == f'"{hashlib.md5(PART).hexdigest()}"'
    with pytest.raises(ClientError) as outside:
        s3.upload_part_copy(
            Bucket=bucket,
            Key="copy",
            UploadId=upload_id,
            PartNumber=3,
            CopySource=f"{bucket}/source",
            CopySourceRange="bytes=0-999999999",
        )
    assert error_of(outside)["Message"] == (
        f"Range specified is not valid for source object of size: {len(PART + TAIL)}"
    )
    parts = [{"PartNumber": 1, "ETag": whole["ETag"]}, {"PartNumber": 2, "ETag": tail["ETag"]}]
    s3.complete_multipart_upload(
        Bucket=bucket, Key="copy", UploadId=upload_id, MultipartUpload={"Parts": parts}
    )
    assert fetch(s3, Bucket=bucket, Key="copy")["Body"] == PART + TAIL


def test_checksums_of_parts_make_a_composite_or_full_object_checksum(s3: Any, bucket: str) -> None:
    upload_id, parts = upload(s3, bucket, "composite", PART, TAIL, ChecksumAlgorithm="CRC32")
    listed = s3.list_parts(Bucket=bucket, Key="composite", UploadId=upload_id)
    assert [p["ChecksumCRC32"] for p in listed["Parts"]] == [crc32(PART), crc32(TAIL)]
    assert (listed["ChecksumAlgorithm"], listed["ChecksumType"]) == ("CRC32", "COMPOSITE")
    for part, stored in zip(parts, listed["Parts"], strict=True):
        part["ChecksumCRC32"] = stored["ChecksumCRC32"]
    done = s3.complete_multipart_upload(
        Bucket=bucket, Key="composite", UploadId=upload_id, MultipartUpload={"Parts": parts}
    )
    raw = base64.b64decode(crc32(PART)) + base64.b64decode(crc32(TAIL))
    assert done["ChecksumCRC32"] == f"{crc32(raw)}-2"
    assert done["ChecksumType"] == "COMPOSITE"
    got = fetch(s3, Bucket=bucket, Key="composite", ChecksumMode="ENABLED")
    assert (got["ChecksumCRC32"], got["Body"]) == (f"{crc32(raw)}-2", PART + TAIL)

    upload_id, parts = upload(
        s3, bucket, "full", PART, TAIL, ChecksumAlgorithm="CRC32", ChecksumType="FULL_OBJECT"
    )
    done = s3.complete_multipart_upload(
        Bucket=bucket, Key="full", UploadId=upload_id, MultipartUpload={"Parts": parts}
    )
    assert (done["ChecksumCRC32"], done["ChecksumType"]) == (crc32(PART + TAIL), "FULL_OBJECT")


def test_conditional_completion(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"exists")
    upload_id, parts = upload(s3, bucket, "k", b"new")
    with pytest.raises(ClientError) as error:
        s3.complete_multipart_upload(
            Bucket=bucket,
            Key="k",
            UploadId=upload_id,
            MultipartUpload={"Parts": parts},
            IfNoneMatch="*",
        )
    assert error_code(error) == "PreconditionFailed"
    assert fetch(s3, Bucket=bucket, Key="k")["Body"] == b"exists"


def test_a_repeated_complete_answers_the_same_result(s3: Any, bucket: str) -> None:
    upload = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    first = s3.upload_part(
        Bucket=bucket, Key="k", UploadId=upload, PartNumber=1, Body=b"a" * MiB * 5
    )
    second = s3.upload_part(Bucket=bucket, Key="k", UploadId=upload, PartNumber=2, Body=b"bc")
    parts = {
        "Parts": [
            {"PartNumber": 1, "ETag": first["ETag"]},
            {"PartNumber": 2, "ETag": second["ETag"]},
        ]
    }
    done = s3.complete_multipart_upload(
        Bucket=bucket, Key="k", UploadId=upload, MultipartUpload=parts
    )
    again = s3.complete_multipart_upload(
        Bucket=bucket, Key="k", UploadId=upload, MultipartUpload=parts
    )
    assert again["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert (again["ETag"], again["Key"], again["Location"]) == (
        done["ETag"],
        done["Key"],
        done["Location"],
    )
    # ?partNumber= reads one part of the object, as a ranged GET.
    part = s3.get_object(Bucket=bucket, Key="k", PartNumber=2)
    assert part["Body"].read() == b"bc"
    assert (part["PartsCount"], part["ContentRange"]) == (
        2,
        f"bytes {5 * MiB}-{5 * MiB + 1}/{5 * MiB + 2}",
    )
    assert part["ResponseMetadata"]["HTTPStatusCode"] == 206
    with pytest.raises(ClientError) as beyond:
        s3.head_object(Bucket=bucket, Key="k", PartNumber=3)
    assert error_of(beyond)["Status"] == 416
    # Another upload's id is still unknown.
    with pytest.raises(ClientError) as unknown:
        s3.complete_multipart_upload(
            Bucket=bucket, Key="k", UploadId=upload + "x", MultipartUpload=parts
        )
    assert error_code(unknown) == "NoSuchUpload"
