"""The sandbox: the process that owns one worker and everything the worker starts.

An execution environment on AWS is a microVM: when it goes, every process in it goes, and it
has a memory size the function cannot exceed. Locally the sandbox plays that part. It is started
by the engine as a script (``python -I -S <this file> <control fd> <status fd> <memory MB>
<max tasks> -- <worker command...>``), imports only the standard library, and never runs user
code, so neither a handler's bugs nor its memory use can stop it doing its job:

1. It makes itself a child subreaper (``PR_SET_CHILD_SUBREAPER``): whatever the worker starts,
   ``setsid()`` and double-forked daemons included, stays its descendant when a parent exits.
2. It forks the worker, which asks to be killed when the sandbox dies (``PR_SET_PDEATHSIG``),
   takes a data-size limit (``RLIMIT_DATA``, the hard ceiling on allocations), and execs the
   runtime's worker command with the pipes the engine gave.
3. It waits for one of: the worker exiting; ``SIGTERM`` from the engine (a timeout, a retired
   worker, the runtime closing); the control pipe reaching end of file, which happens exactly
   when the engine's process is gone, however it died (``kill -9`` included); the tree's
   resident memory passing the function's memory size; the tree's tasks (processes and
   threads) passing the limit.
4. Then it kills every descendant, round after round until none is left (a process forking
   while it is being killed only adds one more round), reaps them, writes one JSON status line
   to the status pipe (``{"exit": n}`` or ``{"signal": n}``, plus ``"oom"`` or ``"tasks"`` when
   a limit ended the worker), and exits.

Descendants are found by reading ``/proc``: a full scan discovers them once a second, and the
memory of the ones known (their proportional set size) is summed ten times a second: AWS counts
the memory of every process in the environment, as this does. Where there is no ``/proc`` (macOS)
the sandbox ends by killing its process group instead, and enforces no memory or task limit.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import resource
import select
import signal
import sys
import time

_PR_SET_PDEATHSIG = 1
_PR_SET_CHILD_SUBREAPER = 36
TICK_SECONDS = 0.1
SCAN_SECONDS = 1.0
# The data segment may grow past the memory size (thread stacks and untouched allocations are
# counted there but are not resident); beyond this ceiling an allocation fails at once.
DATA_HEADROOM_MB = 256
_KILL_ROUNDS_SECONDS = 10.0
# Without /proc (macOS) descendants cannot be listed: the sandbox kills its process group.
_HAS_PROC = os.path.isdir("/proc/self")


def _prctl(option: int, value: int) -> None:
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(option, value, 0, 0, 0)


def _process_table() -> dict[int, tuple[int, str, int]]:
    """Every process: its parent, its state letter and its number of threads."""
    table: dict[int, tuple[int, str, int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                fields = stat.read().rpartition(b")")[2].split()
        except OSError:
            continue
        table[int(entry)] = (int(fields[1]), fields[0].decode(), int(fields[17]))
    return table


def descendants(root: int) -> dict[int, tuple[int, str, int]]:
    """The processes below ``root`` (zombies included), with their table entries."""
    table = _process_table()
    children: dict[int, list[int]] = {}
    for pid, (parent, _, _) in table.items():
        children.setdefault(parent, []).append(pid)
    found: dict[int, tuple[int, str, int]] = {}
    pending = list(children.get(root, []))
    while pending:
        pid = pending.pop()
        if pid not in found:
            found[pid] = table[pid]
            pending.extend(children.get(pid, []))
    return found


def _resident_bytes(pids: list[int]) -> int:
    """The memory ``pids`` hold, pages shared between them counted once (their ``Pss``), as a
    memory cgroup counts a forked tree."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup", "rb") as rollup:
                for line in rollup:
                    if line.startswith(b"Pss:"):
                        total += int(line.split()[1]) * 1024
                        break
        except (OSError, IndexError, ValueError):
            continue
    return total


def _reap_all() -> None:
    """Reap every child that has exited."""
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass


def kill_tree(me: int) -> None:
    """SIGKILL every descendant, round after round, until none is left, and reap them."""
    deadline = time.monotonic() + _KILL_ROUNDS_SECONDS
    while time.monotonic() < deadline:
        # Exited descendants become our children (we are the subreaper) and are reaped here.
        _reap_all()
        tree = descendants(me)
        if not tree:
            return
        living = [pid for pid, (_, state, _) in tree.items() if state not in "ZX"]
        for pid in living:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.001)


def _start_worker(command: list[str], memory_mb: int, parent: int) -> int:
    pid = os.fork()
    if pid:
        return pid
    try:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:
            os._exit(1)  # the sandbox died before the request took effect
        ceiling = (memory_mb + max(memory_mb, DATA_HEADROOM_MB)) * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_DATA, (ceiling, ceiling))
        os.execve(command[0], command, os.environ)
    except BaseException:
        os._exit(127)


def _watch(worker: int, control: int, memory_mb: int, max_tasks: int) -> tuple[str | None, int]:
    """Wait for the worker's end; why the sandbox ended it (or ``None``) and its wait status."""
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_write, False)
    signal.set_wakeup_fd(wake_write)
    poller = select.poll()
    poller.register(control, select.POLLIN)
    poller.register(wake_read, select.POLLIN)
    pidfd = None
    with contextlib.suppress(AttributeError, OSError):
        pidfd = os.pidfd_open(worker)
        poller.register(pidfd, select.POLLIN)
    limit = memory_mb * 1024 * 1024
    me = os.getpid()
    known = [worker]
    next_scan = 0.0
    while True:
        events = poller.poll(TICK_SECONDS * 1000)
        done, status = os.waitpid(worker, os.WNOHANG)
        if done:
            return None, status
        for descriptor, _ in events:
            if descriptor in (control, wake_read):
                return "stopped", 0
        now = time.monotonic()
        if not _HAS_PROC:
            continue
        if now >= next_scan:
            tree = descendants(me)
            known = [pid for pid, (_, state, _) in tree.items() if state not in "ZX"]
            if sum(threads for _, _, threads in tree.values()) > max_tasks:
                return "tasks", 0
            next_scan = now + SCAN_SECONDS
        if _resident_bytes(known) > limit:
            return "oom", 0


def _status(reason: str | None, status: int | None) -> dict[str, object]:
    report: dict[str, object] = {}
    if status is None:
        report["signal"] = signal.SIGKILL
    elif os.WIFSIGNALED(status):
        report["signal"] = os.WTERMSIG(status)
    else:
        report["exit"] = os.WEXITSTATUS(status)
    if reason in ("oom", "tasks"):
        report[reason] = True
    return report


def main(argv: list[str]) -> int:
    control, status_fd, memory_mb, max_tasks = (int(value) for value in argv[:4])
    command = argv[argv.index("--") + 1 :]
    for descriptor in (control, status_fd):
        os.set_inheritable(descriptor, False)
    signal.signal(signal.SIGTERM, lambda *_: None)  # wakes the poll through the wakeup fd
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _prctl(_PR_SET_CHILD_SUBREAPER, 1)
    me = os.getpid()
    worker = _start_worker(command, memory_mb, me)
    # The worker's pipes are its own: the engine sees end of file as soon as it is gone.
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    with contextlib.suppress(OSError, ValueError):
        os.close(int(command[-1]))
    reason, status = _watch(worker, control, memory_mb, max_tasks)
    # A worker the sandbox ended is reported as SIGKILLed, as AWS's OOM killer ends one.
    final = status if reason is None else None
    report = json.dumps(_status(reason, final)).encode() + b"\n"
    if not _HAS_PROC:
        os.write(status_fd, report)
        os.killpg(0, signal.SIGKILL)
    kill_tree(me)
    os.write(status_fd, report)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
