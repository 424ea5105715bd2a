"""Lambda invocation cost: warm Invoke p50/p99 and cold-start time of the Python worker.

One handler (Firehose's data transformation: decode each record, append a newline, encode it
back; 100 records of about 300 bytes per event) is measured along four paths, warm:

* ``direct call``: the handler function imported into this process and called with the parsed
  event, its result serialized: the baseline, the work itself;
* ``engine port``: ``LambdaEngine.invoke_function``, as Firehose calls it (worker round trip);
* ``boto3 in-process``: ``Lakehose.client("lambda")``, the gateway without a socket;
* ``boto3 -> lakehose up``: a real server on a loopback port, over HTTP;

printed as p50 / p99 in milliseconds with the ratio to the baseline's p50, so the cost of the
worker and of the wire is visible. Cold starts (a new worker: interpreter start plus handler
import) are forced by changing an environment variable before each invocation, and reported as
the client-observed latency and as the REPORT line's Init Duration, with a bare
``python -c pass`` start as their baseline.

There is no peer: moto's server runs Lambda handlers only inside Docker containers, and
LocalStack only in Docker too, so no Docker-less emulator can execute the same handler.

    python benchmarks/bench_lambda.py            # --warm 500 --cold 20 by default
"""

from __future__ import annotations

import argparse
import base64
import importlib.util
import io
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import peers
from botocore.config import Config

from lakehose import Lakehose

HANDLER = """
import base64

def handler(event, context):
    records = []
    for record in event["records"]:
        data = base64.b64decode(record["data"]) + b"\\n"
        records.append(
            {"recordId": record["recordId"], "result": "Ok",
             "data": base64.b64encode(data).decode()}
        )
    return {"records": records}
"""
ROLE = "arn:aws:iam::000000000000:role/bench"
FUNCTION = "bench-transform"
_INIT = re.compile(r"Init Duration: ([0-9.]+) ms")


def event(records: int = 100) -> bytes:
    body = json.dumps({"id": {"S": "1679514916"}, "HeartRate": {"S": "123"}}).encode() * 4
    return json.dumps(
        {
            "invocationId": "bench",
            "records": [
                {"recordId": f"{i:062d}", "data": base64.b64encode(body).decode()}
                for i in range(records)
            ],
        }
    ).encode()


def package() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", HANDLER)
    return buffer.getvalue()


def timings(call: Callable[[], object], count: int) -> list[float]:
    """Milliseconds per call, after one warm-up call."""
    call()
    samples = []
    for _ in range(count):
        began = time.perf_counter()
        call()
        samples.append((time.perf_counter() - began) * 1000)
    return samples


def percentiles(samples: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return statistics.median(samples), cuts[98]


def direct(payload: bytes, directory: Path) -> Callable[[], object]:
    (directory / "app.py").write_text(HANDLER)
    spec = importlib.util.spec_from_file_location("bench_app", directory / "app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return lambda: json.dumps(module.handler(json.loads(payload), None)).encode()


def create(client: Any) -> None:
    client.create_function(
        FunctionName=FUNCTION,
        Runtime="python3.12",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": package()},
        Timeout=30,
    )


def invoker(client: Any, payload: bytes) -> Callable[[], object]:
    def call() -> bytes:
        response = client.invoke(FunctionName=FUNCTION, Payload=payload)
        if "FunctionError" in response:
            raise RuntimeError(response["Payload"].read())
        return bytes(response["Payload"].read())

    return call


def cold_starts(client: Any, count: int) -> tuple[list[float], list[float]]:
    """Client-observed latency and Init Duration of ``count`` invocations on a new worker."""
    latencies, inits = [], []
    for round_ in range(count):
        # A configuration change retires the warm worker: the next invocation starts a new one.
        client.update_function_configuration(
            FunctionName=FUNCTION, Environment={"Variables": {"ROUND": str(round_)}}
        )
        began = time.perf_counter()
        response = client.invoke(FunctionName=FUNCTION, Payload=b'{"records": []}', LogType="Tail")
        latencies.append((time.perf_counter() - began) * 1000)
        found = _INIT.search(base64.b64decode(response["LogResult"]).decode())
        if found is None:
            raise RuntimeError("the invocation was not a cold start")
        inits.append(float(found.group(1)))
    return latencies, inits


def interpreter_starts(count: int) -> list[float]:
    samples = []
    for _ in range(count):
        began = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        samples.append((time.perf_counter() - began) * 1000)
    return samples


def probe(server: peers.Server) -> object:
    return peers.client("lambda", server.endpoint).list_functions()


def report(rows: dict[str, list[float]], baseline: str, title: str) -> None:
    base_p50 = percentiles(rows[baseline])[0]
    print(f"\n{title:<28}{'p50 ms':>10}{'p99 ms':>10}{'x baseline p50':>17}")
    for label, samples in rows.items():
        p50, p99 = percentiles(samples)
        print(f"{label:<28}{p50:>10.3f}{p99:>10.3f}{p50 / base_p50:>16.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--warm", type=int, default=500, help="warm invocations per path")
    parser.add_argument("--cold", type=int, default=20, help="cold starts per mode")
    parser.add_argument("--records", type=int, default=100, help="records per event")
    arguments = parser.parse_args()
    payload = event(arguments.records)
    warm: dict[str, list[float]] = {}
    cold: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-lambda-") as temporary:
        home = Path(temporary)
        print(f"payload {len(payload)} bytes, {arguments.records} records", flush=True)
        warm["direct call (baseline)"] = timings(direct(payload, home), arguments.warm)
        with Lakehose(home=home / "inprocess", background=False) as lake:
            client = lake.client("lambda", config=Config(retries={"total_max_attempts": 1}))
            create(client)
            engine: Any = lake.engine("lambda")
            warm["engine port"] = timings(
                lambda: engine.invoke_function(FUNCTION, payload), arguments.warm
            )
            warm["boto3 in-process"] = timings(invoker(client, payload), arguments.warm)
            latency, init = cold_starts(client, arguments.cold)
            cold["cold invoke, in-process"], cold["Init Duration, in-process"] = latency, init
        print("measured in-process; starting lakehose up ...", flush=True)
        server_home = home / "server"
        server_home.mkdir()
        with peers.running(
            "lakehose", peers.Peer(peers.lakehose_command), server_home, probe
        ) as server:
            if isinstance(server, str):
                raise RuntimeError(f"lakehose up {server}")
            client = peers.client("lambda", server.endpoint)
            create(client)
            warm["boto3 -> lakehose up"] = timings(invoker(client, payload), arguments.warm)
            latency, init = cold_starts(client, arguments.cold)
            cold["cold invoke, lakehose up"], cold["Init Duration, lakehose up"] = latency, init
        cold = {"python -c pass (baseline)": interpreter_starts(arguments.cold), **cold}
    report(warm, "direct call (baseline)", f"warm Invoke (n={arguments.warm})")
    report(cold, "python -c pass (baseline)", f"cold start (n={arguments.cold})")
    print(
        "\nmoto: not measured. moto's server executes Lambda handlers only in Docker "
        "containers (as LocalStack does); there is no Docker-less peer to compare with."
    )


if __name__ == "__main__":
    main()
