"""The buffers: where records wait between stages, which buffer they join, and when one is due.

Stages (``ledger.PROCESSING``, ``ledger.DATA``, ``ledger.ERROR``) and their lanes:

* ``processing``: the Lambda's input buffer, one lane (``""``), sized by the processor's
  ``BufferSizeInMBs`` / ``BufferIntervalInSeconds`` (1 MiB / 60 s by default);
* ``data``: the destination buffer, one lane per dynamic partition (the lane is the canonical
  JSON of the partition's keys, namespace-qualified: ``{"partitionKeyFromQuery:customer": "7"}``),
  else the single lane ``""``; sized by ``BufferingHints``;
* ``error``: error lines waiting for the error output, one lane per error output type, sized by
  ``BufferingHints`` as well.

A buffer is due when it holds ``SizeInMBs`` (data bytes before compression; the record that
reaches the size is the batch's last) or when its oldest record has waited ``IntervalInSeconds``
by the engine's clock (0 s: at the next tick). ``flush`` makes every buffer due.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import replace

import orjson

from lakehose.services.firehose import error_records, ledger, prefixes
from lakehose.services.firehose.config import Buffering, Destination
from lakehose.services.firehose.ledger import BufferState
from lakehose.services.firehose.partitioning import METADATA_EXTRACTION_FAILED, PartitionKeyError
from lakehose.services.firehose.records import SourceRecord

_QUERY, _LAMBDA = "partitionKeyFromQuery", "partitionKeyFromLambda"


def admit(
    connection: sqlite3.Connection,
    stream_id: int,
    destination: Destination,
    records: Sequence[SourceRecord],
    now_ms: int,
) -> None:
    """Records from the source (PutRecord or a Kinesis read) into the first stage."""
    if destination.transform is not None:
        ledger.append(connection, stream_id, ledger.PROCESSING, (("", r) for r in records), now_ms)
    else:
        enter_data(connection, stream_id, destination, ((r, None) for r in records), now_ms)


def enter_data(
    connection: sqlite3.Connection,
    stream_id: int,
    destination: Destination,
    records: Iterable[tuple[SourceRecord, dict[str, str] | None]],
    now_ms: int,
) -> None:
    """Records ready for the destination, with the partition keys a Lambda gave them (if any).

    Under dynamic partitioning each joins its partition's lane; a record whose keys cannot be
    found (the query fails, a key the prefix uses is missing) goes to the error output instead.
    """
    data: list[tuple[str, SourceRecord]] = []
    errors: list[tuple[str, SourceRecord]] = []
    for record, lambda_keys in records:
        if not destination.dynamic_partitioning:
            data.append(("", record))
            continue
        try:
            lane = partition_lane(destination, record, lambda_keys or {})
        except PartitionKeyError as error:
            errors.append(partition_error(record, error, now_ms))
            continue
        data.append((lane, record))
    ledger.append(connection, stream_id, ledger.DATA, data, now_ms)
    ledger.append(connection, stream_id, ledger.ERROR, errors, now_ms)


def partition_lane(
    destination: Destination, record: SourceRecord, lambda_keys: dict[str, str]
) -> str:
    """The lane of the record's partition: its keys, qualified by namespace, as JSON."""
    keys = {f"{_LAMBDA}:{name}": value for name, value in lambda_keys.items()}
    if destination.partition_query is not None:
        found = destination.partition_query.extract(record.data)
        keys.update({f"{_QUERY}:{name}": value for name, value in found.items()})
    for namespace, names in prefixes.partition_key_references(destination.prefix).items():
        for name in sorted(names):
            if f"{namespace}:{name}" not in keys:
                raise PartitionKeyError(
                    METADATA_EXTRACTION_FAILED,
                    f"No value for partition key !{{{namespace}:{name}}}",
                )
    return orjson.dumps(keys, option=orjson.OPT_SORT_KEYS).decode()


def partition_error(
    record: SourceRecord, error: PartitionKeyError, now_ms: int
) -> tuple[str, SourceRecord]:
    """The error-buffer entry for a record whose partition keys could not be found."""
    line = error_records.partitioning_failed_line(
        record, error_code=error.error_code, error_message=error.message, ending_ms=now_ms
    )
    return error_records.METADATA_EXTRACTION_FAILED_TYPE, replace(record, data=line)


def lane_keys(lane: str) -> dict[str, str]:
    """The partition keys a data lane stands for (none for the single lane ``""``)."""
    return dict(orjson.loads(lane)) if lane else {}


def cuts(
    connection: sqlite3.Connection,
    stream_id: int,
    stage: str,
    state: BufferState,
    buffering: Buffering,
    now_ms: int,
    *,
    flush: bool,
) -> list[int]:
    """The last record id of each batch to take from the buffer now (none if it is not due).

    Every time the running size reaches ``buffering.size_bytes`` a batch ends; what is left
    goes too when the interval has passed (or on ``flush``).
    """
    timed_out = flush or now_ms - state.oldest_buffered_ms >= buffering.interval_ms
    if state.size < buffering.size_bytes:
        return [state.last_id] if timed_out else []
    ends: list[int] = []
    total = 0
    for record_id, size in ledger.buffered_sizes(connection, stream_id, stage, state.lane):
        total += size
        if total >= buffering.size_bytes:
            ends.append(record_id)
            total = 0
    if timed_out and ends[-1] != state.last_id:
        ends.append(state.last_id)
    return ends
