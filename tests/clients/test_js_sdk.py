"""The AWS SDK for JavaScript v3 against a real ``lakehose up``, one script per service.

Each ``tests/clients/js/<service>.mjs`` does a service's everyday work with the exact SDK
versions ``package-lock.json`` pins, asserts what it sees (``node:assert/strict``) and prints one
JSON line summarising it; this module runs it on the session's server and checks that line. The
SDK is installed by ``bash scripts/test-clients.sh``, never by the tests.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ServerProcess

JS = Path(__file__).parent / "js"
REPOSITORY = Path(__file__).parents[2]
# Lambda waits for a worker process and Athena for a query; both finish in seconds locally.
TIMEOUT_SECONDS = 180
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def _run(service: str, server: ServerProcess, prefix: str) -> dict[str, Any]:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node (>= 20) is not on PATH; the JavaScript SDK tests need it")
    if not (JS / "node_modules" / "@aws-sdk").is_dir():
        pytest.fail(
            "tests/clients/js/node_modules is missing; run `bash scripts/test-clients.sh` "
            "to install the pinned AWS SDK for JavaScript"
        )
    # The scripts configure endpoint, region and credentials themselves; AWS_* settings of the
    # caller's shell (profiles, checksum modes, endpoint URLs) must not change what they send.
    environment = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    environment.update(LAKEHOSE_ENDPOINT=server.endpoint, NAME_PREFIX=prefix)
    done = subprocess.run(
        [node, str(JS / f"{service}.mjs")],
        cwd=REPOSITORY,
        env=environment,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )
    assert done.returncode == 0, f"{service}.mjs failed:\n{done.stdout}\n{done.stderr}"
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1, f"{service}.mjs should print one JSON line:\n{done.stdout}"
    summary: dict[str, Any] = json.loads(lines[0])
    assert summary["service"] == service and summary["ok"] is True
    return summary


def _dynamodb(summary: dict[str, Any], prefix: str) -> None:
    assert summary["table"] == f"{prefix}-readings"
    assert summary["queried"] == [93, 72] and summary["updated"] == 80


def _kinesis(summary: dict[str, Any], prefix: str) -> None:
    assert summary["shards"] == 1
    # The four payloads, base64: binary with NUL and 0xFF, JSON, UTF-8 text, invalid UTF-8.
    assert summary["data"] == ["AAEC//4=", "eyJyYXRlIjogNjF9", "endlaSDinJM=", "wyg="]


def _firehose(summary: dict[str, Any], prefix: str) -> None:
    assert summary["objects"] == 1 and summary["records"] == 4
    hour = r"\d{4}/\d{2}/\d{2}/\d{2}"
    assert re.fullmatch(rf"js/{hour}/{re.escape(prefix)}-firehose-1-.+", summary["key"])


def _s3(summary: dict[str, Any], prefix: str) -> None:
    assert summary["listed"] == ["blobs/raw.bin", "notes/hello wörld+1.txt"]
    assert summary["remaining"] == 1


def _lambda(summary: dict[str, Any], prefix: str) -> None:
    assert summary["payload"] == {
        "sum": 225,
        "greeting": "hello js",
        "function": f"{prefix}-fn",
        "python": summary["payload"]["python"],
        "region": "us-east-1",
        "mood": "calm",
    }


def _glue(summary: dict[str, Any], prefix: str) -> None:
    assert summary["tables"] == ["alerts", "readings"] and summary["remaining"] == 1


def _athena(summary: dict[str, Any], prefix: str) -> None:
    assert re.fullmatch(UUID, summary["queryExecutionId"])
    assert summary["rows"] == [["sensor", "rate"], ["s1", "130"], ["s0", "142"], ["s2", "150"]]


CHECKS: dict[str, Callable[[dict[str, Any], str], None]] = {
    "dynamodb": _dynamodb,
    "kinesis": _kinesis,
    "firehose": _firehose,
    "s3": _s3,
    "lambda": _lambda,
    "glue": _glue,
    "athena": _athena,
}


@pytest.mark.parametrize("service", list(CHECKS))
def test_js_sdk(server: ServerProcess, service: str) -> None:
    # Short, lowercase names fit every service's rules (S3 buckets are the strictest); the pid
    # keeps reruns against one server apart.
    prefix = f"js-{service}-{os.getpid()}"
    CHECKS[service](_run(service, server, prefix), prefix)
