"""Put/Get/DeleteBucketLifecycleConfiguration, and the lifecycle's work when the clock says so.

``run_due`` applies the rules (``lifecycle``) at most once a minute of the runtime's clock; S3
itself runs them about once a day, so an object may outlive its expiry by up to a minute here and
by up to a day on AWS. Each expiry is its own transaction, so a crash in the middle loses
nothing that was not due to go.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lakehose.services.s3 import bucket_settings, lifecycle, store, version_store, versions
from lakehose.services.s3.base import S3Base
from lakehose.services.s3.errors import NoSuchLifecycleConfiguration
from lakehose.services.s3.listing import MAX_KEYS, successor
from lakehose.services.s3.store import ObjectRow

_EVERY_SECONDS = 60.0


class LifecycleOperations(S3Base):
    """A bucket's lifecycle rules and their application."""

    _lifecycle_ran_at: float | None = None

    def put_bucket_lifecycle_configuration(
        self,
        *,
        bucket: str,
        lifecycle_configuration: Mapping[str, Any] | None = None,
        transition_default_minimum_object_size: str | None = None,
        checksum_algorithm: str | None = None,
    ) -> dict[str, Any]:
        # checksum_algorithm: integrity of the XML body (see deviations).
        size = lifecycle.check_minimum_size(transition_default_minimum_object_size)
        rules = lifecycle.check_rules(lifecycle_configuration or {})
        document = {"Rules": rules, "TransitionDefaultMinimumObjectSize": size}
        with self.db.transaction() as connection:
            found = self._locate_bucket(connection, bucket)
            bucket_settings.write(connection, found.id, bucket_settings.LIFECYCLE, document)
        return {"TransitionDefaultMinimumObjectSize": size}

    def get_bucket_lifecycle_configuration(self, *, bucket: str) -> dict[str, Any]:
        with self.db.read() as connection:
            found = self._locate_bucket(connection, bucket)
            stored = bucket_settings.read(connection, found.id, bucket_settings.LIFECYCLE)
        if stored is None:
            raise NoSuchLifecycleConfiguration(bucket)
        return {
            "Rules": lifecycle.shown(stored["Rules"]),
            "TransitionDefaultMinimumObjectSize": stored["TransitionDefaultMinimumObjectSize"],
        }

    def delete_bucket_lifecycle(self, *, bucket: str) -> dict[str, Any]:
        with self.db.transaction() as connection:
            found = self._locate_bucket(connection, bucket)
            bucket_settings.write(connection, found.id, bucket_settings.LIFECYCLE, None)
        return {}

    # -- applying the rules -----------------------------------------------------------------

    def run_due(self) -> None:
        super().run_due()
        now = self.clock.now()
        if self._lifecycle_ran_at is not None and now - self._lifecycle_ran_at < _EVERY_SECONDS:
            return
        self._lifecycle_ran_at = now
        with self.db.read() as connection:
            configured = bucket_settings.all_with(connection, bucket_settings.LIFECYCLE)
        for bucket_id, document in configured:
            for rule in document["Rules"]:
                if rule.get("Status") != "Enabled":
                    continue
                self._expire_objects(bucket_id, rule, now)
                self._abort_uploads(bucket_id, rule, now)
                if (rule.get("Expiration") or {}).get("ExpiredObjectDeleteMarker"):
                    self._remove_lone_markers(bucket_id, rule)

    def _expire_objects(self, bucket_id: int, rule: Mapping[str, Any], now: float) -> None:
        prefix = lifecycle.prefix_of(rule).encode()
        low: bytes | None = prefix
        while low is not None:
            with self.db.read() as connection:
                rows = store.scan_objects(connection, bucket_id, low, successor(prefix), MAX_KEYS)
            low = rows[-1].key + b"\0" if len(rows) == MAX_KEYS else None
            for row in rows:
                when = lifecycle.expiry(rule, row)
                if when is not None and when <= now and lifecycle.matches(rule, row):
                    self._expire(bucket_id, row)

    def _expire(self, bucket_id: int, row: ObjectRow) -> None:
        """Expire the current object as a DELETE would, unless it changed meanwhile."""
        with self.db.transaction() as connection:
            current = store.find_object(connection, bucket_id, row.key)
            if current is None or current.version_id != row.version_id:
                return
            _, dropped = versions.delete(connection, bucket_id, row.key, self._now_seconds())
        self.blobs.discard(bucket_id, dropped)

    def _abort_uploads(self, bucket_id: int, rule: Mapping[str, Any], now: float) -> None:
        days = (rule.get("AbortIncompleteMultipartUpload") or {}).get("DaysAfterInitiation")
        if days is None:
            return
        prefix = lifecycle.prefix_of(rule).encode()
        with self.db.transaction() as connection:
            blobs: list[str] = []
            for upload in store.uploads_in(connection, bucket_id, prefix, successor(prefix)):
                if upload.initiated + int(days) * lifecycle.DAY <= now:
                    blobs += store.delete_upload(connection, upload.upload_id)
        self.blobs.discard(bucket_id, blobs)

    def _remove_lone_markers(self, bucket_id: int, rule: Mapping[str, Any]) -> None:
        prefix = lifecycle.prefix_of(rule).encode()
        with self.db.transaction() as connection:
            keys = version_store.scan(connection, bucket_id, prefix, successor(prefix), MAX_KEYS)
            for key in keys:
                rows = version_store.of_key(connection, bucket_id, key)
                alone = store.find_object(connection, bucket_id, key) is None and len(rows) == 1
                if alone and rows[0].delete_marker:
                    version_store.remove(connection, bucket_id, key, rows[0].version_id)
