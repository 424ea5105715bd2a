"""Kinesis throughput: lakehose against kinesalite and moto, through boto3, in the same run.

Measures, for each server (started here on a free loopback port and stopped at the end):

* PutRecord (1 KiB), PutRecords (500 x 1 KiB) and GetRecords (100 x 1 KiB per call) calls/s,
  one client, printed with the ratio to lakehose;
* lakehose's server CPU time per call (from ``/proc/<pid>/stat``);
* PutRecord calls/s from several client processes at once;

and the in-process engine's append and read rates (records/s, MiB/s), calling the engine's
methods directly, without HTTP.

A peer that cannot be started (no ``npx``, no ``moto_server``) is reported as skipped. Run::

    python benchmarks/bench_kinesis.py            # --seconds 2 --clients 4 by default

Every loop is bounded by time and by count, and every server it starts listens on 127.0.0.1 only.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import peers

RECORD = b"x" * 1024
BATCH = [{"PartitionKey": f"key-{i}", "Data": RECORD} for i in range(500)]
READ_LIMIT = 100
STREAM = "bench"


def kinesis_client(endpoint: str) -> Any:
    return peers.client("kinesis", endpoint, max_pool_connections=4)


def kinesalite_command(port: int, home: Path) -> list[str]:
    return peers.node_command("kinesalite@3", ["--port", str(port), "--createStreamMs", "0"])


PEERS = {
    "lakehose": peers.Peer(peers.lakehose_command),
    "kinesalite": peers.Peer(kinesalite_command),
    "moto": peers.Peer(peers.moto_command),
}


def probe(server: peers.Server) -> object:
    return kinesis_client(server.endpoint).list_streams()


def prepare(kinesis: Any) -> str:
    kinesis.create_stream(StreamName=STREAM, ShardCount=1)
    kinesis.get_waiter("stream_exists").wait(
        StreamName=STREAM, WaiterConfig={"Delay": 1, "MaxAttempts": 60}
    )
    for _ in range(2):
        kinesis.put_records(StreamName=STREAM, Records=BATCH)
    shard = kinesis.describe_stream(StreamName=STREAM)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = kinesis.get_shard_iterator(
        StreamName=STREAM, ShardId=shard, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    return str(iterator)


def measure(server: peers.Server, seconds: float, clients: int) -> None:
    kinesis = kinesis_client(server.endpoint)
    iterator = prepare(kinesis)
    calls: dict[str, Callable[[], object]] = {
        "PutRecord": lambda: kinesis.put_record(StreamName=STREAM, PartitionKey="k", Data=RECORD),
        "PutRecords": lambda: kinesis.put_records(StreamName=STREAM, Records=BATCH),
        # Iterators are not consumed by use, so one iterator reads the same page again and again.
        "GetRecords": lambda: kinesis.get_records(ShardIterator=iterator, Limit=READ_LIMIT),
    }
    for operation, call in calls.items():
        peers.measure_call(server, operation, call, seconds)
    server.results[f"PutRecord x{clients} clients"] = peers.concurrent_rate(
        put_record_call, (server.endpoint,), clients, seconds
    )


def put_record_call(endpoint: str) -> Callable[[], object]:
    """PutRecord from one of several client processes, each with its own partition key."""
    kinesis = kinesis_client(endpoint)
    key = str(os.getpid())
    return lambda: kinesis.put_record(StreamName=STREAM, PartitionKey=key, Data=RECORD)


def in_process_rates(directory: Path, total: int) -> dict[str, float]:
    """Append and read rates of the engine itself, without HTTP or boto3."""
    from lakehose.clock import SystemClock
    from lakehose.ids import IdGenerator
    from lakehose.services.engine import EngineEnvironment
    from lakehose.services.kinesis import KinesisEngine

    environment = EngineEnvironment(
        "us-east-1", "000000000000", SystemClock(), IdGenerator(), directory, "http://localhost"
    )
    engine = KinesisEngine(environment)
    engine.start()
    try:
        engine.create_stream(stream_name=STREAM, shard_count=2)
        began = time.perf_counter()
        for _ in range(total // len(BATCH)):
            engine.put_records(stream_name=STREAM, records=BATCH)
        append = time.perf_counter() - began
        read = 0
        began = time.perf_counter()
        for shard in ("shardId-000000000000", "shardId-000000000001"):
            iterator: str | None = engine.get_shard_iterator(
                stream_name=STREAM, shard_id=shard, shard_iterator_type="TRIM_HORIZON"
            )["ShardIterator"]
            while iterator:
                page = engine.get_records(shard_iterator=iterator)
                read += len(page["Records"])
                if not page["Records"]:
                    break
                iterator = page.get("NextShardIterator")
        reading = time.perf_counter() - began
    finally:
        engine.close()
    mib = len(RECORD) / (1 << 20)
    appended = total // len(BATCH) * len(BATCH)
    return {
        "append records/s": appended / append,
        "append MiB/s": appended * mib / append,
        "read records/s": read / reading,
        "read MiB/s": read * mib / reading,
    }


def main() -> None:
    parser = peers.argument_parser(__doc__.split("\n")[0], seconds=2.0)
    parser.add_argument("--records", type=int, default=100_000, help="in-process records")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-kinesis-") as temporary:
        home = Path(temporary)
        servers, skipped = peers.measure_each(
            PEERS, home, probe, lambda server: measure(server, arguments.seconds, arguments.clients)
        )
        rows = ["PutRecord", "PutRecords", "GetRecords", f"PutRecord x{arguments.clients} clients"]
        peers.report(servers, skipped, rows, rows[:3])
        engine_directory = home / "engine"
        engine_directory.mkdir()
        print(
            f"\nin-process engine ({arguments.records} records of 1 KiB, 2 shards, "
            f"{os.cpu_count()} cores):"
        )
        for label, value in in_process_rates(engine_directory, arguments.records).items():
            print(f"  {label:<18} {value:>12.1f}")


if __name__ == "__main__":
    main()
