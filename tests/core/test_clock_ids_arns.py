from __future__ import annotations

import re
import string
import uuid
from collections import Counter

import pytest

from lakehose.arns import InvalidArn, build_arn, parse_arn
from lakehose.clock import ManualClock, millis, utc_datetime
from lakehose.ids import IdGenerator, _uuid4_text


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


def test_unseeded_ids_have_their_alphabets_and_spread_over_them() -> None:
    ids = IdGenerator()
    for length in (1, 7, 52):
        assert re.fullmatch(f"[A-Z0-9]{{{length}}}", ids.alphanumeric(length))
        assert re.fullmatch(f"[0-9a-f]{{{length}}}", ids.hex(length))
    # 36,000 picks: every character appears, none more than twice its fair share (1,000).
    counts = Counter("".join(ids.alphanumeric(52) for _ in range(36_000 // 52 + 1)))
    assert set(counts) == set(string.ascii_uppercase + string.digits)
    assert max(counts.values()) < 2_000
    value = uuid.UUID(ids.uuid4())
    assert (value.version, value.variant) == (4, uuid.RFC_4122)


@pytest.mark.parametrize("raw", [bytes(16), bytes([255] * 16), bytes(range(16))])
def test_uuid_text_is_what_the_uuid_module_writes(raw: bytes) -> None:
    assert _uuid4_text(raw) == str(uuid.UUID(bytes=raw, version=4))


def test_arn_round_trip() -> None:
    text = build_arn("kinesis", "us-east-1", "000000000000", "stream/heartrate-kinesis")
    assert text == "arn:aws:kinesis:us-east-1:000000000000:stream/heartrate-kinesis"
    arn = parse_arn(text)
    assert (arn.resource_type, arn.resource_id) == ("stream", "heartrate-kinesis")
    assert str(parse_arn("arn:aws:s3:::bucket")) == "arn:aws:s3:::bucket"
    with pytest.raises(InvalidArn):
        parse_arn("arn:aws:kinesis")
