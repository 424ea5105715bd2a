"""The outbox's delivery rules: per-item order, retries, drops, and recovery after a crash."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import orjson
import pytest

from lakehose import Lakehose
from lakehose.clock import ManualClock
from lakehose.services.dynamodb import store
from lakehose.services.dynamodb.base import DynamoDBBase
from lakehose.services.dynamodb.outbox import Outbox
from lakehose.services.dynamodb.ports import Change, Outcome
from lakehose.storage import Database, open_database
from tests.dynamodb.conftest import key_schema, stream_records

STREAM = "arn:aws:kinesis:us-east-1:000000000000:stream/s"


class FakeStream:
    """A ChangeStreamSink that records what it took and answers as scripted."""

    def __init__(self) -> None:
        self.taken: list[Change] = []
        self.refuse: dict[bytes, Outcome] = {}  # data -> outcome, used once
        self.broken = False

    def stream_exists(self, stream_arn: str) -> bool:
        return True

    def put_changes(self, stream_arn: str, changes: Sequence[Change]) -> list[Outcome]:
        if self.broken:
            raise ConnectionError("the stream is unreachable")
        keys = [change.partition_key for change in changes]
        assert len(keys) == len(set(keys)), "at most one change per item in a call"
        outcomes = []
        for change in changes:
            outcome = self.refuse.pop(change.data, Outcome.DELIVERED)
            if outcome is Outcome.DELIVERED:
                self.taken.append(change)
            outcomes.append(outcome)
        return outcomes

    def read_since(self, stream_arn: str, since_ms: int) -> Iterator[Change]:
        return iter(list(self.taken))


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    database = open_database(tmp_path / DynamoDBBase.database_file, store.MIGRATIONS)
    yield database
    database.close()


def _add(database: Database, partition_key: str, data: bytes) -> None:
    with database.transaction() as connection:
        store.add_to_outbox(connection, STREAM, partition_key, data, 1000)


def _pending(database: Database) -> list[bytes]:
    with database.read() as connection:
        return [row.data for row in store.pending(connection, None)]


def test_a_held_change_holds_back_only_its_item(database: Database) -> None:
    stream = FakeStream()
    for partition_key, data in [("A", b"a1"), ("B", b"b1"), ("A", b"a2"), ("B", b"b2")]:
        _add(database, partition_key, data)
    stream.refuse[b"a1"] = Outcome.RETRY
    outbox = Outbox(lambda: database, stream)
    outbox.deliver()
    assert [c.data for c in stream.taken] == [b"b1", b"b2"]
    assert _pending(database) == [b"a1", b"a2"]
    outbox.deliver()  # still wanted: the retry happens on the next call
    assert [c.data for c in stream.taken] == [b"b1", b"b2", b"a1", b"a2"]
    assert _pending(database) == []


def test_rejected_changes_are_dropped(database: Database) -> None:
    stream = FakeStream()
    _add(database, "A", b"huge")
    _add(database, "A", b"next")
    stream.refuse[b"huge"] = Outcome.REJECTED
    outbox = Outbox(lambda: database, stream)
    outbox.deliver()
    assert [c.data for c in stream.taken] == [b"next"]
    assert (outbox.stats.rejected, outbox.stats.delivered, _pending(database)) == (1, 1, [])


def test_an_unreachable_stream_keeps_changes_pending(database: Database) -> None:
    stream = FakeStream()
    _add(database, "A", b"a1")
    stream.broken = True
    outbox = Outbox(lambda: database, stream)
    outbox.deliver()  # does not raise: the write that called it has committed
    assert _pending(database) == [b"a1"]
    stream.broken = False
    outbox.deliver()
    assert [c.data for c in stream.taken] == [b"a1"]


def test_recovery_skips_changes_already_in_the_stream(database: Database) -> None:
    stream = FakeStream()
    for partition_key, data in [("A", b"a1"), ("B", b"b1"), ("A", b"a2")]:
        _add(database, partition_key, data)
    # The previous process put a1 and b1, then died before deleting their rows.
    stream.taken = [Change("A", b"a1"), Change("B", b"b1")]
    outbox = Outbox(lambda: database, stream)
    outbox.deliver()
    assert [c.data for c in stream.taken] == [b"a1", b"b1", b"a2"]
    assert outbox.stats.recovered == 2
    assert _pending(database) == []


def test_exactly_once_across_a_crash_after_the_stream_took_the_record(tmp_path: Path) -> None:
    """The crash window that matters: Kinesis committed the record, the outbox row survived."""
    home = tmp_path / "home"
    clock = ManualClock()
    with Lakehose(home=home, clock=clock, background=False) as lake:
        ddb, kinesis = lake.client("dynamodb"), lake.client("kinesis")
        ddb.create_table(
            TableName="crash", BillingMode="PAY_PER_REQUEST", **key_schema(("id", "S"))
        )
        kinesis.create_stream(StreamName="changes", ShardCount=2)
        arn = kinesis.describe_stream_summary(StreamName="changes")["StreamDescriptionSummary"][
            "StreamARN"
        ]
        ddb.enable_kinesis_streaming_destination(TableName="crash", StreamArn=arn)
        for i in range(3):
            ddb.put_item(TableName="crash", Item={"id": {"S": f"i{i}"}})
        delivered = stream_records(kinesis, "changes")
    # Put the state back to "delivered to Kinesis, outbox row not yet deleted" for all three.
    database = open_database(home / "dynamodb" / DynamoDBBase.database_file, store.MIGRATIONS)
    with database.transaction() as connection:
        for record in delivered:
            store.add_to_outbox(
                connection, arn, record["PartitionKey"], record["Data"], int(clock.now() * 1000)
            )
    database.close()
    with Lakehose(home=home, clock=clock, background=False) as lake:
        ddb, kinesis = lake.client("dynamodb"), lake.client("kinesis")
        ddb.put_item(TableName="crash", Item={"id": {"S": "after"}})
        lake.flush()
        records = stream_records(kinesis, "changes")
    keys = sorted(orjson.loads(r["Data"])["dynamodb"]["Keys"]["id"]["S"] for r in records)
    assert keys == ["after", "i0", "i1", "i2"]


def test_pending_records_are_delivered_after_a_restart(tmp_path: Path) -> None:
    """The other crash window: the row committed, the process died before the put."""
    home = tmp_path / "home"
    with Lakehose(home=home, background=False) as lake:
        ddb, kinesis = lake.client("dynamodb"), lake.client("kinesis")
        ddb.create_table(
            TableName="crash", BillingMode="PAY_PER_REQUEST", **key_schema(("id", "S"))
        )
        kinesis.create_stream(StreamName="changes", ShardCount=1)
        arn = kinesis.describe_stream_summary(StreamName="changes")["StreamDescriptionSummary"][
            "StreamARN"
        ]
        ddb.enable_kinesis_streaming_destination(TableName="crash", StreamArn=arn)
        engine: Any = lake.engine("dynamodb")
        engine.outbox._sink = None  # the process "dies" before any delivery
        ddb.put_item(TableName="crash", Item={"id": {"S": "late"}})
        assert stream_records(kinesis, "changes") == []
    with Lakehose(home=home, background=False) as lake:
        lake.run_due()
        records = stream_records(lake.client("kinesis"), "changes")
    assert [orjson.loads(r["Data"])["eventName"] for r in records] == ["INSERT"]
