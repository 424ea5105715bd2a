"""Bucket operations: create, head, list, delete, location, tagging and policy."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import orjson

from lakehose.services.s3 import store
from lakehose.services.s3.base import Requester, S3Base, refuse_unknown
from lakehose.services.s3.errors import (
    BucketAlreadyExists,
    BucketAlreadyOwnedByYou,
    BucketNotEmpty,
    InvalidArgument,
    InvalidTag,
    MalformedPolicy,
    NoSuchBucketPolicy,
    NoSuchTagSet,
)
from lakehose.services.s3.names import US_EAST_1, bucket_region, check_bucket_name

MAX_BUCKET_TAGS = 50
MAX_TAG_KEY = 128
MAX_TAG_VALUE = 256
MAX_BUCKETS_PAGE = 10_000
_TAG_PUNCTUATION = frozenset(" _.:/=+-@")


def _tag_text_ok(text: str) -> bool:
    return all(char.isalnum() or char.isspace() or char in _TAG_PUNCTUATION for char in text)


def check_tags(tags: list[Mapping[str, Any]]) -> list[dict[str, str]]:
    """A tag set as S3 accepts it for a bucket (``InvalidTag`` otherwise)."""
    if len(tags) > MAX_BUCKET_TAGS:
        raise InvalidTag(f"Bucket tag count cannot be greater than {MAX_BUCKET_TAGS}")
    checked: list[dict[str, str]] = []
    seen: set[str] = set()
    for tag in tags:
        key, value = str(tag.get("Key", "")), str(tag.get("Value", ""))
        if not 1 <= len(key) <= MAX_TAG_KEY or not _tag_text_ok(key):
            raise InvalidTag("The TagKey you have provided is invalid")
        if len(value) > MAX_TAG_VALUE or not _tag_text_ok(value):
            raise InvalidTag("The TagValue you have provided is invalid")
        if key.lower().startswith("aws:"):
            raise InvalidTag("System tags cannot be added/updated by requester")
        if key in seen:
            raise InvalidTag("Cannot provide multiple Tags with the same key")
        seen.add(key)
        checked.append({"Key": key, "Value": value})
    return checked


class BucketOperations(S3Base):
    """The life cycle and settings of buckets."""

    def create_bucket(
        self,
        *,
        bucket: str,
        context: Requester,
        create_bucket_configuration: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        check_bucket_name(bucket)
        configuration = dict(create_bucket_configuration or {})
        constraint = configuration.pop("LocationConstraint", None)
        tags = configuration.pop("Tags", None)
        refuse_unknown(configuration, ())
        region = bucket_region(constraint, context.region)
        checked_tags = check_tags(tags) if tags else None
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
        tags = check_tags(list(tagging.get("TagSet") or []))
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
        # Stored as given; lakehose has one principal and does not evaluate policies.
        try:
            document = orjson.loads(policy)
        except orjson.JSONDecodeError:
            document = None
        if not isinstance(document, dict) or not policy.lstrip().startswith("{"):
            raise MalformedPolicy()
        with self.db.transaction() as connection:
            store.set_policy(connection, self._locate_bucket(connection, bucket).id, policy)
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


def _bucket_token(token: str) -> str:
    try:
        return base64.urlsafe_b64decode(token.encode("ascii")).decode()
    except (binascii.Error, ValueError, UnicodeError):
        raise InvalidArgument(
            "The continuation token provided is incorrect", "continuation-token", token
        ) from None
