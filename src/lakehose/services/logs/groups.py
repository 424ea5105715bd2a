"""Log groups and streams: Create/Delete/DescribeLogGroups, Create/Delete/DescribeLogStreams,
Put/DeleteRetentionPolicy and tags.

A retention policy takes effect at once: events older than it are no longer returned, and the
engine deletes them at its next ``run_due()``.
"""

from __future__ import annotations

from typing import Any

from lakehose.formats import tags as tag_store
from lakehose.pagination import encode_page_token
from lakehose.services.logs import store
from lakehose.services.logs.base import LogsBase
from lakehose.services.logs.errors import (
    InvalidParameterException,
    ResourceAlreadyExistsException,
)
from lakehose.services.logs.store import Group, Stream

RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
)  # fmt: skip
DEFAULT_LIMIT = 50


class GroupOperations(LogsBase):
    def create_log_group(
        self,
        *,
        log_group_name: str,
        kms_key_id: str | None = None,
        tags: dict[str, str] | None = None,
        log_group_class: str = "STANDARD",
    ) -> None:
        with self.db.transaction() as connection:
            created = store.insert_group(
                connection, log_group_name, self._now_ms(), kms_key_id, log_group_class
            )
            if not created:
                raise ResourceAlreadyExistsException.group()
            tag_store.put_tags(connection, log_group_name, tags or {}, owner_column="log_group")

    def delete_log_group(self, *, log_group_name: str) -> None:
        with self.db.transaction() as connection:
            self._find_group(connection, log_group_name)
            store.delete_group(connection, log_group_name)

    def describe_log_groups(
        self,
        *,
        log_group_name_prefix: str | None = None,
        log_group_name_pattern: str | None = None,
        next_token: str | None = None,
        limit: int | None = None,
        log_group_class: str | None = None,
    ) -> dict[str, Any]:
        if log_group_name_prefix is not None and log_group_name_pattern is not None:
            raise InvalidParameterException(
                "LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters."
            )
        page_size = limit or DEFAULT_LIMIT
        after = str((self._token(next_token) or {}).get("after", ""))
        prefix = log_group_name_prefix or ""
        pattern = (log_group_name_pattern or "").lower()
        found: list[Group] = []
        with self.db.read() as connection:
            while len(found) <= page_size:
                batch = store.groups_after(connection, after, prefix, 500)
                # Names sort after their prefix: the first name without it ends the listing.
                batch = [group for group in batch if group.name.startswith(prefix)]
                if not batch:
                    break
                found.extend(
                    group
                    for group in batch
                    if pattern in group.name.lower()
                    and (log_group_class is None or group.log_group_class == log_group_class)
                )
                after = batch[-1].name
        result: dict[str, Any] = {"logGroups": [self._describe_group(g) for g in found[:page_size]]}
        if len(found) > page_size:
            result["nextToken"] = encode_page_token({"after": found[page_size - 1].name})
        return result

    def put_retention_policy(self, *, log_group_name: str, retention_in_days: int) -> None:
        if retention_in_days not in RETENTION_DAYS:
            allowed = ", ".join(str(days) for days in RETENTION_DAYS)
            raise InvalidParameterException(
                f"1 validation error detected: Value '{retention_in_days}' at "
                "'retentionInDays' failed to satisfy constraint: Member must satisfy enum value "
                f"set: [{allowed}]"
            )
        with self.db.transaction() as connection:
            self._find_group(connection, log_group_name)
            store.set_retention(connection, log_group_name, retention_in_days)

    def delete_retention_policy(self, *, log_group_name: str) -> None:
        with self.db.transaction() as connection:
            self._find_group(connection, log_group_name)
            store.set_retention(connection, log_group_name, None)

    # -- streams ------------------------------------------------------------------------------

    def create_log_stream(self, *, log_group_name: str, log_stream_name: str) -> None:
        with self.db.transaction() as connection:
            self._find_group(connection, log_group_name)
            if not store.insert_stream(connection, log_group_name, log_stream_name, self._now_ms()):
                raise ResourceAlreadyExistsException.stream()

    def delete_log_stream(self, *, log_group_name: str, log_stream_name: str) -> None:
        with self.db.transaction() as connection:
            self._find_stream(connection, log_group_name, log_stream_name)
            store.delete_stream(connection, log_group_name, log_stream_name)

    def describe_log_streams(
        self,
        *,
        log_group_name: str | None = None,
        log_group_identifier: str | None = None,
        log_stream_name_prefix: str | None = None,
        order_by: str = "LogStreamName",
        descending: bool = False,
        next_token: str | None = None,
        limit: int | None = None,
    ) -> dict[str, Any]:
        group = self._group_name(log_group_name, log_group_identifier)
        if order_by == "LastEventTime" and log_stream_name_prefix is not None:
            raise InvalidParameterException(
                "Cannot order by LastEventTime with a logStreamNamePrefix."
            )
        page_size = limit or DEFAULT_LIMIT
        start = int((self._token(next_token) or {}).get("position", 0))
        with self.db.read() as connection:
            self._find_group(connection, group)
            found = [
                stream
                for stream in store.streams(connection, group)
                if not log_stream_name_prefix or stream.name.startswith(log_stream_name_prefix)
            ]
        if order_by == "LastEventTime":
            found.sort(key=lambda s: (s.last_event_ms or 0, s.name))
        if descending:
            found.reverse()
        page = found[start : start + page_size]
        result: dict[str, Any] = {"logStreams": [self._describe_stream(s) for s in page]}
        if start + page_size < len(found):
            result["nextToken"] = encode_page_token({"position": start + page_size})
        return result

    # -- tags ---------------------------------------------------------------------------------

    def list_tags_for_resource(self, *, resource_arn: str) -> dict[str, Any]:
        with self.db.read() as connection:
            group = self._find_group(connection, self._group_name(None, resource_arn))
            return {"tags": tag_store.tags(connection, group.name, owner_column="log_group")}

    def tag_resource(self, *, resource_arn: str, tags: dict[str, str]) -> None:
        with self.db.transaction() as connection:
            group = self._find_group(connection, self._group_name(None, resource_arn))
            tag_store.put_tags(connection, group.name, tags, owner_column="log_group")

    def untag_resource(self, *, resource_arn: str, tag_keys: list[str]) -> None:
        with self.db.transaction() as connection:
            group = self._find_group(connection, self._group_name(None, resource_arn))
            tag_store.delete_tags(connection, group.name, tag_keys, owner_column="log_group")

    # -- rendering ----------------------------------------------------------------------------

    def _describe_group(self, group: Group) -> dict[str, Any]:
        arn = self._group_arn(group.name)
        described: dict[str, Any] = {
            "logGroupName": group.name,
            "creationTime": group.created_ms,
            "metricFilterCount": 0,
            "arn": f"{arn}:*",
            "storedBytes": group.stored_bytes,
            "logGroupClass": group.log_group_class,
            "logGroupArn": arn,
        }
        if group.retention_days is not None:
            described["retentionInDays"] = group.retention_days
        if group.kms_key_id is not None:
            described["kmsKeyId"] = group.kms_key_id
        return described

    def _describe_stream(self, stream: Stream) -> dict[str, Any]:
        arn = self._group_arn(stream.log_group)
        described: dict[str, Any] = {
            "logStreamName": stream.name,
            "creationTime": stream.created_ms,
            "arn": f"{arn}:log-stream:{stream.name}",
            "storedBytes": 0,  # AWS stopped reporting a stream's bytes (always 0)
        }
        if stream.first_event_ms is not None:
            described["firstEventTimestamp"] = stream.first_event_ms
            described["lastEventTimestamp"] = stream.last_event_ms
            described["lastIngestionTime"] = stream.last_ingestion_ms
        return described
