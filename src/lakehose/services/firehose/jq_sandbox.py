"""jq programs from API callers, run where they cannot reach the host: a pool of worker processes.

A ``MetadataExtractionQuery`` is code that any caller of CreateDeliveryStream hands us, and jq can
read the process environment (``$ENV``, ``env``), loop forever (``def f: f; f``, ``repeat(.)``,
``range(1e18)``), allocate without bound (``[range(1e9)]``), backtrack without end in an
Oniguruma regex (``test("(a*)*b")``) and, through ``import``, read modules from disk. None of it
runs in the server process. A program is compiled and evaluated by a worker process that

* has an empty environment (only ``TZ=UTC``, so ``localtime`` and ``mktime`` read UTC as on AWS)
  and runs the program after a prelude that rebinds ``$ENV`` and ``env`` to ``{}``: the prelude
  keeps the host's variables out of reach, and the empty environment means that even a builtin
  the prelude missed would find nothing to leak. ``modulemeta`` (reads modules) and the
  ``debug``/``stderr`` side channels are shadowed too, and since the prelude comes first,
  ``import``/``include`` directives no longer parse: no module path is ever looked up;
* evaluates under a CPU-time alarm (``ITIMER_PROF``, whose default action ends the process: jq's
  C loop never returns to Python, so no Python-level timeout could interrupt it) and under
  ``RLIMIT_AS``, so a runaway allocation aborts the worker, never the server;
* may not write files (``RLIMIT_FSIZE`` 0) or dump core; its stderr is discarded.

The server also waits for every reply with a wall-clock deadline and kills a worker that misses
it (a worker starved of CPU, or stopped). A worker that died is replaced on the next call, so a
record whose program hits a limit fails alone and the stream goes on. Workers start on first
use and stay warm; a call costs one pipe round trip, tens of microseconds on Linux (about 1.4
times the in-process cost of a typical query on a small record, measured when this was made).

Protocol, one reply per request, in order. Request: a kind byte (``c`` compile, ``e`` evaluate),
two big-endian u32 lengths, then the program and the input text, both UTF-8. Reply: a status
byte (``o`` ok, ``e`` the program's error), a u32 length, then the payload: for ``e`` requests
the JSON array of the program's first ``MAX_OUTPUTS`` outputs, otherwise the error message.

This file is also the worker's main program. It is started by path with ``-P`` (and ``-E``),
so that neither its own directory (which holds a ``codecs.py``) nor ``PYTHON*`` variables shape
the worker's imports; it therefore imports only the standard library and orjson at the top.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import os
import re
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import orjson

__all__ = [
    "DEFAULT_CPU_SECONDS",
    "DEFAULT_MEMORY_BYTES",
    "MAX_OUTPUTS",
    "JqFailure",
    "JqSandbox",
    "default_sandbox",
]

DEFAULT_CPU_SECONDS = 1.0
DEFAULT_MEMORY_BYTES = 512 * 1024 * 1024
DEFAULT_WORKERS = 2
# Enough to tell "one output" from "several": a generator is never run past its second output.
MAX_OUTPUTS = 2
# Partition keys end up in object keys (at most 1,024 bytes); a reply this large is a mistake.
MAX_REPLY_BYTES = 1024 * 1024
# A worker gets this much wall-clock time beyond its CPU limit before the server kills it: CPU
# time runs slower than the clock on a loaded machine, and only a stopped worker should hit it.
_WALL_MARGIN_SECONDS = 10.0
# Definitions placed before the caller's program, all on one line (see ``_user_line``).
_PRELUDE = (
    "def env: {}; "
    'def modulemeta: error("modulemeta is not available"); '
    "def get_search_list: []; def input_filename: null; "
    "def debug: .; def debug(msg): .; def stderr: .; "
    "{} as $ENV | ("
)
_REQUEST = struct.Struct(">cII")
_REPLY = struct.Struct(">cI")
_LOCATION = re.compile(r", line (\d+), column (\d+):")


class JqFailure(Exception):
    """The program failed: jq's own error (compile or run), or a limit it hit."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def wrap(program: str) -> str:
    """``program`` behind the prelude; the newlines keep a trailing ``#`` comment inside."""
    return f"{_PRELUDE}\n{program}\n)"


def _user_line(message: str) -> str:
    """jq's compile error without the echoed source (it shows the prelude), lines as written."""
    first = message.split("\n", 1)[0].removeprefix("jq: error: ")

    def shift(found: re.Match[str]) -> str:
        return f", line {max(int(found.group(1)) - 1, 1)}, column {found.group(2)}:"

    return _LOCATION.sub(shift, first).rstrip(":")


class _WorkerLost(Exception):
    """The worker died or missed its deadline; ``message`` says what the program ran into."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class _Worker:
    """One worker process and the server's end of its pipes (non-blocking, polled)."""

    def __init__(self, cpu_seconds: float, memory_bytes: int) -> None:
        self.memory_bytes = memory_bytes
        self.cpu_seconds = cpu_seconds
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-E",
                "-P",
                str(Path(__file__).resolve()),
                repr(cpu_seconds),
                str(memory_bytes),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env={"TZ": "UTC"},
            cwd=Path(__file__).anchor,
            # Its own session: a Ctrl-C meant for the server does not kill a worker mid-call.
            start_new_session=True,
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self._in = self.process.stdin.fileno()
        self._out = self.process.stdout.fileno()
        os.set_blocking(self._in, False)
        os.set_blocking(self._out, False)

    def call(self, request: bytes, deadline: float) -> tuple[bytes, bytes]:
        """Send one request, return (status, payload); raises ``_WorkerLost``."""
        try:
            self._send(request, deadline)
            status, length = _REPLY.unpack(self._receive(_REPLY.size, deadline))
            if length > MAX_REPLY_BYTES + 1024:
                raise _WorkerLost("the jq worker sent a malformed reply")
            return status, self._receive(length, deadline)
        except OSError:
            raise _WorkerLost(self._death()) from None

    def _wait(self, fd: int, events: int, deadline: float) -> None:
        poller = select.poll()
        poller.register(fd, events)
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not poller.poll(remaining * 1000):
            raise _WorkerLost(
                f"jq program did not finish within {self.cpu_seconds + _WALL_MARGIN_SECONDS:g} s"
            )

    def _send(self, data: bytes, deadline: float) -> None:
        view = memoryview(data)
        while view:
            self._wait(self._in, select.POLLOUT, deadline)
            view = view[os.write(self._in, view) :]

    def _receive(self, size: int, deadline: float) -> bytes:
        chunks: list[bytes] = []
        while size:
            self._wait(self._out, select.POLLIN, deadline)
            chunk = os.read(self._out, min(size, 1 << 20))
            if not chunk:
                raise _WorkerLost(self._death())
            chunks.append(chunk)
            size -= len(chunk)
        return b"".join(chunks)

    def _death(self) -> str:
        """Why the worker is gone, in terms of the limit the program hit."""
        try:
            code = self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            return "the jq worker stopped answering"
        if code == -signal.SIGPROF:
            return f"jq program exceeded its CPU time limit of {self.cpu_seconds:g} s"
        if code in (-signal.SIGABRT, -signal.SIGSEGV, -signal.SIGBUS, -signal.SIGKILL):
            # jq aborts when an allocation fails, which RLIMIT_AS makes happen at the limit.
            return f"jq program exceeded its memory limit of {self.memory_bytes >> 20} MiB"
        return f"the jq worker exited unexpectedly (status {code})"

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()


class JqSandbox:
    """Compiles and runs jq programs in up to ``workers`` worker processes (module docstring)."""

    def __init__(
        self,
        *,
        workers: int = DEFAULT_WORKERS,
        cpu_seconds: float = DEFAULT_CPU_SECONDS,
        memory_bytes: int = DEFAULT_MEMORY_BYTES,
    ) -> None:
        self.workers = workers
        self.cpu_seconds = cpu_seconds
        self.memory_bytes = memory_bytes
        self._idle: list[_Worker] = []
        self._started = 0
        self._closed = False
        self._available = threading.Condition()

    def check(self, program: str) -> None:
        """Raise ``JqFailure`` with jq's message unless ``program`` compiles."""
        self._call(b"c", program, "")

    def run(self, program: str, text: str) -> list[Any]:
        """The first ``MAX_OUTPUTS`` outputs of ``program`` on the JSON ``text``."""
        outputs: list[Any] = orjson.loads(self._call(b"e", program, text))
        return outputs

    def close(self) -> None:
        with self._available:
            self._closed = True
            idle, self._idle = self._idle, []
            self._started -= len(idle)
            self._available.notify_all()
        for worker in idle:
            worker.kill()

    def _call(self, kind: bytes, program: str, text: str) -> bytes:
        source, data = program.encode(), text.encode()
        request = _REQUEST.pack(kind, len(source), len(data)) + source + data
        worker = self._acquire()
        deadline = time.monotonic() + self.cpu_seconds + _WALL_MARGIN_SECONDS
        try:
            status, payload = worker.call(request, deadline)
        except _WorkerLost as lost:
            self._discard(worker)
            raise JqFailure(lost.message) from None
        except BaseException:
            self._discard(worker)
            raise
        self._release(worker)
        if status == b"o":
            return payload
        message = payload.decode("utf-8", "replace")
        raise JqFailure(_user_line(message) if kind == b"c" else message)

    def _acquire(self) -> _Worker:
        with self._available:
            while True:
                if self._closed:
                    raise JqFailure("the jq sandbox is closed")
                if self._idle:
                    return self._idle.pop()
                if self._started < self.workers:
                    self._started += 1
                    break
                self._available.wait()
        try:
            return _Worker(self.cpu_seconds, self.memory_bytes)
        except BaseException:
            with self._available:
                self._started -= 1
                self._available.notify()
            raise

    def _release(self, worker: _Worker) -> None:
        with self._available:
            if not self._closed:
                self._idle.append(worker)
                self._available.notify()
                return
            self._started -= 1
        worker.kill()

    def _discard(self, worker: _Worker) -> None:
        worker.kill()
        with self._available:
            self._started -= 1
            self._available.notify()


_default: JqSandbox | None = None
_default_lock = threading.Lock()


def default_sandbox() -> JqSandbox:
    """The process's sandbox, started on first use and closed at exit."""
    global _default
    with _default_lock:
        if _default is None:
            _default = JqSandbox()
            atexit.register(_default.close)
        return _default


# -- the worker's side --------------------------------------------------------------------------


def _read_exactly(size: int) -> bytes | None:
    chunks: list[bytes] = []
    while size:
        chunk = os.read(0, min(size, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _reply(status: bytes, payload: bytes) -> None:
    view = memoryview(_REPLY.pack(status, len(payload)) + payload)
    while view:
        view = view[os.write(1, view) :]


def _limit_resources(memory_bytes: int) -> None:
    import resource

    for limit, value in (
        (resource.RLIMIT_AS, memory_bytes),
        (resource.RLIMIT_FSIZE, 0),
        (resource.RLIMIT_CORE, 0),
    ):
        # A platform that refuses one (macOS may, for RLIMIT_AS) still has the CPU alarm and
        # the server's deadline; refusing to start would fail every record instead.
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(limit, (value, value))


def _encode(outputs: list[Any]) -> bytes:
    try:
        return orjson.dumps(outputs)
    except TypeError:  # an integer beyond 64 bits, which jq keeps from the input's literal
        import json

        return json.dumps(outputs).encode()


def _serve(cpu_seconds: float, memory_bytes: int) -> None:
    import jq  # type: ignore[import-not-found]  # a C extension without stubs; worker only

    _limit_resources(memory_bytes)
    compiled: dict[str, Any] = {}
    while True:
        header = _read_exactly(_REQUEST.size)
        if header is None:
            return  # the server closed our stdin, or died
        kind, source_size, data_size = _REQUEST.unpack(header)
        body = _read_exactly(source_size + data_size)
        if body is None:
            return
        source = body[:source_size].decode()
        try:
            # The alarm covers compiling too; its default action ends this process.
            signal.setitimer(signal.ITIMER_PROF, cpu_seconds)
            try:
                program = compiled.get(source)
                if program is None:
                    program = jq.compile(wrap(source))
                    if len(compiled) >= 64:
                        compiled.pop(next(iter(compiled)))
                    compiled[source] = program
                outputs: list[Any] = []
                if kind == b"e":
                    text = body[source_size:].decode()
                    outputs = list(itertools.islice(iter(program.input_text(text)), MAX_OUTPUTS))
            finally:
                signal.setitimer(signal.ITIMER_PROF, 0)
            payload = _encode(outputs)
        except ValueError as error:  # jq's compile and runtime errors
            _reply(b"e", str(error).encode())
            continue
        except MemoryError:
            message = f"jq program exceeded its memory limit of {memory_bytes >> 20} MiB"
            _reply(b"e", message.encode())
            continue
        if len(payload) > MAX_REPLY_BYTES:
            message = f"jq program output is larger than {MAX_REPLY_BYTES >> 20} MiB"
            _reply(b"e", message.encode())
            continue
        _reply(b"o", payload)


if __name__ == "__main__":
    _serve(float(sys.argv[1]), int(sys.argv[2]))
