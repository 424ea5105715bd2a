"""Where each scope's engines keep their files, and the bound on how many scopes a runtime opens.

The home scope (the configured account and region when the home was first opened) keeps the
top-level directories, as every home had before regions; other scopes live under ``scopes/``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from lakehose import Lakehose
from lakehose.clock import ManualClock
from lakehose.registry import EngineRegistry, LimitExceededException
from lakehose.scopes import Scope, account_for_key, scope_of_arn
from lakehose.services.engine import Engine
from tests.conftest import ServerProcess
from tests.firehose.conftest import destination, flush, objects

EU, US = "eu-west-1", "us-east-1"
ACCOUNT = "000000000000"


def _stream(lake: Lakehose, region: str, name: str = "beats") -> str:
    kinesis = lake.client("kinesis", region_name=region)
    summary = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]
    return str(summary["StreamARN"])


def _open(home: Path, clock: ManualClock, **settings: Any) -> Lakehose:
    return Lakehose(home=home, clock=clock, background=False, **settings)


def test_the_home_scope_keeps_the_top_level_and_others_get_their_own(
    tmp_path: Path, clock: ManualClock
) -> None:
    home = tmp_path / "home"
    with _open(home, clock) as lake:
        for region in (EU, US):
            lake.client("kinesis", region_name=region).create_stream(
                StreamName="beats", ShardCount=1
            )
    assert json.loads((home / "scope.json").read_text()) == {"account_id": ACCOUNT, "region": US}
    assert (home / "kinesis" / "kinesis.db").is_file()
    assert (home / "scopes" / ACCOUNT / EU / "kinesis" / "kinesis.db").is_file()
    assert sorted(p.name for p in (home / "scopes" / ACCOUNT).iterdir()) == [EU]
    assert [p.name for p in (home / "scopes" / ACCOUNT / EU).iterdir()] == ["kinesis"]
    assert not (home / "scopes" / ACCOUNT / EU / "s3").exists()  # buckets are global


def test_a_home_from_before_regions_keeps_working(tmp_path: Path, clock: ManualClock) -> None:
    home = tmp_path / "home"
    with _open(home, clock) as lake:
        lake.client("kinesis").create_stream(StreamName="beats", ShardCount=1)
    (home / "scope.json").unlink()  # as a home written before scopes were recorded
    with _open(home, clock) as lake:
        assert _stream(lake, US) == f"arn:aws:kinesis:{US}:{ACCOUNT}:stream/beats"
    assert (home / "scope.json").exists()


def test_another_configured_region_does_not_relabel_stored_resources(
    tmp_path: Path, clock: ManualClock
) -> None:
    home = tmp_path / "home"
    with _open(home, clock) as lake:
        lake.client("kinesis").create_stream(StreamName="beats", ShardCount=1)
    with _open(home, clock, region=EU) as lake:
        # Clients default to the configured region now; the stream stays in us-east-1.
        assert lake.client("kinesis").list_streams()["StreamNames"] == []
        assert _stream(lake, US) == f"arn:aws:kinesis:{US}:{ACCOUNT}:stream/beats"
        lake.client("kinesis").create_stream(StreamName="beats", ShardCount=2)
        engine = lake.engine("kinesis")
        assert engine is not None
        assert (engine.region, engine.account_id) == (EU, ACCOUNT)
    assert (home / "scopes" / ACCOUNT / EU / "kinesis").is_dir()
    with _open(home, clock) as lake:
        assert _stream(lake, EU) == f"arn:aws:kinesis:{EU}:{ACCOUNT}:stream/beats"


def test_engine_lookups_by_scope(lake: Lakehose) -> None:
    default = lake.engine("kinesis")
    assert default is lake.engine("kinesis", region=US, account_id=ACCOUNT)
    eu = lake.engine("kinesis", region=EU)
    assert eu is not None and eu is not default
    assert (eu.region, eu.account_id) == (EU, ACCOUNT)
    # Global services have one engine, whatever the scope asked for.
    assert lake.engine("s3", region=EU, account_id="111122223333") is lake.engine("s3")
    # What is not a scope names nothing (and no directory).
    assert lake.engine("kinesis", region="../../etc") is None
    assert lake.engine("kinesis", account_id="x") is None
    assert lake.engine("nothing") is None


class _Quiet(Engine):
    service_name = "kinesis"


def test_the_number_of_scopes_is_bounded(lake: Lakehose) -> None:
    def build(service: str, scope: Scope | None) -> Engine:
        return _Quiet(lake.environment(service, scope))

    registry = EngineRegistry(build, max_scopes=2)
    registry.open()
    for region in (US, EU):
        assert registry.obtain("kinesis", Scope(ACCOUNT, region)) is not None
    assert registry.obtain("kinesis", Scope(ACCOUNT, EU)) is registry.find(
        "kinesis", Scope(ACCOUNT, EU)
    )
    with pytest.raises(LimitExceededException) as refused:
        registry.obtain("kinesis", Scope(ACCOUNT, "ap-south-1"))
    assert refused.value.error_code == "LimitExceededException"
    registry.close(("kinesis",), lambda engine: None)
    assert registry.obtain("kinesis", Scope(ACCOUNT, US)) is None  # closed: builds nothing


@pytest.mark.parametrize(
    ("key", "account"),
    [
        ("111122223333", "111122223333"),
        ("test", ACCOUNT),
        ("1111222233334", ACCOUNT),
        (None, ACCOUNT),
    ],
)
def test_a_twelve_digit_key_names_its_account(key: str | None, account: str) -> None:
    assert account_for_key(key, ACCOUNT) == account


@pytest.mark.parametrize(
    ("arn", "scope"),
    [
        ("arn:aws:kinesis:eu-west-1:111122223333:stream/s", Scope("111122223333", EU)),
        ("arn:aws:s3:::bucket", Scope(ACCOUNT, US)),
        ("arn:aws:kinesis:../x:1:stream/s", Scope(ACCOUNT, US)),
        ("not-an-arn", Scope(ACCOUNT, US)),
    ],
)
def test_an_arn_names_its_scope(arn: str, scope: Scope) -> None:
    assert scope_of_arn(arn, Scope(ACCOUNT, US)) == scope


def test_a_regional_buffer_survives_kill_9_of_the_server(tmp_path: Path) -> None:
    home = tmp_path / "home"
    hints = {"SizeInMBs": 1, "IntervalInSeconds": 900}
    server = ServerProcess(home)
    try:
        server.client("s3", region_name=EU).create_bucket(
            Bucket="beats-eu", CreateBucketConfiguration={"LocationConstraint": EU}
        )
        firehose = server.client("firehose", region_name=EU)
        firehose.create_delivery_stream(
            DeliveryStreamName="beats",
            ExtendedS3DestinationConfiguration=destination("beats-eu", BufferingHints=hints),
        )
        firehose.put_record(DeliveryStreamName="beats", Record={"Data": b"acknowledged\n"})
    finally:
        server.kill()
    server = ServerProcess(home)
    try:
        flush(server)  # posts /_lakehose/flush to the server
        assert list(objects(server.client("s3"), "beats-eu").values()) == [b"acknowledged\n"]
        described = server.client("firehose", region_name=EU).describe_delivery_stream(
            DeliveryStreamName="beats"
        )["DeliveryStreamDescription"]
        assert described["DeliveryStreamARN"] == (
            f"arn:aws:firehose:{EU}:{ACCOUNT}:deliverystream/beats"
        )
    finally:
        server.stop()
