"""Custom resources CDK emits whose providers lakehose replaces with native code.

``Custom::S3AutoDeleteObjects`` (a bucket's ``autoDeleteObjects: true``) empties its bucket
when the resource is deleted, which happens before the bucket itself is deleted because it
refers to it. As CDK's provider does, it empties only a bucket still tagged
``aws-cdk:auto-delete-objects: true``, so turning the option off never empties a bucket.

The provider Lambda functions behind these resources are recorded, never created or run.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lakehose.deploy.errors import error_code
from lakehose.deploy.resources.base import Attributes, Context, ResourceHandler

AUTO_DELETE_TAG = "aws-cdk:auto-delete-objects"
# S3's DeleteObjects limit.
_BATCH = 1000


class S3AutoDeleteObjects(ResourceHandler):
    type = "Custom::S3AutoDeleteObjects"
    properties = frozenset({"ServiceToken", "BucketName"})
    replacement = frozenset({"BucketName"})
    note = "handled natively: empties the bucket on delete"

    def create(self, props: Mapping[str, Any], ctx: Context) -> tuple[str, Attributes]:
        return self.physical_name(props, ctx), {}

    def undo_create(self, physical_id: str, props: Mapping[str, Any], ctx: Context) -> None:
        """Creating made nothing; deleting would empty a bucket that may hold data."""

    def update(
        self, old: Mapping[str, Any], new: Mapping[str, Any], physical_id: str, ctx: Context
    ) -> Attributes:
        return {}

    def delete(self, physical_id: str, props: Mapping[str, Any], ctx: Context) -> None:
        bucket = str(props["BucketName"])
        s3 = ctx.client("s3")
        try:
            tags = s3.get_bucket_tagging(Bucket=bucket)["TagSet"]
        except Exception as error:
            if error_code(error) in ("NoSuchBucket", "NoSuchTagSet"):
                return
            raise
        if {"Key": AUTO_DELETE_TAG, "Value": "true"} in tags:
            empty_bucket(bucket, ctx)


def empty_bucket(bucket: str, ctx: Context) -> None:
    s3 = ctx.client("s3")
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
        for start in range(0, len(keys), _BATCH):
            s3.delete_objects(
                Bucket=bucket, Delete={"Objects": keys[start : start + _BATCH], "Quiet": True}
            )
