"""SIGINT and SIGTERM stop ``lakehose up`` in bounded time, safely, whatever is in flight.

A real server runs the article's stack while clients write, Firehose delivers through the
Lambda transform and a keep-alive connection stays open; the signal must end the process
(gracefully: status 0), and after a restart every acknowledged write is in the table and in the
lake exactly once. A stop that cannot finish in time (a Lambda handler that sleeps) is
abandoned at ``LAKEHOSE_STOP_TIMEOUT``, as a ``kill -9`` would end it.
"""

from __future__ import annotations

import contextlib
import gzip
import http.client
import io
import json
import os
import signal
import threading
import urllib.request
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from botocore.config import Config

from lakehose.cli.demo import ASSEMBLY
from lakehose.deploy import CloudAssembly, Deployer
from lakehose.gateway.server import ABANDONED_STATUS
from tests.conftest import ServerProcess

pytestmark = pytest.mark.server

# Writes are asserted, not retried, and must not hang on a server that is going away.
CONFIG = Config(retries={"total_max_attempts": 1}, connect_timeout=2, read_timeout=30)
TABLE = "heartrate-ddb"
# A generous bound on how long a signalled server may take to end: a hang, not a duration.
ENDED_WITHIN = 120


class Writer(threading.Thread):
    """PutItem after PutItem until the server stops answering; keeps what was acknowledged."""

    def __init__(self, server: ServerProcess, name: str) -> None:
        super().__init__(daemon=True)
        self.client = server.client("dynamodb", config=CONFIG)
        self.prefix = name
        self.acknowledged: list[str] = []

    def run(self) -> None:
        number = 0
        while True:
            item_id = f"{self.prefix}-{number}"
            item = {"id": {"S": item_id}, "HeartRate": {"S": "130"}, "SensorID": {"S": "1"}}
            try:
                self.client.put_item(TableName=TABLE, Item=item)
            except Exception:
                return
            self.acknowledged.append(item_id)
            number += 1


class Flusher(threading.Thread):
    """Asks for deliveries (Firehose through the Lambda transform) until the server stops."""

    def __init__(self, server: ServerProcess) -> None:
        super().__init__(daemon=True)
        self.server = server
        self.flushes = 0

    def run(self) -> None:
        while True:
            try:
                self.server.flush()
            except Exception:
                return
            self.flushes += 1


def delivered_ids(server: ServerProcess, bucket: str) -> Counter[str]:
    """How often each item id is in the records Firehose wrote under ``data/``."""
    s3 = server.client("s3")
    keys = [
        item["Key"]
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="data/")
        for item in page.get("Contents", [])
    ]
    found: Counter[str] = Counter()
    for key in keys:
        text = gzip.decompress(s3.get_object(Bucket=bucket, Key=key)["Body"].read()).decode()
        # The article's transform ends every record with a newline.
        for line in text.splitlines():
            found[json.loads(line)["dynamodb"]["NewImage"]["id"]["S"]] += 1
    return found


def test_sigint_during_writes_deliveries_and_a_keep_alive_connection_stops_the_server(
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    server = ServerProcess(home)
    try:
        deployer = Deployer(server.client, account_id="000000000000", region="us-east-1")
        (artifact,) = CloudAssembly(ASSEMBLY).select(())
        bucket = next(
            o.value for o in deployer.deploy_artifact(artifact).outputs if o.key == "BucketName"
        )
        host, port = server.endpoint.removeprefix("http://").split(":")
        idle = http.client.HTTPConnection(host, int(port), timeout=30)
        idle.request("GET", "/_lakehose/health")
        assert idle.getresponse().read()  # answered; the connection stays open, idle
        writers = [Writer(server, f"w{n}") for n in range(2)]
        flusher = Flusher(server)
        for thread in (*writers, flusher):
            thread.start()
        while sum(len(w.acknowledged) for w in writers) < 60 or flusher.flushes < 2:
            assert all(t.is_alive() for t in (*writers, flusher)), "a client failed early"
            threading.Event().wait(0.05)
        server.process.send_signal(signal.SIGINT)
        status = server.process.wait(timeout=ENDED_WITHIN)
        output = server.process.stdout.read() if server.process.stdout else ""
        assert status == 0, output
        assert "lakehose stopped" in output
        for thread in (*writers, flusher):
            thread.join(timeout=60)
        idle.close()
    finally:
        server.kill()

    restarted = ServerProcess(home)
    try:
        restarted.flush()
        acknowledged = {item for writer in writers for item in writer.acknowledged}
        stored = {
            item["id"]["S"]
            for page in restarted.client("dynamodb").get_paginator("scan").paginate(TableName=TABLE)
            for item in page["Items"]
        }
        assert acknowledged <= stored
        delivered = delivered_ids(restarted, bucket)
        assert set(delivered) == stored
        assert [item for item, count in delivered.items() if count > 1] == []
    finally:
        restarted.stop()


SLEEPER = """
import os, pathlib, time

def handler(event, context):
    pathlib.Path(event["marker"]).write_text(str(os.getpid()))
    time.sleep(600)
"""


def _package(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", source)
    return buffer.getvalue()


def sleeping_invocation(server: ServerProcess, marker: Path) -> tuple[threading.Thread, list[Any]]:
    """An Invoke whose handler sleeps, running when this returns; its caller and its answer."""
    awslambda = server.client("lambda", config=CONFIG.merge(Config(read_timeout=900)))
    awslambda.create_function(
        FunctionName="sleeper",
        Runtime="python3.11",
        Role="arn:aws:iam::000000000000:role/any",
        Handler="index.handler",
        Code={"ZipFile": _package(SLEEPER)},
        Timeout=900,
    )
    answers: list[Any] = []

    def invoke() -> None:
        try:
            payload = json.dumps({"marker": str(marker)}).encode()
            answers.append(awslambda.invoke(FunctionName="sleeper", Payload=payload))
        except Exception as error:
            answers.append(error)

    caller = threading.Thread(target=invoke, daemon=True)
    caller.start()
    while not marker.exists():
        assert caller.is_alive(), answers
        threading.Event().wait(0.05)
    return caller, answers


def test_a_stop_that_cannot_finish_is_abandoned_at_the_stop_timeout(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "home", env={"LAKEHOSE_STOP_TIMEOUT": "2"})
    marker = tmp_path / "marker"
    try:
        caller, answers = sleeping_invocation(server, marker)
        server.process.send_signal(signal.SIGTERM)
        status = server.process.wait(timeout=ENDED_WITHIN)
        errors = server.process.stderr.read() if server.process.stderr else ""
        assert status == ABANDONED_STATUS, errors
        assert "lakehose: still stopping after 2 s: stopped now, abandoning the work" in errors
        assert not (tmp_path / "home" / "server.json").exists()
        # The worker running the handler did not outlive the server.
        assert not _running(int(marker.read_text()))
        caller.join(timeout=60)
        assert answers and isinstance(answers[0], Exception)
    finally:
        server.kill()
        _end_worker(marker)


def test_a_second_signal_ends_a_stop_at_once(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "home")
    marker = tmp_path / "marker"
    try:
        sleeping_invocation(server, marker)
        server.process.send_signal(signal.SIGINT)
        # Once the first is handled the server takes no new connection; then the second.
        while _answers(server.endpoint):
            threading.Event().wait(0.05)
        server.process.send_signal(signal.SIGINT)
        status = server.process.wait(timeout=ENDED_WITHIN)
        errors = server.process.stderr.read() if server.process.stderr else ""
        assert status == ABANDONED_STATUS, errors
        assert "lakehose: SIGINT while stopping: stopped now" in errors
        assert not _running(int(marker.read_text()))
    finally:
        server.kill()
        _end_worker(marker)


def _running(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie no init has reaped yet does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _end_worker(marker: Path) -> None:
    """If a test failed before the server ended the handler's worker, end it here."""
    with contextlib.suppress(OSError, ValueError):
        os.kill(int(marker.read_text()), signal.SIGKILL)


def _answers(endpoint: str) -> bool:
    try:
        with urllib.request.urlopen(f"{endpoint}/_lakehose/health", timeout=5):
            return True
    except OSError:
        return False
