"""Exactly-once delivery: buffered records to S3 objects, each record in exactly one object.

AWS's Firehose is at-least-once; lakehose is exactly-once, by a durable buffer, deterministic
batches and a delivery ledger (the Kafka Connect S3 sink's technique). The commit order, from a
record's arrival to its object; each numbered step is one SQLite transaction or one idempotent
write, so the process may die between any two and resume on restart:

1. **Ingest.** PutRecord / PutRecordBatch append the records to the first buffer and answer after
   the commit; a Kinesis read appends them together with the shard's new checkpoint
   (``source``). A crash before the commit re-reads from the old checkpoint, after it the records
   are buffered and the checkpoint is past them.
2. **Transform** (with a Lambda processor). The function's output joins the destination buffer in
   the transaction that deletes its input from the processing buffer (``processing``); a crash
   before it runs the same input through the function again, a crash after it has the output
   fixed in the database.
3. **Seal.** A due buffer's records are marked with the next batch sequence number of the
   stream, and the batch's plan is stored with them: bucket, key (with the uuid derived from the
   stream and the sequence number), codec and, for conversion, the table's columns (``objects``).
4. **Write.** The object is built from the sealed records and the plan (the same bytes every time)
   and put under the planned key, unless an object with exactly those bytes is already there. A
   crash after the put and before step 5 repeats the put with identical bytes: still one object.
5. **Commit.** The batch is recorded in the ledger (``delivered_ms``) and its records deleted, in
   one transaction, with any records that failed format conversion added to the error buffer.
   Restart finds sealed batches without a ledger entry and resumes them at step 4.

Error lines (Lambda failures, partitioning and conversion failures) are records of the error
buffer and go through steps 3 to 5 like data, so an error record too lands exactly once.

An S3 failure (no such bucket) leaves the batch sealed; it is written again on the next tick, for
as long as it takes [AWS gives up after 24 hours; lakehose never drops it].
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable

from lakehose.services.firehose import buffers, ledger, objects, store
from lakehose.services.firehose.config import Destination
from lakehose.services.firehose.ledger import BatchRow
from lakehose.services.firehose.objects import CONTENT_TYPE
from lakehose.services.firehose.partitioning import PartitionKeyError
from lakehose.services.firehose.ports import CatalogPort, DestinationUnavailable, ObjectSinkPort
from lakehose.services.firehose.store import StreamRow
from lakehose.storage import Database

logger = logging.getLogger(__name__)


class Deliverer:
    """Seals due buffers into batches (step 3) and writes sealed batches (steps 4 and 5)."""

    def __init__(
        self,
        db: Database,
        sink: ObjectSinkPort,
        catalog: CatalogPort | None,
        *,
        now_ms: Callable[[], int],
        parse: Callable[[StreamRow], Destination],
    ) -> None:
        self.db = db
        self.sink = sink
        self.catalog = catalog
        self.now_ms = now_ms
        self.parse = parse
        self._failing: set[tuple[str, str]] = set()  # (bucket, code) outages already logged

    def seal(self, stream_id: int, *, flush: bool) -> int:
        """Step 3 for every due buffer of the stream; returns how many batches were sealed."""
        sealed = 0
        now = self.now_ms()
        with self.db.transaction() as connection:
            # The configuration as of now: a prefix change applies to records already buffered.
            stream = store.find_stream_by_id(connection, stream_id)
            if stream is None:
                return 0
            destination = self.parse(stream)
            for stage in (ledger.DATA, ledger.ERROR):
                for state in ledger.open_buffers(connection, stream.id, stage):
                    ends = buffers.cuts(
                        connection, stream.id, stage, state, destination.buffering, now, flush=flush
                    )
                    for end in ends:
                        sealed += self._seal_one(
                            connection, stream, destination, stage, state.lane, end, now
                        )
        return sealed

    def _seal_one(
        self,
        connection: sqlite3.Connection,
        stream: StreamRow,
        destination: Destination,
        stage: str,
        lane: str,
        end: int,
        now_ms: int,
    ) -> int:
        seq = store.take_counter(connection, stream.id, "next_batch", 1)
        oldest = ledger.oldest_arrival(connection, stream.id, stage, lane, end)
        try:
            plan = objects.plan(
                stream,
                destination,
                stage=stage,
                lane=lane,
                seq=seq,
                oldest_arrival_ms=oldest,
                now_ms=now_ms,
                catalog=self.catalog,
            )
        except PartitionKeyError as error:
            # The prefix now names a key these records were not partitioned by.
            records = ledger.buffered_records(connection, stream.id, stage, lane, end)
            lines = [buffers.partition_error(row.record, error, now_ms) for row in records]
            ledger.delete_records(connection, [row.id for row in records])
            ledger.append(connection, stream.id, ledger.ERROR, lines, now_ms)
            return 0
        count = ledger.seal(connection, stream.id, stage, lane, end, seq)
        ledger.insert_batch(
            connection, BatchRow(stream.id, seq, stage, lane, plan, now_ms, None, None, count)
        )
        return 1

    def deliver(self, stream_id: int) -> int:
        """Steps 4 and 5 for every sealed batch of the stream; returns how many were delivered."""
        with self.db.read() as connection:
            batches = ledger.undelivered_batches(connection, stream_id)
        delivered = 0
        for batch in batches:
            with self.db.read() as connection:
                rows = ledger.batch_records(connection, stream_id, batch.seq)
            built = objects.build(batch, [row.record for row in rows], self.now_ms())
            bucket, key = batch.plan["bucket"], batch.plan["key"]
            etag = built.etag
            if built.body is not None:
                try:
                    if self.sink.head(bucket, key) != etag:
                        etag = self.sink.put_object_bytes(
                            bucket,
                            key,
                            built.body,
                            content_type=CONTENT_TYPE,
                            content_encoding=built.content_encoding,
                        )
                except DestinationUnavailable as error:
                    self._report(bucket, error)
                    continue
                self._failing = {f for f in self._failing if f[0] != bucket}
            now = self.now_ms()
            with self.db.transaction() as connection:
                if ledger.mark_delivered(connection, stream_id, batch.seq, etag, now):
                    ledger.delete_batch_records(connection, stream_id, batch.seq)
                    ledger.append(connection, stream_id, ledger.ERROR, built.failures, now)
                    delivered += 1
        return delivered

    def _report(self, bucket: str, error: DestinationUnavailable) -> None:
        if (bucket, error.code) not in self._failing:
            logger.warning("delivery to s3://%s failed (%s); retrying", bucket, error)
            self._failing.add((bucket, error.code))
