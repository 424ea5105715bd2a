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

import argparse
import contextlib
import multiprocessing
import os
import shutil
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

RECORD = b"x" * 1024
BATCH = [{"PartitionKey": f"key-{i}", "Data": RECORD} for i in range(500)]
READ_LIMIT = 100
MAX_CALLS = 100_000
STREAM = "bench"
STARTUP_SECONDS = 120


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
    config = Config(retries={"total_max_attempts": 1}, max_pool_connections=4)
    return boto3.session.Session().client(
        "kinesis",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="bench",
        aws_secret_access_key="bench",
        config=config,
    )


def wait_until_serving(endpoint: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"exited with {process.returncode}")
        try:
            client(endpoint).list_streams()
            return
        except Exception:
            time.sleep(0.2)
    raise RuntimeError("did not answer in time")


def start(name: str, command: list[str], port: int, home: Path) -> Server:
    log = (home / f"{name}.log").open("wb")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=home)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(endpoint, process)
    except Exception:
        process.kill()
        process.wait()
        raise
    return Server(name, endpoint, process)


def lakehose_command(port: int, home: Path) -> list[str]:
    return [sys.executable, "-m", "lakehose", "up", "--port", str(port), "--home", str(home / "lh")]


def kinesalite_command(port: int, home: Path) -> list[str]:
    local = Path(os.environ.get("KINESALITE_DIR", "")) / "node_modules/.bin/kinesalite"
    if local.is_file():
        return [str(local), "--port", str(port), "--createStreamMs", "0"]
    if shutil.which("npx") is None:
        raise RuntimeError("npx not found (install Node.js)")
    return ["npx", "--yes", "kinesalite@3", "--port", str(port), "--createStreamMs", "0"]


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


def measure(server: Server, seconds: float) -> None:
    kinesis = client(server.endpoint)
    iterator = prepare(kinesis)
    calls: dict[str, Callable[[], object]] = {
        "PutRecord": lambda: kinesis.put_record(StreamName=STREAM, PartitionKey="k", Data=RECORD),
        "PutRecords": lambda: kinesis.put_records(StreamName=STREAM, Records=BATCH),
        # Iterators are not consumed by use, so one iterator reads the same page again and again.
        "GetRecords": lambda: kinesis.get_records(ShardIterator=iterator, Limit=READ_LIMIT),
    }
    for operation, call in calls.items():
        cpu_before = cpu_seconds(server.process.pid)
        per_second, count = rate(call, seconds)
        cpu = cpu_seconds(server.process.pid) - cpu_before
        server.results[operation] = per_second
        server.results[f"{operation} cpu ms"] = 1000 * cpu / max(count + 1, 1)


def _client_process(endpoint: str, seconds: float, queue: Any) -> None:
    kinesis = client(endpoint)
    per_second, _ = rate(
        lambda: kinesis.put_record(StreamName=STREAM, PartitionKey=str(os.getpid()), Data=RECORD),
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
    server.results[f"PutRecord x{clients} clients"] = total


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
        server.process.terminate()
        try:
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


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


def report(servers: list[Server], skipped: dict[str, str], clients: int) -> None:
    rows = ["PutRecord", "PutRecords", "GetRecords", f"PutRecord x{clients} clients"]
    base = next((s for s in servers if s.name == "lakehose"), None)
    names = [s.name for s in servers]
    print(f"\n{'calls/s':<24}" + "".join(f"{name:>24}" for name in names))
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
        for row in rows[:3]:
            print(f"  {row:<12} {base.results[f'{row} cpu ms']:.2f} ms")
    for name, why in skipped.items():
        print(f"{name}: {why}")
    print("(ratios: the peer's calls/s divided by lakehose's)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="per measurement")
    parser.add_argument("--clients", type=int, default=4, help="client processes")
    parser.add_argument("--records", type=int, default=100_000, help="in-process records")
    arguments = parser.parse_args()
    peers = {"lakehose": lakehose_command, "kinesalite": kinesalite_command, "moto": moto_command}
    servers: list[Server] = []
    skipped: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="bench-kinesis-") as temporary:
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
