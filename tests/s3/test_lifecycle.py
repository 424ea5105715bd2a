"""Lifecycle configurations: stored and checked as S3 does, expirations applied by the clock."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lakehose import Lakehose
from tests.s3.conftest import error_code, error_of

DAY = 86400


def test_lifecycle_configuration_crud(s3: Any, bucket: str) -> None:
    with pytest.raises(ClientError) as none:
        s3.get_bucket_lifecycle_configuration(Bucket=bucket)
    details = error_of(none)
    assert (details["Code"], details["Message"], details["Status"], details["BucketName"]) == (
        "NoSuchLifecycleConfiguration",
        "The lifecycle configuration does not exist",
        404,
        bucket,
    )
    rules = [
        {
            "ID": "logs",
            "Filter": {"And": {"Prefix": "logs/", "Tags": [{"Key": "k", "Value": "v"}]}},
            "Status": "Enabled",
            "Expiration": {"Days": 7},
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 2},
        },
        {
            "ID": "dated",
            "Filter": {"Prefix": "old/"},
            "Status": "Disabled",
            "Expiration": {"Date": datetime(2030, 1, 1, tzinfo=UTC)},
        },
    ]
    put = s3.put_bucket_lifecycle_configuration(
        Bucket=bucket, LifecycleConfiguration={"Rules": rules}
    )
    assert put["TransitionDefaultMinimumObjectSize"] == "all_storage_classes_128K"
    got = s3.get_bucket_lifecycle_configuration(Bucket=bucket)
    assert got["Rules"] == rules
    assert got["TransitionDefaultMinimumObjectSize"] == "all_storage_classes_128K"
    deleted = s3.delete_bucket_lifecycle(Bucket=bucket)
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ClientError) as gone:
        s3.get_bucket_lifecycle_configuration(Bucket=bucket)
    assert error_code(gone) == "NoSuchLifecycleConfiguration"


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ({"Expiration": {"Days": 7}, "Status": "Enabled"}, ("MalformedXML", None)),
        (
            {"Expiration": {"Days": 7}, "Filter": {"And": {"Prefix": "a"}, "Prefix": ""}},
            ("MalformedXML", None),
        ),
        (
            {"Expiration": {"Date": datetime(2023, 1, 1, 2, 2, tzinfo=UTC)}, "Filter": {}},
            ("InvalidArgument", "'Date' must be at midnight GMT"),
        ),
        (
            {
                "Expiration": {"Days": 1},
                "Filter": {
                    "And": {"Tags": [{"Key": "t", "Value": "1"}, {"Key": "t", "Value": "2"}]}
                },
            },
            ("InvalidRequest", "Duplicate Tag Keys are not allowed."),
        ),
        (
            {"Expiration": {"Days": 1, "ExpiredObjectDeleteMarker": True}, "Filter": {}},
            ("MalformedXML", None),
        ),
        (
            {"Expiration": {"Days": 7}, "Filter": {}, "NoncurrentVersionExpiration": {}},
            ("MalformedXML", None),
        ),
    ],
)
def test_lifecycle_rules_s3_refuses(
    unchecked: Any, bucket: str, rule: dict[str, Any], expected: tuple[str, str | None]
) -> None:
    with pytest.raises(ClientError) as caught:
        unchecked.put_bucket_lifecycle_configuration(
            Bucket=bucket, LifecycleConfiguration={"Rules": [{"Status": "Enabled", **rule}]}
        )
    code, message = expected
    assert error_code(caught) == code
    if message is not None:
        assert error_of(caught)["Message"] == message
    with pytest.raises(ClientError) as nothing:
        unchecked.get_bucket_lifecycle_configuration(Bucket=bucket)
    assert error_code(nothing) == "NoSuchLifecycleConfiguration"


def test_expiration_is_applied_by_the_clock(lake: Lakehose) -> None:
    s3 = lake.client("s3")
    s3.create_bucket(Bucket="aging")
    s3.put_bucket_lifecycle_configuration(
        Bucket="aging",
        LifecycleConfiguration={
            "Rules": [
                {
                    "ID": "tmp",
                    "Filter": {"Prefix": "tmp/"},
                    "Status": "Enabled",
                    "Expiration": {"Days": 1},
                    "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
                }
            ]
        },
    )
    put = s3.put_object(Bucket="aging", Key="tmp/a", Body=b"x")
    kept = s3.put_object(Bucket="aging", Key="keep/b", Body=b"x")
    assert put["Expiration"] == 'expiry-date="Thu, 16 Nov 2023 00:00:00 GMT", rule-id="tmp"'
    assert "Expiration" not in kept
    upload = s3.create_multipart_upload(Bucket="aging", Key="tmp/upload")["UploadId"]
    head = s3.head_object(Bucket="aging", Key="tmp/a")
    # Created at 2023-11-14 22:13:20 UTC: one day later, rounded up to midnight.
    assert head["Expiration"] == 'expiry-date="Thu, 16 Nov 2023 00:00:00 GMT", rule-id="tmp"'
    assert "Expiration" not in s3.head_object(Bucket="aging", Key="keep/b")
    lake.advance(DAY)
    assert s3.head_object(Bucket="aging", Key="tmp/a")["ContentLength"] == 1  # not yet
    lake.advance(DAY)
    with pytest.raises(ClientError) as expired:
        s3.head_object(Bucket="aging", Key="tmp/a")
    assert error_of(expired)["Status"] == 404
    assert s3.head_object(Bucket="aging", Key="keep/b")["ContentLength"] == 1
    assert "Uploads" not in s3.list_multipart_uploads(Bucket="aging")
    with pytest.raises(ClientError) as aborted:
        s3.list_parts(Bucket="aging", Key="tmp/upload", UploadId=upload)
    assert error_code(aborted) == "NoSuchUpload"


def test_expiration_in_a_versioned_bucket_leaves_a_delete_marker(lake: Lakehose) -> None:
    s3 = lake.client("s3")
    s3.create_bucket(Bucket="aging")
    s3.put_bucket_versioning(Bucket="aging", VersioningConfiguration={"Status": "Enabled"})
    version = s3.put_object(Bucket="aging", Key="k", Body=b"x")["VersionId"]
    s3.put_bucket_lifecycle_configuration(
        Bucket="aging",
        LifecycleConfiguration={
            "Rules": [{"ID": "all", "Filter": {}, "Status": "Enabled", "Expiration": {"Days": 1}}]
        },
    )
    lake.advance(2 * DAY)
    listed = s3.list_object_versions(Bucket="aging")
    assert [v["VersionId"] for v in listed["Versions"]] == [version]
    assert [m["IsLatest"] for m in listed["DeleteMarkers"]] == [True]
