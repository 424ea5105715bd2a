"""Two SDK generations against one server, and a server on either generation's models.

botocore 1.40 describes Athena in awsJson 1.1 (``X-Amz-Target: AmazonAthena.*``); the locked
botocore in rest-json. AWS answers both, so lakehose must too, whichever botocore it runs on.
The oldest generation lives in ``.clients/boto3-oldest`` (``bash scripts/test-clients.sh``
installs it from ``locks/clients-oldest.txt``); a child process puts it first on its path.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import botocore
import pytest

from tests.compat import workload
from tests.conftest import ServerProcess

ROOT = Path(__file__).resolve().parents[2]
OLDEST = ROOT / ".clients" / "boto3-oldest"
EXPECTED_ROWS = [["id", "bpm"], ["1", "101"], ["2", "102"]]


@pytest.fixture(scope="module")
def oldest() -> Path:
    if not (OLDEST / "botocore").is_dir():
        pytest.fail(f"{OLDEST} is missing: run `bash scripts/test-clients.sh`")
    return OLDEST


def oldest_environment(oldest: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(oldest), str(ROOT)])}


def run_oldest(oldest: Path, endpoint: str, prefix: str) -> dict[str, Any]:
    finished = subprocess.run(
        [sys.executable, str(Path(workload.__file__)), endpoint, prefix],
        capture_output=True,
        text=True,
        timeout=300,
        env=oldest_environment(oldest),
        check=False,
    )
    assert finished.returncode == 0, finished.stderr
    result: dict[str, Any] = json.loads(finished.stdout.strip().splitlines()[-1])
    return result


def assert_work_done(result: dict[str, Any]) -> None:
    assert result["dynamodb"]["item"] == {"id": {"S": "a"}, "bpm": {"N": "120"}}
    assert result["kinesis"]["data"] == ["00626561 74ff".replace(" ", "")]
    assert result["athena"] == {"state": "SUCCEEDED", "rows": EXPECTED_ROWS}
    assert result["firehose"] == {"bodies": ["72\n73\n"]}
    assert result["lambda"] == {"status": 200, "result": {"doubled": 42}}
    assert result["sts"] == "arn:aws:iam::000000000000:root"


def test_oldest_and_newest_clients_share_one_server(
    oldest: Path, server: ServerProcess, name: str
) -> None:
    old = run_oldest(oldest, server.endpoint, f"{name}-old")
    assert old["botocore"] == "1.40.0"
    assert old["athena_protocol"] == "json"
    assert_work_done(old)

    new = workload.run(server.endpoint, f"{name}-new")
    assert new["botocore"] == botocore.__version__
    assert new["athena_protocol"] == "rest-json"
    assert_work_done(new)


def test_server_on_the_oldest_models_serves_the_newest_client(
    oldest: Path, tmp_path: Path, name: str
) -> None:
    process = ServerProcess(tmp_path / "home", env={"PYTHONPATH": str(oldest)})
    try:
        version = subprocess.run(
            [sys.executable, "-m", "lakehose", "--version"],
            capture_output=True,
            text=True,
            env=oldest_environment(oldest),
            check=True,
        ).stdout
        assert "botocore 1.40.0" in version
        result = workload.run(process.endpoint, name)
        assert result["athena_protocol"] == "rest-json"
        assert_work_done(result)
        assert_work_done(run_oldest(oldest, process.endpoint, f"{name}-old"))
    finally:
        process.stop()
