"""Error-output lines, byte for byte."""

from __future__ import annotations

import base64

import orjson

from lakehose.services.firehose.error_records import (
    CURRENT_DOCS_FORMAT_CONVERSION_KEYS,
    LEGACY_PROCESSING_FAILED_KEYS,
    CatalogTable,
    format_conversion_failed_line,
    partitioning_failed_line,
    processing_failed_line,
)
from lakehose.services.firehose.records import SourceRecord
from lakehose.services.firehose.transform import MESSAGES, Failed

LAMBDA_ARN = "arn:aws:lambda:us-east-1:111122223333:function:TransformFirehose"
# The first bytes of the article's change record: their base64 is the reference's rawData.
RECORD = SourceRecord("r", b'{"awsRegion":"us-east-1"', 1679514917250)
KINESIS = SourceRecord(
    "4963822900000000", b"\x00\xffbinary", 7, "shardId-000000000001", "pk", "49638229", 2
)


def test_processing_failed_matches_the_reference_example_byte_for_byte() -> None:
    failed = Failed(
        RECORD, "Lambda.FunctionError", MESSAGES["Lambda.FunctionError"], 4, 1679514998311
    )
    assert processing_failed_line(failed, lambda_arn=LAMBDA_ARN) == (
        b'{"rawData":"eyJhd3NSZWdpb24iOiJ1cy1lYXN0LTEi","errorCode":"Lambda.FunctionError",'
        b'"errorMessage":"The Lambda function was successfully invoked but it returned an error '
        b'result.","attemptsMade":4,"arrivalTimestamp":1679514917250,'
        b'"attemptEndingTimestamp":1679514998311,'
        b'"lambdaARN":"arn:aws:lambda:us-east-1:111122223333:function:TransformFirehose"}\n'
    )


def test_the_legacy_key_order() -> None:
    failed = Failed(RECORD, "Lambda.MissingRecordId", "m", 1, 9)
    line = processing_failed_line(failed, lambda_arn=LAMBDA_ARN, keys=LEGACY_PROCESSING_FAILED_KEYS)
    assert list(orjson.loads(line)) == [
        "attemptsMade", "arrivalTimestamp", "errorCode", "errorMessage",
        "attemptEndingTimestamp", "rawData",
    ]  # fmt: skip


def test_raw_data_is_the_original_binary_bytes() -> None:
    line = processing_failed_line(Failed(KINESIS, "c", "m", 1, 9), lambda_arn=LAMBDA_ARN)
    assert base64.b64decode(orjson.loads(line)["rawData"]) == b"\x00\xffbinary"
    assert line.endswith(b"}\n") and line.count(b"\n") == 1


def test_format_conversion_failed_line() -> None:
    table = CatalogTable("111122223333", "heartrate-glue-db", "heartrate-glue-table", "us-east-1")
    line = format_conversion_failed_line(
        KINESIS,
        error_code="DataFormatConversion.MalformedData",
        error_message='Data does not match the schema. For input string: "abc"',
        ending_ms=11,
        table=table,
    )
    assert orjson.loads(line) == {
        "attemptsMade": 1,
        "arrivalTimestamp": 7,
        "lastErrorCode": "DataFormatConversion.MalformedData",
        "lastErrorMessage": 'Data does not match the schema. For input string: "abc"',
        "attemptEndingTimestamp": 11,
        "rawData": "AP9iaW5hcnk=",
        "sequenceNumber": "49638229",
        "subSequenceNumber": 2,
        "dataCatalogTable": {
            "catalogId": "111122223333",
            "databaseName": "heartrate-glue-db",
            "tableName": "heartrate-glue-table",
            "region": "us-east-1",
            "versionId": "LATEST",
            "catalogArn": None,
        },
    }
    assert list(orjson.loads(line)) == [
        "attemptsMade", "arrivalTimestamp", "lastErrorCode", "lastErrorMessage",
        "attemptEndingTimestamp", "rawData", "sequenceNumber", "subSequenceNumber",
        "dataCatalogTable",
    ]  # fmt: skip


def test_format_conversion_for_direct_put_and_the_current_docs_names() -> None:
    table = CatalogTable(None, "d", "t", None)
    line = format_conversion_failed_line(
        RECORD, error_code="c", error_message="m", ending_ms=1, table=table,
        keys=CURRENT_DOCS_FORMAT_CONVERSION_KEYS,
    )  # fmt: skip
    fields = orjson.loads(line)
    assert "sequenceNumber" not in fields
    assert (fields["ErrorCode"], fields["ErrorMessage"]) == ("c", "m")


def test_partitioning_failed_line() -> None:
    line = partitioning_failed_line(
        RECORD,
        error_code="DynamicPartitioning.MetadataExtractionFailed",
        error_message="Non JSON record provided",
        ending_ms=1679514998311,
    )
    assert line == (
        b'{"rawData":"eyJhd3NSZWdpb24iOiJ1cy1lYXN0LTEi",'
        b'"errorCode":"DynamicPartitioning.MetadataExtractionFailed",'
        b'"errorMessage":"Non JSON record provided","attemptsMade":1,'
        b'"arrivalTimestamp":1679514917250,"attemptEndingTimestamp":1679514998311}\n'
    )
