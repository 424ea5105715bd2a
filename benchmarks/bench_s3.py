"""S3 object throughput: lakehose against s3rver and moto, through boto3, in the same run.

Measures, for each server (started here on a free loopback port and stopped at the end):

* PutObject and GetObject of 1 KiB and 1 MiB objects, calls/s from one client, printed with each
  peer's ratio to lakehose;
* lakehose's server CPU time per call (from ``/proc/<pid>/stat``);
* PutObject and GetObject (1 KiB) calls/s from several client processes at once.

lakehose writes every object durably (fsync of the file and its directory before the
acknowledgement); the peers keep objects in memory (moto) or write without fsync (s3rver).

A peer that cannot be started (no ``npx``, no ``moto_server``) is reported as skipped. Run::

    pip install 'moto[server]'        # peer: moto_server (not a lakehose dependency)
    python benchmarks/bench_s3.py     # s3rver comes via `npx --yes s3rver@3`

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

SIZES = {"1 KiB": 1024, "1 MiB": 1024 * 1024}
KEYS = 100  # puts cycle through this many keys, so that they overwrite as a workload would
MAX_CALLS = 100_000
BUCKET = "bench"
STARTUP_SECONDS = 120


@dataclass
class Server:
    name: str
    endpoint: str
    credentials: tuple[str, str]
    process: subprocess.Popen[bytes]
    results: dict[str, float] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Peer:
    command: Callable[[int, Path], list[str]]
    credentials: tuple[str, str] = ("bench", "bench")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def client(endpoint: str, credentials: tuple[str, str]) -> Any:
    config = Config(
        retries={"total_max_attempts": 1},
        max_pool_connections=4,
        s3={"addressing_style": "path"},
    )
    return boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=credentials[0],
        aws_secret_access_key=credentials[1],
        config=config,
    )


def wait_until_serving(server: Server) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"exited with {server.process.returncode}")
        try:
            client(server.endpoint, server.credentials).list_buckets()
            return
        except Exception:
            time.sleep(0.2)
    raise RuntimeError("did not answer in time")


def lakehose_command(port: int, home: Path) -> list[str]:
    return [sys.executable, "-m", "lakehose", "up", "--port", str(port), "--home", str(home / "lh")]


def s3rver_command(port: int, home: Path) -> list[str]:
    directory = home / "s3rver"
    directory.mkdir(exist_ok=True)
    arguments = ["--directory", str(directory), "--port", str(port), "--address", "127.0.0.1"]
    local = Path(os.environ.get("S3RVER_DIR", "")) / "node_modules/.bin/s3rver"
    if local.is_file():
        return [str(local), *arguments, "--silent"]
    if shutil.which("npx") is None:
        raise RuntimeError("npx not found (install Node.js)")
    return ["npx", "--yes", "s3rver@3", *arguments, "--silent"]


def moto_command(port: int, home: Path) -> list[str]:
    found = shutil.which("moto_server") or str(Path(sys.executable).with_name("moto_server"))
    if not Path(found).is_file():
        raise RuntimeError("moto_server not found (pip install 'moto[server]')")
    return [found, "-H", "127.0.0.1", "-p", str(port)]


PEERS = {
    "lakehose": Peer(lakehose_command),
    # s3rver checks signatures against its one fixed key pair.
    "s3rver": Peer(s3rver_command, ("S3RVER", "S3RVER")),
    "moto": Peer(moto_command),
}


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    ticks = int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return ticks / os.sysconf("SC_CLK_TCK")


def rate(call: Callable[[int], object], seconds: float) -> tuple[float, int]:
    """Calls per second of ``call(n)`` over about ``seconds`` (and at most MAX_CALLS calls)."""
    call(0)  # warm up connections and caches
    count = 0
    began = time.perf_counter()
    deadline = began + seconds
    while count < MAX_CALLS and time.perf_counter() < deadline:
        call(count)
        count += 1
    return count / (time.perf_counter() - began), count


def operations(s3: Any, size: int) -> dict[str, Callable[[int], object]]:
    body = os.urandom(size)
    label = next(name for name, value in SIZES.items() if value == size)

    def put(n: int) -> object:
        return s3.put_object(Bucket=BUCKET, Key=f"{size}/{n % KEYS}", Body=body)

    def get(n: int) -> object:
        return s3.get_object(Bucket=BUCKET, Key=f"{size}/{n % KEYS}")["Body"].read()

    for n in range(KEYS):  # every key a get may ask for exists
        put(n)
    return {f"PutObject {label}": put, f"GetObject {label}": get}


def measure(server: Server, seconds: float) -> None:
    s3 = client(server.endpoint, server.credentials)
    s3.create_bucket(Bucket=BUCKET)
    for size in SIZES.values():
        try:
            calls = operations(s3, size)
        except Exception as error:  # a peer may refuse what boto3 sends
            server.failures[f"{size} bytes"] = str(error)[:120]
            continue
        for operation, call in calls.items():
            cpu_before = cpu_seconds(server.process.pid)
            try:
                per_second, count = rate(call, seconds)
            except Exception as error:
                server.failures[operation] = str(error)[:120]
                continue
            cpu = cpu_seconds(server.process.pid) - cpu_before
            server.results[operation] = per_second
            server.results[f"{operation} cpu ms"] = 1000 * cpu / max(count + 1, 1)


def _client_process(
    endpoint: str, credentials: tuple[str, str], operation: str, seconds: float, queue: Any
) -> None:
    s3 = client(endpoint, credentials)
    prefix = f"{os.getpid()}/"
    body = os.urandom(SIZES["1 KiB"])
    s3.put_object(Bucket=BUCKET, Key=prefix, Body=body)

    def call(n: int) -> object:
        if operation == "PutObject":
            return s3.put_object(Bucket=BUCKET, Key=f"{prefix}{n % KEYS}", Body=body)
        return s3.get_object(Bucket=BUCKET, Key=prefix)["Body"].read()

    queue.put(rate(call, seconds)[0])


def measure_concurrent(server: Server, seconds: float, clients: int) -> None:
    context = multiprocessing.get_context("spawn")
    for operation in ("PutObject", "GetObject"):
        queue = context.Queue()
        arguments = (server.endpoint, server.credentials, operation, seconds, queue)
        workers = [context.Process(target=_client_process, args=arguments) for _ in range(clients)]
        for worker in workers:
            worker.start()
        try:
            total = sum(queue.get(timeout=seconds + 120) for _ in workers)
        except Exception as error:
            server.failures[f"{operation} x{clients}"] = str(error)[:120]
            total = None
        for worker in workers:
            worker.join(timeout=30)
        if total is not None:
            server.results[f"{operation} 1 KiB x{clients} clients"] = total


@contextlib.contextmanager
def running(name: str, peer: Peer, home: Path) -> Iterator[Server | str]:
    port = free_port()
    try:
        command = peer.command(port, home)
        log = (home / f"{name}.log").open("wb")
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=home)
    except Exception as error:  # a peer that cannot start is reported, not fatal
        yield f"skipped ({error})"
        return
    server = Server(name, f"http://127.0.0.1:{port}", peer.credentials, process)
    try:
        wait_until_serving(server)
    except Exception as error:
        process.kill()
        process.wait()
        yield f"skipped ({error}; see {name}.log)"
        return
    try:
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def report(servers: list[Server], skipped: dict[str, str], clients: int) -> None:
    rows = [f"{op} {label}" for label in SIZES for op in ("PutObject", "GetObject")]
    rows += [f"{op} 1 KiB x{clients} clients" for op in ("PutObject", "GetObject")]
    base = next((s for s in servers if s.name == "lakehose"), None)
    width = 26
    print(f"\n{'calls/s':<28}" + "".join(f"{server.name:>{width}}" for server in servers))
    for row in rows:
        cells = []
        for server in servers:
            value = server.results.get(row)
            if value is None:
                cells.append(f"{'failed' if row in server.failures else '-':>{width}}")
                continue
            ratio = ""
            if base is not None and server is not base and base.results.get(row):
                ratio = f" ({value / base.results[row]:.2f}x)"
            cells.append(f"{value:>14.1f}{ratio:>12}")
        print(f"{row:<28}" + "".join(cells))
    if base is not None:
        print("\nlakehose server CPU per call:")
        for row in rows[:4]:
            if f"{row} cpu ms" in base.results:
                print(f"  {row:<18} {base.results[f'{row} cpu ms']:.2f} ms")
    for server in servers:
        for operation, why in server.failures.items():
            print(f"{server.name} {operation} failed: {why}")
    for name, why in skipped.items():
        print(f"{name}: {why}")
    print("(ratios: the peer's calls/s divided by lakehose's)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="per measurement")
    parser.add_argument("--clients", type=int, default=4, help="client processes")
    arguments = parser.parse_args()
    servers: list[Server] = []
    skipped: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="bench-s3-") as temporary:
        home = Path(temporary)
        for name, peer in PEERS.items():
            with running(name, peer, home) as server:
                if isinstance(server, str):
                    skipped[name] = server
                    continue
                print(f"measuring {name} at {server.endpoint} ...", flush=True)
                measure(server, arguments.seconds)
                measure_concurrent(server, arguments.seconds, arguments.clients)
                servers.append(server)
        print(f"({os.cpu_count()} cores, {arguments.seconds:g} s per measurement)")
        report(servers, skipped, arguments.clients)


if __name__ == "__main__":
    main()
