"""The configuration documents tools read on every bucket, in both modes."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.s3.conftest import error_code, error_of


def members(response: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in response.items() if k != "ResponseMetadata"}


def test_defaults_of_a_new_bucket(s3: Any, bucket: str) -> None:
    assert members(s3.get_bucket_accelerate_configuration(Bucket=bucket)) == {}
    assert members(s3.get_bucket_request_payment(Bucket=bucket)) == {"Payer": "BucketOwner"}
    assert members(s3.get_bucket_logging(Bucket=bucket)) == {}
    assert members(s3.get_bucket_notification_configuration(Bucket=bucket)) == {}
    for call, code, message in (
        (
            s3.get_bucket_website,
            "NoSuchWebsiteConfiguration",
            "The specified bucket does not have a website configuration",
        ),
        (
            s3.get_bucket_replication,
            "ReplicationConfigurationNotFoundError",
            "The replication configuration was not found",
        ),
        (
            s3.get_object_lock_configuration,
            "ObjectLockConfigurationNotFoundError",
            "Object Lock configuration does not exist for this bucket",
        ),
    ):
        with pytest.raises(ClientError) as missing:
            call(Bucket=bucket)
        details = error_of(missing)
        assert (details["Code"], details["Message"], details["Status"], details["BucketName"]) == (
            code,
            message,
            404,
            bucket,
        )


def test_configurations_are_stored_and_returned(s3: Any, make_bucket: Any) -> None:
    bucket, logs = make_bucket(), make_bucket("-logs")
    s3.put_bucket_accelerate_configuration(
        Bucket=bucket, AccelerateConfiguration={"Status": "Enabled"}
    )
    assert s3.get_bucket_accelerate_configuration(Bucket=bucket)["Status"] == "Enabled"
    s3.put_bucket_request_payment(Bucket=bucket, RequestPaymentConfiguration={"Payer": "Requester"})
    assert s3.get_bucket_request_payment(Bucket=bucket)["Payer"] == "Requester"
    logging = {"TargetBucket": logs, "TargetPrefix": "access/"}
    s3.put_bucket_logging(Bucket=bucket, BucketLoggingStatus={"LoggingEnabled": logging})
    assert s3.get_bucket_logging(Bucket=bucket)["LoggingEnabled"] == logging
    s3.put_bucket_logging(Bucket=bucket, BucketLoggingStatus={})
    assert "LoggingEnabled" not in s3.get_bucket_logging(Bucket=bucket)
    website = {"IndexDocument": {"Suffix": "index.html"}, "ErrorDocument": {"Key": "error.html"}}
    s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration=website)
    assert members(s3.get_bucket_website(Bucket=bucket)) == website
    s3.delete_bucket_website(Bucket=bucket)
    with pytest.raises(ClientError) as no_website:
        s3.get_bucket_website(Bucket=bucket)
    assert error_code(no_website) == "NoSuchWebsiteConfiguration"
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={})


def test_configuration_errors(unchecked: Any, make_bucket: Any) -> None:
    s3 = unchecked
    bucket = make_bucket()
    with pytest.raises(ClientError) as target:
        s3.put_bucket_logging(
            Bucket=bucket,
            BucketLoggingStatus={
                "LoggingEnabled": {"TargetBucket": f"{bucket}-none", "TargetPrefix": ""}
            },
        )
    details = error_of(target)
    assert (details["Code"], details["Message"], details["TargetBucket"]) == (
        "InvalidTargetBucketForLogging",
        "The target bucket for logging does not exist",
        f"{bucket}-none",
    )
    replication = {
        "Role": "arn:aws:iam::000000000000:role/replication",
        "Rules": [{"Status": "Enabled", "Destination": {"Bucket": "arn:aws:s3:::elsewhere"}}],
    }
    with pytest.raises(ClientError) as unversioned:
        s3.put_bucket_replication(Bucket=bucket, ReplicationConfiguration=replication)
    assert (error_code(unversioned), error_of(unversioned)["Message"]) == (
        "InvalidRequest",
        "Versioning must be 'Enabled' on the bucket to apply a replication configuration",
    )
    with pytest.raises(ClientError) as accelerate:
        s3.put_bucket_accelerate_configuration(
            Bucket=bucket, AccelerateConfiguration={"Status": "On"}
        )
    assert error_code(accelerate) == "MalformedXML"
    with pytest.raises(ClientError) as notification:
        s3.put_bucket_notification_configuration(
            Bucket=bucket,
            NotificationConfiguration={
                "QueueConfigurations": [
                    {"QueueArn": "arn:aws:sqs:us-east-1:000000000000:q", "Events": ["s3:*"]}
                ]
            },
        )
    details = error_of(notification)
    assert (details["Code"], details["Status"]) == ("NotImplemented", 501)
    assert "NotificationConfiguration" in details["Message"]
