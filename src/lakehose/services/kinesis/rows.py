"""The rows the store reads and writes: streams, shards and records, with what derives from them
(status by the clock, sequence numbers, the ``Shard`` structure AWS describes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from lakehose.services.kinesis import sequences
from lakehose.services.kinesis.errors import shard_id
from lakehose.services.kinesis.statuses import StreamStatus


def timestamp(epoch_ms: int) -> datetime:
    """An engine time (epoch milliseconds) as the aware datetime the protocols serialize."""
    return datetime.fromtimestamp(epoch_ms / 1000, tz=UTC)


@dataclass(frozen=True)
class StreamRow:
    id: int
    name: str
    created_ms: int
    active_ms: int
    updating_until_ms: int
    retention_hours: int
    mode: str
    max_record_kib: int
    next_shard_index: int
    encryption_type: str = "NONE"
    key_id: str | None = None
    shard_metrics: str = ""  # the enabled shard-level metrics, comma-separated
    deleted_until_ms: int | None = None  # set while DeleteStream holds the stream DELETING
    mode_switches: str = ""  # when the capacity mode last changed: epoch ms, comma-separated

    @property
    def metrics(self) -> list[str]:
        return self.shard_metrics.split(",") if self.shard_metrics else []

    @property
    def switch_times(self) -> list[int]:
        return [int(ms) for ms in self.mode_switches.split(",")] if self.mode_switches else []

    def gone(self, now_ms: int) -> bool:
        """Whether a deletion held DELETING has completed: the stream no longer exists."""
        return self.deleted_until_ms is not None and now_ms >= self.deleted_until_ms

    def status(self, now_ms: int) -> StreamStatus:
        """CREATING until the creation delay has passed, DELETING while a deletion is held,
        UPDATING while a change takes effect, else ACTIVE."""
        if self.deleted_until_ms is not None:
            return StreamStatus.DELETING
        if now_ms < self.active_ms:
            return StreamStatus.CREATING
        if now_ms < self.updating_until_ms:
            return StreamStatus.UPDATING
        return StreamStatus.ACTIVE

    def retention_cutoff_ms(self, now_ms: int) -> int:
        """Records that arrived before this instant have aged out."""
        return now_ms - self.retention_hours * 3_600_000


@dataclass(frozen=True)
class ShardRow:
    stream_id: int
    index: int
    parent: int | None
    adjacent_parent: int | None
    hash_start: int
    hash_end: int
    opened_ms: int  # when the shard began taking records
    created_s: int  # the creation second its sequence numbers carry
    closed_ms: int | None
    next_counter: int

    @property
    def shard_id(self) -> str:
        return shard_id(self.index)

    @property
    def is_open(self) -> bool:
        return self.closed_ms is None

    def open_at(self, when_ms: int) -> bool:
        """Whether the shard took records at ``when_ms``."""
        return self.opened_ms <= when_ms and (self.closed_ms is None or when_ms < self.closed_ms)

    @property
    def starting_sequence(self) -> str:
        return sequences.encode(
            sequences.SequenceParts(self.created_s, self.index, 0, self.created_s)
        )

    @property
    def ending_sequence(self) -> str | None:
        if self.closed_ms is None:
            return None
        parts = sequences.SequenceParts(
            self.created_s, self.index, sequences.END_COUNTER, self.closed_ms // 1000
        )
        return sequences.encode(parts)

    def sequence_of(self, counter: int, arrival_ms: int) -> str:
        """The sequence number of this shard's record number ``counter``."""
        parts = sequences.SequenceParts(self.created_s, self.index, counter, arrival_ms // 1000)
        return sequences.encode(parts)

    def hash_key_range(self) -> dict[str, str]:
        return {"StartingHashKey": str(self.hash_start), "EndingHashKey": str(self.hash_end)}

    def describe(self) -> dict[str, object]:
        """The ``Shard`` structure of DescribeStream and ListShards."""
        numbers = {"StartingSequenceNumber": self.starting_sequence}
        if (ending := self.ending_sequence) is not None:
            numbers["EndingSequenceNumber"] = ending
        shape: dict[str, object] = {"ShardId": self.shard_id}
        if self.parent is not None:
            shape["ParentShardId"] = shard_id(self.parent)
        if self.adjacent_parent is not None:
            shape["AdjacentParentShardId"] = shard_id(self.adjacent_parent)
        shape["HashKeyRange"] = self.hash_key_range()
        shape["SequenceNumberRange"] = numbers
        return shape


@dataclass(frozen=True)
class RecordRow:
    counter: int
    arrival_ms: int
    partition_key: str
    data: bytes
    encrypted: bool = False

    @property
    def size(self) -> int:
        """Data plus partition key bytes: what the read limits count."""
        return len(self.data) + len(self.partition_key.encode("utf-8"))
