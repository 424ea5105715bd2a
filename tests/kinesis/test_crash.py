"""kill -9 of a real ``lakehose up`` while records are being written loses nothing acknowledged."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from botocore.config import Config

from tests.conftest import NO_RETRIES, ServerProcess
from tests.kinesis.conftest import read_shard

CONFIG = NO_RETRIES.merge(Config(connect_timeout=2, read_timeout=5))
WANTED_ACKS = 60


@pytest.mark.server
def test_acknowledged_records_survive_kill_9(tmp_path: Path) -> None:
    home = tmp_path / "home"
    server = ServerProcess(home)
    try:
        client = server.client("kinesis", config=CONFIG)
        client.create_stream(StreamName="crash", ShardCount=2)
        acknowledged: list[tuple[bytes, str, str]] = []
        failed = threading.Event()

        def write() -> None:
            number = 0
            while True:
                data = f"record-{number}".encode()
                try:
                    response = client.put_record(
                        StreamName="crash", PartitionKey=str(number % 5), Data=data
                    )
                except Exception:
                    failed.set()  # the server died mid-request: this one was never acknowledged
                    return
                if "ShardId" not in response:
                    # The kill fell between the answer's headers and its body, and botocore takes
                    # a 200 cut short for a success without fields: stored, never acknowledged.
                    failed.set()
                    return
                acknowledged.append((data, response["ShardId"], response["SequenceNumber"]))
                number += 1

        writer = threading.Thread(target=write, daemon=True)
        writer.start()
        deadline = time.monotonic() + 60
        while len(acknowledged) < WANTED_ACKS and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(acknowledged) >= WANTED_ACKS
    finally:
        server.kill()  # SIGKILL while the writer is still sending
    writer.join(timeout=30)
    assert failed.is_set()

    restarted = ServerProcess(home)
    try:
        client = restarted.client("kinesis", config=CONFIG)
        stored: dict[str, list[Any]] = {
            shard: read_shard(client, "crash", shard)
            for shard in {shard for _, shard, _ in acknowledged}
        }
    finally:
        restarted.stop()
    for shard, records in stored.items():
        data = [r["Data"] for r in records]
        assert len(data) == len(set(data)), "a record was stored twice"
        expected = [(d, n) for d, s, n in acknowledged if s == shard]
        # Every acknowledged record, once, in order; at most the one in flight may follow.
        assert [(r["Data"], r["SequenceNumber"]) for r in records[: len(expected)]] == expected
        assert len(records) - len(expected) <= 1
