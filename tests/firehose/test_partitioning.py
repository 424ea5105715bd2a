"""Dynamic partitioning: one buffer and one object per partition, keys from jq or the Lambda."""

from __future__ import annotations

import re
from typing import Any

from tests.conftest import AwsTarget
from tests.firehose.conftest import (
    STAMP,
    UUID,
    FunctionFactory,
    destination,
    error_lines,
    flush,
    objects,
    raw,
)

KEYS_FROM_LAMBDA = """
import base64, json

def handler(event, context):
    out = []
    for record in event["records"]:
        kind = json.loads(base64.b64decode(record["data"]))["kind"]
        out.append({"recordId": record["recordId"], "result": "Ok", "data": record["data"],
                    "metadata": {"partitionKeys": {"kind": kind}}})
    return {"records": out}
"""


def _processor(kind: str, **parameters: str) -> dict[str, Any]:
    return {
        "Type": kind,
        "Parameters": [{"ParameterName": k, "ParameterValue": v} for k, v in parameters.items()],
    }


def test_records_are_partitioned_by_a_jq_query(
    aws: AwsTarget, firehose: Any, s3: Any, name: str, bucket: str
) -> None:
    firehose.create_delivery_stream(
        DeliveryStreamName=name,
        ExtendedS3DestinationConfiguration=destination(
            bucket,
            Prefix="customer=!{partitionKeyFromQuery:customer}/!{timestamp:yyyy}/",
            ErrorOutputPrefix="errors/!{firehose:error-output-type}/",
            BufferingHints={"SizeInMBs": 64, "IntervalInSeconds": 60},
            DynamicPartitioningConfiguration={"Enabled": True},
            ProcessingConfiguration={
                "Enabled": True,
                "Processors": [
                    _processor(
                        "MetadataExtraction",
                        MetadataExtractionQuery="{customer: .customer}",
                        JsonParsingEngine="JQ-1.6",
                    ),
                    _processor("AppendDelimiterToRecord"),
                ],
            },
        ),
    )
    records = [b'{"customer":"a","n":1}', b'{"customer":"b","n":2}', b'{"customer":"a","n":3}']
    firehose.put_record_batch(
        DeliveryStreamName=name, Records=[{"Data": r} for r in [*records, b"not json"]]
    )
    flush(aws)
    found = objects(s3, bucket)
    data = {key.split("/")[0]: body for key, body in found.items() if key.startswith("customer=")}
    assert data == {"customer=a": records[0] + b"\n" + records[2], "customer=b": records[1]}
    for key in found:
        if key.startswith("customer="):
            assert re.fullmatch(rf"customer=[ab]/\d{{4}}/{re.escape(name)}-1-{STAMP}-{UUID}", key)
    (line,) = error_lines(s3, bucket, "errors/metadata-extraction-failed/")
    assert raw(line) == b"not json"
    assert line["errorCode"] == "DynamicPartitioning.MetadataExtractionFailed"


def test_partition_keys_from_the_lambda(
    aws: AwsTarget,
    firehose: Any,
    s3: Any,
    make_function: FunctionFactory,
    name: str,
    bucket: str,
) -> None:
    function_arn = make_function(KEYS_FROM_LAMBDA)
    firehose.create_delivery_stream(
        DeliveryStreamName=name,
        ExtendedS3DestinationConfiguration=destination(
            bucket,
            Prefix="kind=!{partitionKeyFromLambda:kind}/",
            ErrorOutputPrefix="errors/!{firehose:error-output-type}/",
            BufferingHints={"SizeInMBs": 64, "IntervalInSeconds": 60},
            DynamicPartitioningConfiguration={"Enabled": True},
            ProcessingConfiguration={
                "Enabled": True,
                "Processors": [_processor("Lambda", LambdaArn=function_arn)],
            },
        ),
    )
    records = [b'{"kind":"x"}', b'{"kind":"y"}', b'{"kind":"x"}']
    firehose.put_record_batch(DeliveryStreamName=name, Records=[{"Data": r} for r in records])
    flush(aws)
    data = {key.split("/")[0]: body for key, body in objects(s3, bucket).items()}
    assert data == {"kind=x": records[0] + records[2], "kind=y": records[1]}
