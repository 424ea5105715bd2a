"""Server-side encryption as S3 reports it, and the bucket's default encryption, in both modes."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.s3.conftest import error_code, error_of, fetch

KEY_ID = "134f2428-cec1-4b25-a1ae-9048164dba47"
KEY_ARN = f"arn:aws:kms:us-east-1:000000000000:key/{KEY_ID}"


def test_every_object_reports_sse_s3_by_default(s3: Any, bucket: str) -> None:
    put = s3.put_object(Bucket=bucket, Key="k", Body=b"data")
    assert put["ServerSideEncryption"] == "AES256"
    assert fetch(s3, Bucket=bucket, Key="k")["ServerSideEncryption"] == "AES256"
    assert s3.head_object(Bucket=bucket, Key="k")["ServerSideEncryption"] == "AES256"
    explicit = s3.put_object(Bucket=bucket, Key="e", Body=b"d", ServerSideEncryption="AES256")
    assert explicit["ServerSideEncryption"] == "AES256"
    copied = s3.copy_object(Bucket=bucket, Key="c", CopySource=f"{bucket}/k")
    assert copied["ServerSideEncryption"] == "AES256"
    upload = s3.create_multipart_upload(Bucket=bucket, Key="m")
    assert upload["ServerSideEncryption"] == "AES256"
    part = s3.upload_part(
        Bucket=bucket, Key="m", UploadId=upload["UploadId"], PartNumber=1, Body=b"p"
    )
    assert part["ServerSideEncryption"] == "AES256"
    done = s3.complete_multipart_upload(
        Bucket=bucket,
        Key="m",
        UploadId=upload["UploadId"],
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]},
    )
    assert done["ServerSideEncryption"] == "AES256"


def test_sse_kms_is_reported_with_its_key(s3: Any, bucket: str) -> None:
    put = s3.put_object(
        Bucket=bucket, Key="k", Body=b"d", ServerSideEncryption="aws:kms", SSEKMSKeyId=KEY_ID
    )
    assert (put["ServerSideEncryption"], put["SSEKMSKeyId"]) == ("aws:kms", KEY_ARN)
    head = s3.head_object(Bucket=bucket, Key="k")
    assert (head["ServerSideEncryption"], head["SSEKMSKeyId"]) == ("aws:kms", KEY_ARN)
    managed = s3.put_object(Bucket=bucket, Key="m", Body=b"d", ServerSideEncryption="aws:kms")
    assert managed["SSEKMSKeyId"].startswith("arn:aws:kms:us-east-1:000000000000:key/")
    keyed = s3.put_object(
        Bucket=bucket,
        Key="b",
        Body=b"d",
        ServerSideEncryption="aws:kms",
        SSEKMSKeyId=KEY_ARN,
        BucketKeyEnabled=True,
    )
    assert keyed["BucketKeyEnabled"] is True
    assert fetch(s3, Bucket=bucket, Key="b")["BucketKeyEnabled"] is True


def test_kms_key_ids_are_checked_as_s3_does(s3: Any, bucket: str) -> None:
    cases = [
        ("fake-key-id", "Invalid keyId 'fake-key-id'"),
        (KEY_ARN.replace("us-east-1", "us-west-2"), "Invalid arn us-west-2"),
    ]
    for key_id, message in cases:
        with pytest.raises(ClientError) as caught:
            s3.put_object(
                Bucket=bucket,
                Key="k",
                Body=b"d",
                ServerSideEncryption="aws:kms",
                SSEKMSKeyId=key_id,
            )
        details = error_of(caught)
        assert (details["Code"], details["Message"], details["Status"]) == (
            "KMS.NotFoundException",
            message,
            400,
        )
    with pytest.raises(ClientError) as copy:
        s3.create_multipart_upload(
            Bucket=bucket, Key="k", ServerSideEncryption="aws:kms", SSEKMSKeyId="fake-key-id"
        )
    assert error_code(copy) == "KMS.NotFoundException"
    with pytest.raises(ClientError) as missing:
        s3.head_object(Bucket=bucket, Key="k")
    assert error_of(missing)["Status"] == 404  # nothing was stored


def test_unknown_algorithm_and_sse_c_are_refused(unchecked: Any, bucket: str) -> None:
    with pytest.raises(ClientError) as unknown:
        unchecked.put_object(Bucket=bucket, Key="k", Body=b"d", ServerSideEncryption="AES512")
    details = error_of(unknown)
    assert (details["Code"], details["ArgumentName"], details["ArgumentValue"]) == (
        "InvalidArgument",
        "x-amz-server-side-encryption",
        "AES512",
    )
    with pytest.raises(ClientError) as customer:
        unchecked.put_object(
            Bucket=bucket,
            Key="k",
            Body=b"d",
            SSECustomerAlgorithm="AES256",
            SSECustomerKey="k" * 32,
        )
    details = error_of(customer)
    assert (details["Code"], details["Status"]) == ("NotImplemented", 501)
    assert "x-amz-server-side-encryption-customer-algorithm" in details["Message"]


def test_bucket_default_encryption(s3: Any, bucket: str) -> None:
    default = {
        "Rules": [
            {
                "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"},
                "BucketKeyEnabled": False,
            }
        ]
    }
    assert s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"] == default
    kms = {
        "Rules": [
            {
                "ApplyServerSideEncryptionByDefault": {
                    "SSEAlgorithm": "aws:kms",
                    "KMSMasterKeyID": KEY_ID,
                },
                "BucketKeyEnabled": True,
            }
        ]
    }
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration=kms)
    assert s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"] == kms
    put = s3.put_object(Bucket=bucket, Key="k", Body=b"d")
    assert (put["ServerSideEncryption"], put["SSEKMSKeyId"], put["BucketKeyEnabled"]) == (
        "aws:kms",
        KEY_ARN,
        True,
    )
    deleted = s3.delete_bucket_encryption(Bucket=bucket)
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"] == default
    assert s3.put_object(Bucket=bucket, Key="n", Body=b"d")["ServerSideEncryption"] == "AES256"


def test_bucket_encryption_errors(unchecked: Any, bucket: str) -> None:
    rule = {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
    for rules in ([], [rule, rule]):
        with pytest.raises(ClientError) as malformed:
            unchecked.put_bucket_encryption(
                Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": rules}
            )
        assert error_code(malformed) == "MalformedXML"
    with pytest.raises(ClientError) as key_with_aes:
        unchecked.put_bucket_encryption(
            Bucket=bucket,
            ServerSideEncryptionConfiguration={
                "Rules": [
                    {
                        "ApplyServerSideEncryptionByDefault": {
                            "SSEAlgorithm": "AES256",
                            "KMSMasterKeyID": KEY_ID,
                        }
                    }
                ]
            },
        )
    details = error_of(key_with_aes)
    assert (details["Code"], details["Message"], details["ArgumentName"]) == (
        "InvalidArgument",
        "a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or "
        "aws:kms:dsse",
        "ApplyServerSideEncryptionByDefault",
    )
