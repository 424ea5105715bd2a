"""What every group of Kinesis operations shares: storage, the clock, options and lookups.

The operations live in mixins by noun (``streams``, ``shards``, ``records``, ``consumers``) that
``engine.KinesisEngine`` combines; each mixin derives from ``KinesisBase`` for these helpers.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from lakehose.arns import InvalidArn, build_arn, parse_arn
from lakehose.services.engine import EngineEnvironment, SqliteEngine
from lakehose.services.kinesis import store
from lakehose.services.kinesis.errors import (
    InvalidArgumentException,
    LimitExceededException,
    ResourceInUseException,
    ResourceNotFoundException,
)
from lakehose.services.kinesis.iterators import IteratorCodec
from lakehose.services.kinesis.rows import StreamRow
from lakehose.services.kinesis.statuses import ConsumerStatus, StreamStatus
from lakehose.services.kinesis.throughput import ThroughputLimits
from lakehose.storage import Migration

_MAX_SHARD_INDEX = (1 << 31) - 1
_CONSUMER_PART = "/consumer/"
ON_DEMAND_STREAM_LIMIT = 50  # on-demand streams per account and region, AWS's default quota


@dataclass(frozen=True)
class Resource:
    """What a ``ResourceARN`` names: a stream (``consumer_arn`` is ``None``) or its consumer."""

    stream: StreamRow
    consumer_arn: str | None


class KinesisBase(SqliteEngine):
    """Shared state and helpers of the Kinesis operation mixins."""

    service_name: ClassVar[str] = "kinesis"
    database_file: ClassVar[str] = "kinesis.db"
    migrations: ClassVar[Sequence[Migration]] = store.MIGRATIONS

    def __init__(self, environment: EngineEnvironment) -> None:
        super().__init__(environment)
        # How long a new stream stays CREATING, and a resharded one UPDATING (AWS takes seconds
        # to minutes; 0 makes them ACTIVE at once, which is what most local tests want).
        self.creation_delay_ms = _milliseconds(
            environment.option("kinesis.stream_creation_delay_seconds")
        )
        self.update_delay_ms = _milliseconds(
            environment.option("kinesis.stream_update_delay_seconds")
        )
        self.deletion_delay_ms = _milliseconds(
            environment.option("kinesis.stream_deletion_delay_seconds")
        )
        self.shard_limit = int(environment.option("kinesis.shard_limit"))
        self.limits = ThroughputLimits(
            bool(environment.option("kinesis.enforce_throughput_limits"))
        )
        self._iterator_codec: IteratorCodec | None = None
        # The latest SubscribeToShard subscription of each (consumer ARN, shard index).
        self._subscriptions: dict[tuple[str, int], Any] = {}
        self._subscriptions_lock = threading.Lock()

    @property
    def iterators(self) -> IteratorCodec:
        if self._iterator_codec is None:
            raise RuntimeError("the kinesis engine is not started")
        return self._iterator_codec

    def _now_ms(self) -> int:
        return int(self.clock.now() * 1000)

    # -- streams ------------------------------------------------------------------------------

    def _stream_arn(self, name: str) -> str:
        return build_arn("kinesis", self.region, self.account_id, f"stream/{name}")

    def _stream_name(self, stream_name: str | None, stream_arn: str | None) -> str:
        """The stream a request addresses by name, by ARN, or by both (which must agree)."""
        if stream_arn is None:
            if stream_name is None:
                raise InvalidArgumentException("Either StreamName or StreamARN should be provided.")
            return stream_name
        name = self._name_in_arn(stream_arn)
        if stream_name is not None and stream_name != name:
            raise InvalidArgumentException(
                f"StreamARN {stream_arn} and StreamName {stream_name} do not refer to the same "
                "stream."
            )
        return name

    def _name_in_arn(self, arn: str) -> str:
        try:
            parsed = parse_arn(arn)
        except InvalidArn:
            raise InvalidArgumentException(f"Invalid StreamARN {arn}.") from None
        name = parsed.resource_id
        if parsed.resource_type != "stream" or not name:
            raise InvalidArgumentException(f"Invalid StreamARN {arn}.")
        if parsed.region != self.region or parsed.account_id != self.account_id:
            # Another account's or region's stream: not one this endpoint holds.
            raise ResourceNotFoundException.stream(name, parsed.account_id)
        return name

    def _locate(
        self, connection: sqlite3.Connection, stream_name: str | None, stream_arn: str | None
    ) -> StreamRow:
        """The addressed stream, or AWS's ``ResourceNotFoundException``."""
        name = self._stream_name(stream_name, stream_arn)
        stream = store.find_stream(connection, name)
        if stream is None or stream.gone(self._now_ms()):
            raise ResourceNotFoundException.stream(name, self.account_id)
        return stream

    def _locate_at(
        self,
        connection: sqlite3.Connection,
        stream_name: str | None,
        stream_arn: str | None,
        now_ms: int,
        *,
        active: bool,
    ) -> StreamRow:
        """The addressed stream, ACTIVE (``active``: to change its settings) or readable (to
        put records), else AWS's error for its state."""
        stream = self._locate(connection, stream_name, stream_arn)
        if active:
            self._require_active(stream, now_ms)
        else:
            self._require_readable(stream, now_ms)
        return stream

    def _resource(self, connection: sqlite3.Connection, resource_arn: str) -> Resource:
        """The stream or consumer a ``ResourceARN`` names, or ``ResourceNotFoundException``."""
        stream_arn, consumer_part, rest = resource_arn.partition(_CONSUMER_PART)
        stream = self._locate(connection, None, stream_arn)
        if not consumer_part:
            return Resource(stream, None)
        name, _, created_s = rest.rpartition(":")
        created = dict(store.consumers(connection, stream.id)).get(name)
        if created is None or str(created // 1000) != created_s:
            raise ResourceNotFoundException.consumer(resource_arn, self.account_id)
        return Resource(stream, resource_arn)

    def _consumer_arn(self, stream: StreamRow, name: str, created_ms: int) -> str:
        """``<stream ARN>/consumer/<name>:<creation epoch seconds>``, as AWS names consumers."""
        return f"{self._stream_arn(stream.name)}{_CONSUMER_PART}{name}:{created_ms // 1000}"

    def _consumer_status(self, created_ms: int, now_ms: int) -> ConsumerStatus:
        """Consumers take the stream creation delay to become ACTIVE (none by default)."""
        if now_ms < created_ms + self.creation_delay_ms:
            return ConsumerStatus.CREATING
        return ConsumerStatus.ACTIVE

    def _require_active(self, stream: StreamRow, now_ms: int) -> None:
        """Resharding and retention changes need an ACTIVE stream."""
        status = stream.status(now_ms)
        if status != StreamStatus.ACTIVE:
            raise ResourceInUseException.not_active(stream.name, self.account_id, status)

    def _require_readable(self, stream: StreamRow, now_ms: int) -> None:
        """Records flow while a stream is ACTIVE or UPDATING; CREATING or DELETING, it is not
        found (kinesalite's AWS-recorded tests)."""
        if stream.status(now_ms) in (StreamStatus.CREATING, StreamStatus.DELETING):
            raise ResourceNotFoundException.stream(stream.name, self.account_id)

    # -- shards -------------------------------------------------------------------------------

    @staticmethod
    def _shard_index(given: str) -> int | None:
        """The index a shard id names, read as leniently as AWS reads it, or ``None``.

        AWS takes the digits after the first hyphen (``shardId-7``, ``shard-000007`` and
        ``anything-7`` all name ``shardId-000000000007``) or a bare number, up to 2^31 - 1.
        """
        _, hyphen, suffix = given.partition("-")
        digits = suffix if hyphen and suffix else given
        if not digits.isascii() or not digits.isdigit():
            return None
        index = int(digits)
        return index if index <= _MAX_SHARD_INDEX else None

    def _check_on_demand_limit(self, connection: sqlite3.Connection) -> None:
        """An account holds at most 50 on-demand streams by default (AWS's quota)."""
        if store.on_demand_stream_count(connection) >= ON_DEMAND_STREAM_LIMIT:
            raise LimitExceededException(
                f"This request would exceed the on-demand stream count limit for the account "
                f"{self.account_id} in {self.region}. Limit: {ON_DEMAND_STREAM_LIMIT}."
            )

    def _check_shard_limit(self, connection: sqlite3.Connection, added: int) -> None:
        current = store.open_shard_count(connection)
        if current + added > self.shard_limit:
            raise LimitExceededException.shards(
                self.account_id, self.region, current, self.shard_limit, added
            )


# -- pagination tokens ----------------------------------------------------------------------

TOKEN_LIFETIME_MS = 300_000


def _milliseconds(seconds: Any) -> int:
    return max(0, int(float(seconds) * 1000))
