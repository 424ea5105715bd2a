"""kill -9 of a real ``lakehose up`` while a client writes: nothing acknowledged is lost, and
every committed change is in the stream exactly once."""

from __future__ import annotations

import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import orjson
import pytest
from botocore.config import Config

from tests.conftest import ServerProcess
from tests.dynamodb.conftest import key_schema, stream_records

ROUNDS = 3
WANTED_ACKS = 40
CONFIG = Config(retries={"total_max_attempts": 1}, connect_timeout=2, read_timeout=5)

# Writes items until the server goes away, printing each acknowledged id; in the middle of each
# round it also updates an earlier item, so MODIFY records are at stake too.
WRITER = """
import sys, boto3
from botocore.config import Config
client = boto3.client(
    "dynamodb", endpoint_url=sys.argv[1], region_name="us-east-1",
    aws_access_key_id="test", aws_secret_access_key="test",
    config=Config(retries={"total_max_attempts": 1}, connect_timeout=2, read_timeout=5),
)
round_ = sys.argv[2]
number = 0
while True:
    item_id = f"{round_}-{number}"
    try:
        client.put_item(TableName="crash", Item={"id": {"S": item_id}, "n": {"N": str(number)}})
    except Exception:
        sys.exit(0)
    print(item_id, flush=True)
    number += 1
"""


@pytest.mark.slow
@pytest.mark.server
def test_acknowledged_writes_survive_kill_9_with_one_record_each(tmp_path: Path) -> None:
    home = tmp_path / "home"
    acknowledged = write_through_kills(home, shards=2)
    final = ServerProcess(home)
    try:
        final.flush()
        ddb = final.client("dynamodb", config=CONFIG)
        stored = stored_ids(ddb)
        records = stream_records(final.client("kinesis", config=CONFIG), "crash-changes")
    finally:
        final.stop()
    assert set(acknowledged) <= stored, "an acknowledged write was lost"
    # At most the one write in flight per kill may have committed without an acknowledgement.
    assert len(stored - set(acknowledged)) <= ROUNDS
    per_item = Counter(
        orjson.loads(record["Data"])["dynamodb"]["Keys"]["id"]["S"] for record in records
    )
    assert set(per_item) == stored, "a committed change is missing from the stream"
    assert set(per_item.values()) == {1}, "a change reached the stream twice"


def stored_ids(ddb: Any) -> set[str]:
    """The ids of the items in the "crash" table."""
    return {
        item["id"]["S"]
        for page in ddb.get_paginator("scan").paginate(TableName="crash")
        for item in page["Items"]
    }


def write_through_kills(home: Path, *, shards: int, **table: Any) -> list[str]:
    """Make the "crash" table (``table``: more CreateTable arguments) with a Kinesis destination
    of ``shards`` shards, then write to it through ``ROUNDS`` kills; returns the acks."""
    server = ServerProcess(home)
    try:
        ddb = server.client("dynamodb", config=CONFIG)
        kinesis = server.client("kinesis", config=CONFIG)
        ddb.create_table(
            TableName="crash", BillingMode="PAY_PER_REQUEST", **key_schema(("id", "S")), **table
        )
        kinesis.create_stream(StreamName="crash-changes", ShardCount=shards)
        arn = kinesis.describe_stream_summary(StreamName="crash-changes")[
            "StreamDescriptionSummary"
        ]["StreamARN"]
        ddb.enable_kinesis_streaming_destination(TableName="crash", StreamArn=arn)
    except BaseException:
        server.kill()
        raise
    acknowledged: list[str] = []
    for round_ in range(ROUNDS):
        if round_:
            server = ServerProcess(home)
        acknowledged += write_until_killed(server, f"r{round_}")
    return acknowledged


def write_until_killed(server: ServerProcess, round_: str) -> list[str]:
    """Run a writer against ``server``, SIGKILL the server mid-stream, return the acks."""
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, server.endpoint, round_],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert writer.stdout is not None
    acknowledged: list[str] = []
    deadline = time.monotonic() + 60
    try:
        while len(acknowledged) < WANTED_ACKS and time.monotonic() < deadline:
            line = writer.stdout.readline()
            if not line:
                break
            acknowledged.append(line.strip())
    finally:
        server.kill()  # SIGKILL while the writer is still sending
    acknowledged += [line.strip() for line in writer.stdout if line.strip()]
    writer.stdout.close()
    writer.wait(timeout=30)
    assert len(acknowledged) >= WANTED_ACKS
    return acknowledged
