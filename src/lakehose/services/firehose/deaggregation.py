"""KPL de-aggregation: Kinesis records packed by the Kinesis Producer Library, unpacked.

Firehose de-aggregates KPL records from a Kinesis source before Lambda and delivery (developer
guide, "Data delivery"). The KPL's aggregated format is::

    F3 89 9A C2 | protobuf AggregatedRecord | MD5(protobuf bytes), 16 bytes

    message AggregatedRecord { repeated string partition_key_table = 1;
                               repeated string explicit_hash_key_table = 2;
                               repeated Record records = 3; }
    message Record { required uint64 partition_key_index = 1;
                     optional uint64 explicit_hash_key_index = 2;
                     required bytes data = 3;
                     repeated Tag tags = 4; }

As the KCL does, anything that is not a well-formed aggregate (no magic, a bad digest, broken
protobuf, an index out of range, no sub-records) is an ordinary record and passes unchanged.
Children keep the parent's shard, sequence number and arrival time, take their own partition key
and subsequence number (0, 1, ...), as Lambda sees them in real events [emulator capture].
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import replace

from lakehose.services.firehose.records import SourceRecord, kinesis_record_id

__all__ = ["KPL_MAGIC", "aggregate", "deaggregate"]

KPL_MAGIC = b"\xf3\x89\x9a\xc2"
_DIGEST_SIZE = 16
_VARINT, _FIXED64, _BYTES, _FIXED32 = 0, 1, 2, 5

Field = tuple[int, int | bytes]


class _Corrupt(Exception):
    """Not a well-formed aggregate."""


def deaggregate(record: SourceRecord) -> list[SourceRecord]:
    """The user records inside a KPL aggregate, or ``[record]`` for anything else."""
    try:
        children = _parse(record.data)
    except _Corrupt:
        return [record]
    return [
        replace(
            record,
            record_id=_child_id(record, index),
            data=data,
            partition_key=partition_key,
            subsequence_number=index,
        )
        for index, (partition_key, data) in enumerate(children)
    ]


def _child_id(record: SourceRecord, index: int) -> str:
    if record.sequence_number is not None:
        return kinesis_record_id(record.sequence_number, index)
    return f"{record.record_id}{index:06d}"


def _parse(data: bytes) -> list[tuple[str, bytes]]:
    if len(data) < len(KPL_MAGIC) + _DIGEST_SIZE or not data.startswith(KPL_MAGIC):
        raise _Corrupt
    body, digest = data[len(KPL_MAGIC) : -_DIGEST_SIZE], data[-_DIGEST_SIZE:]
    if hashlib.md5(body, usedforsecurity=False).digest() != digest:
        raise _Corrupt
    keys: list[str] = []
    hash_keys = 0
    entries: list[tuple[int, int | None, bytes]] = []
    for number, value in _fields(body):
        if number == 1:
            keys.append(_text(value))
        elif number == 2:
            _text(value)
            hash_keys += 1
        elif number == 3:
            entries.append(_entry(_bytes(value)))
    if not entries:
        raise _Corrupt
    children = []
    for key_index, hash_key_index, payload in entries:
        if key_index >= len(keys) or (hash_key_index is not None and hash_key_index >= hash_keys):
            raise _Corrupt
        children.append((keys[key_index], payload))
    return children


def _entry(message: bytes) -> tuple[int, int | None, bytes]:
    key_index: int | None = None
    hash_key_index: int | None = None
    payload: bytes | None = None
    for number, value in _fields(message):
        if number == 1:
            key_index = _int(value)
        elif number == 2:
            hash_key_index = _int(value)
        elif number == 3:
            payload = _bytes(value)
    if key_index is None or payload is None:
        raise _Corrupt
    return key_index, hash_key_index, payload


def _fields(message: bytes) -> Iterator[Field]:
    """Protobuf wire format: (field number, value) pairs; unknown fields are skipped by callers."""
    pos = 0
    while pos < len(message):
        tag, pos = _varint(message, pos)
        number, wire_type = tag >> 3, tag & 7
        value: int | bytes
        if wire_type == _VARINT:
            value, pos = _varint(message, pos)
        elif wire_type in (_FIXED64, _FIXED32):
            size = 8 if wire_type == _FIXED64 else 4
            value, pos = int.from_bytes(message[pos : pos + size], "little"), pos + size
        elif wire_type == _BYTES:
            size, pos = _varint(message, pos)
            value, pos = message[pos : pos + size], pos + size
        else:
            raise _Corrupt
        if pos > len(message) or number == 0:
            raise _Corrupt
        yield number, value


def _varint(message: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while pos < len(message) and shift < 64:
        byte = message[pos]
        result |= (byte & 0x7F) << shift
        pos += 1
        if not byte & 0x80:
            return result, pos
        shift += 7
    raise _Corrupt


def _int(value: int | bytes) -> int:
    if not isinstance(value, int):
        raise _Corrupt
    return value


def _bytes(value: int | bytes) -> bytes:
    if not isinstance(value, bytes):
        raise _Corrupt
    return value


def _text(value: int | bytes) -> str:
    try:
        return _bytes(value).decode("utf-8")
    except UnicodeDecodeError:
        raise _Corrupt from None


def aggregate(records: Sequence[tuple[str, bytes]]) -> bytes:
    """A KPL aggregate of ``(partition_key, data)`` pairs, as the KPL would write it."""
    keys: dict[str, int] = {}
    body = bytearray()
    for key, _ in records:
        if key not in keys:
            keys[key] = len(keys)
            body += _encode_bytes(1, key.encode("utf-8"))
    for key, data in records:
        entry = _encode_varint((1 << 3) | _VARINT) + _encode_varint(keys[key])
        body += _encode_bytes(3, entry + _encode_bytes(3, data))
    return KPL_MAGIC + bytes(body) + hashlib.md5(body, usedforsecurity=False).digest()


def _encode_bytes(number: int, value: bytes) -> bytes:
    return _encode_varint((number << 3) | _BYTES) + _encode_varint(len(value)) + value


def _encode_varint(value: int) -> bytes:
    out = bytearray()
    while True:
        low, value = value & 0x7F, value >> 7
        out.append(low | (0x80 if value else 0))
        if not value:
            return bytes(out)
