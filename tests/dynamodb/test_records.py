"""The KDS-for-DynamoDB record, byte for byte against real payloads, and its partition key.

Each payload below was captured from AWS (sources in the reference file, section 1): the record
lakehose renders from the same keys, images, event id and timestamp must be the same bytes,
which checks the field order, compact JSON, raw non-ASCII text, no trailing newline, the
``SizeBytes`` formula and where the precision field goes.
"""

from __future__ import annotations

import base64
import re
from typing import Any

import orjson
import pytest

from lakehose.services.dynamodb import records
from lakehose.services.dynamodb.keys import KeyAttribute, KeySchema, canonical_key

HEARTRATE = (
    '{"awsRegion":"us-east-1","eventID":"6f1a2c2e-2f0b-4f7e-9d55-0d5a1c0b7e11","eventName":"INSERT",'
    '"userIdentity":null,"recordFormat":"application/json","tableName":"heartrate-ddb","dynamodb":'
    '{"ApproximateCreationDateTime":1679514917123,"Keys":{"id":{"S":"1679514916"}},"NewImage":'
    '{"HeartRate":{"S":"123"},"ReportTime":{"S":"03/22/2315:55:16"},"SensorID":{"S":"5"},"id":'
    '{"S":"1679514916"}},"SizeBytes":71},"eventSource":"aws:dynamodb"}'
)
CITIES_MODIFY = (
    '{"awsRegion":"ap-northeast-1","eventID":"1e84f1ca-438d-4837-a6bd-aa4592be6f8a","eventName":'
    '"MODIFY","userIdentity":null,"recordFormat":"application/json","tableName":"cities",'
    '"dynamodb":{"ApproximateCreationDateTime":1651495525900,"Keys":{"key":{"S":"t0926"}},'
    '"NewImage":{"population":{"N":"54148"},"key":{"S":"t0926"},"name":{"S":"下野"},"date_mod":'
    '{"S":"1950-9-7"}},"OldImage":{"population":{"N":"56148"},"key":{"S":"t0926"},"name":'
    '{"S":"下野"},"date_mod":{"S":"1950-9-7"}},"SizeBytes":104},"eventSource":"aws:dynamodb"}'
)
# A Kinesis record's Data exactly as a Lambda received it
# (kyopark2014/data-analytics-for-businfo, examples.md).
BUSINFO_RAW = base64.b64decode(
    "eyJhd3NSZWdpb24iOiJhcC1ub3J0aGVhc3QtMiIsImV2ZW50SUQiOiJlZmMwZWVkOC1iMWNlLTRiODktOTI1Mi1hYmQz"
    "NmVkNmExYTYiLCJldmVudE5hbWUiOiJJTlNFUlQiLCJ1c2VySWRlbnRpdHkiOm51bGwsInJlY29yZEZvcm1hdCI6ImFw"
    "cGxpY2F0aW9uL2pzb24iLCJ0YWJsZU5hbWUiOiJkeW5hbW9kYi1idXNpbmZvIiwiZHluYW1vZGIiOnsiQXBwcm94aW1h"
    "dGVDcmVhdGlvbkRhdGVUaW1lIjoxNjQ5OTMxMjQ4NzQwLCJLZXlzIjp7IlRpbWVzdGFtcCI6eyJTIjoiMTY0OTkzMTI0"
    "OCJ9LCJSb3V0ZUlkIjp7IlMiOiIyMjcwMDAwMTkifX0sIk5ld0ltYWdlIjp7IlJlbWFpblNlYXRDbnQiOnsiUyI6IjM3"
    "In0sIlRpbWVzdGFtcCI6eyJTIjoiMTY0OTkzMTI0OCJ9LCJQbGF0ZU5vIjp7IlMiOiLqsr3quLA3NeyekDg1MDUifSwi"
    "Um91dGVJZCI6eyJTIjoiMjI3MDAwMDE5In0sIlByZWRpY3RUaW1lIjp7IlMiOiI3In19LCJTaXplQnl0ZXMiOjExOX0s"
    "ImV2ZW50U291cmNlIjoiYXdzOmR5bmFtb2RiIn0="
)
BUSINFO_120 = (
    '{"awsRegion":"ap-northeast-2","eventID":"aa4894e7-1414-4d74-91bf-50180f6b4838","eventName":'
    '"INSERT","userIdentity":null,"recordFormat":"application/json","tableName":"businfo",'
    '"dynamodb":{"ApproximateCreationDateTime":1650341691690,"Keys":{"Timestamp":{"S":"1650341691"},'
    '"RouteId":{"S":"222000074"}},"NewImage":{"RemainSeatCnt":{"S":"45"},"Timestamp":'
    '{"S":"1650341691"},"PlateNo":{"S":"경기74아3244"},"RouteId":{"S":"222000074"},"PredictTime":'
    '{"S":"11"}},"SizeBytes":120},"eventSource":"aws:dynamodb"}'
)
FLIGHT_MICROSECONDS = (
    '{"awsRegion":"us-east-2","eventID":"f89436e0-627d-4d37-9879-42f86249aa83","eventName":'
    '"INSERT","userIdentity":null,"recordFormat":"application/json","tableName":"flight",'
    '"dynamodb":{"ApproximateCreationDateTime":1721011165891550,"Keys":{"flight_date":'
    '{"S":"2024-01-23 04:01:53"},"flight_number":{"S":" \\"BA28\\""}},"NewImage":{"arr":'
    '{"S":" \\"TZX\\""},"flight_number":{"S":" \\"BA28\\""},"status":{"S":" \\"CANCELLED\\" "},'
    '"dep":{"S":" \\"PEE\\""},"flight_date":{"S":"2024-01-23 04:01:53"}},"SizeBytes":137,'
    '"ApproximateCreationDateTimePrecision":"MICROSECOND"},"eventSource":"aws:dynamodb"}'
)


def _rerender(payload: bytes) -> bytes:
    """The record lakehose renders from the parts of a real one."""
    record: dict[str, Any] = orjson.loads(payload)
    body = record["dynamodb"]
    return records.render(
        region=record["awsRegion"],
        event_id=record["eventID"],
        table_name=record["tableName"],
        keys=body["Keys"],
        old=body.get("OldImage"),
        new=body.get("NewImage"),
        created=body["ApproximateCreationDateTime"],
        precision=body.get("ApproximateCreationDateTimePrecision"),
        identity=record["userIdentity"],
    )


@pytest.mark.parametrize(
    ("payload", "size"),
    [
        (HEARTRATE.encode(), 71),
        (CITIES_MODIFY.encode(), 104),
        (BUSINFO_RAW, 119),
        (BUSINFO_120.encode(), 120),
        (FLIGHT_MICROSECONDS.encode(), 137),
    ],
    ids=["heartrate-insert", "cities-modify", "businfo-raw-bytes", "businfo-120", "flight-us"],
)
def test_record_matches_real_payload(payload: bytes, size: int) -> None:
    assert orjson.loads(payload)["dynamodb"]["SizeBytes"] == size
    assert _rerender(payload) == payload


def test_remove_record_and_ttl_identity() -> None:
    data = records.render(
        region="eu-west-1",
        event_id="00000000-0000-4000-8000-000000000000",
        table_name="t",
        keys={"id": {"S": "a"}},
        old={"id": {"S": "a"}, "blob": {"B": b"\x00\x01"}},
        new=None,
        created=records.creation_time(1_700_000_000.5, None),
        precision=None,
        identity=records.TTL_IDENTITY,
    )
    assert data == (
        b'{"awsRegion":"eu-west-1","eventID":"00000000-0000-4000-8000-000000000000",'
        b'"eventName":"REMOVE","userIdentity":{"type":"Service","principalId":'
        b'"dynamodb.amazonaws.com"},"recordFormat":"application/json","tableName":"t",'
        b'"dynamodb":{"ApproximateCreationDateTime":1700000000500,"Keys":{"id":{"S":"a"}},'
        b'"OldImage":{"id":{"S":"a"},"blob":{"B":"AAE="}},"SizeBytes":12},'
        b'"eventSource":"aws:dynamodb"}'
    )


def test_creation_time_units() -> None:
    assert records.creation_time(1_721_011_165.89155, "MICROSECOND") == 1_721_011_165_891_550
    assert records.creation_time(1_721_011_165.89155, "MILLISECOND") == 1_721_011_165_891
    assert records.creation_time(1_721_011_165.89155, None) == 1_721_011_165_891


def test_partition_key_is_stable_per_item() -> None:
    schema = KeySchema(KeyAttribute("id", "S"), KeyAttribute("n", "N"))
    first = records.partition_key(canonical_key(schema, {"id": {"S": "a"}, "n": {"N": "1"}}))
    same = records.partition_key(canonical_key(schema, {"n": {"N": "1.0"}, "id": {"S": "a"}}))
    other = records.partition_key(canonical_key(schema, {"id": {"S": "a"}, "n": {"N": "2"}}))
    assert re.fullmatch(r"[0-9A-F]{32}", first)
    assert first == same
    assert first != other
