"""AWS::S3::Bucket and AWS::S3::BucketPolicy."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from lakehose.deploy.errors import DeployError
from lakehose.deploy.resources.base import Attributes, Context, ResourceHandler, changed
from lakehose.deploy.state import STATE_BUCKET


class S3Bucket(ResourceHandler):
    type = "AWS::S3::Bucket"
    # Access control and encryption at rest are not enforced locally, as IAM is not. Block Public
    # Access is applied: S3 blocks public bucket policies by default, so a template that allows
    # one must be able to turn the block off.
    ignored = frozenset(
        {"BucketEncryption", "OwnershipControls", "AccessControl", "CorsConfiguration"}
    )
    properties = frozenset({"BucketName", "Tags", "PublicAccessBlockConfiguration", *ignored})
    replacement = frozenset({"BucketName"})
    missing = ("NoSuchBucket",)
    name_length = 63
    lowercase_names = True

    def name_property(self, props: Mapping[str, Any]) -> str | None:
        return props.get("BucketName")

    def create(self, props: Mapping[str, Any], ctx: Context) -> tuple[str, Attributes]:
        name = self.physical_name(props, ctx)
        if name == STATE_BUCKET:
            raise DeployError(f"the bucket name {STATE_BUCKET} is reserved for lakehose's stacks")
        arguments: dict[str, Any] = {"Bucket": name}
        if ctx.region != "us-east-1":
            arguments["CreateBucketConfiguration"] = {"LocationConstraint": ctx.region}
        s3 = ctx.client("s3")
        s3.create_bucket(**arguments)
        if props.get("Tags"):
            s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": props["Tags"]})
        _apply_public_access_block(s3, name, props)
        return name, self._attributes(name, ctx)

    def update(
        self, old: Mapping[str, Any], new: Mapping[str, Any], physical_id: str, ctx: Context
    ) -> Attributes:
        if changed(old, new, "Tags"):
            s3 = ctx.client("s3")
            if new.get("Tags"):
                s3.put_bucket_tagging(Bucket=physical_id, Tagging={"TagSet": new["Tags"]})
            else:
                s3.delete_bucket_tagging(Bucket=physical_id)
        if changed(old, new, "PublicAccessBlockConfiguration"):
            _apply_public_access_block(ctx.client("s3"), physical_id, new)
        return self._attributes(physical_id, ctx)

    def delete(self, physical_id: str, props: Mapping[str, Any], ctx: Context) -> None:
        ctx.client("s3").delete_bucket(Bucket=physical_id)

    @staticmethod
    def _attributes(name: str, ctx: Context) -> Attributes:
        region = ctx.region
        return {
            "Arn": f"arn:{ctx.partition}:s3:::{name}",
            "DomainName": f"{name}.s3.amazonaws.com",
            "RegionalDomainName": f"{name}.s3.{region}.amazonaws.com",
            "DualStackDomainName": f"{name}.s3.dualstack.{region}.amazonaws.com",
            "WebsiteURL": f"http://{name}.s3-website-{region}.amazonaws.com",
        }


def _apply_public_access_block(s3: Any, bucket: str, props: Mapping[str, Any]) -> None:
    """The template's Block Public Access settings (S3's default, all on, when it has none)."""
    settings = props.get("PublicAccessBlockConfiguration")
    if settings is None:
        return
    names = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
    configuration = {name: _true(settings.get(name, False)) for name in names}
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=configuration)


def _true(value: Any) -> bool:
    """A template boolean, which may come as the string "true"."""
    return value is True or str(value).lower() == "true"


class S3BucketPolicy(ResourceHandler):
    type = "AWS::S3::BucketPolicy"
    properties = frozenset({"Bucket", "PolicyDocument"})
    replacement = frozenset({"Bucket"})
    missing = ("NoSuchBucket", "NoSuchBucketPolicy")

    def create(self, props: Mapping[str, Any], ctx: Context) -> tuple[str, Attributes]:
        self._put(props, ctx)
        return self.physical_name(props, ctx), {}

    def update(
        self, old: Mapping[str, Any], new: Mapping[str, Any], physical_id: str, ctx: Context
    ) -> Attributes:
        self._put(new, ctx)
        return {}

    def delete(self, physical_id: str, props: Mapping[str, Any], ctx: Context) -> None:
        ctx.client("s3").delete_bucket_policy(Bucket=props["Bucket"])

    @staticmethod
    def _put(props: Mapping[str, Any], ctx: Context) -> None:
        document = props["PolicyDocument"]
        policy = document if isinstance(document, str) else json.dumps(document)
        ctx.client("s3").put_bucket_policy(Bucket=props["Bucket"], Policy=policy)
