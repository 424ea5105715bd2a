"""Who may do what: ACLs of buckets and objects, Object Ownership, Block Public Access, policy
status, and the bucket's default encryption.

New buckets get S3's defaults since April 2023: Object Ownership ``BucketOwnerEnforced`` (ACLs
disabled) and all four Block Public Access settings on. Buckets from before those settings
existed here have neither, as old buckets in S3 may not.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from typing import Any

import orjson

from lakehose.services.s3 import acl, bucket_settings, encryption, version_store
from lakehose.services.s3.base import S3Base, refuse_unknown
from lakehose.services.s3.errors import (
    AccessControlListNotSupported,
    AccessDenied,
    InvalidBucketAclWithObjectOwnership,
    MalformedXML,
    MissingSecurityHeader,
    NoSuchBucketPolicy,
    NoSuchPublicAccessBlockConfiguration,
    OwnershipControlsNotFoundError,
    UnexpectedContent,
)
from lakehose.services.s3.names import encode_key
from lakehose.services.s3.store import BucketRow

DEFAULT_PUBLIC_ACCESS_BLOCK = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}
_BLOCK_NAMES = tuple(DEFAULT_PUBLIC_ACCESS_BLOCK)


def public_policy(policy: str) -> bool:
    """Whether a bucket policy is public as Block Public Access judges it: it allows something
    to every principal (``"*"``) without a condition narrowing who."""
    try:
        document = orjson.loads(policy)
    except orjson.JSONDecodeError:
        return False
    statements = document.get("Statement") if isinstance(document, dict) else None
    for statement in statements if isinstance(statements, list) else [statements]:
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        principal = statement.get("Principal")
        aws = principal.get("AWS") if isinstance(principal, dict) else None
        everyone = principal == "*" or aws == "*" or (isinstance(aws, list) and "*" in aws)
        if everyone and not statement.get("Condition"):
            return True
    return False


class AccessOperations(S3Base):
    """ACLs, ownership controls, Block Public Access, policy status and default encryption."""

    # -- helpers other mixins use ------------------------------------------------------------

    def _acl_for_write(
        self, connection: sqlite3.Connection, bucket: BucketRow, options: Mapping[str, Any]
    ) -> list[dict[str, Any]] | None:
        """The ACL a PUT asks for, refused as the bucket's ownership and block settings say."""
        owner = self._owner(bucket.owner)["ID"]
        grants = acl.requested(options, owner)
        if grants is None:
            return None
        acl.check_allowed(grants, self._ownership(connection, bucket), owner)
        self._check_public_acl(connection, bucket, grants)
        return grants

    @staticmethod
    def _ownership(connection: sqlite3.Connection, bucket: BucketRow) -> str | None:
        stored = bucket_settings.read(connection, bucket.id, bucket_settings.OWNERSHIP)
        return str(stored["Rules"][0]["ObjectOwnership"]) if stored else None

    @staticmethod
    def _check_public_acl(
        connection: sqlite3.Connection, bucket: BucketRow, grants: list[dict[str, Any]]
    ) -> None:
        block = bucket_settings.read(connection, bucket.id, bucket_settings.PUBLIC_ACCESS_BLOCK)
        if block and block.get("BlockPublicAcls") and acl.is_public(grants):
            raise AccessDenied()

    def _grants_shown(
        self, connection: sqlite3.Connection, bucket: BucketRow, grants: list[dict[str, Any]] | None
    ) -> dict[str, Any]:
        owner = self._owner(bucket.owner)
        if grants is None or self._ownership(connection, bucket) == acl.BUCKET_OWNER_ENFORCED:
            # With ACLs disabled, reads show the bucket owner's full control only.
            grants = [acl.owner_grant(owner["ID"])]
        return {"Owner": owner, "Grants": grants}

    def _acl_for_put_acl(
        self,
        connection: sqlite3.Connection,
        bucket: BucketRow,
        options: Mapping[str, Any],
        access_control_policy: Mapping[str, Any] | None,
    ) -> list[dict[str, Any]]:
        """The ACL of a PutBucketAcl/PutObjectAcl: from its headers or its body, not both."""
        owner = self._owner(bucket.owner)["ID"]
        from_headers = acl.requested(options, owner)
        if from_headers is not None and access_control_policy:
            raise UnexpectedContent()
        if from_headers is None and access_control_policy is None:
            raise MissingSecurityHeader("x-amz-acl")
        grants = (
            from_headers
            if from_headers is not None
            else acl.from_policy(access_control_policy or {})
        )
        if self._ownership(connection, bucket) == acl.BUCKET_OWNER_ENFORCED:
            raise AccessControlListNotSupported()
        self._check_public_acl(connection, bucket, grants)
        return grants

    # -- bucket ACL -------------------------------------------------------------------------

    def get_bucket_acl(self, *, bucket: str) -> dict[str, Any]:
        with self.db.read() as connection:
            found = self._locate_bucket(connection, bucket)
            grants = bucket_settings.read(connection, found.id, bucket_settings.ACL)
            return self._grants_shown(connection, found, grants)

    def put_bucket_acl(
        self,
        *,
        bucket: str,
        access_control_policy: Mapping[str, Any] | None = None,
        content_md5: str | None = None,
        checksum_algorithm: str | None = None,
        **options: Any,
    ) -> dict[str, Any]:
        # content_md5 / checksum_algorithm: integrity of the XML body (see deviations).
        refuse_unknown(options, acl.ACL_OPTIONS)
        with self.db.transaction() as connection:
            found = self._locate_bucket(connection, bucket)
            grants = self._acl_for_put_acl(connection, found, options, access_control_policy)
            bucket_settings.write(connection, found.id, bucket_settings.ACL, grants)
        return {}

    # -- object ACL -------------------------------------------------------------------------

    def get_object_acl(
        self, *, bucket: str, key: str, version_id: str | None = None
    ) -> dict[str, Any]:
        with self.db.read() as connection:
            found = self._locate_bucket(connection, bucket)
            item = self._locate_version(connection, found, key, version_id, method="GET")
            return self._grants_shown(connection, found, item.attributes.get("acl"))

    def put_object_acl(
        self,
        *,
        bucket: str,
        key: str,
        version_id: str | None = None,
        access_control_policy: Mapping[str, Any] | None = None,
        content_md5: str | None = None,
        checksum_algorithm: str | None = None,
        **options: Any,
    ) -> dict[str, Any]:
        refuse_unknown(options, acl.ACL_OPTIONS)
        raw_key = encode_key(key)
        with self.db.transaction() as connection:
            found = self._locate_bucket(connection, bucket)
            item = self._locate_version(connection, found, key, version_id, method="PUT")
            grants = self._acl_for_put_acl(connection, found, options, access_control_policy)
            attributes = {**item.attributes, "acl": grants}
            version_store.set_attributes(connection, found.id, raw_key, item.version_id, attributes)
        return {}

    # -- ownership controls -----------------------------------------------------------------

    def get_bucket_ownership_controls(self, *, bucket: str) -> dict[str, Any]:
        with self.db.read() as connection:
            found = self._locate_bucket(connection, bucket)
            stored = bucket_settings.read(connection, found.id, bucket_settings.OWNERSHIP)
        if stored is None:
            raise OwnershipControlsNotFoundError(bucket)
        return {"OwnershipControls": stored}

    def put_bucket_ownership_controls(
        self,
        *,
        bucket: str,
        ownership_controls: Mapping[str, Any],
        content_md5: str | None = None,
        checksum_algorithm: str | None = None,
    ) -> dict[str, Any]:
        rules = list(ownership_controls.get("Rules") or [])
        if len(rules) != 1 or rules[0].get("ObjectOwnership") not in acl.OWNERSHIPS:
            raise MalformedXML()
        ownership = str(rules[0]["ObjectOwnership"])
        with self.db.transaction() as connection:
            found = self._locate_bucket(connection, bucket)
            self._check_enforceable(connection, found, ownership)
            bucket_settings.write(
                connection,
                found.id,
                bucket_settings.OWNERSHIP,
                {"Rules": [{"ObjectOwnership": ownership}]},
            )
        return {}

    def delete_bucket_ownership_controls(self, *, bucket: str) -> dict[str, Any]:
        with self.db.transaction() as connection:
            found = self._locate_bucket(connection, bucket)
            bucket_settings.write(connection, found.id, bucket_settings.OWNERSHIP, None)
        return {}

    def _check_enforceable(
        self, connection: sqlite3.Connection, bucket: BucketRow, ownership: str
    ) -> None:
        """ACLs can be disabled only while the bucket's ACL gives the owner alone access."""
        if ownership != acl.BUCKET_OWNER_ENFORCED:
            return
        grants = bucket_settings.read(connection, bucket.id, bucket_settings.ACL)
        if grants and not acl.owner_only(grants, self._owner(bucket.owner)["ID"]):
            raise InvalidBucketAclWithObjectOwnership()

    # -- Block Public Access ----------------------------------------------------------------

    def get_public_access_block(self, *, bucket: str) -> dict[str, Any]:
        with self.db.read() as connection:
            found = self._locate_bucket(connection, bucket)
            stored = bucket_settings.read(connection, found.id, bucket_settings.PUBLIC_ACCESS_BLOCK)
        if stored is None:
            raise NoSuchPublicAccessBlockConfiguration(bucket)
        return {"PublicAccessBlockConfiguration": stored}

    def put_public_access_block(
        self,
        *,
        bucket: str,
        public_access_block_configuration: Mapping[str, Any],
        content_md5: str | None = None,
        checksum_algorithm: str | None = None,
    ) -> dict[str, Any]:
        # Settings left out of the document are off, as S3 stores them.
        settings = {
            name: bool(public_access_block_configuration.get(name, False)) for name in _BLOCK_NAMES
        }
        with self.db.transaction() as connection:
            found = self._locate_bucket(connection, bucket)
            bucket_settings.write(
                connection, found.id, bucket_settings.PUBLIC_ACCESS_BLOCK, settings
            )
        return {}

    def delete_public_access_block(self, *, bucket: str) -> dict[str, Any]:
        with self.db.transaction() as connection:
            found = self._locate_bucket(connection, bucket)
            bucket_settings.write(connection, found.id, bucket_settings.PUBLIC_ACCESS_BLOCK, None)
        return {}

    def get_bucket_policy_status(self, *, bucket: str) -> dict[str, Any]:
        policy = self._bucket_named(bucket).policy
        if policy is None:
            raise NoSuchBucketPolicy(bucket)
        return {"PolicyStatus": {"IsPublic": public_policy(policy)}}

    # -- default encryption -----------------------------------------------------------------

    def get_bucket_encryption(self, *, bucket: str) -> dict[str, Any]:
        with self.db.read() as connection:
            found = self._locate_bucket(connection, bucket)
            stored = bucket_settings.read(connection, found.id, bucket_settings.ENCRYPTION)
        return {"ServerSideEncryptionConfiguration": encryption.configuration_of(stored)}

    def put_bucket_encryption(
        self,
        *,
        bucket: str,
        server_side_encryption_configuration: Mapping[str, Any],
        content_md5: str | None = None,
        checksum_algorithm: str | None = None,
    ) -> dict[str, Any]:
        checked = encryption.check_configuration(server_side_encryption_configuration)
        with self.db.transaction() as connection:
            found = self._locate_bucket(connection, bucket)
            bucket_settings.write(connection, found.id, bucket_settings.ENCRYPTION, checked)
        return {}

    def delete_bucket_encryption(self, *, bucket: str) -> dict[str, Any]:
        # The bucket goes back to S3's default, SSE-S3.
        with self.db.transaction() as connection:
            found = self._locate_bucket(connection, bucket)
            bucket_settings.write(connection, found.id, bucket_settings.ENCRYPTION, None)
        return {}
