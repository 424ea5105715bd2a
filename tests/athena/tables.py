"""Test data: gzip NDJSON objects and the Glue tables over them, made through boto3."""

from __future__ import annotations

import contextlib
import gzip
from collections.abc import Iterable
from typing import Any

import orjson

JSON_SERDE = "org.openx.data.jsonserde.JsonSerDe"


def delete_bucket(s3: Any, bucket: str) -> None:
    """Empty ``bucket`` and delete it, ignoring what is already gone."""
    with contextlib.suppress(s3.exceptions.ClientError):
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
            if keys:
                s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
        s3.delete_bucket(Bucket=bucket)


def put_ndjson(s3: Any, bucket: str, key: str, records: Iterable[dict[str, Any]]) -> None:
    """One gzip object of newline-terminated JSON records, as the article's Firehose writes."""
    body = b"".join(orjson.dumps(record) + b"\n" for record in records)
    s3.put_object(Bucket=bucket, Key=key, Body=gzip.compress(body))


def create_json_table(
    glue: Any, database: str, table: str, location: str, columns: list[dict[str, str]]
) -> None:
    """A Glue database (if missing) and an OpenX-JSON table, as CDK's glue-alpha defines it."""
    with contextlib.suppress(glue.exceptions.AlreadyExistsException):
        glue.create_database(DatabaseInput={"Name": database})
    glue.create_table(
        DatabaseName=database,
        TableInput={
            "Name": table,
            "TableType": "EXTERNAL_TABLE",
            "Parameters": {"classification": "json"},
            "PartitionKeys": [],
            "StorageDescriptor": {
                "Location": location,
                "InputFormat": "org.apache.hadoop.mapred.TextInputFormat",
                "OutputFormat": "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
                "SerdeInfo": {"SerializationLibrary": JSON_SERDE},
                "Compressed": False,
                "StoredAsSubDirectories": False,
                "Columns": columns,
            },
        },
    )


def drop_database(glue: Any, database: str) -> None:
    for page in glue.get_paginator("get_tables").paginate(DatabaseName=database):
        for table in page["TableList"]:
            glue.delete_table(DatabaseName=database, Name=table["Name"])
    glue.delete_database(Name=database)
