"""Real work through one boto3 generation in every service: DynamoDB, Kinesis, Firehose into
S3, Lambda, Glue, an Athena query, and STS.

Imported by the tests under the installed boto3, and run as a script in a child process whose
``PYTHONPATH`` puts another generation first (``.clients/boto3-oldest``), so both generations
run the very same calls. It imports only boto3 and the standard library for that reason.

``python workload.py ENDPOINT PREFIX`` prints one JSON line: botocore's version, the protocol
its Athena model speaks, and what each service answered.
"""

from __future__ import annotations

import gzip
import io
import json
import sys
import time
import urllib.request
import zipfile
from typing import Any

import boto3
import botocore
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

REGION = "us-east-1"
ROLE = "arn:aws:iam::000000000000:role/workload"
HANDLER = "def handler(event, context):\n    return {'doubled': event['n'] * 2}\n"


def clients(endpoint: str) -> dict[str, Any]:
    session = boto3.session.Session(
        aws_access_key_id="test", aws_secret_access_key="test", region_name=REGION
    )
    config = Config(retries={"total_max_attempts": 1}, s3={"addressing_style": "path"})
    names = ("dynamodb", "kinesis", "firehose", "s3", "lambda", "glue", "athena", "sts")
    return {n: session.client(n, endpoint_url=endpoint, config=config) for n in names}  # type: ignore[call-overload]


def run(endpoint: str, prefix: str) -> dict[str, Any]:
    aws = clients(endpoint)
    return {
        "botocore": botocore.__version__,
        "athena_protocol": aws["athena"].meta.service_model.protocol,
        "dynamodb": dynamodb(aws["dynamodb"], prefix),
        "kinesis": kinesis(aws["kinesis"], prefix),
        "firehose": firehose(aws, endpoint, prefix),
        "lambda": awslambda(aws["lambda"], prefix),
        "athena": athena(aws, prefix),
        "sts": aws["sts"].get_caller_identity()["Arn"],
    }


def dynamodb(client: Any, prefix: str) -> dict[str, Any]:
    table = f"{prefix}-readings"
    client.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    client.put_item(TableName=table, Item={"id": {"S": "a"}, "bpm": {"N": "120"}})
    item = client.get_item(TableName=table, Key={"id": {"S": "a"}})["Item"]
    client.delete_table(TableName=table)
    return {"item": item}


def kinesis(client: Any, prefix: str) -> dict[str, Any]:
    stream = f"{prefix}-stream"
    client.create_stream(StreamName=stream, ShardCount=1)
    client.get_waiter("stream_exists").wait(StreamName=stream, WaiterConfig={"Delay": 0.1})
    put = client.put_record(StreamName=stream, Data=b"\x00beat\xff", PartitionKey="p")
    iterator = client.get_shard_iterator(
        StreamName=stream, ShardId=put["ShardId"], ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    records = client.get_records(ShardIterator=iterator)["Records"]
    client.delete_stream(StreamName=stream)
    return {"data": [record["Data"].hex() for record in records]}


def firehose(aws: dict[str, Any], endpoint: str, prefix: str) -> dict[str, Any]:
    bucket = f"{prefix}-delivery"
    aws["s3"].create_bucket(Bucket=bucket)
    aws["firehose"].create_delivery_stream(
        DeliveryStreamName=prefix,
        ExtendedS3DestinationConfiguration={
            "RoleARN": ROLE,
            "BucketARN": f"arn:aws:s3:::{bucket}",
            "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 60},
        },
    )
    records = [{"Data": b"72\n"}, {"Data": b"73\n"}]
    aws["firehose"].put_record_batch(DeliveryStreamName=prefix, Records=records)
    flush(endpoint)
    keys = [o["Key"] for o in aws["s3"].list_objects_v2(Bucket=bucket)["Contents"]]
    bodies = [aws["s3"].get_object(Bucket=bucket, Key=key)["Body"].read() for key in keys]
    return {"bodies": [body.decode() for body in bodies]}


def flush(endpoint: str) -> None:
    """``POST /_lakehose/flush``, signed as lakehose's admin calls must be (any key)."""
    request = AWSRequest(method="POST", url=f"{endpoint}/_lakehose/flush", data=b"")
    SigV4Auth(Credentials("test", "test"), "lakehose", REGION).add_auth(request)
    prepared = request.prepare()
    call = urllib.request.Request(
        prepared.url, data=b"", headers=dict(prepared.headers.items()), method="POST"
    )
    with urllib.request.urlopen(call, timeout=60):
        pass


def awslambda(client: Any, prefix: str) -> dict[str, Any]:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as package:
        package.writestr("app.py", HANDLER)
    client.create_function(
        FunctionName=prefix,
        Runtime="python3.12",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": archive.getvalue()},
    )
    client.get_waiter("function_active_v2").wait(FunctionName=prefix, WaiterConfig={"Delay": 1})
    answer = client.invoke(FunctionName=prefix, Payload=json.dumps({"n": 21}).encode())
    result = json.loads(answer["Payload"].read())
    client.delete_function(FunctionName=prefix)
    return {"status": answer["StatusCode"], "result": result}


def athena(aws: dict[str, Any], prefix: str) -> dict[str, Any]:
    bucket, database = f"{prefix}-lake", prefix.replace("-", "_")
    aws["s3"].create_bucket(Bucket=bucket)
    lines = b"".join(json.dumps({"id": i, "bpm": 100 + i}).encode() + b"\n" for i in range(3))
    aws["s3"].put_object(Bucket=bucket, Key="data/part-0.gz", Body=gzip.compress(lines))
    aws["glue"].create_database(DatabaseInput={"Name": database})
    aws["glue"].create_table(
        DatabaseName=database,
        TableInput={
            "Name": "readings",
            "TableType": "EXTERNAL_TABLE",
            "StorageDescriptor": {
                "Location": f"s3://{bucket}/data/",
                "InputFormat": "org.apache.hadoop.mapred.TextInputFormat",
                "OutputFormat": "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
                "SerdeInfo": {"SerializationLibrary": "org.openx.data.jsonserde.JsonSerDe"},
                "Columns": [{"Name": "id", "Type": "int"}, {"Name": "bpm", "Type": "int"}],
            },
        },
    )
    client = aws["athena"]
    started = client.start_query_execution(
        QueryString="SELECT id, bpm FROM readings WHERE bpm > 100 ORDER BY id",
        QueryExecutionContext={"Database": database},
        ResultConfiguration={"OutputLocation": f"s3://{bucket}/results/"},
    )
    execution_id = started["QueryExecutionId"]
    state = wait(client, execution_id)
    rows = client.get_query_results(QueryExecutionId=execution_id)["ResultSet"]["Rows"]
    return {"state": state, "rows": [[d.get("VarCharValue") for d in r["Data"]] for r in rows]}


def wait(client: Any, execution_id: str) -> str:
    deadline = time.monotonic() + 60
    while True:
        status = client.get_query_execution(QueryExecutionId=execution_id)
        state: str = status["QueryExecution"]["Status"]["State"]
        if state not in ("QUEUED", "RUNNING") or time.monotonic() > deadline:
            return state
        time.sleep(0.05)


if __name__ == "__main__":
    print(json.dumps(run(sys.argv[1], sys.argv[2])))
