"""The object store on disk: hostile keys stay in their bucket, crashes leave nothing half done."""

from __future__ import annotations

import hashlib
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from botocore.config import Config

from lakehose import Lakehose
from tests.conftest import NO_RETRIES, AwsTarget, InProcess, ServerProcess
from tests.s3.conftest import fetch, files_under


def home_of(aws: AwsTarget) -> Path:
    if isinstance(aws, InProcess):
        return aws.lake.state.path
    assert isinstance(aws, ServerProcess)
    return aws.home


def hostile_keys(marker: str) -> list[str]:
    return [
        f"../{marker}",
        f"../../{marker}",
        f"../../../../../../tmp/{marker}",
        f"/{marker}",
        f"a/../../{marker}",
        f"..\\..\\{marker}",
        f"%2e%2e%2f{marker}",
        "..",
        ".",
        "nul\x00byte",
        "ünïcødé/ключ/鍵/🔑",
        "k" * 1024,
        "Key",
        "key",
        "KEY",
        "dir",
        "dir/",
        "dir//",
        " leading space",
    ]


def test_hostile_keys_stay_inside_the_bucket_and_never_collide(
    aws: AwsTarget, s3: Any, bucket: str
) -> None:
    marker = f"escaped-{uuid.uuid4().hex}"
    home = home_of(aws)
    keys = hostile_keys(marker)
    for index, key in enumerate(keys):
        s3.put_object(Bucket=bucket, Key=key, Body=f"{index}:{key}".encode())
    for index, key in enumerate(keys):
        assert fetch(s3, Bucket=bucket, Key=key)["Body"] == f"{index}:{key}".encode()
    listed = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert sorted(listed, key=str.encode) == sorted(keys, key=str.encode)
    # Nothing named after a key exists around the state directory, nor where "../" leads.
    assert not list(home.parent.parent.rglob(f"*{marker}*"))
    assert not Path("/tmp", marker).exists()
    # Every object file is under home/s3, named by a random id, never by its key.
    stored = [p for p in files_under(home / "s3" / "data") if len(p.name) == 32]
    assert all(p.name.isalnum() and p.name.islower() for p in stored)


def test_object_files_are_all_under_the_engines_directory(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with Lakehose(home=home, background=False) as lake:
        before = files_under(tmp_path)
        s3 = lake.client("s3")
        s3.create_bucket(Bucket="hostile")
        keys = hostile_keys("escape")
        for key in keys:
            s3.put_object(Bucket="hostile", Key=key, Body=key.encode())
        created = files_under(tmp_path) - before
        assert created and all(path.is_relative_to(home / "s3") for path in created)
        data = files_under(home / "s3" / "data")
        assert len(data) == len(keys)  # one file per key: no two keys share one


def test_what_a_crash_leaves_is_collected_at_start(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with Lakehose(home=home, background=False) as lake:
        s3 = lake.client("s3")
        s3.create_bucket(Bucket="kept")
        s3.put_object(Bucket="kept", Key="a", Body=b"alpha")
        s3.put_object(Bucket="kept", Key="b", Body=b"beta")
        upload_id = s3.create_multipart_upload(Bucket="kept", Key="c")["UploadId"]
        s3.upload_part(Bucket="kept", Key="c", UploadId=upload_id, PartNumber=1, Body=b"part")
    data = home / "s3" / "data"
    bucket_dir = next(data.iterdir())
    referenced = files_under(data)
    # A write interrupted before its rename, one renamed but never committed, a dropped bucket.
    (home / "s3" / "tmp").mkdir(exist_ok=True)
    (home / "s3" / "tmp" / ("0" * 32)).write_bytes(b"half")
    (bucket_dir / ("1" * 32)).write_bytes(b"never committed")
    (data / "9999").mkdir()
    (data / "9999" / ("2" * 32)).write_bytes(b"dropped bucket")
    with Lakehose(home=home, background=False) as lake:
        s3 = lake.client("s3")
        assert files_under(data) == referenced
        assert not list((home / "s3" / "tmp").iterdir())
        assert fetch(s3, Bucket="kept", Key="a")["Body"] == b"alpha"
        assert fetch(s3, Bucket="kept", Key="b")["Body"] == b"beta"
        parts = s3.list_parts(Bucket="kept", Key="c", UploadId=upload_id)["Parts"]
        assert [p["Size"] for p in parts] == [4]


def payload(key: str) -> bytes:
    """Deterministic content of a size that depends on the key (up to 96 KiB)."""
    seed = hashlib.sha256(key.encode()).digest()
    size = int.from_bytes(seed[:4], "big") % (96 * 1024)
    return (seed * (size // len(seed) + 1))[:size]


@pytest.mark.server
def test_acknowledged_puts_survive_kill_9(tmp_path: Path) -> None:
    home = tmp_path / "home"
    server = ServerProcess(home)
    config = NO_RETRIES.merge(Config(connect_timeout=2, read_timeout=5, max_pool_connections=8))
    acknowledged: set[str] = set()
    attempted: set[str] = set()
    lock = threading.Lock()
    wanted = 120
    try:
        client = server.client("s3", config=config)
        client.create_bucket(Bucket="crash")

        def write(worker: int) -> None:
            for number in range(10_000):
                key = f"w{worker}/{number:05d}"
                with lock:
                    attempted.add(key)
                try:
                    client.put_object(Bucket="crash", Key=key, Body=payload(key))
                except Exception:
                    return  # the server died mid-request: never acknowledged
                with lock:
                    acknowledged.add(key)

        writers = [threading.Thread(target=write, args=(n,), daemon=True) for n in range(4)]
        for writer in writers:
            writer.start()
        deadline = time.monotonic() + 60
        while len(acknowledged) < wanted and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(acknowledged) >= wanted
    finally:
        server.kill()  # SIGKILL while the writers are still sending
    for writer in writers:
        writer.join(timeout=30)

    restarted = ServerProcess(home)
    try:
        client = restarted.client("s3", config=config)
        listed = [
            item["Key"]
            for page in client.get_paginator("list_objects_v2").paginate(Bucket="crash")
            for item in page.get("Contents", [])
        ]
        assert acknowledged <= set(listed) <= attempted
        # Every object there is whole: acknowledged ones and any that landed as the server died.
        for key in listed:
            assert fetch(client, Bucket="crash", Key=key)["Body"] == payload(key), key
    finally:
        restarted.stop()
    assert len(files_under(home / "s3" / "data")) == len(listed)
    assert not list((home / "s3" / "tmp").iterdir())
