"""Per-shard throughput limits, as AWS enforces them on provisioned shards.

Off by default (``Lakehose(options={"kinesis.enforce_throughput_limits": True})`` turns them on):
locally nobody pays per shard, and most users want their tests fast. On, each shard admits per
second of the engine's clock:

* writes: 1,000 records or 1 MiB (data plus partition keys), whichever comes first;
* GetRecords: 5 calls, and 2 MiB read per second on average: a call that returned ``n`` bytes
  blocks further reads for ``n / 2 MiB`` seconds, so after a 10 MiB call the next 5 s throttle,
  as AWS documents;
* GetShardIterator: 5 calls.

Windows are whole seconds of the injected clock, so a test with a manual clock sees exactly the
documented numbers and ``advance(1)`` opens the next window. The counters live in memory: after a
restart every shard starts with a fresh window, which only errs towards admitting.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

WRITE_RECORDS_PER_SECOND = 1000
WRITE_BYTES_PER_SECOND = 1 << 20
READ_CALLS_PER_SECOND = 5
READ_BYTES_PER_SECOND = 2 << 20
ITERATOR_CALLS_PER_SECOND = 5

ShardKey = tuple[int, int]  # (stream id, shard index)


@dataclass
class _Window:
    second: int = -1
    records_in: int = 0
    bytes_in: int = 0
    reads: int = 0
    iterators: int = 0
    read_blocked_until_ms: int = 0

    def roll(self, now_ms: int) -> None:
        second = now_ms // 1000
        if second != self.second:
            self.second = second
            self.records_in = self.bytes_in = self.reads = self.iterators = 0


class ThroughputLimits:
    """Admits or refuses shard traffic; every method is thread-safe."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._windows: dict[ShardKey, _Window] = {}
        self._lock = threading.Lock()

    def admit_write(self, shard: ShardKey, size: int, now_ms: int) -> bool:
        """Count one record of ``size`` bytes against the shard if it fits this second."""
        if not self.enabled:
            return True
        with self._lock:
            window = self._window(shard, now_ms)
            if (
                window.records_in + 1 > WRITE_RECORDS_PER_SECOND
                or window.bytes_in + size > WRITE_BYTES_PER_SECOND
            ):
                return False
            window.records_in += 1
            window.bytes_in += size
            return True

    def admit_read(self, shard: ShardKey, now_ms: int) -> bool:
        """Count one GetRecords call against the shard if it may run now."""
        if not self.enabled:
            return True
        with self._lock:
            window = self._window(shard, now_ms)
            if now_ms < window.read_blocked_until_ms or window.reads >= READ_CALLS_PER_SECOND:
                return False
            window.reads += 1
            return True

    def charge_read(self, shard: ShardKey, size: int, now_ms: int) -> None:
        """Block the shard's reads for as long as ``size`` bytes take at 2 MiB/s."""
        if not self.enabled or size <= 0:
            return
        with self._lock:
            window = self._window(shard, now_ms)
            blocked_ms = size * 1000 // READ_BYTES_PER_SECOND
            window.read_blocked_until_ms = max(window.read_blocked_until_ms, now_ms) + blocked_ms

    def admit_iterator(self, shard: ShardKey, now_ms: int) -> bool:
        if not self.enabled:
            return True
        with self._lock:
            window = self._window(shard, now_ms)
            if window.iterators >= ITERATOR_CALLS_PER_SECOND:
                return False
            window.iterators += 1
            return True

    def forget(self, stream_id: int) -> None:
        """Drop the windows of a deleted stream."""
        with self._lock:
            for key in [key for key in self._windows if key[0] == stream_id]:
                del self._windows[key]

    def _window(self, shard: ShardKey, now_ms: int) -> _Window:
        window = self._windows.get(shard)
        if window is None:
            window = self._windows[shard] = _Window()
        window.roll(now_ms)
        return window
