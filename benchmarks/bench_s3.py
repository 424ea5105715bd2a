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

import itertools
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import peers

SIZES = {"1 KiB": 1024, "1 MiB": 1024 * 1024}
KEYS = 100  # puts cycle through this many keys, so that they overwrite as a workload would
BUCKET = "bench"


def s3_client(endpoint: str, credentials: tuple[str, str]) -> Any:
    return peers.client(
        "s3", endpoint, credentials, max_pool_connections=4, s3={"addressing_style": "path"}
    )


def s3rver_command(port: int, home: Path) -> list[str]:
    directory = home / "s3rver"
    directory.mkdir(exist_ok=True)
    arguments = ["--directory", str(directory), "--port", str(port), "--address", "127.0.0.1"]
    return peers.node_command("s3rver@3", [*arguments, "--silent"])


PEERS = {
    "lakehose": peers.Peer(peers.lakehose_command),
    # s3rver checks signatures against its one fixed key pair.
    "s3rver": peers.Peer(s3rver_command, ("S3RVER", "S3RVER")),
    "moto": peers.Peer(peers.moto_command),
}


def probe(server: peers.Server) -> object:
    return s3_client(server.endpoint, server.credentials).list_buckets()


def operations(s3: Any, size: int) -> dict[str, Callable[[], object]]:
    body = os.urandom(size)
    label = next(name for name, value in SIZES.items() if value == size)

    def put(n: int) -> object:
        return s3.put_object(Bucket=BUCKET, Key=f"{size}/{n % KEYS}", Body=body)

    def get(n: int) -> object:
        return s3.get_object(Bucket=BUCKET, Key=f"{size}/{n % KEYS}")["Body"].read()

    for n in range(KEYS):  # every key a get may ask for exists
        put(n)
    puts, gets = itertools.count(), itertools.count()
    return {
        f"PutObject {label}": lambda: put(next(puts)),
        f"GetObject {label}": lambda: get(next(gets)),
    }


def measure(server: peers.Server, seconds: float, clients: int) -> None:
    s3 = s3_client(server.endpoint, server.credentials)
    s3.create_bucket(Bucket=BUCKET)
    for size in SIZES.values():
        try:
            calls = operations(s3, size)
        except Exception as error:  # a peer may refuse what boto3 sends
            server.failures[f"{size} bytes"] = str(error)[:120]
            continue
        for operation, call in calls.items():
            try:
                peers.measure_call(server, operation, call, seconds)
            except Exception as error:
                server.failures[operation] = str(error)[:120]
    for operation in ("PutObject", "GetObject"):
        arguments = (server.endpoint, server.credentials, operation)
        try:
            total = peers.concurrent_rate(object_call, arguments, clients, seconds)
        except Exception as error:
            server.failures[f"{operation} x{clients}"] = str(error)[:120]
            continue
        server.results[f"{operation} 1 KiB x{clients} clients"] = total


def object_call(
    endpoint: str, credentials: tuple[str, str], operation: str
) -> Callable[[], object]:
    """A 1 KiB PutObject or GetObject from one of several client processes, under its own prefix."""
    s3 = s3_client(endpoint, credentials)
    prefix = f"{os.getpid()}/"
    body = os.urandom(SIZES["1 KiB"])
    s3.put_object(Bucket=BUCKET, Key=prefix, Body=body)
    if operation == "PutObject":
        keys = itertools.count()
        return lambda: s3.put_object(Bucket=BUCKET, Key=f"{prefix}{next(keys) % KEYS}", Body=body)
    return lambda: s3.get_object(Bucket=BUCKET, Key=prefix)["Body"].read()


def main() -> None:
    parser = peers.argument_parser(__doc__.split("\n")[0], seconds=3.0)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-s3-") as temporary:
        servers, skipped = peers.measure_each(
            PEERS,
            Path(temporary),
            probe,
            lambda server: measure(server, arguments.seconds, arguments.clients),
        )
    print(f"({os.cpu_count()} cores, {arguments.seconds:g} s per measurement)")
    rows = [f"{op} {label}" for label in SIZES for op in ("PutObject", "GetObject")]
    rows += [f"{op} 1 KiB x{arguments.clients} clients" for op in ("PutObject", "GetObject")]
    peers.report(servers, skipped, rows, rows[:4], label_width=28, width=26, cpu_label_width=18)


if __name__ == "__main__":
    main()
