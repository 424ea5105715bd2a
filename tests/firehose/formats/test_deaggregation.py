"""KPL aggregation format: round trips, children's metadata, and corrupt input passed through."""

from __future__ import annotations

import hashlib

from hypothesis import given
from hypothesis import strategies as st

from lakehose.services.firehose.deaggregation import KPL_MAGIC, aggregate, deaggregate
from lakehose.services.firehose.records import SourceRecord, kinesis_record_id

SEQUENCE = "49638229000000000000000000000000000000000000000000000001"


def outer(data: bytes) -> SourceRecord:
    return SourceRecord(
        record_id=kinesis_record_id(SEQUENCE),
        data=data,
        arrival_ms=1679514917250,
        shard_id="shardId-000000000003",
        partition_key="outer-key",
        sequence_number=SEQUENCE,
    )


def test_children_keep_origin_and_take_their_own_key_and_subsequence() -> None:
    children = deaggregate(outer(aggregate([("a", b"one"), ("b", b"two"), ("a", b"")])))
    assert [(c.partition_key, c.data, c.subsequence_number) for c in children] == [
        ("a", b"one", 0),
        ("b", b"two", 1),
        ("a", b"", 2),
    ]
    assert {(c.shard_id, c.sequence_number, c.arrival_ms) for c in children} == {
        ("shardId-000000000003", SEQUENCE, 1679514917250)
    }
    assert [c.record_id for c in children] == [SEQUENCE + f"{i:06d}" for i in range(3)]


def test_the_wire_format_is_the_kpl_one() -> None:
    body = aggregate([("pk", b"hi")])
    # partition_key_table[0] = "pk"; records[0] = {partition_key_index: 0, data: "hi"}
    protobuf = b"\x0a\x02pk" + b"\x1a\x06" + b"\x08\x00" + b"\x1a\x02hi"
    assert body == KPL_MAGIC + protobuf + hashlib.md5(protobuf).digest()


@given(st.lists(st.tuples(st.text(min_size=1, max_size=8), st.binary(max_size=300)), min_size=1))
def test_round_trip(entries: list[tuple[str, bytes]]) -> None:
    children = deaggregate(outer(aggregate(entries)))
    assert [(c.partition_key, c.data) for c in children] == entries
    assert len({c.record_id for c in children}) == len(entries)


def test_unknown_fields_and_explicit_hash_keys_are_accepted() -> None:
    entry = b"\x08\x00" + b"\x10\x00" + b"\x1a\x01x" + b"\x25\x01\x02\x03\x04"  # + fixed32 field 4
    protobuf = (
        b"\x0a\x01k" + b"\x12\x03123" + b"\x1a" + bytes([len(entry)]) + entry + b"\x29" + 8 * b"\0"
    )
    data = KPL_MAGIC + protobuf + hashlib.md5(protobuf).digest()
    (child,) = deaggregate(outer(data))
    assert (child.partition_key, child.data) == ("k", b"x")


@given(st.binary(max_size=200))
def test_anything_else_passes_unchanged(data: bytes) -> None:
    record = outer(data)
    result = deaggregate(record)
    assert result == [record] or data.startswith(KPL_MAGIC)


def test_corrupt_aggregates_pass_unchanged() -> None:
    good = aggregate([("a", b"one"), ("b", b"two")])
    protobuf = good[4:-16]
    bad_index = b"\x0a\x01a" + b"\x1a\x04\x08\x05\x1a\x00"  # partition key index 5 of 1
    truncated = protobuf[:-3]
    no_records = b"\x0a\x01a"
    for body in (bad_index, truncated, no_records):
        record = outer(KPL_MAGIC + body + hashlib.md5(body).digest())
        assert deaggregate(record) == [record]
    wrong_digest = outer(good[:-1] + bytes([good[-1] ^ 1]))
    assert deaggregate(wrong_digest) == [wrong_digest]
