"""Start-up: how soon each server answers its first call, and what ``import lakehose`` costs.

For each server (lakehose, dynalite, kinesalite, moto, MiniStack), started ``--runs`` times in
turn on a free loopback port with a fresh state directory, the time from ``Popen`` to the
first successful API call (ListTables, or ListStreams for kinesalite), the median over runs.
Beside it, interpreters timed the same way: ``python -c pass`` (the floor any Python server
pays) and ``python -c "import lakehose"``.

Peers started through ``npx`` pay npx's own start too; point ``DYNALITE_DIR`` and
``KINESALITE_DIR`` at installed copies (``npm install dynalite@4 kinesalite@3``) to time the
servers alone, and ``MINISTACK`` at a ``ministack`` executable.

    python benchmarks/bench_start.py --runs 5
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import bench_calls
import peers

PROBE_INTERVAL = 0.01


def time_to_answer(name: str, peer: peers.Peer, home: Path) -> float:
    """Seconds from starting ``peer`` until its first API call succeeds."""
    began = time.perf_counter()
    server = peers.start(name, peer, peers.free_port(), home, bench_calls.probe, PROBE_INTERVAL)
    elapsed = time.perf_counter() - began
    peers.stop(server.process)
    return elapsed


def time_to_exit(arguments: list[str]) -> float:
    began = time.perf_counter()
    subprocess.run(arguments, check=True)
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="starts per server")
    arguments = parser.parse_args()
    samples: dict[str, list[float]] = {}
    skipped: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="bench-start-") as temporary:
        for run in range(arguments.runs):
            home = Path(temporary) / str(run)
            home.mkdir()
            for command in (["-c", "pass"], ["-c", "import lakehose"]):
                label = f"python {' '.join(command)}"
                seconds = time_to_exit([sys.executable, *command])
                samples.setdefault(label, []).append(seconds)
            for name, contender in bench_calls.CONTENDERS.items():
                if name in skipped:
                    continue
                try:
                    seconds = time_to_answer(name, contender.peer, home)
                except Exception as error:
                    skipped[name] = str(error)
                    continue
                samples.setdefault(name, []).append(seconds)
    floor = statistics.median(samples["python -c pass"])
    print(f"\nmedian of {arguments.runs} starts          seconds   x python -c pass")
    for label, values in samples.items():
        median = statistics.median(values)
        print(f"  {label:<30} {median:>8.3f} {median / floor:>10.1f}x")
    for name, why in skipped.items():
        print(f"{name}: skipped ({why})")


if __name__ == "__main__":
    main()
