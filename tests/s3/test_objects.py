"""Objects: put, get (ranges, conditions, overrides), head, delete, copy, in both modes."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.s3.conftest import error_code, error_of, fetch

DATA = b"0123456789abcdefghij"
MD5 = hashlib.md5(DATA).hexdigest()


def body_of(response: dict[str, Any]) -> bytes:
    return bytes(response["Body"].read())


def status_of(response: dict[str, Any]) -> int:
    return int(response["ResponseMetadata"]["HTTPStatusCode"])


def test_put_and_get_round_trip_with_s3s_headers(s3: Any, bucket: str) -> None:
    put = s3.put_object(
        Bucket=bucket,
        Key="dir/obj.json",
        Body=DATA,
        ContentType="application/json",
        ContentEncoding="gzip",
        ContentDisposition="attachment",
        ContentLanguage="en",
        CacheControl="max-age=60",
        Metadata={"Owner": "lake", "n": "1"},
    )
    assert put["ETag"] == f'"{MD5}"'
    got = s3.get_object(Bucket=bucket, Key="dir/obj.json")
    assert body_of(got) == DATA
    assert status_of(got) == 200
    assert got["ETag"] == f'"{MD5}"'
    assert got["ContentLength"] == len(DATA)
    assert got["ContentType"] == "application/json"
    assert got["ContentEncoding"] == "gzip"
    assert got["ContentDisposition"] == "attachment"
    assert got["ContentLanguage"] == "en"
    assert got["CacheControl"] == "max-age=60"
    assert got["Metadata"] == {"owner": "lake", "n": "1"}  # names come back lower-cased
    assert got["AcceptRanges"] == "bytes"
    assert got["LastModified"].tzinfo is not None
    assert got["ChecksumType"] == "FULL_OBJECT"  # boto3 sent a CRC32 and asked for it back
    head = s3.head_object(Bucket=bucket, Key="dir/obj.json")
    unsent = ("ResponseMetadata", "Body", "ChecksumCRC32", "ChecksumType")
    assert {k: v for k, v in head.items() if k != "ResponseMetadata"} == {
        k: v for k, v in got.items() if k not in unsent
    }


def test_content_type_defaults_to_binary_octet_stream(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"")
    got = s3.get_object(Bucket=bucket, Key="k")
    assert got["ContentType"] == "binary/octet-stream"
    assert got["ContentLength"] == 0
    assert got["ETag"] == '"d41d8cd98f00b204e9800998ecf8427e"'
    assert body_of(got) == b""


def test_overwrite_replaces_data_and_metadata(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"first", Metadata={"a": "1"})
    s3.put_object(Bucket=bucket, Key="k", Body=b"second")
    got = s3.get_object(Bucket=bucket, Key="k")
    assert body_of(got) == b"second"
    assert got["Metadata"] == {}


def test_missing_key_and_bucket(s3: Any, bucket: str, name: str) -> None:
    with pytest.raises(ClientError) as missing:
        s3.get_object(Bucket=bucket, Key="no/such key")
    details = error_of(missing)
    assert (details["Code"], details["Message"], details["Status"], details["Key"]) == (
        "NoSuchKey",
        "The specified key does not exist.",
        404,
        "no/such key",
    )
    with pytest.raises(ClientError) as head:
        s3.head_object(Bucket=bucket, Key="no/such key")
    assert error_of(head)["Code"] == "404"
    with pytest.raises(ClientError) as no_bucket:
        s3.get_object(Bucket=f"{name}-gone", Key="k")
    assert error_code(no_bucket) == "NoSuchBucket"


@pytest.mark.parametrize(
    ("header", "content_range", "expected"),
    [
        ("bytes=0-3", "bytes 0-3/20", DATA[:4]),
        ("bytes=15-", "bytes 15-19/20", DATA[15:]),
        ("bytes=-5", "bytes 15-19/20", DATA[-5:]),
        ("bytes=10-100", "bytes 10-19/20", DATA[10:]),
        ("bytes=-100", "bytes 0-19/20", DATA),
    ],
)
def test_ranges_answer_206(
    s3: Any, bucket: str, header: str, content_range: str, expected: bytes
) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=DATA)
    got = s3.get_object(Bucket=bucket, Key="k", Range=header)
    assert status_of(got) == 206
    assert got["ContentRange"] == content_range
    assert got["ContentLength"] == len(expected)
    assert body_of(got) == expected
    assert "ChecksumCRC32" not in got  # a checksum describes the whole object only
    head = s3.head_object(Bucket=bucket, Key="k", Range=header)
    assert (status_of(head), head["ContentLength"]) == (206, len(expected))


def test_unusable_ranges_are_ignored_and_unsatisfiable_ones_are_416(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=DATA)
    for ignored in ("bytes=5-2", "items=0-1", "bytes=0-1,4-5"):
        got = s3.get_object(Bucket=bucket, Key="k", Range=ignored)
        assert (status_of(got), body_of(got)) == (200, DATA)
    with pytest.raises(ClientError) as error:
        s3.get_object(Bucket=bucket, Key="k", Range="bytes=20-")
    details = error_of(error)
    assert (details["Code"], details["Message"], details["Status"]) == (
        "InvalidRange",
        "The requested range is not satisfiable",
        416,
    )
    assert (details["ActualObjectSize"], details["RangeRequested"]) == ("20", "bytes=20-")


def test_read_conditions(s3: Any, bucket: str) -> None:
    etag = s3.put_object(Bucket=bucket, Key="k", Body=DATA)["ETag"]
    modified = s3.head_object(Bucket=bucket, Key="k")["LastModified"]
    before, after = modified - timedelta(days=1), modified + timedelta(days=1)
    ok = [
        {"IfMatch": etag},
        {"IfMatch": "*"},
        {"IfMatch": f'"other", {etag}'},
        {"IfNoneMatch": '"other"'},
        {"IfModifiedSince": before},
        {"IfUnmodifiedSince": after},
        # If-Match holding makes If-Unmodified-Since irrelevant (RFC 7232, as S3 documents).
        {"IfMatch": etag, "IfUnmodifiedSince": before},
    ]
    for conditions in ok:
        assert body_of(s3.get_object(Bucket=bucket, Key="k", **conditions)) == DATA
    failed = [
        ({"IfMatch": '"other"'}, "If-Match"),
        ({"IfUnmodifiedSince": before}, "If-Unmodified-Since"),
    ]
    for conditions, condition in failed:
        with pytest.raises(ClientError) as error:
            s3.get_object(Bucket=bucket, Key="k", **conditions)
        details = error_of(error)
        assert (details["Code"], details["Status"], details["Condition"]) == (
            "PreconditionFailed",
            412,
            condition,
        )
        assert details["Message"] == "At least one of the pre-conditions you specified did not hold"
    not_modified = [
        {"IfNoneMatch": etag},
        {"IfModifiedSince": after},
        # If-None-Match failing makes If-Modified-Since irrelevant.
        {"IfNoneMatch": etag, "IfModifiedSince": before},
    ]
    for conditions in not_modified:
        with pytest.raises(ClientError) as error:
            s3.get_object(Bucket=bucket, Key="k", **conditions)
        assert (error_code(error), error_of(error)["Status"]) == ("304", 304)
        with pytest.raises(ClientError) as head:
            s3.head_object(Bucket=bucket, Key="k", **conditions)
        assert error_of(head)["Status"] == 304


def test_response_header_overrides(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=DATA, ContentType="text/plain")
    expires = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    got = fetch(
        s3,
        Bucket=bucket,
        Key="k",
        ResponseContentType="application/x-thing",
        ResponseContentDisposition="inline; filename=x",
        ResponseContentEncoding="identity",
        ResponseContentLanguage="fr",
        ResponseCacheControl="no-cache",
        ResponseExpires=expires,
    )
    headers = got["ResponseMetadata"]["HTTPHeaders"]
    assert got["ContentType"] == "application/x-thing"
    assert got["ContentDisposition"] == "inline; filename=x"
    assert got["ContentEncoding"] == "identity"
    assert got["ContentLanguage"] == "fr"
    assert got["CacheControl"] == "no-cache"
    assert headers["expires"] == "Wed, 02 Jan 2030 03:04:05 GMT"
    assert fetch(s3, Bucket=bucket, Key="k")["ContentType"] == "text/plain"


def test_delete_is_idempotent(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    assert status_of(s3.delete_object(Bucket=bucket, Key="k")) == 204
    assert status_of(s3.delete_object(Bucket=bucket, Key="k")) == 204
    with pytest.raises(ClientError) as error:
        s3.get_object(Bucket=bucket, Key="k")
    assert error_code(error) == "NoSuchKey"


def test_delete_objects_reports_each_key_unless_quiet(s3: Any, bucket: str) -> None:
    for key in ("a", "b", "c"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    verbose = s3.delete_objects(
        Bucket=bucket, Delete={"Objects": [{"Key": "a"}, {"Key": "missing"}, {"Key": "k" * 1025}]}
    )
    assert verbose["Deleted"] == [{"Key": "a"}, {"Key": "missing"}]
    assert verbose["Errors"] == [
        {"Key": "k" * 1025, "Code": "KeyTooLongError", "Message": "Your key is too long"}
    ]
    quiet = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "b"}], "Quiet": True})
    assert "Deleted" not in quiet and "Errors" not in quiet
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["c"]
    with pytest.raises(ClientError) as error:
        s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": str(i)} for i in range(1001)]})
    assert error_code(error) == "MalformedXML"


def test_conditional_puts(s3: Any, bucket: str) -> None:
    etag = s3.put_object(Bucket=bucket, Key="k", Body=b"one", IfNoneMatch="*")["ETag"]
    with pytest.raises(ClientError) as exists:
        s3.put_object(Bucket=bucket, Key="k", Body=b"two", IfNoneMatch="*")
    assert (error_code(exists), error_of(exists)["Condition"]) == (
        "PreconditionFailed",
        "If-None-Match",
    )
    with pytest.raises(ClientError) as stale:
        s3.put_object(Bucket=bucket, Key="k", Body=b"two", IfMatch='"stale"')
    assert error_of(stale)["Status"] == 412
    s3.put_object(Bucket=bucket, Key="k", Body=b"two", IfMatch=etag)
    assert body_of(s3.get_object(Bucket=bucket, Key="k")) == b"two"
    with pytest.raises(ClientError) as missing:
        s3.put_object(Bucket=bucket, Key="absent", Body=b"x", IfMatch=etag)
    assert error_code(missing) == "NoSuchKey"


def test_key_too_long(s3: Any, bucket: str) -> None:
    longest = "é" * 512  # 1024 bytes of UTF-8
    s3.put_object(Bucket=bucket, Key=longest, Body=b"x")
    assert body_of(s3.get_object(Bucket=bucket, Key=longest)) == b"x"
    with pytest.raises(ClientError) as error:
        s3.put_object(Bucket=bucket, Key=longest + "a", Body=b"x")
    details = error_of(error)
    assert (details["Code"], details["Message"], details["Size"], details["MaxSizeAllowed"]) == (
        "KeyTooLongError",
        "Your key is too long",
        "1025",
        "1024",
    )


def test_copy_object_copies_or_replaces_metadata(s3: Any, make_bucket: Any) -> None:
    source, target = make_bucket("-src"), make_bucket("-dst")
    s3.put_object(
        Bucket=source, Key="src key+1", Body=DATA, ContentType="text/csv", Metadata={"a": "1"}
    )
    copied = s3.copy_object(
        Bucket=target, Key="copy", CopySource={"Bucket": source, "Key": "src key+1"}
    )["CopyObjectResult"]
    assert copied["ETag"] == f'"{MD5}"'
    assert isinstance(copied["LastModified"], datetime)
    got = s3.get_object(Bucket=target, Key="copy")
    assert (body_of(got), got["ContentType"], got["Metadata"]) == (DATA, "text/csv", {"a": "1"})
    s3.copy_object(
        Bucket=target,
        Key="replaced",
        CopySource=f"{source}/src key+1",  # botocore URL-encodes it
        MetadataDirective="REPLACE",
        Metadata={"b": "2"},
    )
    got = s3.get_object(Bucket=target, Key="replaced")
    assert (body_of(got), got["ContentType"], got["Metadata"]) == (
        DATA,
        "binary/octet-stream",
        {"b": "2"},
    )
    # The source is untouched, and deleting the copy leaves it readable.
    s3.delete_object(Bucket=target, Key="copy")
    assert body_of(s3.get_object(Bucket=source, Key="src key+1")) == DATA


def test_copy_onto_itself_needs_replace(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=DATA, Metadata={"v": "1"})
    with pytest.raises(ClientError) as error:
        s3.copy_object(Bucket=bucket, Key="k", CopySource={"Bucket": bucket, "Key": "k"})
    assert error_code(error) == "InvalidRequest"
    assert error_of(error)["Message"].startswith(
        "This copy request is illegal because it is trying to copy an object to itself"
    )
    s3.copy_object(
        Bucket=bucket,
        Key="k",
        CopySource={"Bucket": bucket, "Key": "k"},
        MetadataDirective="REPLACE",
        Metadata={"v": "2"},
    )
    got = s3.get_object(Bucket=bucket, Key="k")
    assert (body_of(got), got["Metadata"]) == (DATA, {"v": "2"})


def test_copy_source_conditions_and_errors(s3: Any, bucket: str) -> None:
    etag = s3.put_object(Bucket=bucket, Key="k", Body=DATA)["ETag"]
    source = {"Bucket": bucket, "Key": "k"}
    s3.copy_object(Bucket=bucket, Key="ok", CopySource=source, CopySourceIfMatch=etag)
    for conditions, condition in (
        ({"CopySourceIfMatch": '"x"'}, "x-amz-copy-source-If-Match"),
        ({"CopySourceIfNoneMatch": etag}, "x-amz-copy-source-If-None-Match"),
    ):
        with pytest.raises(ClientError) as error:
            s3.copy_object(Bucket=bucket, Key="no", CopySource=source, **conditions)
        assert (error_code(error), error_of(error)["Condition"]) == (
            "PreconditionFailed",
            condition,
        )
    with pytest.raises(ClientError) as missing:
        s3.copy_object(Bucket=bucket, Key="no", CopySource={"Bucket": bucket, "Key": "absent"})
    assert (error_code(missing), error_of(missing)["Key"]) == ("NoSuchKey", "absent")
    with pytest.raises(ClientError) as no_bucket:
        s3.copy_object(Bucket=bucket, Key="no", CopySource={"Bucket": f"{bucket}-x", "Key": "k"})
    assert error_code(no_bucket) == "NoSuchBucket"


def test_unsupported_options_are_refused_not_dropped(s3: Any, bucket: str) -> None:
    with pytest.raises(ClientError) as archive:
        s3.put_object(Bucket=bucket, Key="k", Body=b"x", StorageClass="GLACIER")
    assert (error_code(archive), error_of(archive)["Status"]) == ("NotImplemented", 501)
    with pytest.raises(ClientError) as version:
        s3.get_object(Bucket=bucket, Key="k", VersionId="3")
    assert error_of(version)["Status"] in (400, 501)
    s3.put_object(Bucket=bucket, Key="ia", Body=b"x", StorageClass="STANDARD_IA")
    assert s3.head_object(Bucket=bucket, Key="ia")["StorageClass"] == "STANDARD_IA"


def test_not_modified_carries_the_etag(s3: Any, bucket: str) -> None:
    etag = s3.put_object(Bucket=bucket, Key="k", Body=DATA)["ETag"]
    with pytest.raises(ClientError) as current:
        s3.get_object(Bucket=bucket, Key="k", IfNoneMatch=etag)
    response = current.value.response["ResponseMetadata"]
    assert response["HTTPStatusCode"] == 304
    assert response["HTTPHeaders"]["etag"] == etag
    assert "last-modified" in response["HTTPHeaders"]


def test_not_implemented_names_the_parameter(unchecked: Any, bucket: str) -> None:
    with pytest.raises(ClientError) as caught:
        unchecked.put_object(Bucket=bucket, Key="k", Body=b"x", ObjectLockMode="GOVERNANCE")
    details = error_of(caught)
    assert (details["Code"], details["Status"]) == ("NotImplemented", 501)
    assert details["Message"].endswith("(lakehose does not implement ObjectLockMode)")
