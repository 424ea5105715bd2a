"""The Firehose engine: delivery streams from DirectPut or Kinesis to S3, exactly once.

The API is in mixins by noun (``streams``, ``direct_put``); this class adds the life cycle and
the pipeline the runtime drives: ``run_due()`` (every worker tick, or ``Lakehose.advance``) reads
the Kinesis sources, runs due processing buffers through their Lambda, seals due buffers and
writes sealed batches; ``flush()`` does all of that regardless of the clock, reading the sources
to their end first. The steps and their commit order are in ``delivery``.

Options (``Lakehose(options={"firehose.<name>": value})``):

``creation_delay_seconds`` (0)
    How long a new delivery stream stays CREATING by the engine's clock.
``source_page_limit`` (10000)
    Records per shard per read of a Kinesis source.
"""

from __future__ import annotations

import logging

from lakehose.services.firehose import store
from lakehose.services.firehose.delivery import Deliverer
from lakehose.services.firehose.direct_put import DirectPutOperations
from lakehose.services.firehose.processing import LambdaStage
from lakehose.services.firehose.source import KinesisReader
from lakehose.services.firehose.statuses import DeliveryStreamStatus
from lakehose.services.firehose.streams import StreamOperations

logger = logging.getLogger(__name__)


class FirehoseEngine(StreamOperations, DirectPutOperations):
    """Amazon Data Firehose with S3 destinations, on a SQLite database in its directory."""

    # The pipeline's stages, made at start() for the ports the engine was given (the
    # constructor is ``FirehoseBase``'s: the environment and the four ports).
    _reader: KinesisReader | None = None
    _stage: LambdaStage | None = None
    _deliverer: Deliverer | None = None

    def start(self) -> None:
        super().start()
        if self.source is not None:
            limit = int(self.environment.option("firehose.source_page_limit"))
            self._reader = KinesisReader(self.db, self.source, limit)
        if self.lambdas is not None:
            self._stage = LambdaStage(
                self.db,
                self.lambdas,
                now_ms=self._now_ms,
                new_invocation_id=self.ids.uuid4,
                region=self.region,
                stream_arn=self._stream_arn,
            )
        if self.sink is not None:
            self._deliverer = Deliverer(
                self.db, self.sink, self.catalog, now_ms=self._now_ms, parse=self._destination
            )

    def run_due(self) -> None:
        # A tick that finds a flush (or a slow Lambda) running skips; the next one catches up.
        if self._pump.acquire(blocking=False):
            try:
                self._pass(flush=False)
            finally:
                self._pump.release()

    def flush(self) -> None:
        with self._pump:
            self._pass(flush=True)

    def _pass(self, *, flush: bool) -> None:
        now = self._now_ms()
        with self.db.read() as connection:
            streams = [
                s
                for s in store.all_streams(connection)
                if s.status(now) == DeliveryStreamStatus.ACTIVE
            ]
        for stream in streams:
            try:
                self._pass_stream(stream, flush=flush)
            except Exception:
                # One stream's failure must not stop the others; it is retried next time.
                logger.exception("delivery stream %s: pipeline pass failed", stream.name)

    def _pass_stream(self, stream: store.StreamRow, *, flush: bool) -> None:
        destination = self._destination(stream)
        if (
            self._reader is not None
            and stream.source
            and "KinesisStreamSourceDescription" in stream.source
        ):
            self._reader.poll(stream, destination, self._now_ms(), drain=flush)
        if self._stage is not None:
            self._stage.run(stream, destination, flush=flush)
        if self._deliverer is not None:
            self._deliverer.seal(stream.id, flush=flush)
            self._deliverer.deliver(stream.id)
            if flush:
                # Conversion failures of this pass are new error records: deliver them too.
                self._deliverer.seal(stream.id, flush=True)
                self._deliverer.deliver(stream.id)

    def close(self) -> None:
        with self._pump:
            super().close()
