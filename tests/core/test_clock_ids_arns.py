from __future__ import annotations

import uuid

import pytest

from lakehose.arns import InvalidArn, build_arn, parse_arn
from lakehose.clock import ManualClock, millis, utc_datetime
from lakehose.ids import IdGenerator


def test_manual_clock_moves_only_forward() -> None:
    clock = ManualClock(100.0)
    assert clock.advance(2.5) == 102.5
    assert millis(clock) == 102_500
    assert utc_datetime(clock).timestamp() == 102.5
    with pytest.raises(ValueError):
        clock.advance(-1)
    with pytest.raises(ValueError):
        clock.set(50)


def test_seeded_ids_repeat_and_are_well_formed() -> None:
    first, second = IdGenerator(3), IdGenerator(3)
    assert [first.uuid4() for _ in range(3)] == [second.uuid4() for _ in range(3)]
    value = uuid.UUID(IdGenerator(1).uuid4())
    assert value.version == 4
    assert len(IdGenerator().alphanumeric(8)) == 8
    assert IdGenerator(None).uuid4() != IdGenerator(None).uuid4()


def test_arn_round_trip() -> None:
    text = build_arn("kinesis", "us-east-1", "000000000000", "stream/heartrate-kinesis")
    assert text == "arn:aws:kinesis:us-east-1:000000000000:stream/heartrate-kinesis"
    arn = parse_arn(text)
    assert (arn.resource_type, arn.resource_id) == ("stream", "heartrate-kinesis")
    assert str(parse_arn("arn:aws:s3:::bucket")) == "arn:aws:s3:::bucket"
    with pytest.raises(InvalidArn):
        parse_arn("arn:aws:kinesis")
