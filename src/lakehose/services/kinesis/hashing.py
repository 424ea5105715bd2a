"""Partition-key routing: MD5 into a 128-bit hash space that the open shards tile.

A record's hash key is its ``ExplicitHashKey`` or the MD5 digest of its partition key (UTF-8) read
as an unsigned big-endian 128-bit integer. It belongs to the open shard whose inclusive
``[StartingHashKey, EndingHashKey]`` range holds it; the open shards of a stream always tile
``0 .. 2^128 - 1`` exactly, with no gap and no overlap.

``CreateStream(ShardCount=N)`` divides the space as AWS does (reverse-engineered by kinesalite and
matching AWS's DescribeStream output): shard ``i`` starts at ``floor(2^128 / N) * i`` and ends one
before the next start; the last shard ends at ``2^128 - 1``.
"""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Sequence

HASH_SPACE = 1 << 128
MAX_HASH_KEY = HASH_SPACE - 1


def partition_key_hash(partition_key: str) -> int:
    """The 128-bit hash key AWS derives from a partition key."""
    return int.from_bytes(hashlib.md5(partition_key.encode("utf-8")).digest(), "big")


def uniform_ranges(count: int) -> list[tuple[int, int]]:
    """``count`` inclusive hash ranges covering the whole space, as CreateStream lays them out."""
    if count < 1:
        raise ValueError("a stream has at least one shard")
    width = HASH_SPACE // count
    starts = [width * i for i in range(count)]
    ends = [start - 1 for start in starts[1:]] + [MAX_HASH_KEY]
    return list(zip(starts, ends, strict=True))


class HashRouter:
    """Finds the open shard for a hash key by binary search over the shards' starting keys."""

    def __init__(self, ranges: Sequence[tuple[int, int, int]]) -> None:
        """``ranges`` holds ``(starting_key, ending_key, shard_index)`` of every open shard."""
        ordered = sorted(ranges)
        self._starts = [start for start, _, _ in ordered]
        self._ends = [end for _, end, _ in ordered]
        self._shards = [shard for _, _, shard in ordered]

    def shard_for(self, hash_key: int) -> int:
        position = bisect.bisect_right(self._starts, hash_key) - 1
        if position < 0 or hash_key > self._ends[position]:
            # Unreachable while the open shards tile the space; a bug, not a client error.
            raise LookupError(f"no open shard holds hash key {hash_key}")
        return self._shards[position]
