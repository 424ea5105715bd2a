"""ListShards and resharding: SplitShard, MergeShards, UpdateShardCount."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Any

from lakehose.pagination import decode_page_token, encode_page_token
from lakehose.services.kinesis import store
from lakehose.services.kinesis.base import (
    TOKEN_LIFETIME_MS,
    KinesisBase,
)
from lakehose.services.kinesis.errors import (
    ExpiredNextTokenException,
    InvalidArgumentException,
    LimitExceededException,
    ResourceInUseException,
    ResourceNotFoundException,
    ValidationException,
    shard_id,
)
from lakehose.services.kinesis.resharding import Resharding
from lakehose.services.kinesis.rows import ShardRow, StreamRow
from lakehose.services.kinesis.statuses import StreamStatus

_LIST_PAGE = 1000  # ListShards returns at most this many per call


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


class ShardOperations(KinesisBase):
    def list_shards(
        self,
        *,
        stream_name: str | None = None,
        stream_arn: str | None = None,
        next_token: str | None = None,
        exclusive_start_shard_id: str | None = None,
        max_results: int | None = None,
        stream_creation_timestamp: datetime | None = None,
        shard_filter: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        now = self._now_ms()
        after = -1
        if next_token is not None:
            if stream_name is not None or stream_arn is not None:
                raise InvalidArgumentException(
                    "NextToken and StreamName cannot be provided together."
                )
            fields = self._read_list_token(next_token, now)
            stream_name, after, shard_filter = fields["stream"], fields["after"], fields["filter"]
        elif stream_name is None and stream_arn is None:
            raise InvalidArgumentException("Either NextToken or StreamName should be provided.")
        if exclusive_start_shard_id is not None:
            start = self._shard_index(exclusive_start_shard_id)
            after = max(after, -1 if start is None else start)
        with self.db.read() as connection:
            stream = self._locate(connection, stream_name, stream_arn)
            if (
                stream_creation_timestamp is not None
                and _ms(stream_creation_timestamp) != stream.created_ms
            ):
                raise ResourceNotFoundException.stream(stream.name, self.account_id)
            status = stream.status(now)
            if status == StreamStatus.CREATING:
                raise ResourceInUseException.not_active(stream.name, self.account_id, status)
            shards = store.shards(connection, stream.id)
        selected = [s for s in _filtered(shards, shard_filter, stream, now) if s.index > after]
        page = min(max_results or _LIST_PAGE, _LIST_PAGE)
        result: dict[str, Any] = {"Shards": [shard.describe() for shard in selected[:page]]}
        if len(selected) > page:
            result["NextToken"] = encode_page_token(
                {
                    "stream": stream.name,
                    "after": selected[page - 1].index,
                    "issued": now,
                    "filter": _token_filter(shard_filter),
                }
            )
        return result

    def _read_list_token(self, token: str, now_ms: int) -> dict[str, Any]:
        fields = decode_page_token(token)
        if (
            fields is None
            or not isinstance(fields.get("stream"), str)
            or not isinstance(fields.get("after"), int)
            or not isinstance(fields.get("issued"), int)
        ):
            raise InvalidArgumentException(f"Invalid NextToken {token}.")
        if now_ms - fields["issued"] > TOKEN_LIFETIME_MS:
            raise ExpiredNextTokenException(f"NextToken {token} has expired.")
        filter_fields = fields.get("filter")
        if isinstance(filter_fields, dict) and "Timestamp" in filter_fields:
            filter_fields["Timestamp"] = datetime.fromisoformat(filter_fields["Timestamp"])
        fields["filter"] = filter_fields
        return fields

    # -- resharding ---------------------------------------------------------------------------

    def split_shard(
        self,
        *,
        shard_to_split: str,
        new_starting_hash_key: str,
        stream_name: str | None = None,
        stream_arn: str | None = None,
    ) -> dict[str, Any]:
        name = self._stream_name(stream_name, stream_arn)
        index = self._shard_argument(shard_to_split, name)
        now = self._now_ms()
        with self.db.transaction() as connection:
            stream = self._reshardable(connection, stream_name, stream_arn, now)
            shard = self._open_shard(connection, stream, index)
            key = int(new_starting_hash_key)
            if not shard.hash_start + 1 < key < shard.hash_end:
                raise InvalidArgumentException(
                    f"NewStartingHashKey {new_starting_hash_key} used in SplitShard() on shard "
                    f"{shard.shard_id} in stream {stream.name} under account {self.account_id} is "
                    "not both greater than one plus the shard's StartingHashKey "
                    f"{shard.hash_start} and less than the shard's EndingHashKey {shard.hash_end}."
                )
            self._check_shard_limit(connection, 1)
            plan = self._plan(connection, stream, now)
            plan.split(shard.index, key)
            self._apply(connection, stream, plan, now)
        return {}

    def merge_shards(
        self,
        *,
        shard_to_merge: str,
        adjacent_shard_to_merge: str,
        stream_name: str | None = None,
        stream_arn: str | None = None,
    ) -> dict[str, Any]:
        name = self._stream_name(stream_name, stream_arn)
        first_index = self._shard_argument(shard_to_merge, name)
        second_index = self._shard_argument(adjacent_shard_to_merge, name)
        now = self._now_ms()
        with self.db.transaction() as connection:
            stream = self._reshardable(connection, stream_name, stream_arn, now)
            first = self._open_shard(connection, stream, first_index)
            second = self._open_shard(connection, stream, second_index)
            # The adjacent shard must follow the first one's range: AWS refuses the pair
            # inverted (kinesalite's AWS-recorded tests).
            if first.hash_end + 1 != second.hash_start:
                raise InvalidArgumentException(
                    f"Shards {first.shard_id} and {second.shard_id} in stream {stream.name} under "
                    f"account {self.account_id} are not an adjacent pair of shards eligible for "
                    "merging"
                )
            plan = self._plan(connection, stream, now)
            plan.merge(first.index, second.index)
            self._apply(connection, stream, plan, now)
        return {}

    def update_shard_count(
        self,
        *,
        target_shard_count: int,
        scaling_type: str,
        stream_name: str | None = None,
        stream_arn: str | None = None,
    ) -> dict[str, Any]:
        now = self._now_ms()
        with self.db.transaction() as connection:
            stream = self._reshardable(connection, stream_name, stream_arn, now)
            plan = self._plan(connection, stream, now)
            current = len(plan.open)
            counts = (
                f"Current open shard count: {current}, Target shard count: {target_shard_count}"
            )
            if target_shard_count > self.shard_limit:
                raise LimitExceededException(
                    "Target shard count or number of open shards cannot be greater than "
                    f"{self.shard_limit}. {counts}"
                )
            if target_shard_count > current * 2:
                raise LimitExceededException(
                    f"UpdateShardCount cannot scale up over double your current open shard count. "
                    f"{counts}"
                )
            if target_shard_count * 2 < current:
                raise LimitExceededException(
                    "UpdateShardCount cannot scale down below half your current open shard count. "
                    f"{counts}"
                )
            self._check_shard_limit(connection, max(0, target_shard_count - current))
            plan.scale_uniformly(target_shard_count)
            self._apply(connection, stream, plan, now)
        return {
            "StreamName": stream.name,
            "CurrentShardCount": current,
            "TargetShardCount": target_shard_count,
            "StreamARN": self._stream_arn(stream.name),
        }

    def _shard_argument(self, given: str, stream: str) -> int:
        index = self._shard_index(given)
        if index is None:
            raise ResourceNotFoundException.shard_named(given, stream, self.account_id)
        return index

    def _reshardable(
        self,
        connection: sqlite3.Connection,
        stream_name: str | None,
        stream_arn: str | None,
        now_ms: int,
    ) -> StreamRow:
        stream = self._locate(connection, stream_name, stream_arn)
        if stream.mode == "ON_DEMAND":
            raise ValidationException(
                f"Request is invalid. Stream {stream.name} under account {self.account_id} is in "
                "On-Demand mode."
            )
        self._require_active(stream, now_ms)
        return stream

    def _open_shard(
        self, connection: sqlite3.Connection, stream: StreamRow, index: int
    ) -> ShardRow:
        shard = store.find_shard(connection, stream.id, index)
        if shard is None:
            raise ResourceNotFoundException.shard_named(
                shard_id(index), stream.name, self.account_id
            )
        if not shard.is_open:
            raise InvalidArgumentException(
                f"Shard {shard.shard_id} in stream {stream.name} under account {self.account_id} "
                "has already been merged or split, and thus is not eligible for merging or "
                "splitting."
            )
        return shard

    @staticmethod
    def _plan(connection: sqlite3.Connection, stream: StreamRow, now_ms: int) -> Resharding:
        open_shards = store.shards(connection, stream.id, open_only=True)
        return Resharding.of(stream.id, stream.next_shard_index, now_ms, open_shards)

    def _apply(
        self, connection: sqlite3.Connection, stream: StreamRow, plan: Resharding, now_ms: int
    ) -> None:
        for index in plan.closed:
            store.close_shard(connection, stream.id, index, now_ms)
        for shard in plan.created:
            store.insert_shard(connection, shard)
        store.update_stream(
            connection,
            stream.id,
            next_shard_index=plan.next_index,
            updating_until_ms=now_ms + self.update_delay_ms,
        )


def _filtered(
    shards: list[ShardRow], shard_filter: dict[str, Any] | None, stream: StreamRow, now_ms: int
) -> list[ShardRow]:
    """The shards a ListShards ``ShardFilter`` selects, in shard-id order."""
    if shard_filter is None:
        return shards
    kind = shard_filter["Type"]
    if kind == "AFTER_SHARD_ID":
        given = shard_filter.get("ShardId")
        if given is None:
            raise InvalidArgumentException(
                "ShardId must be specified for ShardFilter AFTER_SHARD_ID."
            )
        after = KinesisBase._shard_index(given)
        return [s for s in shards if after is None or s.index > after]
    if kind == "AT_LATEST":
        return [s for s in shards if s.is_open]
    horizon = max(stream.retention_cutoff_ms(now_ms), stream.created_ms)
    if kind in ("AT_TIMESTAMP", "FROM_TIMESTAMP"):
        moment = shard_filter.get("Timestamp")
        if moment is None:
            raise InvalidArgumentException(f"Timestamp must be specified for ShardFilter {kind}.")
        # Before the trim horizon there is nothing left to read: AWS answers as for the horizon.
        horizon = max(horizon, _ms(moment))
    if kind.startswith("AT_"):
        return [s for s in shards if s.open_at(horizon)]
    return [s for s in shards if s.closed_ms is None or s.closed_ms > horizon]


def _token_filter(shard_filter: dict[str, Any] | None) -> dict[str, Any] | None:
    """The filter in a form a JSON token can carry."""
    if shard_filter is None:
        return None
    fields = dict(shard_filter)
    if isinstance(fields.get("Timestamp"), datetime):
        fields["Timestamp"] = fields["Timestamp"].isoformat()
    return fields
