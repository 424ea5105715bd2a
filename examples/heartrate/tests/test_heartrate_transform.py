"""The Firehose transformation Lambda against the Firehose contract."""

from __future__ import annotations

import base64
import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

HANDLER = Path(__file__).resolve().parents[1] / "lambda" / "transform.py"


def _load() -> ModuleType:
    # By path: the Lambda directory is not a package, and ``transform`` is a common name.
    spec = importlib.util.spec_from_file_location("heartrate_transform", HANDLER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


transform = _load()

CHANGE = (
    b'{"awsRegion":"us-east-1","eventID":"6f1a2c2e-2f0b-4f7e-9d55-0d5a1c0b7e11","eventName":'
    b'"INSERT","userIdentity":null,"recordFormat":"application/json","tableName":"heartrate-ddb",'
    b'"dynamodb":{"ApproximateCreationDateTime":1679514917123,"Keys":{"id":{"S":"1679514916"}},'
    b'"NewImage":{"HeartRate":{"S":"123"},"id":{"S":"1679514916"}},"SizeBytes":71},'
    b'"eventSource":"aws:dynamodb"}'
)


ARN = "arn:aws"
REGION_ACCOUNT = "us-east-1:111122223333"


def _event(*payloads: bytes) -> dict[str, Any]:
    """A Firehose transformation event for a Kinesis source (reference section 0, step 2)."""
    return {
        "invocationId": "c3a0e1b2-0000-4000-8000-000000000000",
        "sourceKinesisStreamArn": f"{ARN}:kinesis:{REGION_ACCOUNT}:stream/heartrate-kinesis",
        "deliveryStreamArn": f"{ARN}:firehose:{REGION_ACCOUNT}:deliverystream/heartrate-firehose",
        "region": "us-east-1",
        "records": [
            {
                "recordId": f"4963800000000000000000000000000000000000000000000000{n:04d}000000",
                "approximateArrivalTimestamp": 1679514917250,
                "data": base64.b64encode(payload).decode(),
                "kinesisRecordMetadata": {
                    "sequenceNumber": f"49638{n:04d}",
                    "subsequenceNumber": 0,
                    "partitionKey": "0AB18464EFEE6043E48DD4475DABA453",
                    "shardId": "shardId-000000000000",
                    "approximateArrivalTimestamp": 1679514917250,
                },
            }
            for n, payload in enumerate(payloads)
        ],
    }


def _data(record: dict[str, Any]) -> bytes:
    return base64.b64decode(record["data"], validate=True)


def test_every_record_comes_back_ok_with_a_newline_and_its_record_id() -> None:
    event = _event(CHANGE, b'{"a":1}', b"not json at all")
    answer = transform.handler(event, None)
    records = answer["records"]
    assert [r["recordId"] for r in records] == [r["recordId"] for r in event["records"]]
    assert [r["result"] for r in records] == ["Ok"] * 3
    assert [_data(r) for r in records] == [CHANGE + b"\n", b'{"a":1}\n', b"not json at all\n"]


def test_the_answer_holds_only_the_contract_keys() -> None:
    (record,) = transform.handler(_event(CHANGE), None)["records"]
    assert set(record) == {"recordId", "result", "data"}


def test_a_record_already_ending_a_line_gets_no_second_newline() -> None:
    (record,) = transform.handler(_event(b'{"a":1}\n'), None)["records"]
    assert _data(record) == b'{"a":1}\n'


def test_an_empty_record_becomes_a_newline() -> None:
    (record,) = transform.handler(_event(b""), None)["records"]
    assert _data(record) == b"\n"


def test_an_event_without_records_answers_no_records() -> None:
    assert transform.handler(_event(), None) == {"records": []}


def test_non_utf8_bytes_pass_through() -> None:
    payload = '{"name":"下野"}'.encode() + b"\xff\xfe"
    (record,) = transform.handler(_event(payload), None)["records"]
    assert _data(record) == payload + b"\n"


# No deadline: a loaded CI machine is no reason for a property to fail.
@settings(deadline=None)
@given(st.lists(st.binary(max_size=200), max_size=20))
def test_each_record_ends_with_exactly_one_added_newline(payloads: list[bytes]) -> None:
    records = transform.handler(_event(*payloads), None)["records"]
    assert len(records) == len(payloads)
    for payload, record in zip(payloads, records, strict=True):
        expected = payload if payload.endswith(b"\n") else payload + b"\n"
        assert _data(record) == expected


def test_a_record_without_data_fails_loudly() -> None:
    event = _event(CHANGE)
    del event["records"][0]["data"]
    # Firehose turns a function error into Lambda.FunctionError and retries: better than
    # answering Ok with made-up data.
    with pytest.raises(KeyError):
        transform.handler(event, None)
