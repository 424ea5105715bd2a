"""moto's AWS-verified DynamoDB tests, run against ``lakehose up``, must keep passing.

moto comes from the lock and its sdist (which ships the tests) from ``bash
scripts/test-clients.sh``; the test installs and downloads nothing. It takes about a minute.
The floor is the count published in ``docs/conformance.md`` minus a small margin for tests that
depend on AWS timing.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "conformance_dynamodb.py"
PUBLISHED = 140  # docs/conformance.md
FLOOR = PUBLISHED - 4


@pytest.mark.slow
def test_moto_aws_verified_dynamodb_tests_pass(tmp_path: Path) -> None:
    finished = subprocess.run(
        [sys.executable, str(SCRIPT), "--workdir", str(tmp_path), "--show-failures"],
        capture_output=True,
        text=True,
        timeout=1200,
        check=True,
    )
    counts = json.loads(finished.stdout.strip().splitlines()[-1])
    assert counts["passed"] >= FLOOR, counts["failing"]
