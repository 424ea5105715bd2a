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

import argparse
import contextlib
import itertools
import multiprocessing
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

TABLE = "bench"
MAX_CALLS = 100_000
STARTUP_SECONDS = 120
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


@dataclass
class Server:
    name: str
    endpoint: str
    process: subprocess.Popen[bytes]
    results: dict[str, float] = field(default_factory=dict)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def client(endpoint: str) -> Any:
    return boto3.session.Session().client(
        "dynamodb",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="bench",
        aws_secret_access_key="bench",
        config=Config(retries={"total_max_attempts": 1}),
    )


def start(name: str, command: list[str], port: int, home: Path) -> Server:
    log = (home / f"{name}.log").open("wb")
    # Its own session, so that stopping it also stops what it spawned (npx runs node as a child).
    process = subprocess.Popen(
        command, stdout=log, stderr=subprocess.STDOUT, cwd=home, start_new_session=True
    )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"exited with {process.returncode}")
        try:
            client(endpoint).list_tables()
            return Server(name, endpoint, process)
        except Exception:
            if time.monotonic() > deadline:
                stop(process)
                raise RuntimeError("did not answer in time") from None
            time.sleep(0.2)


def lakehose_command(port: int, home: Path) -> list[str]:
    return [sys.executable, "-m", "lakehose", "up", "--port", str(port), "--home", str(home / "lh")]


def dynalite_command(port: int, home: Path) -> list[str]:
    local = Path(os.environ.get("DYNALITE_DIR", "")) / "node_modules/.bin/dynalite"
    if local.is_file():
        return [str(local), "--port", str(port), "--createTableMs", "0", "--path", str(home / "dl")]
    if shutil.which("npx") is None:
        raise RuntimeError("npx not found (install Node.js)")
    # --path keeps dynalite on disk (LevelDB), as lakehose is; without it it runs in memory.
    return [
        "npx", "--yes", "dynalite@4", "--port", str(port), "--createTableMs", "0",
        "--path", str(home / "dl"),
    ]  # fmt: skip


def moto_command(port: int, home: Path) -> list[str]:
    found = shutil.which("moto_server") or str(Path(sys.executable).with_name("moto_server"))
    if not Path(found).is_file():
        raise RuntimeError("moto_server not found (pip install 'moto[server]')")
    return [found, "-H", "127.0.0.1", "-p", str(port)]


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    ticks = int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return ticks / os.sysconf("SC_CLK_TCK")


def rate(call: Callable[[], object], seconds: float) -> tuple[float, int]:
    """Calls per second of ``call`` over about ``seconds`` (and at most MAX_CALLS calls)."""
    call()  # warm up connections and caches
    count = 0
    began = time.perf_counter()
    deadline = began + seconds
    while count < MAX_CALLS and time.perf_counter() < deadline:
        call()
        count += 1
    return count / (time.perf_counter() - began), count


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


def measure(server: Server, seconds: float) -> None:
    ddb = client(server.endpoint)
    ddb.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST", **KEY_SCHEMA)
    ddb.get_waiter("table_exists").wait(TableName=TABLE, WaiterConfig={"Delay": 1})
    for sk in range(PARTITION):
        ddb.put_item(TableName=TABLE, Item=item("q", sk))
    for operation, call in calls(ddb).items():
        cpu_before = cpu_seconds(server.process.pid)
        per_second, count = rate(call, seconds)
        cpu = cpu_seconds(server.process.pid) - cpu_before
        server.results[operation] = per_second
        server.results[f"{operation} cpu ms"] = 1000 * cpu / max(count + 1, 1)


def _client_process(endpoint: str, seconds: float, queue: Any) -> None:
    ddb = client(endpoint)
    counter = itertools.count()
    per_second, _ = rate(
        lambda: ddb.put_item(TableName=TABLE, Item=item(f"c{os.getpid()}", next(counter))),
        seconds,
    )
    queue.put(per_second)


def measure_concurrent(server: Server, seconds: float, clients: int) -> None:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    workers = [
        context.Process(target=_client_process, args=(server.endpoint, seconds, queue))
        for _ in range(clients)
    ]
    for worker in workers:
        worker.start()
    total = sum(queue.get(timeout=seconds + 120) for _ in workers)
    for worker in workers:
        worker.join(timeout=30)
    server.results[f"PutItem x{clients} clients"] = total


@contextlib.contextmanager
def running(
    name: str, command: Callable[[int, Path], list[str]], home: Path
) -> Iterator[Server | str]:
    port = free_port()
    try:
        server = start(name, command(port, home), port, home)
    except Exception as error:  # a peer that cannot start is reported, not fatal
        yield f"skipped ({error})"
        return
    try:
        yield server
    finally:
        stop(server.process)


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a server and every process of its session."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


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


def report(servers: list[Server], skipped: dict[str, str], clients: int) -> None:
    rows = [*OPERATIONS, f"PutItem x{clients} clients"]
    base = next((s for s in servers if s.name == "lakehose"), None)
    print(f"\n{'calls/s':<24}" + "".join(f"{s.name:>24}" for s in servers))
    for row in rows:
        cells = []
        for server in servers:
            value = server.results.get(row)
            if value is None:
                cells.append(f"{'-':>24}")
                continue
            ratio = ""
            if base is not None and server is not base and base.results.get(row):
                ratio = f" ({value / base.results[row]:.2f}x)"
            cells.append(f"{value:>12.1f}{ratio:>12}")
        print(f"{row:<24}" + "".join(cells))
    if base is not None:
        print("\nlakehose server CPU per call:")
        for row in OPERATIONS:
            print(f"  {row:<16} {base.results[f'{row} cpu ms']:.2f} ms")
    for name, why in skipped.items():
        print(f"{name}: {why}")
    print("(ratios: the peer's calls/s divided by lakehose's)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="per measurement")
    parser.add_argument("--clients", type=int, default=4, help="client processes")
    parser.add_argument("--items", type=int, default=20_000, help="in-process items per mode")
    arguments = parser.parse_args()
    peers = {"lakehose": lakehose_command, "dynalite": dynalite_command, "moto": moto_command}
    servers: list[Server] = []
    skipped: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="bench-dynamodb-") as temporary:
        home = Path(temporary)
        for name, command in peers.items():
            with running(name, command, home) as server:
                if isinstance(server, str):
                    skipped[name] = server
                    continue
                print(f"measuring {name} at {server.endpoint} ...", flush=True)
                measure(server, arguments.seconds)
                measure_concurrent(server, arguments.seconds, arguments.clients)
                servers.append(server)
        report(servers, skipped, arguments.clients)
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
