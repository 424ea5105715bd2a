"""Warm workers per function, and the concurrency that bounds how many run at once.

Each function has a number of invocation slots: its reserved concurrency when one is set
(PutFunctionConcurrency), otherwise the pool's per-function cap. An invocation takes a slot, then
an idle worker of the function's current key (code and configuration) or a new one, and gives
both back when done. A worker whose key or generation is stale (the function was updated or
deleted since it started), that died while idle (killed from outside) or that failed its
invocation is never handed out again.

Thread-safe. ``close()`` kills every worker, idle or busy: a busy worker's invocation then ends as
a crashed runtime, and a worker started while closing is killed at once, so no process outlives
the pool.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from lakehose.errors import LakehoseError
from lakehose.services.awslambda.workers import Worker

RESERVED_LIMIT = "ReservedFunctionConcurrentInvocationLimitExceeded"
POOL_LIMIT = "ConcurrentInvocationLimitExceeded"
# How often a caller waiting for a slot rechecks whether the pool closed.
_WAIT_SECONDS = 0.5


class Throttled(LakehoseError):
    """No slot is free; ``reason`` is AWS's ``Reason`` for the TooManyRequestsException."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class PoolClosed(LakehoseError):
    """The engine is closing; no new invocation starts."""


class WorkerPool:
    def __init__(self, max_per_function: int) -> None:
        self.max_per_function = max_per_function
        self._lock = threading.Condition()
        self._busy: defaultdict[str, int] = defaultdict(int)
        self._idle: defaultdict[str, list[Worker]] = defaultdict(list)
        self._workers: set[Worker] = set()
        # Bumped by ``retire``: workers started before belong to an older code or configuration.
        self._generation: defaultdict[str, int] = defaultdict(int)
        self._closed = False

    @contextmanager
    def slot(self, function: str, reserved: int | None, *, wait: bool) -> Iterator[None]:
        """Hold one of ``function``'s invocation slots; ``Throttled`` when none is free."""
        limit = self.max_per_function if reserved is None else reserved
        with self._lock:
            while self._busy[function] >= limit:
                if self._closed:
                    raise PoolClosed("the Lambda engine is closed")
                if not wait:
                    raise Throttled(POOL_LIMIT if reserved is None else RESERVED_LIMIT)
                self._lock.wait(_WAIT_SECONDS)
            if self._closed:
                raise PoolClosed("the Lambda engine is closed")
            self._busy[function] += 1
        try:
            yield
        finally:
            with self._lock:
                self._busy[function] -= 1
                self._lock.notify_all()

    def take_idle(self, function: str, key: str) -> Worker | None:
        """A warm worker of ``function`` for ``key``; stale and dead ones are discarded."""
        with self._lock:
            current = self._generation[function]
            usable: list[Worker] = []
            stale: list[Worker] = []
            for worker in self._idle[function]:
                fresh = worker.key == key and worker.generation == current and worker.alive
                (usable if fresh else stale).append(worker)
            found = usable.pop() if usable else None
            self._idle[function] = usable
            self._workers.difference_update(stale)
        for worker in stale:
            worker.kill()
        return found

    def spawn(self, function: str, start: Callable[[], Worker]) -> Worker:
        """A new worker from ``start`` (run outside the lock: starting takes a while)."""
        with self._lock:
            generation = self._generation[function]
        worker = start()
        worker.generation = generation
        with self._lock:
            if not self._closed:
                self._workers.add(worker)
                return worker
        worker.kill()
        raise PoolClosed("the Lambda engine is closed")

    def give_back(self, function: str, worker: Worker, *, reusable: bool, now: float) -> None:
        with self._lock:
            current = worker.generation == self._generation[function]
            if reusable and current and worker.alive and not self._closed:
                worker.last_used = now
                self._idle[function].append(worker)
                return
            self._workers.discard(worker)
        worker.kill()

    def retire(self, function: str) -> None:
        """Make every worker of ``function`` stale (it was updated or deleted): the idle ones are
        killed now, the busy ones when their invocation ends."""
        with self._lock:
            self._generation[function] += 1
            idle = self._idle.pop(function, [])
            self._workers.difference_update(idle)
        for worker in idle:
            worker.kill()

    def reap(self, idle_before: float) -> None:
        """Kill workers idle since before ``idle_before`` (AWS reclaims cold sandboxes too)."""
        expired: list[Worker] = []
        with self._lock:
            for idle in self._idle.values():
                expired.extend(worker for worker in idle if worker.last_used < idle_before)
                idle[:] = [worker for worker in idle if worker.last_used >= idle_before]
            self._workers.difference_update(expired)
        for worker in expired:
            worker.kill()

    def pids(self, function: str | None = None) -> list[int]:
        """Process ids of the live workers (of one function): what tests check for orphans."""
        prefix = f"{function}:" if function is not None else ""
        with self._lock:
            return sorted(
                worker.pid
                for worker in self._workers
                if worker.alive and worker.key.startswith(prefix)
            )

    def abandon(self) -> None:
        """SIGKILL every worker's process group now, reaping none: the process is exiting
        without closing, and no worker may outlive it running a handler."""
        # Bounded: a thread holding the lock may never release it while the process exits.
        locked = self._lock.acquire(timeout=1)
        try:
            workers = list(self._workers)
        finally:
            if locked:
                self._lock.release()
        for worker in workers:
            worker.stop()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle = [worker for workers in self._idle.values() for worker in workers]
            busy = [worker for worker in self._workers if worker not in idle]
            self._idle.clear()
            self._workers.clear()
            self._lock.notify_all()
        for worker in idle:
            worker.kill()
        # Busy workers belong to their invocation's thread, which cleans up once they are dead.
        for worker in busy:
            worker.stop()
