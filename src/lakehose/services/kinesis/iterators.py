"""Kinesis shard iterators: the shared sealed token (``formats/shard_iterators``), valid for five
minutes; one Kinesis did not issue is refused as AWS refuses it:
``InvalidArgumentException: Invalid ShardIterator.``"""

from __future__ import annotations

from lakehose.formats.shard_iterators import IteratorCodec, IteratorPosition
from lakehose.services.kinesis.errors import ExpiredIteratorException, InvalidArgumentException

__all__ = ["ITERATOR_LIFETIME_MS", "IteratorCodec", "IteratorPosition", "iterator_codec"]

ITERATOR_LIFETIME_MS = 300_000


def iterator_codec(key: bytes) -> IteratorCodec:
    return IteratorCodec(
        key,
        lifetime_ms=ITERATOR_LIFETIME_MS,
        invalid=lambda: InvalidArgumentException("Invalid ShardIterator."),
        expired=ExpiredIteratorException,
    )
