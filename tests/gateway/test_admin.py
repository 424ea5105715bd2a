"""Health and flush endpoints, the owner lock, and the CLI's view of a running server."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

import botocore
import pytest

from lakehose import Lakehose, __version__
from lakehose.errors import StateDirectoryLocked
from lakehose.gateway.http import Headers, HttpRequest
from lakehose.storage import ServerRecord, StateDirectory
from tests.conftest import ServerProcess, sigv4_stub

SERVICES = [
    "dynamodb",
    "dynamodbstreams",
    "kinesis",
    "firehose",
    "s3",
    "lambda",
    "glue",
    "athena",
    "logs",
    "sts",
]


def test_second_runtime_on_one_home_is_refused(tmp_path: Path) -> None:
    with Lakehose(home=tmp_path, background=False):
        second = Lakehose(home=tmp_path, background=False)
        with pytest.raises(StateDirectoryLocked, match="in use by another lakehose runtime"):
            second.start()
    # Once the first has closed, the home is free again.
    with Lakehose(home=tmp_path, background=False) as again:
        assert again.state.locked


def test_health_and_flush_in_process(lake: Lakehose) -> None:
    health = lake.gateway.handle(HttpRequest("GET", "/_lakehose/health"))
    assert health.status == 200
    document = json.loads(health.body)
    assert document["version"] == __version__
    # The home's id, which CLI commands check before they use a server.
    assert document["home_id"] == lake.state.recorded_home_id() == lake.home_id
    assert list(document["services"]) == SERVICES
    # Every admin call but health must be signed (any key: this runtime checks none).
    unsigned = lake.gateway.handle(HttpRequest("POST", "/_lakehose/flush"))
    assert unsigned.status == 403
    assert json.loads(unsigned.body)["code"] == "MissingAuthenticationTokenException"
    signed = Headers(sigv4_stub("lakehose"))
    flushed = lake.gateway.handle(HttpRequest("POST", "/_lakehose/flush", headers=signed))
    assert (flushed.status, json.loads(flushed.body)) == (200, {"flushed": True})
    missing = lake.gateway.handle(HttpRequest("GET", "/_lakehose/nothing", headers=signed))
    assert missing.status == 404


def test_server_health_flush_status_and_second_up(server: ServerProcess) -> None:
    with urllib.request.urlopen(f"{server.endpoint}/_lakehose/health") as response:
        document = json.loads(response.read())
    assert document["version"] == __version__
    assert document["home_id"] == StateDirectory(server.home).recorded_home_id()
    assert StateDirectory(server.home).read_server() == ServerRecord(
        server.endpoint, server.process.pid, document["home_id"]
    )
    assert set(document["services"]) == set(SERVICES)
    assert server.admin("flush") == {"flushed": True}

    status = subprocess.run(
        [sys.executable, "-m", "lakehose", "status", "--home", str(server.home)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert server.endpoint in status.stdout
    assert "kinesis" in status.stdout

    second = subprocess.run(
        [sys.executable, "-m", "lakehose", "up", "--port", "0", "--home", str(server.home)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert second.returncode == 1
    assert "in use by another lakehose runtime" in second.stderr
    assert server.endpoint in second.stderr


def test_status_without_a_server_says_so(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "lakehose", "status", "--home", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "no lakehose server is running" in result.stderr


def test_version_flag() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "lakehose", "--version"], capture_output=True, text=True, check=True
    )
    lines = result.stdout.splitlines()
    assert lines[:2] == [
        f"lakehose {__version__}",
        f"botocore {botocore.__version__} service models:",
    ]
    assert "  athena     2017-05-18  rest-json, json" in lines


def test_server_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    process = ServerProcess(tmp_path / "home")
    assert process.stop() == 0
    # The lock went with it: a new runtime may own the home.
    with Lakehose(home=tmp_path / "home", background=False):
        pass


def test_embedded_runtime_serves_a_loopback_endpoint_on_demand(lake: Lakehose) -> None:
    endpoint = lake.endpoint()
    assert endpoint.startswith("http://localhost:")
    assert lake.endpoint() == endpoint
    with urllib.request.urlopen(f"{endpoint}/_lakehose/health") as response:
        assert json.loads(response.read())["version"] == __version__


def up_refused(home: Path) -> subprocess.CompletedProcess[str]:
    """``lakehose up`` on ``home``, which must refuse to start."""
    result = subprocess.run(
        [sys.executable, "-m", "lakehose", "up", "--port", "0", "--home", str(home)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1, result.stdout
    return result


def test_up_reports_a_damaged_database_by_name_and_keeps_it(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with Lakehose(home=home, background=False) as lake:
        lake.client("dynamodb").create_table(
            TableName="kept",
            KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
    database = home / "dynamodb" / "dynamodb.db"
    damaged = database.read_bytes()[:100]
    database.write_bytes(damaged)
    result = up_refused(home)
    assert result.stderr.startswith(f"error: {database} is damaged or not a lakehose database")
    assert "Traceback" not in result.stderr
    assert database.read_bytes() == damaged
    assert not (home / "server.json").exists()


def test_up_refuses_a_home_from_a_newer_lakehose(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "home.json").write_text('{"format": 99, "id": "later"}')
    assert up_refused(home).stderr.startswith(
        f"error: {home} was written by a newer lakehose (home format 99; this one knows 1)"
    )
