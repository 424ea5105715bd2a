"""ACLs, Object Ownership, Block Public Access and policy status, in both modes.

Expected shapes and texts: the S3 user guide (Object Ownership troubleshooting) and responses
recorded from S3 (LocalStack's snapshot files for these operations).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.s3.conftest import error_code, error_of

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
LOG_DELIVERY = "http://acs.amazonaws.com/groups/s3/LogDelivery"


def owner_of(s3: Any, bucket: str) -> str:
    return str(s3.get_bucket_acl(Bucket=bucket)["Owner"]["ID"])


def test_new_buckets_have_s3s_defaults(s3: Any, bucket: str) -> None:
    assert s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"] == {
        "Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]
    }
    assert s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True,
    }
    owner = owner_of(s3, bucket)
    assert len(owner) == 64
    acl = s3.get_bucket_acl(Bucket=bucket)
    assert (acl["Owner"], acl["Grants"]) == (
        {"ID": owner},
        [{"Grantee": {"ID": owner, "Type": "CanonicalUser"}, "Permission": "FULL_CONTROL"}],
    )


def test_canned_acls_that_give_the_owner_full_control_pass_when_acls_are_disabled(
    s3: Any, make_bucket: Any
) -> None:
    bucket = make_bucket()
    for canned in ("private", "bucket-owner-full-control"):
        s3.put_object(Bucket=bucket, Key=canned, Body=b"x", ACL=canned)
        s3.copy_object(Bucket=bucket, Key=f"{canned}-copy", CopySource=f"{bucket}/{canned}")
        upload = s3.create_multipart_upload(Bucket=bucket, Key=f"{canned}-mp", ACL=canned)
        s3.abort_multipart_upload(Bucket=bucket, Key=f"{canned}-mp", UploadId=upload["UploadId"])
    for call in (
        lambda: s3.put_object(Bucket=bucket, Key="k", Body=b"x", ACL="public-read"),
        lambda: s3.put_object(Bucket=bucket, Key="k", Body=b"x", GrantRead=f'uri="{ALL_USERS}"'),
        lambda: s3.create_multipart_upload(Bucket=bucket, Key="k", ACL="authenticated-read"),
        lambda: s3.put_object_acl(Bucket=bucket, Key="private", ACL="private"),
        lambda: s3.put_bucket_acl(Bucket=bucket, ACL="public-read"),
    ):
        with pytest.raises(ClientError) as refused:
            call()
        details = error_of(refused)
        assert (details["Code"], details["Message"], details["Status"]) == (
            "AccessControlListNotSupported",
            "The bucket does not allow ACLs",
            400,
        )
    # Reads still answer, with the owner's full control.
    grants = s3.get_object_acl(Bucket=bucket, Key="private")["Grants"]
    assert [grant["Permission"] for grant in grants] == ["FULL_CONTROL"]


def test_create_bucket_with_acls(s3: Any, name: str) -> None:
    s3.create_bucket(Bucket=name, ACL="private")
    try:
        assert s3.get_bucket_ownership_controls(Bucket=name)["OwnershipControls"]["Rules"] == [
            {"ObjectOwnership": "BucketOwnerEnforced"}
        ]
    finally:
        s3.delete_bucket(Bucket=name)
    with pytest.raises(ClientError) as refused:
        s3.create_bucket(Bucket=name, ACL="public-read")
    details = error_of(refused)
    assert (details["Code"], details["Message"]) == (
        "InvalidBucketAclWithObjectOwnership",
        "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting",
    )
    with pytest.raises(ClientError) as public:
        s3.create_bucket(Bucket=name, ACL="public-read", ObjectOwnership="ObjectWriter")
    assert (error_code(public), error_of(public)["Status"]) == ("AccessDenied", 403)
    s3.create_bucket(Bucket=name, ACL="log-delivery-write", ObjectOwnership="ObjectWriter")
    try:
        grants = s3.get_bucket_acl(Bucket=name)["Grants"]
        assert [grant["Permission"] for grant in grants] == ["FULL_CONTROL", "WRITE", "READ_ACP"]
    finally:
        s3.delete_bucket(Bucket=name)
    with pytest.raises(ClientError) as invalid:
        s3.create_bucket(Bucket=name, ObjectOwnership="RandomValue")
    assert (error_code(invalid), error_of(invalid)["Message"]) == (
        "InvalidArgument",
        "Invalid x-amz-object-ownership header: RandomValue",
    )
    with pytest.raises(ClientError) as gone:
        s3.head_bucket(Bucket=name)
    assert error_of(gone)["Status"] == 404  # nothing was created by the refused requests


def test_acls_are_stored_and_returned_when_enabled(s3: Any, make_bucket: Any) -> None:
    bucket = make_bucket()
    s3.put_bucket_ownership_controls(
        Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]}
    )
    s3.delete_public_access_block(Bucket=bucket)
    owner = owner_of(s3, bucket)
    owner_grant = {"Grantee": {"ID": owner, "Type": "CanonicalUser"}, "Permission": "FULL_CONTROL"}
    s3.put_bucket_acl(Bucket=bucket, ACL="public-read")
    assert s3.get_bucket_acl(Bucket=bucket)["Grants"] == [
        owner_grant,
        {"Grantee": {"Type": "Group", "URI": ALL_USERS}, "Permission": "READ"},
    ]
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", GrantRead=f'uri="{LOG_DELIVERY}"')
    assert s3.get_object_acl(Bucket=bucket, Key="k")["Grants"] == [
        {"Grantee": {"Type": "Group", "URI": LOG_DELIVERY}, "Permission": "READ"}
    ]
    s3.put_object_acl(
        Bucket=bucket,
        Key="k",
        AccessControlPolicy={
            "Owner": {"ID": owner},
            "Grants": [
                owner_grant,
                {"Grantee": {"Type": "Group", "URI": LOG_DELIVERY}, "Permission": "WRITE"},
            ],
        },
    )
    assert s3.get_object_acl(Bucket=bucket, Key="k")["Grants"][1]["Permission"] == "WRITE"
    # Back to enforced ownership only while the bucket's ACL is private.
    with pytest.raises(ClientError) as not_private:
        s3.put_bucket_ownership_controls(
            Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
        )
    assert error_code(not_private) == "InvalidBucketAclWithObjectOwnership"


def test_acl_errors(unchecked: Any, make_bucket: Any) -> None:
    s3 = unchecked
    bucket = make_bucket()
    s3.delete_bucket_ownership_controls(Bucket=bucket)
    cases: list[tuple[Any, tuple[str, str | None, str | None]]] = [
        (
            lambda: s3.put_bucket_acl(Bucket=bucket, ACL="fake-acl"),
            ("InvalidArgument", "x-amz-acl", "fake-acl"),
        ),
        (
            lambda: s3.put_bucket_acl(Bucket=bucket, GrantWrite='fakekey="1234"'),
            ("InvalidArgument", "x-amz-grant-write", 'fakekey="1234"'),
        ),
        (
            lambda: s3.put_bucket_acl(Bucket=bucket, GrantWrite='id="wrong-id"'),
            ("InvalidArgument", "id", "wrong-id"),
        ),
        (
            lambda: s3.put_bucket_acl(
                Bucket=bucket, GrantWrite='uri="http://acs.amazonaws.com/groups/s3/FakeGroup"'
            ),
            ("InvalidArgument", "uri", "http://acs.amazonaws.com/groups/s3/FakeGroup"),
        ),
        (lambda: s3.put_bucket_acl(Bucket=bucket), ("MissingSecurityHeader", None, None)),
        (
            lambda: s3.put_bucket_acl(Bucket=bucket, ACL="private", GrantRead=f'uri="{ALL_USERS}"'),
            ("InvalidRequest", None, None),
        ),
        (
            lambda: s3.put_bucket_acl(
                Bucket=bucket, AccessControlPolicy={"Grants": [], "Owner": {}}
            ),
            ("MalformedACLError", None, None),
        ),
    ]
    for call, (code, argument, value) in cases:
        with pytest.raises(ClientError) as caught:
            call()
        details = error_of(caught)
        assert (details["Code"], details.get("ArgumentName"), details.get("ArgumentValue")) == (
            code,
            argument,
            value,
        )
    # With ACLs enabled, Block Public Access still refuses public ACLs.
    with pytest.raises(ClientError) as blocked:
        s3.put_bucket_acl(Bucket=bucket, ACL="public-read")
    assert (error_code(blocked), error_of(blocked)["Status"]) == ("AccessDenied", 403)


def test_ownership_controls_crud_and_errors(unchecked: Any, bucket: str) -> None:
    s3 = unchecked
    s3.put_bucket_ownership_controls(
        Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]}
    )
    assert s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"] == {
        "Rules": [{"ObjectOwnership": "ObjectWriter"}]
    }
    deleted = s3.delete_bucket_ownership_controls(Bucket=bucket)
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ClientError) as missing:
        s3.get_bucket_ownership_controls(Bucket=bucket)
    details = error_of(missing)
    assert (details["Code"], details["Message"], details["Status"], details["BucketName"]) == (
        "OwnershipControlsNotFoundError",
        "The bucket ownership controls were not found",
        404,
        bucket,
    )
    for rules in (
        [{"ObjectOwnership": "RandomValue"}],
        [{"ObjectOwnership": "ObjectWriter"}, {"ObjectOwnership": "ObjectWriter"}],
        [{}],
    ):
        with pytest.raises(ClientError) as malformed:
            s3.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls={"Rules": rules})
        assert error_code(malformed) == "MalformedXML"


def test_public_access_block_crud(s3: Any, bucket: str) -> None:
    s3.put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={"BlockPublicAcls": False, "BlockPublicPolicy": True},
    )
    assert s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": False,
        "IgnorePublicAcls": False,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": False,
    }
    for _ in range(2):  # deleting is idempotent
        assert (
            s3.delete_public_access_block(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"]
            == 204
        )
    with pytest.raises(ClientError) as missing:
        s3.get_public_access_block(Bucket=bucket)
    details = error_of(missing)
    assert (details["Code"], details["Message"], details["Status"]) == (
        "NoSuchPublicAccessBlockConfiguration",
        "The public access block configuration was not found",
        404,
    )


def test_policy_status(s3: Any, bucket: str) -> None:
    with pytest.raises(ClientError) as none:
        s3.get_bucket_policy_status(Bucket=bucket)
    assert error_code(none) == "NoSuchBucketPolicy"
    own = {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::000000000000:root"}}
    policy = {"Version": "2012-10-17", "Statement": [{**own, "Action": "s3:*", "Resource": "*"}]}
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    assert s3.get_bucket_policy_status(Bucket=bucket)["PolicyStatus"] == {"IsPublic": False}
