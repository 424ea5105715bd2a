"""Where each shard of a stream stands: for consumers inside lakehose (Firehose's source).

Not an AWS operation: no Kinesis API returns a shard's latest sequence number, yet a consumer
that "starts at LATEST" when it is created must remember exactly that position.
"""

from __future__ import annotations

from dataclasses import dataclass

from lakehose.services.kinesis import store
from lakehose.services.kinesis.base import KinesisBase
from lakehose.services.kinesis.errors import shard_id


@dataclass(frozen=True)
class ShardPosition:
    """A shard, its parents, whether it is closed, and the sequence number at its tip.

    ``tip`` is the sequence number of the shard's latest record, or its starting sequence number
    when it holds none; reading after ``tip`` returns only records put later.
    """

    shard_id: str
    parents: tuple[str, ...]
    closed: bool
    tip: str


class PositionOperations(KinesisBase):
    def shard_positions(self, stream_arn: str) -> list[ShardPosition]:
        """Every shard of the stream (closed ones too), raising ``ResourceNotFoundException``."""
        with self.db.read() as connection:
            stream = self._locate(connection, None, stream_arn)
            positions: list[ShardPosition] = []
            for row in store.shards(connection, stream.id):
                tip = row.starting_sequence
                last = row.next_counter - 1
                if last > 0:
                    found = store.read_records(
                        connection, stream.id, row.index, start=last, since_ms=0, limit=1
                    )
                    arrival = found[0].arrival_ms if found else row.opened_ms
                    tip = row.sequence_of(last, arrival)
                parents = tuple(
                    shard_id(parent)
                    for parent in (row.parent, row.adjacent_parent)
                    if parent is not None
                )
                positions.append(ShardPosition(row.shard_id, parents, not row.is_open, tip))
        return positions
