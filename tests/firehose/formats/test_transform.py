"""The Lambda transformation contract, row by row, against a scripted LambdaPort."""

from __future__ import annotations

import base64
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
import pytest

from lakehose.services.firehose.ports import LambdaInvokeError, LambdaReply
from lakehose.services.firehose.records import (
    SourceRecord,
    direct_put_record_id,
    kinesis_record_id,
)
from lakehose.services.firehose.transform import (
    MAX_REQUEST_BYTES,
    MESSAGES,
    Dropped,
    Failed,
    RecordOutcome,
    Transformed,
    build_event,
    run_lambda_processor,
    split_batches,
)

STREAM_ARN = "arn:aws:firehose:us-east-1:111122223333:deliverystream/heartrate-firehose"
KINESIS_ARN = "arn:aws:kinesis:us-east-1:111122223333:stream/heartrate-kinesis"
FUNCTION = "arn:aws:lambda:us-east-1:111122223333:function:TransformFirehose"

Answer = LambdaReply | LambdaInvokeError | Callable[[dict[str, Any]], LambdaReply]


@dataclass
class ScriptedLambda:
    """Answers invocations in turn (the last answer repeats); keeps every event it was sent."""

    answers: list[Answer]
    events: list[dict[str, Any]] = field(default_factory=list)

    def invoke(self, function_arn: str, payload: bytes) -> LambdaReply:
        assert function_arn == FUNCTION
        event = orjson.loads(payload)
        self.events.append(event)
        answer = self.answers[min(len(self.events), len(self.answers)) - 1]
        if isinstance(answer, LambdaInvokeError):
            raise answer
        return answer(event) if callable(answer) else answer


def records(count: int = 3) -> list[SourceRecord]:
    return [
        SourceRecord(
            record_id=kinesis_record_id(
                f"4963800000000000000000000000000000000000000000000000229{i}"
            ),
            data=f'{{"n":{i}}}'.encode(),
            arrival_ms=1679514917250 + i,
            shard_id="shardId-000000000000",
            partition_key="0AB18464EFEE6043E48DD4475DABA453",
            sequence_number=f"4963800000000000000000000000000000000000000000000000229{i}",
        )
        for i in range(count)
    ]


def reply(entries: list[dict[str, Any]]) -> LambdaReply:
    return LambdaReply(orjson.dumps({"records": entries}))


def echo(result: str = "Ok", transform: Callable[[bytes], bytes] = lambda d: d + b"\n"):
    """The article's handler: spread the input record, replace data, set result."""

    def answer(event: dict[str, Any]) -> LambdaReply:
        out = []
        for record in event["records"]:
            data = base64.b64encode(transform(base64.b64decode(record["data"]))).decode()
            out.append({**record, "data": data, "result": result})
        return reply(out)

    return answer


def run(port: ScriptedLambda, batch: list[SourceRecord], retries: int = 3) -> list[RecordOutcome]:
    ids = (f"invocation-{n}" for n in itertools.count())
    clock = itertools.count(1679514998311, 100)
    return run_lambda_processor(
        batch,
        lambda_port=port,
        function_arn=FUNCTION,
        number_of_retries=retries,
        new_invocation_id=lambda: next(ids),
        now_ms=lambda: next(clock),
        delivery_stream_arn=STREAM_ARN,
        region="us-east-1",
        source_kinesis_stream_arn=KINESIS_ARN,
    )


def failures(outcomes: list[RecordOutcome]) -> list[tuple[str, int]]:
    return [(o.error_code, o.attempts_made) for o in outcomes if isinstance(o, Failed)]


def test_ok_delivers_the_returned_data_with_partition_keys() -> None:
    def answer(event: dict[str, Any]) -> LambdaReply:
        (record,) = event["records"]
        keys = {"customer": "c1", "year": 2023}
        data = base64.b64encode(b"new").decode()
        return reply([{"recordId": record["recordId"], "result": "Ok", "data": data,
                       "metadata": {"partitionKeys": keys}}])  # fmt: skip

    (outcome,) = run(ScriptedLambda([answer]), records(1))
    assert outcome == Transformed(records(1)[0], b"new", {"customer": "c1", "year": "2023"})


def test_the_articles_handler_appends_a_newline_and_extra_keys_are_tolerated() -> None:
    batch = records()
    outcomes = run(ScriptedLambda([echo()]), batch)
    assert [o.data for o in outcomes if isinstance(o, Transformed)] == [
        r.data + b"\n" for r in batch
    ]


def test_dropped_leaves_no_trace() -> None:
    outcomes = run(ScriptedLambda([echo("Dropped")]), records(2))
    assert outcomes == [Dropped(r) for r in records(2)]


def test_processing_failed_keeps_the_original_bytes() -> None:
    outcomes = run(ScriptedLambda([echo("ProcessingFailed")]), records(2))
    assert failures(outcomes) == [("Lambda.ProcessingFailedStatus", 1)] * 2
    first = outcomes[0]
    assert isinstance(first, Failed)
    assert first.record.data == b'{"n":0}'
    assert first.error_message == "ProcessingFailed status set for record"
    assert first.ending_ms == 1679514998311


def test_a_missing_record_id_fails_that_record_only_without_retry() -> None:
    def answer(event: dict[str, Any]) -> LambdaReply:
        kept = event["records"][1:]
        return reply([{"recordId": r["recordId"], "result": "Ok", "data": r["data"]} for r in kept])

    port = ScriptedLambda([answer])
    outcomes = run(port, records())
    assert failures(outcomes) == [("Lambda.MissingRecordId", 1)]
    assert isinstance(outcomes[1], Transformed) and isinstance(outcomes[2], Transformed)
    assert len(port.events) == 1
    assert isinstance(outcomes[0], Failed)
    assert outcomes[0].error_message == (
        "One or more record Ids were not returned. Ensure that the Lambda function returns all "
        "received record Ids."
    )


def test_a_replaced_record_id_is_missing_and_unknown_ids_are_ignored() -> None:
    def answer(event: dict[str, Any]) -> LambdaReply:
        entries = [{"recordId": r["recordId"], "result": "Ok", "data": r["data"]}
                   for r in event["records"]]  # fmt: skip
        entries[0]["recordId"] = "not-a-record-we-sent"
        return reply(entries)

    outcomes = run(ScriptedLambda([answer]), records())
    assert failures(outcomes) == [("Lambda.MissingRecordId", 1)]


def test_a_duplicated_record_id_fails_that_record() -> None:
    def answer(event: dict[str, Any]) -> LambdaReply:
        entries = [{"recordId": r["recordId"], "result": "Ok", "data": r["data"]}
                   for r in event["records"]]  # fmt: skip
        return reply([*entries, entries[2]])

    outcomes = run(ScriptedLambda([answer]), records())
    assert failures(outcomes) == [("Lambda.DuplicatedRecordId", 1)]
    assert isinstance(outcomes[2], Failed) and outcomes[2].record == records()[2]


@pytest.mark.parametrize(
    "payload",
    [b"not json", b"[]", b'{"records": {"a": 1}}', b'{"records": ["x"]}',
     b'{"records": [{"recordId": "x", "result": "OK"}]}'],
)  # fmt: skip
def test_an_unparseable_answer_fails_the_batch_without_retry(payload: bytes) -> None:
    port = ScriptedLambda([LambdaReply(payload)])
    outcomes = run(port, records(2))
    assert failures(outcomes) == [("Lambda.JsonProcessingException", 1)] * 2
    assert len(port.events) == 1


def test_an_answer_without_records_leaves_every_id_missing() -> None:
    outcomes = run(ScriptedLambda([LambdaReply(b"{}")]), records(2))
    assert failures(outcomes) == [("Lambda.MissingRecordId", 1)] * 2


def test_function_errors_are_retried_then_fail_every_record() -> None:
    port = ScriptedLambda([LambdaReply(b'{"errorMessage":"boom"}', function_error="Unhandled")])
    outcomes = run(port, records(2), retries=3)
    assert failures(outcomes) == [("Lambda.FunctionError", 4)] * 2
    assert len(port.events) == 4
    assert len({event["invocationId"] for event in port.events}) == 4  # fresh per attempt
    assert {tuple(r["recordId"] for r in e["records"]) for e in port.events} == {
        tuple(r.record_id for r in records(2))
    }  # stable record ids
    assert isinstance(outcomes[0], Failed)
    assert outcomes[0].error_message == MESSAGES["Lambda.FunctionError"]


def test_a_retry_that_succeeds_delivers() -> None:
    port = ScriptedLambda([LambdaReply(b"", function_error="Unhandled"), echo()])
    outcomes = run(port, records(2))
    assert all(isinstance(o, Transformed) for o in outcomes) and len(port.events) == 2


def test_number_of_retries_zero_means_one_attempt() -> None:
    port = ScriptedLambda([LambdaReply(b"", function_error="Unhandled")])
    assert failures(run(port, records(1), retries=0)) == [("Lambda.FunctionError", 1)]


def test_timeouts_are_retried_then_reported_as_timeouts() -> None:
    port = ScriptedLambda([LambdaReply(b"", function_error="Unhandled", timed_out=True)])
    outcomes = run(port, records(1), retries=1)
    assert failures(outcomes) == [("Lambda.FunctionTimedOut", 2)]
    assert isinstance(outcomes[0], Failed)
    assert outcomes[0].error_message == (
        "The Lambda function invocation timed out. Increase the Timeout setting in the Lambda "
        "function."
    )


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (LambdaInvokeError("Lambda.ResourceNotFound"),
         "The specified Lambda function does not exist. Use a different function that does exist."),
        (LambdaInvokeError("Lambda.InvokeLimitExceeded", "Rate exceeded"), "Rate exceeded"),
    ],
)  # fmt: skip
def test_invoke_errors_are_retried_then_reported_with_their_code(
    error: LambdaInvokeError, message: str
) -> None:
    port = ScriptedLambda([error])
    outcomes = run(port, records(1), retries=2)
    assert failures(outcomes) == [(error.code, 3)]
    assert isinstance(outcomes[0], Failed) and outcomes[0].error_message == message


def test_ok_with_null_data_fails_the_record() -> None:
    def answer(event: dict[str, Any]) -> LambdaReply:
        return reply([{"recordId": r["recordId"], "result": "Ok", "data": None}
                      for r in event["records"]])  # fmt: skip

    outcomes = run(ScriptedLambda([answer]), records(1))
    assert failures(outcomes) == [("Lambda.InvalidReturnFormat", 1)]
    assert isinstance(outcomes[0], Failed)
    assert outcomes[0].error_message.startswith("The data field cannot be null when the SourceType")


def test_bad_base64_is_a_function_error_and_retried() -> None:
    port = ScriptedLambda([echo(transform=lambda d: d), echo()])
    port.answers[0] = lambda event: reply(
        [
            {"recordId": r["recordId"], "result": "Ok", "data": "!!not base64"}
            for r in event["records"]
        ]
    )
    outcomes = run(port, records(2))
    assert all(isinstance(o, Transformed) for o in outcomes) and len(port.events) == 2
    always_bad = ScriptedLambda([port.answers[0]])
    assert failures(run(always_bad, records(1), retries=1)) == [("Lambda.FunctionError", 2)]


@pytest.mark.parametrize(("data", "decoded"), [("bmV3", b"new"), ("bmV3Cg", b"new\n"), ("", b"")])
def test_base64_padding_is_optional(data: str, decoded: bytes) -> None:
    def answer(event: dict[str, Any]) -> LambdaReply:
        return reply([{"recordId": r["recordId"], "result": "Ok", "data": data}
                      for r in event["records"]])  # fmt: skip

    (outcome,) = run(ScriptedLambda([answer]), records(1))
    assert isinstance(outcome, Transformed) and outcome.data == decoded


def test_no_records_no_invocation() -> None:
    port = ScriptedLambda([echo()])
    assert run(port, []) == [] and port.events == []


def test_an_oversized_answer_is_a_function_error() -> None:
    port = ScriptedLambda([LambdaReply(b" " * (6 * 1024 * 1024 + 1))])
    assert failures(run(port, records(1), retries=0)) == [("Lambda.FunctionError", 1)]


def test_kinesis_event_shape() -> None:
    (record,) = records(1)
    event = build_event(
        [record],
        invocation_id="c3a0",
        delivery_stream_arn=STREAM_ARN,
        region="us-east-1",
        source_kinesis_stream_arn=KINESIS_ARN,
    )
    assert event == orjson.dumps(
        {
            "invocationId": "c3a0",
            "sourceKinesisStreamArn": KINESIS_ARN,
            "deliveryStreamArn": STREAM_ARN,
            "region": "us-east-1",
            "records": [
                {
                    "recordId": record.record_id,
                    "approximateArrivalTimestamp": 1679514917250,
                    "data": "eyJuIjowfQ==",
                    "kinesisRecordMetadata": {
                        "sequenceNumber": record.sequence_number,
                        "subsequenceNumber": 0,
                        "partitionKey": "0AB18464EFEE6043E48DD4475DABA453",
                        "shardId": "shardId-000000000000",
                        "approximateArrivalTimestamp": 1679514917250,
                    },
                }
            ],
        }
    )
    assert record.record_id.endswith("000000") and len(record.record_id) == 62


def test_direct_put_event_shape() -> None:
    record_id = direct_put_record_id(1679514916000, 41)
    assert len(record_id) == 56 and record_id.endswith("41")
    record = SourceRecord(record_id=record_id, data=b"", arrival_ms=5)
    event = orjson.loads(
        build_event(
            [record],
            invocation_id="i",
            delivery_stream_arn=STREAM_ARN,
            region="eu-west-1",
            source_kinesis_stream_arn=None,
        )
    )
    assert event == {
        "invocationId": "i",
        "deliveryStreamArn": STREAM_ARN,
        "region": "eu-west-1",
        "records": [{"recordId": record_id, "approximateArrivalTimestamp": 5, "data": ""}],
    }


def test_batches_stay_under_the_request_limit() -> None:
    big = [SourceRecord(str(i), b"x" * 1_000_000, i) for i in range(14)]  # ~1.33 MB each as base64
    batches = split_batches(big)
    assert [len(b) for b in batches] == [4, 4, 4, 2]
    assert [r for b in batches for r in b] == big
    port = ScriptedLambda([echo(transform=lambda d: d[:1])])
    outcomes = run(port, big)
    assert [o.record for o in outcomes] == big
    sizes = [len(orjson.dumps(event)) for event in port.events]
    assert len(sizes) == 4 and max(sizes) <= MAX_REQUEST_BYTES
