"""A stream's settings: capacity mode, server-side encryption, enhanced monitoring, the largest
record it takes, and its resource policy.

Each change needs an ACTIVE stream and holds it UPDATING for ``kinesis.stream_update_delay_seconds``
(0 by default), as AWS applies them asynchronously.

- **UpdateStreamMode**: the shards stay as they are in both directions (AWS's documented
  behaviour: a stream keeps its shard count across the switch); an ON_DEMAND stream then refuses
  SplitShard, MergeShards and UpdateShardCount, and counts against the account's 50 on-demand
  streams. A stream may switch twice in any 24 hours.
- **Start/StopStreamEncryption**: recorded with the key and reported by DescribeStream(Summary);
  records put while it is on carry ``EncryptionType: KMS``. No KMS is consulted (lakehose has
  none), so a key is taken as given.
- **Enable/DisableEnhancedMonitoring**: the shard-level metrics are recorded and reported, ``ALL``
  naming all seven; nothing is published.
- **UpdateMaxRecordSize**: 1,024 to 10,240 KiB (the model's range); the stream's records may then
  be that large, and a PutRecords request up to 10 MiB.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import orjson

from lakehose.services.kinesis import store
from lakehose.services.kinesis.base import KinesisBase
from lakehose.services.kinesis.errors import (
    InvalidArgumentException,
    LimitExceededException,
    ResourceNotFoundException,
)
from lakehose.services.kinesis.rows import StreamRow

# The shard-level metrics in the order AWS lists them (the model's MetricsName enum).
METRICS = (
    "IncomingBytes",
    "IncomingRecords",
    "OutgoingBytes",
    "OutgoingRecords",
    "WriteProvisionedThroughputExceeded",
    "ReadProvisionedThroughputExceeded",
    "IteratorAgeMilliseconds",
)
MODE_SWITCHES_PER_DAY = 2
_DAY_MS = 86_400_000
_NO_POLICY = "{}"  # what GetResourcePolicy answers for a resource without one


class ConfigurationOperations(KinesisBase):
    def update_stream_mode(
        self, *, stream_arn: str, stream_mode_details: dict[str, str]
    ) -> dict[str, Any]:
        mode = stream_mode_details["StreamMode"]
        now = self._now_ms()
        with self.db.transaction() as connection:
            stream = self._locate_at(connection, None, stream_arn, now, active=True)
            if mode == stream.mode:
                return {}
            recent = [ms for ms in stream.switch_times if now - ms < _DAY_MS]
            if len(recent) >= MODE_SWITCHES_PER_DAY:
                raise LimitExceededException(
                    f"Stream {stream.name} under account {self.account_id} has already switched "
                    f"capacity mode {MODE_SWITCHES_PER_DAY} times within the last 24 hours."
                )
            if mode == "ON_DEMAND":
                self._check_on_demand_limit(connection)
            switches = ",".join(str(ms) for ms in [*recent, now])
            self._change(connection, stream, now, mode=mode, mode_switches=switches)
        return {}

    def start_stream_encryption(
        self,
        *,
        encryption_type: str,
        key_id: str,
        stream_name: str | None = None,
        stream_arn: str | None = None,
    ) -> dict[str, Any]:
        return self._encrypt(stream_name, stream_arn, encryption_type, key_id)

    def stop_stream_encryption(
        self,
        *,
        encryption_type: str,
        key_id: str,
        stream_name: str | None = None,
        stream_arn: str | None = None,
    ) -> dict[str, Any]:
        return self._encrypt(stream_name, stream_arn, encryption_type, None)

    def enable_enhanced_monitoring(
        self,
        *,
        shard_level_metrics: list[str],
        stream_name: str | None = None,
        stream_arn: str | None = None,
    ) -> dict[str, Any]:
        return self._monitor(stream_name, stream_arn, shard_level_metrics, enable=True)

    def disable_enhanced_monitoring(
        self,
        *,
        shard_level_metrics: list[str],
        stream_name: str | None = None,
        stream_arn: str | None = None,
    ) -> dict[str, Any]:
        return self._monitor(stream_name, stream_arn, shard_level_metrics, enable=False)

    def update_max_record_size(
        self, *, max_record_size_in_ki_b: int, stream_arn: str | None = None
    ) -> dict[str, Any]:
        now = self._now_ms()
        with self.db.transaction() as connection:
            stream = self._locate_at(connection, None, stream_arn, now, active=True)
            self._change(connection, stream, now, max_record_kib=max_record_size_in_ki_b)
        return {}

    # -- resource policies --------------------------------------------------------------------

    def put_resource_policy(self, *, resource_arn: str, policy: str) -> dict[str, Any]:
        try:
            document = orjson.loads(policy)
        except orjson.JSONDecodeError:
            document = None
        if not isinstance(document, dict):
            raise InvalidArgumentException("Policy is not a valid JSON policy document.")
        with self.db.transaction() as connection:
            resource = self._resource(connection, resource_arn)
            store.put_policy(connection, resource_arn, resource.stream.id, policy)
        return {}

    def get_resource_policy(self, *, resource_arn: str) -> dict[str, Any]:
        with self.db.read() as connection:
            self._resource(connection, resource_arn)
            found = store.policy(connection, resource_arn)
        return {"Policy": _NO_POLICY if found is None else found}

    def delete_resource_policy(self, *, resource_arn: str) -> dict[str, Any]:
        with self.db.transaction() as connection:
            self._resource(connection, resource_arn)
            if store.policy(connection, resource_arn) is None:
                raise ResourceNotFoundException(
                    f"No resource policy found for resource ARN {resource_arn}."
                )
            store.delete_policy(connection, resource_arn)
        return {}

    # -- shared -------------------------------------------------------------------------------

    def _monitor(
        self, stream_name: str | None, stream_arn: str | None, given: list[str], *, enable: bool
    ) -> dict[str, Any]:
        named = set(METRICS) if "ALL" in given else set(given)
        now = self._now_ms()
        with self.db.transaction() as connection:
            stream = self._locate_at(connection, stream_name, stream_arn, now, active=True)
            current = set(stream.metrics)
            desired = current | named if enable else current - named
            ordered = [metric for metric in METRICS if metric in desired]
            self._change(connection, stream, now, shard_metrics=",".join(ordered))
        return {
            "StreamName": stream.name,
            "CurrentShardLevelMetrics": [metric for metric in METRICS if metric in current],
            "DesiredShardLevelMetrics": ordered,
            "StreamARN": self._stream_arn(stream.name),
        }

    def _encrypt(
        self, stream_name: str | None, stream_arn: str | None, kind: str, key_id: str | None
    ) -> dict[str, Any]:
        """Start (with ``key_id``) or stop (``None``) encrypting the stream's new records."""
        if kind != "KMS":
            raise InvalidArgumentException(
                f"Invalid EncryptionType {kind}. The only supported type is KMS."
            )
        now = self._now_ms()
        with self.db.transaction() as connection:
            stream = self._locate_at(connection, stream_name, stream_arn, now, active=True)
            encryption = "NONE" if key_id is None else "KMS"
            self._change(connection, stream, now, encryption_type=encryption, key_id=key_id)
        return {}

    def _change(
        self,
        connection: sqlite3.Connection,
        stream: StreamRow,
        now_ms: int,
        **columns: int | str | None,
    ) -> None:
        """Store the new settings and hold the stream UPDATING while they take effect."""
        store.update_stream(
            connection, stream.id, updating_until_ms=now_ms + self.update_delay_ms, **columns
        )
