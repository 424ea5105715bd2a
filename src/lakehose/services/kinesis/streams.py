"""Stream life cycle, description, listing and retention."""

from __future__ import annotations

import sqlite3
from typing import Any

from lakehose.pagination import decode_page_token, encode_page_token
from lakehose.services.kinesis import store
from lakehose.services.kinesis.base import Resource
from lakehose.services.kinesis.errors import (
    InvalidArgumentException,
    ResourceInUseException,
    missing_members,
)
from lakehose.services.kinesis.hashing import uniform_ranges
from lakehose.services.kinesis.rows import ShardRow, StreamRow, timestamp
from lakehose.services.kinesis.statuses import StreamStatus
from lakehose.services.kinesis.tagging import MAX_TAGS, TagOperations, too_many_tags

DEFAULT_RETENTION_HOURS = 24
MIN_RETENTION_HOURS = 24
MAX_RETENTION_HOURS = 8760
ON_DEMAND_SHARDS = 4  # what AWS opens for a new on-demand stream
DEFAULT_MAX_RECORD_KIB = 1024
_PAGE = 100  # DescribeStream and ListStreams return at most this many per call


class StreamOperations(TagOperations):
    def create_stream(
        self,
        *,
        stream_name: str,
        shard_count: int | None = None,
        stream_mode_details: dict[str, str] | None = None,
        tags: dict[str, str] | None = None,
        max_record_size_in_ki_b: int | None = None,
    ) -> dict[str, Any]:
        mode = (stream_mode_details or {}).get("StreamMode", "PROVISIONED")
        if mode == "PROVISIONED" and shard_count is None:
            raise missing_members(["shardCount"])
        if mode == "ON_DEMAND" and shard_count is not None:
            raise InvalidArgumentException(
                "ShardCount cannot be specified for a stream in ON_DEMAND mode."
            )
        count = ON_DEMAND_SHARDS if shard_count is None else shard_count
        if tags is not None and len(tags) > MAX_TAGS:
            raise too_many_tags(stream_name, self.account_id)
        now = self._now_ms()
        with self.db.transaction() as connection:
            existing = store.find_stream(connection, stream_name)
            if existing is not None and not existing.gone(now):
                raise ResourceInUseException.exists(stream_name, self.account_id)
            if existing is not None:
                self._purge(connection, existing)
            self._check_shard_limit(connection, count)
            if mode == "ON_DEMAND":
                self._check_on_demand_limit(connection)
            stream = store.insert_stream(
                connection,
                name=stream_name,
                created_ms=now,
                active_ms=now + self.creation_delay_ms,
                retention_hours=DEFAULT_RETENTION_HOURS,
                mode=mode,
                max_record_kib=max_record_size_in_ki_b or DEFAULT_MAX_RECORD_KIB,
            )
            for index, (start, end) in enumerate(uniform_ranges(count)):
                store.insert_shard(
                    connection,
                    ShardRow(stream.id, index, None, None, start, end, now, now // 1000, None, 1),
                )
            store.update_stream(connection, stream.id, next_shard_index=count)
            if tags:
                self._add_tags(connection, Resource(stream, None), tags)
        return {}

    def delete_stream(
        self,
        *,
        stream_name: str | None = None,
        stream_arn: str | None = None,
        enforce_consumer_deletion: bool | None = None,
    ) -> dict[str, Any]:
        now = self._now_ms()
        with self.db.transaction() as connection:
            stream = self._locate(connection, stream_name, stream_arn)
            if not enforce_consumer_deletion and store.consumers(connection, stream.id):
                raise ResourceInUseException(
                    f"Stream {stream.name} under account {self.account_id} has registered "
                    "consumers. Deregister them or set EnforceConsumerDeletion to true."
                )
            if self.deletion_delay_ms and stream.deleted_until_ms is None:
                # Held DELETING: still described, no longer read or written.
                until = now + self.deletion_delay_ms
                store.update_stream(connection, stream.id, deleted_until_ms=until)
            elif not self.deletion_delay_ms:
                self._purge(connection, stream)
        return {}

    def _purge(self, connection: sqlite3.Connection, stream: StreamRow) -> None:
        """Remove a stream and everything it holds, its consumers' tags included."""
        for name, created_ms in store.consumers(connection, stream.id):
            store.forget_consumer(connection, self._consumer_arn(stream, name, created_ms))
        store.delete_stream(connection, stream.id)
        self.limits.forget(stream.id)

    def _purge_deleted(self, now_ms: int) -> None:
        """Complete the deletions held DELETING whose time has come."""
        with self.db.transaction() as connection:
            for stream_id in store.streams_deleted_before(connection, now_ms):
                stream = store.find_stream_by_id(connection, stream_id)
                if stream is not None:
                    self._purge(connection, stream)

    def describe_stream(
        self,
        *,
        stream_name: str | None = None,
        stream_arn: str | None = None,
        limit: int | None = None,
        exclusive_start_shard_id: str | None = None,
    ) -> dict[str, Any]:
        now = self._now_ms()
        with self.db.read() as connection:
            stream = self._locate(connection, stream_name, stream_arn)
            status = stream.status(now)
            # A stream shows its shards once it is ACTIVE, as AWS's does.
            shards = [] if status == StreamStatus.CREATING else store.shards(connection, stream.id)
        if exclusive_start_shard_id is not None:
            after = self._shard_index(exclusive_start_shard_id)
            shards = [s for s in shards if after is None or s.index > after]
        page = min(limit or _PAGE, _PAGE)
        description = {
            **self._summary_fields(stream, status),
            "Shards": [shard.describe() for shard in shards[:page]],
            "HasMoreShards": len(shards) > page,
        }
        return {"StreamDescription": description}

    def describe_stream_summary(
        self, *, stream_name: str | None = None, stream_arn: str | None = None
    ) -> dict[str, Any]:
        now = self._now_ms()
        with self.db.read() as connection:
            stream = self._locate(connection, stream_name, stream_arn)
            status = stream.status(now)
            open_shards = (
                0
                if status == StreamStatus.CREATING
                else len(store.shards(connection, stream.id, open_only=True))
            )
            consumer_count = len(store.consumers(connection, stream.id))
        summary = {
            **self._summary_fields(stream, status),
            "OpenShardCount": open_shards,
            "ConsumerCount": consumer_count,
            "MaxRecordSizeInKiB": stream.max_record_kib,
        }
        return {"StreamDescriptionSummary": summary}

    def _summary_fields(self, stream: StreamRow, status: str) -> dict[str, Any]:
        return {
            "StreamName": stream.name,
            "StreamARN": self._stream_arn(stream.name),
            "StreamStatus": status,
            "StreamModeDetails": {"StreamMode": stream.mode},
            "RetentionPeriodHours": stream.retention_hours,
            "StreamCreationTimestamp": timestamp(stream.created_ms),
            "EnhancedMonitoring": [{"ShardLevelMetrics": stream.metrics}],
            "EncryptionType": stream.encryption_type,
            **({"KeyId": stream.key_id} if stream.key_id is not None else {}),
        }

    def list_streams(
        self,
        *,
        limit: int | None = None,
        exclusive_start_stream_name: str | None = None,
        next_token: str | None = None,
    ) -> dict[str, Any]:
        after = exclusive_start_stream_name or ""
        if next_token is not None:
            fields = decode_page_token(next_token)
            if fields is None or not isinstance(fields.get("after"), str):
                raise InvalidArgumentException(f"Invalid NextToken {next_token}.")
            after = max(after, fields["after"])
        page = min(limit or _PAGE, _PAGE)
        now = self._now_ms()
        with self.db.read() as connection:
            streams = store.list_streams(connection, after, page + 1)
        more = len(streams) > page
        streams = streams[:page]
        result: dict[str, Any] = {
            "StreamNames": [stream.name for stream in streams],
            "HasMoreStreams": more,
            "StreamSummaries": [
                {
                    "StreamName": stream.name,
                    "StreamARN": self._stream_arn(stream.name),
                    "StreamStatus": stream.status(now),
                    "StreamModeDetails": {"StreamMode": stream.mode},
                    "StreamCreationTimestamp": timestamp(stream.created_ms),
                }
                for stream in streams
            ],
        }
        if more:
            result["NextToken"] = encode_page_token({"after": streams[-1].name})
        return result

    # -- retention ----------------------------------------------------------------------------

    def increase_stream_retention_period(
        self,
        *,
        retention_period_hours: int,
        stream_name: str | None = None,
        stream_arn: str | None = None,
    ) -> dict[str, Any]:
        return self._set_retention(stream_name, stream_arn, retention_period_hours, increase=True)

    def decrease_stream_retention_period(
        self,
        *,
        retention_period_hours: int,
        stream_name: str | None = None,
        stream_arn: str | None = None,
    ) -> dict[str, Any]:
        return self._set_retention(stream_name, stream_arn, retention_period_hours, increase=False)

    def _set_retention(
        self, stream_name: str | None, stream_arn: str | None, hours: int, *, increase: bool
    ) -> dict[str, Any]:
        if hours < MIN_RETENTION_HOURS:
            raise InvalidArgumentException(
                f"Minimum allowed retention period is {MIN_RETENTION_HOURS} hours. "
                f"Requested retention period ({hours} hours) is too short."
            )
        if hours > MAX_RETENTION_HOURS:
            raise InvalidArgumentException(
                f"Maximum allowed retention period is {MAX_RETENTION_HOURS} hours. "
                f"Requested retention period ({hours} hours) is too long."
            )
        now = self._now_ms()
        with self.db.transaction() as connection:
            stream = self._locate(connection, stream_name, stream_arn)
            self._require_active(stream, now)
            current = stream.retention_hours
            if increase and hours < current:
                raise InvalidArgumentException(
                    f"Requested retention period ({hours} hours) for stream {stream.name} can not "
                    f"be shorter than existing retention period ({current} hours). "
                    "Use DecreaseRetentionPeriod API."
                )
            if not increase and hours > current:
                raise InvalidArgumentException(
                    f"Requested retention period ({hours} hours) for stream {stream.name} can not "
                    f"be longer than existing retention period ({current} hours). "
                    "Use IncreaseRetentionPeriod API."
                )
            store.update_stream(connection, stream.id, retention_hours=hours)
        return {}
