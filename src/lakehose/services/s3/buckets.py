"""Bucket operations: create, head, list, delete, location, tagging and policy."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import orjson

from lakehose.services.s3 import acl, bucket_settings, store
from lakehose.services.s3 import tags as tags_module
from lakehose.services.s3.access import (
    DEFAULT_PUBLIC_ACCESS_BLOCK,
    AccessOperations,
    public_policy,
)
from lakehose.services.s3.base import Requester, refuse_unknown
from lakehose.services.s3.errors import (
    AccessDenied,
    BucketAlreadyExists,
    BucketAlreadyOwnedByYou,
    BucketNotEmpty,
    InvalidArgument,
    InvalidBucketAclWithObjectOwnership,
    MalformedPolicy,
    NoSuchBucketPolicy,
    NoSuchTagSet,
    UnsupportedHeader,
)
from lakehose.services.s3.names import US_EAST_1, bucket_region, check_bucket_name

MAX_BUCKETS_PAGE = 10_000


class BucketOperations(AccessOperations):
    """The life cycle and settings of buckets."""

    def create_bucket(
        self,
        *,
        bucket: str,
        context: Requester,
        create_bucket_configuration: Mapping[str, Any] | None = None,
        object_ownership: str | None = None,
        object_lock_enabled_for_bucket: bool | None = None,
        **options: Any,
    ) -> dict[str, Any]:
        check_bucket_name(bucket)
        refuse_unknown(options, acl.ACL_OPTIONS)
        if object_lock_enabled_for_bucket:
            raise UnsupportedHeader("x-amz-bucket-object-lock-enabled")
        configuration = dict(create_bucket_configuration or {})
        constraint = configuration.pop("LocationConstraint", None)
        tags = configuration.pop("Tags", None)
        refuse_unknown(configuration, ())
        region = bucket_region(constraint, context.region)
        checked_tags = tags_module.check(tags, bucket=True) if tags else None
        ownership = _ownership_header(object_ownership)
        owner_id = self._owner(context.account_id)["ID"]
        grants = acl.requested(options, owner_id)
        enforced = ownership == acl.BUCKET_OWNER_ENFORCED
        if grants is not None and enforced and not acl.owner_only(grants, owner_id):
            raise InvalidBucketAclWithObjectOwnership()
        if grants is not None and acl.is_public(grants):
            # New buckets start with Block Public Access on: a public ACL is refused.
            raise AccessDenied()
        with self.db.transaction() as connection:
            existing = store.find_bucket(connection, bucket)
            if existing is not None:
                # Bucket names are global: one namespace across regions and accounts.
                if existing.owner != context.account_id:
                    raise BucketAlreadyExists(bucket)
                # us-east-1 answers a repeat by its owner 200 OK, for legacy compatibility.
                if not region == existing.region == US_EAST_1:
                    raise BucketAlreadyOwnedByYou(bucket)
            else:
                created = store.insert_bucket(
                    connection, bucket, region, self.clock.now(), context.account_id
                )
                if checked_tags:
                    store.set_tags(connection, created.id, checked_tags)
                # S3's defaults for new buckets since April 2023: ACLs disabled, public access
                # blocked.
                settings = {
                    bucket_settings.OWNERSHIP: {"Rules": [{"ObjectOwnership": ownership}]},
                    bucket_settings.PUBLIC_ACCESS_BLOCK: DEFAULT_PUBLIC_ACCESS_BLOCK,
                    bucket_settings.ACL: grants,
                }
                for name, value in settings.items():
                    bucket_settings.write(connection, created.id, name, value)
        location = f"/{bucket}" if region == US_EAST_1 else f"http://{bucket}.s3.amazonaws.com/"
        return {"Location": location}

    def head_bucket(self, *, bucket: str) -> dict[str, Any]:
        found = self._bucket_named(bucket)
        return {"BucketRegion": found.region, "AccessPointAlias": False}

    def get_bucket_location(self, *, bucket: str) -> dict[str, Any]:
        region = self._bucket_named(bucket).region
        # us-east-1 is the empty constraint.
        return {"LocationConstraint": None if region == US_EAST_1 else region}

    def list_buckets(
        self,
        *,
        context: Requester,
        max_buckets: int | None = None,
        continuation_token: str | None = None,
        prefix: str | None = None,
        bucket_region: str | None = None,
    ) -> dict[str, Any]:
        if max_buckets is not None and not 1 <= max_buckets <= MAX_BUCKETS_PAGE:
            raise InvalidArgument(
                f"Argument max-buckets must be an integer between 1 and {MAX_BUCKETS_PAGE}",
                "max-buckets",
                max_buckets,
            )
        after = _bucket_token(continuation_token) if continuation_token is not None else ""
        with self.db.read() as connection:
            found = [
                row
                for row in store.buckets(connection)
                if row.owner == context.account_id
                and row.name > after
                and row.name.startswith(prefix or "")
                and bucket_region in (None, row.region)
            ]
        page = found[:max_buckets] if max_buckets is not None else found
        result: dict[str, Any] = {
            "Buckets": [
                {
                    "Name": row.name,
                    "CreationDate": datetime.fromtimestamp(row.created, UTC),
                    "BucketRegion": row.region,
                }
                for row in page
            ],
            "Owner": self._owner(context.account_id),
        }
        if len(page) < len(found):
            result["ContinuationToken"] = base64.urlsafe_b64encode(page[-1].name.encode()).decode()
        if prefix is not None:
            result["Prefix"] = prefix
        return result

    def delete_bucket(self, *, bucket: str) -> dict[str, Any]:
        with self.db.transaction() as connection:
            found = self._locate_bucket(connection, bucket)
            if store.has_objects(connection, found.id):
                raise BucketNotEmpty(bucket)
            # Incomplete multipart uploads go with the bucket (their rows cascade).
            store.delete_bucket(connection, found.id)
        self.blobs.drop_bucket(found.id)
        return {}

    # -- tagging ----------------------------------------------------------------------------

    def put_bucket_tagging(
        self,
        *,
        bucket: str,
        tagging: Mapping[str, Any],
        content_md5: str | None = None,
        checksum_algorithm: str | None = None,
    ) -> dict[str, Any]:
        # content_md5 / checksum_algorithm: integrity of the XML body (see deviations).
        tags = tags_module.check(list(tagging.get("TagSet") or []), bucket=True)
        with self.db.transaction() as connection:
            store.set_tags(connection, self._locate_bucket(connection, bucket).id, tags)
        return {}

    def get_bucket_tagging(self, *, bucket: str) -> dict[str, Any]:
        tags = self._bucket_named(bucket).tags
        if not tags:
            raise NoSuchTagSet(bucket)
        return {"TagSet": tags}

    def delete_bucket_tagging(self, *, bucket: str) -> dict[str, Any]:
        with self.db.transaction() as connection:
            store.set_tags(connection, self._locate_bucket(connection, bucket).id, None)
        return {}

    # -- policy -----------------------------------------------------------------------------

    def put_bucket_policy(
        self,
        *,
        bucket: str,
        policy: str,
        content_md5: str | None = None,
        checksum_algorithm: str | None = None,
    ) -> dict[str, Any]:
        # Stored as given; the gateway evaluates it for anonymous reads only.
        try:
            document = orjson.loads(policy)
        except orjson.JSONDecodeError:
            document = None
        if not isinstance(document, dict) or not policy.lstrip().startswith("{"):
            raise MalformedPolicy()
        with self.db.transaction() as connection:
            found = self._locate_bucket(connection, bucket)
            block = bucket_settings.read(connection, found.id, bucket_settings.PUBLIC_ACCESS_BLOCK)
            if block and block.get("BlockPublicPolicy") and public_policy(policy):
                raise AccessDenied(
                    f"User: arn:aws:iam::{found.owner}:root is not authorized to perform: "
                    f's3:PutBucketPolicy on resource: "arn:aws:s3:::{bucket}" because public '
                    "policies are blocked by the BlockPublicPolicy block public access setting."
                )
            store.set_policy(connection, found.id, policy)
        return {}

    def get_bucket_policy(self, *, bucket: str) -> dict[str, Any]:
        policy = self._bucket_named(bucket).policy
        if policy is None:
            raise NoSuchBucketPolicy(bucket)
        return {"Policy": policy}

    def delete_bucket_policy(self, *, bucket: str) -> dict[str, Any]:
        with self.db.transaction() as connection:
            store.set_policy(connection, self._locate_bucket(connection, bucket).id, None)
        return {}


def _ownership_header(value: str | None) -> str:
    """The Object Ownership a CreateBucket asks for (S3's default: ``BucketOwnerEnforced``)."""
    if value is None:
        return acl.BUCKET_OWNER_ENFORCED
    if value not in acl.OWNERSHIPS:
        raise InvalidArgument(
            f"Invalid x-amz-object-ownership header: {value}", "x-amz-object-ownership", None
        )
    return value


def _bucket_token(token: str) -> str:
    try:
        return base64.urlsafe_b64decode(token.encode("ascii")).decode()
    except (binascii.Error, ValueError, UnicodeError):
        raise InvalidArgument(
            "The continuation token provided is incorrect", "continuation-token", token
        ) from None
