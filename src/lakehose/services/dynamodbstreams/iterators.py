"""DynamoDB Streams shard iterators: the sealed token of ``iterator_tokens`` naming
the stream by its ARN and the shard by its row, valid for fifteen minutes as AWS's are."""

from __future__ import annotations

from lakehose.services.dynamodbstreams.errors import ExpiredIteratorException, ValidationException
from lakehose.services.dynamodbstreams.iterator_tokens import IteratorCodec, IteratorPosition

__all__ = ["ITERATOR_LIFETIME_MS", "IteratorCodec", "IteratorPosition", "iterator_codec"]

ITERATOR_LIFETIME_MS = 15 * 60 * 1000
INVALID_ITERATOR = "Invalid ShardIterator"


def iterator_codec(key: bytes) -> IteratorCodec:
    return IteratorCodec(
        key,
        lifetime_ms=ITERATOR_LIFETIME_MS,
        invalid=lambda: ValidationException(INVALID_ITERATOR),
        expired=ExpiredIteratorException,
    )
