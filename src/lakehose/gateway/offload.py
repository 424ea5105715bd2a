"""Engine calls run on worker threads, so the event loop keeps serving while one blocks.

Engines are synchronous: a PutItem commits to SQLite, an Invoke waits for a Lambda worker, an
Athena query runs DuckDB. Each request's call therefore leaves the event loop. The hand-off is
on every request's path, so it is kept to a queue put and one wake-up of the loop: a general
thread pool (concurrent.futures, or a framework's) adds futures, locks and bookkeeping per call
that cost more CPU than a small DynamoDB call's own work.

Workers are daemon threads: a call that never returns (a hung handler) must not keep a stopping
server's process alive. Threads are started when every existing one is busy, up to ``limit``;
beyond that, calls wait in the queue.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")
A = TypeVar("A")

# As many calls at once as a busy pipeline makes (long Lambda invokes and Athena queries beside
# quick item calls); each idle thread costs only its stack.
DEFAULT_LIMIT = 64


class _Call(Generic[A, T]):
    __slots__ = ("argument", "function", "future", "loop")

    def __init__(
        self,
        function: Callable[[A], T],
        argument: A,
        loop: asyncio.AbstractEventLoop,
        future: asyncio.Future[T],
    ) -> None:
        self.function = function
        self.argument = argument
        self.loop = loop
        self.future = future

    def run(self) -> None:
        try:
            result = self.function(self.argument)
        except BaseException as error:  # handed to the awaiting request, which re-raises it
            self.loop.call_soon_threadsafe(_fail, self.future, error)
        else:
            self.loop.call_soon_threadsafe(_succeed, self.future, result)


def _succeed(future: asyncio.Future[T], result: T) -> None:
    if not future.done():  # the request may have been cancelled (its client went away)
        future.set_result(result)


def _fail(future: asyncio.Future[T], error: BaseException) -> None:
    if not future.done():
        future.set_exception(error)


class Offload:
    """Runs ``function(argument)`` on a worker thread and awaits its result on the loop."""

    def __init__(self, *, limit: int = DEFAULT_LIMIT, name: str = "lakehose-request") -> None:
        self._calls: queue.SimpleQueue[_Call[object, object] | None] = queue.SimpleQueue()
        self._limit = limit
        self._name = name
        self._lock = threading.Lock()
        self._threads = 0
        self._idle = 0  # workers waiting for a call
        self._queued = 0  # calls no worker has taken yet

    async def run(self, function: Callable[[A], T], argument: A) -> T:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        with self._lock:
            self._queued += 1
            grow = self._queued > self._idle and self._threads < self._limit
            if grow:
                self._threads += 1
                number = self._threads
        self._calls.put(_Call(function, argument, loop, future))  # type: ignore[arg-type]
        if grow:
            # One more thread whenever calls outnumber idle workers: a quick call never waits
            # behind a long one (an Invoke whose handler calls back into this server).
            threading.Thread(target=self._work, name=f"{self._name}-{number}", daemon=True).start()
        return await future

    def close(self) -> None:
        """Let every idle worker end; a busy one ends after its call."""
        with self._lock:
            threads, self._limit = self._threads, 0
        for _ in range(threads):
            self._calls.put(None)

    def _work(self) -> None:
        while True:
            with self._lock:
                self._idle += 1
            call = self._calls.get()
            with self._lock:
                self._idle -= 1
                if call is not None:
                    self._queued -= 1
            if call is None:
                with self._lock:
                    self._threads -= 1
                return
            call.run()
