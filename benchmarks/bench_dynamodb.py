"""DynamoDB throughput: lakehose against dynalite and moto, through boto3, in the same run.

Measures, for each server (started here on a free loopback port and stopped at the end):

* PutItem, GetItem, Query (a 20-item partition) and BatchWriteItem (25 items) calls/s, one
  client, printed with each peer's ratio to lakehose;
* lakehose's server CPU time per call (from ``/proc/<pid>/stat``);
* PutItem calls/s from several client processes at once;

and the in-process engine's BatchWriteItem rate (items/s, engine method called directly, no
HTTP) with the table's Kinesis streaming destination off and on, so the cost of the change
records (rendering, outbox, delivery to the Kinesis engine) is visible.

A peer that cannot be started (no ``npx``, no ``moto_server``) is reported as skipped. Run::

    python benchmarks/bench_dynamodb.py            # --seconds 2 --clients 4 by default

Every loop is bounded by time and by count, and every server listens on 127.0.0.1 only.
"""

from __future__ import annotations

import itertools
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import peers

TABLE = "bench"
PARTITION = 20  # items in the partition Query reads
PAYLOAD = {"payload": {"S": "x" * 200}, "n": {"N": "42"}}
KEY_SCHEMA = {
    "KeySchema": [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ],
    "AttributeDefinitions": [
        {"AttributeName": "pk", "AttributeType": "S"},
        {"AttributeName": "sk", "AttributeType": "N"},
    ],
}
OPERATIONS = ("PutItem", "GetItem", "Query", "BatchWriteItem")


def dynalite_command(port: int, home: Path) -> list[str]:
    # --path keeps dynalite on disk (LevelDB), as lakehose is; without it it runs in memory.
    arguments = ["--port", str(port), "--createTableMs", "0", "--path", str(home / "dl")]
    return peers.node_command("dynalite@4", arguments)


PEERS = {
    "lakehose": peers.Peer(peers.lakehose_command),
    "dynalite": peers.Peer(dynalite_command),
    "moto": peers.Peer(peers.moto_command),
}


def probe(server: peers.Server) -> object:
    return peers.client("dynamodb", server.endpoint).list_tables()


def item(pk: str, sk: int) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"N": str(sk)}, **PAYLOAD}


def calls(ddb: Any) -> dict[str, Callable[[], object]]:
    """One callable per measured operation; writes use fresh keys so every put inserts."""
    counter = itertools.count()

    def put() -> object:
        return ddb.put_item(TableName=TABLE, Item=item("put", next(counter)))

    def batch() -> object:
        first = next(counter) * 25
        requests = [{"PutRequest": {"Item": item("batch", first + i)}} for i in range(25)]
        return ddb.batch_write_item(RequestItems={TABLE: requests})

    return {
        "PutItem": put,
        "GetItem": lambda: ddb.get_item(TableName=TABLE, Key={"pk": {"S": "q"}, "sk": {"N": "7"}}),
        "Query": lambda: ddb.query(
            TableName=TABLE,
            KeyConditionExpression="pk = :p",
            ExpressionAttributeValues={":p": {"S": "q"}},
        ),
        "BatchWriteItem": batch,
    }


def measure(server: peers.Server, seconds: float, clients: int) -> None:
    ddb = peers.client("dynamodb", server.endpoint)
    ddb.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST", **KEY_SCHEMA)
    ddb.get_waiter("table_exists").wait(TableName=TABLE, WaiterConfig={"Delay": 1})
    for sk in range(PARTITION):
        ddb.put_item(TableName=TABLE, Item=item("q", sk))
    for operation, call in calls(ddb).items():
        peers.measure_call(server, operation, call, seconds)
    server.results[f"PutItem x{clients} clients"] = peers.concurrent_rate(
        put_item_call, (server.endpoint,), clients, seconds
    )


def put_item_call(endpoint: str) -> Callable[[], object]:
    """PutItem from one of several client processes, fresh keys in its own partition."""
    ddb = peers.client("dynamodb", endpoint)
    partition = f"c{os.getpid()}"
    counter = itertools.count()
    return lambda: ddb.put_item(TableName=TABLE, Item=item(partition, next(counter)))


def in_process_batch_rate(directory: Path, items: int, streaming: bool) -> float:
    """BatchWriteItem items/s of the engine, called directly, with or without a destination."""
    from lakehose import Lakehose

    with Lakehose(home=directory, background=False) as lake:
        engine: Any = lake.engine("dynamodb")
        engine.create_table(table_name=TABLE, billing_mode="PAY_PER_REQUEST", **_snake(KEY_SCHEMA))
        if streaming:
            kinesis: Any = lake.engine("kinesis")
            kinesis.create_stream(stream_name="changes", shard_count=4)
            arn = kinesis.describe_stream_summary(stream_name="changes")[
                "StreamDescriptionSummary"
            ]["StreamARN"]
            engine.enable_kinesis_streaming_destination(table_name=TABLE, stream_arn=arn)
        batches = items // 25
        began = time.perf_counter()
        for number in range(batches):
            requests = [{"PutRequest": {"Item": item("b", number * 25 + i)}} for i in range(25)]
            engine.batch_write_item(request_items={TABLE: requests})
        elapsed = time.perf_counter() - began
    return batches * 25 / elapsed


def _snake(schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "key_schema": schema["KeySchema"],
        "attribute_definitions": schema["AttributeDefinitions"],
    }


def main() -> None:
    parser = peers.argument_parser(__doc__.split("\n")[0], seconds=2.0)
    parser.add_argument("--items", type=int, default=20_000, help="in-process items per mode")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-dynamodb-") as temporary:
        home = Path(temporary)
        servers, skipped = peers.measure_each(
            PEERS, home, probe, lambda server: measure(server, arguments.seconds, arguments.clients)
        )
        rows = [*OPERATIONS, f"PutItem x{arguments.clients} clients"]
        peers.report(servers, skipped, rows, list(OPERATIONS), cpu_label_width=16)
        print(
            f"\nin-process BatchWriteItem ({arguments.items} items of ~230 bytes, 25 per call, "
            f"{os.cpu_count()} cores):"
        )
        off = in_process_batch_rate(home / "off", arguments.items, streaming=False)
        on = in_process_batch_rate(home / "on", arguments.items, streaming=True)
        print(f"  {'destination off':<24} {off:>10.1f} items/s")
        print(f"  {'destination on':<24} {on:>10.1f} items/s ({on / off:.2f}x)")


if __name__ == "__main__":
    main()
