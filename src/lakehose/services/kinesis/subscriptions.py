"""SubscribeToShard: records pushed to a registered (enhanced fan-out) consumer.

A subscription is an iterator of ``{"SubscribeToShardEvent": {...}}`` events that the gateway
frames as AWS's event stream. Each call to ``next`` looks at the shard once and returns at once:
an event when records arrived (or at the first call, and as a heartbeat after
``HEARTBEAT_POLLS`` empty looks, about five seconds at the gateway's pace), else ``None``. As on
AWS:

- the subscription lasts five minutes by the engine's clock, then the stream ends and the
  consumer subscribes again from the last event's ``ContinuationSequenceNumber``;
- a consumer subscribes to a shard once per five seconds: a second call within five seconds of
  a successful one is refused with ``ResourceInUseException``; a later one takes the
  subscription over, and the earlier stream ends with a ``ResourceInUseException`` event;
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
from lakehose.services.kinesis.errors import (
    shard_id as shard_name,
)
from lakehose.services.kinesis.records import (
    RecordOperations,
    check_iterator_arguments,
    read_page,
    record_shape,
)
from lakehose.services.kinesis.rows import ShardRow, StreamRow

SUBSCRIPTION_LIFETIME_MS = 300_000
TAKEOVER_AFTER_MS = 5_000  # a new call for the same consumer and shard takes over after this
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
            previous = self._subscriptions.get(key)
            if previous is not None and now - previous.started_ms < TAKEOVER_AFTER_MS:
                raise ResourceInUseException(
                    f"Another active subscription exists for consumer {consumer_arn} on shard "
                    f"{shard.shard_id} in stream {stream.name} under account {self.account_id}."
                )
            self._subscriptions[key] = subscription
        if previous is not None:
            previous.take_over()
        return {"EventStream": subscription}

    def close(self) -> None:
        """End every open subscription (their streams finish), then close the database."""
        with self._subscriptions_lock:
            open_now = list(self._subscriptions.values())
            self._subscriptions.clear()
        for subscription in open_now:
            subscription.close()
        super().close()

    def _subscription_event(
        self, consumer_arn: str, stream_id: int, index: int, position: int, now_ms: int
    ) -> tuple[dict[str, Any], int, bool]:
        """One look at the shard: the event, the next position, and whether the shard ended.

        A consumer deregistered or a stream deleted meanwhile ends the subscription with
        ``ResourceNotFoundException``, as the call itself would have been answered.
        """
        with self.db.read() as connection:
            stream = self._resource(connection, consumer_arn).stream
            shard = store.find_shard(connection, stream_id, index)
            if stream.id != stream_id or shard is None:
                raise ResourceNotFoundException.consumer(consumer_arn, self.account_id)
            self._require_readable(stream, now_ms)
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
        self.started_ms = started_ms
        self.key = key
        self.taken_over = False
        self._idle_polls = HEARTBEAT_POLLS  # the first look always sends an event
        self._closed = threading.Event()

    def __iter__(self) -> Subscription:
        return self

    def __next__(self) -> dict[str, Any] | None:
        now = self._engine._now_ms()
        if self.taken_over and not self._closed.is_set():
            self.close()
            raise ResourceInUseException(
                f"Another subscription for consumer {self.key[0]} on shard "
                f"{shard_name(self.key[1])} took over this one."
            )
        if self._closed.is_set() or now - self.started_ms >= SUBSCRIPTION_LIFETIME_MS:
            self.close()
            raise StopIteration
        try:
            event, following, ended = self._engine._subscription_event(
                self.key[0], self._stream_id, self._index, self._position, now
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

    def take_over(self) -> None:
        """A later call took this subscription over: it ends with ``ResourceInUseException``."""
        self.taken_over = True

    def close(self) -> None:
        """End the subscription (thread-safe; also when the client goes away)."""
        self._closed.set()
