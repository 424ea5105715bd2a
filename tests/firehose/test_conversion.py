"""Record format conversion: JSON to Parquet with a Glue table's schema, failures to errors."""

from __future__ import annotations

import io
import re
from typing import Any

import pyarrow.parquet as pq

from tests.conftest import AwsTarget
from tests.firehose.conftest import ROLE, STAMP, UUID, destination, error_lines, flush, objects, raw


def test_json_records_become_one_parquet_object(
    aws: AwsTarget, firehose: Any, s3: Any, glue: Any, name: str, bucket: str
) -> None:
    database = name.replace("-", "_")
    glue.create_database(DatabaseInput={"Name": database})
    glue.create_table(
        DatabaseName=database,
        TableInput={
            "Name": "readings",
            "StorageDescriptor": {
                "Columns": [{"Name": "id", "Type": "int"}, {"Name": "name", "Type": "string"}],
            },
        },
    )
    firehose.create_delivery_stream(
        DeliveryStreamName=name,
        ExtendedS3DestinationConfiguration=destination(
            bucket,
            Prefix="parquet/",
            ErrorOutputPrefix="errors/!{firehose:error-output-type}/",
            DataFormatConversionConfiguration={
                "SchemaConfiguration": {
                    "DatabaseName": database,
                    "TableName": "readings",
                    "RoleARN": ROLE,
                },
                "InputFormatConfiguration": {"Deserializer": {"OpenXJsonSerDe": {}}},
                "OutputFormatConfiguration": {"Serializer": {"ParquetSerDe": {}}},
            },
        ),
    )
    described = firehose.describe_delivery_stream(DeliveryStreamName=name)
    hints = described["DeliveryStreamDescription"]["Destinations"][0][
        "ExtendedS3DestinationDescription"
    ]["BufferingHints"]
    assert hints == {"SizeInMBs": 128, "IntervalInSeconds": 300}  # conversion's default size
    records = [
        b'{"id": 1, "name": "a"}',
        b'{"ID": "2", "name": "b"}{"id": 3}',
        b'{"id": "x"}',
        b"{",
    ]
    firehose.put_record_batch(DeliveryStreamName=name, Records=[{"Data": r} for r in records])
    flush(aws)
    ((key, body),) = objects(s3, bucket, "parquet/").items()
    assert re.fullmatch(
        rf"parquet/\d{{4}}/\d{{2}}/\d{{2}}/\d{{2}}/{re.escape(name)}-1-{STAMP}-{UUID}\.parquet", key
    )
    table = pq.read_table(io.BytesIO(body))
    assert table.to_pylist() == [
        {"id": 1, "name": "a"},
        {"id": 2, "name": "b"},
        {"id": 3, "name": None},
    ]
    lines = error_lines(s3, bucket, "errors/format-conversion-failed/")
    assert sorted(raw(line) for line in lines) == [b"{", b'{"id": "x"}']
    codes = {raw(line): line["lastErrorCode"] for line in lines}
    assert codes == {
        b"{": "DataFormatConversion.ParseError",
        b'{"id": "x"}': "DataFormatConversion.MalformedData",
    }
    assert lines[0]["dataCatalogTable"]["tableName"] == "readings"
