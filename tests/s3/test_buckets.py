"""Bucket life cycle, location constraints, names, listing, tagging and policy, in both modes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.conftest import AwsTarget, cached_client
from tests.s3.conftest import BucketFactory, error_code, error_of

ILLEGAL = (
    "location constraint is incompatible for the region specific endpoint this request was sent to."
)


@pytest.fixture
def eu(aws: AwsTarget, client_cache: dict[str, Any]) -> Any:
    """A client whose requests are signed for eu-west-1."""
    return cached_client(aws, client_cache, "s3", region_name="eu-west-1")


def test_create_answers_its_location_and_head_tells_the_region(
    s3: Any, make_bucket: BucketFactory
) -> None:
    bucket = make_bucket()
    head = s3.head_bucket(Bucket=bucket)
    assert head["BucketRegion"] == "us-east-1"
    assert head["ResponseMetadata"]["HTTPHeaders"]["x-amz-bucket-region"] == "us-east-1"
    assert s3.get_bucket_location(Bucket=bucket)["LocationConstraint"] is None
    # us-east-1 answers its owner's repeat with 200 OK, for legacy compatibility.
    assert s3.create_bucket(Bucket=bucket)["Location"] == f"/{bucket}"


def test_a_regional_bucket_must_name_its_region_and_is_owned_on_repeat(eu: Any, name: str) -> None:
    with pytest.raises(ClientError) as unspecified:
        eu.create_bucket(Bucket=name)
    assert error_of(unspecified) | {"RequestId": "", "HostId": ""} == {
        "Code": "IllegalLocationConstraintException",
        "Message": f"The unspecified {ILLEGAL}",
        "Status": 400,
        "RequestId": "",
        "HostId": "",
    }
    configuration = {"LocationConstraint": "eu-west-1"}
    created = eu.create_bucket(Bucket=name, CreateBucketConfiguration=configuration)
    try:
        assert created["Location"] == f"http://{name}.s3.amazonaws.com/"
        assert eu.head_bucket(Bucket=name)["BucketRegion"] == "eu-west-1"
        assert eu.get_bucket_location(Bucket=name)["LocationConstraint"] == "eu-west-1"
        with pytest.raises(ClientError) as again:
            eu.create_bucket(Bucket=name, CreateBucketConfiguration=configuration)
        details = error_of(again)
        assert (details["Code"], details["Status"], details["BucketName"]) == (
            "BucketAlreadyOwnedByYou",
            409,
            name,
        )
        assert details["Message"] == (
            "Your previous request to create the named bucket succeeded and you already own it."
        )
    finally:
        eu.delete_bucket(Bucket=name)


@pytest.mark.parametrize(
    ("region", "constraint", "code", "message"),
    [
        ("us-east-1", "us-east-1", "InvalidLocationConstraint", None),
        ("us-east-1", "moon-base", "InvalidLocationConstraint", None),
        (
            "us-east-1",
            "eu-west-1",
            "IllegalLocationConstraintException",
            f"The eu-west-1 {ILLEGAL}",
        ),
        (
            "eu-west-1",
            "us-west-2",
            "IllegalLocationConstraintException",
            f"The us-west-2 {ILLEGAL}",
        ),
    ],
)
def test_location_constraint_rules(
    aws: AwsTarget,
    client_cache: dict[str, Any],
    name: str,
    region: str,
    constraint: str,
    code: str,
    message: str | None,
) -> None:
    client = cached_client(aws, client_cache, "s3", region_name=region)
    with pytest.raises(ClientError) as error:
        client.create_bucket(
            Bucket=name, CreateBucketConfiguration={"LocationConstraint": constraint}
        )
    details = error_of(error)
    assert (details["Code"], details["Status"]) == (code, 400)
    assert details["Message"] == (message or "The specified location-constraint is not valid")
    with pytest.raises(ClientError) as missing:
        client.head_bucket(Bucket=name)
    assert error_code(missing) == "404"


@pytest.mark.parametrize(
    "bucket",
    [
        *("ab", "a" * 64, "Upper-case", "under_score", "-leading", "trailing-", "two..dots"),
        *("192.168.10.12", "xn--punycode", "sthree-x", "alias-s3alias"),
    ],
)
def test_invalid_bucket_names(s3: Any, bucket: str) -> None:
    with pytest.raises(ClientError) as error:
        s3.create_bucket(Bucket=bucket)
    details = error_of(error)
    assert (details["Code"], details["Message"], details["Status"], details["BucketName"]) == (
        "InvalidBucketName",
        "The specified bucket is not valid.",
        400,
        bucket,
    )


def test_head_of_a_missing_bucket_is_a_bodiless_404(s3: Any, name: str) -> None:
    with pytest.raises(ClientError) as error:
        s3.head_bucket(Bucket=name)
    assert error_of(error)["Code"] == "404"  # botocore read no body, only the status
    assert error_of(error)["Message"] == "Not Found"


def test_delete_refuses_a_bucket_with_objects(s3: Any, name: str) -> None:
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="k", Body=b"x")
    with pytest.raises(ClientError) as error:
        s3.delete_bucket(Bucket=name)
    details = error_of(error)
    assert (details["Code"], details["Status"], details["BucketName"]) == (
        "BucketNotEmpty",
        409,
        name,
    )
    assert details["Message"] == "The bucket you tried to delete is not empty"
    s3.delete_object(Bucket=name, Key="k")
    # An incomplete multipart upload does not keep a bucket alive.
    s3.create_multipart_upload(Bucket=name, Key="pending")
    deleted = s3.delete_bucket(Bucket=name)
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ClientError) as gone:
        s3.delete_bucket(Bucket=name)
    assert error_of(gone)["Code"] == "NoSuchBucket"
    assert error_of(gone)["Message"] == "The specified bucket does not exist"
    assert error_of(gone)["BucketName"] == name


def test_list_buckets_filters_and_pages(s3: Any, make_bucket: BucketFactory) -> None:
    names = [make_bucket(suffix) for suffix in ("-a", "-b", "-c")]
    prefix = names[0][:-2]
    listed = s3.list_buckets(Prefix=prefix)
    assert [b["Name"] for b in listed["Buckets"]] == names
    assert all(b["BucketRegion"] == "us-east-1" for b in listed["Buckets"])
    assert listed["Prefix"] == prefix
    owner = listed["Owner"]["ID"]
    assert len(owner) == 64 and int(owner, 16) >= 0
    first = s3.list_buckets(Prefix=prefix, MaxBuckets=2)
    assert [b["Name"] for b in first["Buckets"]] == names[:2]
    rest = s3.list_buckets(
        Prefix=prefix, MaxBuckets=2, ContinuationToken=first["ContinuationToken"]
    )
    assert [b["Name"] for b in rest["Buckets"]] == names[2:]
    assert "ContinuationToken" not in rest
    assert s3.list_buckets(Prefix=prefix, BucketRegion="eu-west-1")["Buckets"] == []


def test_bucket_tagging(s3: Any, bucket: str) -> None:
    with pytest.raises(ClientError) as none:
        s3.get_bucket_tagging(Bucket=bucket)
    details = error_of(none)
    assert (details["Code"], details["Message"], details["Status"]) == (
        "NoSuchTagSet",
        "The TagSet does not exist",
        404,
    )
    tags = [{"Key": "team", "Value": "lake"}, {"Key": "cost center", "Value": ""}]
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": tags})
    assert s3.get_bucket_tagging(Bucket=bucket)["TagSet"] == tags
    removed = s3.delete_bucket_tagging(Bucket=bucket)
    assert removed["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ClientError) as gone:
        s3.get_bucket_tagging(Bucket=bucket)
    assert error_code(gone) == "NoSuchTagSet"


@pytest.mark.parametrize(
    ("tags", "message"),
    [
        (
            [{"Key": "a", "Value": "1"}, {"Key": "a", "Value": "2"}],
            "Cannot provide multiple Tags with the same key",
        ),
        ([{"Key": "aws:owner", "Value": "x"}], "System tags cannot be added/updated by requester"),
        ([{"Key": "k" * 129, "Value": "x"}], "The TagKey you have provided is invalid"),
        ([{"Key": "k", "Value": "v" * 257}], "The TagValue you have provided is invalid"),
    ],
)
def test_invalid_bucket_tags(s3: Any, bucket: str, tags: list[Any], message: str) -> None:
    with pytest.raises(ClientError) as error:
        s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": tags})
    assert (error_code(error), error_of(error)["Message"]) == ("InvalidTag", message)


def test_bucket_policy_is_stored_as_given(s3: Any, bucket: str) -> None:
    with pytest.raises(ClientError) as none:
        s3.get_bucket_policy(Bucket=bucket)
    details = error_of(none)
    assert (details["Code"], details["Message"], details["Status"], details["BucketName"]) == (
        "NoSuchBucketPolicy",
        "The bucket policy does not exist",
        404,
        bucket,
    )
    statement = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject"}
    policy = json.dumps({"Version": "2012-10-17", "Statement": [statement]}, indent=3)
    with pytest.raises(ClientError) as blocked:  # new buckets block public policies
        s3.put_bucket_policy(Bucket=bucket, Policy=policy)
    assert (error_code(blocked), error_of(blocked)["Status"]) == ("AccessDenied", 403)
    assert "because public policies are blocked by the BlockPublicPolicy" in str(blocked.value)
    with pytest.raises(ClientError) as still_none:
        s3.get_bucket_policy(Bucket=bucket)
    assert error_code(still_none) == "NoSuchBucketPolicy"
    s3.delete_public_access_block(Bucket=bucket)
    put = s3.put_bucket_policy(Bucket=bucket, Policy=policy)
    assert put["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert s3.get_bucket_policy(Bucket=bucket)["Policy"] == policy
    assert s3.get_bucket_policy_status(Bucket=bucket)["PolicyStatus"] == {"IsPublic": True}
    with pytest.raises(ClientError) as malformed:
        s3.put_bucket_policy(Bucket=bucket, Policy="not json")
    assert error_code(malformed) == "MalformedPolicy"
    assert s3.delete_bucket_policy(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ClientError) as gone:
        s3.get_bucket_policy(Bucket=bucket)
    assert error_code(gone) == "NoSuchBucketPolicy"


def test_operations_on_a_missing_bucket(s3: Any, name: str) -> None:
    for call in (
        lambda: s3.list_objects_v2(Bucket=name),
        lambda: s3.put_object(Bucket=name, Key="k", Body=b"x"),
        lambda: s3.get_bucket_tagging(Bucket=name),
        lambda: s3.create_multipart_upload(Bucket=name, Key="k"),
    ):
        with pytest.raises(ClientError) as error:
            call()
        details = error_of(error)
        assert (details["Code"], details["Status"], details["BucketName"]) == (
            "NoSuchBucket",
            404,
            name,
        )


def test_cors_configuration_crud(unchecked: Any, bucket: str) -> None:
    s3 = unchecked
    with pytest.raises(ClientError) as none:
        s3.get_bucket_cors(Bucket=bucket)
    details = error_of(none)
    assert (details["Code"], details["Message"], details["Status"], details["BucketName"]) == (
        "NoSuchCORSConfiguration",
        "The CORS configuration does not exist",
        404,
        bucket,
    )
    rules = [
        {
            "AllowedOrigins": ["https://example.com"],
            "AllowedMethods": ["GET", "PUT"],
            "AllowedHeaders": ["*"],
            "ExposeHeaders": ["ETag"],
            "MaxAgeSeconds": 3000,
        }
    ]
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": rules})
    assert s3.get_bucket_cors(Bucket=bucket)["CORSRules"] == rules
    with pytest.raises(ClientError) as method:
        s3.put_bucket_cors(
            Bucket=bucket,
            CORSConfiguration={
                "CORSRules": [{"AllowedOrigins": ["*"], "AllowedMethods": ["MYMETHOD"]}]
            },
        )
    assert (error_code(method), error_of(method)["Message"]) == (
        "InvalidRequest",
        "Found unsupported HTTP method in CORS config. Unsupported method is MYMETHOD",
    )
    with pytest.raises(ClientError) as empty:
        s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": []})
    assert error_code(empty) == "MalformedXML"
    assert s3.get_bucket_cors(Bucket=bucket)["CORSRules"] == rules  # refused puts changed nothing
    assert s3.delete_bucket_cors(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ClientError) as gone:
        s3.get_bucket_cors(Bucket=bucket)
    assert error_code(gone) == "NoSuchCORSConfiguration"
