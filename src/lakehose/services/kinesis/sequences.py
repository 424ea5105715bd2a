"""Sequence numbers: 56-digit decimal strings laid out as AWS's own (version 2) numbers are.

AWS's layout, as reverse-engineered by kinesalite, read as 47 hexadecimal digits::

    2 | shard creation time (9) | shard index low nibble (1) | per-shard counter (16) | 00 |
      arrival time (9) | shard index (8) | 2

Times are whole seconds since the epoch. Because the shard's creation time and then the counter
are the most significant fields, numbers strictly increase within a shard, a child shard's numbers
exceed its parents' (children are created after their parents close), and the shard index in the
low digits makes every number unique within the stream. Decoding lets GetShardIterator tell a
number of another shard or another stream from a valid one, with AWS's messages.

Counter 0 marks a shard's ``StartingSequenceNumber``; records count from 1; a closed shard's
``EndingSequenceNumber`` carries the largest counter, so it sorts after every record of the shard.
"""

from __future__ import annotations

from dataclasses import dataclass

_VERSION = 2
_COUNTER_BITS = 64
END_COUNTER = (1 << (_COUNTER_BITS - 1)) - 1  # AWS keeps the counter's top bit clear
_MAX_SHARD_INDEX = (1 << 31) - 1
_MAX_SECONDS = (1 << 36) - 1

# Bit offsets of each field, from the least significant end.
_SHARD_SHIFT = 4
_ARRIVAL_SHIFT = 36
_COUNTER_SHIFT = 80
_NIBBLE_SHIFT = 144
_CREATED_SHIFT = 148
_VERSION_SHIFT = 184


@dataclass(frozen=True)
class SequenceParts:
    """The fields of one sequence number."""

    shard_created: int  # seconds
    shard_index: int
    counter: int
    arrival: int  # seconds


def encode(parts: SequenceParts) -> str:
    """The decimal sequence number for ``parts``."""
    value = (
        (_VERSION << _VERSION_SHIFT)
        | (parts.shard_created << _CREATED_SHIFT)
        | ((parts.shard_index & 0xF) << _NIBBLE_SHIFT)
        | (parts.counter << _COUNTER_SHIFT)
        | (parts.arrival << _ARRIVAL_SHIFT)
        | (parts.shard_index << _SHARD_SHIFT)
        | _VERSION
    )
    return str(value)


def decode(number: str) -> SequenceParts | None:
    """The fields of a sequence number lakehose issued, or ``None`` for anything else."""
    if not number.isdigit() or len(number) > 129:
        return None
    value = int(number)
    if value >> _VERSION_SHIFT != _VERSION or value & 0xF != _VERSION:
        return None
    shard_index = (value >> _SHARD_SHIFT) & 0xFFFFFFFF
    counter = (value >> _COUNTER_SHIFT) & ((1 << _COUNTER_BITS) - 1)
    nibble = (value >> _NIBBLE_SHIFT) & 0xF
    reserved = (value >> (_ARRIVAL_SHIFT + 36)) & 0xFF
    if shard_index > _MAX_SHARD_INDEX or counter > END_COUNTER:
        return None
    if nibble != shard_index & 0xF or reserved:
        return None
    return SequenceParts(
        shard_created=(value >> _CREATED_SHIFT) & _MAX_SECONDS,
        shard_index=shard_index,
        counter=counter,
        arrival=(value >> _ARRIVAL_SHIFT) & _MAX_SECONDS,
    )
