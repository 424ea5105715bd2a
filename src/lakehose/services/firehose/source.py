"""Reading a Kinesis data stream as a delivery stream's source.

Every shard has a checkpoint: the sequence number read up to (``None``: the shard's start) and
whether the shard is finished (closed and read to its end). ``CreateDeliveryStream`` puts the
shards open at creation at their tip and marks the closed ones finished; a shard that appears
later (a split's or a merge's child) is read from its start, and only once every parent it has
is finished, so a partition key's records are delivered in order across resharding, as KCL does.

One read, in one SQLite transaction: the records (KPL-aggregated ones de-aggregated) are
appended to the first buffer and the shard's checkpoint moves past them. A crash before the
commit leaves both as they were, so the next read returns the same records again; a crash after
it leaves them buffered and the checkpoint after them. Either way each record is buffered once.
"""

from __future__ import annotations

import logging

from lakehose.services.firehose import buffers, deaggregation, store
from lakehose.services.firehose.config import Destination
from lakehose.services.firehose.ports import SourceEntry, SourceUnavailable, StreamSourcePort
from lakehose.services.firehose.records import SourceRecord, kinesis_record_id
from lakehose.services.firehose.store import Checkpoint, StreamRow
from lakehose.storage import Database

logger = logging.getLogger(__name__)

PAGE_LIMIT = 10_000  # GetRecords' own maximum


class KinesisReader:
    """Moves records from a Kinesis stream's shards into a delivery stream's buffers."""

    def __init__(self, db: Database, port: StreamSourcePort, page_limit: int = PAGE_LIMIT) -> None:
        self.db = db
        self.port = port
        self.page_limit = page_limit
        self._failing: set[int] = set()  # streams whose source failed, to log each outage once

    def poll(self, stream: StreamRow, destination: Destination, now_ms: int, *, drain: bool) -> int:
        """Read every readable shard once (``drain``: until caught up); records buffered."""
        assert stream.source is not None
        arn = stream.source["KinesisStreamSourceDescription"]["KinesisStreamARN"]
        with self.db.read() as connection:
            positions = store.checkpoints(connection, stream.id)
        try:
            shards = self.port.shards(arn)
            read = 0
            finished = {shard for shard, checkpoint in positions.items() if checkpoint.finished}
            known = {shard.shard_id for shard in shards}
            for shard in shards:
                position = positions.get(shard.shard_id)
                if position is not None and position.finished:
                    continue
                # Parents first; a parent retention already removed has nothing left to read.
                if any(p in known and p not in finished for p in shard.parent_ids):
                    continue
                after = None if position is None else position.after_sequence
                while True:
                    page = self.port.read(arn, shard.shard_id, after, self.page_limit)
                    if page.records:
                        after = page.records[-1].sequence_number
                    checkpoint = Checkpoint(after, page.end_of_shard)
                    records = [r for entry in page.records for r in _records(entry, shard.shard_id)]
                    with self.db.transaction() as connection:
                        if not store.stream_exists(connection, stream.id):
                            return read  # deleted meanwhile: nothing more to buffer
                        buffers.admit(connection, stream.id, destination, records, now_ms)
                        store.set_checkpoint(connection, stream.id, shard.shard_id, checkpoint)
                    read += len(records)
                    if page.end_of_shard:
                        finished.add(shard.shard_id)
                    if page.end_of_shard or not page.records or not drain:
                        break
        except SourceUnavailable as error:
            if stream.id not in self._failing:
                logger.warning("delivery stream %s cannot read its source: %s", stream.name, error)
            self._failing.add(stream.id)
            return 0
        self._failing.discard(stream.id)
        return read


def _records(entry: SourceEntry, shard_id: str) -> list[SourceRecord]:
    record = SourceRecord(
        record_id=kinesis_record_id(entry.sequence_number),
        data=entry.data,
        arrival_ms=entry.arrival_ms,
        shard_id=shard_id,
        partition_key=entry.partition_key,
        sequence_number=entry.sequence_number,
    )
    return deaggregation.deaggregate(record)
