"""The Kinesis Data Streams engine: durable sharded streams with AWS's routing and limits.

The operations are grouped by noun in mixins (``streams``, ``tagging``, ``shards``, ``records``,
``consumers``, ``subscriptions``, ``configuration``, ``account``); this class adds the life
cycle: opening the database, completing deletions, trimming what retention removed, closing.

Options (``Lakehose(options={"kinesis.<name>": value})``):

``stream_creation_delay_seconds`` (0)
    How long a new stream stays CREATING (and a new consumer CREATING) by the engine's clock.
``stream_update_delay_seconds`` (0)
    How long a stream stays UPDATING after a reshard or a change of its settings.
``stream_deletion_delay_seconds`` (0)
    How long a deleted stream stays DELETING before it is gone.
``enforce_throughput_limits`` (False)
    Per-shard write and read limits raising ``ProvisionedThroughputExceededException``.
``shard_limit`` (500)
    The account's open-shard quota.
"""

from __future__ import annotations

from typing import ClassVar

from lakehose.services.kinesis import store
from lakehose.services.kinesis.account import AccountOperations
from lakehose.services.kinesis.configuration import ConfigurationOperations
from lakehose.services.kinesis.consumers import ConsumerOperations
from lakehose.services.kinesis.iterators import IteratorCodec
from lakehose.services.kinesis.positions import PositionOperations
from lakehose.services.kinesis.shards import ShardOperations
from lakehose.services.kinesis.streams import StreamOperations
from lakehose.services.kinesis.subscriptions import SubscriptionOperations

# Retention is checked at most this often by the clock; reads filter expired records regardless.
TRIM_INTERVAL_MS = 1000
_KEY_BYTES = 32


class KinesisEngine(
    StreamOperations,
    ShardOperations,
    SubscriptionOperations,
    ConsumerOperations,
    ConfigurationOperations,
    AccountOperations,
    PositionOperations,
):
    """Amazon Kinesis Data Streams on a SQLite database in the engine's directory."""

    # Firehose's Kinesis source adapter asks where each shard's records end.
    PORT_METHODS: ClassVar[frozenset[str]] = frozenset({"shard_positions"})

    _last_trim_ms: int | None = None

    def start(self) -> None:
        super().start()
        with self.db.transaction() as connection:
            key = store.setting(
                connection, "iterator_key", bytes.fromhex(self.ids.hex(2 * _KEY_BYTES))
            )
        self._iterator_codec = IteratorCodec(key)

    def run_due(self) -> None:
        now = self._now_ms()
        if self._last_trim_ms is not None and now - self._last_trim_ms < TRIM_INTERVAL_MS:
            return
        self._last_trim_ms = now
        self._purge_deleted(now)
        self._trim(now)

    def _trim(self, now_ms: int) -> int:
        """Delete the records and closed shards that retention removed; returns records deleted."""
        deleted = 0
        with self.db.read() as connection:
            streams = store.all_streams(connection)
        for stream in streams:
            cutoff = stream.retention_cutoff_ms(now_ms)
            # One transaction per stream keeps writers waiting only briefly.
            with self.db.transaction() as connection:
                for shard in store.shards(connection, stream.id):
                    deleted += store.trim_records(connection, stream.id, shard.index, cutoff)
                store.drop_shards_closed_before(connection, stream.id, cutoff)
        return deleted
