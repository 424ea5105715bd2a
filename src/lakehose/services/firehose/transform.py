"""The Lambda transformation contract: the event Firehose sends, and what each answer means.

One invocation per batch of records (batches kept under Lambda's 6 MB request limit), with a
fresh ``invocationId`` per attempt and stable ``recordId`` s. The answer is judged as the
developer guide's status model and real error objects say (codes and texts in ``MESSAGES``):

| situation                                  | outcome                                           |
|--------------------------------------------|---------------------------------------------------|
| ``Ok`` with base64 ``data``                | ``Transformed`` (``metadata.partitionKeys`` kept) |
| ``Dropped``                                | ``Dropped``: no trace, counts as success          |
| ``ProcessingFailed``                       | ``Lambda.ProcessingFailedStatus``                 |
| a record id not returned (or replaced)     | ``Lambda.MissingRecordId``, not retried           |
| a record id returned twice                 | ``Lambda.DuplicatedRecordId``, not retried        |
| unparseable answer, unknown ``result``     | ``Lambda.JsonProcessingException``, whole batch   |
| ``Ok`` with null/absent ``data``           | ``Lambda.InvalidReturnFormat`` [code unconfirmed] |
| function error, bad base64, answer > 6 MiB | retried, then ``Lambda.FunctionError``            |
| function timeout                           | retried, then ``Lambda.FunctionTimedOut``         |
| invoke failure (``LambdaInvokeError``)     | retried, then the error's own code                |
| a record id the batch never had            | ignored                                           |

"Retried" means ``NumberOfRetries`` more attempts (default 3, so 4 in all); ``attemptsMade`` is
the number of invocations the batch took. A well-formed answer is final even if records in it
fail (emulators probed this: a missing id reports ``attemptsMade`` 1). One real capture saw a
function timeout reported as ``Lambda.FunctionError``; the documented ``FunctionTimedOut`` is
used here when the port reports ``timed_out`` [sources disagree].
"""

from __future__ import annotations

import base64
import binascii
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from lakehose.services.firehose.ports import LambdaInvokeError, LambdaPort, LambdaReply
from lakehose.services.firehose.records import SourceRecord

__all__ = [
    "MAX_REQUEST_BYTES",
    "MAX_RESPONSE_BYTES",
    "MESSAGES",
    "Dropped",
    "Failed",
    "RecordOutcome",
    "Transformed",
    "build_event",
    "run_lambda_processor",
    "split_batches",
]

MAX_REQUEST_BYTES = 6_000_000  # Firehose keeps each invocation under Lambda's 6 MB request limit
MAX_RESPONSE_BYTES = 6 * 1024 * 1024  # Lambda's synchronous response limit
_ENVELOPE_ALLOWANCE = 4096  # invocationId, ARNs and region around the records array
_RESULTS = ("Ok", "Dropped", "ProcessingFailed")

FUNCTION_ERROR = "Lambda.FunctionError"
FUNCTION_TIMED_OUT = "Lambda.FunctionTimedOut"
MISSING_RECORD_ID = "Lambda.MissingRecordId"
DUPLICATED_RECORD_ID = "Lambda.DuplicatedRecordId"
JSON_PROCESSING = "Lambda.JsonProcessingException"
PROCESSING_FAILED = "Lambda.ProcessingFailedStatus"
INVALID_RETURN_FORMAT = "Lambda.InvalidReturnFormat"

MESSAGES = {
    # Observed in real error objects.
    FUNCTION_ERROR: "The Lambda function was successfully invoked but it returned an error result.",
    FUNCTION_TIMED_OUT: "The Lambda function invocation timed out. Increase the Timeout setting "
    "in the Lambda function.",
    MISSING_RECORD_ID: "One or more record Ids were not returned. Ensure that the Lambda function "
    "returns all received record Ids.",
    # Emulator probes of real AWS.
    DUPLICATED_RECORD_ID: "Multiple records were returned with the same record Id. Ensure that "
    "the Lambda function returns a unique record Id for each record.",
    PROCESSING_FAILED: "ProcessingFailed status set for record",
    INVALID_RETURN_FORMAT: "The data field cannot be null when the SourceType is DirectPut or "
    "KinesisStreamAsSource and processing result is Ok. The value field cannot be null when "
    "the SourceType is MSKAsSource and processing result is Ok.",
    # The developer guide's CloudWatch Logs table.
    JSON_PROCESSING: "There was an error parsing returned records from the Lambda function. "
    "Ensure that the returned records follow the status model required by Kinesis Data Firehose.",
    "Lambda.InvokeAccessDenied": "Access was denied. Ensure that the access policy allows access "
    "to the Lambda function.",
    "Lambda.AssumeRoleAccessDenied": "Access was denied. Ensure that the trust policy for the "
    "provided IAM role allows Kinesis Data Firehose to assume the role.",
    "Lambda.InvokeLimitExceeded": "The Lambda concurrent execution limit is exceeded. Increase "
    "the concurrent execution limit.",
    "Lambda.ResourceNotFound": "The specified Lambda function does not exist. Use a different "
    "function that does exist.",
}


@dataclass(frozen=True)
class Transformed:
    """The function returned ``Ok``: ``data`` replaces the record's bytes."""

    record: SourceRecord
    data: bytes
    partition_keys: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Dropped:
    """The function returned ``Dropped``: the record is done, delivered nowhere."""

    record: SourceRecord


@dataclass(frozen=True)
class Failed:
    """The record goes to the error output (``processing-failed``) with its original bytes."""

    record: SourceRecord
    error_code: str
    error_message: str
    attempts_made: int
    ending_ms: int


RecordOutcome = Transformed | Dropped | Failed


class _Retry(Exception):
    """This attempt failed as a whole and is worth repeating."""

    def __init__(self, code: str, message: str | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.message = message or MESSAGES.get(code, code)


class _BatchFailed(Exception):
    """The answer fails every record of the batch, and repeating would not help."""


# A record's verdict before attempt counts and times are known: data and keys, None for
# Dropped, or an error code.
_Verdict = tuple[bytes, dict[str, str]] | None | str


def _record_entry(record: SourceRecord, kinesis: bool) -> bytes:
    entry: dict[str, Any] = {
        "recordId": record.record_id,
        "approximateArrivalTimestamp": record.arrival_ms,
        "data": base64.b64encode(record.data).decode("ascii"),
    }
    if kinesis and record.sequence_number is not None:
        entry["kinesisRecordMetadata"] = {
            "sequenceNumber": record.sequence_number,
            "subsequenceNumber": record.subsequence_number,
            "partitionKey": record.partition_key,
            "shardId": record.shard_id,
            "approximateArrivalTimestamp": record.arrival_ms,
        }
    return orjson.dumps(entry)


def _assemble(
    entries: Sequence[bytes],
    *,
    invocation_id: str,
    delivery_stream_arn: str,
    region: str,
    source_kinesis_stream_arn: str | None,
) -> bytes:
    envelope: dict[str, Any] = {"invocationId": invocation_id}
    if source_kinesis_stream_arn is not None:
        envelope["sourceKinesisStreamArn"] = source_kinesis_stream_arn
    envelope |= {"deliveryStreamArn": delivery_stream_arn, "region": region, "records": []}
    head = orjson.dumps(envelope)[:-3]  # everything before the empty array's "[]}"
    return head + b"[" + b",".join(entries) + b"]}"


def build_event(
    records: Sequence[SourceRecord],
    *,
    invocation_id: str,
    delivery_stream_arn: str,
    region: str,
    source_kinesis_stream_arn: str | None,
) -> bytes:
    """The invocation payload; Kinesis sources add ``sourceKinesisStreamArn`` and each record's
    ``kinesisRecordMetadata`` (numbers for times and subsequence, as real events carry)."""
    kinesis = source_kinesis_stream_arn is not None
    return _assemble(
        [_record_entry(record, kinesis) for record in records],
        invocation_id=invocation_id,
        delivery_stream_arn=delivery_stream_arn,
        region=region,
        source_kinesis_stream_arn=source_kinesis_stream_arn,
    )


def split_batches(
    records: Sequence[SourceRecord], max_payload_bytes: int = MAX_REQUEST_BYTES
) -> list[list[SourceRecord]]:
    """Consecutive batches whose events stay within ``max_payload_bytes`` (a record too large
    alone still gets a batch of its own)."""
    sizes = [len(_record_entry(record, kinesis=True)) + 1 for record in records]
    return [[records[i] for i in batch] for batch in _pack(sizes, max_payload_bytes)]


def _pack(sizes: Sequence[int], max_payload_bytes: int) -> list[list[int]]:
    budget = max_payload_bytes - _ENVELOPE_ALLOWANCE
    batches: list[list[int]] = []
    used = budget + 1
    for index, size in enumerate(sizes):
        if used + size > budget:
            batches.append([])
            used = 0
        batches[-1].append(index)
        used += size
    return batches


def run_lambda_processor(
    records: Sequence[SourceRecord],
    *,
    lambda_port: LambdaPort,
    function_arn: str,
    number_of_retries: int,
    new_invocation_id: Callable[[], str],
    now_ms: Callable[[], int],
    delivery_stream_arn: str,
    region: str,
    source_kinesis_stream_arn: str | None,
) -> list[RecordOutcome]:
    """Runs the records through the function; one outcome per record, in input order."""
    kinesis = source_kinesis_stream_arn is not None
    entries = [_record_entry(record, kinesis) for record in records]
    outcomes: list[RecordOutcome] = []
    for batch in _pack([len(entry) + 1 for entry in entries], MAX_REQUEST_BYTES):

        def payload(invocation_id: str, batch: list[int] = batch) -> bytes:
            return _assemble(
                [entries[i] for i in batch],
                invocation_id=invocation_id,
                delivery_stream_arn=delivery_stream_arn,
                region=region,
                source_kinesis_stream_arn=source_kinesis_stream_arn,
            )

        batch_records = [records[i] for i in batch]
        outcomes += _run_batch(
            batch_records,
            lambda: lambda_port.invoke(function_arn, payload(new_invocation_id())),
            attempts=max(number_of_retries, 0) + 1,
            now_ms=now_ms,
        )
    return outcomes


def _run_batch(
    records: list[SourceRecord],
    invoke: Callable[[], LambdaReply],
    *,
    attempts: int,
    now_ms: Callable[[], int],
) -> list[RecordOutcome]:
    last = _Retry(FUNCTION_ERROR)
    for attempt in range(1, attempts + 1):
        try:
            try:
                reply = invoke()
            except LambdaInvokeError as exc:
                raise _Retry(exc.code, exc.message) from None
            verdicts = _judge(reply, records)
        except _Retry as exc:
            last = exc
            continue
        except _BatchFailed:
            return _fail_all(records, JSON_PROCESSING, MESSAGES[JSON_PROCESSING], attempt, now_ms())
        ending = now_ms()
        return [_outcome(record, verdict, attempt, ending) for record, verdict in verdicts]
    return _fail_all(records, last.code, last.message, attempts, now_ms())


def _fail_all(
    records: list[SourceRecord], code: str, message: str, attempts: int, ending: int
) -> list[RecordOutcome]:
    return [Failed(record, code, message, attempts, ending) for record in records]


def _outcome(record: SourceRecord, verdict: _Verdict, attempt: int, ending: int) -> RecordOutcome:
    if verdict is None:
        return Dropped(record)
    if isinstance(verdict, str):
        return Failed(record, verdict, MESSAGES[verdict], attempt, ending)
    return Transformed(record, verdict[0], verdict[1])


def _judge(reply: LambdaReply, records: list[SourceRecord]) -> list[tuple[SourceRecord, _Verdict]]:
    """Each record's verdict from one answer; raises ``_Retry`` or ``_BatchFailed``."""
    if reply.timed_out:
        raise _Retry(FUNCTION_TIMED_OUT)
    if reply.function_error is not None or len(reply.payload) > MAX_RESPONSE_BYTES:
        raise _Retry(FUNCTION_ERROR)
    try:
        document = orjson.loads(reply.payload)
    except orjson.JSONDecodeError:
        raise _BatchFailed from None
    if not isinstance(document, dict):
        raise _BatchFailed
    returned = document.get("records", [])  # no records at all: every id is missing (probed)
    if not isinstance(returned, list) or not all(isinstance(e, dict) for e in returned):
        raise _BatchFailed
    if any(entry.get("result") not in _RESULTS for entry in returned):
        raise _BatchFailed
    with_ids = [entry for entry in returned if isinstance(entry.get("recordId"), str)]
    counts = Counter(entry["recordId"] for entry in with_ids)
    by_id = {entry["recordId"]: entry for entry in with_ids}
    verdicts: list[tuple[SourceRecord, _Verdict]] = []
    for record in records:
        entry = by_id.get(record.record_id)
        if entry is None:
            verdicts.append((record, MISSING_RECORD_ID))
        elif counts[record.record_id] > 1:
            verdicts.append((record, DUPLICATED_RECORD_ID))
        else:
            verdicts.append((record, _entry_verdict(entry)))
    return verdicts


def _entry_verdict(entry: dict[str, Any]) -> _Verdict:
    result = entry["result"]
    if result == "Dropped":
        return None
    if result == "ProcessingFailed":
        return PROCESSING_FAILED
    data = entry.get("data")
    if data is None:
        return INVALID_RETURN_FORMAT
    return _base64(data), _partition_keys(entry.get("metadata"))


def _base64(data: object) -> bytes:
    """Standard base64, padding optional as Java's decoder allows; anything else is a function
    error (observed for invalid base64)."""
    if not isinstance(data, str) or len(data.rstrip("=")) % 4 == 1:
        raise _Retry(FUNCTION_ERROR)
    try:
        return base64.b64decode(data + "=" * (-len(data) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise _Retry(FUNCTION_ERROR) from None


def _partition_keys(metadata: object) -> dict[str, str]:
    keys = metadata.get("partitionKeys") if isinstance(metadata, dict) else None
    if not isinstance(keys, dict):
        return {}
    return {
        str(name): value if isinstance(value, str) else orjson.dumps(value).decode()
        for name, value in keys.items()
        if value is not None
    }
