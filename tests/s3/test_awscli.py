"""The AWS CLI (awscli from PyPI) against ``lakehose up``: cp, ls and sync, byte-exact."""

from __future__ import annotations

import filecmp
import os
import time
from pathlib import Path
from typing import Any

import pytest

from tests.clients.awscli import aws_cli
from tests.conftest import ServerProcess
from tests.s3.conftest import MiB

# Each CLI run starts a Python process with awscli (seconds apiece): all of these are slow.
pytestmark = [pytest.mark.server, pytest.mark.slow]


@pytest.fixture
def cli_bucket(server: ServerProcess, name: str) -> Any:
    client = server.client("s3")
    client.create_bucket(Bucket=name)
    yield name
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=name):
        for item in page.get("Contents", []):
            client.delete_object(Bucket=name, Key=item["Key"])
    client.delete_bucket(Bucket=name)


def test_cp_and_ls(server: ServerProcess, cli_bucket: str, tmp_path: Path) -> None:
    source = tmp_path / "hello.txt"
    source.write_bytes(b"hello from the cli\n")
    aws_cli(server, tmp_path, "s3", "cp", str(source), f"s3://{cli_bucket}/greetings/hello.txt")
    listing = aws_cli(server, tmp_path, "s3", "ls", "--recursive", f"s3://{cli_bucket}")
    assert listing.split()[-2:] == [str(len(b"hello from the cli\n")), "greetings/hello.txt"]
    copy = tmp_path / "copy.txt"
    aws_cli(server, tmp_path, "s3", "cp", f"s3://{cli_bucket}/greetings/hello.txt", str(copy))
    assert copy.read_bytes() == source.read_bytes()


def test_sync_of_a_hundred_files_round_trips(
    server: ServerProcess, cli_bucket: str, tmp_path: Path
) -> None:
    up = tmp_path / "up"
    for number in range(100):
        path = up / f"dir{number % 7}" / f"file {number}.bin"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(os.urandom(number * 37))
        # LastModified has whole seconds (on AWS too): a file written in its upload's second
        # would look newer than its copy, and the last sync below would send it again.
        os.utime(path, (time.time() - 2, time.time() - 2))
    aws_cli(server, tmp_path, "s3", "sync", str(up), f"s3://{cli_bucket}/tree")
    listed = server.client("s3").list_objects_v2(Bucket=cli_bucket, Prefix="tree/")
    assert listed["KeyCount"] == 100
    down = tmp_path / "down"
    aws_cli(server, tmp_path, "s3", "sync", f"s3://{cli_bucket}/tree", str(down))
    originals = sorted(p.relative_to(up) for p in up.rglob("*") if p.is_file())
    copies = sorted(p.relative_to(down) for p in down.rglob("*") if p.is_file())
    assert originals == copies
    _, mismatched, errors = filecmp.cmpfiles(up, down, [str(p) for p in originals], shallow=False)
    assert (mismatched, errors) == ([], [])
    # Nothing changed, so a second sync has nothing to upload.
    assert aws_cli(server, tmp_path, "s3", "sync", str(up), f"s3://{cli_bucket}/tree") == ""


def test_a_50_mb_file_goes_up_in_parts_and_comes_back_exact(
    server: ServerProcess, cli_bucket: str, tmp_path: Path
) -> None:
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(50 * MiB))
    aws_cli(server, tmp_path, "s3", "cp", str(big), f"s3://{cli_bucket}/big.bin")
    head = server.client("s3").head_object(Bucket=cli_bucket, Key="big.bin")
    assert head["ContentLength"] == 50 * MiB
    assert head["ETag"].endswith('-7"')  # the CLI's default 8 MiB parts: a multipart ETag
    back = tmp_path / "back.bin"
    aws_cli(server, tmp_path, "s3", "cp", f"s3://{cli_bucket}/big.bin", str(back))
    assert filecmp.cmp(big, back, shallow=False)


def test_what_tools_send_in_setup(server: ServerProcess, cli_bucket: str, tmp_path: Path) -> None:
    source = tmp_path / "data.csv"
    source.write_bytes(b"a,b\n1,2\n")
    target = f"s3://{cli_bucket}/data.csv"
    aws_cli(
        server, tmp_path, "s3", "cp", str(source), target, "--sse", "AES256", "--acl",
        "bucket-owner-full-control",
    )  # fmt: skip
    head = server.client("s3").head_object(Bucket=cli_bucket, Key="data.csv")
    assert head["ServerSideEncryption"] == "AES256"
    versioning = aws_cli(server, tmp_path, "s3api", "get-bucket-versioning", "--bucket", cli_bucket)
    assert versioning.strip() == ""  # an unversioned bucket answers an empty configuration
    attributes = aws_cli(
        server, tmp_path, "s3api", "get-object-attributes", "--bucket", cli_bucket, "--key",
        "data.csv", "--object-attributes", "ObjectSize",
    )  # fmt: skip
    assert '"ObjectSize": 8' in attributes
