"""SubscribeToShard: records pushed to a registered (enhanced fan-out) consumer.

A subscription is an iterator of ``{"SubscribeToShardEvent": {...}}`` events that the gateway
frames as AWS's event stream. Each call to ``next`` looks at the shard once and returns at once:
an event when records arrived (or at the first call, and as a heartbeat after
``HEARTBEAT_POLLS`` empty looks, about five seconds at the gateway's pace), else ``None``. As on
AWS:

- the subscription lasts five minutes by the engine's clock, then the stream ends and the
  consumer subscribes again from the last event's ``ContinuationSequenceNumber``;
- a consumer holds one subscription per shard: a second one while the first is open is refused
  with ``ResourceInUseException``;
- at the end of a closed shard the last event carries ``ChildShards`` and the stream ends;
- a stream deleted under a subscription ends it with a ``ResourceNotFoundException`` event.

Open subscriptions live in memory: a restart ends them, as AWS ends subscriptions on failover,
and the consumer subscribes again.
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

from lakehose.errors import ServiceError
from lakehose.services.kinesis import store
from lakehose.services.kinesis.errors import (
    DryRunOperationException,
    ResourceInUseException,
    ResourceNotFoundException,
)
from lakehose.services.kinesis.records import (
    RecordOperations,
    check_iterator_arguments,
    read_page,
    record_shape,
)
from lakehose.services.kinesis.rows import ShardRow, StreamRow
from lakehose.services.kinesis.statuses import StreamStatus

SUBSCRIPTION_LIFETIME_MS = 300_000
HEARTBEAT_POLLS = 25


class SubscriptionOperations(RecordOperations):
    def subscribe_to_shard(
        self,
        *,
        consumer_arn: str,
        shard_id: str,
        starting_position: dict[str, Any],
        dry_run: bool | None = None,
    ) -> dict[str, Any]:
        kind = starting_position["Type"]
        number = starting_position.get("SequenceNumber")
        moment: datetime | None = starting_position.get("Timestamp")
        now = self._now_ms()
        with self.db.read() as connection:
            resource = self._resource(connection, consumer_arn)
            stream = resource.stream
            created = int(consumer_arn.rpartition(":")[2]) * 1000
            if self._consumer_status(created, now) != "ACTIVE":
                raise ResourceInUseException(
                    f"Consumer {consumer_arn} under account {self.account_id} is not ACTIVE."
                )
            index = self._shard_index(shard_id)
            shard = None if index is None else store.find_shard(connection, stream.id, index)
            if shard is None or index is None:
                raise ResourceNotFoundException.shard_named(shard_id, stream.name, self.account_id)
            self._require_readable(stream, now)
            check_iterator_arguments(kind, number, moment)
            position = self._position(connection, stream, shard, kind, number, moment, now)
        if dry_run:
            raise DryRunOperationException()
        key = (consumer_arn, index)
        subscription = Subscription(self, stream, shard, position, now, key)
        with self._subscriptions_lock:
            if key in self._subscriptions:
                raise ResourceInUseException(
                    f"Another active subscription exists for consumer {consumer_arn} on shard "
                    f"{shard.shard_id} in stream {stream.name} under account {self.account_id}."
                )
            self._subscriptions[key] = subscription
        return {"EventStream": subscription}

    def close(self) -> None:
        """End every open subscription (their streams finish), then close the database."""
        with self._subscriptions_lock:
            open_now = list(self._subscriptions.values())
        for subscription in open_now:
            subscription.close()
        super().close()

    def _end_subscription(self, key: tuple[str, int]) -> None:
        with self._subscriptions_lock:
            self._subscriptions.pop(key, None)

    def _subscription_event(
        self, stream_id: int, index: int, position: int, now_ms: int
    ) -> tuple[dict[str, Any], int, bool]:
        """One look at the shard: the event, the next position, and whether the shard ended."""
        with self.db.read() as connection:
            stream = store.find_stream_by_id(connection, stream_id)
            shard = None if stream is None else store.find_shard(connection, stream_id, index)
            if stream is None or shard is None or stream.status(now_ms) == StreamStatus.DELETING:
                raise ResourceNotFoundException(
                    f"Shard {index} of the subscribed stream no longer exists."
                )
            page = read_page(connection, stream, shard, position, now_ms)
            continuation = _continuation(connection, stream, shard, page.following)
        event: dict[str, Any] = {
            "Records": [record_shape(shard, row) for row in page.rows],
            "ContinuationSequenceNumber": continuation,
            "MillisBehindLatest": page.behind,
        }
        if page.at_end:
            event["ChildShards"] = page.child_shards()
        return event, page.following, page.at_end


def _continuation(connection: Any, stream: StreamRow, shard: ShardRow, following: int) -> str:
    """The sequence number to subscribe AFTER to continue at counter ``following``: that of the
    record before it, or the shard's starting number when there is none."""
    last = following - 1
    if last < 1:
        return shard.starting_sequence
    found = store.read_records(connection, stream.id, shard.index, start=last, since_ms=0, limit=1)
    arrival = found[0].arrival_ms if found and found[0].counter == last else shard.opened_ms
    return shard.sequence_of(last, arrival)


class Subscription:
    """The events of one SubscribeToShard call (see the module docstring)."""

    def __init__(
        self,
        engine: SubscriptionOperations,
        stream: StreamRow,
        shard: ShardRow,
        position: int,
        started_ms: int,
        key: tuple[str, int],
    ) -> None:
        self._engine = engine
        self._stream_id = stream.id
        self._index = shard.index
        self._position = position
        self._started_ms = started_ms
        self._key = key
        self._idle_polls = HEARTBEAT_POLLS  # the first look always sends an event
        self._closed = threading.Event()

    def __iter__(self) -> Subscription:
        return self

    def __next__(self) -> dict[str, Any] | None:
        now = self._engine._now_ms()
        if self._closed.is_set() or now - self._started_ms >= SUBSCRIPTION_LIFETIME_MS:
            self.close()
            raise StopIteration
        try:
            event, following, ended = self._engine._subscription_event(
                self._stream_id, self._index, self._position, now
            )
        except ServiceError:
            self.close()
            raise
        if ended:
            self.close()  # the event goes out; the next call ends the stream
        elif not event["Records"] and self._idle_polls < HEARTBEAT_POLLS:
            self._idle_polls += 1
            return None
        self._idle_polls = 0
        self._position = following
        return {"SubscribeToShardEvent": event}

    def close(self) -> None:
        """End the subscription (thread-safe; also when the client goes away)."""
        if not self._closed.is_set():
            self._closed.set()
            self._engine._end_subscription(self._key)
