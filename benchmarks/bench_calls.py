"""Small calls: server CPU per call and calls/s, lakehose against every peer, interleaved.

The per-call cost of an emulator is what a test suite pays on every line that touches AWS, so
this script measures the calls a suite makes most (PutItem, GetItem, Query, PutRecord) against:

* lakehose (``lakehose up``: durable, SQLite in WAL mode);
* dynalite (DynamoDB, on disk with ``--path``) and kinesalite (Kinesis, in memory);
* moto's server and MiniStack (both in memory).

All servers run at once, each on its own loopback port, and every measurement round visits them
in turn, so a slow minute of a shared machine falls on every peer alike; each figure is the
median over ``--rounds`` rounds. For each (call, server) it prints calls/s from one client and
the server's CPU milliseconds per call: the CPU of every process in the server's session (a
peer's ``node`` under ``npx``, lakehose's workers) over the calls, which a busy client does not
inflate. Then calls/s with 2 and 4 client processes at once, where a server's own cost, not
the client's, decides the total.

Every answer is checked (a fast wrong answer is an error): puts must return what the API
promises, gets must return the item that was put.

    python benchmarks/bench_calls.py                         # --seconds 1 --rounds 5
    python benchmarks/bench_calls.py --baseline /path/to/older-venv/bin/python
    DYNALITE_DIR=... KINESALITE_DIR=... MINISTACK=... python benchmarks/bench_calls.py

A peer that cannot start is reported as skipped. Every loop is bounded by time and by count.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import statistics
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import peers
from bench_dynamodb import KEY_SCHEMA, PARTITION, dynalite_command, item
from bench_kinesis import RECORD, kinesalite_command

TABLE = "calls"
STREAM = "calls"
OPERATIONS = {
    "PutItem": "dynamodb",
    "GetItem": "dynamodb",
    "Query": "dynamodb",
    "PutRecord": "kinesis",
}
CONCURRENT = {"PutItem": "dynamodb", "PutRecord": "kinesis"}


@dataclass(frozen=True)
class Contender:
    peer: peers.Peer
    services: frozenset[str]


BOTH = frozenset({"dynamodb", "kinesis"})
CONTENDERS = {
    "lakehose": Contender(peers.Peer(peers.lakehose_command), BOTH),
    "dynalite": Contender(peers.Peer(dynalite_command), frozenset({"dynamodb"})),
    "kinesalite": Contender(peers.Peer(kinesalite_command), frozenset({"kinesis"})),
    "moto": Contender(peers.Peer(peers.moto_command), BOTH),
    "ministack": Contender(peers.Peer(peers.ministack_command), BOTH),
}


def baseline_command(python: str) -> peers.Command:
    """``lakehose up`` from another interpreter's install: a before/after in the same run."""

    def command(port: int, home: Path) -> list[str]:
        return [python, "-m", "lakehose", "up", "--port", str(port), "--home", str(home / "base")]

    return command


def make_call(operation: str, endpoint: str) -> Callable[[], object]:
    """The checked call ``operation`` against ``endpoint``, with a client of its own; module
    level so that client processes can build it too (fresh keys per process)."""
    service = OPERATIONS[operation]
    client = peers.client(service, endpoint, max_pool_connections=4)
    counter = itertools.count()
    partition = f"w{os.getpid()}"
    if operation == "PutItem":

        def put_item() -> object:
            return client.put_item(TableName=TABLE, Item=item(partition, next(counter)))

        return put_item
    if operation == "GetItem":
        wanted = item("q", 7)

        def get_item() -> object:
            found = client.get_item(TableName=TABLE, Key={"pk": {"S": "q"}, "sk": {"N": "7"}})
            if found.get("Item") != wanted:
                raise AssertionError(f"GetItem returned {found.get('Item')!r}")
            return found

        return get_item
    if operation == "Query":

        def query() -> object:
            found = client.query(
                TableName=TABLE,
                KeyConditionExpression="pk = :p",
                ExpressionAttributeValues={":p": {"S": "q"}},
            )
            if found["Count"] != PARTITION:
                raise AssertionError(f"Query counted {found['Count']} items")
            return found

        return query

    def put_record() -> object:
        answer = client.put_record(StreamName=STREAM, PartitionKey=str(next(counter)), Data=RECORD)
        if not answer["SequenceNumber"].isdigit():
            raise AssertionError(f"PutRecord answered {answer!r}")
        return answer

    return put_record


def probe(server: peers.Server) -> object:
    services = CONTENDERS[server.name].services
    if "dynamodb" in services:
        return peers.client("dynamodb", server.endpoint).list_tables()
    return peers.client("kinesis", server.endpoint).list_streams()


def prepare(server: peers.Server) -> None:
    services = CONTENDERS[server.name].services
    if "dynamodb" in services:
        ddb = peers.client("dynamodb", server.endpoint)
        ddb.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST", **KEY_SCHEMA)
        ddb.get_waiter("table_exists").wait(TableName=TABLE, WaiterConfig={"Delay": 1})
        for sk in range(PARTITION):
            ddb.put_item(TableName=TABLE, Item=item("q", sk))
    if "kinesis" in services:
        kinesis = peers.client("kinesis", server.endpoint)
        kinesis.create_stream(StreamName=STREAM, ShardCount=1)
        kinesis.get_waiter("stream_exists").wait(
            StreamName=STREAM, WaiterConfig={"Delay": 1, "MaxAttempts": 60}
        )


Samples = dict[tuple[str, str], list[float]]
"""Every round's figure, by (server, measurement)."""


def measure_round(servers: list[peers.Server], seconds: float, samples: Samples) -> None:
    """One call rate and CPU per call for every (operation, server), servers in turn; each
    server's result is the median of its samples so far."""
    for operation, service in OPERATIONS.items():
        for server in servers:
            if service not in CONTENDERS[server.name].services:
                continue
            try:
                call = make_call(operation, server.endpoint)
                before = peers.session_cpu_seconds(server.process.pid)
                per_second, count = peers.rate(call, seconds)
                cpu = peers.session_cpu_seconds(server.process.pid) - before
            except Exception as error:
                server.failures[operation] = str(error)
                continue
            # ``rate`` makes one untimed warm-up call, which the server's CPU includes.
            figures = {operation: per_second, f"{operation} cpu ms": 1000 * cpu / (count + 1)}
            for key, value in figures.items():
                taken = samples.setdefault((server.name, key), [])
                taken.append(value)
                server.results[key] = statistics.median(taken)


def main() -> None:
    parser = peers.argument_parser(__doc__.split("\n")[0], seconds=1.0)
    parser.add_argument("--rounds", type=int, default=5, help="interleaved measurement rounds")
    parser.add_argument(
        "--baseline",
        metavar="PYTHON",
        help="also measure the lakehose installed for this interpreter (another version's venv)",
    )
    arguments = parser.parse_args()
    if arguments.baseline:
        CONTENDERS["lakehose-baseline"] = Contender(
            peers.Peer(baseline_command(arguments.baseline)), BOTH
        )
    with tempfile.TemporaryDirectory(prefix="bench-calls-") as temporary:
        home = Path(temporary)
        servers: list[peers.Server] = []
        skipped: dict[str, str] = {}
        samples: Samples = {}
        with contextlib.ExitStack() as running:
            for name, contender in CONTENDERS.items():
                started = running.enter_context(peers.running(name, contender.peer, home, probe))
                if isinstance(started, str):
                    skipped[name] = started
                    continue
                prepare(started)
                servers.append(started)
            for number in range(arguments.rounds):
                print(f"round {number + 1} of {arguments.rounds} ...", flush=True)
                measure_round(servers, arguments.seconds, samples)
            rows = list(OPERATIONS)
            for clients in sorted({2, arguments.clients}):
                for operation, service in CONCURRENT.items():
                    row = f"{operation} x{clients} clients"
                    rows.append(row)
                    for server in servers:
                        if service in CONTENDERS[server.name].services:
                            server.results[row] = peers.concurrent_rate(
                                make_call, (operation, server.endpoint), clients, arguments.seconds
                            )
        print(f"\n{os.cpu_count()} cores; medians of {arguments.rounds} interleaved rounds")
        peers.report(servers, skipped, rows, [], label_width=22, width=20)
        print_cpu(servers)


def print_cpu(servers: list[peers.Server]) -> None:
    """Server CPU ms per call for every server, with lakehose's ratio to each peer."""
    base = next((s for s in servers if s.name == "lakehose"), None)
    print(f"\n{'server CPU ms/call':<22}" + "".join(f"{s.name:>20}" for s in servers))
    for operation in OPERATIONS:
        cells = []
        for server in servers:
            value = server.results.get(f"{operation} cpu ms")
            if value is None:
                cells.append(f"{'-':>20}")
                continue
            ratio = ""
            if base is not None and server is not base and base.results.get(f"{operation} cpu ms"):
                ratio = f" (lh {base.results[f'{operation} cpu ms'] / value:.2f}x)"
            cells.append(f"{value:>8.3f}{ratio:>12}")
        print(f"{operation:<22}" + "".join(cells))
    print(
        "(lh Nx: lakehose's CPU per call over the peer's; below 1 is less CPU. lakehose commits "
        "every write to disk, kinesalite, moto and MiniStack keep data in memory)"
    )


if __name__ == "__main__":
    main()
