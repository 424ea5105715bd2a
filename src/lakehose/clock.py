"""Time, injected: engines ask a ``Clock``; only this module reads the system's time.

``ManualClock`` lets tests and demos move time with ``advance()`` so that buffering intervals,
retention and iterator expiry are exercised without waiting.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    """A source of wall-clock time in seconds since the Unix epoch."""

    def now(self) -> float:
        """Seconds since the epoch, UTC."""
        ...


def utc_datetime(clock: Clock) -> datetime:
    """The clock's current time as an aware UTC ``datetime``."""
    return datetime.fromtimestamp(clock.now(), tz=UTC)


def millis(clock: Clock) -> int:
    """The clock's current time in whole milliseconds since the epoch."""
    return int(clock.now() * 1000)


class SystemClock:
    """The machine's wall clock."""

    def now(self) -> float:
        return time.time()


class ManualClock:
    """A clock that moves only when told to; thread-safe."""

    def __init__(self, start: float | datetime = 1_700_000_000.0) -> None:
        self._now = start.timestamp() if isinstance(start, datetime) else float(start)
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> float:
        """Move forward by ``seconds`` (never backwards) and return the new time."""
        if seconds < 0:
            raise ValueError("a clock cannot go backwards")
        with self._lock:
            self._now += seconds
            return self._now

    def set(self, when: float | datetime) -> None:
        """Jump to ``when``; it must not be earlier than the current time."""
        target = when.timestamp() if isinstance(when, datetime) else float(when)
        with self._lock:
            if target < self._now:
                raise ValueError("a clock cannot go backwards")
            self._now = target
