"""One worker: a sandboxed subprocess running a function's handler, and the pipes that drive it.

A worker is started per execution environment (function code and configuration) and reused for
invocation after invocation while it stays healthy, as AWS reuses a warm sandbox. The process the
engine starts is the sandbox (``sandbox_main``), which starts the runtime's worker
(``worker_main`` or the Node.js bootstrap) and owns everything it starts. The engine's side of
the protocol:

1. ``start``: wait for the worker's first message, ``ready`` or ``init_error``, within the init
   limit. What the worker printed while initializing is kept for the first invocation's log.
2. ``invoke``: empty the log file, send the request and payload frames, wait for the result
   frames until the deadline. On the deadline, or when the worker reports running out of
   memory, the sandbox is told to end (``SIGTERM``): it kills the whole process tree,
   ``setsid()`` children included. If the worker dies first, the sandbox's status line says
   how (``signal: killed``, ``exit status 1``), and whether a memory or task limit ended it.
3. ``kill``: end the sandbox, reap it, close the pipes and the log file.

The sandbox also holds the read end of a control pipe the engine never writes: when the engine's
process ends, however it ends, the pipe reaches end of file and the sandbox kills the tree.

stdout and stderr of the worker go to an unlinked temporary file shared with the engine: the
engine rewinds and truncates it before each invocation and reads it after, so a handler that
prints megabytes can never block on a full pipe.

Deadlines and durations use ``time.monotonic()``, not the engine's clock: they bound real
processes, which a manual clock moved by a test could neither hurry nor stop. The engine's clock
still dates the log lines and decides when an idle worker is reaped.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import orjson

from lakehose.services.awslambda import sandbox_main
from lakehose.services.awslambda.runtimes import Launch
from lakehose.services.awslambda.worker_main import FRAME_HEADER_SIZE, encode_frame, frame_length

OutcomeKind = Literal["success", "error", "init_error", "timeout", "exited", "oom"]

# AWS's quota on processes and threads in one execution environment.
MAX_TASKS = 1024
# How long a sandbox told to end may take to kill its tree before it is killed itself.
_SANDBOX_GRACE_SECONDS = 15.0


@dataclass(frozen=True)
class Outcome:
    """What became of one invocation (or of a worker's init, for ``init_error``)."""

    kind: OutcomeKind
    body: bytes = b""
    output: str = ""  # what the worker wrote to stdout/stderr during the invocation
    duration_ms: float = 0.0
    memory_mb: int = 0
    exit_reason: str = ""  # for "exited" and "oom": "signal: killed", "exit status 1", ...

    @property
    def worker_survives(self) -> bool:
        return self.kind in ("success", "error")


class _Deadline(Exception):
    pass


class _Closed(Exception):
    pass


class Worker:
    """A running worker process. Not thread-safe: the pool hands it to one invocation at a time."""

    def __init__(self, launch: Launch, key: str) -> None:
        self.key = key
        self.log_stream = launch.log_stream  # the CloudWatch Logs stream of this environment
        self.generation = 0  # set by the pool: which version of the function it runs
        self.last_used = 0.0  # by the engine's clock, for reaping idle workers
        self.memory_mb = 0
        self.init_output = ""
        self.init_ms: float | None = None
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the worker
        self._spawned = time.monotonic()
        request_read, self._requests = os.pipe()
        self._results, result_write = os.pipe()
        control_read, self._control = os.pipe()
        self._status, status_write = os.pipe()
        sandbox = (
            sys.executable,
            "-I",
            "-S",
            str(Path(sandbox_main.__file__).resolve()),
            str(control_read),
            str(status_write),
            str(launch.memory_mb),
            str(MAX_TASKS),
            "--",
        )
        try:
            self.process = subprocess.Popen(
                [*sandbox, *launch.command, str(result_write)],
                stdin=request_read,
                stdout=self._log,
                stderr=self._log,
                env=launch.environment,
                cwd=launch.task_root,
                pass_fds=(result_write, control_read, status_write),
                # Its own session: a terminal's signals go to the runtime, which ends it.
                start_new_session=True,
            )
        except BaseException:
            for descriptor in (self._requests, self._results, self._control, self._status):
                os.close(descriptor)
            self._log.close()
            raise
        finally:
            for descriptor in (request_read, result_write, control_read, status_write):
                os.close(descriptor)
        self._closed = threading.Event()

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def alive(self) -> bool:
        """The sandbox runs and the worker still holds its end of the result pipe (a worker
        killed from outside is dead here before its sandbox has finished cleaning up)."""
        if self._closed.is_set() or self.process.poll() is not None:
            return False
        poller = select.poll()
        poller.register(self._results, select.POLLIN)
        return not any(event & select.POLLHUP for _, event in poller.poll(0))

    def start(self, timeout_seconds: float) -> Outcome | None:
        """Wait for the handler to load: ``None`` when ready, else why it is not.

        ``init_ms`` counts from the process's start, as AWS's Init Duration counts the runtime's
        start-up along with the handler module's import.
        """
        began = self._spawned
        try:
            message, body = self._receive(began + timeout_seconds)
        except _Deadline:
            return self._fail("timeout", began)
        except _Closed:
            return self._fail("exited", began)
        self.init_ms = _elapsed_ms(began)
        self.init_output = self._take_output()
        if message.get("type") == "init_error":
            self.kill()
            # The init output stays with the worker: the invocation's log starts with it.
            return Outcome("init_error", body=body)
        return None

    def invoke(self, header: dict[str, Any], payload: bytes, timeout_seconds: float) -> Outcome:
        self._take_output()  # anything written between invocations is not this one's
        began = time.monotonic()
        try:
            _write_all(self._requests, encode_frame(orjson.dumps(header)) + encode_frame(payload))
            message, body = self._receive(began + timeout_seconds)
        except _Deadline:
            return self._fail("timeout", began)
        except (_Closed, BrokenPipeError):
            return self._fail("exited", began)
        if message.get("type") == "oom":
            return self._fail("oom", began)
        self.memory_mb = int(message.get("memory_mb", self.memory_mb))
        return Outcome(
            "error" if message.get("error") else "success",
            body=body,
            output=self._take_output(),
            duration_ms=_elapsed_ms(began),
            memory_mb=self.memory_mb,
        )

    def stop(self) -> None:
        """Tell the sandbox to kill the worker's tree; callable from any thread, the owner
        cleans up."""
        if self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(self.process.pid, signal.SIGTERM)

    def kill(self) -> None:
        """Stop the worker, reap it and release its pipes; by the thread that owns it."""
        if self._closed.is_set():
            return
        self._closed.set()
        self.stop()
        self._wait()
        for descriptor in (self._requests, self._results, self._control, self._status):
            with contextlib.suppress(OSError):
                os.close(descriptor)
        self._log.close()

    # -- internals --------------------------------------------------------------------------

    def _fail(self, kind: OutcomeKind, began: float) -> Outcome:
        duration = _elapsed_ms(began)
        if kind != "exited":
            self.stop()
        self._wait()
        status = self._sandbox_status()
        output = self._take_output()
        self.kill()
        if status.get("oom"):
            kind = "oom"
        # Out of memory, AWS's runtime is SIGKILLed, whether or not it got to exit first here.
        returncode = -signal.SIGKILL if kind == "oom" else _returncode(status)
        return Outcome(
            kind,
            output=output,
            duration_ms=duration,
            memory_mb=self.memory_mb,
            exit_reason=exit_reason(returncode),
        )

    def _wait(self) -> None:
        """Wait for the sandbox to end; one that does not end in time is killed outright."""
        try:
            self.process.wait(_SANDBOX_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def _sandbox_status(self) -> dict[str, Any]:
        """The sandbox's last word on how the worker ended (empty if it said none)."""
        with contextlib.suppress(OSError, ValueError):
            os.set_blocking(self._status, False)
            line = os.read(self._status, 4096)
            found = orjson.loads(line) if line else {}
            return found if isinstance(found, dict) else {}
        return {}

    def _receive(self, deadline: float) -> tuple[dict[str, Any], bytes]:
        """A message and, for ``result`` and ``init_error``, the body frame that follows it."""
        message = orjson.loads(self._read_frame(deadline))
        has_body = message.get("type") in ("result", "init_error")
        return message, self._read_frame(deadline) if has_body else b""

    def _read_frame(self, deadline: float) -> bytes:
        return self._read(frame_length(self._read(FRAME_HEADER_SIZE, deadline)), deadline)

    def _read(self, size: int, deadline: float) -> bytes:
        data = bytearray()
        poller = select.poll()
        poller.register(self._results, select.POLLIN)
        while len(data) < size:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _Deadline
            if not poller.poll(remaining * 1000):
                continue
            chunk = os.read(self._results, size - len(data))
            if not chunk:
                raise _Closed
            data += chunk
        return bytes(data)

    def _take_output(self) -> str:
        """What the worker wrote since the last call; the log file starts over empty."""
        descriptor = self._log.fileno()
        size = os.fstat(descriptor).st_size
        data = os.pread(descriptor, size, 0) if size else b""
        # The worker's stdout shares this file's offset: rewind it along with the truncation.
        os.ftruncate(descriptor, 0)
        os.lseek(descriptor, 0, os.SEEK_SET)
        return data.decode("utf-8", errors="replace")


def exit_reason(returncode: int) -> str:
    """How AWS words a runtime's end: Go's ``ProcessState`` text (``signal: killed``)."""
    if returncode < 0:
        name = signal.strsignal(-returncode) or f"signal {-returncode}"
        return f"Runtime exited with error: signal: {name.split(':')[0].lower()}"
    if returncode == 0:
        return "Runtime exited without providing a reason"
    return f"Runtime exited with error: exit status {returncode}"


def _returncode(status: dict[str, Any]) -> int:
    """A ``Popen.returncode`` for the worker the sandbox reported on."""
    if "exit" in status:
        return int(status["exit"])
    return -int(status.get("signal", signal.SIGKILL))


def _write_all(descriptor: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(descriptor, view) :]


def _elapsed_ms(began: float) -> float:
    return (time.monotonic() - began) * 1000
