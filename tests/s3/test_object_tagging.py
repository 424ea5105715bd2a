"""Object tags: the tagging operations, x-amz-tagging on writes, limits, x-amz-tagging-count."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.s3.conftest import error_of, fetch


def tag_set(s3: Any, bucket: str, key: str, **extra: Any) -> list[dict[str, str]]:
    return list(s3.get_object_tagging(Bucket=bucket, Key=key, **extra)["TagSet"])


def test_tagging_operations(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    assert tag_set(s3, bucket, "k") == []
    assert "TagCount" not in s3.head_object(Bucket=bucket, Key="k")
    tags = [{"Key": "team", "Value": "lake"}, {"Key": "tier", "Value": "raw data"}]
    s3.put_object_tagging(Bucket=bucket, Key="k", Tagging={"TagSet": tags})
    assert tag_set(s3, bucket, "k") == tags
    assert s3.head_object(Bucket=bucket, Key="k")["TagCount"] == 2
    assert fetch(s3, Bucket=bucket, Key="k")["TagCount"] == 2
    deleted = s3.delete_object_tagging(Bucket=bucket, Key="k")
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert tag_set(s3, bucket, "k") == []


def test_tags_on_put_copy_and_multipart(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", Tagging="a=1&b=two%20words")
    assert tag_set(s3, bucket, "k") == [
        {"Key": "a", "Value": "1"},
        {"Key": "b", "Value": "two words"},
    ]
    s3.copy_object(Bucket=bucket, Key="copied", CopySource=f"{bucket}/k")
    assert len(tag_set(s3, bucket, "copied")) == 2  # COPY is the default directive
    s3.copy_object(
        Bucket=bucket,
        Key="replaced",
        CopySource=f"{bucket}/k",
        Tagging="c=3",
        TaggingDirective="REPLACE",
    )
    assert tag_set(s3, bucket, "replaced") == [{"Key": "c", "Value": "3"}]
    upload = s3.create_multipart_upload(Bucket=bucket, Key="m", Tagging="d=4")
    part = s3.upload_part(
        Bucket=bucket, Key="m", UploadId=upload["UploadId"], PartNumber=1, Body=b"p"
    )
    s3.complete_multipart_upload(
        Bucket=bucket,
        Key="m",
        UploadId=upload["UploadId"],
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]},
    )
    assert tag_set(s3, bucket, "m") == [{"Key": "d", "Value": "4"}]


def test_tags_of_versions(s3: Any, bucket: str) -> None:
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    first = s3.put_object(Bucket=bucket, Key="k", Body=b"1", Tagging="v=1")["VersionId"]
    s3.put_object(Bucket=bucket, Key="k", Body=b"2", Tagging="v=2")
    assert tag_set(s3, bucket, "k") == [{"Key": "v", "Value": "2"}]
    put = s3.put_object_tagging(
        Bucket=bucket, Key="k", VersionId=first, Tagging={"TagSet": [{"Key": "v", "Value": "one"}]}
    )
    assert put["VersionId"] == first
    got = s3.get_object_tagging(Bucket=bucket, Key="k", VersionId=first)
    assert (got["TagSet"], got["VersionId"]) == ([{"Key": "v", "Value": "one"}], first)


def test_tag_limits(unchecked: Any, bucket: str) -> None:
    s3 = unchecked
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    eleven = [{"Key": f"k{i}", "Value": "v"} for i in range(11)]
    cases: list[tuple[list[dict[str, str]], str]] = [
        (eleven, "Object tags cannot be greater than 10"),
        ([{"Key": "k" * 129, "Value": "v"}], "The TagKey you have provided is invalid"),
        ([{"Key": "k", "Value": "v" * 257}], "The TagValue you have provided is invalid"),
        (
            [{"Key": "k", "Value": "1"}, {"Key": "k", "Value": "2"}],
            "Cannot provide multiple Tags with the same key",
        ),
        ([{"Key": "aws:prefixed", "Value": "v"}], "Your TagKey cannot be prefixed with aws:"),
    ]
    for tags, message in cases:
        with pytest.raises(ClientError) as caught:
            s3.put_object_tagging(Bucket=bucket, Key="k", Tagging={"TagSet": tags})
        details = error_of(caught)
        assert (details["Code"], details["Message"], details["Status"]) == (
            "InvalidTag",
            message,
            400,
        )
    s3.put_object_tagging(
        Bucket=bucket, Key="k", Tagging={"TagSet": [{"Key": "k" * 128, "Value": "v" * 256}]}
    )
    with pytest.raises(ClientError) as header:
        s3.put_object(
            Bucket=bucket, Key="n", Body=b"x", Tagging="&".join(f"k{i}=v" for i in range(11))
        )
    assert error_of(header)["Code"] == "InvalidTag"
    with pytest.raises(ClientError) as missing:
        s3.head_object(Bucket=bucket, Key="n")
    assert error_of(missing)["Status"] == 404  # the refused PUT stored nothing
