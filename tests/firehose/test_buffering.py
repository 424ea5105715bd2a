"""Buffering by the clock: objects appear at the size and at the interval, and not before.

Every test runs on ``lake`` (manual clock, no background worker): ``lake.advance(s)`` moves the
clock and runs what became due, so "not before" is exact, not a matter of timing.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lakehose import Lakehose
from lakehose.clock import ManualClock
from tests.firehose.conftest import (
    ARTICLE_PREFIX,
    LakeClients,
    destination,
    error_code,
    objects,
)

MIB = 1 << 20


def _stream(clients: LakeClients, **members: Any) -> None:
    clients.s3.create_bucket(Bucket="bucket")
    clients.firehose.create_delivery_stream(
        DeliveryStreamName="stream",
        ExtendedS3DestinationConfiguration=destination("bucket", **members),
    )


def _put(clients: LakeClients, *datas: bytes) -> None:
    clients.firehose.put_record_batch(
        DeliveryStreamName="stream", Records=[{"Data": data} for data in datas]
    )


def _bodies(clients: LakeClients) -> list[bytes]:
    found = objects(clients.s3, "bucket")
    return [found[key] for key in sorted(found)]


def test_interval_flushes_after_the_first_records_arrival(
    lake: Lakehose, clients: LakeClients
) -> None:
    _stream(clients, BufferingHints={"SizeInMBs": 1, "IntervalInSeconds": 60})
    _put(clients, b"a")
    lake.advance(30)
    _put(clients, b"b")  # joins the buffer; the interval still counts from "a"
    lake.advance(29.9)
    assert _bodies(clients) == []
    lake.advance(0.1)
    assert _bodies(clients) == [b"ab"]
    _put(clients, b"c")
    lake.advance(59.9)
    assert _bodies(clients) == [b"ab"]
    lake.advance(0.1)
    assert _bodies(clients) == [b"ab", b"c"]


def test_size_flushes_at_the_record_that_reaches_it(lake: Lakehose, clients: LakeClients) -> None:
    _stream(clients, BufferingHints={"SizeInMBs": 1, "IntervalInSeconds": 900})
    record = b"x" * (256 * 1024 - 1)  # four of them stay just under 1 MiB
    _put(clients, record, record, record)
    _put(clients, record)
    lake.advance(0)
    assert _bodies(clients) == []
    _put(clients, b"yyyy", b"z")  # "yyyy" reaches 1 MiB exactly (before compression)
    lake.advance(0)
    assert _bodies(clients) == [record * 4 + b"yyyy"]
    lake.advance(900)
    assert _bodies(clients)[1:] == [b"z"]


def test_size_is_measured_before_compression(lake: Lakehose, clients: LakeClients) -> None:
    _stream(
        clients, BufferingHints={"SizeInMBs": 1, "IntervalInSeconds": 900}, CompressionFormat="GZIP"
    )
    _put(clients, *[b"0" * 500_000] * 3)  # compresses to almost nothing
    lake.advance(0)
    assert len(_bodies(clients)) == 1


def test_a_large_backlog_is_cut_into_size_sized_objects(
    lake: Lakehose, clients: LakeClients
) -> None:
    _stream(clients, BufferingHints={"SizeInMBs": 1, "IntervalInSeconds": 900})
    chunk = b"x" * (MIB // 2)
    _put(clients, *[chunk] * 5)
    lake.advance(0)
    assert _bodies(clients) == [chunk * 2, chunk * 2]
    lake.advance(900)
    assert _bodies(clients)[2:] == [chunk]


def test_zero_buffering_delivers_at_the_next_tick(lake: Lakehose, clients: LakeClients) -> None:
    _stream(clients, BufferingHints={"SizeInMBs": 1, "IntervalInSeconds": 0})
    _put(clients, b"now")
    assert _bodies(clients) == []
    lake.advance(0)
    assert _bodies(clients) == [b"now"]


def test_defaults_are_five_mib_and_300_seconds(lake: Lakehose, clients: LakeClients) -> None:
    _stream(clients)
    _put(clients, *[b"x" * 1_000_000] * 4)
    lake.advance(299)
    assert _bodies(clients) == []
    lake.advance(1)
    assert len(_bodies(clients)) == 1
    _put(clients, *[b"x" * 1_000_000] * 4)
    _put(clients, b"x" * 1_000_000, b"x" * 300_000)  # 5.3 MB > 5 MiB
    lake.advance(0)
    assert len(_bodies(clients)) == 2


def test_flush_empties_every_buffer_now(lake: Lakehose, clients: LakeClients) -> None:
    _stream(clients, BufferingHints={"SizeInMBs": 128, "IntervalInSeconds": 900})
    _put(clients, b"a", b"b")
    lake.flush()
    assert _bodies(clients) == [b"ab"]


def test_prefix_time_is_the_oldest_records_arrival(
    lake: Lakehose, clients: LakeClients, clock: ManualClock
) -> None:
    clock.set(datetime(2024, 3, 22, 19, 59, 30, tzinfo=UTC))
    _stream(
        clients,
        Prefix=ARTICLE_PREFIX,
        ErrorOutputPrefix="errors/",
        BufferingHints={"SizeInMBs": 1, "IntervalInSeconds": 60},
    )
    _put(clients, b"first")
    lake.advance(40)
    _put(clients, b"second")  # arrives at 20:00:10, in the next hour
    lake.advance(20)
    (key,) = objects(clients.s3, "bucket")
    # The prefix is evaluated at 19:59:30 (oldest arrival); the name carries the flush time.
    assert key.startswith("data/year=2024/month=03/day=22/hour=19/stream-1-2024-03-22-20-00-30-")


def test_custom_time_zone_applies_to_prefix_and_name(
    lake: Lakehose, clients: LakeClients, clock: ManualClock
) -> None:
    clock.set(datetime(2024, 3, 22, 23, 30, 0, tzinfo=UTC))
    _stream(
        clients,
        Prefix="!{timestamp:yyyy-MM-dd'T'HH}/",
        ErrorOutputPrefix="errors/!{firehose:error-output-type}/",
        CustomTimeZone="Asia/Tokyo",
        BufferingHints={"SizeInMBs": 1, "IntervalInSeconds": 0},
    )
    _put(clients, b"x")
    lake.advance(0)
    (key,) = objects(clients.s3, "bucket")
    assert key.startswith("2024-03-23T08/stream-1-2024-03-23-08-30-00-")


def test_update_applies_to_buffered_records_and_names_the_new_version(
    lake: Lakehose, clients: LakeClients
) -> None:
    _stream(clients, Prefix="old/", BufferingHints={"SizeInMBs": 1, "IntervalInSeconds": 60})
    _put(clients, b"buffered")
    clients.firehose.update_destination(
        DeliveryStreamName="stream",
        CurrentDeliveryStreamVersionId="1",
        DestinationId="destinationId-000000000001",
        ExtendedS3DestinationUpdate={"Prefix": "new/"},
    )
    lake.advance(60)
    (key,) = objects(clients.s3, "bucket")
    assert re.match(r"new/\d{4}/\d{2}/\d{2}/\d{2}/stream-2-", key)


def test_updated_buffering_hints_apply_to_the_open_buffer(
    lake: Lakehose, clients: LakeClients
) -> None:
    _stream(clients, BufferingHints={"SizeInMBs": 1, "IntervalInSeconds": 600})
    _put(clients, b"x")
    lake.advance(100)
    clients.firehose.update_destination(
        DeliveryStreamName="stream",
        CurrentDeliveryStreamVersionId="1",
        DestinationId="destinationId-000000000001",
        ExtendedS3DestinationUpdate={"BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 60}},
    )
    lake.advance(0)
    assert _bodies(clients) == [b"x"]


def test_a_new_stream_is_creating_for_the_configured_delay(
    tmp_path: Path, clock: ManualClock
) -> None:
    options = {"firehose.creation_delay_seconds": 5}
    with Lakehose(home=tmp_path / "home", clock=clock, background=False, options=options) as lake:
        clients = LakeClients(lake)
        _stream(clients)

        def status() -> str:
            described = clients.firehose.describe_delivery_stream(DeliveryStreamName="stream")
            return str(described["DeliveryStreamDescription"]["DeliveryStreamStatus"])

        assert status() == "CREATING"
        with pytest.raises(ClientError) as creating:
            _put(clients, b"early")
        assert error_code(creating) == "ResourceNotFoundException"
        lake.advance(5)
        assert status() == "ACTIVE"
        _put(clients, b"in time")
