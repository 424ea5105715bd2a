"""Bucket versioning: states, version ids, delete markers, listings, reads and deletes by
version, null versions after suspension, and durability across kill -9."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.conftest import NO_RETRIES, ServerProcess
from tests.s3.conftest import error_code, error_of, fetch


def versioned(s3: Any, bucket: str, status: str = "Enabled") -> str:
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": status})
    return bucket


def test_versioning_states(unchecked: Any, bucket: str) -> None:
    s3 = unchecked
    before = s3.get_bucket_versioning(Bucket=bucket)
    assert {k: v for k, v in before.items() if k != "ResponseMetadata"} == {}
    versioned(s3, bucket, "Suspended")
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Suspended"
    versioned(s3, bucket)
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    for status in ("enabled", "Disabled"):
        with pytest.raises(ClientError) as malformed:
            versioned(s3, bucket, status)
        assert error_code(malformed) == "MalformedXML"
    with pytest.raises(ClientError) as empty:
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={})
    assert (error_code(empty), error_of(empty)["Message"]) == (
        "IllegalVersioningConfigurationException",
        "The Versioning element must be specified",
    )
    with pytest.raises(ClientError) as mfa:
        s3.put_bucket_versioning(
            Bucket=bucket, VersioningConfiguration={"Status": "Enabled", "MFADelete": "Enabled"}
        )
    assert error_code(mfa) == "AccessDenied"


def test_versions_and_delete_markers(s3: Any, bucket: str) -> None:
    versioned(s3, bucket)
    first = s3.put_object(Bucket=bucket, Key="k", Body=b"one")["VersionId"]
    second = s3.put_object(Bucket=bucket, Key="k", Body=b"two")["VersionId"]
    assert len(first) == 32 and first != second
    assert fetch(s3, Bucket=bucket, Key="k")["Body"] == b"two"
    old = fetch(s3, Bucket=bucket, Key="k", VersionId=first)
    assert (old["Body"], old["VersionId"]) == (b"one", first)
    assert s3.head_object(Bucket=bucket, Key="k", VersionId=second)["VersionId"] == second
    deleted = s3.delete_object(Bucket=bucket, Key="k")
    assert deleted["DeleteMarker"] is True
    marker = deleted["VersionId"]
    with pytest.raises(ClientError) as gone:
        s3.get_object(Bucket=bucket, Key="k")
    assert error_code(gone) == "NoSuchKey"
    headers = gone.value.response["ResponseMetadata"]["HTTPHeaders"]
    assert (headers["x-amz-delete-marker"], headers["x-amz-version-id"]) == ("true", marker)
    with pytest.raises(ClientError) as on_marker:
        s3.get_object(Bucket=bucket, Key="k", VersionId=marker)
    details = error_of(on_marker)
    assert (details["Code"], details["Status"], details["Method"], details["ResourceType"]) == (
        "MethodNotAllowed",
        405,
        "GET",
        "DeleteMarker",
    )
    listed = s3.list_object_versions(Bucket=bucket)
    assert [(v["VersionId"], v["IsLatest"], v["Size"]) for v in listed["Versions"]] == [
        (second, False, 3),
        (first, False, 3),
    ]
    assert [(m["VersionId"], m["IsLatest"]) for m in listed["DeleteMarkers"]] == [(marker, True)]
    assert (listed["KeyMarker"], listed["VersionIdMarker"], listed["IsTruncated"]) == (
        "",
        "",
        False,
    )
    # Removing the delete marker brings the newest version back.
    removed = s3.delete_object(Bucket=bucket, Key="k", VersionId=marker)
    assert (removed["DeleteMarker"], removed["VersionId"]) == (True, marker)
    assert fetch(s3, Bucket=bucket, Key="k")["VersionId"] == second
    s3.delete_object(Bucket=bucket, Key="k", VersionId=second)
    assert fetch(s3, Bucket=bucket, Key="k")["Body"] == b"one"
    with pytest.raises(ClientError) as no_version:
        s3.get_object(Bucket=bucket, Key="k", VersionId=second)
    details = error_of(no_version)
    assert (details["Code"], details["VersionId"], details["Status"]) == (
        "NoSuchVersion",
        second,
        404,
    )
    with pytest.raises(ClientError) as bad:
        s3.get_object(Bucket=bucket, Key="k", VersionId="HPniJFCxqTsMuIH9KX8K8wEjNUgmABCD")
    assert (error_code(bad), error_of(bad)["Message"]) == (
        "InvalidArgument",
        "Invalid version id specified",
    )


def test_a_bucket_with_versions_is_not_empty(s3: Any, bucket: str) -> None:
    versioned(s3, bucket)
    version = s3.put_object(Bucket=bucket, Key="k", Body=b"x")["VersionId"]
    marker = s3.delete_object(Bucket=bucket, Key="k")["VersionId"]
    for remaining in (version, marker):
        with pytest.raises(ClientError) as not_empty:
            s3.delete_bucket(Bucket=bucket)
        assert error_code(not_empty) == "BucketNotEmpty"
        s3.delete_object(Bucket=bucket, Key="k", VersionId=remaining)
    assert "Versions" not in s3.list_object_versions(Bucket=bucket)


def test_null_versions_after_suspension(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"before")
    versioned(s3, bucket)
    enabled = s3.put_object(Bucket=bucket, Key="k", Body=b"enabled")["VersionId"]
    versioned(s3, bucket, "Suspended")
    suspended = s3.put_object(Bucket=bucket, Key="k", Body=b"suspended")
    assert suspended["VersionId"] == "null"
    listed = s3.list_object_versions(Bucket=bucket, Prefix="k")["Versions"]
    # The suspended write replaced the null version written before versioning.
    assert [(v["VersionId"], v["IsLatest"]) for v in listed] == [
        ("null", True),
        (enabled, False),
    ]
    assert fetch(s3, Bucket=bucket, Key="k", VersionId="null")["Body"] == b"suspended"
    marker = s3.delete_object(Bucket=bucket, Key="k")
    assert (marker["DeleteMarker"], marker["VersionId"]) == (True, "null")
    listed_after = s3.list_object_versions(Bucket=bucket)
    assert [v["VersionId"] for v in listed_after["Versions"]] == [enabled]
    assert [m["VersionId"] for m in listed_after["DeleteMarkers"]] == ["null"]


def test_copy_and_delete_objects_by_version(s3: Any, bucket: str) -> None:
    versioned(s3, bucket)
    first = s3.put_object(Bucket=bucket, Key="src", Body=b"first")["VersionId"]
    s3.put_object(Bucket=bucket, Key="src", Body=b"second")
    copied = s3.copy_object(
        Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src", "VersionId": first}
    )
    assert copied["CopySourceVersionId"] == first
    assert fetch(s3, Bucket=bucket, Key="dst", VersionId=copied["VersionId"])["Body"] == b"first"
    result = s3.delete_objects(
        Bucket=bucket,
        Delete={
            "Objects": [
                {"Key": "src", "VersionId": first},
                {"Key": "dst"},
                {"Key": "src", "VersionId": "HPniJFCxqTsMuIH9KX8K8wEjNUgmABCD"},
            ]
        },
    )
    deleted = sorted(result["Deleted"], key=lambda entry: entry["Key"])
    assert deleted[0]["Key"] == "dst" and deleted[0]["DeleteMarker"] is True
    assert deleted[1] == {"Key": "src", "VersionId": first}
    assert result["Errors"] == [
        {
            "Key": "src",
            "VersionId": "HPniJFCxqTsMuIH9KX8K8wEjNUgmABCD",
            "Code": "NoSuchVersion",
            "Message": "The specified version does not exist.",
        }
    ]


def test_listing_versions_with_prefix_delimiter_and_markers(s3: Any, bucket: str) -> None:
    versioned(s3, bucket)
    ids = {}
    for key in ("a", "b", "dir/x", "dir/y"):
        ids[key] = [s3.put_object(Bucket=bucket, Key=key, Body=b"1")["VersionId"] for _ in "12"]
    grouped = s3.list_object_versions(Bucket=bucket, Delimiter="/")
    assert [v["Key"] for v in grouped["Versions"]] == ["a", "a", "b", "b"]
    assert grouped["CommonPrefixes"] == [{"Prefix": "dir/"}]
    page = s3.list_object_versions(Bucket=bucket, MaxKeys=3)
    assert page["IsTruncated"] is True
    assert (page["NextKeyMarker"], page["NextVersionIdMarker"]) == ("b", ids["b"][1])
    rest = s3.list_object_versions(
        Bucket=bucket, KeyMarker=page["NextKeyMarker"], VersionIdMarker=page["NextVersionIdMarker"]
    )
    assert [(v["Key"], v["VersionId"]) for v in rest["Versions"]] == [
        ("b", ids["b"][0]),
        ("dir/x", ids["dir/x"][1]),
        ("dir/x", ids["dir/x"][0]),
        ("dir/y", ids["dir/y"][1]),
        ("dir/y", ids["dir/y"][0]),
    ]
    assert rest["IsTruncated"] is False
    after_key = s3.list_object_versions(Bucket=bucket, KeyMarker="b", Prefix="dir/")
    assert {v["Key"] for v in after_key["Versions"]} == {"dir/x", "dir/y"}


def test_versions_and_settings_survive_kill_9(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "home")
    s3 = server.client("s3", config=NO_RETRIES)
    s3.create_bucket(Bucket="kept")
    versioned(s3, "kept")
    first = s3.put_object(Bucket="kept", Key="k", Body=b"one", Tagging="t=1")["VersionId"]
    marker = s3.delete_object(Bucket="kept", Key="k")["VersionId"]
    s3.put_bucket_ownership_controls(
        Bucket="kept", OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]}
    )
    rule = {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}
    s3.put_bucket_encryption(Bucket="kept", ServerSideEncryptionConfiguration={"Rules": [rule]})
    server.kill()
    again = ServerProcess(tmp_path / "home")
    try:
        s3 = again.client("s3", config=NO_RETRIES)
        assert s3.get_bucket_versioning(Bucket="kept")["Status"] == "Enabled"
        listed = s3.list_object_versions(Bucket="kept")
        assert [v["VersionId"] for v in listed["Versions"]] == [first]
        assert [m["VersionId"] for m in listed["DeleteMarkers"]] == [marker]
        assert fetch(s3, Bucket="kept", Key="k", VersionId=first)["Body"] == b"one"
        tags = s3.get_object_tagging(Bucket="kept", Key="k", VersionId=first)["TagSet"]
        assert tags == [{"Key": "t", "Value": "1"}]
        ownership = s3.get_bucket_ownership_controls(Bucket="kept")["OwnershipControls"]
        assert ownership == {"Rules": [{"ObjectOwnership": "ObjectWriter"}]}
        encryption = s3.get_bucket_encryption(Bucket="kept")["ServerSideEncryptionConfiguration"]
        assert encryption["Rules"][0]["ApplyServerSideEncryptionByDefault"] == {
            "SSEAlgorithm": "aws:kms"
        }
    finally:
        again.stop()


def test_mfa_delete_disabled_alone_leaves_a_bucket_unversioned(s3: Any, bucket: str) -> None:
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"MFADelete": "Disabled"})
    assert s3.get_bucket_versioning(Bucket=bucket)["MFADelete"] == "Disabled"
    assert "Status" not in s3.get_bucket_versioning(Bucket=bucket)
    assert "VersionId" not in s3.put_object(Bucket=bucket, Key="k", Body=b"x")


def test_upload_part_copy_from_a_version(s3: Any, bucket: str) -> None:
    versioned(s3, bucket)
    first = s3.put_object(Bucket=bucket, Key="src", Body=b"first")["VersionId"]
    s3.put_object(Bucket=bucket, Key="src", Body=b"second")
    upload = s3.create_multipart_upload(Bucket=bucket, Key="dst")["UploadId"]
    copied = s3.upload_part_copy(
        Bucket=bucket,
        Key="dst",
        UploadId=upload,
        PartNumber=1,
        CopySource={"Bucket": bucket, "Key": "src", "VersionId": first},
    )
    assert (copied["CopySourceVersionId"], copied["ServerSideEncryption"]) == (first, "AES256")
    s3.complete_multipart_upload(
        Bucket=bucket,
        Key="dst",
        UploadId=upload,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": copied["CopyPartResult"]["ETag"]}]},
    )
    assert fetch(s3, Bucket=bucket, Key="dst")["Body"] == b"first"
