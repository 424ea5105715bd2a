"""The port other engines use: the same objects as the API, without HTTP."""

from __future__ import annotations

import hashlib

import pytest

from lakehose import Lakehose
from lakehose.services.s3 import ObjectSummary, S3Engine
from lakehose.services.s3.errors import NoSuchBucket, NoSuchKey
from tests.s3.conftest import fetch


def engine_of(lake: Lakehose) -> S3Engine:
    engine = lake.engine("s3")
    assert isinstance(engine, S3Engine)
    return engine


def test_port_writes_what_the_api_reads_and_back(lake: Lakehose) -> None:
    port = engine_of(lake)
    s3 = lake.client("s3")
    s3.create_bucket(Bucket="lake")
    data = b'{"heart_rate": 101}\n'
    etag = port.put_object_bytes(
        "lake",
        "data/year=2024/part-1.json.gz",
        data,
        content_type="application/json",
        content_encoding="gzip",
        metadata={"Source": "firehose"},
    )
    assert etag == f'"{hashlib.md5(data).hexdigest()}"'
    got = fetch(s3, Bucket="lake", Key="data/year=2024/part-1.json.gz")
    assert (got["Body"], got["ETag"], got["ContentType"], got["ContentEncoding"]) == (
        data,
        etag,
        "application/json",
        "gzip",
    )
    assert got["Metadata"] == {"source": "firehose"}
    s3.put_object(Bucket="lake", Key="results/q1.csv", Body=b'"_col0"\n"1"\n')
    assert port.get_object_bytes("lake", "results/q1.csv") == b'"_col0"\n"1"\n'


def test_list_keys_and_paths(lake: Lakehose, monkeypatch: pytest.MonkeyPatch) -> None:
    port = engine_of(lake)
    lake.client("s3").create_bucket(Bucket="lake")
    monkeypatch.setattr("lakehose.services.s3.port.MAX_KEYS", 2)  # so that it takes pages
    keys = [f"data/{n:04d}.json" for n in range(5)] + ["errors/x", "datum"]
    for key in keys:
        port.put_object_bytes("lake", key, key.encode())
    listed = port.list_keys("lake", "data/")
    assert [summary.key for summary in listed] == sorted(k for k in keys if k.startswith("data/"))
    first = listed[0]
    assert isinstance(first, ObjectSummary)
    assert (first.size, first.etag) == (
        len(b"data/0000.json"),
        port.put_object_bytes("lake", first.key, first.key.encode()),
    )
    assert len(port.list_keys("lake")) == len(keys)
    path = port.object_path("lake", "errors/x")
    assert path.read_bytes() == b"errors/x"
    assert path.is_relative_to(lake.state.path / "s3")


def test_port_raises_the_apis_errors(lake: Lakehose) -> None:
    port = engine_of(lake)
    with pytest.raises(NoSuchBucket):
        port.put_object_bytes("nowhere", "k", b"x")
    lake.client("s3").create_bucket(Bucket="lake")
    with pytest.raises(NoSuchKey) as missing:
        port.get_object_bytes("lake", "absent")
    assert missing.value.fields == {"Key": "absent"}
    with pytest.raises(NoSuchKey):
        port.object_path("lake", "absent")
    assert port.list_keys("lake", "none/") == []
