"""Run moto's AWS-verified DynamoDB tests against a real ``lakehose up`` and count the passes.

moto marks the tests it has checked against real AWS with ``@pytest.mark.aws_verified``; they
encode AWS's behaviour, not moto's. This script:

1. unpacks moto's sdist, which ships the tests, for the installed moto (both come from the locks:
   ``locks/dev.txt`` installs moto, ``bash scripts/test-clients.sh`` puts the sdist in
   ``.clients/``; nothing is installed or downloaded here);
2. starts ``lakehose up`` on a free port with a fresh state directory and moto's account id;
3. runs the ``aws_verified`` tests of ``tests/test_dynamodb`` in moto's server mode
   (``TEST_SERVER_MODE=true``, ``TEST_SERVER_MODE_ENDPOINT``, ``MOTO_CALL_RESET_API=false``), so
   every boto3 client they create talks to lakehose;
4. prints one JSON line: passed, failed, errors, total, seconds (and the failing test ids with
   ``--show-failures``).

``python scripts/conformance_dynamodb.py [--sdists DIR] [--workdir DIR]``
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import time
import xml.etree.ElementTree as ElementTree
from importlib import metadata
from pathlib import Path

SDISTS = Path(__file__).resolve().parents[1] / ".clients"
MOTO_ACCOUNT = "123456789012"  # moto's DEFAULT_ACCOUNT_ID, which the tests put in ARNs
_LISTENING = re.compile(r"listening on (http://\S+)")


def unpack_moto(sdists: Path, workdir: Path) -> tuple[str, Path]:
    """The installed moto's version and its unpacked sdist's root directory."""
    version = metadata.version("moto")
    sdist = sdists / f"moto-{version}.tar.gz"
    if not sdist.is_file():
        raise SystemExit(f"{sdist} is missing: run `bash scripts/test-clients.sh`")
    root = workdir / f"moto-{version}"
    if not (root / "tests" / "test_dynamodb").is_dir():
        with tarfile.open(sdist) as archive:
            archive.extractall(workdir, filter="data")
    return version, root


def verified_files(root: Path) -> list[Path]:
    """The DynamoDB test modules with at least one ``aws_verified`` test."""
    return sorted(
        path
        for path in (root / "tests" / "test_dynamodb").rglob("test_*.py")
        if "mark.aws_verified" in path.read_text(encoding="utf-8")
    )


class Server:
    """``lakehose up`` in a child process, on a free port and a fresh home."""

    def __init__(self, home: Path) -> None:
        environment = {**os.environ, "LAKEHOSE_ACCOUNT_ID": MOTO_ACCOUNT}
        environment.pop("LAKEHOSE_HOME", None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "lakehose", "up", "--port", "0", "--home", str(home)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=environment,
        )
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if found := _LISTENING.search(line):
                self.endpoint = found.group(1)
                return
        raise RuntimeError("lakehose up did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        if self.process.stdout:
            self.process.stdout.close()


def run(root: Path, endpoint: str, report: Path) -> None:
    environment = {
        **os.environ,
        "TEST_SERVER_MODE": "true",
        "TEST_SERVER_MODE_ENDPOINT": endpoint,
        "MOTO_CALL_RESET_API": "false",
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    files = [str(path.relative_to(root)) for path in verified_files(root)]
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-m",
            "aws_verified",
            "-p",
            "no:cacheprovider",
            "-q",
            "--color=no",
            "--continue-on-collection-errors",
            f"--junitxml={report}",
            *files,
        ],
        cwd=root,
        env=environment,
        check=False,
        stdout=subprocess.DEVNULL,
    )


def count(report: Path) -> dict[str, object]:
    suite = ElementTree.parse(report).getroot()
    cases = suite.iter("testcase")
    failing: list[str] = []
    total = 0
    skipped = 0
    for case in cases:
        total += 1
        if case.find("skipped") is not None:
            skipped += 1
        elif case.find("failure") is not None or case.find("error") is not None:
            failing.append(f"{case.get('classname')}::{case.get('name')}")
    return {
        "passed": total - skipped - len(failing),
        "failed": len(failing),
        "skipped": skipped,
        "total": total,
        "failing": failing,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sdists", type=Path, default=SDISTS, help="where moto's sdist is")
    parser.add_argument("--workdir", type=Path, help="where moto's sdist is kept (default: temp)")
    parser.add_argument("--show-failures", action="store_true")
    arguments = parser.parse_args()
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as scratch:
        workdir = arguments.workdir or Path(scratch)
        workdir.mkdir(parents=True, exist_ok=True)
        version, root = unpack_moto(arguments.sdists, workdir)
        server = Server(Path(scratch) / "home")
        try:
            run(root, server.endpoint, Path(scratch) / "report.xml")
        finally:
            server.stop()
        result = count(Path(scratch) / "report.xml")
    result["seconds"] = round(time.monotonic() - started, 1)
    result["moto"] = version
    if not arguments.show_failures:
        result.pop("failing")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
