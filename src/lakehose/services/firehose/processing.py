"""The Lambda stage: the processing buffer through the function into the destination buffer.

A due processing buffer is cut into batches (``buffers.cuts`` with the processor's buffering),
each batch is run through ``transform.run_lambda_processor`` (which splits it into invocations
under 6 MB and retries as the contract says), and then, in one SQLite transaction, the ``Ok``
records join the destination buffer (their partition's lane), the failed ones join the error
buffer as ``processing-failed`` lines, and the batch's input records are deleted.

Nothing the Lambda returned is visible anywhere before that commit, so a crash during or after
the invocation simply runs the same records through the function again on restart: the function
may see a batch twice (as it may on AWS), but its output is buffered exactly once, and from then
on the bytes to deliver are fixed in the database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from lakehose.services.firehose import buffers, error_records, ledger, store
from lakehose.services.firehose.config import Destination, LambdaStep
from lakehose.services.firehose.ports import LambdaPort
from lakehose.services.firehose.records import SourceRecord
from lakehose.services.firehose.store import StreamRow
from lakehose.services.firehose.transform import Failed, Transformed, run_lambda_processor
from lakehose.storage import Database


class LambdaStage:
    """Runs a stream's due processing buffers through its Lambda function."""

    def __init__(
        self,
        db: Database,
        port: LambdaPort,
        *,
        now_ms: Callable[[], int],
        new_invocation_id: Callable[[], str],
        region: str,
        stream_arn: Callable[[str], str],
    ) -> None:
        self.db = db
        self.port = port
        self.now_ms = now_ms
        self.new_invocation_id = new_invocation_id
        self.region = region
        self.stream_arn = stream_arn

    def run(self, stream: StreamRow, destination: Destination, *, flush: bool) -> int:
        """Process what is due (everything on ``flush``); returns how many records went in."""
        step = destination.transform
        now = self.now_ms()
        with self.db.read() as connection:
            states = ledger.open_buffers(connection, stream.id, ledger.PROCESSING)
        processed = 0
        for state in states:
            with self.db.read() as connection:
                if step is None:  # an update removed the Lambda: what waits goes on as it is
                    ends = [state.last_id]
                else:
                    ends = buffers.cuts(
                        connection,
                        stream.id,
                        ledger.PROCESSING,
                        state,
                        step.buffering,
                        now,
                        flush=flush,
                    )
            for end in ends:
                # The previous cut's records are deleted by now: this reads the next cut.
                with self.db.read() as connection:
                    rows = ledger.buffered_records(
                        connection, stream.id, ledger.PROCESSING, state.lane, end
                    )
                self._process(stream, destination, step, rows)
                processed += len(rows)
        return processed

    def _process(
        self,
        stream: StreamRow,
        destination: Destination,
        step: LambdaStep | None,
        rows: list[ledger.Buffered],
    ) -> None:
        records = [row.record for row in rows]
        ready: list[tuple[SourceRecord, dict[str, str] | None]] = []
        failed: list[tuple[str, SourceRecord]] = []
        if step is None:
            ready = [(record, None) for record in records]
        else:
            source = stream.source or {}
            kinesis_arn = source.get("KinesisStreamSourceDescription", {}).get("KinesisStreamARN")
            outcomes = run_lambda_processor(
                records,
                lambda_port=self.port,
                function_arn=step.function_arn,
                number_of_retries=step.retries,
                new_invocation_id=self.new_invocation_id,
                now_ms=self.now_ms,
                delivery_stream_arn=self.stream_arn(stream.name),
                region=self.region,
                source_kinesis_stream_arn=kinesis_arn,
            )
            for outcome in outcomes:
                if isinstance(outcome, Transformed):
                    ready.append(
                        (replace(outcome.record, data=outcome.data), outcome.partition_keys)
                    )
                elif isinstance(outcome, Failed):
                    line = error_records.processing_failed_line(
                        outcome, lambda_arn=step.function_arn
                    )
                    failed.append(
                        (error_records.PROCESSING_FAILED_TYPE, replace(outcome.record, data=line))
                    )
        now = self.now_ms()
        with self.db.transaction() as connection:
            if not store.stream_exists(connection, stream.id):
                return  # deleted while the function ran
            buffers.enter_data(connection, stream.id, destination, ready, now)
            ledger.append(connection, stream.id, ledger.ERROR, failed, now)
            ledger.delete_records(connection, [row.id for row in rows])
