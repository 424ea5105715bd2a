"""Running the AWS CLI (awscli from the lock) against a ``lakehose up``, isolated from the host."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.conftest import ServerProcess


def aws_cli(server: ServerProcess, home: Path, *arguments: str) -> str:
    """The CLI's standard output; fails the test with its standard error on a non-zero exit."""
    environment = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
        # Nothing from the machine's own AWS configuration may leak in.
        "AWS_CONFIG_FILE": str(home / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "credentials"),
    }
    environment.pop("AWS_PROFILE", None)
    command = [sys.executable, "-m", "awscli", "--endpoint-url", server.endpoint, *arguments]
    finished = subprocess.run(
        command, env=environment, capture_output=True, text=True, timeout=300, check=False
    )
    assert finished.returncode == 0, finished.stderr
    return finished.stdout


def aws_json(server: ServerProcess, home: Path, *arguments: str) -> Any:
    """The CLI's JSON output, parsed (``None`` for commands that print nothing)."""
    output = aws_cli(server, home, *arguments, "--output", "json")
    return json.loads(output) if output.strip() else None
