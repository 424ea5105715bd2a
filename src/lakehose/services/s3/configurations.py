"""The bucket configuration documents tools read on every bucket: accelerate, request payment,
logging, website, replication, notification, object lock.

Each is kept as its Get operation returns it and answered with S3's default or S3's "not found"
error when never put. What they would make S3 do is not done here (no accelerated endpoints,
requester charges, access logs, website hosting or replication; see docs/deviations.md), except
where doing nothing would lose data silently: a notification configuration that names any
destination is refused as not implemented, since no event would ever be delivered.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from typing import Any

from lakehose.services.s3 import bucket_settings, store, versions
from lakehose.services.s3.base import S3Base
from lakehose.services.s3.errors import (
    CrossLocationLoggingProhibitted,
    InvalidRequest,
    InvalidTargetBucketForLogging,
    MalformedXML,
    NoSuchWebsiteConfiguration,
    ObjectLockConfigurationNotFoundError,
    ReplicationConfigurationNotFoundError,
    UnsupportedHeader,
)
from lakehose.services.s3.store import BucketRow

ACCELERATE = "accelerate"
REQUEST_PAYMENT = "request_payment"
LOGGING = "logging"
WEBSITE = "website"
REPLICATION = "replication"
NOTIFICATION = "notification"


class ConfigurationOperations(S3Base):
    """Bucket configuration documents that are stored and returned."""

    def _store(self, bucket: str, name: str, value: Any) -> None:
        with self.db.transaction() as connection:
            found = self._locate_bucket(connection, bucket)
            bucket_settings.write(connection, found.id, name, value)

    def _stored(self, bucket: str, name: str) -> Any:
        with self.db.read() as connection:
            found = self._locate_bucket(connection, bucket)
            return bucket_settings.read(connection, found.id, name)

    # -- accelerate -------------------------------------------------------------------------

    def put_bucket_accelerate_configuration(
        self,
        *,
        bucket: str,
        accelerate_configuration: Mapping[str, Any],
        checksum_algorithm: str | None = None,
    ) -> dict[str, Any]:
        status = accelerate_configuration.get("Status")
        if status not in ("Enabled", "Suspended"):
            raise MalformedXML()
        if "." in bucket:
            raise InvalidRequest(
                "S3 Transfer Acceleration is not supported for buckets with periods (.) in "
                "their names"
            )
        self._store(bucket, ACCELERATE, {"Status": status})
        return {}

    def get_bucket_accelerate_configuration(self, *, bucket: str) -> dict[str, Any]:
        return dict(self._stored(bucket, ACCELERATE) or {})

    # -- request payment --------------------------------------------------------------------

    def put_bucket_request_payment(
        self,
        *,
        bucket: str,
        request_payment_configuration: Mapping[str, Any],
        content_md5: str | None = None,
        checksum_algorithm: str | None = None,
    ) -> dict[str, Any]:
        payer = request_payment_configuration.get("Payer")
        if payer not in ("BucketOwner", "Requester"):
            raise MalformedXML()
        self._store(bucket, REQUEST_PAYMENT, {"Payer": payer})
        return {}

    def get_bucket_request_payment(self, *, bucket: str) -> dict[str, Any]:
        return dict(self._stored(bucket, REQUEST_PAYMENT) or {"Payer": "BucketOwner"})

    # -- logging ----------------------------------------------------------------------------

    def put_bucket_logging(
        self,
        *,
        bucket: str,
        bucket_logging_status: Mapping[str, Any],
        content_md5: str | None = None,
        checksum_algorithm: str | None = None,
    ) -> dict[str, Any]:
        enabled = bucket_logging_status.get("LoggingEnabled")
        with self.db.transaction() as connection:
            found = self._locate_bucket(connection, bucket)
            if enabled:
                target_name = str(enabled.get("TargetBucket", ""))
                target = self._target_bucket(connection, target_name)
                if target.region != found.region:
                    raise CrossLocationLoggingProhibitted(target.region)
            document = {"LoggingEnabled": dict(enabled)} if enabled else None
            bucket_settings.write(connection, found.id, LOGGING, document)
        return {}

    @staticmethod
    def _target_bucket(connection: sqlite3.Connection, name: str) -> BucketRow:
        target = store.find_bucket(connection, name)
        if target is None:
            raise InvalidTargetBucketForLogging(name)
        return target

    def get_bucket_logging(self, *, bucket: str) -> dict[str, Any]:
        return dict(self._stored(bucket, LOGGING) or {})

    # -- website ----------------------------------------------------------------------------

    def put_bucket_website(
        self,
        *,
        bucket: str,
        website_configuration: Mapping[str, Any],
        content_md5: str | None = None,
        checksum_algorithm: str | None = None,
    ) -> dict[str, Any]:
        redirect = website_configuration.get("RedirectAllRequestsTo")
        if not redirect and not website_configuration.get("IndexDocument"):
            raise MalformedXML()
        self._store(bucket, WEBSITE, dict(website_configuration))
        return {}

    def get_bucket_website(self, *, bucket: str) -> dict[str, Any]:
        stored = self._stored(bucket, WEBSITE)
        if stored is None:
            raise NoSuchWebsiteConfiguration(bucket)
        return dict(stored)

    def delete_bucket_website(self, *, bucket: str) -> dict[str, Any]:
        self._store(bucket, WEBSITE, None)
        return {}

    # -- replication ------------------------------------------------------------------------

    def put_bucket_replication(
        self,
        *,
        bucket: str,
        replication_configuration: Mapping[str, Any],
        content_md5: str | None = None,
        checksum_algorithm: str | None = None,
        token: str | None = None,
    ) -> dict[str, Any]:
        with self.db.transaction() as connection:
            found = self._locate_bucket(connection, bucket)
            if versions.status(connection, found.id) != versions.ENABLED:
                raise InvalidRequest(
                    "Versioning must be 'Enabled' on the bucket to apply a replication "
                    "configuration"
                )
            bucket_settings.write(
                connection, found.id, REPLICATION, dict(replication_configuration)
            )
        return {}

    def get_bucket_replication(self, *, bucket: str) -> dict[str, Any]:
        stored = self._stored(bucket, REPLICATION)
        if stored is None:
            raise ReplicationConfigurationNotFoundError(bucket)
        return {"ReplicationConfiguration": stored}

    def delete_bucket_replication(self, *, bucket: str) -> dict[str, Any]:
        self._store(bucket, REPLICATION, None)
        return {}

    # -- notification -----------------------------------------------------------------------

    def put_bucket_notification_configuration(
        self,
        *,
        bucket: str,
        notification_configuration: Mapping[str, Any] | None = None,
        skip_destination_validation: bool | None = None,
    ) -> dict[str, Any]:
        if any((notification_configuration or {}).values()):
            # No event would be delivered: refused rather than stored and silently idle.
            raise UnsupportedHeader("NotificationConfiguration")
        self._store(bucket, NOTIFICATION, None)
        return {}

    def get_bucket_notification_configuration(self, *, bucket: str) -> dict[str, Any]:
        self._stored(bucket, NOTIFICATION)
        return {}

    # -- object lock ------------------------------------------------------------------------

    def get_object_lock_configuration(self, *, bucket: str) -> dict[str, Any]:
        # Buckets are never created with object lock here (that is refused as not implemented).
        self._bucket_named(bucket)
        raise ObjectLockConfigurationNotFoundError(bucket)
