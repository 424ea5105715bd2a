"""kill -9 of a real ``lakehose up`` while a client writes to a table with a DynamoDB stream and a
Kinesis destination: every committed change is in the DynamoDB stream exactly once, in order,
and both outputs hold the same changes."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import orjson
import pytest

from tests.conftest import ServerProcess
from tests.dynamodb.conftest import stream_records
from tests.dynamodb.test_crash import CONFIG, stored_ids, write_through_kills
from tests.dynamodbstreams.conftest import read_stream, stream_spec


@pytest.mark.slow
@pytest.mark.server
def test_stream_records_survive_kill_9_exactly_once(tmp_path: Path) -> None:
    home = tmp_path / "home"
    acknowledged = write_through_kills(home, shards=1, StreamSpecification=stream_spec("NEW_IMAGE"))
    final = ServerProcess(home)
    try:
        final.flush()
        ddb = final.client("dynamodb", config=CONFIG)
        stored = stored_ids(ddb)
        table = ddb.describe_table(TableName="crash")["Table"]
        records = read_stream(
            final.client("dynamodbstreams", config=CONFIG), table["LatestStreamArn"]
        )
        kinesis_records = stream_records(final.client("kinesis", config=CONFIG), "crash-changes")
    finally:
        final.stop()
    assert set(acknowledged) <= stored, "an acknowledged write was lost"
    per_item = Counter(record["dynamodb"]["Keys"]["id"]["S"] for record in records)
    assert set(per_item) == stored, "a committed change is missing from the DynamoDB stream"
    assert set(per_item.values()) == {1}, "a change reached the DynamoDB stream twice"
    numbers = [int(record["dynamodb"]["SequenceNumber"]) for record in records]
    assert numbers == sorted(numbers)
    # Commit order is write order here (one writer): the stream holds the writes in that order.
    order = [record["dynamodb"]["Keys"]["id"]["S"] for record in records]
    assert [key for key in order if key in acknowledged] == [
        key for key in acknowledged if key in per_item
    ]
    # One Kinesis shard: both outputs hold the same changes in the same order.
    assert [r["eventID"] for r in records] == [
        orjson.loads(r["Data"])["eventID"] for r in kinesis_records
    ]
