"""The record as Firehose's processors see it: bytes, an arrival time and, from Kinesis, its origin.

Record ids are what the Lambda event calls ``recordId``. AWS's are opaque but observed shapes are
kept so a user's Lambda sees familiar values:

* Kinesis source: the Kinesis sequence number followed by six digits, ``000000`` for a plain
  record (``49638…2290`` + ``000000``, 62 digits, observed in real events). The six digits are
  taken here to be the KPL subsequence number, so de-aggregated children stay unique [inferred].
* DirectPut: a 56-digit decimal string, the length of the ids in AWS's DirectPut event sample;
  built from the stream's creation time and the record's ordinal so ids are deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SourceRecord", "direct_put_record_id", "kinesis_record_id"]


@dataclass(frozen=True)
class SourceRecord:
    """One record entering the processors, with everything the Lambda event and error lines need.

    ``arrival_ms`` is the approximate arrival time in epoch milliseconds: Kinesis's own
    ``ApproximateArrivalTimestamp`` for a Kinesis source, the PutRecord time for DirectPut.
    ``sequence_number`` is set exactly when the record came from Kinesis.
    """

    record_id: str
    data: bytes
    arrival_ms: int
    shard_id: str | None = None
    partition_key: str | None = None
    sequence_number: str | None = None
    subsequence_number: int = 0

    @property
    def from_kinesis(self) -> bool:
        return self.sequence_number is not None


def kinesis_record_id(sequence_number: str, subsequence_number: int = 0) -> str:
    """``<sequenceNumber><subsequence as 6 digits>``: ``…2290`` + ``000000`` for a plain record."""
    return f"{sequence_number}{subsequence_number:06d}"


def direct_put_record_id(stream_created_ms: int, ordinal: int) -> str:
    """A 56-digit id unique within a stream: ``49``, the creation time, then the ordinal.

    The leading ``49`` matches AWS's sample ids (and Kinesis sequence numbers) so the ids look
    alike; the ordinal is the record's position in the stream's own arrival order.
    """
    if ordinal < 0 or stream_created_ms < 0:
        raise ValueError("record ordinals and creation times are non-negative")
    return f"49{stream_created_ms % 10**13:013d}{ordinal:041d}"
