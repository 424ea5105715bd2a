"""Splits, merges and uniform scaling, worked out on the open shards before anything is written.

Each change closes parent shards and opens children whose hash ranges exactly replace the
parents', so the open shards keep tiling the hash space. A child's creation time is one second
after the later of "now" and its parents' creation, which makes every sequence number of a child
larger than every number of its parents (see ``sequences``), as AWS's are.

``scale_uniformly`` reproduces UpdateShardCount's UNIFORM_SCALING as a series of splits and merges,
so every intermediate shard has real parents and children and readers can follow ``ChildShards``
through it: first each open shard is split at every target boundary inside it, then the pieces of
each target range are merged from left to right. The result is exactly CreateStream's layout for
the target count.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from lakehose.services.kinesis.hashing import uniform_ranges
from lakehose.services.kinesis.rows import ShardRow


@dataclass
class Resharding:
    """The open shards of one stream and the shards a change creates and closes."""

    stream_id: int
    next_index: int
    now_ms: int
    open: dict[int, ShardRow]
    created: list[ShardRow] = field(default_factory=list)
    closed: list[int] = field(default_factory=list)

    @classmethod
    def of(
        cls, stream_id: int, next_index: int, now_ms: int, open_shards: list[ShardRow]
    ) -> Resharding:
        return cls(stream_id, next_index, now_ms, {shard.index: shard for shard in open_shards})

    def split(self, index: int, new_starting_key: int) -> tuple[ShardRow, ShardRow]:
        """Close shard ``index`` and open its two halves, split before ``new_starting_key``."""
        parent = self._close(index)
        low = self._open(parent.hash_start, new_starting_key - 1, [parent])
        high = self._open(new_starting_key, parent.hash_end, [parent])
        return low, high

    def merge(self, index: int, adjacent: int) -> ShardRow:
        """Close two adjacent shards and open the one that spans both."""
        first, second = self._close(index), self._close(adjacent)
        start = min(first.hash_start, second.hash_start)
        end = max(first.hash_end, second.hash_end)
        return self._open(start, end, [first, second])

    def scale_uniformly(self, target: int) -> None:
        ranges = uniform_ranges(target)
        boundaries = [start for start, _ in ranges[1:]]
        for shard in sorted(self.open.values(), key=lambda s: s.hash_start):
            current = shard
            for boundary in boundaries:
                if current.hash_start < boundary <= current.hash_end:
                    _, current = self.split(current.index, boundary)
        for start, end in ranges:
            pieces = sorted(
                (s for s in self.open.values() if start <= s.hash_start and s.hash_end <= end),
                key=lambda s: s.hash_start,
            )
            merged = pieces[0]
            for piece in pieces[1:]:
                merged = self.merge(merged.index, piece.index)

    def _close(self, index: int) -> ShardRow:
        shard = self.open.pop(index)
        if any(created.index == index for created in self.created):
            # Opened by this very change (an intermediate shard): it is written already closed.
            self.created = [
                replace(c, closed_ms=self.now_ms) if c.index == index else c for c in self.created
            ]
        else:
            self.closed.append(index)
        return shard

    def _open(self, start: int, end: int, parents: list[ShardRow]) -> ShardRow:
        created_s = max(self.now_ms // 1000, *(p.created_s for p in parents)) + 1
        shard = ShardRow(
            stream_id=self.stream_id,
            index=self.next_index,
            parent=parents[0].index,
            adjacent_parent=parents[1].index if len(parents) > 1 else None,
            hash_start=start,
            hash_end=end,
            opened_ms=self.now_ms,
            created_s=created_s,
            closed_ms=None,
            next_counter=1,
        )
        self.next_index += 1
        self.open[shard.index] = shard
        self.created.append(shard)
        return shard
