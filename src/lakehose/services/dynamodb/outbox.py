"""Moving committed change records from the outbox to their streams, exactly once, in order per
item: a Kinesis destination, and the table's own DynamoDB stream (``stream_records``).

Commit order (why every committed change reaches the stream exactly once, even across
``kill -9`` at any instant):

1. A write commits the item change and its change record (``outbox`` row) in one SQLite
   transaction (``changes.apply_change``). Before the commit nothing exists; after it both do.
2. The delivery loop reads outbox rows in id order (the commit order) and sends them to the
   stream through the port, at most one row per partition key per call, so that a row that fails
   holds back the later rows of the same item and per-item order is kept.
3. Only after the port has returned DELIVERED (the stream's own transaction has committed) is
   the row deleted from the outbox, in a DynamoDB transaction. A crash before step 3 leaves the
   row pending: it is either not in the stream yet, or in the stream but not yet deleted.
4. Recovery tells the two apart before the first delivery after a start: every pending row was
   possibly in flight, and each record carries a unique eventID (a fresh UUID written with the
   row), so a row whose exact bytes are already in the stream since the row was created has been
   delivered and is deleted without sending it again. No dedup field is added to the payload.

Rows the stream can never take (a record above its maximum size) are dropped and counted, as AWS
counts them in ``FailedToReplicateRecordCount``; rows for a stream that does not exist (now) stay
pending and are retried by ``run_due``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from lakehose.services.dynamodb import store
from lakehose.services.dynamodb.ports import Change, ChangeStreamSink, Outcome
from lakehose.storage import Database

logger = logging.getLogger(__name__)

BATCH_RECORDS = 500  # Kinesis PutRecords' record limit
BATCH_BYTES = 4 << 20  # under PutRecords' 5 MiB request limit
# How far before a pending row's creation recovery looks in the stream: the clocks of the two
# engines are the same clock, so this only absorbs a wall clock stepping back.
RECOVERY_MARGIN_MS = 60_000


@dataclass
class DeliveryStats:
    delivered: int = 0
    recovered: int = 0  # found already in the stream after a restart
    rejected: int = 0  # dropped: the stream can never take them


class Outbox:
    def __init__(self, database: Callable[[], Database], sink: ChangeStreamSink | None) -> None:
        self._database = database
        self._sink = sink
        self._lock = threading.Lock()
        self._recovered = False
        # Set after every commit that may have added rows; cleared by a deliverer before it reads,
        # so a row committed while a delivery runs is picked up by the next one.
        self._wanted = True
        self.stats = DeliveryStats()

    def notify(self) -> None:
        self._wanted = True

    def deliver(self, *, wait: bool = False) -> None:
        """Send everything pending that can be sent now.

        Returns when the outbox is drained or blocked, so a writer that calls this after its
        commit returns with its own record in the stream (unless the stream cannot take it).
        """
        # A writer waits for the lock even when another thread has just cleared the flag: that
        # thread may still be sending, and the writer must not answer before its record is out.
        if self._sink is None or not (wait or self._wanted):
            return
        with self._lock:
            self._wanted = False
            try:
                if not self._recovered:
                    self._recover(self._sink)
                    self._recovered = True
                while True:
                    rows = _pending(self._database(), BATCH_RECORDS * 4)
                    if not rows:
                        return
                    if not self._deliver_rows(self._sink, rows):
                        self._wanted = True  # blocked rows: retry on the next tick
                        return
            except Exception:
                # The write that called us has committed; its record stays pending and is
                # retried, whatever went wrong on the way to the stream.
                self._wanted = True
                logger.exception("delivering change records failed; will retry")

    def _deliver_rows(self, sink: ChangeStreamSink, rows: list[store.OutboxRow]) -> bool:
        """One pass over ``rows``; returns whether every row was settled."""
        held: set[tuple[str, str]] = set()  # (stream, partition key) with a row not delivered
        remaining = rows
        while remaining:
            batch, later = _next_batch(remaining, held)
            if not batch:
                return False
            by_stream: dict[str, list[store.OutboxRow]] = {}
            for row in batch:
                by_stream.setdefault(row.stream_arn, []).append(row)
            settled: list[int] = []
            for stream_arn, stream_rows in by_stream.items():
                outcomes = sink.put_changes(
                    stream_arn, [Change(r.partition_key, r.data) for r in stream_rows]
                )
                for row, outcome in zip(stream_rows, outcomes, strict=True):
                    if outcome is Outcome.RETRY:
                        held.add((row.stream_arn, row.partition_key))
                        continue
                    settled.append(row.id)
                    if outcome is Outcome.DELIVERED:
                        self.stats.delivered += 1
                    else:
                        self.stats.rejected += 1
                        logger.warning("dropped a change record too large for %s", stream_arn)
            if settled:
                with self._database().transaction() as connection:
                    store.remove_from_outbox(connection, settled)
            remaining = later
        return not held

    def _recover(self, sink: ChangeStreamSink) -> None:
        """Step 4: delete pending rows whose record reached the stream before a crash."""
        database = self._database()
        rows = _pending(database, None)
        if not rows:
            return
        found: dict[str, set[bytes]] = {}
        for stream_arn in {row.stream_arn for row in rows}:
            since = min(r.created_ms for r in rows if r.stream_arn == stream_arn)
            if not sink.stream_exists(stream_arn):
                continue
            keys = {r.partition_key for r in rows if r.stream_arn == stream_arn}
            found[stream_arn] = {
                change.data
                for change in sink.read_since(stream_arn, since - RECOVERY_MARGIN_MS)
                if change.partition_key in keys
            }
        delivered = [row.id for row in rows if row.data in found.get(row.stream_arn, ())]
        if delivered:
            with database.transaction() as connection:
                store.remove_from_outbox(connection, delivered)
            self.stats.recovered += len(delivered)
            logger.info("%d change records were already in their stream", len(delivered))


def _pending(database: Database, limit: int | None) -> list[store.OutboxRow]:
    with database.read() as connection:
        return store.pending(connection, limit)


def _next_batch(
    rows: list[store.OutboxRow], held: set[tuple[str, str]]
) -> tuple[list[store.OutboxRow], list[store.OutboxRow]]:
    """The rows to send now (one per item, within PutRecords' limits) and those left for later.

    Rows of an item with an undelivered row are dropped from this pass altogether: sending them
    would overtake the held row.
    """
    batch: list[store.OutboxRow] = []
    later: list[store.OutboxRow] = []
    in_batch: set[tuple[str, str]] = set()
    size = 0
    for row in rows:
        item = (row.stream_arn, row.partition_key)
        if item in held:
            continue
        if (
            item in in_batch
            or len(batch) >= BATCH_RECORDS
            or (batch and size + len(row.data) > BATCH_BYTES)
        ):
            later.append(row)
            in_batch.add(item)  # keep this item's later rows behind this one
            continue
        batch.append(row)
        in_batch.add(item)
        size += len(row.data)
    return batch, later
