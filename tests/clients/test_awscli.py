"""The AWS CLI (awscli v1 from the lock) doing real work in each service against ``lakehose up``.

S3's transfer commands (cp, ls, sync) have their own suite in ``tests/s3/test_awscli.py``; here
each service is driven through its API commands, the way scripts and READMEs use them.
"""

from __future__ import annotations

import base64
import gzip
import io
import json
import time
import zipfile
from pathlib import Path

import pytest

from tests.clients.awscli import aws_json
from tests.conftest import ServerProcess

# Each CLI run starts a Python process with awscli (about a second apiece).
pytestmark = [pytest.mark.server, pytest.mark.slow]
ROLE = "arn:aws:iam::000000000000:role/cli-role"
HANDLER = "def handler(event, context):\n    return {'beats': event['beats'] * 2}\n"


def test_dynamodb(server: ServerProcess, tmp_path: Path, name: str) -> None:
    def cli(*arguments: str) -> object:
        return aws_json(server, tmp_path, "dynamodb", *arguments)

    cli(
        "create-table",
        "--table-name", name,
        "--key-schema", "AttributeName=id,KeyType=HASH",
        "--attribute-definitions", "AttributeName=id,AttributeType=S",
        "--billing-mode", "PAY_PER_REQUEST",
    )  # fmt: skip
    item = {"id": {"S": "r1"}, "bpm": {"N": "131"}}
    cli("put-item", "--table-name", name, "--item", json.dumps(item))
    got = cli("get-item", "--table-name", name, "--key", '{"id": {"S": "r1"}}')
    assert got == {"Item": item}
    cli("delete-table", "--table-name", name)


def test_kinesis(server: ServerProcess, tmp_path: Path, name: str) -> None:
    def cli(*arguments: str) -> dict[str, object]:
        result = aws_json(server, tmp_path, "kinesis", *arguments)
        return result if isinstance(result, dict) else {}

    cli("create-stream", "--stream-name", name, "--shard-count", "1")
    put = cli("put-record", "--stream-name", name, "--partition-key", "p", "--data", "aGk=")
    iterator = cli(
        "get-shard-iterator",
        "--stream-name", name,
        "--shard-id", str(put["ShardId"]),
        "--shard-iterator-type", "TRIM_HORIZON",
    )["ShardIterator"]  # fmt: skip
    records = cli("get-records", "--shard-iterator", str(iterator))["Records"]
    assert isinstance(records, list)
    # awscli v1 sends a blob argument as given; the service stores and returns those bytes.
    assert [base64.b64decode(r["Data"]) for r in records] == [b"aGk="]
    assert records[0]["SequenceNumber"] == put["SequenceNumber"]
    cli("delete-stream", "--stream-name", name)


def test_firehose_and_s3(server: ServerProcess, tmp_path: Path, name: str) -> None:
    aws_json(server, tmp_path, "s3api", "create-bucket", "--bucket", name)
    destination = {
        "RoleARN": ROLE,
        "BucketARN": f"arn:aws:s3:::{name}",
        "Prefix": "cli/",
        "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 60},
    }
    aws_json(
        server, tmp_path, "firehose", "create-delivery-stream",
        "--delivery-stream-name", name,
        "--extended-s3-destination-configuration", json.dumps(destination),
    )  # fmt: skip
    # awscli v1 sends a blob given inside a JSON argument as its text, unencoded.
    for beat in ("72\n", "73\n"):
        record = json.dumps({"Data": beat})
        aws_json(
            server, tmp_path, "firehose", "put-record",
            "--delivery-stream-name", name, "--record", record,
        )  # fmt: skip
    described = aws_json(
        server, tmp_path, "firehose", "describe-delivery-stream", "--delivery-stream-name", name
    )
    assert described["DeliveryStreamDescription"]["DeliveryStreamStatus"] == "ACTIVE"
    server.flush()
    listed = aws_json(server, tmp_path, "s3api", "list-objects-v2", "--bucket", name)
    (key,) = [item["Key"] for item in listed["Contents"]]
    assert key.startswith("cli/")
    target = tmp_path / "delivered"
    aws_json(server, tmp_path, "s3api", "get-object", "--bucket", name, "--key", key, str(target))
    assert target.read_bytes() == b"72\n73\n"
    aws_json(server, tmp_path, "s3api", "delete-object", "--bucket", name, "--key", key)


def test_lambda(server: ServerProcess, tmp_path: Path, name: str) -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as package:
        package.writestr("app.py", HANDLER)
    (tmp_path / "code.zip").write_bytes(archive.getvalue())
    created = aws_json(
        server, tmp_path, "lambda", "create-function",
        "--function-name", name,
        "--runtime", "python3.12",
        "--role", ROLE,
        "--handler", "app.handler",
        "--zip-file", f"fileb://{tmp_path / 'code.zip'}",
    )  # fmt: skip
    assert created["FunctionName"] == name
    deadline = time.monotonic() + 60
    while (
        aws_json(server, tmp_path, "lambda", "get-function", "--function-name", name)[
            "Configuration"
        ]["State"]
        != "Active"
    ):
        assert time.monotonic() < deadline, "the function never became Active"
        time.sleep(0.2)
    output = tmp_path / "out.json"
    invoked = aws_json(
        server, tmp_path, "lambda", "invoke",
        "--function-name", name,
        "--payload", '{"beats": 21}',
        str(output),
    )  # fmt: skip
    assert invoked["StatusCode"] == 200
    assert json.loads(output.read_text()) == {"beats": 42}
    aws_json(server, tmp_path, "lambda", "delete-function", "--function-name", name)


def test_glue_and_athena(server: ServerProcess, tmp_path: Path, name: str) -> None:
    database = name.replace("-", "_")
    aws_json(server, tmp_path, "s3api", "create-bucket", "--bucket", name)
    lines = b"".join(json.dumps({"id": i, "bpm": 60 + 30 * i}).encode() + b"\n" for i in range(3))
    (tmp_path / "part.gz").write_bytes(gzip.compress(lines))
    aws_json(
        server, tmp_path, "s3api", "put-object",
        "--bucket", name, "--key", "data/part.gz", "--body", str(tmp_path / "part.gz"),
    )  # fmt: skip
    aws_json(server, tmp_path, "glue", "create-database", "--database-input", f"Name={database}")
    table = {
        "Name": "readings",
        "TableType": "EXTERNAL_TABLE",
        "StorageDescriptor": {
            "Location": f"s3://{name}/data/",
            "InputFormat": "org.apache.hadoop.mapred.TextInputFormat",
            "OutputFormat": "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
            "SerdeInfo": {"SerializationLibrary": "org.openx.data.jsonserde.JsonSerDe"},
            "Columns": [{"Name": "id", "Type": "int"}, {"Name": "bpm", "Type": "int"}],
        },
    }
    aws_json(
        server, tmp_path, "glue", "create-table",
        "--database-name", database, "--table-input", json.dumps(table),
    )  # fmt: skip
    got = aws_json(
        server, tmp_path, "glue", "get-table", "--database-name", database, "--name", "readings"
    )
    assert [c["Name"] for c in got["Table"]["StorageDescriptor"]["Columns"]] == ["id", "bpm"]
    started = aws_json(
        server, tmp_path, "athena", "start-query-execution",
        "--query-string", "SELECT id, bpm FROM readings WHERE bpm > 80 ORDER BY id",
        "--query-execution-context", f"Database={database}",
        "--result-configuration", f"OutputLocation=s3://{name}/results/",
    )  # fmt: skip
    execution = started["QueryExecutionId"]
    deadline = time.monotonic() + 60
    while True:
        state = aws_json(
            server, tmp_path, "athena", "get-query-execution", "--query-execution-id", execution
        )["QueryExecution"]["Status"]["State"]
        if state not in ("QUEUED", "RUNNING") or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert state == "SUCCEEDED"
    results = aws_json(
        server, tmp_path, "athena", "get-query-results", "--query-execution-id", execution
    )
    rows = [[d["VarCharValue"] for d in r["Data"]] for r in results["ResultSet"]["Rows"]]
    assert rows == [["id", "bpm"], ["1", "90"], ["2", "120"]]


def test_logs_of_a_function(server: ServerProcess, tmp_path: Path, name: str) -> None:
    """A function's output read back with the CLI's log commands (the calls ``logs tail`` makes;
    the CLI in the lock is v1, which has no ``tail`` command)."""
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr(
            "app.py", "def handler(event, context):\n    print('beat', event['beats'])\n"
        )
    zipped = tmp_path / "code.zip"
    zipped.write_bytes(package.getvalue())
    aws_json(
        server, tmp_path, "lambda", "create-function",
        "--function-name", name, "--runtime", "python3.12", "--role", ROLE,
        "--handler", "app.handler", "--zip-file", f"fileb://{zipped}",
    )  # fmt: skip
    aws_json(
        server, tmp_path, "lambda", "invoke",
        "--function-name", name, "--payload", '{"beats": 72}',
        str(tmp_path / "out.json"),
    )  # fmt: skip
    group = f"/aws/lambda/{name}"
    found = aws_json(
        server, tmp_path, "logs", "filter-log-events",
        "--log-group-name", group, "--filter-pattern", "beat",
    )  # fmt: skip
    assert [event["message"] for event in found["events"]] == ["beat 72\n"]
    stream = found["events"][0]["logStreamName"]
    read = aws_json(
        server, tmp_path, "logs", "get-log-events",
        "--log-group-name", group, "--log-stream-name", stream, "--start-from-head",
    )  # fmt: skip
    messages = [event["message"] for event in read["events"]]
    assert messages[0].startswith("START RequestId: ")
    assert messages[1] == "beat 72\n"
    assert messages[2].startswith("END RequestId: ")
    assert messages[-1].startswith("REPORT RequestId: ")
    aws_json(server, tmp_path, "lambda", "delete-function", "--function-name", name)
    aws_json(server, tmp_path, "logs", "delete-log-group", "--log-group-name", group)
