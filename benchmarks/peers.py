"""What the benchmarks share: peer servers on loopback ports, timed loops and the ratio table.

A benchmark script keeps its service's own parts (the calls it times, its peers' quirks, its
in-process measurements) and takes from here how a server is started, waited for, measured and
stopped, so that every script measures the same way and their numbers can be read side by side.

The scripts run as ``python benchmarks/bench_x.py``; Python puts the script's directory first on
``sys.path``, so ``import peers`` finds this file from any working directory (and so do the
client processes that ``concurrent_rate`` spawns, which inherit that ``sys.path``).

Every loop here is bounded by time and by count, and every server listens on 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

MAX_CALLS = 100_000  # a timed loop stops here even if time is left, so none runs away
STARTUP_SECONDS = 120  # npx may download a peer on its first start
STOP_SECONDS = 15
CREDENTIALS = ("bench", "bench")

Command = Callable[[int, Path], list[str]]
"""Builds a peer's command line from its port and the run's scratch directory."""


@dataclass(frozen=True)
class Peer:
    """A server to measure: how to start it, and the key pair it accepts."""

    command: Command
    credentials: tuple[str, str] = CREDENTIALS


@dataclass
class Server:
    """A started peer, with what was measured on it (calls/s, CPU ms) and what failed."""

    name: str
    endpoint: str
    process: subprocess.Popen[bytes]
    credentials: tuple[str, str] = CREDENTIALS
    results: dict[str, float] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)


Probe = Callable[[Server], object]
"""A cheap call that succeeds once a server answers its service's API."""

CallFactory = Callable[..., Callable[[], object]]
"""Builds, inside a client process, the call that process times (it makes its own client)."""


# -- clients and commands ----------------------------------------------------------------------


def client(
    service: str,
    endpoint: str,
    credentials: tuple[str, str] = CREDENTIALS,
    **config: Any,
) -> Any:
    """A boto3 client of ``endpoint`` that does not retry, so a failure shows as one."""
    session: Any = boto3.session.Session()
    return session.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=credentials[0],
        aws_secret_access_key=credentials[1],
        config=Config(retries={"total_max_attempts": 1}, **config),
    )


def lakehose_command(port: int, home: Path) -> list[str]:
    """``lakehose up`` from this interpreter, its state under ``home/lh``."""
    return [sys.executable, "-m", "lakehose", "up", "--port", str(port), "--home", str(home / "lh")]


def moto_command(port: int, home: Path) -> list[str]:
    """moto's server, from ``PATH`` or next to this interpreter."""
    found = shutil.which("moto_server") or str(Path(sys.executable).with_name("moto_server"))
    if not Path(found).is_file():
        raise RuntimeError("moto_server not found (pip install 'moto[server]')")
    return [found, "-H", "127.0.0.1", "-p", str(port)]


def ministack_command(port: int, home: Path) -> list[str]:
    """MiniStack (a Python multi-service emulator), from ``$MINISTACK`` or ``PATH``."""
    found = os.environ.get("MINISTACK") or shutil.which("ministack")
    if not found or not Path(found).is_file():
        raise RuntimeError("ministack not found (pip install ministack; or set MINISTACK)")
    return ["env", f"GATEWAY_PORT={port}", found]


def node_command(package: str, arguments: list[str]) -> list[str]:
    """A Node.js peer: installed under ``$<NAME>_DIR`` (``KINESALITE_DIR`` for ``kinesalite@3``)
    if that holds ``node_modules/.bin/<name>``, else fetched and run by ``npx --yes <package>``."""
    name = package.partition("@")[0]
    directory = os.environ.get(f"{name.upper()}_DIR")
    if directory:
        local = Path(directory).resolve() / "node_modules" / ".bin" / name
        if local.is_file():
            return [str(local), *arguments]
    if shutil.which("npx") is None:
        raise RuntimeError("npx not found (install Node.js)")
    return ["npx", "--yes", package, *arguments]


def argument_parser(description: str, seconds: float) -> argparse.ArgumentParser:
    """The options every peer benchmark takes: ``--seconds`` per measurement (``seconds`` by
    default) and ``--clients``, the client processes of the concurrent measurement."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--seconds", type=float, default=seconds, help="per measurement")
    parser.add_argument("--clients", type=int, default=4, help="client processes")
    return parser


# -- starting and stopping ---------------------------------------------------------------------


def free_port() -> int:
    """A loopback port no one listens on now (the peer binds it a moment later)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(
    name: str, peer: Peer, port: int, home: Path, probe: Probe, interval: float = 0.2
) -> Server:
    """Start ``peer`` on ``port`` (output to ``home/<name>.log``) and wait until ``probe`` passes,
    trying every ``interval`` seconds.

    The peer gets its own session, so that stopping it also stops what it spawned (``npx`` runs
    node as a child, ``lakehose up`` its Lambda workers).
    """
    with (home / f"{name}.log").open("wb") as log:
        process = subprocess.Popen(
            peer.command(port, home),
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=home,
            start_new_session=True,
        )
    server = Server(name, f"http://127.0.0.1:{port}", process, peer.credentials)
    deadline = time.monotonic() + STARTUP_SECONDS
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"exited with {process.returncode}")
            try:
                probe(server)
                return server
            except Exception:
                if time.monotonic() > deadline:
                    raise RuntimeError("did not answer in time") from None
                time.sleep(interval)
    except BaseException:
        stop(process)
        raise


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a server and every process of its session: SIGTERM, then SIGKILL if it lingers."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@contextlib.contextmanager
def running(name: str, peer: Peer, home: Path, probe: Probe) -> Iterator[Server | str]:
    """The started server, stopped on exit; or ``"skipped (why)"`` if it cannot start.

    A peer that cannot start (no Node.js, no ``moto_server``) is reported, not fatal: the run
    measures the others.
    """
    try:
        server: Server | str = start(name, peer, free_port(), home, probe)
    except Exception as error:
        server = f"skipped ({error})"
    if isinstance(server, str):
        yield server
        return
    try:
        yield server
    finally:
        stop(server.process)


def measure_each(
    peers: Mapping[str, Peer], home: Path, probe: Probe, measure: Callable[[Server], None]
) -> tuple[list[Server], dict[str, str]]:
    """Start the peers one at a time (so none competes for the CPU) and ``measure`` each.

    Returns the measured servers, in order, and why any other was skipped.
    """
    servers: list[Server] = []
    skipped: dict[str, str] = {}
    for name, peer in peers.items():
        with running(name, peer, home, probe) as server:
            if isinstance(server, str):
                skipped[name] = server
                continue
            print(f"measuring {name} at {server.endpoint} ...", flush=True)
            measure(server)
            servers.append(server)
    return servers, skipped


# -- measuring ---------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process, from /proc: the server's cost apart from the
    client's, which shares the machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    ticks = int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return ticks / os.sysconf("SC_CLK_TCK")


def session_cpu_seconds(leader: int) -> float:
    """CPU time of every live process in the session ``leader`` started: a peer started through
    ``npx`` or ``env`` does its work in a child, and lakehose in its Lambda workers."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue  # the process ended meanwhile
        if int(fields[3]) == leader:  # the session id (field 6 of stat)
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def rate(call: Callable[[], object], seconds: float) -> tuple[float, int]:
    """Calls per second of ``call`` over about ``seconds`` (at most MAX_CALLS calls), after one
    untimed call that warms up connections and caches; and how many calls were timed."""
    call()
    count = 0
    began = time.perf_counter()
    deadline = began + seconds
    while count < MAX_CALLS and time.perf_counter() < deadline:
        call()
        count += 1
    return count / (time.perf_counter() - began), count


def measure_call(
    server: Server, operation: str, call: Callable[[], object], seconds: float
) -> None:
    """Record ``operation``'s calls/s from one client, and the server's CPU ms per call
    (``"<operation> cpu ms"``, the warm-up call included)."""
    cpu_before = cpu_seconds(server.process.pid)
    per_second, count = rate(call, seconds)
    cpu = cpu_seconds(server.process.pid) - cpu_before
    server.results[operation] = per_second
    server.results[f"{operation} cpu ms"] = 1000 * cpu / max(count + 1, 1)


def _client_process(
    make_call: CallFactory, arguments: tuple[Any, ...], seconds: float, queue: Any
) -> None:
    queue.put(rate(make_call(*arguments), seconds)[0])


def concurrent_rate(
    make_call: CallFactory, arguments: tuple[Any, ...], clients: int, seconds: float
) -> float:
    """Total calls/s of ``clients`` processes at once, each timing ``make_call(*arguments)()``.

    Separate processes, not threads, so the clients are not serialized by one interpreter's
    lock and the server, not the client, is what saturates. ``make_call`` must be a module-level
    function (it is pickled into each spawned process); it builds its own client there.
    """
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    workers = [
        context.Process(target=_client_process, args=(make_call, arguments, seconds, queue))
        for _ in range(clients)
    ]
    for worker in workers:
        worker.start()
    try:
        return float(sum(queue.get(timeout=seconds + 120) for _ in workers))
    finally:
        for worker in workers:
            worker.join(timeout=30)


# -- reporting ---------------------------------------------------------------------------------


def report(
    servers: list[Server],
    skipped: dict[str, str],
    rows: list[str],
    cpu_rows: list[str],
    *,
    label_width: int = 24,
    width: int = 24,
    cpu_label_width: int = 12,
) -> None:
    """Print calls/s per row and server, each peer with its ratio to lakehose; then lakehose's
    CPU ms per call for ``cpu_rows``, what failed and which peers were skipped."""
    base = next((s for s in servers if s.name == "lakehose"), None)
    print(f"\n{'calls/s':<{label_width}}" + "".join(f"{s.name:>{width}}" for s in servers))
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
            cells.append(f"{value:>{width - 12}.1f}{ratio:>12}")
        print(f"{row:<{label_width}}" + "".join(cells))
    if base is not None and cpu_rows:
        print("\nlakehose server CPU per call:")
        for row in cpu_rows:
            if f"{row} cpu ms" in base.results:
                print(f"  {row:<{cpu_label_width}} {base.results[f'{row} cpu ms']:.2f} ms")
    for server in servers:
        for operation, why in server.failures.items():
            print(f"{server.name} {operation} failed: {why}")
    for name, why in skipped.items():
        print(f"{name}: {why}")
    print("(ratios: the peer's calls/s divided by lakehose's)")
